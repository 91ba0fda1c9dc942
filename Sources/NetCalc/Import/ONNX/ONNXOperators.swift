/// How each ONNX operator becomes a layer, an alias or a constant: the windows (Conv, pools), the
/// dense layers, normalizations, activations, merges, resampling, and the tensor plumbing
/// (Reshape, Transpose, Split, Slice, ...) whose shapes the importer follows. A node that makes a
/// layer states its call and output layout; the layer's own `apply` gives the output's sizes.

extension ONNXImporter {
    /// Maps one node.
    mutating func process(_ index: Int) throws(ImportFailure) {
        let node = graph.nodes[index]
        guard let op = ONNXOperator(rawValue: node.opType), node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw failure(node, "uses \(node.opType), which netcalc does not support", hint: ONNXOperator.supportedList)
        }
        // Shape and Size read only the dims, which the CNN mapping reads of any tensor.
        if followsTensors, op != .shape, op != .size, readsTensor(node) {
            if ONNXImporter.followsByShapeRules(op) {
                try tensorOperation(node, op)
            } else {
                // A CNN layer after tensor operations (MobileViT's folded patches back to [1, C, H, W]).
                try viewAsChannelsFirst(node)
                try processLayer(node, op)
            }
            return
        }
        guard followsTensors, ONNXImporter.startsShapeRules(op), readsData(node) else {
            try processLayer(node, op)
            return
        }
        // A node the CNN mapping refuses (a patch embedding's Reshape [N, C, H, W] to [N, C, H*W], a Sub of
        // two computed tensors, a reduction over a channels-last tensor's spatial axes, Swin's roll as Slice
        // and Concat) starts following ONNX's shape rules, from the state before it; if those fail too, the
        // CNN mapping's refusal stands.
        // Each try is an attempt, whose changes are taken back when it fails (ONNXJournal.swift).
        beginAttempt()
        do throws(ImportFailure) {
            try processLayer(node, op)
            commitAttempt()
        } catch {
            rollBackAttempt()
            beginAttempt()
            do throws(ImportFailure) {
                try tensorOperation(node, op)
                commitAttempt()
            } catch let tensorError {
                rollBackAttempt()
                // An Einsum and a GatherND of data have no CNN mapping: the shape rules' words are the ones that tell.
                throw op == .einsum || op == .gatherND ? tensorError : error
            }
        }
    }

    /// True for the operators whose refusal by the CNN mapping starts following ONNX's shape rules: the
    /// tensor plumbing and reductions the vision models write around their CNN layers. Other refusals (an
    /// activation of a channel shuffle's 5-D step, a Transpose other than NCHW <-> NHWC, a layer norm
    /// over other axes, ...) keep their words.
    static func startsShapeRules(_ op: ONNXOperator) -> Bool {
        switch op {
        case .reshape, .sub, .reduceSum, .reduceL2, .einsum, .slice, .concat, .split, .squeeze, .unsqueeze, .expand,
             .flatten, .gatherND:
            return true
        case .matMul, .gemm, .add, .mul, .div, .pow, .mod, .equal, .whereOp, .sqrt, .erf, .tanh, .gelu, .relu,
             .sigmoid, .neg, .reciprocal, .abs, .floor, .ceil, .softmax, .layerNormalization, .reduceMean, .transpose,
             .gather, .cast, .identity, .dropout, .batchNormalization, .hardSigmoid, .hardSwish, .clip, .conv,
             .convTranspose, .maxPool, .averagePool, .globalAveragePool, .globalMaxPool, .upsample, .resize, .pad,
             .instanceNormalization, .groupNormalization, .lrn, .leakyRelu, .pRelu, .elu, .mish, .constant, .shape,
             .size, .range, .constantOfShape, .scatterND, .not:
            return false
        }
    }

    /// Maps one node onto netcalc's CNN layers, layouts and constants.
    mutating func processLayer(_ node: ONNXNode, _ op: ONNXOperator) throws(ImportFailure) {
        switch op {
        case .conv: try convolution(node)
        case .convTranspose: try transposedConvolution(node)
        case .maxPool, .averagePool: try pooling(node, maximum: op == .maxPool)
        case .globalAveragePool: try globalPooling(node, call: ImportedCall("GAP"))
        case .globalMaxPool: try globalPooling(node, call: ImportedCall("ADAPTIVEMAXPOOL", .value(1)))
        case .reduceMean: try reduceMean(node)
        case .gemm: try gemm(node)
        case .matMul: try matMul(node)
        case .flatten: try flatten(node)
        case .reshape: try reshape(node)
        case .transpose: try transpose(node)
        case .squeeze, .unsqueeze: try squeeze(node, adding: op == .unsqueeze)
        case .split: try split(node)
        case .slice: try slice(node)
        case .concat: try concat(node)
        case .pad: try pad(node)
        case .resize, .upsample: try resize(node, legacy: op == .upsample)
        case .batchNormalization: try channelwise(node, ImportedCall("BN"))
        case .instanceNormalization: try channelwise(node, ImportedCall("INSTANCENORM", .flag("affine")))
        case .groupNormalization: try groupNormalization(node)
        case .layerNormalization: try layerNormalization(node)
        case .lrn:
            let size = int(node, "size", 0)
            guard size >= 1 else { throw failure(node, "has no window size (the size attribute)") }
            try emitKeeping(node, ImportedCall("LRN", .value(size)), input: try data(node, 0))
        case .relu: try emitKeeping(node, ImportedCall("RELU"), input: try data(node, 0))
        case .leakyRelu:
            let alpha = float(node, "alpha") ?? 0.01
            try emitKeeping(node, alpha >= 0 && alpha <= 1 ? ImportedCall("LEAKYRELU", .decimal(CallText.decimal(alpha)))
                                : ImportedCall("LEAKYRELU"),
                            input: try data(node, 0))
        case .elu:
            let alpha = float(node, "alpha") ?? 1
            try emitKeeping(node, alpha >= 0 && alpha <= 1 ? ImportedCall("ELU", .decimal(CallText.decimal(alpha))) : ImportedCall("ELU"),
                            input: try data(node, 0))
        case .pRelu: try parametricReLU(node)
        case .clip: try clip(node)
        case .sigmoid: try gatedActivation(node, alone: ImportedCall("SIGMOID"), gated: ImportedCall("SILU"))
        case .hardSigmoid:
            // PyTorch's hardsigmoid is alpha 1/6, beta 1/2; times its input it is hardswish.
            let alpha = float(node, "alpha") ?? 0.2
            let beta = float(node, "beta") ?? 0.5
            let isTorch = Swift.abs(alpha - 1 / 6) < 1e-6 && beta == 0.5
            try gatedActivation(node, alone: ImportedCall("HARDSIGMOID"), gated: isTorch ? ImportedCall("HARDSWISH") : nil)
        case .hardSwish: try emitKeeping(node, ImportedCall("HARDSWISH"), input: try data(node, 0))
        case .tanh: try emitKeeping(node, ImportedCall("TANH"), input: try data(node, 0))
        case .gelu: try emitKeeping(node, ImportedCall("GELU"), input: try data(node, 0))
        case .mish: try emitKeeping(node, ImportedCall("MISH"), input: try data(node, 0))
        case .softmax: try softmax(node)
        case .dropout: try emitKeeping(node, ImportedCall("DROPOUT"), input: try data(node, 0))
        case .identity:
            switch try value(node, 0) {
            case .data(let data)?: try alias(node, to: try standard(node, data))
            case .constant(let constant)?: values[try output(node)] = .constant(constant)
            case nil: throw failure(node, "lacks its input")
            }
        case .add: try arithmetic(node, .add)
        case .sub: try arithmetic(node, .sub)
        case .mul: try arithmetic(node, .mul)
        case .div: try arithmetic(node, .div)
        case .pow: try arithmetic(node, .pow)
        case .sqrt: try unaryArithmetic(node, .sqrt)
        case .neg: try unaryArithmetic(node, .neg)
        case .reciprocal: try unaryArithmetic(node, .reciprocal)
        case .abs: try unaryArithmetic(node, .abs)
        case .floor: try unaryArithmetic(node, .floor)
        case .ceil: try unaryArithmetic(node, .ceil)
        case .erf: try unaryArithmetic(node, nil)  // not needed for shapes: a constant's values are dropped
        case .constant: try constantNode(node)
        case .shape: try shape(node)
        case .size:
            let dims = try dimsOf(node)
            let count = try checked(node) { () throws(Overflow) in
                var product = 1
                for dim in dims { product = try checkedMultiply(product, dim) }
                return product
            }
            values[try output(node)] = .constant(ONNXConstant(dims: [], dataType: ONNXDataType.int64, values: .ints([count])))
        case .gather: try gather(node)
        case .gatherND: try gatherND(node)
        case .cast: try cast(node)
        case .range:
            let start = try requiredConstant(node, 0, "Range's start")
            let limit = try requiredConstant(node, 1, "Range's limit")
            let delta = try requiredConstant(node, 2, "Range's delta")
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.range(start, limit, delta)
            })
        case .constantOfShape:
            let shape = try ints(node, try requiredConstant(node, 0, "the shape"), "the shape")
            let fill = node.attribute("value")?.tensor.map(ONNXConstant.init)
                ?? ONNXConstant(dims: [1], dataType: ONNXDataType.float, values: .floats([0]))
            guard let count = ONNXConstant.product(shape) else {
                throw failure(node, "has the shape \(shape), which has a negative size or does not fit in 64 bits")
            }
            var filled = ONNXConstant(dims: shape, dataType: fill.dataType, values: nil)
            if count <= ONNXConstant.foldLimit, let value = fill.known, value.count == 1 {
                switch value {
                case .ints(let list): filled.values = .ints(Array(repeating: list[0], count: count))
                case .floats(let list): filled.values = .floats(Array(repeating: list[0], count: count))
                }
            }
            values[try output(node)] = .constant(filled)
        case .equal:
            let a = try requiredConstant(node, 0, "Equal's first input")
            let b = try requiredConstant(node, 1, "Equal's second input")
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.binary(.equal, a, b)
            })
        case .mod:
            try arithmetic(node, .mod)
        case .expand:
            let shape = try ints(node, try requiredConstant(node, 1, "the shape"), "the shape")
            switch try value(node, 0) {
            case .constant(let constant)?:
                guard let count = ONNXConstant.product(shape) else {
                    throw failure(node, "has the shape \(shape), which has a negative size or does not fit in 64 bits")
                }
                // Broadcast against ones of the shape: the bidirectional broadcast's dims, the values repeated.
                let small = count <= ONNXConstant.foldLimit && constant.known != nil
                let ones = ONNXConstant(dims: shape, dataType: ONNXDataType.int64,
                                        values: small ? .ints(Array(repeating: 1, count: count)) : nil)
                values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                    var expanded = try ONNXConstant.binary(.mul, constant, ones)
                    expanded.dataType = constant.dataType
                    return expanded
                })
            case .data(let input)?:
                throw failure(node, "expands a tensor of dims \(input.text) to \(shape)")
            case nil:
                throw failure(node, "lacks its input")
            }
        case .reduceSum, .reduceL2:
            guard case .constant? = try value(node, 0) else {
                throw failure(node, "reduces a tensor computed from the input by \(node.opType); netcalc follows it by ONNX's shape rules, at a batch of 1")
            }
            try reduceConstant(node, op == .reduceSum ? .sum : .l2)
        case .einsum:
            throw failure(node, "computes an Einsum; netcalc follows it by ONNX's shape rules, at a batch of 1")
        case .scatterND:
            let data = try requiredConstant(node, 0, "ScatterND's data")
            let indices = try requiredConstant(node, 1, "ScatterND's indices")
            let updates = try requiredConstant(node, 2, "ScatterND's updates")
            guard (string(node, "reduction") ?? "none") == "none" else {
                throw failure(node, "has the reduction '\(string(node, "reduction") ?? "")'; netcalc folds ScatterND without reduction")
            }
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.scatter(data, indices: indices, updates: updates)
            })
        case .not:
            let input = try requiredConstant(node, 0, "Not's input")
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in try ONNXConstant.not(input) })
        case .whereOp:
            let condition = try requiredConstant(node, 0, "Where's condition")
            let x = try requiredConstant(node, 1, "Where's first choice")
            let y = try requiredConstant(node, 2, "Where's second choice")
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.select(condition, x, y)
            })
        }
    }

    /// A constant the node cannot do without.
    func requiredConstant(_ node: ONNXNode, _ position: Int, _ what: String) throws(ImportFailure) -> ONNXConstant {
        guard let constant = try constant(node, position, what) else { throw failure(node, "lacks \(what)") }
        return constant
    }

    /// The node's data input, which must be channels first with one to three spatial axes (`[N, C, L]`,
    /// `[N, C, H, W]`, `[N, C, D, H, W]`) for a window or resampling.
    func image(_ node: ONNXNode) throws(ImportFailure) -> ONNXData {
        let input = try data(node, 0)
        guard input.isChannelsFirst else {
            throw failure(node, "reads a tensor of dims \(input.text); \(node.opType) works on channels-first tensors [N,C,L], [N,C,H,W] or [N,C,D,H,W]")
        }
        return input
    }

    // MARK: Windows

    /// The settings of a window along each spatial axis, in ONNX's order (D, H, W): kernel, stride,
    /// dilation and the padding before and after.
    struct Window {
        var kernel: [Int]
        var stride: [Int]
        var dilation: [Int]
        var before: [Int]
        var after: [Int]

        /// A window of `kernel` with stride 1, dilation 1 and no padding.
        init(kernel: [Int]) {
            self.kernel = kernel
            stride = Array(repeating: 1, count: kernel.count)
            dilation = stride
            before = Array(repeating: 0, count: kernel.count)
            after = before
        }

        var isSymmetric: Bool { before == after }

        /// No padding on any side.
        mutating func removePadding() {
            before = Array(repeating: 0, count: kernel.count)
            after = before
        }
    }

    /// Reads strides, dilations, pads and auto_pad for a window of `kernel` (ONNX's order) on `input`.
    func window(_ node: ONNXNode, kernel: [Int], input: ONNXData) throws(ImportFailure) -> Window {
        let axes = input.spatialIndices
        let rank = axes.count
        var window = Window(kernel: kernel)
        func list(_ name: String) throws(ImportFailure) -> [Int]? {
            guard let list = intList(node, name) else { return nil }
            guard list.count == rank else {
                throw failure(node, "has \(name) \(list), not \(rank) values: its input \(input.text) has \(rank) spatial \(rank == 1 ? "axis" : "axes")")
            }
            guard list.allSatisfy({ $0 >= 1 }) else { throw failure(node, "has \(name) \(list); they must be at least 1") }
            return list
        }
        guard kernel.count == rank else {
            throw failure(node, "has a kernel of \(kernel.count) sizes for its input \(input.text) of \(rank) spatial \(rank == 1 ? "axis" : "axes")")
        }
        guard kernel.allSatisfy({ $0 >= 1 }) else {
            throw failure(node, "has the kernel \(kernel.map(String.init).joined(separator: "x")); it must be at least 1")
        }
        if let stride = try list("strides") { window.stride = stride }
        if let dilation = try list("dilations") { window.dilation = dilation }
        let autoPad = string(node, "auto_pad") ?? "NOTSET"
        switch autoPad {
        case "NOTSET", "":
            if let pads = intList(node, "pads") {
                guard pads.count == 2 * rank else {
                    throw failure(node, "has pads \(pads), not \(2 * rank) values: its input \(input.text) has \(rank) spatial \(rank == 1 ? "axis" : "axes")")
                }
                guard pads.allSatisfy({ $0 >= 0 }) else { throw failure(node, "has the negative pads \(pads)") }
                window.before = Array(pads[..<rank])
                window.after = Array(pads[rank...])
            }
        case "VALID":
            break
        case "SAME_UPPER", "SAME_LOWER":
            // The output is ceil(size / stride); the extra pixel of an odd total goes after
            // (SAME_UPPER) or before (SAME_LOWER).
            for (position, axis) in axes.enumerated() {
                let size = input.dims[axis]
                let (kernel, stride, dilation) = (kernel[position], window.stride[position], window.dilation[position])
                let total = try checked(node) { () throws(Overflow) in
                    let output = ceilDivide(size, stride)
                    let extent = try checkedAdd(try checkedMultiply(dilation, kernel - 1), 1)
                    let needed = try checkedSubtract(try checkedAdd(try checkedMultiply(output - 1, stride), extent), size)
                    return max(needed, 0)
                }
                let small = total / 2
                (window.before[position], window.after[position]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
        default:
            throw failure(node, "has auto_pad '\(autoPad)', which is not NOTSET, VALID, SAME_UPPER or SAME_LOWER")
        }
        return window
    }

    /// The tags of a window: stride, padding and dilation when not 1, 0 and 1.
    func windowTags(_ window: Window) -> [ImportedArgument] {
        var tags: [ImportedArgument] = []
        if window.stride.contains(where: { $0 != 1 }) { tags.append(.tag(sizes: "s", window.stride.reversed())) }
        if window.before.contains(where: { $0 != 0 }) { tags.append(.tag(sizes: "p", window.before.reversed())) }
        if window.dilation.contains(where: { $0 != 1 }) { tags.append(.tag(sizes: "d", window.dilation.reversed())) }
        return tags
    }

    /// Applies a window: a PAD layer first when the padding is asymmetric, then the layer whose
    /// call `makeCall` writes from the tags; both layers' own `apply` give the output's dims.
    ///
    /// ONNX's ceil_mode drops a last window that starts in the end padding; after a PAD layer that
    /// padding is input to the window, whose `ceil` then keeps such a window. Netcalc's layers cannot
    /// state ONNX's size then, so that case is refused, naming ceil_mode and the pads.
    mutating func applyWindow(_ node: ONNXNode, input: ONNXData, window: Window, ceil: Bool = false,
                              output target: String? = nil, makeCall: ([ImportedArgument]) -> ImportedCall) throws(ImportFailure) {
        var source = input
        var settings = window
        if !window.isSymmetric {
            source = try padLayer(node, input: input, before: window.before, after: window.after)
            settings.removePadding()
        }
        let name: String
        if let target {
            name = target
        } else {
            name = try output(node)
        }
        let result = try emit(node, makeCall(windowTags(settings)), input: source, output: name, layout: .nchw)
        guard ceil, !window.isSymmetric else { return }
        for (position, axis) in input.spatialIndices.enumerated() where axis < result.dims.count {
            // The last window starts at (out - 1) * stride of the padded input; ONNX keeps it only when
            // that is before the end padding, at the input's size plus the padding before.
            let start = try checked(node) { () throws(Overflow) in try checkedMultiply(result.dims[axis] - 1, window.stride[position]) }
            let end = try checked(node) { () throws(Overflow) in try checkedAdd(input.dims[axis], window.before[position]) }
            if start >= end {
                throw failure(node, "has ceil_mode 1 with the asymmetric pads \(intList(node, "pads") ?? window.before + window.after): ONNX drops its last window, which starts in the end padding, but netcalc pads first (PAD) and its pool's ceil keeps that window",
                              hint: "netcalc states ceil_mode with symmetric pads, or asymmetric pads without ceil_mode")
            }
        }
    }

    /// A PAD layer on a channels-first or NHWC tensor, written to a made-up tensor unless `output` is
    /// given: `before` and `after` hold the padding of each spatial axis in ONNX's order (D, H, W), and
    /// PAD's sides go width first: `PAD(l,r)`, `PAD(l,r,t,b)`, `PAD(l,r,t,b,front,back)`.
    mutating func padLayer(_ node: ONNXNode, input: ONNXData, before: [Int], after: [Int],
                           output: String? = nil) throws(ImportFailure) -> ONNXData {
        let axes = input.spatialIndices
        guard !axes.isEmpty, before.count == axes.count, after.count == axes.count else {
            throw failure(node, "pads a tensor of dims \(input.text)")
        }
        var sides: [ImportedArgument] = []
        for position in axes.indices.reversed() { sides += [.value(before[position]), .value(after[position])] }
        let name: String
        if let output {
            name = output
        } else {
            name = freshTensorName("\(try self.output(node))/pad")
        }
        return try emit(node, ImportedCall("PAD", sides), input: input, output: name, layout: input.layout,
                        suffix: output == nil ? "/pad" : "")
    }

    /// Conv: CONV, or DWCONV when each group is one input channel.
    mutating func convolution(_ node: ONNXNode) throws(ImportFailure) {
        let input = try image(node)
        let weight = try requiredConstant(node, 1, "the weight")
        let rank = input.spatialIndices.count
        guard weight.dims.count == rank + 2 else {
            throw failure(node, "has a weight of dims \(weight.dims) for its input \(input.text); netcalc reads weights [K, C/G, k1, ...] with one kernel size per spatial axis")
        }
        let filters = weight.dims[0]
        let group = int(node, "group", 1)
        let channels = input.channels
        guard group >= 1, channels % group == 0, weight.dims[1] == channels / group, filters % group == 0, filters >= 1 else {
            throw failure(node, "has a weight of dims \(weight.dims) and group \(group), which do not fit its \(channels) input channels")
        }
        let kernel = Array(weight.dims[2...])
        if let shape = intList(node, "kernel_shape"), shape != kernel {
            throw failure(node, "has kernel_shape \(shape), but its weight's kernel is \(kernel.map(String.init).joined(separator: "x"))")
        }
        if let bias = try constant(node, 2, "the bias"), bias.count != filters {
            throw failure(node, "has a bias of dims \(bias.dims) for \(filters) filters")
        }
        var hasBias = try value(node, 2) != nil
        var target = try output(node)
        // An Add of one constant per filter right after a convolution without bias is its bias.
        var filtersDims = [1, filters]
        filtersDims += Array(repeating: 1, count: rank)
        if !hasBias, let next = soleConsumer(target), graph.nodes[next].opType == "Add",
           let other = otherOperand(graph.nodes[next], target), let bias = peekConstant(other),
           isPerChannel(bias, of: ONNXData(tensor: "", dims: filtersDims, layout: .nchw)),
           let sum = graph.nodes[next].outputs.first, !sum.isEmpty {
            claimed.insert(next)
            target = sum
            hasBias = true
        }
        let settings = try window(node, kernel: kernel, input: input)
        let size = ImportedArgument.sizes(kernel.reversed())
        let gain = try standardizationGain(node, weight: weight, filters: filters)
        let result = gain ? freshTensorName(target + "/standardized") : target
        try applyWindow(node, input: input, window: settings, output: result) { tags in
            var parts: [ImportedArgument]
            let keyword: String
            if group == channels, group > 1 {
                keyword = "DWCONV"
                parts = [size] + tags
                if filters / channels != 1 { parts.append(.tag("m", [filters / channels])) }
            } else {
                keyword = "CONV"
                parts = [.value(filters), size] + tags
                if group != 1 { parts.append(.tag("g", [group])) }
            }
            if !hasBias { parts.append(.flag("nobias")) }
            return ImportedCall(keyword, parts)
        }
        if gain, case .data(let convolved)? = values[result] {
            // conv(x, standardize(W) x g) is conv(x, standardize(W)) x g: the gain, one per filter, scales
            // the convolution's output in place.
            try emit(node, ImportedCall("SCALE", .flag(inPlaceFlag)), input: convolved, output: target, layout: .nchw,
                     suffix: "/gain")
            layers[layers.count - 1].inPlace = true
        }
    }

    /// True when a Conv's weight is computed from stored tensors (weight standardization, as NFNet's
    /// ScaledStdConv2d exports: the weight's mean and variance by ReduceMean or a BatchNormalization,
    /// times a gain) and one of them, an initializer other than the weight and its reshaped or transposed
    /// copies (which have the weight's count), holds one value per filter: the gain, a SCALE after the
    /// CONV. The CONV counts the weight once, as any convolution's. Constant nodes (the batch norm's
    /// zeros) and initializers of one repeated value (dynamo's zeros for the batch norm's absent bias,
    /// read from the file when netcalc did not decode them with the graph) hold the exporter's values,
    /// not learned ones. Other learned tensors in the weight's computation are refused.
    mutating func standardizationGain(_ node: ONNXNode, weight: ONNXConstant, filters: Int) throws(ImportFailure) -> Bool {
        guard node.inputs.count > 1, let weightCount = weight.count else { return false }
        let sources = storedSources(node.inputs[1])
        let initializers = Set(graph.initializers.map(\.name))
        var extra: [String] = []
        for name in sources where name != node.inputs[1] && initializers.contains(name) {
            guard case .constant(let stored)? = values[name], ONNXDataType.isFloat(stored.dataType),
                  let count = stored.count, count > 1, count != weightCount, !holdsOneValue(name) else { continue }
            extra.append(name)
        }
        guard !extra.isEmpty else { return false }
        guard extra.count == 1, case .constant(let gain)? = values[extra[0]], gain.count == filters else {
            throw failure(node, "computes its weight from the learned tensors \(extra.map { "'\($0)'" }.joined(separator: ", ")) besides the weight; netcalc counts a standardized weight and a gain of one value per filter")
        }
        return true
    }

    /// True when a stored tensor's values are known (decoded with the graph, or an initializer's read from
    /// the file when at most `ONNXConstant.foldLimit`) and all equal: a fill the exporter wrote (a mask's
    /// region numbers, a batch norm's absent bias), not learned values.
    func holdsOneValue(_ name: String) -> Bool {
        var found: ONNXValues?
        if case .constant(let constant)? = values[name] { found = constant.known }
        if found == nil, let index = initializerIndex[name], index < graph.initializers.count {
            found = model.values(of: graph.initializers[index], limit: ONNXConstant.foldLimit)
        }
        guard let known = found else { return false }
        switch known {
        case .ints(let list): return list.allSatisfy { $0 == list.first }
        case .floats(let list): return list.allSatisfy { $0 == list.first }
        }
    }

    /// ConvTranspose: DECONV, when netcalc's DECONV says the same thing.
    mutating func transposedConvolution(_ node: ONNXNode) throws(ImportFailure) {
        let input = try image(node)
        let weight = try requiredConstant(node, 1, "the weight")
        let rank = input.spatialIndices.count
        guard weight.dims.count == rank + 2, weight.dims[0] == input.channels else {
            throw failure(node, "has a weight of dims \(weight.dims) for its input \(input.text); netcalc reads weights [C, K, k1, ...] with one kernel size per spatial axis")
        }
        let filters = weight.dims[1]
        let kernel = Array(weight.dims[2...])
        guard int(node, "group", 1) == 1 else {
            throw failure(node, "is a grouped transposed convolution, which netcalc's DECONV cannot state")
        }
        if let padding = intList(node, "output_padding"), padding.contains(where: { $0 != 0 }) {
            throw failure(node, "has output_padding \(padding), which netcalc's DECONV cannot state")
        }
        if node.attribute("output_shape") != nil {
            throw failure(node, "gives an output_shape, which netcalc's DECONV cannot state", hint: "give pads instead")
        }
        let autoPad = string(node, "auto_pad") ?? "NOTSET"
        guard autoPad == "NOTSET" || autoPad == "VALID" || autoPad.isEmpty else {
            throw failure(node, "has auto_pad \(autoPad), which netcalc's DECONV cannot state")
        }
        if let shape = intList(node, "kernel_shape"), shape != kernel {
            throw failure(node, "has kernel_shape \(shape), but its weight's kernel is \(kernel.map(String.init).joined(separator: "x"))")
        }
        var settings = try window(node, kernel: kernel, input: input)
        if autoPad == "VALID" { settings.removePadding() }
        guard settings.isSymmetric, settings.dilation.allSatisfy({ $0 == 1 }) else {
            throw failure(node, "has asymmetric pads or a dilation, which netcalc's DECONV cannot state")
        }
        let hasBias = try value(node, 2) != nil
        var parts: [ImportedArgument] = [.value(filters), .sizes(kernel.reversed())]
        parts += windowTags(settings)
        if !hasBias { parts.append(.flag("nobias")) }
        try emit(node, ImportedCall("DECONV", parts), input: input, output: try output(node), layout: .nchw)
    }

    /// MaxPool and AveragePool.
    mutating func pooling(_ node: ONNXNode, maximum: Bool) throws(ImportFailure) {
        let input = try image(node)
        if node.outputs.count > 1, !node.outputs[1].isEmpty, consumers[node.outputs[1]] != nil {
            throw failure(node, "has its indices read by another node; netcalc's pools give values only")
        }
        let rank = input.spatialIndices.count
        guard let shape = intList(node, "kernel_shape"), shape.count == rank else {
            throw failure(node, "has kernel_shape \(intList(node, "kernel_shape") ?? []), not one size per spatial axis of its input \(input.text)")
        }
        let settings = try window(node, kernel: shape, input: input)
        if !maximum, let dilations = intList(node, "dilations"), dilations.contains(where: { $0 != 1 }) {
            throw failure(node, "has dilations \(dilations); netcalc's AVGPOOL has no dilation (PyTorch's average pools have none)")
        }
        if settings.isSymmetric, zip(settings.before, settings.kernel).contains(where: { $0.0 > $0.1 / 2 }) {
            throw failure(node, "has pads \(intList(node, "pads") ?? settings.before + settings.after) of more than half its kernel \(shape); netcalc's pools follow PyTorch, whose padding is at most half the window")
        }
        let ceil = int(node, "ceil_mode", 0) != 0
        try applyWindow(node, input: input, window: settings, ceil: ceil) { tags in
            var parts: [ImportedArgument] = [.sizes(shape.reversed())]
            // POOL's stride defaults to its window, ONNX's to 1: always written.
            if !tags.contains(where: { if case .tag("s", _) = $0 { true } else { false } }) {
                parts.append(.tag(sizes: "s", settings.stride.reversed()))
            }
            parts += tags
            if ceil { parts.append(.flag("ceil")) }
            return ImportedCall(maximum ? "POOL" : "AVGPOOL", parts)
        }
    }

    /// GlobalAveragePool (GAP) and GlobalMaxPool (ADAPTIVEMAXPOOL(1)).
    mutating func globalPooling(_ node: ONNXNode, call: ImportedCall) throws(ImportFailure) {
        let input = try image(node)
        try emit(node, call, input: input, output: try output(node), layout: .nchw)
    }

    /// The axes a Reduce node reduces: its attribute, or (opset 18) its second input.
    func reduceAxes(_ node: ONNXNode, rank: Int) throws(ImportFailure) -> [Int]? {
        var axes = intList(node, "axes")
        if axes == nil, let constant = try constant(node, 1, "the axes") {
            axes = try ints(node, constant, "the axes")
        }
        guard let axes, !axes.isEmpty else { return nil }
        var resolved: [Int] = []
        for axis in axes {
            do throws(ConstantFailure) {
                resolved.append(try normalizedAxis(axis, rank: rank))
            } catch {
                throw failure(node, "reduces over the axis \(axis) of a tensor of rank \(rank)")
            }
        }
        return resolved.sorted()
    }

    /// ReduceMean over every spatial axis is GAP; over the channels it starts a written-out LayerNorm.
    mutating func reduceMean(_ node: ONNXNode) throws(ImportFailure) {
        if case .constant? = try value(node, 0) {
            try reduceConstant(node, .mean)
            return
        }
        let input = try data(node, 0)
        let keep = int(node, "keepdims", 1) != 0
        let axes = try reduceAxes(node, rank: input.dims.count)
        let spatial = input.spatialIndices
        if !spatial.isEmpty, axes == spatial.sorted() {
            try emit(node, ImportedCall("GAP"), input: input, output: try output(node), layout: keep ? input.layout : .flat)
            return
        }
        if let channel = input.channelAxis, axes == [channel], keep, try layerNormPattern(node, input: input) {
            return
        }
        throw failure(node, "averages a tensor of dims \(input.text) over the axes \(axes.map { "\($0)" } ?? "all"); netcalc reads a mean over every spatial axis (GAP) or a written-out layer norm over the channels")
    }

    /// A Reduce node on a constant (weight standardization's mean and variance): folded, its values kept
    /// when small.
    mutating func reduceConstant(_ node: ONNXNode, _ kind: ConstantReduction) throws(ImportFailure) {
        let input = try requiredConstant(node, 0, "its input")
        let axes = try reduceAxes(node, rank: input.dims.count) ?? []
        let keep = int(node, "keepdims", 1) != 0
        values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
            try ONNXConstant.reduce(kind, input, axes: axes, keep: keep)
        })
    }

    // MARK: Dense layers

    /// Gemm with a constant B: FC.
    mutating func gemm(_ node: ONNXNode) throws(ImportFailure) {
        let input = try data(node, 0)
        guard input.layout == .flat else {
            throw failure(node, "reads a tensor of dims \(input.text); Gemm multiplies 2-D [N, F] tensors")
        }
        guard int(node, "transA", 0) == 0 else { throw failure(node, "transposes its input (transA), which netcalc's FC cannot state") }
        let weight = try requiredConstant(node, 1, "the weight B")
        guard weight.dims.count == 2 else { throw failure(node, "has a weight of dims \(weight.dims), not 2-D") }
        let transposed = int(node, "transB", 0) != 0
        let features = transposed ? weight.dims[1] : weight.dims[0]
        let outputs = transposed ? weight.dims[0] : weight.dims[1]
        guard features == input.channels, outputs >= 1 else {
            throw failure(node, "has a weight of dims \(weight.dims)\(transposed ? " (transposed)" : "") for \(input.channels) input features")
        }
        var hasBias = false
        if let bias = try constant(node, 2, "the bias C") {
            guard bias.count == outputs || bias.count == 1 else {
                throw failure(node, "has a bias of dims \(bias.dims) for \(outputs) outputs")
            }
            hasBias = true
        }
        try emit(node, ImportedCall("FC", [.value(outputs)] + (hasBias ? [] : [.flag("nobias")])), input: input, output: try output(node),
                 layout: .flat)
    }

    /// MatMul by a constant [F, K]: FC on [N, F], a 1x1 CONV on channels-last [N, H, W, F]; a bias
    /// Add right after is folded in.
    mutating func matMul(_ node: ONNXNode) throws(ImportFailure) {
        let input = try data(node, 0)
        let weight = try requiredConstant(node, 1, "the weight")
        guard weight.dims.count == 2, input.layout == .flat || input.layout == .nhwc, weight.dims[0] == input.channels,
              weight.dims[1] >= 1 else {
            throw failure(node, "multiplies a tensor of dims \(input.text) by a weight of dims \(weight.dims); netcalc reads [N, F] x [F, K] (FC) and channels-last [N, H, W, C] x [C, K] (a 1x1 CONV)")
        }
        let outputs = weight.dims[1]
        var target = try output(node)
        var hasBias = false
        // A following Add of a constant [K] is the bias.
        if let next = soleConsumer(target), graph.nodes[next].opType == "Add", graph.nodes[next].inputs.count == 2 {
            let add = graph.nodes[next]
            let other = add.inputs[0] == target ? add.inputs[1] : add.inputs[0]
            if let bias = peekConstant(other), bias.count == outputs, bias.dims.last == outputs, !add.outputs.isEmpty,
               !add.outputs[0].isEmpty {
                hasBias = true
                target = add.outputs[0]
                claimed.insert(next)
            }
        }
        if input.layout == .flat {
            try emit(node, ImportedCall("FC", [.value(outputs)] + (hasBias ? [] : [.flag("nobias")])), input: input, output: target,
                     layout: .flat)
        } else {
            try emit(node, ImportedCall("CONV", [.value(outputs), .value(1)] + (hasBias ? [] : [.flag("nobias")])), input: input,
                     output: target, layout: .nhwc)
        }
    }

    // MARK: Normalization and activations

    /// A layer that keeps the shape and works per channel (BN, INSTANCENORM).
    mutating func channelwise(_ node: ONNXNode, _ call: ImportedCall) throws(ImportFailure) {
        if case .constant(let constant)? = try value(node, 0) {
            // A normalization of a constant (weight standardization by a training-mode batch norm): the
            // same dims, values not followed; its statistics one per channel (axis 1).
            values[try output(node)] = .constant(ONNXConstant(dims: constant.dims, dataType: constant.dataType, values: nil))
            let channels = constant.dims.count > 1 ? constant.dims[1] : 1
            for name in node.outputs.dropFirst() where !name.isEmpty {
                values[name] = .constant(ONNXConstant(dims: [channels], dataType: ONNXDataType.float, values: nil))
            }
            return
        }
        let input = try data(node, 0)
        guard input.isChannelsFirst || input.layout == .flat else {
            throw failure(node, "normalizes a tensor of dims \(input.text); \(node.opType) works on channels-first tensors [N, C, ...] or [N, C]")
        }
        try emitKeeping(node, call, input: input)
        // Training-mode outputs (running statistics) are per-channel constants.
        for name in node.outputs.dropFirst() where !name.isEmpty {
            values[name] = .constant(ONNXConstant(dims: [input.channels], dataType: ONNXDataType.float, values: nil))
        }
    }

    /// GroupNormalization: GROUPNORM(G).
    mutating func groupNormalization(_ node: ONNXNode) throws(ImportFailure) {
        let input = try image(node)
        let groups = int(node, "num_groups", 0)
        guard groups >= 1, input.channels % groups == 0 else {
            throw failure(node, "has num_groups \(groups) for \(input.channels) channels")
        }
        try emitKeeping(node, ImportedCall("GROUPNORM", .value(groups)), input: input)
    }

    /// LayerNormalization over the channels alone: LAYERNORM.
    mutating func layerNormalization(_ node: ONNXNode) throws(ImportFailure) {
        let input = try data(node, 0)
        let rawAxis = int(node, "axis", -1)
        let axis = rawAxis < 0 ? rawAxis + input.dims.count : rawAxis
        let overChannels: Bool
        switch input.layout {
        case .nhwc, .flat: overChannels = axis == input.dims.count - 1
        case .nchw: overChannels = axis == 1 && input.isPointwise
        case .grouped, .groupedTransposed, .vector, .tensor: overChannels = false
        }
        guard overChannels else {
            throw failure(node, "normalizes a tensor of dims \(input.text) from axis \(rawAxis); netcalc's LAYERNORM normalizes the channels at each position")
        }
        if try value(node, 2) == nil { plainNorms.append(label(node)) }
        try emitKeeping(node, ImportedCall("LAYERNORM"), input: input)
    }

    /// PRelu: one slope, or one per channel.
    mutating func parametricReLU(_ node: ONNXNode) throws(ImportFailure) {
        let input = try data(node, 0)
        let slope = try requiredConstant(node, 1, "the slope")
        if slope.count == 1 {
            try emitKeeping(node, ImportedCall("PRELU"), input: input)
        } else if isPerChannel(slope, of: input) {
            try emitKeeping(node, ImportedCall("PRELU", .flag("per_channel")), input: input)
        } else {
            throw failure(node, "has slopes of dims \(slope.dims) for a tensor of dims \(input.text); netcalc's PRELU has one slope or one per channel")
        }
    }

    /// True when a constant holds one value per channel of `data`, placed on the channel axis by
    /// broadcasting (`[C,1,1]` for NCHW, `[C]` for NHWC and [N, C]).
    func isPerChannel(_ constant: ONNXConstant, of data: ONNXData) -> Bool {
        guard let axis = data.channelAxis, data.channels > 1, constant.count == data.channels,
              constant.dims.count <= data.dims.count else { return false }
        let offset = data.dims.count - constant.dims.count
        for (index, dim) in constant.dims.enumerated() where dim != 1 {
            if index + offset != axis { return false }
        }
        return true
    }

    /// Clip: RELU6 for [0, 6], RELU for [0, none].
    mutating func clip(_ node: ONNXNode) throws(ImportFailure) {
        var low: Double? = float(node, "min").map(Double.init)
        var high: Double? = float(node, "max").map(Double.init)
        if let constant = try constant(node, 1, "the minimum") {
            guard let value = constant.scalar else { throw failure(node, "has a minimum that is not one known value") }
            low = value
        }
        if let constant = try constant(node, 2, "the maximum") {
            guard let value = constant.scalar else { throw failure(node, "has a maximum that is not one known value") }
            high = value
        }
        if let value = high, value >= Double(Float.greatestFiniteMagnitude) { high = nil }
        if let value = low, value <= -Double(Float.greatestFiniteMagnitude) { low = nil }
        if case .constant(let constant)? = try value(node, 0) {
            // Padding arithmetic computed in the graph (TensorFlow's SAME: max(0, ...)).
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.clip(constant, low: low, high: high)
            })
            return
        }
        let input = try data(node, 0)
        switch (low, high) {
        case (0?, 6?): try emitKeeping(node, ImportedCall("RELU6"), input: input)
        case (0?, nil): try emitKeeping(node, ImportedCall("RELU"), input: input)
        default:
            throw failure(node, "clips to [\(low.map { "\($0)" } ?? "-inf"), \(high.map { "\($0)" } ?? "inf")]; netcalc has RELU (Clip at 0) and RELU6 (Clip to [0, 6])")
        }
    }

    /// Softmax over the channels.
    mutating func softmax(_ node: ONNXNode) throws(ImportFailure) {
        let input = try data(node, 0)
        let rank = input.dims.count
        let rawAxis = int(node, "axis", opset < 13 ? 1 : -1)
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        let overChannels = input.channelAxis == axis || (input.layout == .nchw && input.isPointwise && axis >= 1)
            || (opset < 13 && axis == 1 && input.layout == .nchw)
        guard overChannels else {
            throw failure(node, "takes a softmax over the axis \(rawAxis) of a tensor of dims \(input.text); netcalc's SOFTMAX is over the channels")
        }
        try emitKeeping(node, ImportedCall("SOFTMAX"), input: input)
    }

    /// Sigmoid and HardSigmoid: alone a row, and times their own input (x·σ(x)) one gated row.
    mutating func gatedActivation(_ node: ONNXNode, alone: ImportedCall, gated: ImportedCall?) throws(ImportFailure) {
        let input = try data(node, 0)
        let out = try output(node)
        if let gated, let next = soleConsumer(out), graph.nodes[next].opType == "Mul", graph.nodes[next].inputs.count == 2,
           Set(graph.nodes[next].inputs) == Set([out, node.inputs[0]]), let product = graph.nodes[next].outputs.first,
           !product.isEmpty {
            claimed.insert(next)
            try emit(graph.nodes[next], gated, input: input, output: product, layout: input.layout)
            return
        }
        try emitKeeping(node, alone, input: input)
    }

    // MARK: Arithmetic

    /// Add, Sub, Mul, Div and Pow: folded on constants, merges of two computed tensors (ADD, MUL),
    /// SCALE for a per-channel Mul, GELU's written-out form, and otherwise no row.
    mutating func arithmetic(_ node: ONNXNode, _ op: ConstantBinary) throws(ImportFailure) {
        guard let left = try value(node, 0), let right = try value(node, 1) else { throw failure(node, "lacks an input") }
        switch (left, right) {
        case (.constant(let a), .constant(let b)):
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.binary(op, a, b)
            })
        case (.data(let a), .data(let b)):
            switch op {
            case .add: try merge(node, .add, a, b)
            case .mul: try merge(node, .mul, a, b)
            case .sub, .div, .pow, .equal, .mod:
                throw failure(node, "computes \(node.opType) of two computed tensors; netcalc merges tensors by ADD, MUL and CONCAT only")
            }
        case (.data(let data), .constant(let c)), (.constant(let c), .data(let data)):
            let x = try standard(node, data)
            if op == .div || op == .mul, try geluPattern(node, input: x, constant: c) { return }
            if op == .mul, isPerChannel(c, of: x) {
                try scale(node, input: x)
                return
            }
            guard c.count == 1 || isPerChannel(c, of: x) else {
                throw failure(node, "computes \(node.opType) of a tensor of dims \(x.text) and a constant of dims \(c.dims); netcalc follows constants that are one value or one per channel")
            }
            guard let dims = ONNXConstant.broadcast(x.dims, c.dims), dims == x.dims else {
                throw failure(node, "broadcasts a tensor of dims \(x.text) with a constant of dims \(c.dims) to a larger tensor")
            }
            elementwiseCount += 1
            if c.count != 1 { droppedConstantValues = droppedConstantValues + (c.count ?? 0) }
            try alias(node, to: x)
        }
    }

    /// A merge of two computed tensors of the same layout.
    mutating func merge(_ node: ONNXNode, _ kind: MergeKind, _ a: ONNXData, _ b: ONNXData) throws(ImportFailure) {
        guard a.layout == b.layout, a.channelAxis != nil else {
            throw failure(node, "combines tensors of dims \(a.text) and \(b.text)")
        }
        if a.dims != b.dims {
            // MUL scales each channel of one by the other's 1x1 values (squeeze-and-excitation).
            let scalesChannels = kind == .mul && a.channels == b.channels && a.dims.count == b.dims.count
                && a.dims[0] == b.dims[0] && (a.isPointwise || b.isPointwise)
            guard scalesChannels else {
                throw failure(node, "combines tensors of dims \(a.text) and \(b.text); netcalc's \(kind.keyword) needs equal shapes\(kind == .mul ? " or one 1x1 per channel" : "")")
            }
        }
        try emitMerge(node, kind, reading: [a, b], writing: try output(node), layout: a.layout)
    }

    /// Mul by a per-channel constant: SCALE, or SCALE(bias) with a per-channel Add right after.
    mutating func scale(_ node: ONNXNode, input: ONNXData) throws(ImportFailure) {
        var target = try output(node)
        var call = ImportedCall("SCALE")
        if let next = soleConsumer(target), graph.nodes[next].opType == "Add", graph.nodes[next].inputs.count == 2 {
            let add = graph.nodes[next]
            let other = add.inputs[0] == target ? add.inputs[1] : add.inputs[0]
            if let bias = peekConstant(other), isPerChannel(bias, of: input), let sum = add.outputs.first, !sum.isEmpty {
                claimed.insert(next)
                target = sum
                call = ImportedCall("SCALE", .flag("bias"))
            }
        }
        try emit(node, call, input: input, output: target, layout: input.layout)
    }

    /// Sqrt, Erf, Neg, ...: folded on constants; on computed data no row.
    mutating func unaryArithmetic(_ node: ONNXNode, _ kind: ConstantUnary?) throws(ImportFailure) {
        switch try value(node, 0) {
        case .data(let data)?:
            elementwiseCount += 1
            try alias(node, to: try standard(node, data))
        case .constant(let constant)?:
            if let kind {
                values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                    try ONNXConstant.unary(kind, constant)
                })
            } else {
                values[try output(node)] = .constant(ONNXConstant(dims: constant.dims, dataType: constant.dataType, values: nil))
            }
        case nil:
            throw failure(node, "lacks its input")
        }
    }

    // MARK: Tensor plumbing

    /// Flatten at axis 1: FLATTEN (no row on a tensor already [N, F]).
    mutating func flatten(_ node: ONNXNode) throws(ImportFailure) {
        switch try value(node, 0) {
        case .constant(let constant)?:
            let axis = int(node, "axis", 1)
            let rank = constant.dims.count
            let split = axis < 0 ? axis + rank : axis
            guard split >= 0, split <= rank,
                  let outer = ONNXConstant.product(Array(constant.dims[..<split])),
                  let inner = ONNXConstant.product(Array(constant.dims[split...])) else {
                throw failure(node, "flattens at the axis \(axis) of a constant of dims \(constant.dims)")
            }
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try constant.reshaped([outer, inner])
            })
        case .data(let input)?:
            let axis = int(node, "axis", 1)
            guard (axis < 0 ? axis + input.dims.count : axis) == 1 else {
                throw failure(node, "flattens a tensor of dims \(input.text) from the axis \(axis); netcalc's FLATTEN keeps the batch axis alone")
            }
            try flattenData(node, input: input, output: try output(node))
        case nil:
            throw failure(node, "lacks its input")
        }
    }

    /// FLATTEN of a channels-first or NHWC tensor, or no row for one already [N, F].
    mutating func flattenData(_ node: ONNXNode, input: ONNXData, output: String) throws(ImportFailure) {
        switch input.layout {
        case .flat:
            values[output] = .data(input)
        case .nchw, .nhwc:
            try emit(node, ImportedCall("FLATTEN"), input: input, output: output, layout: .flat)
        case .grouped, .groupedTransposed, .vector, .tensor:
            throw failure(node, "flattens a tensor of dims \(input.text); netcalc follows a channel shuffle's 5-D tensors into the shuffle only")
        }
    }

    /// The dims a Reshape gives: 0 copies the input's dim (unless allowzero), -1 is inferred.
    func reshapeDims(_ node: ONNXNode, from dims: [Int], to shape: [Int]) throws(ImportFailure) -> [Int] {
        let allowZero = int(node, "allowzero", 0) != 0
        var result: [Int] = []
        var inferred: Int?
        for (index, value) in shape.enumerated() {
            if value == 0 && !allowZero {
                guard index < dims.count else { throw failure(node, "copies the dim \(index) of a tensor of rank \(dims.count)") }
                result.append(dims[index])
            } else if value == -1 {
                guard inferred == nil else { throw failure(node, "has the shape \(shape) with more than one -1") }
                inferred = index
                result.append(1)
            } else if value < 0 {
                throw failure(node, "has the shape \(shape) with the negative size \(value)")
            } else {
                result.append(value)
            }
        }
        guard let total = ONNXConstant.product(dims), let known = ONNXConstant.product(result) else {
            throw failure(node, "has sizes whose arithmetic does not fit in 64 bits")
        }
        if let inferred {
            guard known > 0, total % known == 0 else {
                throw failure(node, "cannot reshape \(dims) to \(shape): \(total) values do not divide into it")
            }
            result[inferred] = total / known
        } else if known != total {
            throw failure(node, "cannot reshape \(dims) (\(total) values) to \(shape) (\(known) values)")
        }
        return result
    }

    /// Reshape: FLATTEN to [N, F], the steps of a channel shuffle, no row for [N, F] <-> [N, F, 1, 1].
    mutating func reshape(_ node: ONNXNode) throws(ImportFailure) {
        let shapeConstant = try requiredConstant(node, 1, "the shape")
        let shape = try ints(node, shapeConstant, "the shape")
        switch try value(node, 0) {
        case .constant(let constant)?:
            let dims = try reshapeDims(node, from: constant.dims, to: shape)
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in try constant.reshaped(dims) })
        case .data(let input)?:
            let dims = try reshapeDims(node, from: input.dims, to: shape)
            let out = try output(node)
            if dims == input.dims {
                values[out] = .data(input)
                return
            }
            if dims.count == 1 {
                // All values in one axis, to be gathered back (dynamo's as_strided).
                vectorSources[out] = input
                values[out] = .data(ONNXData(tensor: input.tensor, dims: dims, layout: .vector))
                return
            }
            let batch = input.dims[0]
            guard dims.first == batch else {
                throw failure(node, "reshapes \(input.text) to \(dims), changing the batch axis")
            }
            switch input.layout {
            case .nchw, .nhwc:
                if dims.count == 2 {
                    try flattenData(node, input: input, output: out)
                    return
                }
                if input.layout == .nchw, input.dims.count == 4, dims.count == 5, dims[3] == input.height,
                   dims[4] == input.width, dims[1] > 1 {
                    values[out] = .data(ONNXData(tensor: input.tensor, dims: dims, layout: .grouped(dims[1])))
                    return
                }
                if input.dims.count == 4, input.isPointwise, dims.count == 4 {
                    if dims[1] == input.channels, dims[2] == 1, dims[3] == 1 {
                        values[out] = .data(ONNXData(tensor: input.tensor, dims: dims, layout: .nchw))
                        return
                    }
                    if dims[3] == input.channels, dims[1] == 1, dims[2] == 1 {
                        values[out] = .data(ONNXData(tensor: input.tensor, dims: dims, layout: .nhwc))
                        return
                    }
                }
            case .flat:
                if dims.count == 4, dims[1] == input.channels, dims[2] == 1, dims[3] == 1 {
                    values[out] = .data(ONNXData(tensor: input.tensor, dims: dims, layout: .nchw))
                    return
                }
                if dims.count == 4, dims[3] == input.channels, dims[1] == 1, dims[2] == 1 {
                    values[out] = .data(ONNXData(tensor: input.tensor, dims: dims, layout: .nhwc))
                    return
                }
            case .groupedTransposed(let groups):
                if dims.count == 4, dims[2] == input.dims[3], dims[3] == input.dims[4] {
                    try emit(node, ImportedCall("SHUFFLE", .value(groups)), input: input, output: out, layout: .nchw)
                    return
                }
            case .grouped, .vector, .tensor:
                break
            }
            throw failure(node, "reshapes \(input.text) to \(dims), which netcalc cannot follow",
                          hint: "netcalc follows reshapes to [N, F] (FLATTEN), between [N, C] and [N, C, 1, 1], and a channel shuffle's Reshape, Transpose, Reshape")
        case nil:
            throw failure(node, "lacks its input")
        }
    }

    /// Transpose: NCHW <-> NHWC and the channel shuffle's group swap make no row.
    mutating func transpose(_ node: ONNXNode) throws(ImportFailure) {
        switch try value(node, 0) {
        case .constant(let constant)?:
            let perm = intList(node, "perm") ?? Array((0..<constant.dims.count).reversed())
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in try constant.transposed(perm) })
        case .data(let input)?:
            let rank = input.dims.count
            let perm = intList(node, "perm") ?? Array((0..<rank).reversed())
            guard perm.count == rank, Set(perm) == Set(0..<rank) else {
                throw failure(node, "has the permutation \(perm) for a tensor of rank \(rank)")
            }
            let dims = perm.map { input.dims[$0] }
            let layout: ONNXLayout?
            if perm == Array(0..<rank) {
                layout = input.layout
            } else {
                switch (input.layout, perm) {
                case (.nchw, [0, 2, 3, 1]): layout = .nhwc
                case (.nhwc, [0, 3, 1, 2]): layout = .nchw
                case (.grouped(let groups), [0, 2, 1, 3, 4]): layout = .groupedTransposed(groups)
                default: layout = nil
                }
            }
            guard let layout else {
                throw failure(node, "permutes a tensor of dims \(input.text) by \(perm); netcalc follows NCHW <-> NHWC and a channel shuffle")
            }
            try alias(node, to: ONNXData(tensor: input.tensor, dims: dims, layout: layout))
        case nil:
            throw failure(node, "lacks its input")
        }
    }

    /// The axes of Squeeze or Unsqueeze: the attribute, or (opset 13) the second input.
    func squeezeAxes(_ node: ONNXNode) throws(ImportFailure) -> [Int]? {
        if let axes = intList(node, "axes") { return axes }
        if let constant = try constant(node, 1, "the axes") { return try ints(node, constant, "the axes") }
        return nil
    }

    /// Squeeze and Unsqueeze: folded on constants; on data, between [N, C] and [N, C, 1, ...].
    mutating func squeeze(_ node: ONNXNode, adding: Bool) throws(ImportFailure) {
        let axes = try squeezeAxes(node)
        switch try value(node, 0) {
        case .constant(let constant)?:
            let dims = try squeezedDims(node, constant.dims, axes: axes, adding: adding, keepBatch: false)
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in try constant.reshaped(dims) })
        case .data(let input)?:
            let dims = try squeezedDims(node, input.dims, axes: axes, adding: adding, keepBatch: true)
            var layout: ONNXLayout?
            if dims == input.dims {
                layout = input.layout
            } else if dims.count == 2, input.dims.count >= 3, input.isPointwise, dims[1] == input.channels {
                layout = .flat
            } else if input.layout == .flat, (3...5).contains(dims.count), dims[1] == input.channels,
                      dims.dropFirst(2).allSatisfy({ $0 == 1 }) {
                layout = .nchw
            }
            guard let layout else {
                throw failure(node, "turns a tensor of dims \(input.text) into \(dims); netcalc follows [N, C, 1, ...] <-> [N, C]")
            }
            try alias(node, to: ONNXData(tensor: input.tensor, dims: dims, layout: layout))
        case nil:
            throw failure(node, "lacks its input")
        }
    }

    /// The dims after squeezing or unsqueezing `axes`; without axes, Squeeze drops every 1 (but
    /// the batch axis of data).
    func squeezedDims(_ node: ONNXNode, _ dims: [Int], axes: [Int]?, adding: Bool, keepBatch: Bool) throws(ImportFailure) -> [Int] {
        if adding {
            guard let axes else { throw failure(node, "has no axes") }
            let rank = dims.count + axes.count
            var resolved: Set<Int> = []
            for axis in axes {
                let value = axis < 0 ? axis + rank : axis
                guard value >= 0, value < rank, resolved.insert(value).inserted else {
                    throw failure(node, "has the axes \(axes) for a result of rank \(rank)")
                }
            }
            var result: [Int] = []
            var source = dims.makeIterator()
            for axis in 0..<rank { result.append(resolved.contains(axis) ? 1 : (source.next() ?? 1)) }
            return result
        }
        let rank = dims.count
        var drop: Set<Int> = []
        if let axes {
            for axis in axes {
                let value = axis < 0 ? axis + rank : axis
                guard value >= 0, value < rank, dims[value] == 1 else {
                    throw failure(node, "squeezes the axis \(axis) of dims \(dims), which is not of size 1")
                }
                drop.insert(value)
            }
        } else {
            for (axis, dim) in dims.enumerated() where dim == 1 && !(keepBatch && axis == 0) { drop.insert(axis) }
        }
        return dims.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
    }

    /// Split on the channels: one SLICE per output.
    mutating func split(_ node: ONNXNode) throws(ImportFailure) {
        let input = try data(node, 0)
        let outputs = node.outputs
        guard !outputs.isEmpty else { throw failure(node, "has no outputs") }
        let rawAxis = int(node, "axis", 0)
        let axis = rawAxis < 0 ? rawAxis + input.dims.count : rawAxis
        guard let channelAxis = input.channelAxis, axis == channelAxis else {
            throw failure(node, "splits a tensor of dims \(input.text) along the axis \(rawAxis); netcalc's SLICE takes channels")
        }
        var sizes = intList(node, "split")
        if sizes == nil, let constant = try constant(node, 1, "the split sizes") {
            sizes = try ints(node, constant, "the split sizes")
        }
        let channels = input.channels
        var parts: [Int]
        if let sizes {
            parts = sizes
        } else {
            // Equal parts, the last one smaller when they do not divide (opset 18's num_outputs).
            let count = outputs.count
            let size = channels / count + (channels % count == 0 ? 0 : 1)
            parts = []
            var left = channels
            for _ in 0..<count {
                parts.append(min(size, left))
                left -= min(size, left)
            }
        }
        var total = 0
        for part in parts where part >= 0 {
            let (sum, overflow) = total.addingReportingOverflow(part)
            total = overflow ? -1 : sum
            if overflow { break }
        }
        guard parts.count == outputs.count, parts.allSatisfy({ $0 >= 0 }), total == channels else {
            throw failure(node, "splits \(channels) channels into \(parts) for \(outputs.count) outputs")
        }
        var start = 0
        for (index, name) in outputs.enumerated() {
            let end = start + parts[index]
            if !name.isEmpty {
                guard end > start else { throw failure(node, "makes an empty part") }
                try emit(node, ImportedCall("SLICE", .value(start), .value(end)), input: input, output: name, layout: input.layout,
                         suffix: outputs.count > 1 ? ":\(index)" : "")
            }
            start = end
        }
    }

    /// The starts, ends, axes and steps of a Slice: inputs (opset 10), else attributes.
    func sliceArguments(_ node: ONNXNode, rank: Int) throws(ImportFailure) -> (starts: [Int], ends: [Int], axes: [Int], steps: [Int]) {
        var starts = intList(node, "starts")
        var ends = intList(node, "ends")
        var axes = intList(node, "axes")
        var steps: [Int]?
        if starts == nil {
            starts = try ints(node, try requiredConstant(node, 1, "the starts"), "the starts")
            ends = try ints(node, try requiredConstant(node, 2, "the ends"), "the ends")
            if let constant = try constant(node, 3, "the axes") { axes = try ints(node, constant, "the axes") }
            if let constant = try constant(node, 4, "the steps") { steps = try ints(node, constant, "the steps") }
        }
        guard let starts, let ends, starts.count == ends.count else { throw failure(node, "has starts and ends of different lengths") }
        let resolvedAxes = axes ?? Array(0..<starts.count)
        let resolvedSteps = steps ?? Array(repeating: 1, count: starts.count)
        guard resolvedAxes.count == starts.count, resolvedSteps.count == starts.count else {
            throw failure(node, "has starts, ends, axes and steps of different lengths")
        }
        return (starts, ends, resolvedAxes, resolvedSteps)
    }

    /// Slice: folded on constants; on the channels of data, SLICE(start,end); on the spatial axes of a
    /// channels-first tensor, step 1, CROP(size, o=offset) (a TCN's chomp, a U-Net's cropped skip).
    mutating func slice(_ node: ONNXNode) throws(ImportFailure) {
        switch try value(node, 0) {
        case .constant(let constant)?:
            let arguments = try sliceArguments(node, rank: constant.dims.count)
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.slice(constant, starts: arguments.starts, ends: arguments.ends, axes: arguments.axes,
                                       steps: arguments.steps)
            })
        case .data(let input)?:
            let arguments = try sliceArguments(node, rank: input.dims.count)
            var channelRange: (Int, Int)?
            // The window kept along each sliced spatial axis, by ONNX axis: where it starts and how long it is.
            var windows: [Int: (start: Int, count: Int)] = [:]
            for (position, rawAxis) in arguments.axes.enumerated() {
                let axis = rawAxis < 0 ? rawAxis + input.dims.count : rawAxis
                guard axis >= 0, axis < input.dims.count else { throw failure(node, "slices the axis \(rawAxis) of \(input.text)") }
                let range: SliceRange
                do throws(ConstantFailure) {
                    range = try SliceRange(extent: input.dims[axis], start: arguments.starts[position],
                                           end: arguments.ends[position], step: arguments.steps[position])
                } catch {
                    throw failure(node, "cannot be evaluated: \(error.message)")
                }
                if range.count == input.dims[axis], range.step == 1 { continue }
                if input.isChannelsFirst, axis >= 2, range.step == 1, range.count >= 1 {
                    windows[axis] = (range.first, range.count)
                    continue
                }
                guard axis == input.channelAxis, range.step == 1, range.count >= 1 else {
                    throw failure(node, "slices the axis \(rawAxis) of a tensor of dims \(input.text); netcalc's SLICE takes a run of channels")
                }
                channelRange = (range.first, range.first + range.count)
            }
            if !windows.isEmpty {
                guard channelRange == nil else {
                    throw failure(node, "slices the channels and a spatial axis of \(input.text) at once; netcalc's SLICE takes channels and CROP a window, one at a time")
                }
                // ONNX's axes (D, H, W) are netcalc's reversed (W, H, T).
                let axes = input.spatialIndices
                let sizes = axes.map { windows[$0]?.count ?? input.dims[$0] }
                let offsets = axes.map { windows[$0]?.start ?? 0 }
                try emit(node, ImportedCall("CROP", .sizes(sizes.reversed()), .tag(sizes: "o", offsets.reversed())),
                         input: input, output: try output(node), layout: input.layout)
                return
            }
            guard let (start, end) = channelRange else {
                try alias(node, to: input)
                return
            }
            try emit(node, ImportedCall("SLICE", .value(start), .value(end)), input: input, output: try output(node), layout: input.layout)
        case nil:
            throw failure(node, "lacks its input")
        }
    }

    /// Concat: folded on constants; on the channels of data, CONCAT.
    mutating func concat(_ node: ONNXNode) throws(ImportFailure) {
        let rawAxis = int(node, "axis", 0)
        var parts: [ONNXValue] = []
        for position in node.inputs.indices {
            if let part = try value(node, position) { parts.append(part) }
        }
        guard !parts.isEmpty else { throw failure(node, "has no inputs") }
        let constants = parts.compactMap { part -> ONNXConstant? in
            if case .constant(let constant) = part { return constant }
            return nil
        }
        if constants.count == parts.count {
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
                try ONNXConstant.concat(constants, axis: rawAxis)
            })
            return
        }
        guard constants.isEmpty else {
            throw failure(node, "concatenates computed tensors with constants; netcalc's CONCAT joins computed tensors")
        }
        let tensors = parts.compactMap { part -> ONNXData? in
            if case .data(let data) = part { return data }
            return nil
        }
        let first = tensors[0]
        if tensors.count == 1 {
            try alias(node, to: first)
            return
        }
        let axis = rawAxis < 0 ? rawAxis + first.dims.count : rawAxis
        guard let channelAxis = first.channelAxis, axis == channelAxis else {
            throw failure(node, "concatenates tensors of dims \(first.text) along the axis \(rawAxis); netcalc's CONCAT joins channels")
        }
        for tensor in tensors {
            guard tensor.layout == first.layout, tensor.dims.count == first.dims.count,
                  tensor.dims.enumerated().allSatisfy({ $0.offset == axis || $0.element == first.dims[$0.offset] }) else {
                throw failure(node, "concatenates tensors of dims \(tensors.map(\.text).joined(separator: ", ")), which differ off the channels")
            }
        }
        try emitMerge(node, .concat, reading: tensors, writing: try output(node), layout: first.layout)
    }

    /// Pad with zeros on the spatial axes: PAD(l,r), PAD(l,r,t,b), PAD(l,r,t,b,front,back).
    mutating func pad(_ node: ONNXNode) throws(ImportFailure) {
        let input = try data(node, 0)
        let mode = string(node, "mode") ?? "constant"
        guard mode == "constant" else {
            throw failure(node, "pads in the mode '\(mode)'; netcalc's PAD pads with zeros (mode constant)")
        }
        let axes = input.spatialIndices
        guard !axes.isEmpty else { throw failure(node, "pads a tensor of dims \(input.text)") }
        let rank = input.dims.count
        var pads = intList(node, "pads") ?? intList(node, "paddings")
        if pads == nil { pads = try ints(node, try requiredConstant(node, 1, "the pads"), "the pads") }
        guard var list = pads else { throw failure(node, "has no pads") }
        if let constant = try constant(node, 3, "the axes") {
            // Opset 18: pads for the listed axes only.
            let listed = try ints(node, constant, "the axes")
            guard list.count == 2 * listed.count else { throw failure(node, "has \(list.count) pads for the axes \(listed)") }
            var full = Array(repeating: 0, count: 2 * rank)
            for (position, rawAxis) in listed.enumerated() {
                let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
                guard axis >= 0, axis < rank else { throw failure(node, "pads the axis \(rawAxis) of a tensor of rank \(rank)") }
                full[axis] = list[position]
                full[axis + rank] = list[position + listed.count]
            }
            list = full
        }
        guard list.count == 2 * rank else { throw failure(node, "has \(list.count) pads for a tensor of rank \(rank)") }
        guard list.allSatisfy({ $0 >= 0 }) else { throw failure(node, "has the negative pads \(list); netcalc's PAD only adds") }
        for axis in 0..<rank where !axes.contains(axis) {
            guard list[axis] == 0, list[axis + rank] == 0 else {
                throw failure(node, "pads the axis \(axis) of a tensor of dims \(input.text); netcalc's PAD pads the spatial axes")
            }
        }
        let before = axes.map { list[$0] }
        let after = axes.map { list[$0 + rank] }
        if before.allSatisfy({ $0 == 0 }), after.allSatisfy({ $0 == 0 }) {
            try alias(node, to: input)
            return
        }
        _ = try padLayer(node, input: input, before: before, after: after, output: try output(node))
    }

    /// Resize (opset 10+) and Upsample (opset 7 to 9): UPSAMPLE by whole scales, else to a size.
    mutating func resize(_ node: ONNXNode, legacy: Bool) throws(ImportFailure) {
        let input = try image(node)
        let mode = string(node, "mode") ?? "nearest"
        let bilinear: Bool
        switch mode {
        case "nearest": bilinear = false
        case "linear", "bilinear": bilinear = true
        default: throw failure(node, "resizes in the mode '\(mode)'; netcalc's UPSAMPLE is nearest or bilinear")
        }
        var scales: [Double]?
        var sizes: [Int]?
        if legacy || opset < 11 {
            if let list = node.attribute("scales")?.floats, !list.isEmpty {
                scales = list.map(Double.init)
            } else if let constant = try constant(node, 1, "the scales") {
                guard let list = constant.doubles else { throw failure(node, "has scales that are not stored in the file") }
                scales = list
            }
        } else {
            if let constant = try constant(node, 3, "the sizes"), constant.count != 0 {
                sizes = try ints(node, constant, "the sizes")
            } else if let constant = try constant(node, 2, "the scales"), constant.count != 0 {
                guard let list = constant.doubles else { throw failure(node, "has scales that are not stored in the file") }
                scales = list
            }
        }
        let flag: [ImportedArgument] = bilinear ? [.flag("bilinear")] : []
        let out = try output(node)
        let rank = input.dims.count
        /// Spatial sizes in ONNX's order as UPSAMPLE's `size=`, width first, every axis written.
        if let sizes {
            guard sizes.count == rank, sizes[0] == input.dims[0], sizes[1] == input.channels,
                  sizes.dropFirst(2).allSatisfy({ $0 >= 1 }) else {
                throw failure(node, "resizes \(input.text) to \(sizes); netcalc's UPSAMPLE keeps the batch and channels")
            }
            try emit(node, ImportedCall("UPSAMPLE", [.tag("size", sizes[2...].reversed())] + flag), input: input, output: out,
                     layout: .nchw)
            return
        }
        guard let scales, scales.count == rank, scales[0] == 1, scales[1] == 1 else {
            throw failure(node, "has no scales or sizes netcalc can read for a tensor of dims \(input.text) (scales on the spatial axes only)")
        }
        let spatialScales = Array(scales[2...])
        guard spatialScales.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= 1e9 }) else {
            throw failure(node, "has the scales \(scales)")
        }
        let whole = spatialScales.compactMap { Int(exactly: $0) }
        if whole.count == spatialScales.count, whole.allSatisfy({ $0 >= 1 }) {
            try emit(node, ImportedCall("UPSAMPLE", [.sizes(whole.reversed())] + flag), input: input, output: out, layout: .nchw)
            return
        }
        // Output sizes are floor(size x scale).
        var spatial: [Int] = []
        for (position, axis) in input.spatialIndices.enumerated() {
            guard let size = Int(exactly: (Double(input.dims[axis]) * spatialScales[position]).rounded(.down)), size >= 1 else {
                throw failure(node, "resizes \(input.text) by \(scales) to no whole size")
            }
            spatial.append(size)
        }
        try emit(node, ImportedCall("UPSAMPLE", [.tag("size", spatial.reversed())] + flag), input: input, output: out, layout: .nchw)
    }

    // MARK: Constants

    /// A Constant node's value.
    mutating func constantNode(_ node: ONNXNode) throws(ImportFailure) {
        values[try output(node)] = .constant(try constantValue(node))
    }

    /// The value a Constant node holds.
    func constantValue(_ node: ONNXNode) throws(ImportFailure) -> ONNXConstant {
        if let tensor = node.attribute("value")?.tensor { return ONNXConstant(tensor) }
        if let value = node.attribute("value_float")?.float {
            return ONNXConstant(dims: [], dataType: ONNXDataType.float, values: .floats([Double(value)]))
        }
        if let attribute = node.attribute("value_floats") {
            return ONNXConstant(dims: [attribute.floats.count], dataType: ONNXDataType.float,
                                values: .floats(attribute.floats.map(Double.init)))
        }
        if let value = node.attribute("value_int")?.int {
            return ONNXConstant(dims: [], dataType: ONNXDataType.int64, values: .ints([value]))
        }
        if let attribute = node.attribute("value_ints") {
            return .ints(attribute.ints)
        }
        // A string or sparse constant: its values are never needed for shapes.
        return ONNXConstant(dims: [], dataType: ONNXDataType.string, values: nil)
    }

    /// A constant's value if known now, or a not-yet-reached Constant node's (patterns look ahead).
    func peekConstant(_ name: String) -> ONNXConstant? {
        if case .constant(let constant)? = values[name] { return constant }
        guard values[name] == nil, let index = producers[name], graph.nodes[index].opType == "Constant" else { return nil }
        do throws(ImportFailure) {
            return try constantValue(graph.nodes[index])
        } catch {
            return nil
        }
    }

    /// The dims of the node's first input, data or constant.
    func dimsOf(_ node: ONNXNode) throws(ImportFailure) -> [Int] {
        switch try value(node, 0) {
        case .data(let data)?: return data.dims
        case .constant(let constant)?: return constant.dims
        case nil: throw failure(node, "lacks its input")
        }
    }

    /// Shape: the dims as a constant (with opset 15's start and end).
    mutating func shape(_ node: ONNXNode) throws(ImportFailure) {
        let dims = try dimsOf(node)
        let rank = dims.count
        func clamp(_ value: Int) -> Int { min(max(value < 0 ? value + rank : value, 0), rank) }
        let start = clamp(int(node, "start", 0))
        let end = clamp(int(node, "end", rank))
        let picked = start < end ? Array(dims[start..<end]) : []
        values[try output(node)] = .constant(.ints(picked))
    }

    /// Gather on constants; on data, dynamo's as_strided identity (all values gathered back into the
    /// dims they were reshaped from), and one position of a sequence's length (`y[:, :, -1]`, a TCN's
    /// last step): CROP(1, o=index), a vector of its channels.
    mutating func gather(_ node: ONNXNode) throws(ImportFailure) {
        let indices = try requiredConstant(node, 1, "the indices")
        let axis = int(node, "axis", 0)
        let source: ONNXConstant
        switch try value(node, 0) {
        case .constant(let constant)?:
            source = constant
        case .data(let data)?:
            if data.isChannelsFirst, data.dims.count == 3, axis == 2 || axis == -1, indices.dims.isEmpty,
               let index = indices.ints?.first {
                let length = data.dims[2]
                let position = index < 0 ? index + length : index
                guard position >= 0, position < length else {
                    throw failure(node, "gathers position \(index) of a sequence of length \(length)")
                }
                try emit(node, ImportedCall("CROP", .value(1), .tag("o", [position])), input: data,
                         output: try output(node), layout: .flat)
                return
            }
            guard data.layout == .vector, let original = vectorSources[node.inputs[0]], axis == 0,
                  indices.dims == original.dims else {
                throw failure(node, "gathers from a tensor of dims \(data.text) computed from the input; netcalc follows Gather on constants")
            }
            try alias(node, to: original)
            return
        case nil:
            throw failure(node, "lacks its input")
        }
        values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
            try ONNXConstant.gather(source, indices, axis: axis)
        })
    }

    /// GatherND on constants (a relative position bias gathered by its index table, as dynamo exports
    /// LeViT's), folded by ONNX's rules; on data it is followed by ONNX's shape rules, at a batch of 1.
    mutating func gatherND(_ node: ONNXNode) throws(ImportFailure) {
        let data: ONNXConstant
        switch try value(node, 0) {
        case .constant(let constant)?: data = constant
        case .data(let input)?:
            throw failure(node, "gathers from a tensor of dims \(input.text) computed from the input; netcalc follows it by ONNX's shape rules, at a batch of 1")
        case nil: throw failure(node, "lacks its data")
        }
        let indices = try requiredConstant(node, 1, "the indices")
        let batchDims = int(node, "batch_dims", 0)
        values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in
            try ONNXConstant.gatherND(data, indices, batchDims: batchDims)
        })
    }

    /// Cast: converts constants; on data no row.
    mutating func cast(_ node: ONNXNode) throws(ImportFailure) {
        switch try value(node, 0) {
        case .data(let data)?:
            try alias(node, to: data)
        case .constant(let constant)?:
            let type = int(node, "to", ONNXDataType.float)
            values[try output(node)] = .constant(try folding(node) { () throws(ConstantFailure) in try constant.cast(to: type) })
        case nil:
            throw failure(node, "lacks its input")
        }
    }
}
