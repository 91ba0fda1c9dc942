/// Resampling: UPSAMPLE (nearest or bilinear, by a scale factor or to a size, as PyTorch's
/// nn.Upsample and F.interpolate) and PIXELSHUFFLE (depth traded for resolution). No parameters.

/// `UPSAMPLE(S)`, `UPSAMPLE(size=WxH)`, with `nearest` (the default) or `bilinear`.
struct Upsample: LayerOperation {
    enum Mode: Sendable { case nearest, bilinear }
    enum Target: Sendable {
        case scale(Sizes)
        case size(Sizes)
    }

    static let definition = LayerDefinition(
        keyword: "UPSAMPLE",
        schema: LayerSchema(parameters: [
            ParameterSpec(names: ["s", "scale"], type: .size, positional: true, description: "scale factor (S)"),
            ParameterSpec(names: ["size"], type: .size, positional: false, description: "output size"),
        ], flagGroups: [["nearest", "bilinear"]]),
        usage: "UPSAMPLE(S) or UPSAMPLE(size=WxH), nearest or bilinear: e.g. UPSAMPLE(2), UPSAMPLE(size=224x224,bilinear)",
        summary: "upsampling by a scale factor or to a size, nearest or bilinear, no parameters",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.Upsample", .pytorchUpsample),
                                             FrameworkName("nn.UpsamplingNearest2d", .pytorchUpsample),
                                             FrameworkName("nn.UpsamplingBilinear2d", .pytorchUpsample, hint: "add the flag bilinear")],
                                   keras: [FrameworkName("UpSampling1D", .kerasUpsample), FrameworkName("UpSampling2D", .kerasUpsample),
                                           FrameworkName("UpSampling3D", .kerasUpsample)], caffe: [],
                                   onnx: ["Resize", "Upsample"])) { values throws(ArgumentProblem) in
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
    /// Nearest and bilinear interpolation need only the input's size for their backward.
    var framework: FrameworkMemory { .keepsNothing }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        let shape = input.shape
        let rank = shape.rank
        switch target {
        case .scale(let scale): try scale.check(rank: rank, what: "scale factor", in: input)
        case .size(let size): try size.check(rank: rank, what: "output size", in: input)
        }
        try counting { () throws(Overflow) in
            var spatial: [Int] = []
            var jump: [Int] = []
            var field: [Int] = []
            for axis in 0..<rank {
                switch target {
                case .scale(let scale):
                    spatial.append(try checkedMultiply(shape[axis], scale[axis]))
                    jump.append(max(1, input.jump[axis] / scale[axis]))
                case .size(let size):
                    spatial.append(size[axis])
                    jump.append(max(1, try checkedMultiply(input.jump[axis], shape[axis]) / size[axis]))
                }
                // Linear interpolation blends two neighbouring inputs along each axis.
                field.append(mode == .bilinear
                    ? try checkedAdd(input.receptiveField[axis], shape[axis] > 1 ? input.jump[axis] : 0)
                    : input.receptiveField[axis])
            }
            effect.output = Shape(spatial: spatial, depth: shape.depth)
            effect.jump = Sizes(axes: jump)
            effect.receptiveField = Sizes(axes: field)
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
            let names = outputAxisNames(rank: input.rank)
            let axes = (0..<input.rank).map { axis in
                axis == 0 ? "\(names[0]) = \(names[0].dropLast())1*S = \(input[0])*\(scale[0]) = \(out[0])"
                    : "\(names[axis]) = \(input[axis])*\(scale[axis]) = \(out[axis])"
            }
            shape = "\(how) upsampling: \(axes.joined(separator: "; ")); depth kept -> \(out.fullText)"
        case .size(let size):
            shape = "\(how) resize to \(size.along(input.rank).map(String.init).joined(separator: "x")), depth kept -> \(out.fullText)"
        }
        let rf = mode == .nearest ? "rf = \(row.receptiveField.text) (each output copies one input); jump = \(row.jump.width)"
            : "rf = rf1 + jump1 = \(explained.inputReceptiveField.width) + \(explained.inputJump.width) = \(row.receptiveField.width) (each output blends two inputs); jump = \(row.jump.width)"
        return .parameterFree(row, shape: shape, receptiveField: rf)
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        var call = PyCall("nn.Upsample")
        switch target {
        case .scale(let scale): call.add("scale_factor", .sizes(context.sizes("s", scale)))
        case .size(let size): call.add("size", .sizes(context.sizes("size", size)))
        }
        switch mode {
        case .nearest:
            break  // PyTorch's default
        case .bilinear:
            call.add("mode", .string(["linear", "bilinear", "trilinear"][context.row.input.rank - 1]))
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
        usage: "PIXELSHUFFLE(r): e.g. PIXELSHUFFLE(2)",
        summary: "sub-pixel upsampling: W x H x D -> W*r x H*r x D/r², values rearranged",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.PixelShuffle", .pytorchPixelShuffle)], keras: [], caffe: [], onnx: ["DepthToSpace"],
                                   note: "ONNX's DepthToSpace in CRD mode; tf.nn.depth_to_space in TensorFlow")) { values throws(ArgumentProblem) in
            PixelShuffle(factor: values.count("r") ?? 1)
        }

    var factor: Int

    var op: String { "pixelshuffle" }
    var grading: GradingTraits { .plain }
    /// A copy in the new order.
    var framework: FrameworkMemory { .keepsNothing }
    /// It rearranges channels into a width and a height: images only.
    var ranks: SpatialRanks { .images }

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
            effect.jump = Sizes(max(1, input.jump.width / factor), max(1, input.jump.height / factor))
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
