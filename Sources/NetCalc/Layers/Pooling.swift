/// Pooling: MAXPOOL (also POOL) and AVGPOOL slide a window over each channel; GAP averages each
/// channel to one value; ADAPTIVEAVGPOOL and ADAPTIVEMAXPOOL pool any input to a given size, as
/// PyTorch's adaptive pools do. None has parameters or MACs, and the depth is kept.

/// `MAXPOOL(F, sS, pP, dD)` and `AVGPOOL(F, sS, pP)`: the stride defaults to the window's extent.
struct Pooling: WindowedOperation {
    enum Reduction: Sendable { case maximum, average }

    static let definitions = [
        LayerDefinition(keyword: "MAXPOOL", aliases: ["POOL"],
                        schema: LayerSchema(parameters: [.kernel, .poolStride, .padding, .dilation],
                                            flagGroups: [roundingFlags], required: 1),
                        usage: "MAXPOOL(F, sS, pP): e.g. POOL(3,s2); the stride defaults to F",
                        summary: "max pooling: the largest value of each F x F window, channel by channel",
                        frameworks: FrameworkNames(
                            pytorch: [FrameworkName("nn.MaxPool1d", .pytorchMaxPool), FrameworkName("nn.MaxPool2d", .pytorchMaxPool),
                                      FrameworkName("nn.MaxPool3d", .pytorchMaxPool)],
                            keras: [FrameworkName("MaxPooling1D", .kerasPool), FrameworkName("MaxPooling2D", .kerasPool),
                                    FrameworkName("MaxPooling3D", .kerasPool), FrameworkName("MaxPool2D", .kerasPool)],
                            caffe: ["Pooling"], onnx: ["MaxPool"],
                            note: "Caffe's Pooling is MAXPOOL with pool: MAX, AVGPOOL with pool: AVE")) { values throws(ArgumentProblem) in
            try Pooling(reduction: .maximum, window: SlidingWindow(values, strideDefaultsToKernel: true))
        },
        LayerDefinition(keyword: "AVGPOOL",
                        schema: LayerSchema(parameters: [.kernel, .poolStride, .padding], flagGroups: [roundingFlags], required: 1),
                        usage: "AVGPOOL(F, sS, pP): e.g. AVGPOOL(2); the stride defaults to F",
                        summary: "average pooling: the mean of each F x F window, channel by channel",
                        frameworks: FrameworkNames(
                            pytorch: [FrameworkName("nn.AvgPool1d", .pytorchAvgPool), FrameworkName("nn.AvgPool2d", .pytorchAvgPool),
                                      FrameworkName("nn.AvgPool3d", .pytorchAvgPool)],
                            keras: [FrameworkName("AveragePooling1D", .kerasPool), FrameworkName("AveragePooling2D", .kerasPool),
                                    FrameworkName("AveragePooling3D", .kerasPool), FrameworkName("AvgPool2D", .kerasPool)],
                            caffe: ["Pooling"], onnx: ["AveragePool"],
                            note: "Caffe's Pooling is MAXPOOL with pool: MAX, AVGPOOL with pool: AVE")) { values throws(ArgumentProblem) in
            try Pooling(reduction: .average, window: SlidingWindow(values, strideDefaultsToKernel: true))
        },
    ]

    var reduction: Reduction
    var window: SlidingWindow

    /// PyTorch's rule: padding is at most half the window, else a window could see only padding. PyTorch
    /// halves the window as written, not its dilated extent: MaxPool1d(3, padding=2, dilation=2) is refused.
    init(reduction: Reduction, window: SlidingWindow) throws(ArgumentProblem) {
        self.reduction = reduction
        self.window = window
        if case .explicit(let pad) = window.padding {
            let axes = max(pad.axisCount, window.kernel.axisCount)
            for (padding, kernel) in (0..<axes).map({ (pad[$0], window.kernel[$0]) }) {
                let half = kernel / 2
                if padding > half {
                    throw ArgumentProblem("a pool's padding (\(padding)) can be at most half its window (\(half))",
                                          hint: "a window that started in the padding would see no input")
                }
            }
        }
    }

    var op: String {
        switch reduction {
        case .maximum: return "maxpool"
        case .average: return "avgpool"
        }
    }
    var grading: GradingTraits { GradingTraits(pooling: reduction == .maximum ? .maximum : .average) }

    /// Both keep their input; max pooling also its int64 indices, one per output value, which it computes
    /// at inference too.
    var framework: FrameworkMemory { Pooling.framework(reduction) }

    static func framework(_ reduction: Reduction) -> FrameworkMemory {
        switch reduction {
        case .maximum:
            return FrameworkMemory(kept: .input, keptValues: ExtraValues(unit: .outputValue, type: .int64, alsoAtInference: true))
        case .average: return .keepsInput
        }
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.output = try window.output(input, what: "window", depth: input.shape.depth)
        (effect.receptiveField, effect.jump) = try counting { () throws(Overflow) in try window.receptiveField(input) }
        effect.rounding = window.rounding ?? input.rounding
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        return .parameterFree(row, shape: window.shapeFormula(row)
                                  + "; D2 = D1 = \(row.output.depth) (pooling keeps the depth) -> \(row.output.fullText)",
                              receptiveField: window.receptiveFieldFormula(explained))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let kernel = context.sizes("f", window.kernel)
        let rank = context.row.input.rank
        var call = PyCall(reduction == .maximum ? "nn.MaxPool\(rank)d" : "nn.AvgPool\(rank)d", .sizes(kernel))
        let stride = context.sizes("s", window.stride, orElse: "f")
        if !stride.isWritten(like: kernel) {
            call.add("stride", .sizes(stride))  // PyTorch's stride defaults to the window, as netcalc's does
        }
        let padded = window.pytorchPadding(context, ceilMode: true,
                                           padValue: reduction == .maximum ? .code("float('-inf')") : .code("0.0"),
                                           poolPadding: true)
        if let padding = padded.padding { call.add("padding", .sizes(padding)) }
        if reduction == .maximum {
            let dilation = context.sizes("d", window.dilation)
            if !dilation.isLiteral(1) { call.add("dilation", .sizes(dilation)) }
        }
        if padded.ceilMode { call.add("ceil_mode", .bool(true)) }
        return PyTorchModule(call, padding: padded.explicit)
    }
}

/// The receptive field of a layer that sees its whole input: `rf + (W - 1) * jump`; the jump stays,
/// since the output is 1x1 and no later window steps over it.
func wholeInputReceptiveField(_ input: LayerInput) throws(Overflow) -> Sizes {
    // A sequence of an image's (or a volume's) positions is not a line of the input: what sees all of
    // it sees the whole input, its largest side.
    if let network = input.networkInput, network.rank != input.shape.rank {
        return Sizes(square: network.spatial.max() ?? 1)
    }
    var field: [Int] = []
    for axis in 0..<input.shape.rank {
        field.append(try checkedAdd(input.receptiveField[axis], try checkedMultiply(input.shape[axis] - 1, input.jump[axis])))
    }
    return Sizes(axes: field)
}

/// The `--explain` line of a layer that sees its whole input.
func wholeInputReceptiveFieldFormula(_ explained: ExplainedRow) -> String {
    let row = explained.row
    let line = (try? checkedAdd(explained.inputReceptiveField.width,
                                try checkedMultiply(row.input.width - 1, explained.inputJump.width))) ?? 0
    if row.input.rank == 1, row.receptiveField.width != line {
        return "rf = \(row.receptiveField.width): it sees its whole input, a sequence of the network input's positions (its largest side)"
    }
    return "rf = rf1 + (\(row.input.rank == 1 ? "L1" : "W1") - 1)*jump1 = \(explained.inputReceptiveField.width) + (\(row.input.width) - 1)*\(explained.inputJump.width) = \(row.receptiveField.width)\(row.input.rank == 3 ? otherAxesText(row.receptiveField, rank: 3) : ""): it sees its whole input"
}

/// `GAP`: global average pooling, one value per channel.
struct GlobalAveragePooling: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "GAP", schema: .none, summary: "global average pooling: one mean per channel, WxHxD -> 1x1xD",
        frameworks: FrameworkNames(
            pytorch: [], keras: ["GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool2D"],
            caffe: [], onnx: ["GlobalAveragePool"],
            note: "PyTorch's nn.AdaptiveAvgPool2d(1) and Caffe's Pooling with global_pooling: true")) { _ throws(ArgumentProblem) in
        GlobalAveragePooling()
    }

    var op: String { "gap" }
    var grading: GradingTraits { GradingTraits(pooling: .channelAverage) }
    /// A mean over each channel: its backward needs only the input's shape.
    var framework: FrameworkMemory { .keepsNothing }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.output = Shape(vector: input.shape.depth, rank: input.shape.rank)
        effect.receptiveField = try counting { () throws(Overflow) in try wholeInputReceptiveField(input) }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        .parameterFree(explained.row, shape: "global average pool: one value per channel, \(Shape(vector: 0, rank: explained.row.input.rank).spatial.map(String.init).joined(separator: "x"))xD = \(explained.row.output.fullText)",
                       receptiveField: wholeInputReceptiveFieldFormula(explained))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("nn.AdaptiveAvgPool\(context.row.input.rank)d", .value(.literal(1))))
    }
}

/// `ADAPTIVEAVGPOOL(WxH)` and `ADAPTIVEMAXPOOL(WxH)`: PyTorch's adaptive pools. Output i along an axis
/// pools the inputs from floor(i*In/Out) up to ceil((i+1)*In/Out), so any input size works.
struct AdaptivePooling: LayerOperation {
    static let average = definition(
        "ADAPTIVEAVGPOOL", .average, summary: "adaptive average pooling: windows sized to give a W x H output, as PyTorch's",
        frameworks: FrameworkNames(
            pytorch: [FrameworkName("nn.AdaptiveAvgPool1d", .pytorchAdaptive, hint: "an output of 1 is GAP"),
                      FrameworkName("nn.AdaptiveAvgPool2d", .pytorchAdaptive, hint: "an output of 1 is GAP"),
                      FrameworkName("nn.AdaptiveAvgPool3d", .pytorchAdaptive, hint: "an output of 1 is GAP")],
            keras: [], caffe: [], onnx: [], note: "an output of 1 is GAP"))
    static let maximum = definition(
        "ADAPTIVEMAXPOOL", .maximum, summary: "adaptive max pooling: windows sized to give a W x H output, as PyTorch's",
        frameworks: FrameworkNames(
            pytorch: [FrameworkName("nn.AdaptiveMaxPool1d", .pytorchAdaptive), FrameworkName("nn.AdaptiveMaxPool2d", .pytorchAdaptive),
                      FrameworkName("nn.AdaptiveMaxPool3d", .pytorchAdaptive)],
            keras: ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D"], caffe: [], onnx: ["GlobalMaxPool"],
            note: "Keras's GlobalMaxPooling2D and ONNX's GlobalMaxPool are ADAPTIVEMAXPOOL(1)"))

    private static func definition(_ keyword: String, _ reduction: Pooling.Reduction, summary: String,
                                   frameworks: FrameworkNames) -> LayerDefinition {
        LayerDefinition(keyword: keyword,
                        schema: LayerSchema(parameters: [ParameterSpec(names: ["size", "output"], type: .size, positional: true,
                                                                       description: "output size")], required: 1),
                        usage: "\(keyword)(WxH): e.g. \(keyword)(7x7); a single N is NxN",
                        summary: summary, frameworks: frameworks) { values throws(ArgumentProblem) in
            AdaptivePooling(reduction: reduction, size: values.pair("size") ?? Sizes(square: 1))
        }
    }

    var reduction: Pooling.Reduction
    var size: Sizes

    var op: String {
        switch reduction {
        case .maximum: return "adaptivemaxpool"
        case .average: return "adaptiveavgpool"
        }
    }
    var grading: GradingTraits { GradingTraits(pooling: reduction == .maximum ? .maximum : .average) }
    /// As MAXPOOL and AVGPOOL, except that an average to one value per channel is a mean and keeps nothing.
    var framework: FrameworkMemory {
        reduction == .average && (0..<3).allSatisfy({ size[$0] == 1 }) ? .keepsNothing : Pooling.framework(reduction)
    }
    var ranks: SpatialRanks { .every }

    /// The largest window along an axis: In/Out when it divides; otherwise ceil(In/Out), or one more
    /// when In mod Out exceeds gcd(In, Out) (some window then straddles two extra inputs).
    static func largestWindow(input: Int, output: Int) -> Int {
        let quotient = input / output
        let remainder = input % output
        if remainder == 0 { return quotient }
        return remainder > greatestCommonDivisor(input, output) ? quotient + 2 : quotient + 1
    }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let rank = input.shape.rank
        try size.check(rank: rank, what: "output size", in: input)
        var effect = LayerEffect(keeping: input)
        effect.output = Shape(spatial: size.along(rank), depth: input.shape.depth)
        try counting { () throws(Overflow) in
            var field: [Int] = []
            var jump: [Int] = []
            for axis in 0..<rank {
                let window = Self.largestWindow(input: input.shape[axis], output: size[axis])
                field.append(try checkedAdd(input.receptiveField[axis], try checkedMultiply(window - 1, input.jump[axis])))
                jump.append(try checkedMultiply(input.jump[axis], max(1, input.shape[axis] / size[axis])))
            }
            effect.receptiveField = Sizes(axes: field)
            effect.jump = Sizes(axes: jump)
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let window = Self.largestWindow(input: row.input.width, output: size.width)
        return .parameterFree(
            row, shape: "adaptive pool to \(size.along(row.input.rank).map(String.init).joined(separator: "x")): output i pools inputs floor(i*W1/W2) to ceil((i+1)*W1/W2), depth kept -> \(row.output.fullText)",
            receptiveField: "rf = rf1 + (largest window - 1)*jump1 = \(explained.inputReceptiveField.width) + (\(window) - 1)*\(explained.inputJump.width) = \(row.receptiveField.width); jump = \(explained.inputJump.width)*max(1, W1/W2) = \(row.jump.width)")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let size = context.sizes("size", size)
        switch reduction {
        case .maximum: return PyTorchModule(PyCall("nn.AdaptiveMaxPool\(context.row.input.rank)d", .sizes(size)))
        case .average: return PyTorchModule(PyCall("nn.AdaptiveAvgPool\(context.row.input.rank)d", .sizes(size)))
        }
    }
}

/// The greatest common divisor of two positive integers.
func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}
