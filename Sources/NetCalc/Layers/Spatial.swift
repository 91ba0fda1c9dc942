/// Spatial edits: PAD adds zeros around the volume, CROP cuts its centre (U-Net's skip connections).
/// No parameters; the receptive field is kept.

/// `PAD(P)` on every side, or `PAD(l, r, t, b)` (left, right, top, bottom, PyTorch's order).
struct ZeroPad: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "PAD",
        schema: LayerSchema(parameters: [
            ParameterSpec(names: ["l", "left"], type: .offset, positional: true, description: "left padding"),
            ParameterSpec(names: ["r", "right"], type: .offset, positional: true, description: "right padding"),
            ParameterSpec(names: ["t", "top"], type: .offset, positional: true, description: "top padding"),
            ParameterSpec(names: ["b", "bottom"], type: .offset, positional: true, description: "bottom padding"),
        ], required: 1, bareArguments: 4),
        usage: "PAD(P) or PAD(left, right, top, bottom): e.g. PAD(1), PAD(0,1,0,1)") { values throws(ArgumentProblem) in
            let sides = ["l", "r", "t", "b"].map { values.count($0) }
            if values.entries.count == 1, let only = values.entries.first?.result, case .pair(let pad) = only {
                return ZeroPad(left: pad.width, right: pad.width, top: pad.width, bottom: pad.width)
            }
            guard values.entries.count == 4 else {
                throw ArgumentProblem("PAD takes one padding for every side, or four: left, right, top, bottom")
            }
            let given = sides.map { $0 ?? 0 }
            return ZeroPad(left: given[0], right: given[1], top: given[2], bottom: given[3])
        }

    var left: Int
    var right: Int
    var top: Int
    var bottom: Int

    var op: String { "pad" }
    var grading: GradingTraits { .plain }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output.width = try checkedAdd(input.shape.width, try checkedAdd(left, right))
            effect.output.height = try checkedAdd(input.shape.height, try checkedAdd(top, bottom))
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        return .parameterFree(row, shape: "zero padding: W2 = W1 + left + right = \(input.width) + \(left) + \(right) = \(row.output.width); H2 = \(input.height) + \(top) + \(bottom) = \(row.output.height) -> \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let sides = [context.count("l", left), context.count("r", right), context.count("t", top), context.count("b", bottom)]
        if left == right, right == top, top == bottom, context.symbols?.arguments["r"] == nil {
            return PyTorchModule(PyCall("nn.ZeroPad2d", .value(sides[0])))  // PAD(P): every side
        }
        return PyTorchModule(PyCall("nn.ZeroPad2d", .tuple(sides.map { .value($0) })))
    }
}

/// `CROP(WxH)`: the centre WxH of the volume; an odd margin leaves the extra column or row on the
/// right and bottom.
struct CenterCrop: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "CROP",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["size"], type: .size, positional: true,
                                                       description: "crop size")], required: 1),
        usage: "CROP(WxH): e.g. CROP(56x56), the centre of the input") { values throws(ArgumentProblem) in
            CenterCrop(size: values.pair("size") ?? Pair(square: 1))
        }

    var size: Pair

    var op: String { "crop" }
    var grading: GradingTraits { .plain }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        guard size.width <= input.shape.width, size.height <= input.shape.height else {
            throw .invalid("\(input.name) crops \(size.width)x\(size.height) out of a smaller \(input.shape.fullText) input",
                           hint: "a crop is at most the input's size")
        }
        var effect = LayerEffect(keeping: input)
        effect.output = Shape(width: size.width, height: size.height, depth: input.shape.depth)
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        return .parameterFree(row, shape: "centre crop: \((input.width - size.width) / 2) columns and \((input.height - size.height) / 2) rows cut from the left and top -> \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let size = context.pair("size", size)
        return PyTorchModule(PyCall("CenterCrop", .value(size.height), .value(size.width)), helpers: [PyTorchHelper(name: "CenterCrop", source: """
            class CenterCrop(nn.Module):
                \"\"\"The centre height x width of the input.\"\"\"

                def __init__(self, height, width):
                    super().__init__()
                    self.height, self.width = height, width

                def forward(self, x):
                    top = (x.shape[2] - self.height) // 2
                    left = (x.shape[3] - self.width) // 2
                    return x[:, :, top:top + self.height, left:left + self.width]
            """)])
    }
}
