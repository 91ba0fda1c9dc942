/// Transformer layers: a network's positions as a sequence of tokens (`L x C`, one token a position,
/// its channels its features), and what a vision transformer does to them. TOKENS lays an image or a
/// volume out as tokens, CLS puts class tokens in front, POSEMBED adds learned position embeddings,
/// LINEAR is a dense layer applied to each token alone, ATTENTION is multi-head self-attention over all
/// tokens, and TOKEN(i) takes one token out (the class token, for the head).

/// `TOKENS`: a W x H x C image (or W x H x T x C volume) as a sequence of W*H tokens of C channels,
/// row by row, as `x.flatten(2).transpose(1, 2)` orders them.
struct Tokens: LayerOperation {
    static let definition = LayerDefinition(keyword: "TOKENS", schema: .none,
                                            usage: "TOKENS: an image's positions as a sequence of tokens, WxHxC -> (W*H)xC, as after ViT's patch convolution CONV(768,16,s16)",
                                            summary: "an image's positions as a sequence of tokens, WxHxC -> (W*H)xC",
                                            frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                                                       note: "PyTorch's x.flatten(2).transpose(1, 2); ONNX's Reshape and Transpose")) { _ throws(ArgumentProblem) in
        Tokens()
    }

    var op: String { "tokens" }
    var grading: GradingTraits { .plain }
    /// A patch convolution: keeps its input; oneDNN's reorders while it runs.
    var framework: FrameworkMemory { .convolution }
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
        usage: "CLS or CLS(N): N learned tokens before the sequence (1 in ViT, 2 in distilled DeiT); e.g. CLS, CLS(2)",
        summary: "N learned tokens put before the sequence (ViT's class token), N*C params",
        frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                   note: "an nn.Parameter joined to the tokens with torch.cat in PyTorch")) { values throws(ArgumentProblem) in
            ClassTokens(count: values.count("n") ?? 1)
        }

    var count: Int

    var op: String { "cls" }
    var grading: GradingTraits { .plain }
    /// A concatenation: keeps nothing; its backward hands on slices of the gradient.
    var framework: FrameworkMemory { FrameworkMemory(kept: .nothing, passesGradient: true) }
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
                                            usage: "POSEMBED: learned position embeddings added to every token, L*C params",
                                            summary: "learned position embeddings added to every token, L*C params",
                                            frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                                                       note: "an nn.Parameter added to the tokens in PyTorch")) { _ throws(ArgumentProblem) in
        PositionEmbedding()
    }

    var op: String { "posembed" }
    var grading: GradingTraits { .plain }
    /// A sum with a learned table: keeps nothing; the gradient passes as it is.
    var framework: FrameworkMemory { FrameworkMemory(kept: .nothing, passesGradient: true) }
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
        usage: "LINEAR(K): a dense layer on each token alone, C -> K (FC flattens the whole input first); e.g. LINEAR(3072)",
        summary: "a dense layer on each token (position) alone, C -> K",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.Linear", .pytorchLinear)], keras: [], caffe: [], onnx: ["MatMul"],
                                   note: "PyTorch's nn.Linear on tokens, Keras's Dense on a sequence")) { values throws(ArgumentProblem) in
            PositionwiseLinear(outputs: values.count("k") ?? 1, hasBias: !values.has("nobias"))
        }

    var outputs: Int
    var hasBias: Bool

    var op: String { "linear" }
    var grading: GradingTraits { GradingTraits(biases: .filter) }
    var framework: FrameworkMemory { .keepsInput }
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

/// `ATTENTION(heads, nobias)`: multi-head self-attention over the L positions (tokens) of C channels.
/// Q, K and V are each a C x C projection, the output another: 4C^2 weights and 4C biases. MACs: the
/// four projections (4*L*C^2) and, per head, the scores Q*K^T and their use on V (2*L*N*C in all,
/// where N is how many positions each one attends to: all L, or a window's). The attention map, heads
/// x L x N values per image, is memory the row holds besides its output.
///
/// `w=7` attends within non-overlapping 7x7 windows (Swin), the input padded at its end to whole
/// windows as torchvision's Swin does (the padded positions computed too); `shift=3` shifts the
/// windows, which changes no count; `relbias` adds a learned relative position bias, (2w-1)^2 values
/// per head. `patch=2` attends among the positions at the same place of every 2x2 patch (MobileViT's
/// unfold): 4 sequences of L/4 positions.
struct SelfAttention: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "ATTENTION",
        schema: LayerSchema(parameters: [
            ParameterSpec(names: ["h", "heads"], type: .count, positional: true, description: "number of heads (h)"),
            ParameterSpec(names: ["w", "window"], type: .size, positional: false, description: "window (w)"),
            ParameterSpec(names: ["shift"], type: .offset, positional: false, description: "window shift",
                          defaultValue: .value(.pair(Sizes(square: 0)))),
            ParameterSpec(names: ["patch"], type: .size, positional: false, description: "patch (MobileViT)"),
        ], flagGroups: [["nobias"], ["relbias"]], required: 1),
        usage: "ATTENTION(h, w=W, shift=S, relbias, patch=P): multi-head self-attention with h heads over all tokens, or within WxW windows (Swin), or among the same place of PxP patches (MobileViT); h divides the channels, e.g. ATTENTION(8), ATTENTION(4,w=4,shift=2,relbias)",
        summary: "multi-head self-attention over the tokens, with its q, k, v and output projections",
        frameworks: FrameworkNames(pytorch: [FrameworkName("nn.MultiheadAttention", .pytorchAttention)], keras: ["MultiHeadAttention"], caffe: [],
                                   onnx: ["Attention"])) { values throws(ArgumentProblem) in
            let window = values.pair("w")
            let shift = values.count("shift") ?? 0
            let patch = values.pair("patch")
            if window != nil, patch != nil {
                throw ArgumentProblem("ATTENTION takes a window (w) or a patch, not both",
                                      hint: "w=7 attends within 7x7 windows (Swin); patch=2 among the same place of 2x2 patches (MobileViT)")
            }
            if window == nil, shift > 0 || values.has("relbias") {
                throw ArgumentProblem("ATTENTION's \(shift > 0 ? "shift" : "relbias") needs a window: add w=W",
                                      hint: "Swin's block is ATTENTION(h, w=7, shift=3, relbias)")
            }
            if let window, shift >= (0..<Int(window.count)).map({ window[$0] }).min() ?? 1 {
                throw ArgumentProblem("ATTENTION's shift \(shift) is not smaller than its window \(window.text)",
                                      hint: "Swin shifts by half the window: w=7, shift=3")
            }
            return SelfAttention(heads: values.count("h") ?? 1, hasBias: !values.has("nobias"), window: window,
                                 shift: shift, relativeBias: values.has("relbias"), patch: patch)
        }

    var heads: Int
    var hasBias: Bool
    var window: Sizes?
    var shift = 0
    var relativeBias = false
    var patch: Sizes?

    var op: String { "attention" }
    var grading: GradingTraits { GradingTraits(biases: .filter) }
    /// Its input (for the q, k, v projection), the projection's output (3 values per input value) and the
    /// attended values the output projection reads (1 more). A global attention runs as PyTorch's fused
    /// scaled-dot-product kernel, which keeps one fp32 log-sum-exp per head and token instead of the map; a
    /// windowed or relative-bias attention computes its softmax explicitly and keeps the map, and the scaled
    /// queries its product reads (1 more).
    var framework: FrameworkMemory {
        if window == nil && !relativeBias {
            return FrameworkMemory(kept: .input, keptValues: ExtraValues(count: 4, unit: .inputValue, type: .activation, alsoAtInference: true),
                                   statistics: ExtraValues(count: heads, unit: .position, type: .fp32))
        }
        return FrameworkMemory(kept: .input, keptValues: ExtraValues(count: 5, unit: .inputValue, type: .activation, alsoAtInference: true),
                               statistics: ExtraValues(unit: .heldValue, type: .activation, alsoAtInference: true))
    }
    var ranks: SpatialRanks { .every }

    /// The positions computed (the input, padded to whole windows) and how many each attends to.
    private func extent(_ input: LayerInput) throws(LayerFailure) -> (positions: Int, keys: Int) {
        let shape = input.shape
        let rank = shape.rank
        if let window {
            try window.check(rank: rank, what: "window", in: input)
            return try counting { () throws(Overflow) in
                var padded = 1
                for axis in 0..<rank {
                    let size = window[axis]
                    let windows = try checkedAdd(shape[axis], size - 1) / size
                    padded = try checkedMultiply(padded, try checkedMultiply(windows, size))
                }
                return (padded, try window.volume(rank: rank))
            }
        }
        let positions = try counting { () throws(Overflow) in try shape.spatialVolume() }
        if let patch {
            try patch.check(rank: rank, what: "patch", in: input)
            for axis in 0..<rank where shape[axis] % patch[axis] != 0 {
                throw .invalid("\(input.name)'s \(patch.text) patches do not tile its \(shape.fullText) input",
                               hint: "each spatial size must be a multiple of the patch (MobileViT resizes the map; netcalc does not)")
            }
            return (positions, positions / (try counting { () throws(Overflow) in try patch.volume(rank: rank) }))
        }
        return (positions, positions)
    }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        let channels = input.shape.depth
        guard channels % heads == 0 else {
            throw .invalid("\(input.name)'s \(heads) heads do not divide its \(channels) channels",
                           hint: "each head takes C/h channels; heads that divide \(channels): "
                               + divisors(of: channels, and: channels).map(String.init).joined(separator: ", "))
        }
        let (positions, keys) = try extent(input)
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.weights = try checkedProduct(4, channels, channels)
            if relativeBias, let window {
                var table = heads
                for axis in 0..<input.shape.rank { table = try checkedMultiply(table, try checkedSubtract(try checkedMultiply(2, window[axis]), 1)) }
                effect.weights = try checkedAdd(effect.weights, table)
            }
            effect.biases = hasBias ? try checkedMultiply(4, channels) : 0
            let projections = try checkedProduct(4, positions, channels, channels)
            let scores = try checkedProduct(2, positions, keys, channels)
            effect.macs = try checkedAdd(projections, scores)
            effect.heldActivations = try checkedProduct(heads, positions, keys)
            if let window {
                // A position sees its window: the field grows by (w - 1) steps on each axis.
                effect.receptiveField = try Sizes(rank: input.shape.rank) { (axis: Int) throws(Overflow) -> Int in
                    try checkedAdd(input.receptiveField[axis], try checkedMultiply(window[axis] - 1, input.jump[axis]))
                }
            } else {
                effect.receptiveField = try wholeInputReceptiveField(input)
            }
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        let c = input.depth
        let positions = (try? input.spatialVolume()) ?? 0
        var keys = positions
        var computed = positions
        var attends = "every token attends to all L = \(positions) tokens"
        var extra: [String] = []
        if let window {
            let rank = input.rank
            keys = (try? window.volume(rank: rank)) ?? 0
            computed = row.heldActivations / max(1, heads * max(1, keys))
            attends = "each position attends to its \(window.along(rank).map(String.init).joined(separator: "x")) window, N = \(keys) positions"
                + (shift > 0 ? ", the windows shifted by \(shift) (no count changes)" : "")
            if computed != positions {
                extra.append("the input is padded to whole windows: L = \(computed) positions computed, \(positions) kept")
            }
        } else if let patch {
            keys = positions / max(1, (try? patch.volume(rank: input.rank)) ?? 1)
            attends = "each position attends to the N = \(keys) at the same place of every \(patch.along(input.rank).map(String.init).joined(separator: "x")) patch (MobileViT)"
        }
        // The relative position bias: (2w-1) offsets per window axis, a value for each per head.
        let offsets = window.map { window in (0..<input.rank).map { "\(2 * window[$0] - 1)" }.joined(separator: "*") } ?? ""
        let tableFormula = relativeBias ? " + (2w-1)^\(input.rank)*h" : ""
        let tableNumbers = relativeBias ? " + \(offsets)*\(heads)" : ""
        let biasFormula = row.biases > 0 ? " + 4*C" : ""
        let biasNumbers = row.biases > 0 ? " + 4*\(c)" : ""
        return LayerExplanation(
            shape: "\(attends), \(heads) heads of C/h = \(c / max(1, heads)) channels: shape kept, \(row.output.fullText)",
            weights: "weights = 4*C^2 (Q, K, V and the output projection)\(relativeBias ? " + (2w-1)^\(input.rank)*h (the relative position bias)" : "") = 4*\(c)^2\(tableNumbers) = \(formatCount(row.weights))",
            params: "params = 4*C^2\(tableFormula)\(biasFormula) = 4*\(c)^2\(tableNumbers)\(biasNumbers) = \(formatCount(row.params))\(row.biases > 0 ? "" : " (no bias)")",
            macs: "MACs = 4*L*C^2 (projections) + 2*L*N*C (Q*K^T and its use on V) = 4*\(computed)*\(c)^2 + 2*\(computed)*\(keys)*\(c) = \(formatCount(row.macs))",
            receptiveField: window == nil ? wholeInputReceptiveFieldFormula(explained)
                : "rf = rf1 + (w - 1)*jump1 = \(explained.inputReceptiveField.width) + (\(window?.width ?? 1) - 1)*\(explained.inputJump.width) = \(row.receptiveField.text): a position sees its window",
            extra: extra + ["attention map = h*L*N = \(heads)*\(computed)*\(keys) = \(formatCount(row.heldActivations)) values per image, held besides the output"])
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        let rank = context.row.input.rank
        if let window {
            var call = PyCall("WindowAttention", .value(context.channels), .value(context.count("h", heads)),
                              .tuple(window.along(rank).reversed().map { .value(.literal($0)) }))
            if shift > 0 { call.add("shift", .value(.literal(shift))) }
            if relativeBias { call.add("relative_bias", .bool(true)) }
            if !hasBias { call.add("bias", .bool(false)) }
            return PyTorchModule(call, helpers: [Self.windowHelper])
        }
        if let patch {
            var call = PyCall("PatchAttention", .value(context.channels), .value(context.count("h", heads)),
                              .tuple(patch.along(rank).reversed().map { .value(.literal($0)) }))
            if !hasBias { call.add("bias", .bool(false)) }
            return PyTorchModule(call, helpers: [Self.patchHelper])
        }
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

    /// Swin's attention within windows, for a (N, C, ...) tensor of any rank.
    static let windowHelper = PyTorchHelper(name: "WindowAttention", source: """
        class WindowAttention(nn.Module):
            \"\"\"Multi-head self-attention within windows of a (N, C, ...) tensor (Swin): the input padded at
            its end to whole windows, shifted (cyclically; the mask of the shifted windows is left out, which
            changes no count), with a learned relative position bias when asked.\"\"\"

            def __init__(self, channels, heads, window, shift=0, relative_bias=False, bias=True):
                super().__init__()
                self.heads, self.window, self.shift = heads, tuple(window), shift
                self.size = 1
                for w in self.window:
                    self.size *= w
                self.qkv = nn.Linear(channels, 3 * channels, bias=bias)
                self.proj = nn.Linear(channels, channels, bias=bias)
                self.table = None
                if relative_bias:
                    size = 1
                    for w in self.window:
                        size *= 2 * w - 1
                    self.table = nn.Parameter(torch.zeros(size, heads))
                    grid = torch.stack(torch.meshgrid(*[torch.arange(w) for w in self.window], indexing="ij")).flatten(1)
                    offsets = grid[:, :, None] - grid[:, None, :]
                    index = torch.zeros_like(offsets[0])
                    for axis, w in enumerate(self.window):
                        index = index * (2 * w - 1) + offsets[axis] + w - 1
                    self.register_buffer("index", index, persistent=False)

            def forward(self, x):
                n, c, *sizes = x.shape
                pads = []
                for size, w in zip(reversed(sizes), reversed(self.window)):
                    pads += [0, (w - size % w) % w]
                y = nn.functional.pad(x, pads)
                padded = list(y.shape[2:])
                shifts = [self.shift if w < s else 0 for w, s in zip(self.window, padded)]
                axes = list(range(2, y.dim()))
                y = torch.roll(y, [-s for s in shifts], axes)
                k = len(sizes)
                split = [n, c]
                for s, w in zip(padded, self.window):
                    split += [s // w, w]
                y = y.reshape(split).permute(0, *[2 + 2 * i for i in range(k)], *[3 + 2 * i for i in range(k)], 1)
                groups = list(y.shape[1:1 + k])
                tokens = y.reshape(-1, self.size, c)
                b, t, _ = tokens.shape
                q, kk, v = self.qkv(tokens).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
                scores = (q * (c // self.heads) ** -0.5) @ kk.transpose(-2, -1)
                if self.table is not None:
                    scores = scores + self.table[self.index].permute(2, 0, 1)
                out = self.proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c))
                out = out.reshape([n] + groups + list(self.window) + [c])
                order = [0, 2 * k + 1]
                for i in range(k):
                    order += [1 + i, 1 + k + i]
                out = out.permute(order).reshape([n, c] + padded)
                out = torch.roll(out, shifts, axes)
                return out[(slice(None), slice(None)) + tuple(slice(0, s) for s in sizes)]
        """)

    /// MobileViT's attention among the same place of every patch, for a (N, C, ...) tensor.
    static let patchHelper = PyTorchHelper(name: "PatchAttention", source: """
        class PatchAttention(nn.MultiheadAttention):
            \"\"\"Multi-head self-attention among the positions at the same place of every patch of a
            (N, C, ...) tensor (MobileViT's unfold, attention, fold).\"\"\"

            def __init__(self, channels, heads, patch, bias=True):
                super().__init__(channels, heads, bias=bias, batch_first=True)
                self.patch = tuple(patch)

            def forward(self, x):
                n, c, *sizes = x.shape
                k = len(sizes)
                split = [n, c]
                for s, p in zip(sizes, self.patch):
                    split += [s // p, p]
                y = x.reshape(split).permute(0, *[3 + 2 * i for i in range(k)], *[2 + 2 * i for i in range(k)], 1)
                inner = list(y.shape[1:1 + k])
                outer = list(y.shape[1 + k:1 + 2 * k])
                patches = 1
                for g in outer:
                    patches *= g
                tokens = y.reshape(-1, patches, c)
                out = super().forward(tokens, tokens, tokens, need_weights=False)[0]
                out = out.reshape([n] + inner + outer + [c])
                order = [0, 2 * k + 1]
                for i in range(k):
                    order += [1 + k + i, 1 + i]
                return out.permute(order).reshape(x.shape)
        """)
}

/// `TOKEN(i)`: token i of a sequence alone (a 1 x C sequence), as a transformer's head takes its
/// class token, `x[:, i]`.
struct TokenSelection: LayerOperation {
    static let definition = LayerDefinition(
        keyword: "TOKEN",
        schema: LayerSchema(parameters: [ParameterSpec(names: ["i", "index"], type: .offset, positional: true,
                                                       description: "token index (i)")], required: 1),
        usage: "TOKEN(i): token i of the sequence alone (TOKEN(0), the class token); e.g. TOKEN(0)",
        summary: "token i of the sequence alone, L x C -> C (ViT's class token before its head)",
        frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                   note: "PyTorch's x[:, i]; ONNX's Gather on the token axis")) { values throws(ArgumentProblem) in
            TokenSelection(index: values.count("i") ?? 0)
        }

    var index: Int

    var op: String { "token" }
    var grading: GradingTraits { .plain }
    /// A selection: a view; its backward makes a zero gradient of the whole input.
    var framework: FrameworkMemory { FrameworkMemory(kept: .nothing, output: .view) }
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

/// `PATCHMERGE`: Swin's patch merging without its norm and projection: each 2x2 neighbourhood's
/// channels side by side, W x H x C -> W/2 x H/2 x 4C (an odd size padded first, as torchvision's
/// PatchMerging does). Swin follows it with `LAYERNORM -> LINEAR(2*C, nobias)`.
struct PatchMerge: LayerOperation {
    static let definition = LayerDefinition(keyword: "PATCHMERGE", schema: .none,
                                            usage: "PATCHMERGE: each 2x2 neighbourhood's channels side by side, WxHxC -> (W/2)x(H/2)x4C (Swin's patch merging, before its LAYERNORM -> LINEAR(2*C,nobias))",
                                            summary: "Swin's patch merging: each 2x2 neighbourhood's channels side by side, C -> 4C",
                                            frameworks: FrameworkNames(pytorch: [], keras: [], caffe: [], onnx: [],
                                                                       note: "torchvision's PatchMerging is PATCHMERGE -> LAYERNORM -> LINEAR(2*C,nobias)")) { _ throws(ArgumentProblem) in
        PatchMerge()
    }

    var op: String { "patchmerge" }
    var grading: GradingTraits { .plain }
    /// Swin's merge: the four gathered neighbours (a copy of the input's values), the layer norm's output
    /// its linear layer keeps, and the norm's fp32 mean and inverse deviation per merged position.
    var framework: FrameworkMemory {
        FrameworkMemory(kept: .nothing, keptValues: ExtraValues(count: 2, unit: .inputValue, type: .activation),
                        statistics: ExtraValues(count: 2, unit: .position, type: .fp32))
    }
    var ranks: SpatialRanks { .images }

    func apply(to input: LayerInput) throws(LayerFailure) -> LayerEffect {
        var effect = LayerEffect(keeping: input)
        try counting { () throws(Overflow) in
            effect.output.width = try checkedAdd(input.shape.width, 1) / 2
            effect.output.height = try checkedAdd(input.shape.height, 1) / 2
            effect.output.depth = try checkedMultiply(input.shape.depth, 4)
            effect.receptiveField = try Sizes(rank: 2) { (axis: Int) throws(Overflow) -> Int in
                try checkedAdd(input.receptiveField[axis], input.jump[axis])
            }
            effect.jump = try Sizes(rank: 2) { (axis: Int) throws(Overflow) -> Int in try checkedMultiply(input.jump[axis], 2) }
        }
        return effect
    }

    func explain(_ explained: ExplainedRow) -> LayerExplanation {
        let row = explained.row
        let input = row.input
        return .parameterFree(row, shape: "each 2x2 neighbourhood's channels side by side: W2 = ceil(\(input.width)/2) = \(row.output.width), H2 = ceil(\(input.height)/2) = \(row.output.height), D2 = 4*\(input.depth) = \(row.output.depth) -> \(row.output.fullText)",
                              receptiveField: "rf = rf1 + jump1 = \(explained.inputReceptiveField.width) + \(explained.inputJump.width) = \(row.receptiveField.text); jump x2")
    }

    func pytorch(_ context: PyTorchContext) -> PyTorchModule {
        PyTorchModule(PyCall("PatchMerge"), helpers: [PyTorchHelper(name: "PatchMerge", source: """
            class PatchMerge(nn.Module):
                \"\"\"Swin's patch merging before its norm and projection: each 2x2 neighbourhood's channels
                side by side, (N, C, H, W) -> (N, 4C, H/2, W/2), an odd size padded first.\"\"\"

                def forward(self, x):
                    x = nn.functional.pad(x, (0, x.shape[3] % 2, 0, x.shape[2] % 2))
                    return torch.cat([x[:, :, 0::2, 0::2], x[:, :, 1::2, 0::2], x[:, :, 0::2, 1::2], x[:, :, 1::2, 1::2]], 1)
            """)], channels: context.channels * .literal(4))
    }
}
