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
                        usage: "MAXPOOL(F, sS, pP): e.g. POOL(3,s2); the stride defaults to F") { values throws(ArgumentProblem) in
            try Pooling(reduction: .maximum, window: SlidingWindow(values, strideDefaultsToKernel: true))
        },
        LayerDefinition(keyword: "AVGPOOL",
                        schema: LayerSchema(parameters: [.kernel, .poolStride, .padding], flagGroups: [roundingFlags], required: 1),
                        usage: "AVGPOOL(F, sS, pP): e.g. AVGPOOL(2); the stride defaults to F") { values throws(ArgumentProblem) in
            try Pooling(reduction: .average, window: SlidingWindow(values, strideDefaultsToKernel: true))
        },
    ]

    var reduction: Reduction
    var window: SlidingWindow

    /// PyTorch's rule: padding is at most half the (dilated) window, else a window could see only padding.
    init(reduction: Reduction, window: SlidingWindow) throws(ArgumentProblem) {
        self.reduction = reduction
        self.window = window
        if case .explicit(let pad) = window.padding {
            for (padding, kernel, dilation) in [(pad.width, window.kernel.width, window.dilation.width),
                                                (pad.height, window.kernel.height, window.dilation.height)] {
                let half = ((CheckedInt(kernel) - 1) * dilation + 1).value.map { $0 / 2 } ?? Int.max / 2
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

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let (width, height) = try window.outputSize(input, what: "window", depth: input.shape.depth)
        var effect = LayerEffect(keeping: input)
        effect.output = Shape(width: width, height: height, depth: input.shape.depth)
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
        let kernel = context.pair("f", window.kernel)
        var call = PyCall(reduction == .maximum ? "nn.MaxPool2d" : "nn.AvgPool2d", .pair(kernel))
        let stride = context.pair("s", window.stride, orElse: "f")
        if !stride.isWritten(like: kernel) {
            call.add("stride", .pair(stride))  // PyTorch's stride defaults to the window, as netcalc's does
        }
        let padded = window.pytorchPadding(context, ceilMode: true,
                                           padValue: reduction == .maximum ? .code("float('-inf')") : .code("0.0"))
        if let padding = padded.padding { call.add("padding", .pair(padding)) }
        if reduction == .maximum {
            let dilation = context.pair("d", window.dilation)
            if !dilation.isLiteral(1) { call.add("dilation", .pair(dilation)) }
        }
        if padded.ceilMode { call.add("ceil_mode", .bool(true)) }
        return PyTorchModule(call, padding: padded.explicit)
    }
}

/// The receptive field of a layer that sees its whole input: `rf + (W - 1) * jump`; the jump stays,
/// since the output is 1x1 and no later window steps over it.
func wholeInputReceptiveField(_ input: LayerInput) throws(Overflow) -> Pair {
    Pair(try checkedAdd(input.receptiveField.width, try checkedMultiply(input.shape.width - 1, input.jump.width)),
         try checkedAdd(input.receptiveField.height, try checkedMultiply(input.shape.height - 1, input.jump.height)))
}

/// The `--explain` line of a layer that sees its whole input.
func wholeInputReceptiveFieldFormula(_ explained: ExplainedRow) -> String {
    let row = explained.row
    return "rf = rf1 + (W1 - 1)*jump1 = \(explained.inputReceptiveField.width) + (\(row.input.width) - 1)*\(explained.inputJump.width) = \(row.receptiveField.width): it sees its whole input"
}

/// `GAP`: global average pooling, one value per channel.
struct GlobalAveragePooling: LayerOperation {
    static let definition = LayerDefinition(keyword: "GAP", schema: .none) { _ throws(ArgumentProblem) in
        GlobalAveragePooling()
    }

    var op: String { "gap" }
    var grading: GradingTraits { GradingTraits(pooling: .channelAverage) }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.output = Shape(width: 1, height: 1, depth: input.shape.depth)
        effect.receptiveField = try counting { () throws(Overflow) in try wholeInputReceptiveField(input) }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        .parameterFree(explained.row, shape: "global average pool: one value per channel, 1x1xD = \(explained.row.output.fullText)",
                       receptiveField: wholeInputReceptiveFieldFormula(explained))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("nn.AdaptiveAvgPool2d", .value(.literal(1))))
    }
}

/// `ADAPTIVEAVGPOOL(WxH)` and `ADAPTIVEMAXPOOL(WxH)`: PyTorch's adaptive pools. Output i along an axis
/// pools the inputs from floor(i*In/Out) up to ceil((i+1)*In/Out), so any input size works.
struct AdaptivePooling: LayerOperation {
    static let average = definition("ADAPTIVEAVGPOOL", .average)
    static let maximum = definition("ADAPTIVEMAXPOOL", .maximum)

    private static func definition(_ keyword: String, _ reduction: Pooling.Reduction) -> LayerDefinition {
        LayerDefinition(keyword: keyword,
                        schema: LayerSchema(parameters: [ParameterSpec(names: ["size", "output"], type: .size, positional: true,
                                                                       description: "output size")], required: 1),
                        usage: "\(keyword)(WxH): e.g. \(keyword)(7x7); a single N is NxN") { values throws(ArgumentProblem) in
            AdaptivePooling(reduction: reduction, size: values.pair("size") ?? Pair(square: 1))
        }
    }

    var reduction: Pooling.Reduction
    var size: Pair

    var op: String {
        switch reduction {
        case .maximum: return "adaptivemaxpool"
        case .average: return "adaptiveavgpool"
        }
    }
    var grading: GradingTraits { GradingTraits(pooling: reduction == .maximum ? .maximum : .average) }

    /// The largest window along an axis: In/Out when it divides; otherwise ceil(In/Out), or one more
    /// when In mod Out exceeds gcd(In, Out) (some window then straddles two extra inputs).
    static func largestWindow(input: Int, output: Int) -> Int {
        let quotient = input / output
        let remainder = input % output
        if remainder == 0 { return quotient }
        return remainder > greatestCommonDivisor(input, output) ? quotient + 2 : quotient + 1
    }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.output = Shape(width: size.width, height: size.height, depth: input.shape.depth)
        try counting { () throws(Overflow) in
            let window = Pair(Self.largestWindow(input: input.shape.width, output: size.width),
                              Self.largestWindow(input: input.shape.height, output: size.height))
            effect.receptiveField = Pair(
                try checkedAdd(input.receptiveField.width, try checkedMultiply(window.width - 1, input.jump.width)),
                try checkedAdd(input.receptiveField.height, try checkedMultiply(window.height - 1, input.jump.height)))
            effect.jump = Pair(try checkedMultiply(input.jump.width, max(1, input.shape.width / size.width)),
                               try checkedMultiply(input.jump.height, max(1, input.shape.height / size.height)))
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let window = Self.largestWindow(input: row.input.width, output: size.width)
        return .parameterFree(
            row, shape: "adaptive pool to \(size.width)x\(size.height): output i pools inputs floor(i*W1/W2) to ceil((i+1)*W1/W2), depth kept -> \(row.output.fullText)",
            receptiveField: "rf = rf1 + (largest window - 1)*jump1 = \(explained.inputReceptiveField.width) + (\(window) - 1)*\(explained.inputJump.width) = \(row.receptiveField.width); jump = \(explained.inputJump.width)*max(1, W1/W2) = \(row.jump.width)")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let size = context.pair("size", size)
        switch reduction {
        case .maximum: return PyTorchModule(PyCall("nn.AdaptiveMaxPool2d", .pair(size)))
        case .average: return PyTorchModule(PyCall("nn.AdaptiveAvgPool2d", .pair(size)))
        }
    }
}

/// The greatest common divisor of two positive integers.
func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}
