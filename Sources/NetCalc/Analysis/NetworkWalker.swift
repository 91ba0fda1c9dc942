/// The lowering of one spec network: walks its chain — INPUT, layers, repetitions, block uses with
/// their arguments, names, merges of branches — and hands each node it makes to the network's
/// evaluation (NetworkGraph.swift), which applies it and makes its row. What is the spec's own stays
/// here: expansion, block uses, named tensors, answers, and what a failure means (an error with a
/// caret, or in check mode the layer a student's answers stop at).

/// Lowers one network's chain to graph nodes, evaluated as they are made.
final class NetworkWalker {
    /// Thrown to stop walking a network after its error has been recorded.
    struct Stop: Error {}

    let file: SourceFile
    let blocks: [String: BlockDefinition]
    let settings: Settings
    /// A quiet walker records no diagnostics; it only learns whether the network fits.
    let quiet: Bool
    /// Replaces the network's INPUT size (to look for an input size that fits).
    var inputOverride: Shape?
    /// The order INPUT's sizes are written in (`--layout`).
    var inputLayout = ShapeLayout.whd
    /// How INPUT was read, when `--layout` named an order other than netcalc's own: the report's note.
    private(set) var inputReading: String?
    /// The most rows this walker may make.
    var rowBudget = Analyzer.maximumRows

    private(set) var diagnostics = DiagnosticList()
    /// Check mode: a strict-size failure at a layer with an answer stops the walk without an error.
    var checkMode = false
    /// Where the batch was set (`@batch on line 2`, `--batch`), for a message when it overflows.
    var batchOrigin: String?
    /// Evaluates each node met, making its row.
    private var evaluation: NetworkEvaluation
    /// The layer that stopped a check-mode walk, if one did.
    private(set) var unfit: UnfitLayer?
    /// Each answer's start offset and the row it answers (the last row its call made).
    private(set) var answerRows: [Int: Int] = [:]
    /// The answer written after the layer being applied.
    private var currentAnswer: AnswerSyntax?
    /// The rows made so far.
    var rows: [LayerRow] { evaluation.rows }
    /// Every block use, the network itself first.
    private(set) var blockInstances = [BlockInstance.network]
    /// The block use being walked, and how many uses of each block each use has made so far.
    private var currentBlock = 0
    private var blockUses: [Int: [String: Int]] = [:]
    /// The rows made before the walk stopped.
    var partialRows: [LayerRow] { rows }
    private var scopes: [[String: Int]] = [[:]]
    private var activeBlocks: [String] = []
    private var depth = 0
    private(set) var networkChain: Chain?
    private var textCache: [Int: String] = [:]
    /// Layers already resolved from calls with constant arguments, by the call's text.
    var resolvedLayers = ResolvedCalls()
    /// Tensors (the rows that made them) named with `as NAME`, by the block use they were named in
    /// (0: the network).
    private var namedTensors: [Int: [String: Int]] = [:]
    /// Rows one use of each block makes (nil: it depends on a parameter), worked out once.
    private var blockRowEstimates: [String: Int?] = [:]
    /// True until the first row of a merge's branch is made.
    private var branchStarts = false
    /// The calls already warned about, by where they start (a repeated call warns once).
    private var warnedCalls: Set<Int> = []
    /// True while an expression is evaluated only to estimate a size: its errors come later, if at all.
    private var silenced = false

    init(file: SourceFile, blocks: [String: BlockDefinition], settings: Settings, quiet: Bool) {
        self.file = file
        self.blocks = blocks
        self.settings = settings
        self.quiet = quiet
        evaluation = NetworkEvaluation(Evaluator(settings: settings))
    }

    /// The rows of the network, or nil after an error.
    func run(_ chain: Chain) -> [LayerRow]? {
        networkChain = chain
        var evaluator = Evaluator(settings: settings)
        evaluator.batchOrigin = batchOrigin
        let estimate = estimatedRows(chain, visiting: [])
        evaluation = NetworkEvaluation(evaluator, capacity: estimate.map { min($0, rowBudget) + 1 } ?? 0)
        do throws {
            _ = try walk(chain, from: nil)
            return rows
        } catch {
            return nil
        }
    }

    // MARK: Walking

    /// Lowers a chain reading `start` (nil before INPUT); returns the tensor it ends with.
    private func walk(_ chain: Chain, from start: Int?) throws -> Int? {
        var tensor = start
        for element in chain.elements {
            switch element {
            case .name(let name, let range):
                guard let current = tensor else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                if namedTensors[currentBlock]?[name] != nil {
                    try fail("the name '\(name)' is given twice", at: range, hint: "each named tensor needs its own name")
                }
                namedTensors[currentBlock, default: [:]][name] = current
            case .reference(let name, let range):
                guard tensor != nil else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                guard let named = namedTensors[currentBlock]?[name] else {
                    let known = (namedTensors[currentBlock] ?? [:]).keys.sorted()
                    try fail("no tensor is named '\(name)' before this", at: range,
                             hint: didYouMean(name, known) ?? "name a layer's output with `as \(name)` after it, then use @\(name)")
                }
                tensor = named
            case .input(let dimensions, let range, let answer):
                guard tensor == nil else {
                    try fail("INPUT can only start a network", at: range,
                         hint: "to start another network, begin a new line: name = INPUT[...]")
                }
                tensor = try input(dimensions, range: range)
                if let answer { answerRows[answer.range.start] = 0 }
            case .identity:
                guard tensor != nil else { try fail("a network must start with INPUT[WxHxD]", at: element.range) }
            case .layer(let call, let answer):
                guard let current = tensor else {
                    try fail("a network must start with INPUT[WxHxD]", at: call.range)
                }
                if let known = knownLayer(call) {  // the common case: no lookup by name
                    currentAnswer = answer
                    defer { currentAnswer = nil }
                    tensor = try compute(known, call: call, tensor: current)
                } else if let definition = LayerCatalog.definition(for: call.name) {
                    currentAnswer = answer
                    defer { currentAnswer = nil }
                    tensor = try apply(call, definition: definition, to: current)
                } else if let block = blocks[call.name] {
                    // A use that would pass the layer limit is an error here, before any expansion.
                    if let rows = estimatedBlockRows(block.name, visiting: Set(activeBlocks)), rows > rowBudget - evaluation.count {
                        try fail("\(call.name) expands to \(rows == Int.max ? "more than 2^63" : formatCount(rows)) layers, more than the \(formatCount(Analyzer.maximumRows)) netcalc analyzes in a network",
                                 at: call.nameRange, hint: "each use of \(call.name) makes \(rows == Int.max ? "more than 2^63" : formatCount(rows)) rows; check how its blocks use each other")
                    }
                    tensor = try expand(block, call: call, tensor: current)
                } else if LayerCatalog.isReserved(call.name) {
                    let word = call.name.uppercased()
                    try fail(word == "INPUT" ? "INPUT can only start a network" : "\(word) needs branches: \(word)(a | b)",
                         at: call.range, hint: word == "INPUT" ? "write INPUT[WxHxD] at the start of the chain" : nil)
                } else {
                    record(unknownLayerDiagnostic(call, file: file, blocks: blocks))
                    throw Stop()
                }
                // An answer grades the last row its call made (a block's output); the first expansion only.
                if let answer, answerRows[answer.range.start] == nil, evaluation.count > 0 {
                    answerRows[answer.range.start] = evaluation.count - 1
                }
            case .repetition(let inner, let countExpression, let range):
                guard let current = tensor else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                let count = try evaluate(countExpression)
                guard count >= 1 else {
                    try fail("a repetition needs a count of at least 1, not \(count)", at: countExpression.range,
                         hint: "to leave the layers out, delete the whole [ ... ]*\(count)")
                }
                if let perCopy = estimatedRows(inner, visiting: []) {
                    let (total, overflow) = perCopy.multipliedReportingOverflow(by: count)
                    if overflow || total > rowBudget - evaluation.count {
                        try fail("the network expands to more than \(formatCount(Analyzer.maximumRows)) layers",
                                 at: range, hint: overflow || total > Analyzer.maximumRows
                                     ? "this repetition alone makes \(overflow ? "more than 2^63" : formatCount(total)) layers; netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) per network"
                                     : "netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) layers per network")
                    }
                }
                var next = current
                for _ in 0..<count {
                    next = try walk(inner, from: next) ?? next
                }
                tensor = next
            case .merge(let kind, let branches, let keywordRange, let range, let answer):
                guard let current = tensor else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                tensor = try merge(kind, branches: branches, keywordRange: keywordRange, range: range, tensor: current)
                // An answer after a merge grades the merged row; the first expansion only.
                if let answer, answerRows[answer.range.start] == nil, evaluation.count > 0 {
                    answerRows[answer.range.start] = evaluation.count - 1
                }
            }
        }
        return tensor
    }

    private func input(_ dimensions: [Expression], range: SourceRange) throws -> Int {
        let written = dimensions.compactMap(\.literalValue)
        guard (1...4).contains(written.count) else {
            try fail("INPUT takes LxC (1-D), WxHxD (2-D), WxHxTxC (3-D) or a single N, not \(written.count) sizes", at: range,
                 hint: "a network has one to three spatial axes, then the channels")
        }
        if let zero = written.first(where: { $0 < 1 }) {
            try fail("an input size must be at least 1, not \(zero)", at: range)
        }
        let values = written.count == 1 ? [1, 1, written[0]] : inputLayout.netcalcOrder(written)
        warnAboutOrder(written, at: range)
        if inputLayout != .whd, written.count >= 2, inputReading == nil {
            inputReading = "INPUT[\(sizesText(written))] is read in --layout \(inputLayout.rawValue)'s order, "
                + "\(inputLayout.axisLetters(rank: written.count - 1)): \(describeSizes(values))"
        }
        var shape = Shape(spatial: Array(values.dropLast()), depth: values[values.count - 1])
        if let inputOverride { shape = inputOverride }
        return try add(GraphNode(.input(shape, text: cachedText(range)), range: range))
    }

    /// Sizes as an INPUT writes them: `3x480x640`.
    private func sizesText(_ sizes: [Int]) -> String {
        sizes.map(String.init).joined(separator: "x")
    }

    /// What sizes in netcalc's order mean: `640 wide, 480 high and 3 deep`.
    private func describeSizes(_ values: [Int]) -> String {
        switch values.count {
        case 2: return "a sequence of length \(values[0]) with \(values[1]) channel\(values[1] == 1 ? "" : "s")"
        case 3: return "\(values[0]) wide, \(values[1]) high and \(values[2]) deep"
        case 4: return "\(values[0]) wide, \(values[1]) high, \(values[2]) frames and \(values[3]) channels"
        default: return sizesText(values)
        }
    }

    /// Warns where INPUT's sizes look written in another order than the one they are read in (netcalc's
    /// own, or `--layout`'s): a square pair (an image without its channels, read as a sequence), the
    /// channels first (PyTorch's C,L / C,H,W / C,T,H,W) where they are read last, or last where
    /// `--layout chw` reads them first, at any aspect ratio. A warning never changes a number.
    private func warnAboutOrder(_ written: [Int], at range: SourceRange) {
        let layout = inputLayout
        // Two sizes are a sequence (length x channels); a square pair is more likely an image without
        // its channels.
        if written.count == 2, written[0] == written[1], written[0] >= 8 {
            let image = layout.array(Shape(spatial: [written[0], written[1]], depth: 1))
            record(Diagnostic(.warning, "INPUT[\(written[0])x\(written[1])] reads as a 1-D sequence: length \(written[0]), \(written[1]) channels",
                              at: range, in: file,
                              hint: "two sizes are \(layout.axisWords(rank: 1)); for a \(written[0])x\(written[1]) image with one channel write INPUT[\(sizesText(image))]"))
        }
        // The channels written at the other end from where the layout reads them: a small count (1 to
        // 4) there, large sizes (the spatial ones) at the other.
        let channelsFirst = layout == .chw
        let suspect = channelsFirst ? Array(written.reversed()) : written
        let looksSwapped: Bool
        switch suspect.count {
        case 2: looksSwapped = [1, 2, 3, 4].contains(suspect[0]) && suspect[1] >= 64
        case 3: looksSwapped = [1, 3, 4].contains(suspect[0]) && suspect[1] >= 8 && suspect[2] >= 8 && suspect[2] / 4 >= suspect[0]
        case 4: looksSwapped = [1, 3, 4].contains(suspect[0]) && suspect[2] >= 8 && suspect[3] >= 8 && suspect[3] / 4 >= suspect[0]
        default: looksSwapped = false
        }
        guard looksSwapped else { return }
        let rank = written.count - 1
        let read = layout.netcalcOrder(written)
        // What the user meant, in netcalc's order: PyTorch's order where the channels are read last,
        // netcalc's own (the default layout) where --layout chw reads them first.
        let meant = channelsFirst ? written : ShapeLayout.chw.netcalcOrder(written)
        let spelling = sizesText(layout.array(Shape(spatial: Array(meant.dropLast()), depth: meant[meant.count - 1])))
        let pytorch = ShapeLayout.chw.axisLetters(rank: rank).split(separator: " ").filter { $0 != "x" }.joined(separator: ",")
        let message = "INPUT[\(sizesText(written))] reads as \(describeSizes(read))"
        let hint: String
        switch layout {
        case .whd:
            hint = "netcalc's order is \(layout.axisWords(rank: rank)), not PyTorch's \(pytorch): INPUT[\(spelling)]"
        case .hwc:
            hint = "--layout hwc reads \(layout.axisWords(rank: rank)), not PyTorch's \(pytorch): INPUT[\(spelling)]"
        case .chw:
            hint = "--layout chw reads \(layout.axisWords(rank: rank)) (PyTorch's \(pytorch)); these sizes look written in netcalc's own \(ShapeLayout.whd.axisWords(rank: rank)): INPUT[\(spelling)], or leave out --layout chw"
        }
        record(Diagnostic(.warning, layout == .whd ? message : message + " under --layout \(layout.rawValue)", at: range, in: file, hint: hint))
    }

    private func expand(_ block: BlockDefinition, call: LayerCall, tensor: Int) throws -> Int {
        if activeBlocks.contains(block.name) {
            try fail("the block '\(block.name)' uses itself", at: call.nameRange,
                 hint: "blocks cannot be recursive: " + (activeBlocks + [block.name]).joined(separator: " -> "))
        }
        guard activeBlocks.count < Analyzer.maximumCallDepth else {
            try fail("blocks nest more than \(Analyzer.maximumCallDepth) deep", at: call.nameRange,
                     hint: "a block may use blocks that use blocks, \(Analyzer.maximumCallDepth) levels in all: "
                         + activeBlocks.prefix(3).joined(separator: " -> ") + " -> ...")
        }
        var scope: [String: Int] = [:]
        let arguments = call.arguments ?? []
        let parameterNames = block.parameters.map(\.name)
        var position = 0
        for argument in arguments {
            let name: String
            if let tag = argument.tag {
                guard parameterNames.contains(tag) else {
                    try fail("the block '\(block.name)' has no parameter '\(tag)'", at: argument.range,
                         hint: didYouMean(tag, parameterNames)
                             ?? (parameterNames.isEmpty ? "it takes no arguments"
                                 : "its parameters: \(parameterNames.joined(separator: ", "))"))
                }
                name = tag
            } else {
                guard position < parameterNames.count else {
                    try fail("the block '\(block.name)' takes \(parameterNames.count) argument\(parameterNames.count == 1 ? "" : "s"), not \(arguments.count)",
                         at: argument.range, hint: signature(block))
                }
                name = parameterNames[position]
                position += 1
            }
            guard scope[name] == nil else { try fail("\(name) is given twice", at: argument.range) }
            let expression: Expression
            switch argument.value {
            case .scalar(let value)?: expression = value
            case .word(let word)?: expression = .name(word, argument.valueRange)
            case nil: expression = .name(argument.flag ?? "", argument.range)
            case .size?, .decimal?:
                try fail("block arguments are whole numbers", at: argument.valueRange, hint: signature(block))
            }
            scope[name] = try evaluate(expression)
        }
        if let missing = parameterNames.first(where: { scope[$0] == nil }) {
            try fail("the block '\(block.name)' needs a value for \(missing)", at: call.range, hint: signature(block))
        }
        scopes.append(scope)
        activeBlocks.append(block.name)
        // The use becomes a block instance: `bottleneck#2`, the second bottleneck in its parent.
        let parent = currentBlock
        let ordinal = (blockUses[parent]?[block.name] ?? 0) + 1
        blockUses[parent, default: [:]][block.name] = ordinal
        let values = parameterNames.compactMap { scope[$0].map(String.init) }.joined(separator: ", ")
        blockInstances.append(BlockInstance(name: block.name, ordinal: ordinal, parent: parent,
                                            depth: blockInstances[parent].depth + 1,
                                            text: parameterNames.isEmpty ? block.name : "\(block.name)(\(values))"))
        currentBlock = blockInstances.count - 1
        defer {
            scopes.removeLast()
            activeBlocks.removeLast()
            currentBlock = parent
        }
        return try walk(block.body, from: tensor) ?? tensor
    }

    /// How many rows a chain makes, counted without walking it; nil when a count depends on a
    /// block parameter of another scope or a block is recursive.
    /// How many rows one use of a block makes, worked out once per block (its body means the same
    /// wherever it is used): linear in the blocks, where following every use would double with each
    /// block that uses the previous one twice. nil when a count needs a parameter's value.
    private func estimatedBlockRows(_ name: String, visiting: Set<String>) -> Int? {
        if let known = blockRowEstimates[name] { return known }
        guard !visiting.contains(name), visiting.count < Analyzer.maximumCallDepth, let body = blocks[name]?.body else {
            return nil
        }
        let estimate = estimatedRows(body, visiting: visiting.union([name]))
        blockRowEstimates[name] = estimate
        return estimate
    }

    private func estimatedRows(_ chain: Chain, visiting: Set<String>) -> Int? {
        var total = 0
        for element in chain.elements {
            var rows: Int
            switch element {
            case .input: rows = 1
            case .identity, .name, .reference: rows = 0
            case .layer(let call, _):
                if LayerCatalog.isReserved(call.name) || blocks[call.name] == nil {
                    rows = 1
                } else {
                    guard let inner = estimatedBlockRows(call.name, visiting: visiting) else { return nil }
                    rows = inner
                }
            case .repetition(let inner, let count, _):
                let times = visiting.isEmpty ? (try? quietEvaluate(count)) : count.literalValue
                guard let times, let perCopy = estimatedRows(inner, visiting: visiting) else { return nil }
                let (product, overflow) = perCopy.multipliedReportingOverflow(by: max(times, 0))
                rows = overflow ? Int.max : product
            case .merge(_, let branches, _, _, _):
                rows = 1
                for branch in branches {
                    guard let inner = estimatedRows(branch, visiting: visiting) else { return nil }
                    let (sum, overflow) = rows.addingReportingOverflow(inner)
                    rows = overflow ? Int.max : sum
                }
            }
            let (sum, overflow) = total.addingReportingOverflow(rows)
            total = overflow ? Int.max : sum
        }
        return total
    }

    /// Evaluates an expression in the current scope without reporting anything.
    private func quietEvaluate(_ expression: Expression) throws -> Int {
        silenced = true
        defer { silenced = false }
        return try evaluate(expression)
    }


    private func signature(_ block: BlockDefinition) -> String {
        block.parameters.isEmpty ? "use it as \(block.name)"
            : "use it as \(block.name)(\(block.parameters.map(\.name).joined(separator: ", ")))"
    }

    private func merge(_ kind: MergeKind, branches: [Chain], keywordRange: SourceRange, range: SourceRange,
                       tensor: Int) throws -> Int {
        depth += 1
        var outputs: [Int] = []
        var branchSizes: [Int] = []
        for branch in branches {
            let before = evaluation.count
            branchStarts = true
            outputs.append(try walk(branch, from: tensor) ?? tensor)
            branchSizes.append(evaluation.count - before)
        }
        branchStarts = false
        depth -= 1
        let keyword = kind.keyword
        let summary = zip(branches, branchSizes).map { branch, size -> String in
            var start = ""
            if case .reference(let name, _)? = branch.elements.first { start = "@\(name)" }
            let layers = "\(size) layer\(size == 1 ? "" : "s")"
            return size == 0 ? (start.isEmpty ? "ID" : start) : (start.isEmpty ? layers : "\(start) -> \(layers)")
        }.joined(separator: " | ")
        var node = GraphNode(.merge(kind, reading: outputs, text: "\(keyword)(\(summary))"), range: range)
        node.branchedFrom = tensor
        return try add(node, failingAt: keywordRange)
    }

    // MARK: Layers

    /// The layer a call already resolved to, when it names no parameter of the block being expanded
    /// (such a call means the same wherever it is written, and is resolved once).
    private func knownLayer(_ call: LayerCall) -> ResolvedLayer? {
        guard let resolved = resolvedLayers[call.textID] else { return nil }
        guard let scope = scopes.last, !scope.isEmpty else { return resolved }
        return call.mentions(Set(scope.keys)) ? nil : resolved
    }

    /// Resolves a call that `knownLayer` did not know, and applies it; a call whose arguments name no
    /// parameter means the same wherever it is expanded, so its resolution is kept for the next.
    private func apply(_ call: LayerCall, definition: LayerDefinition, to tensor: Int) throws -> Int {
        let parameters = scopes.last.map { Set($0.keys) } ?? []
        let constant = parameters.isEmpty || !call.mentions(parameters)
        let resolver = LayerResolver(file: file, evaluate: { [self] expression throws(DiagnosticList) in
            do throws {
                return try evaluate(expression)
            } catch {
                throw DiagnosticList()
            }
        }, isParameter: { [self] name in scopes.last?[name] != nil })
        let layer: Layer
        do throws(DiagnosticList) {
            layer = try resolver.resolve(call, definition: definition)
        } catch {
            for diagnostic in error.items { record(diagnostic) }
            throw Stop()
        }
        // In a block with parameters, the row shows the values the parameters had: CONV(128,3,s2,p1).
        let resolved = ResolvedLayer(layer, text: constant ? cachedText(call.range) : nil)
        if constant { resolvedLayers[call.textID] = resolved }
        return try compute(resolved, call: call, tensor: tensor)
    }

    /// Warns where PyTorch's `Linear` spelling meets an image: netcalc's LINEAR works on each position
    /// alone, where `nn.Linear` after a flatten, what the spelling suggests, is FC. Written LINEAR, in
    /// netcalc's own spelling, it is taken as meant. A warning never changes a number.
    private func warnAboutLinear(_ call: LayerCall, row: LayerRow) {
        guard call.name != "LINEAR", row.input.rank >= 2, let positions = try? row.input.spatialVolume(), positions > 1,
              warnedCalls.insert(call.range.start).inserted else { return }
        let written = file.text(of: call.range)
        record(Diagnostic(.warning, "\(written) is LINEAR: a dense layer applied to each of the \(row.input.spatial.map(String.init).joined(separator: "x")) positions alone, giving \(row.output.fullText)",
                          at: call.nameRange, in: file,
                          hint: "PyTorch's nn.Linear after a flatten is FC(\(row.output.depth)); write LINEAR in capitals to mean each position"))
    }

    /// Lowers a resolved layer reading `tensor` to a node, and evaluates it.
    @inline(__always)
    private func compute(_ resolved: ResolvedLayer, call: LayerCall, tensor: Int) throws -> Int {
        let made = try add(GraphNode(.layer(resolved, reading: tensor), range: call.range), call: call)
        if resolved.layer.keyword == "LINEAR" { warnAboutLinear(call, row: evaluation[made]) }
        // The kernel alone rules most convolutions out: the row is read only for the others.
        if resolved.layer.keyword == "CONV", let convolution = resolved.layer.operation as? Convolution,
           convolution.window.kernel.height == convolution.window.kernel.width,
           Convolution.looksLikeAChannelCount(convolution.window.kernel.width) {
            warnAboutConvolutionOrder(call, convolution, row: evaluation[made])
        }
        return made
    }

    /// Warns where a convolution looks written in PyTorch's `Conv2d(in_channels, out_channels, kernel)`
    /// order: its first argument is the input's depth and its second looks like a channel count (even and
    /// 16 or more, or a power of two of 8 or more with a kernel after it). netcalc takes no
    /// `in_channels`: the input gives it. A warning never changes a number.
    private func warnAboutConvolutionOrder(_ call: LayerCall, _ convolution: Convolution, row: LayerRow) {
        guard convolution.filters == row.input.depth, let arguments = call.arguments else { return }
        let positional = arguments.filter { $0.tag == nil && $0.value != nil }
        let kernel = convolution.window.kernel.width
        guard positional.count >= 2, convolution.window.kernel.height == kernel else { return }
        let powerOfTwo = kernel >= 8 && kernel & (kernel - 1) == 0
        // Channel counts are even; a large odd size (a 17x17 receptive-field lesson) is a kernel. A kernel
        // larger than the input fits only padded, which says it is meant as a kernel (unpadded, the layer
        // does not fit, an error).
        guard (kernel >= 16 && kernel % 2 == 0) || (powerOfTwo && positional.count >= 3),
              warnedCalls.insert(call.range.start).inserted else { return }
        let written = file.text(of: call.range)
        record(Diagnostic(.warning, "\(written) reads as \(convolution.filters) filters of \(kernel)x\(kernel), giving \(row.output.fullText): netcalc's CONV is CONV(K filters, F kernel, ...)",
                          at: call.range, in: file, hint: Convolution.pyTorchOrderHint(call, depth: row.input.depth, in: file)))
    }

    // MARK: Rows

    /// Hands a node to the evaluation, placed in the spec's structure (merge depth, block use, first row
    /// of a branch); a failure becomes the spec's error, or in check mode the layer that stops a
    /// student's answers. `call` is the layer's call; a merge's failure points at `failingAt`.
    @inline(__always)
    private func add(_ node: consuming GraphNode, call: LayerCall? = nil, failingAt keywordRange: SourceRange? = nil) throws -> Int {
        guard evaluation.count < rowBudget else {
            try fail("the network expands to more than \(formatCount(Analyzer.maximumRows)) layers", at: node.range,
                 hint: "netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) layers per network; check the repetition counts")
        }
        node.depth = depth
        node.block = currentBlock
        node.startsBranch = branchStarts
        branchStarts = false
        let range = node.range
        do throws(NodeFailure) {
            return try evaluation.add(consume node)
        } catch {
            switch error {
            case .counting(let failure):
                try fail(failure.message, at: range, hint: failure.hint)
            case .layer(let failure, let name, let input):
                // A convolution that does not fit, written with the input's depth first: PyTorch's order.
                let pyTorchOrder = call.flatMap { call -> String? in
                    guard LayerCatalog.definition(for: call.name)?.keyword == "CONV",
                          Convolution.looksWrittenInPyTorchOrder(call, depth: input.depth) else { return nil }
                    return Convolution.pyTorchOrderHint(call, depth: input.depth, in: file)
                }
                if case .notWhole(let axes, let depth) = failure, let call {
                    if checkMode, let answer = currentAnswer {
                        unfit = UnfitLayer(answerStart: answer.range.start, name: name, text: cachedText(call.range),
                                           input: input, depth: depth, axes: axes)
                        throw Stop()
                    }
                    reportNotWhole(name: name, axes: axes, call: call, input: input, firstHint: pyTorchOrder)
                    throw Stop()
                }
                try report(failure, name: name, at: keywordRange ?? range, firstHint: pyTorchOrder)
            }
        }
    }

    /// Records why a layer or merge cannot be applied, and stops the walk.
    /// `firstHint`, when given, comes before the failure's own (PyTorch's order, the likelier cause).
    private func report(_ failure: LayerFailure, name: String, at range: SourceRange, firstHint: String? = nil) throws -> Never {
        let (message, hint): (String, String?)
        switch failure {
        case .overflow:
            let failure = Evaluator.overflow(name)
            (message, hint) = (failure.message, failure.hint)
        case .invalid(let text, let advice):
            (message, hint) = (text, advice)
        case .notWhole:
            (message, hint) = ("\(name) does not fit its input", nil)
        }
        var diagnostic = Diagnostic(.error, message, at: range, in: file, hint: firstHint ?? hint)
        if firstHint != nil, let hint { diagnostic.hints.append(hint) }
        record(diagnostic)
        throw Stop()
    }

    /// The totals of a finished network; nil after an overflow (recorded).
    func totals(at range: SourceRange) -> Totals? {
        do throws(CountingFailure) {
            return try evaluation.totals()
        } catch {
            record(Diagnostic(.error, error.message, at: range, in: file, hint: error.hint))
            return nil
        }
    }

    // MARK: Expressions

    private func evaluate(_ expression: Expression) throws -> Int {
        switch expression {
        case .literal(let value, _):
            return value
        case .name(let name, let range):
            if let value = scopes.last?[name] { return value }
            let known = scopes.last.map { Array($0.keys).sorted() } ?? []
            try fail("unknown name '\(name)'", at: range,
                 hint: didYouMean(name, known) ?? (known.isEmpty ? "names in arguments stand for block parameters"
                     : "the parameters here: \(known.joined(separator: ", "))"))
        case .negate(let inner, let range):
            do { return try checkedSubtract(0, try evaluate(inner)) } catch is Overflow {
                try fail("the expression overflows 64 bits", at: range)
            }
        case .binary(let op, let lhs, let rhs, let range):
            let a = try evaluate(lhs)
            let b = try evaluate(rhs)
            do {
                switch op {
                case .add: return try checkedAdd(a, b)
                case .subtract: return try checkedSubtract(a, b)
                case .multiply: return try checkedMultiply(a, b)
                case .divide:
                    switch exactDivide(a, b) {
                    case .exact(let quotient): return quotient
                    case .byZero: try fail("division by zero", at: range)
                    case .overflow: try fail("the expression overflows 64 bits", at: range)
                    case .inexact:
                        try fail("\(a)/\(b) is not a whole number", at: range, hint: "division in arguments must be exact")
                    }
                }
            } catch is Overflow {
                try fail("the expression overflows 64 bits", at: range)
            }
        }
    }

    // MARK: Diagnostics

    private func cachedText(_ range: SourceRange) -> String {
        if let text = textCache[range.start] { return text }
        let text = file.text(of: range)
        textCache[range.start] = text
        return text
    }

    func record(_ diagnostic: Diagnostic) {
        if !quiet && !silenced { diagnostics.append(diagnostic) }
    }

    /// Records an error and stops the walk.
    private func fail(_ message: String, at range: SourceRange, hint: String? = nil) throws -> Never {
        record(Diagnostic(.error, message, at: range, in: file, hint: hint))
        throw Stop()
    }
}
