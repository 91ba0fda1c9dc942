/// Resampling: UPSAMPLE (nearest or bilinear, by a scale factor or to a size, as PyTorch's
/// nn.Upsample and F.interpolate) and PIXELSHUFFLE (depth traded for resolution). No parameters.

/// `UPSAMPLE(S)`, `UPSAMPLE(size=WxH)`, with `nearest` (the default) or `bilinear`.
struct Upsample: LayerOperation {
    enum Mode: Sendable { case nearest, bilinear }
    enum Target: Sendable {
        case scale(Pair)
        case size(Pair)
    }

    static let definition = LayerDefinition(
        keyword: "UPSAMPLE",
        schema: LayerSchema(parameters: [
            ParameterSpec(names: ["s", "scale"], type: .size, positional: true, description: "scale factor (S)"),
            ParameterSpec(names: ["size"], type: .size, positional: false, description: "output size"),
        ], flagGroups: [["nearest", "bilinear"]]),
        usage: "UPSAMPLE(S) or UPSAMPLE(size=WxH), nearest or bilinear: e.g. UPSAMPLE(2), UPSAMPLE(size=224x224,bilinear)") { values throws(ArgumentProblem) in
            let mode: Mode = values.has("bilinear") ? .bilinear : .nearest
            switch (values.pair("s"), values.pair("size")) {
            case (let scale?, nil): return Upsample(mode: mode, target: .scale(scale))
            case (nil, let size?): return Upsample(mode: mode, target: .size(size))
            case (nil, nil): throw ArgumentProblem("UPSAMPLE needs a scale factor or a size")
            case (.some, .some): throw ArgumentProblem("UPSAMPLE takes a scale factor or a size, not both")
            }
        }

    var mode: Mode
    var target: Target

    var op: String { "upsample" }
    var grading: GradingTraits { .plain }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        let shape = input.shape
        try counting { () throws(Overflow) in
            switch target {
            case .scale(let scale):
                effect.output = Shape(width: try checkedMultiply(shape.width, scale.width),
                                      height: try checkedMultiply(shape.height, scale.height), depth: shape.depth)
                effect.jump = Pair(max(1, input.jump.width / scale.width), max(1, input.jump.height / scale.height))
            case .size(let size):
                effect.output = Shape(width: size.width, height: size.height, depth: shape.depth)
                effect.jump = Pair(max(1, try checkedMultiply(input.jump.width, shape.width) / size.width),
                                   max(1, try checkedMultiply(input.jump.height, shape.height) / size.height))
            }
            // Bilinear interpolation blends two neighbouring inputs along each axis.
            if mode == .bilinear {
                effect.receptiveField = Pair(
                    try checkedAdd(input.receptiveField.width, shape.width > 1 ? input.jump.width : 0),
                    try checkedAdd(input.receptiveField.height, shape.height > 1 ? input.jump.height : 0))
            }
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        let out = row.output
        let how = mode == .nearest ? "nearest" : "bilinear"
        let shape: String
        switch target {
        case .scale(let scale):
            shape = "\(how) upsampling: W2 = W1*S = \(input.width)*\(scale.width) = \(out.width); H2 = \(input.height)*\(scale.height) = \(out.height); depth kept -> \(out.fullText)"
        case .size(let size):
            shape = "\(how) resize to \(size.width)x\(size.height), depth kept -> \(out.fullText)"
        }
        let rf = mode == .nearest ? "rf = \(row.receptiveField.text) (each output copies one input); jump = \(row.jump.width)"
            : "rf = rf1 + jump1 = \(explained.inputReceptiveField.width) + \(explained.inputJump.width) = \(row.receptiveField.width) (each output blends two inputs); jump = \(row.jump.width)"
        return .parameterFree(row, shape: shape, receptiveField: rf)
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        var call = PyCall("nn.Upsample")
        switch target {
        case .scale(let scale): call.add("scale_factor", .pair(context.pair("s", scale)))
        case .size(let size): call.add("size", .pair(context.pair("size", size)))
        }
        switch mode {
        case .nearest:
            break  // PyTorch's default
        case .bilinear:
            call.add("mode", .string("bilinear"))
            call.add("align_corners", .bool(false))
        }
        return PyTorchModule(call)
    }
}

/// `PIXELSHUFFLE(r)`: W*r x H*r x D/r², rearranging values; D must be a multiple of r².
struct PixelShuffle: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "PIXELSHUFFLE",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["r", "factor"], type: .count, positional: true,
                                                       description: "upscale factor (r)")], required: 1),
        usage: "PIXELSHUFFLE(r): e.g. PIXELSHUFFLE(2)") { values throws(ArgumentProblem) in
            PixelShuffle(factor: values.count("r") ?? 1)
        }

    var factor: Int

    var op: String { "pixelshuffle" }
    var grading: GradingTraits { .plain }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let shape = input.shape
        let square = try counting { () throws(Overflow) in try checkedMultiply(factor, factor) }
        guard shape.depth % square == 0 else {
            throw .invalid("PIXELSHUFFLE(\(factor)) needs a depth that is a multiple of r² = \(square), not \(shape.depth)",
                           hint: "the depth becomes D/r²: each output pixel block takes r² channels")
        }
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output = Shape(width: try checkedMultiply(shape.width, factor),
                                  height: try checkedMultiply(shape.height, factor), depth: shape.depth / square)
            effect.jump = Pair(max(1, input.jump.width / factor), max(1, input.jump.height / factor))
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        return .parameterFree(row, shape: "pixel shuffle by r = \(factor): W*r x H*r x D/r² = \(input.width)*\(factor) x \(input.height)*\(factor) x \(input.depth)/\((CheckedInt(factor) * factor).value.map(String.init) ?? "\(factor)²") = \(row.output.fullText)",
                              receptiveField: "rf = \(row.receptiveField.text) (unchanged); jump = max(1, \(explained.inputJump.width)/\(factor)) = \(row.jump.width)")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let factor = context.count("r", factor)
        let square = factor.expression.isSymbolic ? factor * factor : .literal((CheckedInt(factor.value) * factor.value).value ?? Int.max)
        return PyTorchModule(PyCall("nn.PixelShuffle", .value(factor)), channels: context.channels / square)
    }
}
