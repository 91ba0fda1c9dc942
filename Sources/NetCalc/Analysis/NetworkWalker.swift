/// Expansion of one network: walks its chain — INPUT, layers, repetitions, block uses with their
/// arguments, merges of branches — applying each layer to the volume flowing in and recording a row.

/// Walks one network's chain, building its rows.
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
    var batchOrigin: String? {
        get { evaluator.batchOrigin }
        set { evaluator.batchOrigin = newValue }
    }
    /// Applies each layer and merge met, making its row.
    private var evaluator: Evaluator
    /// The layer that stopped a check-mode walk, if one did.
    private(set) var unfit: UnfitLayer?
    /// Each answer's start offset and the row it answers (the last row its call made).
    private(set) var answerRows: [Int: Int] = [:]
    /// The answer written after the layer being applied.
    private var currentAnswer: AnswerSyntax?
    private(set) var rows: [LayerRow] = []
    /// Every block use, the network itself first.
    private(set) var blockInstances = [BlockInstance.network]
    /// The block use being walked, and how many uses of each block each use has made so far.
    private var currentBlock = 0
    private var blockUses: [Int: [String: Int]] = [:]
    /// The rows made before the walk stopped.
    var partialRows: [LayerRow] { rows }
    private var counters: [String: Int] = [:]
    private var scopes: [[String: Int]] = [[:]]
    private var activeBlocks: [String] = []
    private var depth = 0
    private(set) var networkChain: Chain?
    private var textCache: [Int: String] = [:]
    /// Layers already resolved from calls with constant arguments, by the call's text.
    var resolvedLayers = ResolvedCalls()
    /// Tensors named with `as NAME`, by the block use they were named in (0: the network).
    private var namedFlows: [Int: [String: Flow]] = [:]
    /// Rows one use of each block makes (nil: it depends on a parameter), worked out once.
    private var blockRowEstimates: [String: Int?] = [:]
    /// True until the first row of a merge's branch is made.
    private var branchStarts = false
    /// True while an expression is evaluated only to estimate a size: its errors come later, if at all.
    private var silenced = false

    init(file: SourceFile, blocks: [String: BlockDefinition], settings: Settings, quiet: Bool) {
        self.file = file
        self.blocks = blocks
        self.settings = settings
        self.quiet = quiet
        evaluator = Evaluator(settings: settings)
    }

    /// The rows of the network, or nil after an error.
    func run(_ chain: Chain) -> [LayerRow]? {
        networkChain = chain
        if let estimate = estimatedRows(chain, visiting: []) { rows.reserveCapacity(min(estimate, rowBudget) + 1) }
        do throws {
            _ = try walk(chain, flow: nil)
            return rows
        } catch {
            return nil
        }
    }

    // MARK: Walking

    private func walk(_ chain: Chain, flow start: Flow?) throws -> Flow? {
        var flow = start
        for element in chain.elements {
            switch element {
            case .name(let name, let range):
                guard let current = flow else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                if namedFlows[currentBlock]?[name] != nil {
                    try fail("the name '\(name)' is given twice", at: range, hint: "each named tensor needs its own name")
                }
                namedFlows[currentBlock, default: [:]][name] = current
            case .reference(let name, let range):
                guard flow != nil else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                guard let named = namedFlows[currentBlock]?[name] else {
                    let known = (namedFlows[currentBlock] ?? [:]).keys.sorted()
                    try fail("no tensor is named '\(name)' before this", at: range,
                             hint: didYouMean(name, known) ?? "name a layer's output with `as \(name)` after it, then use @\(name)")
                }
                flow = named
            case .input(let dimensions, let range, let answer):
                guard flow == nil else {
                    try fail("INPUT can only start a network", at: range,
                         hint: "to start another network, begin a new line: name = INPUT[...]")
                }
                flow = try input(dimensions, range: range)
                if let answer { answerRows[answer.range.start] = 0 }
            case .identity:
                guard flow != nil else { try fail("a network must start with INPUT[WxHxD]", at: element.range) }
            case .layer(let call, let answer):
                guard let current = flow else {
                    try fail("a network must start with INPUT[WxHxD]", at: call.range)
                }
                if let known = knownLayer(call) {  // the common case: no lookup by name
                    currentAnswer = answer
                    defer { currentAnswer = nil }
                    flow = try compute(known, call: call, flow: current)
                } else if let definition = LayerCatalog.definition(for: call.name) {
                    currentAnswer = answer
                    defer { currentAnswer = nil }
                    flow = try apply(call, definition: definition, to: current)
                } else if let block = blocks[call.name] {
                    // A use that would pass the layer limit is an error here, before any expansion.
                    if let rows = estimatedBlockRows(block.name, visiting: Set(activeBlocks)), rows > rowBudget - self.rows.count {
                        try fail("\(call.name) expands to \(rows == Int.max ? "more than 2^63" : formatCount(rows)) layers, more than the \(formatCount(Analyzer.maximumRows)) netcalc analyzes in a network",
                                 at: call.nameRange, hint: "each use of \(call.name) makes \(rows == Int.max ? "more than 2^63" : formatCount(rows)) rows; check how its blocks use each other")
                    }
                    flow = try expand(block, call: call, flow: current)
                } else if LayerCatalog.isReserved(call.name) {
                    let word = call.name.uppercased()
                    try fail(word == "INPUT" ? "INPUT can only start a network" : "\(word) needs branches: \(word)(a | b)",
                         at: call.range, hint: word == "INPUT" ? "write INPUT[WxHxD] at the start of the chain" : nil)
                } else {
                    record(unknownLayerDiagnostic(call, file: file, blocks: blocks))
                    throw Stop()
                }
                // An answer grades the last row its call made (a block's output); the first expansion only.
                if let answer, answerRows[answer.range.start] == nil, !rows.isEmpty {
                    answerRows[answer.range.start] = rows.count - 1
                }
            case .repetition(let inner, let countExpression, let range):
                guard let current = flow else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                let count = try evaluate(countExpression)
                guard count >= 1 else {
                    try fail("a repetition needs a count of at least 1, not \(count)", at: countExpression.range,
                         hint: "to leave the layers out, delete the whole [ ... ]*\(count)")
                }
                if let perCopy = estimatedRows(inner, visiting: []) {
                    let (total, overflow) = perCopy.multipliedReportingOverflow(by: count)
                    if overflow || total > rowBudget - rows.count {
                        try fail("the network expands to more than \(formatCount(Analyzer.maximumRows)) layers",
                                 at: range, hint: overflow || total > Analyzer.maximumRows
                                     ? "this repetition alone makes \(overflow ? "more than 2^63" : formatCount(total)) layers; netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) per network"
                                     : "netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) layers per network")
                    }
                }
                var next = current
                for _ in 0..<count {
                    next = try walk(inner, flow: next) ?? next
                }
                flow = next
            case .merge(let kind, let branches, let keywordRange, let range):
                guard let current = flow else { try fail("a network must start with INPUT[WxHxD]", at: range) }
                flow = try merge(kind, branches: branches, keywordRange: keywordRange, range: range, flow: current)
            }
        }
        return flow
    }

    private func input(_ dimensions: [Expression], range: SourceRange) throws -> Flow {
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
        var row = LayerRow(index: 0, name: "INPUT", role: .input, text: cachedText(range), output: shape, range: range)
        try finish(&row, at: range)
        return Flow(shape: shape, receptiveField: Sizes(square: 1), jump: Sizes(square: 1), producer: row.index)
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
        // PyTorch's habit: C,H,W (INPUT[3x224x224]) where netcalc reads W x H x D.
        if values.count == 3, [1, 3, 4].contains(values[0]), values[1] >= 8, values[2] >= 8, values[2] / 4 >= values[0], values[1] == values[2] {
            record(Diagnostic(.warning, "INPUT[\(values[0])x\(values[1])x\(values[2])] reads as \(values[0]) wide, \(values[1]) high and \(values[2]) deep",
                              at: range, in: file,
                              hint: "netcalc's order is width x height x depth, not PyTorch's C,H,W: INPUT[\(values[1])x\(values[2])x\(values[0])]"))
        }
        // The same habit in 1-D (C, L: INPUT[1x16000]) and 3-D (C, T, H, W: INPUT[3x16x112x112]).
        if values.count == 2, [1, 2, 3, 4].contains(values[0]), values[1] >= 64 {
            record(Diagnostic(.warning, "INPUT[\(values[0])x\(values[1])] reads as a sequence of length \(values[0]) with \(values[1]) channels",
                              at: range, in: file,
                              hint: "netcalc's order is length x channels, not PyTorch's C,L: INPUT[\(values[1])x\(values[0])]"))
        }
        if values.count == 4, [1, 3, 4].contains(values[0]), values[2] == values[3], values[3] >= 8, values[3] / 4 >= values[0] {
            record(Diagnostic(.warning, "INPUT[\(values.map(String.init).joined(separator: "x"))] reads as \(values[0]) wide, \(values[1]) high, \(values[2]) frames and \(values[3]) channels",
                              at: range, in: file,
                              hint: "netcalc's order is width x height x time x channels, not PyTorch's C,T,H,W: INPUT[\(values[3])x\(values[2])x\(values[1])x\(values[0])]"))
        }
    }

    private func expand(_ block: BlockDefinition, call: LayerCall, flow: Flow) throws -> Flow {
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
        return try walk(block.body, flow: flow) ?? flow
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
            case .merge(_, let branches, _, _):
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

    /// The name the next layer with this keyword will get: `CONV3`.
    private func upcomingName(_ keyword: String) -> String {
        rowName(keyword, (counters[keyword] ?? 0) + 1)
    }


    private func signature(_ block: BlockDefinition) -> String {
        block.parameters.isEmpty ? "use it as \(block.name)"
            : "use it as \(block.name)(\(block.parameters.map(\.name).joined(separator: ", ")))"
    }

    private func merge(_ kind: MergeKind, branches: [Chain], keywordRange: SourceRange, range: SourceRange,
                       flow: Flow) throws -> Flow {
        depth += 1
        var outputs: [Flow] = []
        var branchSizes: [Int] = []
        for branch in branches {
            let before = rows.count
            branchStarts = true
            outputs.append(try walk(branch, flow: flow) ?? flow)
            branchSizes.append(rows.count - before)
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
        var row: LayerRow
        do throws(LayerFailure) {
            row = try evaluator.merge(kind, of: outputs, text: "\(keyword)(\(summary))", range: range)
        } catch {
            try report(error, name: upcomingName(keyword), at: keywordRange)
        }
        row.input = flow.shape
        try finish(&row, keyword: keyword, at: range)
        return row.flow
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
    private func apply(_ call: LayerCall, definition: LayerDefinition, to flow: Flow) throws -> Flow {
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
        return try compute(resolved, call: call, flow: flow)
    }

    /// Applies a resolved layer to the flow and records its row.
    private func compute(_ resolved: ResolvedLayer, call: LayerCall, flow: Flow) throws -> Flow {
        // Read through the shared layer rather than copy it: this runs once per row.
        let keyword = resolved.layer.keyword
        let ordinal = (counters[keyword] ?? 0) + 1
        var row: LayerRow
        do throws(LayerFailure) {
            // In a block with parameters, the row shows the values the parameters had: CONV(128,3,s2,p1).
            row = try evaluator.apply(resolved, reading: flow, ordinal: ordinal, range: call.range)
        } catch {
            let name = rowName(keyword, ordinal)
            if case .notWhole(let axes, let depth) = error {
                if checkMode, let answer = currentAnswer {
                    unfit = UnfitLayer(answerStart: answer.range.start, name: name, text: cachedText(call.range),
                                       input: flow.shape, depth: depth, axes: axes)
                    throw Stop()
                }
                reportNotWhole(name: name, axes: axes, call: call, flow: flow)
                throw Stop()
            }
            try report(error, name: name, at: call.range)
        }
        try finish(&row, keyword: keyword, ordinal: ordinal, at: call.range)
        return row.flow
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

    // MARK: Rows

    /// Names, counts and stores a row; it must have its output, parameters and MACs set.
    /// `ordinal` is the row's number among rows of its keyword, when the caller has looked it up.
    private func finish(_ row: inout LayerRow, keyword: String = "INPUT", ordinal: Int? = nil,
                        at range: SourceRange) throws {
        guard rows.count < rowBudget else {
            try fail("the network expands to more than \(formatCount(Analyzer.maximumRows)) layers", at: range,
                 hint: "netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) layers per network; check the repetition counts")
        }
        row.index = rows.count
        row.depth = depth
        row.block = currentBlock
        row.startsBranch = branchStarts
        branchStarts = false
        if row.role != .input {
            let count = ordinal ?? (counters[keyword] ?? 0) + 1
            counters[keyword] = count
            row.name = rowName(keyword, count)
        }
        do throws(CountingFailure) {
            try evaluator.countMemory(&row)
        } catch {
            try fail(error.message, at: range, hint: error.hint)
        }
        rows.append(row)
    }

    /// The totals of a finished network; nil after an overflow (recorded).
    func totals(of rows: [LayerRow], at range: SourceRange) -> Totals? {
        do throws(CountingFailure) {
            return try evaluator.totals(of: rows)
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
