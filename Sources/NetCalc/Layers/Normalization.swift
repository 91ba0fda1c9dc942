/// Normalization and per-channel scaling: BN (batch norm), LAYERNORM (over the channels at each
/// position, ConvNeXt's), GROUPNORM, INSTANCENORM, NORM/LRN (local response normalization) and SCALE
/// (a learned multiplier per channel, ConvNeXt's layer scale). All keep the shape; the learned values
/// count as weights (gamma, the scale) and biases (beta).

/// `BN`: gamma and beta per channel, trained; the running mean and variance stored, not trained.
/// `BN(caffe)` is Caffe's BatchNorm layer: the mean, the variance and one scale factor, 2D+1 values,
/// none trained (Caffe puts gamma and beta in the Scale layer after it).
struct BatchNorm: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "BN", schema: LayerSchema(parameters: [], flagGroups: [["caffe"]]),
        usage: "BN, or BN(caffe) for Caffe's statistics-only BatchNorm",
        summary: "batch normalization: a learned scale and shift per channel, and running statistics",
        frameworks: FrameworkNames(
            pytorch: [FrameworkName("nn.BatchNorm1d", .pytorchNorm), FrameworkName("nn.BatchNorm2d", .pytorchNorm),
                      FrameworkName("nn.BatchNorm3d", .pytorchNorm)],
            keras: ["BatchNormalization"], caffe: ["BatchNorm"], onnx: ["BatchNormalization"],
            note: "Caffe's BatchNorm is BN(caffe), its learned scale and shift the SCALE(bias) after it")) { values throws(ArgumentProblem) in
            BatchNorm(statisticsOnly: values.has("caffe"))
        }

    /// Caffe's form: statistics only.
    var statisticsOnly: Bool

    var op: String { "bn" }
    var grading: GradingTraits { GradingTraits(biases: .channel) }
    /// Its input and, in fp32, the batch's mean and inverse deviation per channel (the running statistics
    /// are the model's own, counted with the weights).
    var framework: FrameworkMemory {
        FrameworkMemory(kept: .input, statistics: ExtraValues(count: 2, unit: .channel, type: .fp32))
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        let depth = input.shape.depth
        if statisticsOnly {
            effect.nonTrainable = try counting { () throws(Overflow) in try checkedAdd(try checkedMultiply(2, depth), 1) }
            return effect
        }
        effect.weights = depth
        effect.biases = depth
        effect.nonTrainable = try counting { () throws(Overflow) in try checkedMultiply(2, depth) }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        if statisticsOnly {
            var explanation = LayerExplanation.parameterFree(
                row, shape: "Caffe's batch norm (statistics only): shape kept, \(row.output.fullText)",
                receptiveField: LayerExplanation.unchangedReceptiveField(row))
            explanation.nonTrainable = "non-trainable = 2*\(row.output.depth) + 1 = \(formatCount(row.nonTrainable)) (mean, variance and Caffe's scale factor)"
            return explanation
        }
        return LayerExplanation(
            shape: "batch norm: shape kept, \(row.output.fullText)",
            weights: "weights (gamma) = D = \(formatCount(row.weights))",
            params: "params = 2*D = 2*\(row.output.depth) = \(formatCount(row.params)) (gamma and beta)",
            nonTrainable: "non-trainable = 2*\(row.output.depth) = \(formatCount(row.nonTrainable)) (running mean and variance)",
            macs: LayerExplanation.noMACs, receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        // After a linear layer, as a person writes it: BatchNorm1d on (N, K), the same numbers.
        var call = PyCall(context.flat ? "nn.BatchNorm1d" : "nn.BatchNorm\(context.row.input.rank)d", .value(context.channels))
        if statisticsOnly { call.add("affine", .bool(false)) }
        return PyTorchModule(call, reads: .either)
    }
}

/// The explanation of a normalization with gamma and beta per channel (or none).
private func affineExplanation(_ row: LayerRow, what: String) -> LayerExplanation {
    guard row.params > 0 else {
        return .parameterFree(row, shape: "\(what): shape kept, \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }
    return LayerExplanation(
        shape: "\(what): shape kept, \(row.output.fullText)",
        weights: "weights (gamma) = D = \(formatCount(row.weights))",
        params: "params = 2*D = 2*\(row.output.depth) = \(formatCount(row.params)) (gamma and beta)",
        macs: LayerExplanation.noMACs, receptiveField: LayerExplanation.unchangedReceptiveField(row))
}

/// Gamma and beta for every channel.
private func affineEffect(_ input: LayerInput) -> LayerEffect {
    var effect = LayerEffect(keeping: input)
    effect.weights = input.shape.depth
    effect.biases = input.shape.depth
    return effect
}

/// `LAYERNORM`: normalizes the channels at each position (PyTorch's LayerNorm over C, channels last).
struct LayerNorm: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "LAYERNORM", schema: .none, summary: "layer normalization over the channels at each position, a scale and shift per channel",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.LayerNorm", .pytorchLayerNorm)], keras: ["LayerNormalization"], caffe: [],
                                   onnx: ["LayerNormalization"])) { _ throws(ArgumentProblem) in LayerNorm() }

    var op: String { "layernorm" }
    var grading: GradingTraits { GradingTraits(biases: .channel) }
    /// Its input and, in fp32, a mean and inverse deviation per position.
    var framework: FrameworkMemory {
        FrameworkMemory(kept: .input, statistics: ExtraValues(count: 2, unit: .position, type: .fp32, alsoAtInference: true))
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect { affineEffect(input) }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        affineExplanation(explained.row, what: "layer norm over the channels at each position")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        if context.flat { return PyTorchModule(PyCall("nn.LayerNorm", .value(context.channels)), reads: .flat) }
        if context.row.input.rank != 2 {
            return PyTorchModule(PyCall("LayerNormChannels", .value(context.channels)), helpers: [PyTorchHelper(name: "LayerNormChannels", source: """
                class LayerNormChannels(nn.LayerNorm):
                    \"\"\"Layer norm over the channels at each position, for a tensor of any rank (N, C, ...).\"\"\"

                    def forward(self, x):
                        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
                """)])
        }
        return PyTorchModule(PyCall("LayerNorm2d", .value(context.channels)), helpers: [PyTorchHelper(name: "LayerNorm2d", source: """
            class LayerNorm2d(nn.LayerNorm):
                \"\"\"Layer norm over the channels at each position, as ConvNeXt's.\"\"\"

                def forward(self, x):
                    return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            """)])
    }
}

/// `GROUPNORM(G)`: normalizes G groups of channels; G must divide the depth.
struct GroupNorm: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "GROUPNORM",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["g", "groups"], type: .count, positional: true,
                                                       description: "number of groups (G)")], required: 1),
        usage: "GROUPNORM(G): e.g. GROUPNORM(32)",
        summary: "group normalization: G groups of channels normalized apart, a scale and shift per channel",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.GroupNorm", .pytorchGroupNorm)], keras: ["GroupNormalization"], caffe: [],
                                   onnx: ["GroupNormalization"])) { values throws(ArgumentProblem) in
            GroupNorm(groups: values.count("g") ?? 1)
        }

    var groups: Int

    var op: String { "groupnorm" }
    var grading: GradingTraits { GradingTraits(biases: .channel) }
    /// Its input and, in fp32, a mean and inverse deviation per group of each image.
    var framework: FrameworkMemory {
        FrameworkMemory(kept: .input, statistics: ExtraValues(count: 2, unit: .group(groups), type: .fp32, alsoAtInference: true))
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let shape = input.shape
        guard shape.depth % groups == 0 else {
            throw .invalid("GROUPNORM's \(groups) groups do not divide the input depth (\(shape.depth))",
                           hint: "groups that divide the depth: "
                               + divisors(of: shape.depth, and: shape.depth).map(String.init).joined(separator: ", "))
        }
        // PyTorch refuses statistics over one value (the output would be 0): a group of one channel at 1x1.
        if shape.isVector, shape.depth == groups {
            throw .invalid("GROUPNORM(\(groups)) on a \(shape.fullText) input normalizes each value alone",
                           hint: "each group needs more than one value; use fewer groups (PyTorch rejects this too)")
        }
        return affineEffect(input)
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        affineExplanation(explained.row, what: "group norm over \(groups) groups of \(explained.row.input.depth / max(1, groups)) channels")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("nn.GroupNorm", .value(context.count("g", groups)), .value(context.channels)))
    }
}

/// `INSTANCENORM`, `INSTANCENORM(affine)`: normalizes each channel of each image; learned gamma and
/// beta only with `affine` (PyTorch's default has none).
struct InstanceNorm: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "INSTANCENORM", schema: LayerSchema(parameters: [], flagGroups: [["affine"]]),
        usage: "INSTANCENORM or INSTANCENORM(affine)",
        summary: "instance normalization: each channel of each image alone, learned values only with affine",
        frameworks: FrameworkNames(pytorch: ["nn.InstanceNorm1d", "nn.InstanceNorm2d", "nn.InstanceNorm3d"], keras: [],
                                   caffe: [], onnx: ["InstanceNormalization"])) { values throws(ArgumentProblem) in
            InstanceNorm(affine: values.has("affine"))
        }

    var affine: Bool

    var op: String { "instancenorm" }
    var grading: GradingTraits { GradingTraits(biases: .channel) }
    /// Its input and, in fp32, a mean and inverse deviation per channel of each image.
    var framework: FrameworkMemory {
        FrameworkMemory(kept: .input, statistics: ExtraValues(count: 2, unit: .channelPerImage, type: .fp32, alsoAtInference: true))
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        // Each channel is normalized over its positions: one position leaves nothing to normalize.
        if input.shape.isVector {
            throw .invalid("INSTANCENORM on a \(vectorForm(input.shape.rank).dropLast()) input normalizes each value alone",
                           hint: "instance norm needs more than one position per channel (PyTorch rejects this too)")
        }
        return affine ? affineEffect(input) : LayerEffect(keeping: input)
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        affineExplanation(explained.row, what: "instance norm\(affine ? "" : " (no affine: nothing learned)")")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        var call = PyCall("nn.InstanceNorm\(context.row.input.rank)d", .value(context.channels))
        if affine { call.add("affine", .bool(true)) }
        return PyTorchModule(call)
    }
}

/// `NORM(n)` or `LRN(n)`: local response normalization across n neighbouring channels.
struct LocalResponseNorm: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "LRN", aliases: ["NORM"],
        schema: LayerSchema(parameters: [ParameterSpec(names: ["n", "size"], type: .count, positional: true,
                                                       description: "window size (n)")]),
        usage: "NORM or NORM(n): e.g. NORM(5)",
        summary: "local response normalization across n neighbouring channels (AlexNet's), no parameters",
        frameworks: FrameworkNames(pytorch: ["nn.LocalResponseNorm"], keras: [], caffe: ["LRN"], onnx: ["LRN"])) { values throws(ArgumentProblem) in
            LocalResponseNorm(size: values.count("n") ?? 5)
        }

    var size: Int

    var op: String { "lrn" }
    var grading: GradingTraits { .plain }
    /// PyTorch composes it from a square, an average pool, a power and a division, which keep its input and
    /// about three tensors of its size besides.
    var framework: FrameworkMemory {
        FrameworkMemory(kept: .input, keptValues: ExtraValues(count: 3, unit: .inputValue, type: .activation))
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect { LayerEffect(keeping: input) }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        .parameterFree(explained.row, shape: "local response norm across \(size) channels: shape kept, \(explained.row.output.fullText)",
                       receptiveField: LayerExplanation.unchangedReceptiveField(explained.row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("nn.LocalResponseNorm", .value(context.count("n", size))))
    }
}

/// `SCALE`, `SCALE(bias)`: a learned multiplier per channel (layer scale), and a learned bias with `bias`.
struct ChannelScale: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "SCALE", schema: LayerSchema(parameters: [], flagGroups: [["bias"]]),
        usage: "SCALE or SCALE(bias): e.g. SCALE",
        summary: "a learned multiplier per channel (layer scale), and a learned bias with bias",
        frameworks: FrameworkNames(pytorch: [], keras: [], caffe: ["Scale"], onnx: [],
                                   note: "ConvNeXt's layer scale, an nn.Parameter multiplied in PyTorch")) { values throws(ArgumentProblem) in
            ChannelScale(hasBias: values.has("bias"))
        }

    var hasBias: Bool

    var op: String { "scale" }
    var grading: GradingTraits { GradingTraits(biases: .channel) }
    /// A product with a learned factor: its input, for the factor's gradient.
    var framework: FrameworkMemory { .keepsInput }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.weights = input.shape.depth
        effect.biases = hasBias ? input.shape.depth : 0
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        return LayerExplanation(
            shape: "a learned scale per channel: shape kept, \(row.output.fullText)",
            weights: "weights = D = \(formatCount(row.weights)) (one scale per channel)",
            params: hasBias ? "params = 2*D = 2*\(row.output.depth) = \(formatCount(row.params)) (a scale and a bias per channel)"
                : "params = D = \(formatCount(row.params)) (one scale per channel)",
            macs: LayerExplanation.noMACs, receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    /// `Scale` on images; `Scale1d` and `Scale3d` on sequences and volumes, whose per-channel values
    /// broadcast over one and three spatial axes.
    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let rank = context.row.input.rank
        let name = rank == 2 ? "Scale" : "Scale\(rank)d"
        let dims = (["channels"] + Array(repeating: "1", count: rank)).joined(separator: ", ")
        var call = PyCall(name, .value(context.channels))
        if hasBias { call.add("bias", .bool(true)) }
        return PyTorchModule(call, helpers: [PyTorchHelper(name: name, source: """
            class \(name)(nn.Module):
                \"\"\"A learned multiplier per channel (layer scale), and a learned bias if asked.\"\"\"

                def __init__(self, channels, bias=False):
                    super().__init__()
                    self.weight = nn.Parameter(torch.ones(\(dims)))
                    self.bias = nn.Parameter(torch.zeros(\(dims))) if bias else None

                def forward(self, x):
                    return x * self.weight if self.bias is None else x * self.weight + self.bias
            """)])
    }
}

/// `GRN`: ConvNeXt V2's global response normalization. Each channel's L2 norm over all positions,
/// divided by the mean of those norms, scales the channel; a learned gamma and beta per channel, and
/// the input added back: `x + gamma*(x*nx) + beta`.
struct ResponseNorm: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "GRN", schema: .none, usage: "GRN: ConvNeXt V2's global response normalization, 2D params",
        summary: "ConvNeXt V2's global response normalization: a gamma and beta per channel",
        frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                   note: "a module of ConvNeXt V2's own code, in no framework")) { _ throws(ArgumentProblem) in
        ResponseNorm()
    }

    var op: String { "grn" }
    var grading: GradingTraits { GradingTraits(biases: .channel) }
    /// ConvNeXt V2's composition keeps its input and the normalized product, a tensor of its size.
    var framework: FrameworkMemory {
        FrameworkMemory(kept: .input, keptValues: ExtraValues(unit: .inputValue, type: .activation))
    }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = affineEffect(input)
        // Every output value depends on every position's value of its channel (through the norm).
        effect.receptiveField = try counting { () throws(Overflow) in try wholeInputReceptiveField(input) }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        var lines = affineExplanation(explained.row, what: "global response normalization: each channel scaled by its L2 norm over all positions over the mean of those norms")
        lines.receptiveField = wholeInputReceptiveFieldFormula(explained)
        return lines
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("GRN", .value(context.channels)), helpers: [PyTorchHelper(name: "GRN", source: """
            class GRN(nn.Module):
                \"\"\"ConvNeXt V2's global response normalization, for a tensor of any rank (N, C, ...).\"\"\"

                def __init__(self, channels, eps=1e-6):
                    super().__init__()
                    self.gamma = nn.Parameter(torch.zeros(channels))
                    self.beta = nn.Parameter(torch.zeros(channels))
                    self.eps = eps

                def forward(self, x):
                    shape = (1, -1) + (1,) * (x.dim() - 2)
                    gx = x.norm(p=2, dim=tuple(range(2, x.dim())), keepdim=True)
                    nx = gx / (gx.mean(dim=1, keepdim=True) + self.eps)
                    return x + self.gamma.view(shape) * (x * nx) + self.beta.view(shape)
            """)])
    }
}
