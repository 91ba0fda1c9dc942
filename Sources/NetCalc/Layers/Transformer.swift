/// Transformer layers: a network's positions as a sequence of tokens (`L x C`, one token a position,
/// its channels its features), and what a vision transformer does to them. TOKENS lays an image or a
/// volume out as tokens, CLS puts class tokens in front, POSEMBED adds learned position embeddings,
/// LINEAR is a dense layer applied to each token alone, ATTENTION is multi-head self-attention over all
/// tokens, and TOKEN(i) takes one token out (the class token, for the head).

/// `TOKENS`: a W x H x C image (or W x H x T x C volume) as a sequence of W*H tokens of C channels,
/// row by row, as `x.flatten(2).transpose(1, 2)` orders them.
struct Tokens: LayerOperation {
    static let definition = LayerDefinition(keyword: "TOKENS", schema: .none,
                                            usage: "TOKENS: an image's positions as a sequence of tokens, WxHxC -> (W*H)xC, as after ViT's patch convolution CONV(768,16,s16)") { _ throws(ArgumentProblem) in
        Tokens()
    }

    var op: String { "tokens" }
    var grading: GradingTraits { .plain }
    var ranks: SpatialRanks { [.images, .volumes] }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        let rank = input.shape.rank
        effect.output = Shape(spatial: [try counting { () throws(Overflow) in try input.shape.spatialVolume() }], depth: input.shape.depth)
        // A token sees what its position saw: the largest of the position's fields and steps.
        effect.receptiveField = Sizes(square: (0..<rank).map { input.receptiveField[$0] }.max() ?? 1)
        effect.jump = Sizes(square: (0..<rank).map { input.jump[$0] }.max() ?? 1)
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        return .parameterFree(row, shape: "one token per position: L = \(productText(input.spatial)) = \(row.output.width) tokens of C = \(row.output.depth) channels -> \(row.output.fullText)",
                              receptiveField: "rf = \(row.receptiveField.width): a token sees what its position saw")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        // Channels first, as netcalc's modules keep every tensor: (N, C, H, W) -> (N, C, H*W).
        PyTorchModule(PyCall("nn.Flatten", .value(.literal(2))))
    }
}

/// `CLS(N)`: N learned tokens (1, the class token; DeiT's distillation token makes 2) put before the
/// sequence: (L + N) x C, N*C params.
struct ClassTokens: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "CLS",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["n", "tokens"], type: .count, positional: true,
                                                       description: "number of tokens (N)", defaultValue: .value(.pair(Sizes(square: 1))))]),
        usage: "CLS or CLS(N): N learned tokens before the sequence (1 in ViT, 2 in distilled DeiT); e.g. CLS, CLS(2)") { values throws(ArgumentProblem) in
            ClassTokens(count: values.count("n") ?? 1)
        }

    var count: Int

    var op: String { "cls" }
    var grading: GradingTraits { .plain }
    var ranks: SpatialRanks { .sequences }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output.width = try checkedAdd(input.shape.width, count)
            effect.weights = try checkedMultiply(count, input.shape.depth)
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let what = count == 1 ? "a learned class token" : "\(count) learned tokens"
        return LayerExplanation(
            shape: "\(what) before the sequence: L2 = \(row.input.width) + \(count) = \(row.output.width) -> \(row.output.fullText)",
            weights: "weights = N*C = \(count)*\(row.input.depth) = \(formatCount(row.weights)) (the tokens themselves)",
            params: "params = \(formatCount(row.params))",
            macs: LayerExplanation.noMACs, receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("ClassTokens", .value(context.channels), .value(context.count("n", count))), helpers: [PyTorchHelper(name: "ClassTokens", source: """
            class ClassTokens(nn.Module):
                \"\"\"Learned tokens put before a sequence (N, C, L): ViT's class token.\"\"\"

                def __init__(self, channels, count=1):
                    super().__init__()
                    self.tokens = nn.Parameter(torch.zeros(1, channels, count))

                def forward(self, x):
                    return torch.cat([self.tokens.expand(x.shape[0], -1, -1), x], dim=2)
            """)])
    }
}

/// `POSEMBED`: a learned embedding added at every position, one value per position and channel.
struct PositionEmbedding: LayerOperation {
    static let definition = LayerDefinition(keyword: "POSEMBED", schema: .none,
                                            usage: "POSEMBED: learned position embeddings added to every token, L*C params") { _ throws(ArgumentProblem) in
        PositionEmbedding()
    }

    var op: String { "posembed" }
    var grading: GradingTraits { .plain }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        effect.weights = try counting { () throws(Overflow) in try input.shape.volume() }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        return LayerExplanation(
            shape: "a learned embedding added at each position: shape kept, \(row.output.fullText)",
            weights: "weights = \(input.formText.split(separator: "x").joined(separator: "*")) = \(productText(input.sizes)) = \(formatCount(row.weights))",
            params: "params = \(formatCount(row.params))",
            macs: LayerExplanation.noMACs, receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let sizes = context.row.input.spatial.reversed().map { PyArgument.value(.literal($0)) }
        return PyTorchModule(PyCall("PositionEmbedding", .value(context.channels), .tuple(sizes)), helpers: [PyTorchHelper(name: "PositionEmbedding", source: """
            class PositionEmbedding(nn.Module):
                \"\"\"A learned embedding added at every position of a (N, C, ...) tensor.\"\"\"

                def __init__(self, channels, sizes):
                    super().__init__()
                    self.embedding = nn.Parameter(torch.zeros(1, channels, *sizes))

                def forward(self, x):
                    return x + self.embedding
            """)])
    }
}

/// `LINEAR(K, nobias)`: a dense layer applied to each position (token) alone, C -> K channels: what a
/// transformer's projections and MLP are. FC, the notes' layer, flattens its whole input first.
struct PositionwiseLinear: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "LINEAR",
        schema: LayerSchema(parameters: [.filters], flagGroups: [["nobias"]], required: 1),
        usage: "LINEAR(K): a dense layer on each token alone, C -> K (FC flattens the whole input first); e.g. LINEAR(3072)") { values throws(ArgumentProblem) in
            PositionwiseLinear(outputs: values.count("k") ?? 1, hasBias: !values.has("nobias"))
        }

    var outputs: Int
    var hasBias: Bool

    var op: String { "linear" }
    var grading: GradingTraits { GradingTraits(biases: .filter) }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output.depth = outputs
            effect.weights = try checkedMultiply(input.shape.depth, outputs)
            effect.biases = hasBias ? outputs : 0
            effect.macs = try checkedMultiply(try input.shape.spatialVolume(), effect.weights)
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        let positions = input.rank == 1 ? "L" : input.formText.split(separator: "x").dropLast().joined(separator: "*")
        let bias = row.biases > 0 ? " + \(row.biases)" : " (no bias)"
        return LayerExplanation(
            shape: "each position alone, C = \(input.depth) -> K = \(outputs) channels: \(row.output.fullText)",
            weights: "weights = C*K = \(input.depth)*\(outputs) = \(formatCount(row.weights))",
            params: "params = C*K\(row.biases > 0 ? " + K" : "") = \(input.depth)*\(outputs)\(bias) = \(formatCount(row.params))",
            macs: "MACs = \(positions)*C*K = \(productText(input.spatial))*\(input.depth)*\(outputs) = \(formatCount(row.macs))",
            receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let outputs = context.count("k", outputs)
        var call = PyCall(context.flat ? "nn.Linear" : "LinearChannels", .value(context.channels), .value(outputs))
        if !hasBias { call.add("bias", .bool(false)) }
        if context.flat { return PyTorchModule(call, channels: outputs, reads: .flat) }
        return PyTorchModule(call, helpers: [PyTorchHelper(name: "LinearChannels", source: """
            class LinearChannels(nn.Linear):
                \"\"\"A linear layer on the channels at each position of a (N, C, ...) tensor.\"\"\"

                def forward(self, x):
                    return super().forward(x.movedim(1, -1)).movedim(-1, 1)
            """)], channels: outputs)
    }
}

/// `ATTENTION(heads, nobias)`: multi-head self-attention over all L positions (tokens) of C channels.
/// Q, K and V are each a C x C projection, the output another: 4C^2 weights and 4C biases. MACs:
/// the four projections (4*L*C^2) and, per head, the scores Q*K^T and their use on V (2*L^2*C in
/// all). The attention map, heads x L x L values per image, is memory the row holds besides its output.
struct SelfAttention: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "ATTENTION",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["h", "heads"], type: .count, positional: true,
                                                       description: "number of heads (h)")],
                            flagGroups: [["nobias"]], required: 1),
        usage: "ATTENTION(h): multi-head self-attention with h heads over all tokens; h divides the channels, e.g. ATTENTION(8)") { values throws(ArgumentProblem) in
            SelfAttention(heads: values.count("h") ?? 1, hasBias: !values.has("nobias"))
        }

    var heads: Int
    var hasBias: Bool

    var op: String { "attention" }
    var grading: GradingTraits { GradingTraits(biases: .filter) }
    var ranks: SpatialRanks { .every }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let channels = input.shape.depth
        guard channels % heads == 0 else {
            throw .invalid("\(input.name)'s \(heads) heads do not divide its \(channels) channels",
                           hint: "each head takes C/h channels; heads that divide \(channels): "
                               + divisors(of: channels, and: channels).map(String.init).joined(separator: ", "))
        }
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            let length = try input.shape.spatialVolume()
            effect.weights = try checkedProduct(4, channels, channels)
            effect.biases = hasBias ? try checkedMultiply(4, channels) : 0
            let projections = try checkedProduct(4, length, channels, channels)
            let scores = try checkedProduct(2, length, length, channels)
            effect.macs = try checkedAdd(projections, scores)
            effect.heldActivations = try checkedProduct(heads, length, length)
            effect.receptiveField = try wholeInputReceptiveField(input)
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        let c = input.depth
        let length = (try? input.spatialVolume()) ?? 0
        let bias = row.biases > 0 ? " + 4*C = 4*\(c)^2 + 4*\(c)" : " (no bias) = 4*\(c)^2"
        return LayerExplanation(
            shape: "every token attends to all L = \(length) tokens, \(heads) heads of C/h = \(c / max(1, heads)) channels: shape kept, \(row.output.fullText)",
            weights: "weights = 4*C^2 (Q, K, V and the output projection) = 4*\(c)^2 = \(formatCount(row.weights))",
            params: "params = 4*C^2\(bias) = \(formatCount(row.params))",
            macs: "MACs = 4*L*C^2 (projections) + 2*L^2*C (Q*K^T and its use on V) = 4*\(length)*\(c)^2 + 2*\(length)^2*\(c) = \(formatCount(row.macs))",
            receptiveField: wholeInputReceptiveFieldFormula(explained),
            extra: ["attention map = h*L*L = \(heads)*\(length)*\(length) = \(formatCount(row.heldActivations)) values per image, held besides the output"])
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        var call = PyCall("SelfAttention", .value(context.channels), .value(context.count("h", heads)))
        if !hasBias { call.add("bias", .bool(false)) }
        return PyTorchModule(call, helpers: [PyTorchHelper(name: "SelfAttention", source: """
            class SelfAttention(nn.MultiheadAttention):
                \"\"\"Multi-head self-attention over all positions of a (N, C, ...) tensor.\"\"\"

                def __init__(self, channels, heads, bias=True):
                    super().__init__(channels, heads, bias=bias, batch_first=True)

                def forward(self, x):
                    tokens = x.flatten(2).transpose(1, 2)
                    out = super().forward(tokens, tokens, tokens, need_weights=False)[0]
                    return out.transpose(1, 2).reshape(x.shape)
            """)])
    }
}

/// `TOKEN(i)`: token i of a sequence alone (a 1 x C sequence), as a transformer's head takes its
/// class token, `x[:, i]`.
struct TokenSelection: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "TOKEN",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["i", "index"], type: .offset, positional: true,
                                                       description: "token index (i)")], required: 1),
        usage: "TOKEN(i): token i of the sequence alone (TOKEN(0), the class token); e.g. TOKEN(0)") { values throws(ArgumentProblem) in
            TokenSelection(index: values.count("i") ?? 0)
        }

    var index: Int

    var op: String { "token" }
    var grading: GradingTraits { .plain }
    var ranks: SpatialRanks { .sequences }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        guard index < input.shape.width else {
            throw .invalid("\(input.name) takes token \(index), but its input has \(input.shape.width) (0 to \(input.shape.width - 1))",
                           hint: "the input here is \(input.shape.fullText)")
        }
        var effect = LayerEffect(keeping: input)
        effect.output.width = 1
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        return .parameterFree(row, shape: "token \(index) of \(row.input.width) alone: 1 x C = \(row.output.fullText)",
                              receptiveField: LayerExplanation.unchangedReceptiveField(row))
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("Token", .value(context.count("i", index))), helpers: [PyTorchHelper(name: "Token", source: """
            class Token(nn.Module):
                \"\"\"One token of a sequence (N, C, L), kept as a sequence of one: (N, C, 1).\"\"\"

                def __init__(self, index):
                    super().__init__()
                    self.index = index

                def forward(self, x):
                    return x[:, :, self.index:self.index + 1]
            """)])
    }
}
