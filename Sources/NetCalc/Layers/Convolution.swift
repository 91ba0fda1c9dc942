/// Convolutions: CONV (grouped and dilated), DWCONV (depthwise, with a channel multiplier) and DECONV
/// (transposed). Each filter spans F x F x D/G input values; MACs count one multiply-accumulate per
/// weight per output position, biases left out.

/// `CONV(K, F, sS, pP, dD, gG, nobias)`.
struct Convolution: WindowedOperation {
    static let definition = LayerDefinition(
        keyword: "CONV",
        schema: LayerSchema(parameters: [.filters, .kernel, .stride, .padding, .dilation, .groups],
                            flagGroups: [["nobias"], roundingFlags], required: 2),
        usage: "CONV(K, F, sS, pP, dD, gG, nobias): e.g. CONV(96,11,s4,p0)",
        summary: "a convolution: K filters of F x F, each over the input's whole depth (or D/G with groups)",
        frameworks: FrameworkNames(
            pytorch: [FrameworkName("nn.Conv1d", .pytorchConvolution), FrameworkName("nn.Conv2d", .pytorchConvolution),
                      FrameworkName("nn.Conv3d", .pytorchConvolution)],
            keras: [FrameworkName("Conv1D", .kerasConvolution), FrameworkName("Conv2D", .kerasConvolution),
                    FrameworkName("Conv3D", .kerasConvolution), FrameworkName("Convolution2D", .kerasConvolution)],
            caffe: ["Convolution"], onnx: ["Conv"])) { values throws(ArgumentProblem) in
            Convolution(filters: values.count("k") ?? 1, groups: values.count("g") ?? 1, hasBias: !values.has("nobias"),
                        window: SlidingWindow(values, strideDefaultsToKernel: false))
        }

    var filters: Int
    var groups: Int
    var hasBias: Bool
    var window: SlidingWindow

    var op: String { "conv" }
    var grading: GradingTraits { GradingTraits(biases: .filter) }
    var framework: FrameworkMemory { .convolution }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let depth = input.shape.depth
        if depth % groups != 0 || filters % groups != 0 {
            throw .invalid("groups (\(groups)) must divide both the input depth (\(depth)) and the filters (\(filters))",
                           hint: commonDivisorsHint(depth, filters))
        }
        let output = try window.output(input, what: "filter", depth: filters)
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output = output
            (effect.receptiveField, effect.jump) = try window.receptiveField(input)
            let perFilter = try checkedMultiply(try window.kernel.volume(rank: input.shape.rank), depth / groups)
            effect.weights = try checkedMultiply(perFilter, filters)
            effect.biases = hasBias ? filters : 0
            effect.macs = try checkedMultiply(try output.spatialVolume(), try checkedMultiply(filters, perFilter))
        }
        effect.rounding = window.rounding ?? input.rounding
        return effect
    }

    /// `11*11*3`, or `3*3*(64/32)` with groups.
    func perFilter(_ row: LayerRow) -> String {
        let depth = groups == 1 ? "\(row.input.depth)" : "(\(row.input.depth)/\(groups))"
        return productText(window.kernel.along(row.input.rank)) + "*\(depth)"
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let out = row.output
        let each = perFilter(row)
        let bias = row.biases > 0 ? " + \(row.biases)" : " (no bias)"
        var explanation = LayerExplanation(
            shape: window.shapeFormula(row) + "; D2 = K = \(out.depth) -> \(out.fullText)",
            weights: "weights = (\(each))*\(out.depth) = \(formatCount(row.weights))",
            params: "params = (\(each))*\(out.depth)\(bias) = \(formatCount(row.params))",
            macs: "MACs = \(productText(out.sizes)) outputs x (\(each)) = \(formatCount(row.macs))",
            receptiveField: window.receptiveFieldFormula(explained))
        if groups == 1 {
            let value = row.weights / max(1, out.depth)
            let positions = (try? checkedProduct(of: out.spatial)) ?? 0
            explanation.extra.append("im2col: input columns \(value) x \(positions) (\(each) by \(productText(out.spatial))), weights \(out.depth) x \(value), product \(out.depth) x \(positions)")
        }
        return explanation
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let groups = context.count("g", groups)
        return window.pytorchConvolution(context, out: context.count("k", filters), groups: groups, hasBias: hasBias)
    }
}

/// `DWCONV(F, sS, pP, dD, m=M, nobias)`: one filter per input channel (times the multiplier).
struct DepthwiseConvolution: WindowedOperation {
    static let definition = LayerDefinition(
        keyword: "DWCONV",
        schema: LayerSchema(parameters: [.kernel, .stride, .padding, .dilation,
                                         ParameterSpec(names: ["m", "multiplier"], type: .count, positional: false,
                                                       description: "channel multiplier (m)")],
                            flagGroups: [["nobias"], roundingFlags], required: 1),
        usage: "DWCONV(F, sS, pP, dD, m=M, nobias): e.g. DWCONV(3,s2,p1)",
        summary: "a depthwise convolution: one F x F filter per input channel (times the multiplier m)",
        frameworks: FrameworkNames(
            pytorch: [], keras: [FrameworkName("DepthwiseConv1D", .kerasDepthwise), FrameworkName("DepthwiseConv2D", .kerasDepthwise)],
            caffe: [], onnx: [],
            note: "PyTorch's nn.Conv2d, Caffe's Convolution and ONNX's Conv with groups equal to the input channels; "
                + "Keras's SeparableConv2D is DWCONV(F) -> CONV(K,1)")) { values throws(ArgumentProblem) in
            DepthwiseConvolution(multiplier: values.count("m") ?? 1, hasBias: !values.has("nobias"),
                                 window: SlidingWindow(values, strideDefaultsToKernel: false))
        }

    var multiplier: Int
    var hasBias: Bool
    var window: SlidingWindow

    var op: String { "dwconv" }
    var grading: GradingTraits { GradingTraits(biases: .filter) }
    var framework: FrameworkMemory { .convolution }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let filters = try counting { () throws(Overflow) in try checkedMultiply(input.shape.depth, multiplier) }
        let output = try window.output(input, what: "filter", depth: filters)
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output = output
            (effect.receptiveField, effect.jump) = try window.receptiveField(input)
            let perFilter = try window.kernel.volume(rank: input.shape.rank)
            effect.weights = try checkedMultiply(perFilter, filters)
            effect.biases = hasBias ? filters : 0
            effect.macs = try checkedMultiply(try output.spatialVolume(), try checkedMultiply(filters, perFilter))
        }
        effect.rounding = window.rounding ?? input.rounding
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let out = row.output
        let each = productText(window.kernel.along(row.input.rank))
        let bias = row.biases > 0 ? " + \(row.biases)" : " (no bias)"
        let depth = multiplier == 1 ? "; D2 = D1 = \(out.depth)"
            : "; D2 = D1*m = \(row.input.depth)*\(multiplier) = \(out.depth)"
        return LayerExplanation(
            shape: window.shapeFormula(row) + depth + " -> \(out.fullText)",
            weights: "weights = (\(each))*\(out.depth) = \(formatCount(row.weights))",
            params: "params = (\(each))*\(out.depth)\(bias) = \(formatCount(row.params))",
            macs: "MACs = \(productText(out.sizes)) outputs x (\(each)) = \(formatCount(row.macs))",
            receptiveField: window.receptiveFieldFormula(explained))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let out = context.channels * context.count("m", multiplier)
        return window.pytorchConvolution(context, out: out, groups: context.channels, hasBias: hasBias)
    }
}

/// `DECONV(K, F, sS, pP, nobias)`: a transposed convolution, output `(W-1)S - 2P + F`.
struct TransposedConvolution: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "DECONV",
        schema: LayerSchema(parameters: [.filters, .kernel, .stride, .padding], flagGroups: [["nobias"]], required: 2),
        usage: "DECONV(K, F, sS, pP): e.g. DECONV(64,4,s2,p1)",
        summary: "a transposed convolution: K filters of F x F, the output (W-1)*S - 2P + F wide",
        frameworks: FrameworkNames(
            pytorch: [FrameworkName("nn.ConvTranspose1d", .pytorchTransposed), FrameworkName("nn.ConvTranspose2d", .pytorchTransposed),
                      FrameworkName("nn.ConvTranspose3d", .pytorchTransposed)],
            keras: ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"], caffe: ["Deconvolution"], onnx: ["ConvTranspose"])) { values throws(ArgumentProblem) in
            TransposedConvolution(filters: values.count("k") ?? 1, kernel: values.pair("f") ?? Sizes(square: 1),
                                  stride: values.pair("s") ?? Sizes(square: 1), padding: Padding(values.result("p")),
                                  hasBias: !values.has("nobias"))
        }

    var filters: Int
    var kernel: Sizes
    var stride: Sizes
    var padding: Padding
    var hasBias: Bool

    var op: String { "deconv" }
    var grading: GradingTraits { GradingTraits(biases: .filter) }
    var framework: FrameworkMemory { .transposedConvolution }
    var ranks: SpatialRanks { .every }

    /// `(W-1)S - 2P + F` along one axis.
    private func size(_ input: Int, _ kernel: Int, _ stride: Int, _ pad: Int) throws(Overflow) -> Int {
        switch padding {
        case .same: return try checkedMultiply(input, stride)
        case .valid: return try checkedAdd(try checkedMultiply(input - 1, stride), kernel)
        case .explicit:
            return try checkedSubtract(try checkedAdd(try checkedMultiply(input - 1, stride), kernel),
                                       try checkedMultiply(2, pad))
        }
    }

    private var explicitPadding: Sizes {
        if case .explicit(let pad) = padding { return pad }
        return Sizes(square: 0)
    }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let shape = input.shape
        let rank = shape.rank
        for (what, value) in [("filter size", kernel), ("stride", stride), ("padding", explicitPadding)] {
            try value.check(rank: rank, what: what, in: input)
        }
        let pad = explicitPadding
        var effect = LayerEffect(keeping: input)
        var spatial: [Int] = []
        try counting { () throws(Overflow) in
            var field: [Int] = []
            var jump: [Int] = []
            for axis in 0..<rank {
                spatial.append(try size(shape[axis], kernel[axis], stride[axis], pad[axis]))
                // An output of a transposed conv sees at most ceil(F/S) inputs along an axis; its step in
                // input pixels shrinks by S (not below one pixel).
                field.append(try checkedAdd(input.receptiveField[axis], try checkedMultiply(
                    ceilDivide(kernel[axis], stride[axis]) - 1, input.jump[axis])))
                jump.append(max(1, input.jump[axis] / stride[axis]))
            }
            let perInput = try checkedMultiply(try checkedProduct(of: kernel.along(rank)), filters)
            effect.weights = try checkedMultiply(perInput, shape.depth)
            effect.biases = hasBias ? filters : 0
            effect.macs = try checkedMultiply(try shape.volume(), perInput)
            effect.receptiveField = Sizes(axes: field)
            effect.jump = Sizes(axes: jump)
        }
        if let axis = spatial.firstIndex(where: { $0 < 1 }) {
            throw .invalid("\(input.name)'s output would be \(spatial.map(String.init).joined(separator: "x")): (W-1)S - 2P + F = (\(shape[axis])-1)*\(stride[axis]) - 2*\(pad[axis]) + \(kernel[axis]) = \(spatial.min() ?? 0)",
                           hint: "a transposed convolution's padding crops its output; use less padding")
        }
        effect.output = Shape(spatial: spatial, depth: filters)
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let out = row.output
        let input = row.input
        let pad = explicitPadding
        let rank = input.rank
        let each = productText(kernel.along(rank)) + "*\(input.depth)"
        let bias = row.biases > 0 ? " + \(row.biases)" : " (no bias)"
        let rf = row.receptiveField
        let names = outputAxisNames(rank: rank)
        func formula(_ axis: Int) -> String {
            let name = names[axis].dropLast()
            return "\(name)2 = (\(name)1-1)*S - 2P + F = (\(input[axis])-1)*\(stride[axis]) - 2*\(pad[axis]) + \(kernel[axis]) = \(out[axis])"
        }
        var shape = formula(0)
        if rank >= 2 {
            shape += out.width == out.height && input.width == input.height ? "; H2 the same" : "; H2 = \(out.height)"
        }
        if rank == 3 { shape += "; " + formula(2) }
        return LayerExplanation(
            shape: shape + "; D2 = K = \(out.depth) -> \(out.fullText)",
            weights: "weights = (\(each))*\(out.depth) = \(formatCount(row.weights))",
            params: "params = (\(each))*\(out.depth)\(bias) = \(formatCount(row.params))",
            macs: "MACs = \(productText(input.sizes)) inputs x (\(productText(kernel.along(rank)))*\(out.depth)) = \(formatCount(row.macs))",
            receptiveField: "rf = rf1 + (ceil(F/S) - 1)*jump1 = \(explained.inputReceptiveField.width) + (\(ceilDivide(kernel.width, stride.width)) - 1)*\(explained.inputJump.width) = \(rf.width)\(otherAxesText(rf, rank: rank)); jump = max(1, \(explained.inputJump.width)/\(stride.width)) = \(row.jump.width)")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        // output = (input-1)*stride - 2*pad + kernel + extra, with 0 <= extra < stride
        let row = context.row
        let rank = row.input.rank
        func axis(_ input: Int, _ kernel: Int, _ stride: Int, _ output: Int) -> (Int, Int) {
            // Every term was counted by apply, so none of this overflows; 0 if it ever did.
            guard let base = ((CheckedInt(input) - 1) * stride + kernel - output).value,
                  let pad = ((CheckedInt(base) + 1).value.map { max(0, $0 / 2) }),
                  let extra = (2 * CheckedInt(pad) - base).value else { return (0, 0) }
            return (pad, extra)
        }
        let axes = (0..<rank).map { axis(row.input[$0], kernel[$0], stride[$0], row.output[$0]) }
        let out = context.count("k", filters)
        var call = PyCall("nn.ConvTranspose\(rank)d", .value(context.channels), .value(out), .sizes(context.sizes("f", kernel)))
        let strides = context.sizes("s", stride)
        if !strides.isLiteral(1) { call.add("stride", .sizes(strides)) }
        let pads = Sizes(axes: axes.map(\.0))
        if case .explicit(let written) = padding, written.along(rank) == pads.along(rank) {
            let symbolic = context.sizes("p", written)
            if !symbolic.isLiteral(0) { call.add("padding", .sizes(symbolic)) }
        } else if pads != Sizes(square: 0) {
            call.add("padding", .sizes(.literal(pads, rank: rank)))
        }
        // PyTorch takes an output_padding below the stride only. Where more is needed (p=same with a
        // stride of 1 and an even filter), zeros before the input add the missing outputs, one per
        // stride each: TensorFlow's SAME, whose output starts (F-S)/2 rounded down into the full one.
        let before = (0..<rank).map { axes[$0].1 / max(1, stride[$0]) }
        let extras = (0..<rank).map { axes[$0].1 % max(1, stride[$0]) }
        if extras.contains(where: { $0 != 0 }) {
            call.add("output_padding", .sizes(.literal(Sizes(axes: extras), rank: rank)))
        }
        if !hasBias { call.add("bias", .bool(false)) }
        var inputPadding: PyCall?
        if before.contains(where: { $0 != 0 }) {
            inputPadding = PyCall("nn.ConstantPad\(rank)d", .tuple(before.flatMap { [$0, 0] }.map { .value(.literal($0)) }), .code("0.0"))
        }
        return PyTorchModule(call, padding: inputPadding, channels: out)
    }
}

/// The common divisors of a depth and a filter count, as a hint for groups.
func commonDivisorsHint(_ depth: Int, _ filters: Int) -> String {
    "groups that divide both: " + divisors(of: depth, and: filters).map(String.init).joined(separator: ", ")
}

/// The largest (up to eight) numbers that divide both values, found among the first million.
func divisors(of a: Int, and b: Int) -> [Int] {
    var common: [Int] = []
    var candidate = 1
    while candidate <= min(a, b, 1_000_000) {
        if a % candidate == 0, b % candidate == 0 { common.append(candidate) }
        candidate += 1
    }
    return Array(common.suffix(8))
}

extension SlidingWindow {
    /// `nn.Conv2d(in, out, kernel, stride=, padding=, dilation=, groups=, bias=)`, defaults left out.
    func pytorchConvolution(_ context: PyTorchContext, out: PyValue, groups: PyValue, hasBias: Bool) -> PyTorchModule {
        var call = PyCall("nn.Conv\(context.row.input.rank)d", .value(context.channels), .value(out), .sizes(context.sizes("f", kernel)))
        let strides = context.sizes("s", stride)
        if !strides.isLiteral(1) { call.add("stride", .sizes(strides)) }
        let padded = pytorchPadding(context, ceilMode: false, padValue: .code("0.0"))
        if let padding = padded.padding { call.add("padding", .sizes(padding)) }
        let dilations = context.sizes("d", dilation)
        if !dilations.isLiteral(1) { call.add("dilation", .sizes(dilations)) }
        if !groups.isLiteral(1) { call.add("groups", .value(groups)) }
        if !hasBias { call.add("bias", .bool(false)) }
        return PyTorchModule(call, padding: padded.explicit, channels: out)
    }
}

extension Convolution {
    /// The hint for a call that looks written in PyTorch's `Conv2d(in_channels, out_channels,
    /// kernel_size)` order: the call rewritten without its first positional argument (`CONV(3,64,3,s2)`
    /// -> `CONV(64,3,s2)`), since netcalc takes no in_channels. `depth` is the input's, when known. Nil
    /// for a call with fewer than two positional arguments.
    static func pyTorchOrderHint(_ call: LayerCall, depth: Int?, in file: SourceFile) -> String? {
        guard let arguments = call.arguments else { return nil }
        let positional = arguments.filter { $0.tag == nil && $0.value != nil }
        guard positional.count >= 2 else { return nil }
        let rest = arguments.filter { $0.range.start != positional[0].range.start }.map { file.text(of: $0.range) }
        let given = depth.map { "the input's depth, \($0), gives it" } ?? "the input's depth gives it"
        return "PyTorch's Conv2d(in_channels, out_channels, kernel_size) order? netcalc takes no in_channels (\(given)): write \(call.name)(\(rest.joined(separator: ",")))"
    }

    /// True when a call looks written in PyTorch's order: its first positional argument is `depth` (the
    /// in_channels netcalc does not take) and its second looks like a channel count (even and 16 or
    /// more, or a power of two of 8 or more) rather than a kernel. For a layer that does not fit.
    static func looksWrittenInPyTorchOrder(_ call: LayerCall, depth: Int) -> Bool {
        let values = (call.arguments ?? []).filter { $0.tag == nil && $0.value != nil }.prefix(2).map { argument -> Int? in
            guard case .scalar(let expression)? = argument.value else { return nil }
            return expression.literalValue
        }
        guard values.count == 2, values[0] == depth, let second = values[1] else { return false }
        return looksLikeAChannelCount(second)
    }

    /// True for a size more likely a channel count than a kernel: even and 16 or more, or a power of two
    /// of 8 or more (a large odd size, a 17x17 receptive-field lesson, is a kernel).
    static func looksLikeAChannelCount(_ size: Int) -> Bool {
        (size >= 16 && size % 2 == 0) || (size >= 8 && size & (size - 1) == 0)
    }
}
