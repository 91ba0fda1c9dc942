/// Caffe's network definitions (`.prototxt`, protobuf text format), both generations: `layer { type:
/// "Convolution" }` and the old `layers { type: CONVOLUTION }`, with the input given as `input` and its
/// `input_dim`s, `input` and `input_shape`, or an `Input` layer. Each layer becomes a call of the spec
/// language with Caffe's defaults written out (a pooling stride of 1, a bias unless `bias_term: false`,
/// Caffe's rounding for pooling) or a merge; layers whose top is their bottom work in place.
///
/// Every rank Caffe's N-D blobs allow netcalc to lay out: an input of `(N, F)`, `(N, C, L)`,
/// `(N, C, H, W)` or `(N, C, D, H, W)`, spatial sizes written width first (`W x H x T x C`).
/// Convolution and Deconvolution take `kernel_size`, `stride`, `pad` and `dilation` once for every axis
/// or once per spatial axis in Caffe's order (D, H, W), reversed into the spec's W x H x T. BVLC Caffe's
/// Pooling works on 4-D blobs only (its `kernel_size` is one number, or `kernel_h` and `kernel_w`), so a
/// Pooling on another rank is refused unless it gives one `kernel_size` per spatial axis, as the forks
/// with N-D pooling write it; global pooling reads any rank.

/// What a Caffe layer computes, before its call is resolved.
private enum CaffeComputation {
    case call(ImportedCall)
    case merge(MergeKind)
}

/// Reads a Caffe prototxt into an imported network.
struct CaffeReader {
    let file: SourceFile

    /// The network, or the diagnostics that say why the file cannot be read.
    func read() throws(ImportFailure) -> ImportedNetwork {
        var parser = TextFormatParser(file: file)
        let (root, parseDiagnostics) = parser.parse()
        if parseDiagnostics.hasErrors { throw ImportFailure(diagnostics: parseDiagnostics) }
        var problems = DiagnosticList()
        func report(_ message: String, _ range: SourceRange, hint: String? = nil) {
            problems.append(Diagnostic(.error, message, at: range, in: file, hint: hint))
        }

        // The input: `input` with `input_dim`s or an `input_shape`, or an Input layer.
        var inputName: String?
        var inputDims: [Int] = []
        var inputRange = SourceRange(0, 0)
        if let field = root.first("input") {
            inputName = field.text
            inputRange = field.range
            if let shape = root.first("input_shape")?.message {
                inputDims = shape.all("dim").compactMap(\.int)
            } else {
                inputDims = root.all("input_dim").compactMap(\.int)
            }
        }
        let layerFields = root.all("layer") + root.all("layers")
        if root.all("layer").count > 0, root.all("layers").count > 0 {
            report("the file mixes `layer` and the old `layers`", root.all("layers")[0].nameRange,
                  hint: "Caffe reads one generation at a time; upgrade the file with Caffe's upgrade_net_proto_text")
        }

        var layers: [ImportedLayer] = []
        // Each call is bound and checked here, as a spec's call is; the first that cannot be is reported.
        var resolver = ImportedCallResolver(file: file)
        var unresolved: DiagnosticList?
        var aliases: [String: String] = [:]  // Split's tops: the tensor they copy
        /// The input's spatial axes (0 for `(N, F)`), for Pooling's rank check.
        func spatialRank() -> Int { max(0, inputDims.count - 2) }
        func tensor(_ name: String) -> String { aliases[name] ?? name }

        for field in layerFields {
            guard let layer = field.message else {
                report("`\(field.name)` must be a message: \(field.name) { ... }", field.range)
                continue
            }
            let name = layer.first("name")?.text ?? "layer \(layers.count + 1)"
            guard let typeField = layer.first("type"), let type = typeField.text else {
                report("layer '\(name)' has no type", field.nameRange, hint: "e.g. type: \"Convolution\"")
                continue
            }
            if !inDeployPhase(layer) { continue }
            let bottoms = layer.all("bottom").compactMap(\.text).map(tensor)
            let tops = layer.all("top").compactMap(\.text)
            // Diagnostics about the whole layer point at its name.
            let range = layer.first("name")?.valueRange ?? field.nameRange
            let kind = CaffeLayerType(type)
            if kind == .input {
                guard inputName == nil else {
                    report("the network has a second input ('\(name)')", range, hint: "netcalc analyzes networks with one input")
                    continue
                }
                inputName = tops.first ?? name
                inputRange = range
                inputDims = layer.first("input_param")?.message?.first("shape")?.message?.all("dim").compactMap(\.int) ?? []
                continue
            }
            if kind == .split {
                for top in tops { aliases[top] = bottoms.first ?? top }
                continue
            }
            guard let top = tops.first else {
                report("layer '\(name)' has no top", range)
                continue
            }
            if tops.count > 1 {
                report("layer '\(name)' has \(tops.count) tops; netcalc reads layers with one", range)
                continue
            }
            do throws(ArgumentProblem) {
                let computation: ImportedLayer.Computation
                switch try self.computation(kind, type: type, layer: layer, bottoms: bottoms.count, spatialRank: spatialRank()) {
                case .call(let call):
                    switch resolver.resolve(call, layer: name, at: range) {
                    case .success(let resolved):
                        computation = .call(resolved)
                    case .failure(let list):
                        // Reported as analysis reported it: after the file's own problems, the first only.
                        if unresolved == nil { unresolved = list }
                        continue
                    }
                case .merge(let kind):
                    computation = .merge(kind)
                }
                layers.append(ImportedLayer(name: name, computation: computation, inputs: bottoms, output: top,
                                            inPlace: bottoms == [top], range: range))
            } catch {
                problems.append(Diagnostic(.error, "layer '\(name)' (\(type)): \(error.message)", at: typeField.valueRange,
                                           in: file, hint: error.hint))
            }
        }
        // Caffe names the in-place layers' blob after the layer that first wrote it, so names repeat:
        // the analysis follows each tensor name to the latest layer that wrote it.
        guard let inputName else {
            report("the file declares no input", SourceRange(0, 0),
                  hint: "give one: input: \"data\" with input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }, or an Input layer")
            throw ImportFailure(diagnostics: problems)
        }
        guard (2...5).contains(inputDims.count), inputDims.allSatisfy({ $0 >= 1 }) else {
            report("the input needs two to five positive sizes, (N, F), (N, C, L), (N, C, H, W) or (N, C, D, H, W), not \(inputDims.map(String.init).joined(separator: " x "))",
                  inputRange, hint: "input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }")
            throw ImportFailure(diagnostics: problems)
        }
        if problems.hasErrors { throw ImportFailure(diagnostics: problems) }
        if let unresolved { throw ImportFailure(diagnostics: unresolved) }
        let input = inputDims.count == 2 ? Shape(width: 1, height: 1, depth: inputDims[1])
            : Shape(spatial: inputDims[2...].reversed(), depth: inputDims[1])
        let networkName = root.first("name")?.text.flatMap { $0.isEmpty ? nil : $0 } ?? fileStem(file.name)
        return ImportedNetwork(name: networkName, inputName: inputName, input: input, batch: inputDims[0],
                               layers: layers, inputRange: inputRange)
    }

    /// False for a layer that only the training phase has (`include { phase: TRAIN }`).
    private func inDeployPhase(_ layer: TextMessage) -> Bool {
        for rule in layer.all("include").compactMap(\.message) {
            if let phase = rule.first("phase")?.text, phase.uppercased() == "TRAIN" || phase == "0" { return false }
        }
        for rule in layer.all("exclude").compactMap(\.message) {
            if let phase = rule.first("phase")?.text, phase.uppercased() == "TEST" || phase == "1" { return false }
        }
        return true
    }

    /// The spec call or merge a Caffe layer computes, with Caffe's defaults made explicit.
    private func computation(_ kind: CaffeLayerType, type: String, layer: TextMessage, bottoms: Int,
                             spatialRank: Int) throws(ArgumentProblem) -> CaffeComputation {
        let inPlace = layer.all("bottom").compactMap(\.text) == layer.all("top").compactMap(\.text)
        func call(_ keyword: String, _ arguments: [ImportedArgument] = []) -> CaffeComputation {
            .call(ImportedCall(keyword, arguments + (inPlace ? [.flag(inPlaceFlag)] : [])))
        }
        func single() throws(ArgumentProblem) {
            if bottoms != 1 { throw ArgumentProblem("it reads \(bottoms) blobs; netcalc reads this layer with one") }
        }
        switch kind {
        case .convolution, .deconvolution:
            try single()
            let parameters = layer.first("convolution_param")?.message ?? TextMessage(fields: [])
            guard let filters = parameters.first("num_output")?.int, filters >= 1 else {
                throw ArgumentProblem("it needs num_output, the number of filters")
            }
            let kernel = try window(parameters, "kernel_size", "kernel_h", "kernel_w", fallback: nil)
            let stride = try window(parameters, "stride", "stride_h", "stride_w", fallback: 1)
            let pad = try window(parameters, "pad", "pad_h", "pad_w", fallback: 0)
            let dilation = try window(parameters, "dilation", "dilation", "dilation", fallback: 1)
            let group = parameters.first("group")?.int ?? 1
            var arguments: [ImportedArgument] = [.value(filters), .value(kernel.written), .tag("s", stride.written),
                                                 .tag("p", pad.written)]
            if kind == .deconvolution {
                guard group == 1, dilation == Sizes(square: 1) else {
                    throw ArgumentProblem("a Deconvolution with groups or dilation is not supported")
                }
            } else {
                if dilation != Sizes(square: 1) { arguments.append(.tag("d", dilation.written)) }
                if group != 1 { arguments.append(.tag("g", [group])) }
            }
            if parameters.first("bias_term")?.bool == false { arguments.append(.flag("nobias")) }
            return call(kind == .convolution ? "CONV" : "DECONV", arguments)
        case .pooling:
            try single()
            let parameters = layer.first("pooling_param")?.message ?? TextMessage(fields: [])
            let method = parameters.first("pool")?.text?.uppercased() ?? "MAX"
            let maximum: Bool
            switch method {
            case "MAX", "0": maximum = true
            case "AVE", "1": maximum = false
            default: throw ArgumentProblem("\(method) pooling is not supported", hint: "MAX and AVE are")
            }
            if parameters.first("global_pooling")?.bool == true {
                return call(maximum ? "ADAPTIVEMAXPOOL" : "GAP", maximum ? [.value(1)] : [])
            }
            if spatialRank != 2 {
                // BVLC Caffe pools 4-D blobs only; the N-D pooling forks repeat kernel_size per axis.
                let sizes = parameters.all("kernel_size").compactMap(\.int)
                guard sizes.count == spatialRank || (spatialRank == 1 && sizes.count == 1) else {
                    throw ArgumentProblem(
                        "BVLC Caffe's Pooling works on 4-D blobs (N, C, H, W), and this network's input is \(spatialRank + 2)-D",
                        hint: "a fork with N-D pooling gives kernel_size (and stride, pad) once per spatial axis, which netcalc reads; so does global_pooling")
                }
            }
            let kernel = try window(parameters, "kernel_size", "kernel_h", "kernel_w", fallback: nil)
            let stride = try window(parameters, "stride", "stride_h", "stride_w", fallback: 1)
            let pad = try window(parameters, "pad", "pad_h", "pad_w", fallback: 0)
            // Caffe rounds pooling up; a fork's `ceil_mode: false` rounds down (DenseNet-Caffe).
            let rounding = parameters.first("ceil_mode")?.bool == false ? "floor" : "caffe"
            return call(maximum ? "MAXPOOL" : "AVGPOOL", [.value(kernel.written), .tag("s", stride.written),
                                                          .tag("p", pad.written), .flag(rounding)])
        case .innerProduct:
            try single()
            let parameters = layer.first("inner_product_param")?.message ?? TextMessage(fields: [])
            guard let outputs = parameters.first("num_output")?.int, outputs >= 1 else {
                throw ArgumentProblem("it needs num_output")
            }
            return call("FC", [.value(outputs)] + (parameters.first("bias_term")?.bool == false ? [.flag("nobias")] : []))
        case .relu:
            try single()
            let slope = layer.first("relu_param")?.message?.first("negative_slope")
            if let slope, let value = slope.double, value != 0, case .number(let text, _) = slope.value {
                return call("LEAKYRELU", [.decimal(text)])
            }
            return call("RELU")
        case .prelu:
            try single()
            let shared = layer.first("prelu_param")?.message?.first("channel_shared")?.bool ?? false
            return call("PRELU", shared ? [] : [.flag("per_channel")])
        case .sigmoid: try single(); return call("SIGMOID")
        case .tanh: try single(); return call("TANH")
        case .softmax: try single(); return call("SOFTMAX")
        case .flatten: try single(); return call("FLATTEN")
        case .lrn:
            try single()
            return call("LRN", [.value(layer.first("lrn_param")?.message?.first("local_size")?.int ?? 5)])
        case .dropout:
            try single()
            let ratio = layer.first("dropout_param")?.message?.first("dropout_ratio")
            if let ratio, case .number(let text, _) = ratio.value { return call("DROPOUT", [.decimal(text)]) }
            return call("DROPOUT", [.decimal("0.5")])
        case .batchNorm:
            try single()
            return call("BN", [.flag("caffe")])
        case .scale:
            let bias = layer.first("scale_param")?.message?.first("bias_term")?.bool ?? false
            if bottoms == 2 { return .merge(.mul) }  // scaled by another blob
            try single()
            return call("SCALE", bias ? [.flag("bias")] : [])
        case .eltwise:
            let operation = layer.first("eltwise_param")?.message?.first("operation")?.text?.uppercased() ?? "SUM"
            guard bottoms >= 2 else { throw ArgumentProblem("an Eltwise layer needs two bottoms or more") }
            switch operation {
            case "SUM", "1": return .merge(.add)
            case "PROD", "0": return .merge(.mul)
            default: throw ArgumentProblem("Eltwise \(operation) is not supported", hint: "SUM and PROD are")
            }
        case .concat:
            let axis = layer.first("concat_param")?.message.flatMap { $0.first("axis")?.int ?? $0.first("concat_dim")?.int } ?? 1
            guard axis == 1 else { throw ArgumentProblem("a Concat along axis \(axis) is not supported; netcalc joins channels (axis 1)") }
            guard bottoms >= 2 else { throw ArgumentProblem("a Concat needs two bottoms or more") }
            return .merge(.concat)
        case .input, .split:
            throw ArgumentProblem("internal: handled before")
        case .unknown:
            throw ArgumentProblem("netcalc does not know the layer type \(type)",
                                  hint: "known: " + CaffeLayerType.known.joined(separator: ", "))
        }
    }

    /// A window size as Caffe gives it: `name` (one value for every axis, or one per spatial axis in
    /// Caffe's order: height then width, or depth, height, width), else `name_h` and `name_w`, else the
    /// fallback; written as the spec's `WxH` or `WxHxT`.
    private func window(_ parameters: TextMessage, _ name: String, _ heightName: String, _ widthName: String,
                        fallback: Int?) throws(ArgumentProblem) -> Sizes {
        let values = parameters.all(name).compactMap(\.int)
        let result: Sizes
        if values.count == 1 {
            result = Sizes(square: values[0])
        } else if values.count == 2 || values.count == 3 {
            result = Sizes(axes: values.reversed())
        } else if values.count > 3 {
            throw ArgumentProblem("it gives \(values.count) values of \(name); netcalc's networks have at most three spatial axes")
        } else if let height = parameters.first(heightName)?.int, let width = parameters.first(widthName)?.int {
            result = Sizes(width, height)
        } else if let fallback {
            result = Sizes(square: fallback)
        } else {
            throw ArgumentProblem("it needs \(name) (or \(heightName) and \(widthName))")
        }
        guard result.width >= 0, result.height >= 0, result.time >= 0 else { throw ArgumentProblem("\(name) cannot be negative") }
        return result
    }
}

/// The Caffe layer types netcalc reads, by both generations' names.
enum CaffeLayerType: Equatable {
    case input, convolution, deconvolution, pooling, innerProduct, relu, prelu, sigmoid, tanh, lrn, dropout
    case batchNorm, scale, eltwise, concat, split, flatten, softmax, unknown

    init(_ name: String) {
        switch name.uppercased().replacingUnderscores() {
        case "INPUT": self = .input
        case "CONVOLUTION": self = .convolution
        case "DECONVOLUTION": self = .deconvolution
        case "POOLING": self = .pooling
        case "INNERPRODUCT": self = .innerProduct
        case "RELU": self = .relu
        case "PRELU": self = .prelu
        case "SIGMOID": self = .sigmoid
        case "TANH": self = .tanh
        case "LRN": self = .lrn
        case "DROPOUT": self = .dropout
        case "BATCHNORM": self = .batchNorm
        case "SCALE": self = .scale
        case "ELTWISE": self = .eltwise
        case "CONCAT": self = .concat
        case "SPLIT": self = .split
        case "FLATTEN": self = .flatten
        case "SOFTMAX": self = .softmax
        default: self = .unknown
        }
    }

    static let known = ["Input", "Convolution", "Deconvolution", "Pooling", "InnerProduct", "ReLU", "PReLU", "Sigmoid",
                        "TanH", "LRN", "Dropout", "BatchNorm", "Scale", "Eltwise", "Concat", "Split", "Flatten", "Softmax"]
}

private extension String {
    /// `INNER_PRODUCT` -> `INNERPRODUCT`.
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
