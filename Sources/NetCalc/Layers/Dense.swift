/// Dense layers: FC connects every input value to each of K outputs (a 1x1xK volume), FLATTEN
/// lays a volume out as a 1x1x(W*H*D) vector.

/// `FC(K, nobias)`: K outputs, each with W*H*D weights and a bias.
struct FullyConnected: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "FC",
        schema: LayerSchema(parameters: [.filters], flagGroups: [["nobias"]], required: 1),
        usage: "FC(K): e.g. FC(4096)",
        summary: "a fully connected layer: K outputs, each weighing every value of the whole input",
        frameworks: FrameworkNames(
            pytorch: [FrameworkName("nn.Linear", .pytorchLinear, hint: "FC after a flatten, LINEAR on each token alone")],
            keras: [FrameworkName("Dense", .kerasDense)],
            caffe: ["InnerProduct"], onnx: ["Gemm"],
            note: "PyTorch's nn.Linear after a flatten; on each token alone it is LINEAR")) { values throws(ArgumentProblem) in
            FullyConnected(outputs: values.count("k") ?? 1, hasBias: !values.has("nobias"))
        }

    var outputs: Int
    var hasBias: Bool

    var op: String { "fc" }
    var grading: GradingTraits { GradingTraits(biases: .output) }
    var framework: FrameworkMemory { .keepsInput }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output = Shape(vector: outputs, rank: input.shape.rank)
            effect.weights = try checkedMultiply(try input.shape.volume(), outputs)
            effect.biases = hasBias ? outputs : 0
            effect.macs = effect.weights
            effect.receptiveField = try wholeInputReceptiveField(input)
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let out = row.output
        let input = row.input
        let each = productText(input.sizes)
        let bias = row.biases > 0 ? " + \(row.biases)" : " (no bias)"
        return LayerExplanation(
            shape: "FC gives \(vectorForm(input.rank))K = \(out.fullText), whatever its input (\(input.fullText))",
            weights: "weights = (\(each))*\(out.depth) = \(formatCount(row.weights))",
            params: "params = (\(each))*\(out.depth)\(bias) = \(formatCount(row.params))",
            macs: "MACs = inputs x outputs = \(formatCount(row.weights / max(1, out.depth)))*\(out.depth) = \(formatCount(row.macs))",
            receptiveField: wholeInputReceptiveFieldFormula(explained))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let outputs = context.count("k", outputs)
        var call = PyCall("nn.Linear", .value(flattenedChannels(context)), .value(outputs))
        if !hasBias { call.add("bias", .bool(false)) }
        return PyTorchModule(call, channels: outputs, reads: .flat)
    }
}

/// `FLATTEN`: the volume as one vector.
struct Flatten: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "FLATTEN", schema: .none, summary: "the volume as one vector, WxHxD -> W*H*D",
        frameworks: FrameworkNames(pytorch: ["nn.Flatten"], keras: ["Flatten"], caffe: ["Flatten"], onnx: ["Flatten"])) { _ throws(ArgumentProblem) in Flatten() }

    var op: String { "flatten" }
    var grading: GradingTraits { .plain }
    var framework: FrameworkMemory { .view }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output = Shape(vector: try input.shape.volume(), rank: input.shape.rank)
            effect.receptiveField = try wholeInputReceptiveField(input)
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        let form = vectorForm(input.rank)
        let names = input.formText.split(separator: "x").joined(separator: "*")
        return .parameterFree(row, shape: "\(form)(\(names)) = \(form)(\(productText(input.sizes))) = \(row.output.fullText)",
                              receptiveField: wholeInputReceptiveFieldFormula(explained))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("nn.Flatten"), channels: flattenedChannels(context), reads: .either, gives: .flat)
    }
}

/// The values per image once flattened, as PyTorch orders them (C, H, W): `512 * 7 * 7`, or the
/// channels alone when the input is (N, K) or 1x1.
func flattenedChannels(_ context: PyTorchContext) -> PyValue {
    let input = context.row.input
    if context.flat || input.isVector { return context.channels }
    return input.spatial.reversed().reduce(context.channels) { $0 * .literal($1) }
}

/// `1x1x` (2-D), `1x` (1-D), `1x1x1x` (3-D): the spatial part of a vector at a rank, as formulas write it.
func vectorForm(_ rank: Int) -> String {
    String(repeating: "1x", count: rank)
}
