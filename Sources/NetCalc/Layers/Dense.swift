/// Dense layers: FC connects every input value to each of K outputs (a 1x1xK volume), FLATTEN
/// lays a volume out as a 1x1x(W*H*D) vector.

/// `FC(K, nobias)`: K outputs, each with W*H*D weights and a bias.
struct FullyConnected: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "FC",
        schema: LayerSchema(parameters: [.filters], flagGroups: [["nobias"]], required: 1),
        usage: "FC(K): e.g. FC(4096)") { values throws(ArgumentProblem) in
            FullyConnected(outputs: values.count("k") ?? 1, hasBias: !values.has("nobias"))
        }

    var outputs: Int
    var hasBias: Bool

    var op: String { "fc" }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output = Shape(width: 1, height: 1, depth: outputs)
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
        let each = "\(input.width)*\(input.height)*\(input.depth)"
        let bias = row.biases > 0 ? " + \(row.biases)" : " (no bias)"
        return LayerExplanation(
            shape: "FC gives 1x1xK = \(out.fullText), whatever its input (\(input.fullText))",
            weights: "weights = (\(each))*\(out.depth) = \(formatCount(row.weights))",
            params: "params = (\(each))*\(out.depth)\(bias) = \(formatCount(row.params))",
            macs: "MACs = inputs x outputs = \(formatCount(row.weights / max(1, out.depth)))*\(out.depth) = \(formatCount(row.macs))",
            receptiveField: wholeInputReceptiveFieldFormula(explained))
    }

    func pytorch(_ row: LayerRow) -> PyTorchModule {
        let input = row.input
        return PyTorchModule("nn.Sequential(View(True), nn.Linear(\((CheckedInt(input.width) * input.height * input.depth).value ?? 0), \(outputs), bias=\(hasBias ? "True" : "False")), View(False))",
                             helpers: [viewHelper])
    }
}

/// `FLATTEN`: the volume as one vector.
struct Flatten: LayerOperation {
    static let definition = LayerDefinition(keyword: "FLATTEN", schema: .none) { _ throws(ArgumentProblem) in Flatten() }

    var op: String { "flatten" }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output = Shape(width: 1, height: 1, depth: try input.shape.volume())
            effect.receptiveField = try wholeInputReceptiveField(input)
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        return .parameterFree(row, shape: "1x1x(W*H*D) = 1x1x(\(input.width)*\(input.height)*\(input.depth)) = \(row.output.fullText)",
                              receptiveField: wholeInputReceptiveFieldFormula(explained))
    }

    func pytorch(_ row: LayerRow) -> PyTorchModule { PyTorchModule("View(False)", helpers: [viewHelper]) }
}

/// Emitted modules keep every tensor 4-D (N, C, H, W), as netcalc counts a vector (1x1xK).
private let viewHelper = PyTorchHelper(name: "View", source: """
    class View(nn.Module):
        \"\"\"Flattens to (N, C*H*W) for a linear layer, or views a vector as (N, C, 1, 1).\"\"\"

        def __init__(self, flat):
            super().__init__()
            self.flat = flat

        def forward(self, x):
            return x.flatten(1) if self.flat else x.reshape(x.shape[0], -1, 1, 1)
    """)
