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
        var values = dimensions.compactMap(\.literalValue)
        guard (1...4).contains(values.count) else {
            try fail("INPUT takes LxC (1-D), WxHxD (2-D), WxHxTxC (3-D) or a single N, not \(values.count) sizes", at: range,
                 hint: "a network has one to three spatial axes, then the channels")
        }
        if values.count == 1 { values = [1, 1, values[0]] }
        if let zero = values.first(where: { $0 < 1 }) {
            try fail("an input size must be at least 1, not \(zero)", at: range)
        }
        warnAboutOrder(values, at: range)
        var shape = Shape(spatial: Array(values.dropLast()), depth: values[values.count - 1])
        if let inputOverride { shape = inputOverride }
        return try add(GraphNode(.input(shape, text: cachedText(range)), range: range))
    }

    /// Warns where INPUT's sizes look written in another order than netcalc's: a square pair (an image
    /// without its channels, read as a sequence), or PyTorch's C,L / C,H,W / C,T,H,W. A warning never
    /// changes a number.
    private func warnAboutOrder(_ values: [Int], at range: SourceRange) {
        // Two sizes are a sequence (length x channels); a square pair is more likely an image without
        // its channels.
        if values.count == 2, values[0] == values[1], values[0] >= 8 {
            record(Diagnostic(.warning, "INPUT[\(values[0])x\(values[1])] reads as a 1-D sequence: length \(values[0]), \(values[1]) channels",
                              at: range, in: file,
                              hint: "two sizes are length x channels; for a \(values[0])x\(values[1]) image with one channel write INPUT[\(values[0])x\(values[1])x1]"))
        }
        // PyTorch's habit: C,H,W (INPUT[3x224x224], INPUT[3x480x640]) where netcalc reads W x H x D, at
        // any aspect ratio: netcalc's spelling of PyTorch's (C, H, W) is W x H x C.
        if values.count == 3, [1, 3, 4].contains(values[0]), values[1] >= 8, values[2] >= 8, values[2] / 4 >= values[0] {
            record(Diagnostic(.warning, "INPUT[\(values[0])x\(values[1])x\(values[2])] reads as \(values[0]) wide, \(values[1]) high and \(values[2]) deep",
                              at: range, in: file,
                              hint: "netcalc's order is width x height x depth, not PyTorch's C,H,W: INPUT[\(values[2])x\(values[1])x\(values[0])]"))
        }
        // The same habit in 1-D (C, L: INPUT[1x16000]) and 3-D (C, T, H, W: INPUT[3x16x112x112]).
        if values.count == 2, [1, 2, 3, 4].contains(values[0]), values[1] >= 64 {
            record(Diagnostic(.warning, "INPUT[\(values[0])x\(values[1])] reads as a sequence of length \(values[0]) with \(values[1]) channels",
                              at: range, in: file,
                              hint: "netcalc's order is length x channels, not PyTorch's C,L: INPUT[\(values[1])x\(values[0])]"))
        }
        if values.count == 4, [1, 3, 4].contains(values[0]), values[2] >= 8, values[3] >= 8, values[3] / 4 >= values[0] {
            record(Diagnostic(.warning, "INPUT[\(values.map(String.init).joined(separator: "x"))] reads as \(values[0]) wide, \(values[1]) high, \(values[2]) frames and \(values[3]) channels",
                              at: range, in: file,
                              hint: "netcalc's order is width x height x time x channels, not PyTorch's C,T,H,W: INPUT[\(values[3])x\(values[2])x\(values[1])x\(values[0])]"))
        }
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
        if resolved.layer.keyword == "CONV" { warnAboutConvolutionOrder(call, row: evaluation[made]) }
        return made
    }

    /// Warns where a convolution looks written in PyTorch's `Conv2d(in_channels, out_channels, kernel)`
    /// order: its first argument is the input's depth and its second looks like a channel count (even and
    /// 16 or more, or a power of two of 8 or more with a kernel after it). netcalc takes no
    /// `in_channels`: the input gives it. A warning never changes a number.
    private func warnAboutConvolutionOrder(_ call: LayerCall, row: LayerRow) {
        guard let convolution = row.operation as? Convolution, convolution.filters == row.input.depth,
              let arguments = call.arguments else { return }
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
        let rest = arguments.filter { $0.range.start != positional[0].range.start }.map { file.text(of: $0.range) }
        record(Diagnostic(.warning, "\(written) reads as \(convolution.filters) filters of \(kernel)x\(kernel), giving \(row.output.fullText): netcalc's CONV is CONV(K filters, F kernel, ...)",
                          at: call.range, in: file,
                          hint: "PyTorch's Conv2d(in_channels, out_channels, kernel_size) order? netcalc takes no in_channels (the input's depth, \(row.input.depth), gives it): write \(call.name)(\(rest.joined(separator: ",")))"))
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
                if case .notWhole(let axes, let depth) = failure, let call {
                    if checkMode, let answer = currentAnswer {
                        unfit = UnfitLayer(answerStart: answer.range.start, name: name, text: cachedText(call.range),
                                           input: input, depth: depth, axes: axes)
                        throw Stop()
                    }
                    reportNotWhole(name: name, axes: axes, call: call, input: input)
                    throw Stop()
                }
                try report(failure, name: name, at: keywordRange ?? range)
            }
        }
    }

    /// Records why a layer or merge cannot be applied, and stops the walk.
    private func report(_ failure: LayerFailure, name: String, at range: SourceRange) throws -> Never {
        switch failure {
        case .overflow:
            let failure = Evaluator.overflow(name)
            try fail(failure.message, at: range, hint: failure.hint)
        case .invalid(let message, let hint):
            try fail(message, at: range, hint: hint)
        case .notWhole:
            try fail("\(name) does not fit its input", at: range)
        }
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
