/// Activations and regularization: functions applied value by value (RELU, SIGMOID, GELU, ...),
/// PRELU with its learned slopes, SOFTMAX over the channels, and DROPOUT and DROPPATH (stochastic
/// depth), which are the identity at inference. The shape is kept; only PRELU has parameters.

/// A function applied to every value.
struct Activation: LayerOperation {
    /// The functions, each with its keyword, JSON op and PyTorch module.
    enum Function: CaseIterable, Sendable {
        case relu, relu6, leakyrelu, sigmoid, hardsigmoid, tanh, elu, gelu, silu, hardswish, mish, softmax

        var keyword: String {
            switch self {
            case .relu: return "RELU"
            case .relu6: return "RELU6"
            case .leakyrelu: return "LEAKYRELU"
            case .sigmoid: return "SIGMOID"
            case .hardsigmoid: return "HARDSIGMOID"
            case .tanh: return "TANH"
            case .elu: return "ELU"
            case .gelu: return "GELU"
            case .silu: return "SILU"
            case .hardswish: return "HARDSWISH"
            case .mish: return "MISH"
            case .softmax: return "SOFTMAX"
            }
        }

        /// Other spellings: SWISH is SiLU.
        var aliases: [String] {
            switch self {
            case .silu: return ["SWISH"]
            case .relu, .relu6, .leakyrelu, .sigmoid, .hardsigmoid, .tanh, .elu, .gelu, .hardswish, .mish, .softmax:
                return []
            }
        }

        /// What it computes, in one line.
        var summary: String {
            switch self {
            case .relu: return "ReLU, max(0, x), value by value"
            case .relu6: return "ReLU6, min(max(0, x), 6), value by value (MobileNet's)"
            case .leakyrelu: return "leaky ReLU: x, or a*x below 0 (slope a, 0.01 by default)"
            case .sigmoid: return "the logistic sigmoid 1/(1+e^-x), value by value"
            case .hardsigmoid: return "the hard sigmoid, a piecewise-linear sigmoid (MobileNetV3's)"
            case .tanh: return "the hyperbolic tangent, value by value"
            case .elu: return "ELU: x, or a*(e^x - 1) below 0"
            case .gelu: return "GELU, x times the normal CDF of x (transformers')"
            case .silu: return "SiLU (swish), x*sigmoid(x) (EfficientNet's)"
            case .hardswish: return "hard swish, x*hardsigmoid(x) (MobileNetV3's)"
            case .mish: return "Mish, x*tanh(softplus(x))"
            case .softmax: return "softmax over the channels at each position"
            }
        }

        /// What the frameworks call it.
        var frameworks: FrameworkNames {
            let keras = "Keras also writes it activation='\(keyword.lowercased())' on the layer before"
            switch self {
            case .relu:
                return FrameworkNames(pytorch: ["nn.ReLU"], keras: ["ReLU"], caffe: ["ReLU"], onnx: ["Relu"])
            case .relu6:
                return FrameworkNames(pytorch: ["nn.ReLU6"], keras: [], caffe: [], onnx: [],
                                      note: "Keras's ReLU(max_value=6), ONNX's Clip(0, 6)")
            case .leakyrelu:
                return FrameworkNames(pytorch: [FrameworkName("nn.LeakyReLU", .pytorchLeakyReLU)], keras: ["LeakyReLU"], caffe: [], onnx: ["LeakyRelu"],
                                      note: "Caffe's ReLU with negative_slope")
            case .sigmoid:
                return FrameworkNames(pytorch: ["nn.Sigmoid"], keras: [], caffe: ["Sigmoid"], onnx: ["Sigmoid"], note: keras)
            case .hardsigmoid:
                return FrameworkNames(pytorch: ["nn.Hardsigmoid"], keras: [], caffe: [], onnx: ["HardSigmoid"], note: keras)
            case .tanh:
                return FrameworkNames(pytorch: ["nn.Tanh"], keras: [], caffe: ["TanH"], onnx: ["Tanh"], note: keras)
            case .elu:
                return FrameworkNames(pytorch: ["nn.ELU"], keras: ["ELU"], caffe: ["ELU"], onnx: ["Elu"])
            case .gelu:
                return FrameworkNames(pytorch: ["nn.GELU"], keras: [], caffe: [], onnx: ["Gelu"], note: keras)
            case .silu:
                return FrameworkNames(pytorch: ["nn.SiLU"], keras: [], caffe: ["Swish"], onnx: [],
                                      note: "Keras's activation='swish'; ONNX's Sigmoid then Mul")
            case .hardswish:
                return FrameworkNames(pytorch: ["nn.Hardswish"], keras: [], caffe: [], onnx: ["HardSwish"],
                                      note: "Keras's activation='hard_swish'")
            case .mish:
                return FrameworkNames(pytorch: ["nn.Mish"], keras: [], caffe: ["Mish"], onnx: ["Mish"], note: keras)
            case .softmax:
                return FrameworkNames(pytorch: ["nn.Softmax"], keras: ["Softmax"], caffe: ["Softmax"], onnx: ["Softmax"])
            }
        }

        /// The argument it takes: the negative slope of LEAKYRELU, ELU's alpha.
        var parameter: ParameterSpec? {
            switch self {
            case .leakyrelu:
                return ParameterSpec(names: ["a", "slope", "alpha"], type: .fraction, positional: true, description: "slope")
            case .elu:
                return ParameterSpec(names: ["a", "alpha"], type: .fraction, positional: true, description: "alpha")
            case .relu, .relu6, .sigmoid, .hardsigmoid, .tanh, .gelu, .silu, .hardswish, .mish, .softmax:
                return nil
            }
        }

        /// What autograd keeps of it, measured: ReLU, Sigmoid, Tanh and Softmax their output, the others
        /// their input (in place, a copy of it); ReLU, ReLU6, SiLU and Hardswish run in place after a layer
        /// nothing else reads, as torchvision builds them.
        var framework: FrameworkMemory {
            switch self {
            case .relu: return FrameworkMemory(kept: .output, output: .inPlaceWhenSoleReader)
            case .relu6, .silu, .hardswish: return FrameworkMemory(kept: .inputValues, output: .inPlaceWhenSoleReader)
            case .sigmoid, .tanh, .softmax: return FrameworkMemory(kept: .output)
            case .leakyrelu, .hardsigmoid, .elu, .gelu, .mish: return FrameworkMemory(kept: .inputValues)
            }
        }

        /// The PyTorch module, given the argument as written (PyTorch's default when there is none).
        func pytorch(_ argument: String?) -> PyCall {
            switch self {
            case .relu: return PyCall("nn.ReLU")
            case .relu6: return PyCall("nn.ReLU6")
            case .leakyrelu: return argument.map { PyCall("nn.LeakyReLU", .float($0)) } ?? PyCall("nn.LeakyReLU")
            case .sigmoid: return PyCall("nn.Sigmoid")
            case .hardsigmoid: return PyCall("nn.Hardsigmoid")
            case .tanh: return PyCall("nn.Tanh")
            case .elu: return argument.map { PyCall("nn.ELU", .float($0)) } ?? PyCall("nn.ELU")
            case .gelu: return PyCall("nn.GELU")
            case .silu: return PyCall("nn.SiLU")
            case .hardswish: return PyCall("nn.Hardswish")
            case .mish: return PyCall("nn.Mish")
            case .softmax:
                var call = PyCall("nn.Softmax")
                call.add("dim", .value(.literal(1)))
                return call
            }
        }
    }

    static let definitions: [LayerDefinition] = Function.allCases.map { function in
        LayerDefinition(keyword: function.keyword, aliases: function.aliases,
                        schema: LayerSchema(parameters: function.parameter.map { [$0] } ?? []),
                        summary: function.summary, frameworks: function.frameworks) { values throws(ArgumentProblem) in
            Activation(function: function, argument: function.parameter.flatMap { values.fraction($0.name) })
        }
    } + [ParametricReLU.definition]

    var function: Function
    /// The argument as written (`0.1`), when given.
    var argument: String?

    var op: String { function.keyword.lowercased() }
    var grading: GradingTraits { .plain }
    var framework: FrameworkMemory { function.framework }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect { LayerEffect(keeping: input) }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let what = function == .softmax ? "softmax over the channels" : "elementwise"
        return .parameterFree(row, shape: "\(what): shape kept, \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(function.pytorch(argument), reads: .either)  // value by value: any shape
    }
}

/// `PRELU`, `PRELU(per_channel)`: a ReLU whose negative slope is learned, one shared or one per channel.
struct ParametricReLU: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "PRELU", schema: LayerSchema(parameters: [], flagGroups: [["per_channel"]]),
        usage: "PRELU or PRELU(per_channel)",
        summary: "a ReLU whose negative slope is learned, one shared or one per channel",
        frameworks: FrameworkNames(pytorch: ["nn.PReLU"], keras: ["PReLU"], caffe: ["PReLU"], onnx: ["PRelu"])) { values throws(ArgumentProblem) in
            ParametricReLU(perChannel: values.has("per_channel"))
        }

    var perChannel: Bool

    var op: String { "prelu" }
    var grading: GradingTraits { .plain }
    var framework: FrameworkMemory { .keepsInput }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.weights = perChannel ? input.shape.depth : 1
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let count = perChannel ? "D = \(formatCount(row.weights)) (one slope per channel)" : "1 (one slope shared by all channels)"
        return LayerExplanation(shape: "elementwise: shape kept, \(row.output.fullText)", weights: "weights = \(count)",
                                params: "params = \(count)", macs: LayerExplanation.noMACs,
                                receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(perChannel ? PyCall("nn.PReLU", .value(context.channels)) : PyCall("nn.PReLU"), reads: .either)
    }
}

/// `DROPOUT(p)` and `DROPPATH(p)`: random zeroing while training (of values, or of a whole residual
/// branch), the identity at inference.
struct Regularization: LayerOperation {
    enum Method: Sendable { case dropout, droppath }

    static let definitions = [
        definition("DROPOUT", .dropout, usage: "DROPOUT(p): e.g. DROPOUT(0.5)",
                   summary: "dropout: values zeroed at random while training, the identity at inference",
                   frameworks: FrameworkNames(
                       pytorch: [FrameworkName("nn.Dropout", .pytorchDropout), FrameworkName("nn.Dropout2d", .pytorchDropout)],
                       keras: [FrameworkName("Dropout", .kerasDropout), FrameworkName("SpatialDropout2D", .kerasDropout)],
                       caffe: ["Dropout"], onnx: ["Dropout"])),
        definition("DROPPATH", .droppath, usage: "DROPPATH(p): e.g. DROPPATH(0.1), stochastic depth",
                   summary: "stochastic depth: a residual branch dropped at random while training",
                   frameworks: FrameworkNames(pytorch: ["torchvision.ops.StochasticDepth"], keras: [], caffe: [], onnx: [],
                                              note: "timm's DropPath")),
    ]

    private static func definition(_ keyword: String, _ method: Method, usage: String, summary: String,
                                   frameworks: FrameworkNames) -> LayerDefinition {
        LayerDefinition(keyword: keyword,
                        schema: LayerSchema(parameters: [ParameterSpec(names: ["p", "rate"], type: .fraction,
                                                                       positional: true, description: "rate")]),
                        usage: usage, summary: summary, frameworks: frameworks) { values throws(ArgumentProblem) in
            Regularization(method: method, rate: values.fraction("p"))
        }
    }

    var method: Method
    /// The rate as written, when given.
    var rate: String?

    var op: String {
        switch method {
        case .dropout: return "dropout"
        case .droppath: return "droppath"
        }
    }
    var grading: GradingTraits { .plain }
    /// Training keeps the mask that chose what to zero (a bool per value on a GPU; CPU kernels keep it in the
    /// values' own type) or, for stochastic depth, one factor per image; at inference both are the identity.
    var framework: FrameworkMemory {
        switch method {
        case .dropout:
            return FrameworkMemory(kept: .nothing, keptValues: ExtraValues(unit: .outputValue, type: .mask), identityAtInference: true)
        case .droppath:
            return FrameworkMemory(kept: .nothing, keptValues: ExtraValues(unit: .image, type: .activation), identityAtInference: true)
        }
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect { LayerEffect(keeping: input) }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let what: String
        switch method {
        case .dropout: what = "dropout zeroes values at random while training"
        case .droppath: what = "stochastic depth drops a whole residual branch at random while training"
        }
        return .parameterFree(row, shape: "\(what), the identity at inference: shape kept, \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        switch method {
        case .dropout: return PyTorchModule(rate.map { PyCall("nn.Dropout", .float($0)) } ?? PyCall("nn.Dropout"), reads: .either)
        // Stochastic depth keeps its rate: the identity at inference, as netcalc counts it.
        case .droppath:
            return PyTorchModule(rate.map { PyCall("DropPath", .float($0)) } ?? PyCall("DropPath"), helpers: [dropPathHelper],
                                 reads: .either)
        }
    }
}

/// Stochastic depth as torchvision's `StochasticDepth(p, "row")`: the identity at inference.
private let dropPathHelper = PyTorchHelper(name: "DropPath", source: """
    class DropPath(nn.Module):
        \"\"\"Stochastic depth: drops the whole branch for a random part p of the batch while training.\"\"\"

        def __init__(self, p=0.0):
            super().__init__()
            self.p = p

        def forward(self, x):
            if not self.training or self.p == 0.0:
                return x
            keep = 1.0 - self.p
            mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
            return x * mask / keep
    """)
