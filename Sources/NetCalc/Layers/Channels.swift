/// Channel operations: SLICE takes a range of the channels (a branch's share, ShuffleNetV2's
/// `x.chunk(2, dim=1)`), SHUFFLE interleaves channel groups. No parameters.

/// `SLICE(start, end)`: the channels from start up to (not including) end, counted from 0.
struct ChannelSlice: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "SLICE",
        schema: LayerSchema(parameters: [
            ParameterSpec(names: ["start"], type: .offset, positional: true, description: "first channel"),
            ParameterSpec(names: ["end"], type: .count, positional: true, description: "end channel"),
        ], required: 2),
        usage: "SLICE(start, end): the channels start to end-1, e.g. SLICE(0,32); ShuffleNet's halves are SLICE(0, c/2) and SLICE(c/2, c)",
        summary: "the channels start to end-1 alone (ShuffleNet's split)",
        frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                   note: "PyTorch's x[:, start:end] or torch.chunk, ONNX's Slice or Split on the channels")) { values throws(ArgumentProblem) in
            let start = values.count("start") ?? 0
            let end = values.count("end") ?? 1
            guard start < end else {
                throw ArgumentProblem("SLICE(\(start), \(end)) takes no channels: the end must be past the start")
            }
            return ChannelSlice(start: start, end: end)
        }

    var start: Int
    var end: Int

    var op: String { "slice" }
    var grading: GradingTraits { .plain }
    /// A narrowing view; its backward makes a zero gradient of the whole input and fills the slice.
    var framework: FrameworkMemory { FrameworkMemory(kept: .nothing, output: .view) }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        guard end <= input.shape.depth else {
            throw .invalid("\(input.name) takes channels \(start) to \(end - 1), but its input has \(input.shape.depth) (0 to \(input.shape.depth - 1))",
                           hint: "the input here is \(input.shape.fullText)")
        }
        var effect = LayerEffect(keeping: input)
        effect.output.depth = end - start
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        return .parameterFree(row, shape: "channels \(start) to \(end - 1) of \(row.input.depth): D2 = \(end) - \(start) = \(row.output.depth) -> \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let start = context.count("start", start)
        let end = context.count("end", end)
        return PyTorchModule(PyCall("ChannelSlice", .value(start), .value(end)), helpers: [PyTorchHelper(name: "ChannelSlice", source: """
            class ChannelSlice(nn.Module):
                \"\"\"The channels start..end-1.\"\"\"

                def __init__(self, start, end):
                    super().__init__()
                    self.start, self.end = start, end

                def forward(self, x):
                    return x[:, self.start:self.end]
            """)], channels: end - start, reads: .either)
    }
}

/// `SHUFFLE(G)`: ShuffleNet's channel shuffle, G groups interleaved; G must divide the depth.
struct ChannelShuffle: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "SHUFFLE",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["g", "groups"], type: .count, positional: true,
                                                       description: "groups (G)")], required: 1),
        usage: "SHUFFLE(G): e.g. SHUFFLE(2)",
        summary: "ShuffleNet's channel shuffle: G groups of channels interleaved",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.ChannelShuffle", .pytorchChannelShuffle)], keras: [], caffe: ["ShuffleChannel"], onnx: [])) { values throws(ArgumentProblem) in
            ChannelShuffle(groups: values.count("g") ?? 1)
        }

    var groups: Int

    var op: String { "shuffle" }
    var grading: GradingTraits { .plain }
    /// A copy in the new order; its backward reorders the gradient.
    var framework: FrameworkMemory { .keepsNothing }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        guard input.shape.depth % groups == 0 else {
            throw .invalid("SHUFFLE's \(groups) groups do not divide the input depth (\(input.shape.depth))",
                           hint: "the input here is \(input.shape.fullText)")
        }
        return LayerEffect(keeping: input)
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        return .parameterFree(row, shape: "channel shuffle of \(groups) groups of \(row.input.depth / max(1, groups)): shape kept, \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("nn.ChannelShuffle", .value(context.count("g", groups))))
    }
}
