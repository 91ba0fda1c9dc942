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

/// How the reader knows the dims of a row's output blob.
private enum CaffeOutputDims {
    /// Caffe's rule gave them.
    case given([Int])
    /// The input's: a layer that keeps the shape (an activation, a normalization).
    case input
    /// netcalc's output laid out as the input was (a convolution, a pooling, a resampling).
    case spatial
    /// `(N, K)`, K netcalc's output channels (InnerProduct, Flatten).
    case vector
    /// Not known: the merged blobs do not agree, which the analysis reports.
    case unknown
}

/// One row a Caffe layer becomes: most layers make one, a Slice one per top, a Pooling with a mask top two.
private struct CaffeOutput {
    var name: String
    var top: String
    var inputs: [String]
    var computation: CaffeComputation
    var dims: CaffeOutputDims
}

/// Reads a Caffe prototxt into an imported network.
struct CaffeReader {
    let file: SourceFile
    /// The input's dims from the command line (`--input-shape`), batch first; nil for the file's own.
    var inputShape: [Int]? = nil

    /// The network, or the diagnostics that say why the file cannot be read.
    func read() throws(ImportFailure) -> ImportedNetwork {
        var parser = TextFormatParser(file: file)
        let (root, parseDiagnostics) = parser.parse()
        if parseDiagnostics.hasErrors { throw ImportFailure(diagnostics: parseDiagnostics) }
        var problems = DiagnosticList()
        func report(_ message: String, _ range: SourceRange, hint: String? = nil) {
            problems.append(Diagnostic(.error, message, at: range, in: file, hint: hint))
        }

        var inputName: String?
        var inputDims: [Int] = []
        var inputRange = SourceRange(0, 0)
        /// Each blob's dims, batch first, by Caffe's rules.
        var blobs: [String: [Int]] = [:]
        /// The blobs whose size the file does not give, each with the layer that left it unsized.
        var unsized: [String: String] = [:]
        /// The blobs of layers that could not be read or applied: their readers are skipped quietly,
        /// the first problem having been reported.
        var failed: Set<String> = []
        var leftOut: [LeftOutLayer] = []
        var followsShapes = false

        /// Sets the network's input; a second one is unsized (netcalc follows one).
        func declareInput(_ name: String, _ dims: [Int], at range: SourceRange) throws(ImportFailure) {
            if inputName != nil {
                unsized[name] = "a second input ('\(name)'); netcalc follows one"
                return
            }
            let dims = inputShape ?? dims
            guard (2...5).contains(dims.count), dims.allSatisfy({ $0 >= 1 }) else {
                report("the input needs two to five positive sizes, (N, F), (N, C, L), (N, C, H, W) or (N, C, D, H, W), not \(dims.map(String.init).joined(separator: " x "))",
                       range, hint: "input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }")
                throw ImportFailure(diagnostics: problems, in: file)
            }
            inputName = name
            inputDims = dims
            inputRange = range
            blobs[name] = dims
        }

        // The input: `input` with `input_dim`s or an `input_shape` (one of each per input), or a layer.
        // Each value is read as caffe.proto declares it; one of the wrong kind is an error at that value.
        let inputFields = root.all("input")
        let inputNames: [String]
        let shapes: [[Int]]
        let inputDimValues: [Int]
        do throws(ArgumentProblem) {
            inputNames = try root.strings("input")
            shapes = try root.submessages("input_shape").map { shape throws(ArgumentProblem) in try shape.integers("dim", .int64) }
            inputDimValues = try root.integers("input_dim", .int32)
            _ = try root.string("name")
        } catch {
            report(error.message, error.range ?? SourceRange(0, 0), hint: error.hint)
            throw ImportFailure(diagnostics: problems, in: file)
        }
        for (index, field) in inputFields.enumerated() {
            let name = inputNames[index]
            var dims: [Int]
            if !shapes.isEmpty {
                dims = index < shapes.count ? shapes[index] : []
            } else if inputFields.count > 1, inputDimValues.count == 4 * inputFields.count {
                dims = Array(inputDimValues[(4 * index)..<(4 * index + 4)])
            } else {
                dims = index == 0 ? inputDimValues : []
            }
            try declareInput(name, dims, at: field.range)
        }
        let layerFields = root.all("layer") + root.all("layers")
        if root.all("layer").count > 0, root.all("layers").count > 0 {
            report("the file mixes `layer` and the old `layers`", root.all("layers")[0].nameRange,
                  hint: "Caffe reads one generation at a time; upgrade the file with Caffe's upgrade_net_proto_text")
        }

        var layers: [ImportedLayer] = []
        /// netcalc's shape of each layer's output blob by Caffe's rules, nil where it is not known.
        var expected: [Shape?] = []
        // Each call is bound and checked here, as a spec's call is; the first that cannot be is reported.
        var resolver = ImportedCallResolver(file: file)
        var unresolved: DiagnosticList?
        var aliases: [String: String] = [:]  // Split's tops: the tensor they copy
        func tensor(_ name: String) -> String { aliases[name] ?? name }

        layerLoop: for field in layerFields {
            if problems.isFull { break }  // enough to act on: stop looking, as a spec's checks do
            guard let layer = field.message else {
                report("`\(field.name)` must be a message: \(field.name) { ... }", field.range)
                continue
            }
            // The fields every layer has, each read as caffe.proto declares it (the old generation's type
            // is an enum value, the new one's a string).
            let name: String, typeField: TextField, type: String, bottoms: [String], tops: [String]
            do throws(ArgumentProblem) {
                name = try layer.string("name") ?? "layer \(layers.count + 1)"
                guard let given = try layer.single("type") else {
                    report("layer '\(name)' has no type", field.nameRange, hint: "e.g. type: \"Convolution\"")
                    continue
                }
                typeField = given
                type = field.name == "layers" ? try v1LayerType(given) : try given.string()
                bottoms = try layer.strings("bottom").map(tensor)
                tops = try layer.strings("top")
                if try !inDeployPhase(layer) { continue }
            } catch {
                report(error.message, error.range ?? field.nameRange, hint: error.hint)
                failed.formUnion(layer.all("top").compactMap(\.text))
                continue
            }
            // Diagnostics about the whole layer point at its name.
            let range = layer.first("name")?.valueRange ?? field.nameRange
            let kind = CaffeLayerType(type)
            if kind.isData {
                // The network's input: an Input layer's shape, or a data layer's batch and image size.
                guard let first = tops.first else { continue }
                let given: [Int]?
                do throws(ArgumentProblem) { given = try dataLayerDims(kind, layer) } catch {
                    report("layer '\(name)' (\(type)): \(error.message)", error.range ?? range, hint: error.hint)
                    throw ImportFailure(diagnostics: problems, in: file)
                }
                if inputName == nil, inputShape == nil, given == nil {
                    report("the data layer '\(name)' (\(type)) reads images whose size the file does not give", range,
                           hint: "give the input's dims on the command line: --input-shape 1,3,360,480 (N, C, H, W)")
                    throw ImportFailure(diagnostics: problems, in: file)
                }
                try declareInput(first, given ?? [], at: range)
                for top in tops.dropFirst() { unsized[top] = "the data layer '\(name)''s \(top), which the file does not size" }
                continue
            }
            if kind == .silence { continue }
            if kind == .split {
                for top in tops { aliases[top] = bottoms.first ?? top }
                continue
            }
            // Every bottom must be sized, unsized (the layer is then left out) or an earlier failure's.
            var unsizedBottom: String?
            for bottom in bottoms {
                if failed.contains(bottom) {
                    failed.formUnion(tops)
                    continue layerLoop
                }
                if unsized[bottom] != nil {
                    if unsizedBottom == nil { unsizedBottom = bottom }
                } else if blobs[bottom] == nil {
                    failed.formUnion(tops)
                    if inputName != nil {
                        report("layer '\(name)' reads '\(bottom)', which no layer before it writes", range,
                               hint: "every input of a layer must be the network's input or an earlier layer's output")
                    }
                    continue layerLoop
                }
            }
            if let reason = kind.leftOutReason ?? unsizedBottom.map({ "reads '\($0)': \(unsized[$0] ?? "")" }) {
                followsShapes = true
                leftOut.append(LeftOutLayer(name: name, type: type, reason: reason, isCause: kind.leftOutReason != nil,
                                             range: range))
                for top in tops { unsized[top] = unsizedBottom.flatMap { unsized[$0] } ?? "'\(name)' (\(type)) is left out" }
                continue
            }
            guard !tops.isEmpty else {
                report("layer '\(name)' has no top", range)
                continue
            }
            guard !bottoms.isEmpty else {
                report("layer '\(name)' (\(type)) has no bottom", range,
                       hint: "every layer but a data layer reads a blob: bottom: \"data\"")
                failed.formUnion(tops)
                continue
            }
            do throws(ArgumentProblem) {
                let outputs = try self.outputs(kind, type: type, name: name, layer: layer, bottoms: bottoms,
                                               dims: bottoms.map { blobs[$0] ?? [] }, tops: tops,
                                               spatialRank: max(0, inputDims.count - 2))
                for output in outputs {
                    let computation: ImportedLayer.Computation
                    var dims: [Int]?
                    let input = blobs[output.inputs[0]] ?? []
                    switch output.computation {
                    case .call(let call):
                        switch resolver.resolve(call, layer: output.name, at: range) {
                        case .success(let resolved):
                            computation = .call(resolved)
                            if call.keyword == "TENSOROP" { followsShapes = true }
                            switch output.dims {
                            case .given(let given): dims = given
                            case .input: dims = input
                            case .unknown: dims = nil
                            case .spatial, .vector:
                                // netcalc's own layer sizes it, as the analysis will.
                                if let shape = CaffeDims.shape(input) {
                                    let layerInput = LayerInput(shape: shape, receptiveField: Sizes(square: 1), jump: Sizes(square: 1),
                                                                rounding: .floor, keyword: resolved.layer.layer.keyword, ordinal: 0,
                                                                givenName: output.name)
                                    if let effect = try? resolved.layer.apply(to: layerInput) {
                                        if case .vector = output.dims {
                                            dims = [input[0], effect.output.depth]
                                        } else {
                                            dims = CaffeDims.dims(effect.output, like: input)
                                        }
                                    }
                                }
                            }
                        case .failure(let list):
                            // Reported as analysis reported it: after the file's own problems, the first only.
                            if unresolved == nil { unresolved = list }
                            failed.insert(output.top)
                            continue
                        }
                    case .merge(let kind):
                        computation = .merge(kind)
                        if case .given(let given) = output.dims { dims = given }
                    }
                    layers.append(ImportedLayer(name: output.name, computation: computation, inputs: output.inputs,
                                                output: output.top, inPlace: output.inputs == [output.top], range: range))
                    expected.append(dims.flatMap(CaffeDims.shape))
                    if let dims {
                        blobs[output.top] = dims
                    } else {
                        // The analysis reports why this row cannot be applied; nothing after it is read.
                        failed.insert(output.top)
                        blobs[output.top] = nil
                    }
                }
                if kind == .pooling, tops.count == 2, let dims = blobs[tops[0]], !failed.contains(tops[0]) {
                    // The mask top (SegNet's, ENet's): each window's argmax, as many values as the output.
                    let maskName = "\(name):\(tops[1])"
                    guard let shape = CaffeDims.shape(dims) else { continue }
                    var arguments: [ImportedArgument] = [.flag("mask")]
                    for (axis, label) in ["width", "height", "time"].enumerated() where axis < shape.rank {
                        arguments.append(.tag(label, [shape[axis]]))
                    }
                    arguments += [.tag("depth", [shape.depth]), .flag("caffe")]
                    switch resolver.resolve(ImportedCall("TENSOROP", arguments), layer: maskName, at: range) {
                    case .success(let resolved):
                        followsShapes = true
                        layers.append(ImportedLayer(name: maskName, computation: .call(resolved), inputs: [bottoms[0]],
                                                    output: tops[1], range: range))
                        expected.append(shape)
                        blobs[tops[1]] = dims
                    case .failure(let list):
                        if unresolved == nil { unresolved = list }
                        failed.insert(tops[1])
                    }
                }
            } catch {
                // A problem with one value is reported at that value; any other at the layer's type.
                problems.append(Diagnostic(.error, "layer '\(name)' (\(type)): \(error.message)",
                                           at: error.range ?? typeField.valueRange, in: file, hint: error.hint))
                failed.formUnion(tops)
            }
        }
        // Caffe names the in-place layers' blob after the layer that first wrote it, so names repeat:
        // the analysis follows each tensor name to the latest layer that wrote it.
        guard let inputName else {
            report("the file declares no input", SourceRange(0, 0),
                  hint: "give one: input: \"data\" with input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }, or an Input layer")
            throw ImportFailure(diagnostics: problems, in: file)
        }
        if problems.hasErrors { throw ImportFailure(diagnostics: problems, in: file) }
        if let unresolved { throw ImportFailure(diagnostics: unresolved, in: file) }
        let input = inputDims.count == 2 ? Shape(width: 1, height: 1, depth: inputDims[1])
            : Shape(spatial: inputDims[2...].reversed(), depth: inputDims[1])
        let networkName = (try? root.string("name")).flatMap { $0 }.flatMap { $0.isEmpty ? nil : $0 } ?? fileStem(file.name)
        var network = ImportedNetwork(name: networkName, inputName: inputName, input: input, batch: inputDims[0],
                                      layers: layers, inputRange: inputRange)
        network.leftOut = leftOut
        let priorBoxes = layers.filter { layer in
            guard case .call(let call) = layer.computation else { return false }
            return (call.layer.layer.operation as? TensorOperation)?.operator == "priorbox"
        }.count
        if priorBoxes > 0 {
            network.notes.append("the \(priorBoxes == 1 ? "PriorBox row counts its" : "\(priorBoxes) PriorBox rows count their") priors once per image, as every row is counted; Caffe keeps one copy for the whole batch, so at a batch above 1 their memory is counted batch times")
        }
        if followsShapes {
            // Rows sized by Caffe's rules rely on the rows before them giving Caffe's shapes.
            network.expectedShapes = expected
        }
        return network
    }

    /// The dims a data layer gives its first top, batch first, when its parameters give the image size:
    /// an Input layer's shape, DummyData's shape, MemoryData's sizes, or an image data layer's
    /// `new_height` and `new_width` (or its transform's `crop_size`) with `is_color`.
    private func dataLayerDims(_ kind: CaffeLayerType, _ layer: TextMessage) throws(ArgumentProblem) -> [Int]? {
        func shape(_ message: TextMessage?) throws(ArgumentProblem) -> [Int]? {
            guard let first = try message?.submessages("shape").first else { return nil }
            let dims = try first.integers("dim", .int64)
            return dims.isEmpty ? nil : dims
        }
        switch kind {
        case .input: return try shape(layer.submessage("input_param")) ?? []
        case .dummyData: return try shape(layer.submessage("dummy_data_param"))
        case .memoryData:
            guard let p = try layer.submessage("memory_data_param"), let n = try p.integer("batch_size", .uint32),
                  let c = try p.integer("channels", .uint32), let h = try p.integer("height", .uint32),
                  let w = try p.integer("width", .uint32) else { return nil }
            return [n, c, h, w]
        case .convolution, .deconvolution, .pooling, .innerProduct, .relu, .prelu, .sigmoid, .tanh, .lrn, .dropout,
             .batchNorm, .scale, .eltwise, .concat, .split, .flatten, .softmax, .slice, .reshape, .crop, .power, .exp,
             .log, .bnll, .threshold, .absVal, .elu, .mvn, .argMax, .tile, .reduction, .embed, .bias, .silence,
             .convolutionDepthwise, .shuffleChannel, .bn, .upsample, .interp, .axpy, .permute, .priorBox, .normalize,
             .reorg, .region, .python, .roiPooling, .proposal, .detectionOutput, .unknown:
            return nil  // not a data layer
        case .data:  // Data, ImageData, DenseImageData, WindowData: their batch and image size, if given
            var parameters = TextMessage()
            for name in ["image_data_param", "dense_image_data_param", "data_param", "window_data_param"] {
                if let found = try layer.submessage(name) {
                    parameters = found
                    break
                }
            }
            let crop = try layer.submessage("transform_param")?.integer("crop_size", .uint32)
            let batch = try parameters.integer("batch_size", .uint32) ?? 1
            let channels = try parameters.boolean("is_color") == false ? 1 : 3
            if let crop, crop > 0 { return [batch, channels, crop, crop] }
            guard let height = try parameters.integer("new_height", .uint32), let width = try parameters.integer("new_width", .uint32),
                  height > 0, width > 0 else { return nil }
            return [batch, channels, height, width]
        }
    }

    /// Whether Caffe's TEST net, which a deploy file describes, has the layer (Caffe's Net::FilterNet):
    /// with no rules it does; with `include` rules, when one of them is met; with `exclude` rules, unless
    /// one of them is met. A rule is read by its phase (TRAIN or TEST, by name or number); netcalc does not
    /// read a rule's levels or stages.
    private func inDeployPhase(_ layer: TextMessage) throws(ArgumentProblem) -> Bool {
        let includes = layer.all("include"), excludes = layer.all("exclude")
        if !includes.isEmpty, let first = excludes.first {
            throw ArgumentProblem("the layer gives both include and exclude rules", at: first.range,
                                  hint: "Caffe takes include rules or exclude rules, not both")
        }
        func met(_ rule: TextField) throws(ArgumentProblem) -> Bool {
            (try rule.submessage().enumeration("phase", CaffePhase.self) ?? .test) == .test
        }
        for rule in includes {
            if try met(rule) { return true }
        }
        for rule in excludes {
            if try met(rule) { return false }
        }
        return includes.isEmpty
    }

    /// The old generation's `type` (`layers { type: CONVOLUTION }`), an enum value of
    /// V1LayerParameter.LayerType: its name, or the name of the value its number gives (`type: 4`).
    private func v1LayerType(_ field: TextField) throws(ArgumentProblem) -> String {
        switch field.value {
        case .identifier(let name, _):
            return name
        case .number(let text, _):
            guard let number = TextNumber.integerLiteral(text)?.value, let name = CaffeV1LayerType.names[number] else {
                throw ArgumentProblem("type is a value of V1LayerParameter.LayerType, and \(text) is not the number of one",
                                      at: field.valueRange, hint: "e.g. type: CONVOLUTION (or its number, 4)")
            }
            return name
        case .string(let text, _):
            throw ArgumentProblem("type in the old `layers` is a value of V1LayerParameter.LayerType, written without quotes, not the string \"\(text.prefix(40))\"",
                                  at: field.valueRange, hint: "write type: CONVOLUTION, or use the new `layer { type: \"Convolution\" }`")
        case .message:
            throw ArgumentProblem("type is a value of V1LayerParameter.LayerType, not a message", at: field.valueRange,
                                  hint: "e.g. type: CONVOLUTION")
        }
    }

    /// The rows a Caffe layer becomes, each with its output blob's dims or how to find them.
    private func outputs(_ kind: CaffeLayerType, type: String, name: String, layer: TextMessage, bottoms: [String],
                         dims: [[Int]], tops: [String], spatialRank: Int) throws(ArgumentProblem) -> [CaffeOutput] {
        let inPlace = layer.all("bottom").compactMap(\.text) == layer.all("top").compactMap(\.text)
        let input = dims[0]
        let rank = input.count
        let top = tops[0]
        func one(_ computation: CaffeComputation, _ outputDims: CaffeOutputDims, inputs: [String]? = nil) -> [CaffeOutput] {
            [CaffeOutput(name: name, top: top, inputs: inputs ?? bottoms, computation: computation, dims: outputDims)]
        }
        /// A TENSOROP row of Caffe's: its output's dims laid out as netcalc's shape.
        func tensor(_ operation: String, _ output: [Int], macs: Int = 0, weights: Int = 0, biases: Int = 0,
                    inPlace: Bool = false) throws(ArgumentProblem) -> CaffeComputation {
            guard output.count >= 2, output.count <= caffeMaximumAxes, output.allSatisfy({ $0 >= 1 }),
                  let shape = CaffeDims.shape(output) else {
                throw ArgumentProblem("its output would be \(CaffeDims.text(output)), which netcalc cannot lay out",
                                      hint: "netcalc follows blobs of two to \(caffeMaximumAxes) positive dims, the batch first")
            }
            var call = TensorOperation.call(operation, output: shape, macs: macs, weights: weights, biases: biases, caffe: true)
            if inPlace { call.arguments.append(.flag(inPlaceFlag)) }
            return .call(call)
        }
        /// A layer that keeps its input's shape and has no netcalc kind.
        func elementwise(_ operation: String) throws(ArgumentProblem) -> [CaffeOutput] {
            try single(bottoms.count)
            return one(try tensor(operation, input, inPlace: inPlace), .input)
        }
        func keepsBatch(_ output: [Int]) throws(ArgumentProblem) {
            guard output.first == input.first else {
                throw ArgumentProblem("it gives \(CaffeDims.text(output)) from \(CaffeDims.text(input)), which moves the batch (dim 0)",
                                      hint: "netcalc counts activations per item: the batch must stay dim 0")
            }
        }
        func parameters(_ name: String) throws(ArgumentProblem) -> TextMessage { try layer.submessage(name) ?? TextMessage() }

        switch kind {
        case .convolution, .deconvolution, .pooling, .relu, .prelu, .sigmoid, .tanh, .lrn, .dropout, .batchNorm, .scale:
            var outputs = one(try computation(kind, type: type, layer: layer, bottoms: bottoms.count, spatialRank: spatialRank),
                              [.convolution, .deconvolution, .pooling].contains(kind) ? .spatial : .input)
            if kind == .scale, bottoms.count == 2 { outputs[0].dims = .given(dims[0].count >= dims[1].count ? dims[0] : dims[1]) }
            guard tops.count == 1 || (kind == .pooling && tops.count == 2) else {
                throw ArgumentProblem("it has \(tops.count) tops; netcalc reads this layer with one" + (kind == .pooling ? " or two (the output and its mask)" : ""))
            }
            return outputs
        case .convolutionDepthwise:
            // The depthwise fork (ShuffleNet, MobileNet): a convolution whose groups are its input's channels.
            try single(bottoms.count)
            guard input.count >= 3 else { throw ArgumentProblem("a ConvolutionDepthwise needs a blob with spatial axes, not \(CaffeDims.text(input))") }
            let filters = try parameters("convolution_param").integer("num_output", .uint32) ?? 0
            guard filters >= 1, filters % input[1] == 0 else {
                throw ArgumentProblem("a ConvolutionDepthwise's num_output (\(filters)) must be a multiple of its input's \(input[1]) channels")
            }
            guard case .call(var call) = try computation(.convolution, type: type, layer: layer, bottoms: 1, spatialRank: spatialRank) else {
                throw ArgumentProblem("internal: a convolution is a call")
            }
            call.arguments.removeAll { if case .tag("g", _) = $0 { return true } else { return false } }
            let flagIndex = call.arguments.firstIndex { if case .flag = $0 { return true } else { return false } } ?? call.arguments.endIndex
            if input[1] != 1 { call.arguments.insert(.tag("g", [input[1]]), at: flagIndex) }
            return one(.call(call), .spatial)
        case .innerProduct:
            try single(bottoms.count)
            let p = try parameters("inner_product_param")
            let axis = try CaffeDims.axis(try p.integer("axis", .int32) ?? 1, rank: rank)
            if axis == 1 { return one(try computation(kind, type: type, layer: layer, bottoms: 1, spatialRank: spatialRank), .vector) }
            guard let outputs = try p.integer("num_output", .uint32), outputs >= 1 else { throw ArgumentProblem("it needs num_output") }
            let k = try CaffeDims.count(input, from: axis)
            let outer = try CaffeDims.count(input, from: 1, to: axis)
            let output = Array(input[..<axis]) + [outputs]
            try keepsBatch(output)
            return one(try tensor("gemm", output, macs: try CaffeDims.product(outer, k, outputs), weights: try CaffeDims.product(k, outputs),
                                  biases: try p.boolean("bias_term") == false ? 0 : outputs), .given(output))
        case .flatten:
            try single(bottoms.count)
            let p = try parameters("flatten_param")
            let start = try CaffeDims.axis(try p.integer("axis", .int32) ?? 1, rank: rank)
            let end = try CaffeDims.axis(try p.integer("end_axis", .int32) ?? -1, rank: rank, "end_axis")
            guard start <= end else { throw ArgumentProblem("its end_axis (\(end)) comes before its axis (\(start))") }
            let output = Array(input[..<start]) + [try CaffeDims.count(input, from: start, to: end + 1)] + Array(input[(end + 1)...])
            try keepsBatch(output)
            if start == 1, end == rank - 1 { return one(.call(ImportedCall("FLATTEN", inPlace ? [.flag(inPlaceFlag)] : [])), .given(output)) }
            return one(try tensor("flatten", output), .given(output))
        case .softmax:
            try single(bottoms.count)
            let axis = try CaffeDims.axis(try parameters("softmax_param").integer("axis", .int32) ?? 1, rank: rank)
            if axis == 1 { return one(.call(ImportedCall("SOFTMAX", inPlace ? [.flag(inPlaceFlag)] : [])), .input) }
            return one(try tensor("softmax", input, inPlace: inPlace), .input)
        case .eltwise:
            let p = try parameters("eltwise_param")
            let operation = try p.enumeration("operation", CaffeEltwiseOperation.self) ?? .sum
            guard bottoms.count >= 2 else { throw ArgumentProblem("an Eltwise layer needs two bottoms or more") }
            let coefficients = try p.floats("coeff")
            guard coefficients.isEmpty || coefficients.count == bottoms.count else {
                throw ArgumentProblem("it gives \(coefficients.count) coeff for \(bottoms.count) bottoms", hint: "Caffe takes one coefficient per bottom, or none")
            }
            guard dims.allSatisfy({ $0 == input }) else {
                throw ArgumentProblem("its bottoms have different shapes: \(dims.map(CaffeDims.text).joined(separator: ", "))",
                                      hint: "Caffe's Eltwise needs bottoms of one shape")
            }
            switch operation {
            case .sum: return one(.merge(.add), .given(input))
            case .product:
                guard coefficients.isEmpty else { throw ArgumentProblem("Caffe takes coeff for SUM only") }
                return one(.merge(.mul), .given(input))
            case .maximum:
                guard coefficients.isEmpty else { throw ArgumentProblem("Caffe takes coeff for SUM only") }
                return one(try tensor("max", input), .given(input))
            }
        case .concat:
            guard bottoms.count >= 2 else { throw ArgumentProblem("a Concat needs two bottoms or more") }
            let p = try parameters("concat_param")
            let axisGiven = try p.integer("axis", .int32), dimension = try p.integer("concat_dim", .uint32)
            let axis = try CaffeDims.axis(axisGiven ?? dimension ?? 1, rank: rank)
            var output = input
            for other in dims.dropFirst() {
                guard other.count == rank, (0..<rank).allSatisfy({ $0 == axis || other[$0] == input[$0] }) else {
                    throw ArgumentProblem("its bottoms \(dims.map(CaffeDims.text).joined(separator: ", ")) differ off axis \(axis)",
                                          hint: "Caffe's Concat joins blobs that agree on every other axis")
                }
                let (sum, overflow) = output[axis].addingReportingOverflow(other[axis])
                if overflow { throw ArgumentProblem("its counts overflow 64 bits") }
                output[axis] = sum
            }
            try keepsBatch(output)
            if axis == 1, rank >= 3 || dims.allSatisfy({ $0.count == 2 }) { return one(.merge(.concat), .given(output)) }
            return one(try tensor("concat", output), .given(output))
        case .slice:
            try single(bottoms.count)
            let p = try parameters("slice_param")
            let axisGiven = try p.integer("axis", .int32), dimension = try p.integer("slice_dim", .uint32)
            let axis = try CaffeDims.axis(axisGiven ?? dimension ?? 1, rank: rank)
            let points = try p.integers("slice_point", .uint32)
            var bounds: [Int]
            if points.isEmpty {
                guard input[axis] % tops.count == 0 else {
                    throw ArgumentProblem("it splits \(input[axis]) into \(tops.count) equal parts, which do not divide it")
                }
                bounds = (0...tops.count).map { $0 * (input[axis] / tops.count) }
            } else {
                guard points.count == tops.count - 1 else {
                    throw ArgumentProblem("it gives \(points.count) slice_point for \(tops.count) tops", hint: "Caffe takes one fewer slice_point than tops")
                }
                bounds = [0] + points + [input[axis]]
                guard zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
                    throw ArgumentProblem("its slice_points \(points) must rise within 1 to \(input[axis] - 1)")
                }
            }
            if axis == 0 { throw ArgumentProblem("it slices the batch (axis 0); netcalc counts activations per item") }
            var outputs: [CaffeOutput] = []
            for (index, part) in tops.enumerated() {
                var output = input
                output[axis] = bounds[index + 1] - bounds[index]
                let computation: CaffeComputation
                if axis == 1 {
                    computation = .call(ImportedCall("SLICE", [.value(bounds[index]), .value(bounds[index + 1])]))
                } else {
                    computation = try tensor("slice", output)
                }
                outputs.append(CaffeOutput(name: tops.count == 1 ? name : "\(name):\(part)", top: part, inputs: bottoms,
                                           computation: computation, dims: .given(output)))
            }
            return outputs
        case .reshape:
            try single(bottoms.count)
            let p = try parameters("reshape_param")
            let shape = try p.submessage("shape")?.integers("dim", .int64) ?? []
            let start = try CaffeDims.axis(try p.integer("axis", .int32) ?? 0, rank: rank + 1)
            let numAxes = try p.integer("num_axes", .int32) ?? -1
            guard numAxes >= -1, numAxes == -1 || start + numAxes <= rank else {
                throw ArgumentProblem("its num_axes (\(numAxes)) runs past the input's \(rank) dims")
            }
            let end = numAxes == -1 ? rank : start + numAxes
            guard shape.count <= caffeMaximumAxes else { throw ArgumentProblem("its shape has more than \(caffeMaximumAxes) dims") }
            var output = Array(input[..<start])
            var inferred: Int?
            for (index, dim) in shape.enumerated() {
                switch dim {
                case 0:
                    guard start + index < rank else { throw ArgumentProblem("its dim \(index) copies an axis the input does not have") }
                    output.append(input[start + index])
                case -1:
                    guard inferred == nil else { throw ArgumentProblem("it infers more than one dim (-1)") }
                    inferred = output.count
                    output.append(1)
                default:
                    guard dim >= 1 else { throw ArgumentProblem("its dim \(dim) must be positive, 0 (copy) or -1 (infer)") }
                    output.append(dim)
                }
            }
            output += input[end...]
            let total = try CaffeDims.count(input, from: 0)
            let known = try CaffeDims.count(output, from: 0)
            if let inferred {
                guard total % known == 0 else {
                    throw ArgumentProblem("it cannot infer its -1: \(total) values are not a multiple of \(known)")
                }
                output[inferred] = total / known
            } else if known != total {
                throw ArgumentProblem("it makes \(CaffeDims.text(output)) of \(known) values from \(CaffeDims.text(input)) of \(total)")
            }
            try keepsBatch(output)
            return one(try tensor("reshape", output), .given(output))
        case .permute:
            try single(bottoms.count)
            let given = try parameters("permute_param").integers("order", .uint32)
            var order: [Int] = []
            for axis in given {
                let axis = try CaffeDims.axis(axis, rank: rank, "order")
                guard !order.contains(axis) else { throw ArgumentProblem("its order names axis \(axis) twice") }
                order.append(axis)
            }
            order += (0..<rank).filter { !order.contains($0) }
            let output = order.map { input[$0] }
            guard order.first == 0 else { throw ArgumentProblem("it moves the batch (axis 0); netcalc counts activations per item") }
            return one(try tensor("permute", output), .given(output))
        case .crop:
            guard bottoms.count == 2 else { throw ArgumentProblem("a Crop reads two bottoms, the blob and the one whose size it takes") }
            let reference = dims[1]
            let axis = try CaffeDims.axis(try parameters("crop_param").integer("axis", .int32) ?? 2, rank: rank)
            let offsets = try parameters("crop_param").integers("offset", .uint32)
            guard reference.count == rank else { throw ArgumentProblem("its bottoms have different ranks: \(CaffeDims.text(input)), \(CaffeDims.text(reference))") }
            guard offsets.count <= 1 || offsets.count == rank - axis else {
                throw ArgumentProblem("it gives \(offsets.count) offsets for \(rank - axis) cropped axes", hint: "Caffe takes one offset, or one per axis from axis on")
            }
            var output = input
            for index in axis..<rank {
                let offset = offsets.isEmpty ? 0 : offsets.count == 1 ? offsets[0] : offsets[index - axis]
                guard offset >= 0, reference[index] <= input[index], offset <= input[index] - reference[index] else {
                    throw ArgumentProblem("it crops \(reference[index]) from \(input[index]) at offset \(offset) along axis \(index), past the end")
                }
                output[index] = reference[index]
            }
            try keepsBatch(output)
            return one(try tensor("crop", output), .given(output))
        case .bn:
            // SegNet's and ENet's BN (alexgkendall/caffe-segnet): a scale and a shift per channel. The
            // forks that also keep running statistics (PSPNet's, hszhao/PSPNet) write var_eps, decay or
            // moving_average, or slope_filler and bias_filler (yjxiong/caffe).
            try single(bottoms.count)
            let p = try parameters("bn_param")
            let statistics = ["var_eps", "decay", "moving_average", "slope_filler", "bias_filler", "frozen", "momentum"]
                .contains { p.first($0) != nil }
            let call = statistics ? ImportedCall("BN", inPlace ? [.flag(inPlaceFlag)] : [])
                : ImportedCall("SCALE", [.flag("bias")] + (inPlace ? [.flag(inPlaceFlag)] : []))
            return one(.call(call), .input)
        case .upsample:
            // SegNet's Upsample (alexgkendall/caffe-segnet): values put back at the pooling mask's places.
            guard bottoms.count == 2 else { throw ArgumentProblem("an Upsample reads two bottoms, the blob and its pooling mask") }
            guard rank == 4, dims[1] == input else {
                throw ArgumentProblem("its blob and mask must be 4-D and of one shape, not \(CaffeDims.text(input)) and \(CaffeDims.text(dims[1]))")
            }
            let p = try parameters("upsample_param")
            var height: Int, width: Int
            if let h = try p.integer("upsample_h", .uint32), let w = try p.integer("upsample_w", .uint32) {
                (height, width) = (h, w)
            } else {
                let scale = try p.integer("scale", .uint32)
                let scaleH = try p.integer("scale_h", .uint32) ?? scale ?? 2
                let scaleW = try p.integer("scale_w", .uint32) ?? scale ?? 2
                guard scaleH >= 2, scaleW >= 2 else { throw ArgumentProblem("its scale must be at least 2") }
                height = try CaffeDims.product(input[2], scaleH) - (try p.boolean("pad_out_h") == true ? 1 : 0)
                width = try CaffeDims.product(input[3], scaleW) - (try p.boolean("pad_out_w") == true ? 1 : 0)
            }
            guard height >= input[2], width >= input[3] else {
                throw ArgumentProblem("it makes \(height)x\(width) from \(input[2])x\(input[3]), smaller than its input")
            }
            let output = [input[0], input[1], height, width]
            return one(try tensor("unpool", output), .given(output))
        case .interp:
            // PSPNet's Interp (hszhao/PSPNet, from DeepLab's caffe): bilinear, to a size or by factors.
            let p = try parameters("interp_param")
            guard rank == 4 else { throw ArgumentProblem("an Interp takes a 4-D blob, not \(CaffeDims.text(input))") }
            let padBegin = try p.integer("pad_beg", .int32) ?? 0, padEnd = try p.integer("pad_end", .int32) ?? 0
            guard padBegin <= 0, padEnd <= 0 else { throw ArgumentProblem("its pad_beg and pad_end must be 0 or negative") }
            var size: (Int, Int)
            let shrink = try p.integer("shrink_factor", .int32), zoom = try p.integer("zoom_factor", .int32)
            if bottoms.count == 2 {
                guard dims[1].count == 4 else { throw ArgumentProblem("its second bottom must be 4-D") }
                size = (dims[1][2], dims[1][3])
            } else if let h = try p.integer("height", .int32), let w = try p.integer("width", .int32) {
                size = (h, w)
            } else if shrink != nil || zoom != nil {
                size = (try interpSize(input[2], padBegin: padBegin, padEnd: padEnd, shrink: shrink, zoom: zoom),
                        try interpSize(input[3], padBegin: padBegin, padEnd: padEnd, shrink: shrink, zoom: zoom))
            } else {
                throw ArgumentProblem("an Interp needs zoom_factor, shrink_factor, height and width, or a second bottom")
            }
            guard size.0 >= 1, size.1 >= 1 else { throw ArgumentProblem("its output size must be positive") }
            let output = [input[0], input[1], size.0, size.1]
            if bottoms.count == 2 { return one(try tensor("interp", output), .given(output)) }
            return one(.call(ImportedCall("UPSAMPLE", [.tag(sizes: "size", [size.1, size.0]), .flag("bilinear")])), .given(output))
        case .shuffleChannel:
            try single(bottoms.count)
            let groups = try parameters("shuffle_channel_param").integer("group", .uint32) ?? 1
            guard groups >= 1 else { throw ArgumentProblem("its group must be positive") }
            return one(.call(ImportedCall("SHUFFLE", [.value(groups)] + (inPlace ? [.flag(inPlaceFlag)] : []))), .input)
        case .axpy:
            // SENet's Axpy (hujie-frank/SENet): a * x + y, a of one value per channel.
            guard bottoms.count == 3 else { throw ArgumentProblem("an Axpy reads three bottoms: a, x and y (a * x + y)") }
            guard dims[1] == dims[2], dims[1].count >= 2, input.count >= 2, input[0] == dims[1][0], input[1] == dims[1][1],
                  input.dropFirst(2).allSatisfy({ $0 == 1 }) else {
                throw ArgumentProblem("its a must be (N, C, 1, 1) and x and y of one shape (N, C, ...), not \(dims.map(CaffeDims.text).joined(separator: ", "))")
            }
            return one(try tensor("axpy", dims[1]), .given(dims[1]))
        case .power: return try elementwise("power")
        case .exp: return try elementwise("exp")
        case .log: return try elementwise("log")
        case .bnll: return try elementwise("bnll")
        case .threshold: return try elementwise("threshold")
        case .absVal: return try elementwise("absval")
        case .mvn: return try elementwise("mvn")
        case .elu:
            try single(bottoms.count)
            return one(.call(ImportedCall("ELU", inPlace ? [.flag(inPlaceFlag)] : [])), .input)
        case .normalize:
            // SSD's Normalize (weiliu89/caffe): an L2 norm then a learned scale per channel, or one.
            try single(bottoms.count)
            let shared = try parameters("norm_param").boolean("channel_shared") ?? true
            return one(try tensor("normalize", input, weights: shared ? 1 : input[1], inPlace: inPlace), .input)
        case .bias:
            if bottoms.count == 2 { return one(try tensor("add", input), .given(input)) }
            try single(bottoms.count)
            let p = try parameters("bias_param")
            let axis = try CaffeDims.axis(try p.integer("axis", .int32) ?? 1, rank: rank)
            let numAxes = try p.integer("num_axes", .int32) ?? 1
            guard numAxes >= -1, numAxes == -1 || axis + numAxes <= rank else { throw ArgumentProblem("its num_axes runs past the input's dims") }
            let biases = try CaffeDims.count(input, from: axis, to: numAxes == -1 ? rank : axis + numAxes)
            return one(try tensor("bias", input, biases: biases, inPlace: inPlace), .input)
        case .argMax:
            try single(bottoms.count)
            let p = try parameters("argmax_param")
            let topK = try p.integer("top_k", .uint32) ?? 1
            guard topK >= 1 else { throw ArgumentProblem("its top_k must be positive") }
            var output: [Int]
            if let given = try p.integer("axis", .int32) {
                let axis = try CaffeDims.axis(given, rank: rank)
                guard topK <= input[axis] else { throw ArgumentProblem("its top_k (\(topK)) is more than axis \(axis)'s \(input[axis]) values") }
                output = input
                output[axis] = topK
            } else {
                guard topK <= (try CaffeDims.count(input, from: 1)) else { throw ArgumentProblem("its top_k (\(topK)) is more than an item's values") }
                output = Array(repeating: 1, count: max(3, rank))
                output[0] = input[0]
                output[2] = topK
                if try p.boolean("out_max_val") == true { output[1] = 2 }
            }
            try keepsBatch(output)
            return one(try tensor("argmax", output), .given(output))
        case .tile:
            try single(bottoms.count)
            let p = try parameters("tile_param")
            let axis = try CaffeDims.axis(try p.integer("axis", .int32) ?? 1, rank: rank)
            guard let tiles = try p.integer("tiles", .int32), tiles >= 1 else { throw ArgumentProblem("a Tile needs tiles, a positive count") }
            var output = input
            output[axis] = try CaffeDims.product(input[axis], tiles)
            try keepsBatch(output)
            return one(try tensor("tile", output), .given(output))
        case .reduction:
            try single(bottoms.count)
            let axis = try CaffeDims.axis(try parameters("reduction_param").integer("axis", .int32) ?? 0, rank: rank)
            guard axis >= 1 else { throw ArgumentProblem("it reduces from axis 0, the batch; netcalc counts activations per item") }
            var output = Array(input[..<axis])
            if output.count == 1 { output.append(1) }  // (N) is laid out as (N, 1)
            return one(try tensor("reduction", output), .given(output))
        case .embed:
            try single(bottoms.count)
            let p = try parameters("embed_param")
            guard let outputs = try p.integer("num_output", .uint32), outputs >= 1, let words = try p.integer("input_dim", .uint32), words >= 1 else {
                throw ArgumentProblem("an Embed needs num_output and input_dim")
            }
            let output = input + [outputs]
            return one(try tensor("embed", output, weights: try CaffeDims.product(words, outputs),
                                  biases: try p.boolean("bias_term") == false ? 0 : outputs), .given(output))
        case .priorBox:
            // SSD's PriorBox (weiliu89/caffe): (1, 2, H x W x priors x 4), the boxes and their variances.
            guard bottoms.count == 2, input.count == 4 else {
                throw ArgumentProblem("a PriorBox reads two bottoms, a 4-D feature map and the image")
            }
            let priors = try priorBoxCount(try parameters("prior_box_param"))
            let output = [1, 2, try CaffeDims.product(input[2], input[3], priors, 4)]
            return one(try tensor("priorbox", output), .given(output))
        case .reorg:
            try single(bottoms.count)
            let stride = try parameters("reorg_param").integer("stride", .uint32) ?? 2
            guard rank == 4, stride >= 1, input[2] % stride == 0, input[3] % stride == 0 else {
                throw ArgumentProblem("a Reorg of stride \(stride) needs a 4-D blob whose height and width it divides, not \(CaffeDims.text(input))")
            }
            let output = [input[0], try CaffeDims.product(input[1], stride, stride), input[2] / stride, input[3] / stride]
            return one(try tensor("reorg", output), .given(output))
        case .region: return try elementwise("region")
        case .input, .split, .silence, .data, .dummyData, .memoryData, .python, .roiPooling, .proposal, .detectionOutput:
            throw ArgumentProblem("internal: \(type) is read before")
        case .unknown:
            throw ArgumentProblem("netcalc does not know the layer type \(type)",
                                  hint: "known: " + CaffeLayerType.known.joined(separator: ", "))
        }
    }

    /// Throws unless the layer reads one blob.
    private func single(_ bottoms: Int) throws(ArgumentProblem) {
        if bottoms != 1 { throw ArgumentProblem("it reads \(bottoms) blobs; netcalc reads this layer with one") }
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
            let parameters = try layer.submessage("convolution_param") ?? TextMessage()
            guard let filtersField = try parameters.single("num_output") else {
                throw ArgumentProblem("it needs num_output, the number of filters")
            }
            let filters = try filtersField.integer(.uint32)
            guard filters >= 1 else { throw ArgumentProblem("its num_output must be at least 1", at: filtersField.valueRange) }
            let kernel = try window(parameters, "kernel_size", pair: ("kernel_h", "kernel_w"), fallback: nil,
                                    spatialRank: spatialRank, minimum: 1)
            let stride = try window(parameters, "stride", pair: ("stride_h", "stride_w"), fallback: 1,
                                    spatialRank: spatialRank, minimum: 1)
            let pad = try window(parameters, "pad", pair: ("pad_h", "pad_w"), fallback: 0, spatialRank: spatialRank,
                                 minimum: 0, halfPairDefault: 0)
            let dilation = try window(parameters, "dilation", pair: nil, fallback: 1, spatialRank: spatialRank, minimum: 1)
            let groupField = try parameters.single("group")
            let group = try groupField?.integer(.uint32) ?? 1
            if let groupField, group < 1 { throw ArgumentProblem("its group must be at least 1", at: groupField.valueRange) }
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
            if try parameters.boolean("bias_term") == false { arguments.append(.flag("nobias")) }
            return call(kind == .convolution ? "CONV" : "DECONV", arguments)
        case .pooling:
            try single()
            let parameters = try layer.submessage("pooling_param") ?? TextMessage()
            let methodField = try parameters.single("pool")
            let maximum: Bool
            switch try methodField?.enumeration(CaffePoolMethod.self) ?? .max {
            case .max: maximum = true
            case .average: maximum = false
            case .stochastic:
                throw ArgumentProblem("STOCHASTIC pooling is not supported", at: methodField?.valueRange, hint: "MAX and AVE are")
            }
            if try parameters.boolean("global_pooling") == true {
                // Caffe: "With Global_pooling: true Filter size cannot specified".
                if let size = parameters.fields.first(where: { ["kernel_size", "kernel_h", "kernel_w"].contains($0.name) }) {
                    throw ArgumentProblem("a global pooling takes no \(size.name): its window is the whole input", at: size.range)
                }
                return call(maximum ? "ADAPTIVEMAXPOOL" : "GAP", maximum ? [.value(1)] : [])
            }
            if spatialRank != 2 {
                // BVLC Caffe pools 4-D blobs only; the N-D pooling forks repeat kernel_size per axis.
                let sizes = try parameters.integers("kernel_size", .uint32)
                guard sizes.count == spatialRank || (spatialRank == 1 && sizes.count == 1) else {
                    throw ArgumentProblem(
                        "BVLC Caffe's Pooling works on 4-D blobs (N, C, H, W), and this network's input is \(spatialRank + 2)-D",
                        hint: "a fork with N-D pooling gives kernel_size (and stride, pad) once per spatial axis, which netcalc reads; so does global_pooling")
                }
            }
            // Pooling's kernel_size, stride and pad are one value each in BVLC Caffe; the N-D forks give
            // one per spatial axis. Its _h and _w come in pairs (PoolingLayer::LayerSetUp).
            let kernel = try window(parameters, "kernel_size", pair: ("kernel_h", "kernel_w"), fallback: nil,
                                    spatialRank: spatialRank, minimum: 1)
            let stride = try window(parameters, "stride", pair: ("stride_h", "stride_w"), fallback: 1,
                                    spatialRank: spatialRank, minimum: 1)
            let pad = try window(parameters, "pad", pair: ("pad_h", "pad_w"), fallback: 0, spatialRank: spatialRank, minimum: 0)
            // Caffe rounds pooling up; a fork's `ceil_mode: false` rounds down (DenseNet-Caffe).
            let rounding = try parameters.boolean("ceil_mode") == false ? "floor" : "caffe"
            return call(maximum ? "MAXPOOL" : "AVGPOOL", [.value(kernel.written), .tag("s", stride.written),
                                                          .tag("p", pad.written), .flag(rounding)])
        case .innerProduct:
            try single()
            let parameters = try layer.submessage("inner_product_param") ?? TextMessage()
            guard let outputs = try parameters.integer("num_output", .uint32), outputs >= 1 else {
                throw ArgumentProblem("it needs num_output", at: try parameters.single("num_output")?.valueRange)
            }
            return call("FC", [.value(outputs)] + (try parameters.boolean("bias_term") == false ? [.flag("nobias")] : []))
        case .relu:
            try single()
            // Caffe takes any float; netcalc's LEAKYRELU a slope from 0 to 1. Neither changes a shape,
            // a parameter or a MAC, but a slope netcalc cannot write is an error at it, never a plain RELU.
            guard let slopeField = try layer.submessage("relu_param")?.single("negative_slope") else { return call("RELU") }
            let slope = try slopeField.float()
            let written = file.text(of: slopeField.valueRange)
            guard slope.isFinite else {
                throw ArgumentProblem("its negative_slope must be a finite number, not \(written)", at: slopeField.valueRange,
                                      hint: "Caffe would multiply every negative input by it; a leaky ReLU's slope is a number such as 0.1")
            }
            if slope == 0 { return call("RELU") }
            guard slope > 0, slope <= 1 else {
                throw ArgumentProblem("its negative_slope must be between 0 and 1 for netcalc's LEAKYRELU, not \(written)",
                                      at: slopeField.valueRange,
                                      hint: "Caffe takes any slope, and none changes a shape, a parameter or a MAC; netcalc writes LEAKYRELU with slopes from 0 to 1")
            }
            return call("LEAKYRELU", [.decimal(decimalText(written, slope))])
        case .prelu:
            try single()
            let shared = try layer.submessage("prelu_param")?.boolean("channel_shared") ?? false
            return call("PRELU", shared ? [] : [.flag("per_channel")])
        case .sigmoid: try single(); return call("SIGMOID")
        case .tanh: try single(); return call("TANH")
        case .lrn:
            try single()
            return call("LRN", [.value(try layer.submessage("lrn_param")?.integer("local_size", .uint32) ?? 5)])
        case .dropout:
            try single()
            guard let ratioField = try layer.submessage("dropout_param")?.single("dropout_ratio") else {
                return call("DROPOUT", [.decimal("0.5")])
            }
            let ratio = try ratioField.float()
            let written = file.text(of: ratioField.valueRange)
            guard ratio.isFinite, ratio >= 0, ratio <= 1 else {
                throw ArgumentProblem("its dropout_ratio must be between 0 and 1, not \(written)", at: ratioField.valueRange)
            }
            return call("DROPOUT", [.decimal(decimalText(written, ratio))])
        case .batchNorm:
            try single()
            return call("BN", [.flag("caffe")])
        case .scale:
            let bias = try layer.submessage("scale_param")?.boolean("bias_term") ?? false
            if bottoms == 2 { return .merge(.mul) }  // scaled by another blob
            try single()
            return call("SCALE", bias ? [.flag("bias")] : [])
        case .eltwise, .concat, .split, .flatten, .softmax, .slice, .reshape, .crop, .power, .exp, .log, .bnll,
             .threshold, .absVal, .elu, .mvn, .argMax, .tile, .reduction, .embed, .bias, .silence, .data, .dummyData,
             .memoryData, .convolutionDepthwise, .shuffleChannel, .bn, .upsample, .interp, .axpy, .permute, .priorBox,
             .normalize, .reorg, .region, .python, .roiPooling, .proposal, .detectionOutput, .input, .unknown:
            throw ArgumentProblem("internal: \(type) is read elsewhere")
        }
    }

    /// A window size as Caffe's convolution and pooling read it: `name` once (every axis) or once per
    /// spatial axis in Caffe's order (depth, height, width), else `name_h` and `name_w` on a 2-D blob,
    /// else the fallback; written as the spec's `WxH` or `WxHxT`. Caffe's own checks (its
    /// BaseConvolutionLayer and PoolingLayer), each at the value it is about: a count of values that is
    /// neither 1 nor the spatial axes', `_h` and `_w` beside the plain field or on another rank, a pair
    /// given by half (a half takes `halfPairDefault` when there is one, as a convolution's pad_h does),
    /// a value below `minimum`.
    private func window(_ parameters: TextMessage, _ name: String, pair: (height: String, width: String)?,
                        fallback: Int?, spatialRank: Int, minimum: Int, halfPairDefault: Int? = nil) throws(ArgumentProblem) -> Sizes {
        let fields = parameters.all(name)
        var values: [Int] = []
        for field in fields {
            let value = try field.integer(.uint32)
            guard value >= minimum else {
                throw ArgumentProblem("its \(name) must be at least \(minimum), not \(value)", at: field.valueRange,
                                      hint: name == "stride" ? "a stride of 0 would never move the window" : nil)
            }
            values.append(value)
        }
        var height: TextField?, width: TextField?
        if let pair {
            height = try parameters.single(pair.height)
            width = try parameters.single(pair.width)
        }
        if let pair, let given = height ?? width {
            guard fields.isEmpty else {
                throw ArgumentProblem("it gives both \(name) and \(given.name)", at: given.range,
                                      hint: "Caffe takes \(name), or \(pair.height) and \(pair.width), not both")
            }
            guard spatialRank == 2 else {
                throw ArgumentProblem("\(pair.height) and \(pair.width) are for 2-D blobs (N, C, H, W), and this network's input is \(spatialRank + 2)-D",
                                      at: given.range, hint: "give \(name) once, or once per spatial axis")
            }
            var sizes: [Int] = []
            for (half, halfName) in [(height, pair.height), (width, pair.width)] {
                guard let half else {
                    guard let halfPairDefault else {
                        throw ArgumentProblem("it gives \(given.name) without \(halfName)", at: given.range,
                                              hint: "Caffe needs both \(pair.height) and \(pair.width)")
                    }
                    sizes.append(halfPairDefault)
                    continue
                }
                let value = try half.integer(.uint32)
                guard value >= minimum else {
                    throw ArgumentProblem("its \(half.name) must be at least \(minimum), not \(value)", at: half.valueRange)
                }
                sizes.append(value)
            }
            return Sizes(sizes[1], sizes[0])
        }
        if values.isEmpty {
            guard let fallback else {
                throw ArgumentProblem("it needs \(name)" + (pair.map { " (or \($0.height) and \($0.width))" } ?? ""))
            }
            return Sizes(square: fallback)
        }
        if values.count == 1 { return Sizes(square: values[0]) }
        guard values.count == spatialRank, (2...3).contains(values.count) else {
            throw ArgumentProblem("it gives \(name) \(values.count) times, for \(spatialRank) spatial \(spatialRank == 1 ? "axis" : "axes")",
                                  at: fields[fields.count - 1].range,
                                  hint: "Caffe takes \(name) once, or once per spatial axis (depth, height, width)")
        }
        return Sizes(axes: values.reversed())
    }

    /// A rate or slope as the spec language writes it: the file's text when it is a plain decimal
    /// (`0.1`), else the value's (`.5` is 0.5, `0.1f` is 0.1, `1e-3` is 0.001).
    private func decimalText(_ written: String, _ value: Double) -> String {
        let plain = !written.isEmpty && written.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
            && written.utf8.first != UInt8(ascii: ".") && written.utf8.last != UInt8(ascii: ".")
            && written.utf8.filter({ $0 == UInt8(ascii: ".") }).count <= 1
        return plain ? written : TextNumber.plainDecimal(value)
    }
}

/// The Caffe layer types netcalc reads, by both generations' names: BVLC Caffe's, and the forks' that
/// famous models were published with (BN, Upsample, Interp, ConvolutionDepthwise, ShuffleChannel, Axpy,
/// SSD's PriorBox, Permute, Normalize and DetectionOutput, YOLOv2's Reorg and Region).
enum CaffeLayerType: Equatable, CaseIterable {
    case input, convolution, deconvolution, pooling, innerProduct, relu, prelu, sigmoid, tanh, lrn, dropout
    case batchNorm, scale, eltwise, concat, split, flatten, softmax
    case slice, reshape, crop, power, exp, log, bnll, threshold, absVal, elu, mvn, argMax, tile, reduction, embed
    case bias, silence, data, dummyData, memoryData
    case convolutionDepthwise, shuffleChannel, bn, upsample, interp, axpy, permute, priorBox, normalize, reorg, region
    case python, roiPooling, proposal, detectionOutput
    case unknown

    /// Each type's name as Caffe writes it (the old generation's upper case with underscores reads too).
    var name: String {
        switch self {
        case .input: return "Input"
        case .convolution: return "Convolution"
        case .deconvolution: return "Deconvolution"
        case .pooling: return "Pooling"
        case .innerProduct: return "InnerProduct"
        case .relu: return "ReLU"
        case .prelu: return "PReLU"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "TanH"
        case .lrn: return "LRN"
        case .dropout: return "Dropout"
        case .batchNorm: return "BatchNorm"
        case .scale: return "Scale"
        case .eltwise: return "Eltwise"
        case .concat: return "Concat"
        case .split: return "Split"
        case .flatten: return "Flatten"
        case .softmax: return "Softmax"
        case .slice: return "Slice"
        case .reshape: return "Reshape"
        case .crop: return "Crop"
        case .power: return "Power"
        case .exp: return "Exp"
        case .log: return "Log"
        case .bnll: return "BNLL"
        case .threshold: return "Threshold"
        case .absVal: return "AbsVal"
        case .elu: return "ELU"
        case .mvn: return "MVN"
        case .argMax: return "ArgMax"
        case .tile: return "Tile"
        case .reduction: return "Reduction"
        case .embed: return "Embed"
        case .bias: return "Bias"
        case .silence: return "Silence"
        case .data: return "Data"
        case .dummyData: return "DummyData"
        case .memoryData: return "MemoryData"
        case .convolutionDepthwise: return "ConvolutionDepthwise"
        case .shuffleChannel: return "ShuffleChannel"
        case .bn: return "BN"
        case .upsample: return "Upsample"
        case .interp: return "Interp"
        case .axpy: return "Axpy"
        case .permute: return "Permute"
        case .priorBox: return "PriorBox"
        case .normalize: return "Normalize"
        case .reorg: return "Reorg"
        case .region: return "Region"
        case .python: return "Python"
        case .roiPooling: return "ROIPooling"
        case .proposal: return "Proposal"
        case .detectionOutput: return "DetectionOutput"
        case .unknown: return ""
        }
    }

    init(_ name: String) {
        // No type's name is long: a name of megabytes is unknown without being looked at.
        guard name.utf8.count <= 64 else {
            self = .unknown
            return
        }
        let key = name.uppercased().replacingUnderscores()
        switch key {
        // The image data layers read files whose sizes the file may give (new_height, crop_size).
        case "IMAGEDATA", "DENSEIMAGEDATA", "WINDOWDATA", "HDF5DATA", "ANNOTATEDDATA", "VIDEODATA": self = .data
        case "DEPTHWISECONVOLUTION": self = .convolutionDepthwise
        case "ROIPOOL", "PSROIPOOLING", "ROIALIGN": self = .roiPooling
        default:
            self = Self.allCases.first { $0 != .unknown && $0.name.uppercased() == key } ?? .unknown
        }
    }

    /// True for the layers that give the network's input.
    var isData: Bool {
        switch self {
        case .input, .data, .dummyData, .memoryData: return true
        case .convolution, .deconvolution, .pooling, .innerProduct, .relu, .prelu, .sigmoid, .tanh, .lrn, .dropout,
             .batchNorm, .scale, .eltwise, .concat, .split, .flatten, .softmax, .slice, .reshape, .crop, .power, .exp,
             .log, .bnll, .threshold, .absVal, .elu, .mvn, .argMax, .tile, .reduction, .embed, .bias, .silence,
             .convolutionDepthwise, .shuffleChannel, .bn, .upsample, .interp, .axpy, .permute, .priorBox, .normalize,
             .reorg, .region, .python, .roiPooling, .proposal, .detectionOutput, .unknown:
            return false
        }
    }

    /// Why a layer of this type is left out of the analysis: its output's size is not in the file.
    var leftOutReason: String? {
        switch self {
        case .python: return "a Python layer's output is whatever its code makes"
        case .roiPooling: return "its number of regions comes from the data (the proposals), not the file"
        case .proposal: return "its number of proposals comes from the data, not the file"
        case .detectionOutput: return "its number of detections comes from the data (after non-maximum suppression), not the file"
        case .input, .convolution, .deconvolution, .pooling, .innerProduct, .relu, .prelu, .sigmoid, .tanh, .lrn,
             .dropout, .batchNorm, .scale, .eltwise, .concat, .split, .flatten, .softmax, .slice, .reshape, .crop, .power,
             .exp, .log, .bnll, .threshold, .absVal, .elu, .mvn, .argMax, .tile, .reduction, .embed, .bias, .silence,
             .data, .dummyData, .memoryData, .convolutionDepthwise, .shuffleChannel, .bn, .upsample, .interp, .axpy,
             .permute, .priorBox, .normalize, .reorg, .region, .unknown:
            return nil
        }
    }

    /// The names the unknown-type hint lists.
    static let known = allCases.filter { $0 != .unknown }.map(\.name)
}

private extension String {
    /// `INNER_PRODUCT` -> `INNERPRODUCT`.
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
