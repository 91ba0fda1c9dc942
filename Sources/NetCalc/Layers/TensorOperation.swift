/// TENSOROP: an operation on a tensor that is not a CNN layer (a vision transformer's reshapes,
/// transposes, matrix products of two activations, softmax, elementwise arithmetic), as the ONNX
/// reader follows it by ONNX's own shape rules. The row carries what the reader computed: the output
/// shape, the MACs and the learned values the node reads; `apply` only checks and returns them.
///
/// The output is written in netcalc's shape: the ONNX dims without the batch, the last dim as the
/// channels (`depth`) and the others as spatial axes, width first (ONNX `[1, 3, 197, 64]`, 3 heads of
/// 197 tokens of 64 values, is `width=197,height=3,depth=64`: 197x3x64). A tensor with more than four
/// dims besides the batch has its leading dims multiplied into `time`, so that its volume, and the
/// activation memory, stay exact.

/// The Caffe reader writes TENSOROP rows too, with the `caffe` flag, for the layers whose shape netcalc's
/// kinds cannot express (a Permute, a Reshape that changes the rank, PriorBox, Slice off the channels):
/// the output is Caffe's blob without the batch, dim 1 as the channels and the later dims as spatial
/// axes, width first (`(1, 21, 8732)` is `8732x21`, `(1, 2, 35568)` is `35568x2`).

/// `TENSOROP(op, width=W, [height=H, [time=T,]] depth=C, macs=M, weights=P, biases=B, stats=S)`: `stats` are
/// non-trainable values (a batch norm's running mean and variance).
struct TensorOperation: LayerOperation {
    /// The ONNX operators a TENSOROP row may stand for, by their lower-case op type.
    static let operators = [
        "matmul", "gemm", "conv", "add", "sub", "mul", "div", "pow", "sqrt", "erf", "tanh", "gelu", "relu", "sigmoid",
        "neg", "reciprocal", "abs", "softmax", "layernormalization", "reducemean", "reshape", "flatten", "transpose",
        "concat", "expand", "gather", "slice", "split", "squeeze", "unsqueeze", "cast", "identity", "dropout", "where",
        "reducesum", "reducel2", "einsum", "batchnormalization", "hardsigmoid", "hardswish", "clip", "gathernd",
    ] + caffeOperators

    /// The Caffe layers a TENSOROP row with the `caffe` flag may stand for, besides the ONNX names above.
    static let caffeOperators = [
        "permute", "priorbox", "crop", "mask", "unpool", "interp", "axpy", "max", "power", "exp", "log", "bnll",
        "threshold", "absval", "argmax", "tile", "reduction", "embed", "bias", "normalize", "reorg", "region", "mvn",
    ]

    static let definition = LayerDefinition(
        keyword: "TENSOROP",
        schema: LayerSchema(parameters: [
            ParameterSpec(names: ["width"], type: .count, positional: false, description: "output width or length"),
            ParameterSpec(names: ["height"], type: .count, positional: false, description: "output height"),
            ParameterSpec(names: ["time"], type: .count, positional: false, description: "output time (third spatial axis)"),
            ParameterSpec(names: ["depth"], type: .count, positional: false, description: "output channels (the last ONNX dim)"),
            ParameterSpec(names: ["macs"], type: .offset, positional: false, description: "multiply-accumulates",
                          defaultValue: .value(.pair(Sizes(square: 0)))),
            ParameterSpec(names: ["weights"], type: .offset, positional: false, description: "learned weights read",
                          defaultValue: .value(.pair(Sizes(square: 0)))),
            ParameterSpec(names: ["biases"], type: .offset, positional: false, description: "learned biases read",
                          defaultValue: .value(.pair(Sizes(square: 0)))),
            ParameterSpec(names: ["stats"], type: .offset, positional: false,
                          description: "non-trainable values read (running statistics)",
                          defaultValue: .value(.pair(Sizes(square: 0)))),
        ], flagGroups: [operators, ["caffe"]], required: 0, bareArguments: 0),
        usage: "TENSOROP(op, width=W, height=H, time=T, depth=C, macs=M, weights=P, biases=B), an ONNX node's own result: e.g. TENSOROP(matmul,width=197,depth=64,macs=2420736,weights=12288)",
        summary: "an ONNX node's or a Caffe layer's own result, as the readers compute it",
        frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                   note: "netcalc's own: the rows its ONNX and Caffe readers write")
    ) { values throws(ArgumentProblem) in
        guard let width = values.count("width"), let depth = values.count("depth") else {
            throw ArgumentProblem("TENSOROP needs its output's width and depth",
                                  hint: "TENSOROP states an ONNX node's computed output: width=W and depth=C at least")
        }
        var spatial = [width]
        if let height = values.count("height") {
            spatial.append(height)
            if let time = values.count("time") { spatial.append(time) }
        } else if values.count("time") != nil {
            throw ArgumentProblem("TENSOROP gives a time without a height", hint: "a third spatial axis needs a second")
        }
        return TensorOperation(operator: values.flags.first { $0 != "caffe" } ?? "identity",
                               output: Shape(spatial: spatial, depth: depth),
                               macs: values.count("macs") ?? 0, weights: values.count("weights") ?? 0,
                               biases: values.count("biases") ?? 0, statistics: values.count("stats") ?? 0,
                               caffe: values.has("caffe"))
    }

    /// The ONNX op type, lower case (`matmul`).
    var `operator`: String
    var output: Shape
    var macs: Int
    var weights: Int
    var biases: Int
    /// Non-trainable values the node reads: a batch norm's running mean and variance.
    var statistics = 0
    /// True for a row the Caffe reader wrote (Caffe's shape rules, Caffe's layer names).
    var caffe = false

    var op: String { "tensor" }
    var grading: GradingTraits { GradingTraits(biases: .output) }
    var framework: FrameworkMemory { Self.frameworkMemory[`operator`] ?? Self.inputsKept }
    var ranks: SpatialRanks { .every }

    /// Gives the output the reader computed; the receptive field is not followed through it (each
    /// position is taken to see the whole input, as a transformer's tokens do after attention).
    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.output = output
        effect.macs = macs
        effect.weights = weights
        effect.biases = biases
        effect.nonTrainable = statistics
        let widest = (0..<input.shape.rank).map { input.receptiveField[$0] }.max() ?? 1
        effect.receptiveField = Sizes(square: widest)
        effect.jump = Sizes(square: 1)
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        if caffe { return explainCaffe(explained) }
        let row = explained.row
        let shape = "ONNX \(`operator`) by ONNX's shape rules: \(row.input.fullText) -> \(row.output.fullText)"
            + " (the ONNX dims without the batch, the last as the channels)"
        let macsLine: String
        if macs == 0 {
            macsLine = "MACs = 0: only Conv, Gemm, MatMul and Einsum multiply-accumulate"
        } else if `operator` == "einsum" {
            macsLine = "MACs = \(formatCount(macs)): the contraction's terms, the product of every index letter's size"
        } else {
            macsLine = "MACs = \(formatCount(macs)): the node's matrix product, batch x M x K x N (bias excluded)"
        }
        return LayerExplanation(
            shape: shape,
            weights: "weights = \(formatCount(weights)): the learned tensors of more than one value the node reads (each counted once in the file)",
            params: "params = weights + biases = \(formatCount(weights)) + \(formatCount(biases)) = \(formatCount(weights + biases))"
                + (statistics > 0 ? "; \(formatCount(statistics)) non-trainable running statistics besides" : ""),
            macs: macsLine,
            receptiveField: "rf = \(row.receptiveField.text): not followed through tensor operations (each position sees the whole input)",
            extra: ["TENSOROP rows come from ONNX files; no PyTorch module is written for them"])
    }

    /// The explanation of a row the Caffe reader wrote.
    private func explainCaffe(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let shape = "Caffe \(`operator`) by Caffe's shape rules: \(row.input.fullText) -> \(row.output.fullText)"
            + " (the blob without the batch, dim 1 as the channels)"
        let macsLine = macs == 0 ? "MACs = 0: only Convolution and InnerProduct multiply-accumulate"
            : "MACs = \(formatCount(macs)): the layer's products, batch x outer x K x N (bias excluded)"
        return LayerExplanation(
            shape: shape,
            weights: "weights = \(formatCount(weights)): the layer's learned blobs besides its bias",
            params: "params = weights + biases = \(formatCount(weights)) + \(formatCount(biases)) = \(formatCount(weights + biases))",
            macs: macsLine,
            receptiveField: "rf = \(row.receptiveField.text): not followed through tensor operations (each position sees the whole input)",
            extra: ["TENSOROP rows with caffe come from Caffe layers netcalc's kinds cannot express; no PyTorch module is written for them"])
    }

    /// The call a model reader makes for a row of this kind: `TENSOROP(matmul,width=197,depth=64,macs=...)`,
    /// the counts given only when not 0; `caffe` for a row the Caffe reader sized.
    static func call(_ operation: String, output shape: Shape, macs: Int = 0, weights: Int = 0, biases: Int = 0,
                     statistics: Int = 0, caffe: Bool = false) -> ImportedCall {
        var arguments: [ImportedArgument] = [.flag(operation)]
        for (axis, label) in ["width", "height", "time"].enumerated() where axis < shape.rank {
            arguments.append(.tag(label, [shape[axis]]))
        }
        arguments.append(.tag("depth", [shape.depth]))
        for (label, value) in [("macs", macs), ("weights", weights), ("biases", biases), ("stats", statistics)] where value > 0 {
            arguments.append(.tag(label, [value]))
        }
        if caffe { arguments.append(.flag("caffe")) }
        return ImportedCall("TENSOROP", arguments)
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("NotEmitted", .string(`operator`)), helpers: [PyTorchHelper(name: "NotEmitted", source: """
            class NotEmitted(nn.Module):
                \"\"\"An ONNX tensor operation netcalc counts but does not write as PyTorch.\"\"\"

                def __init__(self, op):
                    super().__init__()
                    self.op = op

                def forward(self, x):
                    raise NotImplementedError(f"netcalc does not emit the ONNX operation {self.op}")
            """)], channels: .literal(output.depth), reads: .either)
    }
}

extension TensorOperation {
    /// A node that keeps every activation it reads (a product of two activations).
    fileprivate static let inputsKept = FrameworkMemory(kept: .inputs)

    /// What PyTorch's autograd keeps of each operator a TENSOROP row stands for, as the equivalent PyTorch
    /// operation keeps it; `LayerKindTests` checks that every operator in `operators` has its entry.
    static let frameworkMemory: [String: FrameworkMemory] = {
        var table: [String: FrameworkMemory] = [:]
        // Products keep every factor; a Conv or Gemm reads its weights from initializers, so its activation
        // inputs are its input.
        for name in ["matmul", "gemm", "conv", "mul", "div", "einsum", "where", "axpy", "max", "bias", "embed",
                     "mask", "unpool", "interp", "tile", "reorg", "region", "priorbox", "argmax", "reduction"] {
            table[name] = inputsKept
        }
        // Derivatives written in the output.
        for name in ["tanh", "relu", "sigmoid", "softmax", "sqrt", "reciprocal", "exp"] {
            table[name] = FrameworkMemory(kept: .output)
        }
        // Derivatives that need the input.
        for name in ["pow", "erf", "gelu", "abs", "hardsigmoid", "hardswish", "clip", "power", "log", "bnll", "threshold",
                     "absval"] {
            table[name] = FrameworkMemory(kept: .inputValues)
        }
        // Sums, copies and selections: their backward needs only shapes (or indices, which are not activations).
        for name in ["add", "sub", "neg", "concat", "reducemean", "reducesum", "cast", "gather", "gathernd", "permute", "crop"] {
            table[name] = .keepsNothing
        }
        // Views of their input.
        for name in ["reshape", "flatten", "transpose", "squeeze", "unsqueeze", "identity", "expand", "slice", "split"] {
            table[name] = .view
        }
        for name in ["layernormalization", "mvn", "normalize"] {
            table[name] = FrameworkMemory(kept: .input, statistics: ExtraValues(count: 2, unit: .position, type: .fp32))
        }
        table["batchnormalization"] = FrameworkMemory(kept: .input, statistics: ExtraValues(count: 2, unit: .channel, type: .fp32))
        table["reducel2"] = FrameworkMemory(kept: .inputs, keptValues: ExtraValues(unit: .outputValue, type: .activation))
        table["dropout"] = FrameworkMemory(kept: .nothing, keptValues: ExtraValues(unit: .outputValue, type: .mask),
                                           identityAtInference: true)
        return table
    }()
}
