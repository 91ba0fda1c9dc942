/// Walks a parsed spec: applies directives, expands repetitions and blocks, applies every layer to
/// the volume flowing through it, and counts shapes, parameters, MACs, memory and receptive fields.

/// Analyzes every network of a spec file.
struct Analyzer {
    /// The most layers one network may expand to.
    static let maximumRows = 2_000_000
    /// How deeply block uses may nest.
    static let maximumCallDepth = 64

    let spec: SpecSyntax
    let overrides: SettingsOverride
    /// True when the parser already reported errors (a missing network is then no news).
    var syntaxErrors = false
    /// `netcalc check`: a layer that does not fit but carries an answer is graded, not an error.
    var checkMode = false

    init(spec: SpecSyntax, overrides: SettingsOverride, syntaxErrors: Bool = false, checkMode: Bool = false) {
        self.spec = spec
        self.overrides = overrides
        self.syntaxErrors = syntaxErrors
        self.checkMode = checkMode
    }

    /// The networks that analyzed cleanly, and every diagnostic.
    func analyze() -> (networks: [NetworkReport], diagnostics: DiagnosticList) {
        let file = spec.file
        var diagnostics = DiagnosticList()
        var blocks: [String: BlockDefinition] = [:]
        for statement in spec.statements {
            guard case .block(let block) = statement else { continue }
            if LayerKind.keywords[block.name.uppercased()] != nil || ["INPUT", "ID"].contains(block.name.uppercased()) {
                diagnostics.append(Diagnostic(.error, "'\(block.name)' is a layer keyword and cannot name a block",
                                              at: block.nameRange, in: file, hint: "choose another name"))
            } else if let earlier = blocks[block.name] {
                let (line, _) = file.location(of: earlier.nameRange.start)
                diagnostics.append(Diagnostic(.error, "the block '\(block.name)' is defined twice",
                                              at: block.nameRange, in: file,
                                              hint: "the first definition is on line \(line)"))
            } else {
                blocks[block.name] = block
            }
        }
        let checker = StaticChecker(file: file, blocks: blocks)
        diagnostics.append(contentsOf: checker.check(spec.statements))
        let resolved = checker.resolved

        var settings = Settings()
        var networks: [NetworkReport] = []
        var unnamedCount = 0
        var names: Set<String> = []
        let stem = fileStem(file.name)
        for statement in spec.statements {
            switch statement {
            case .directive(let name, let value, let nameRange, let valueRange):
                applyDirective(name, value, nameRange, valueRange, to: &settings, diagnostics: &diagnostics)
            case .network(let name, let nameRange, let chain, let total):
                var networkName = name ?? stem
                if name == nil {
                    unnamedCount += 1
                    if unnamedCount > 1 { networkName = "\(stem)-\(unnamedCount)" }
                }
                if names.contains(networkName), let nameRange {
                    diagnostics.append(Diagnostic(.error, "the network '\(networkName)' is defined twice",
                                                  at: nameRange, in: file))
                }
                names.insert(networkName)
                let effective = overrides.applied(to: settings)
                let walker = NetworkWalker(file: file, blocks: blocks, settings: effective, quiet: false)
                walker.checkMode = checkMode
                walker.resolvedLayers = resolved
                if let rows = walker.run(chain) {
                    if let totals = walker.totals(rows, at: nameRange ?? chain.range) {
                        networks.append(NetworkReport(name: networkName, file: file.name, settings: effective,
                                                      rows: rows, totals: totals, answerRows: walker.answerRows,
                                                      sourceRange: chain.range, totalAnswer: total))
                    }
                } else if let unfit = walker.unfit {
                    networks.append(NetworkReport(name: networkName, file: file.name, settings: effective,
                                                  rows: walker.partialRows, totals: Totals(),
                                                  answerRows: walker.answerRows, sourceRange: chain.range,
                                                  totalAnswer: total, unfit: unfit))
                }
                diagnostics.append(contentsOf: walker.diagnostics)
            case .block:
                break
            }
        }
        if syntaxErrors || diagnostics.hasErrors {
            // The errors already say what is wrong.
        } else if spec.statements.isEmpty {
            let lexicallyEmpty = file.bytes.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
            diagnostics.append(Diagnostic(
                .error, lexicallyEmpty ? "the spec is empty" : "the spec has no network", at: SourceRange(0, 0),
                in: file, hint: "a network starts with INPUT[WxHxD], e.g. INPUT[32x32x3] -> CONV(12,3,p1) -> FC(10)"))
        } else if networks.isEmpty, !spec.statements.contains(where: { if case .network = $0 { true } else { false } }) {
            diagnostics.append(Diagnostic(
                .error, "the spec defines blocks but no network", at: SourceRange(0, 0), in: file,
                hint: "a network is a chain that starts with INPUT[WxHxD]"))
        }
        return (networks, diagnostics)
    }

    private func applyDirective(_ name: String, _ value: String, _ nameRange: SourceRange, _ valueRange: SourceRange,
                                to settings: inout Settings, diagnostics: inout DiagnosticList) {
        let file = spec.file
        func bad(_ allowed: [String]) {
            diagnostics.append(Diagnostic(
                .error, "'\(value)' is not a value for @\(name)", at: valueRange, in: file,
                hint: didYouMean(value, allowed) ?? "@\(name) takes \(allowed.joined(separator: ", "))"))
        }
        switch name.lowercased() {
        case "rounding":
            guard let rounding = Rounding(rawValue: value.lowercased()) else { return bad(Rounding.allCases.map(\.rawValue)) }
            settings.rounding = rounding
        case "batch":
            guard let batch = Int(value), batch >= 1 else { return bad(["a whole number of at least 1"]) }
            settings.batch = batch
        case "dtype":
            guard let type = DataType(rawValue: value.lowercased()) else { return bad(DataType.allCases.map(\.rawValue)) }
            settings.dataType = type
        case "optimizer":
            guard let optimizer = Optimizer(rawValue: value.lowercased()) else {
                return bad(Optimizer.allCases.map(\.rawValue))
            }
            settings.optimizer = optimizer
        default:
            let known = ["rounding", "batch", "dtype", "optimizer"]
            diagnostics.append(Diagnostic(.error, "unknown directive @\(name)", at: nameRange, in: file,
                                          hint: didYouMean(name, known) ?? "directives: @rounding, @batch, @dtype, @optimizer"))
        }
    }
}

/// The file name without folders and extension: `specs/alexnet.net` -> `alexnet`.
func fileStem(_ path: String) -> String {
    if path.hasPrefix("<") { return path.trimmingCharacters(in: "<").trimmingCharacters(in: ">") }
    var name = Substring(path)
    if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
    if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = name[..<dot] }
    return name.isEmpty ? "network" : String(name)
}


/// Checks what can be checked without walking a network: that every name is a layer or a block, and
/// that layer calls with constant arguments are well formed — in networks and in every block, used or not.
final class StaticChecker {
    let file: SourceFile
    let blocks: [String: BlockDefinition]
    /// The layer calls with constant arguments it resolved, by where each starts: walkers reuse them.
    private(set) var resolved: [Int: ResolvedLayer] = [:]
    private var byText: [String: ResolvedLayer] = [:]

    init(file: SourceFile, blocks: [String: BlockDefinition]) {
        self.file = file
        self.blocks = blocks
    }

    /// The value of an expression without names, or nil when it overflows or divides inexactly.
    static func constant(_ expression: Expression) -> Int? {
        switch expression {
        case .literal(let value, _): return value
        case .name: return nil
        case .negate(let inner, _):
            return constant(inner).flatMap { try? checkedSubtract(0, $0) }
        case .binary(let op, let lhs, let rhs, _):
            guard let a = constant(lhs), let b = constant(rhs) else { return nil }
            switch op {
            case .add: return try? checkedAdd(a, b)
            case .subtract: return try? checkedSubtract(a, b)
            case .multiply: return try? checkedMultiply(a, b)
            case .divide: return b != 0 && a % b == 0 && !(a == Int.min && b == -1) ? a / b : nil
            }
        }
    }

    func check(_ statements: [Statement]) -> DiagnosticList {
        var diagnostics = DiagnosticList()
        for statement in statements {
            switch statement {
            case .network(_, _, let chain, _): check(chain, parameters: [], into: &diagnostics)
            case .block(let block): check(block.body, parameters: Set(block.parameters.map(\.name)), into: &diagnostics)
            case .directive: break
            }
        }
        return diagnostics
    }

    private func check(_ chain: Chain, parameters: Set<String>, into diagnostics: inout DiagnosticList) {
        for element in chain.elements {
            switch element {
            case .layer(let call, _):
                if let kind = LayerKind.keywords[call.name.uppercased()] {
                    guard !call.mentions(parameters), ![.input, .add, .concat, .mul].contains(kind) else { continue }
                    // Arguments are constant here; any that cannot be worked out (an overflow, an inexact
                    // division) is left for the walk, which reports it where it is used.
                    let resolver = LayerResolver(file: file, evaluate: { expression throws(DiagnosticList) in
                        guard let value = Self.constant(expression) else { throw DiagnosticList() }
                        return value
                    }, isParameter: { _ in false })
                    // The same text means the same layer: a written-out chain repeats its few calls.
                    let text = file.text(of: call.range)
                    if let same = byText[text] {
                        resolved[call.range.start] = same
                        continue
                    }
                    do throws(DiagnosticList) {
                        let layer = ResolvedLayer(try resolver.resolve(call, kind: kind), text: text)
                        resolved[call.range.start] = layer
                        byText[text] = layer
                    } catch {
                        diagnostics.append(contentsOf: error)
                    }
                } else if blocks[call.name] == nil {
                    diagnostics.append(unknownLayerDiagnostic(call, file: file, blocks: blocks))
                }
            case .repetition(let inner, _, _):
                check(inner, parameters: parameters, into: &diagnostics)
            case .merge(_, let branches, _, _):
                for branch in branches { check(branch, parameters: parameters, into: &diagnostics) }
            case .input, .identity:
                break
            }
        }
    }
}

/// The error for a name that is neither a layer keyword nor a block.
func unknownLayerDiagnostic(_ call: LayerCall, file: SourceFile, blocks: [String: BlockDefinition]) -> Diagnostic {
    let candidates = Array(LayerKind.keywords.keys).sorted() + blocks.keys.sorted()
    return Diagnostic(.error, "unknown layer or block '\(call.name)'", at: call.nameRange, in: file,
                      hint: didYouMean(call.name, candidates)
                          ?? "layers: CONV, DWCONV, POOL, AVGPOOL, GAP, FC, FLATTEN, BN, NORM, RELU, ...; or define it: \(call.name) = ...")
}

/// Walks one network's chain, building its rows.
final class NetworkWalker {
    /// What flows along a chain: the volume, where it came from, and its receptive field.
    struct Flow {
        var shape: Shape
        var receptiveField: Pair
        var jump: Pair
        /// The row that produced it.
        var producer: Int
    }

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
    /// The layer that stopped a check-mode walk, if one did.
    private(set) var unfit: UnfitLayer?
    /// Each answer's start offset and the row it answers (the last row its call made).
    private(set) var answerRows: [Int: Int] = [:]
    /// The answer written after the layer being applied.
    private var currentAnswer: AnswerSyntax?
    private var rows: [LayerRow] = []
    /// The rows made before the walk stopped.
    var partialRows: [LayerRow] { rows }
    private var counters: [String: Int] = [:]
    private var scopes: [[String: Int]] = [[:]]
    private var activeBlocks: [String] = []
    private var depth = 0
    private var networkChain: Chain?
    private var textCache: [Int: String] = [:]
    /// Layers already resolved from calls with constant arguments, by where the call starts.
    var resolvedLayers: [Int: ResolvedLayer] = [:]
    /// True until the first row of a merge's branch is made.
    private var branchStarts = false
    /// True while an expression is evaluated only to estimate a size: its errors come later, if at all.
    private var silenced = false

    init(file: SourceFile, blocks: [String: BlockDefinition], settings: Settings, quiet: Bool) {
        self.file = file
        self.blocks = blocks
        self.settings = settings
        self.quiet = quiet
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
                if let kind = LayerKind.keywords[call.name.uppercased()], ![.input, .add, .concat, .mul].contains(kind) {
                    currentAnswer = answer
                    defer { currentAnswer = nil }
                    flow = try apply(call, kind: kind, to: current)
                } else if let block = blocks[call.name] {
                    flow = try expand(block, call: call, flow: current)
                } else if LayerKind.keywords[call.name.uppercased()] != nil {
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
        guard values.count == 1 || values.count == 3 else {
            try fail("INPUT takes WxHxD or a single N, not \(values.count) sizes", at: range,
                 hint: values.count == 2 ? "for one channel write INPUT[\(values[0])x\(values[1])x1]" : nil)
        }
        if values.count == 1 { values = [1, 1, values[0]] }
        if let zero = values.first(where: { $0 < 1 }) {
            try fail("an input size must be at least 1, not \(zero)", at: range)
        }
        var shape = Shape(width: values[0], height: values[1], depth: values[2])
        if let inputOverride { shape = inputOverride }
        var row = LayerRow(index: 0, name: "INPUT", kind: .input, text: cachedText(range), output: shape, range: range)
        try finish(&row, at: range)
        return Flow(shape: shape, receptiveField: Pair(square: 1), jump: Pair(square: 1), producer: row.index)
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
        defer {
            scopes.removeLast()
            activeBlocks.removeLast()
        }
        return try walk(block.body, flow: flow) ?? flow
    }

    /// How many rows a chain makes, counted without walking it; nil when a count depends on a
    /// block parameter of another scope or a block is recursive.
    private func estimatedRows(_ chain: Chain, visiting: Set<String>) -> Int? {
        var total = 0
        for element in chain.elements {
            var rows: Int
            switch element {
            case .input: rows = 1
            case .identity: rows = 0
            case .layer(let call, _):
                if LayerKind.keywords[call.name.uppercased()] != nil || blocks[call.name] == nil {
                    rows = 1
                } else {
                    guard !visiting.contains(call.name), visiting.count < Analyzer.maximumCallDepth,
                          let body = blocks[call.name]?.body,
                          let inner = estimatedRows(body, visiting: visiting.union([call.name])) else { return nil }
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

    /// `CONV3`; a keyword that ends in a digit takes a separator, so the sixth RELU6 is `RELU6_6`.
    private func rowName(_ keyword: String, _ count: Int) -> String {
        keyword.last?.isNumber == true ? "\(keyword)_\(count)" : "\(keyword)\(count)"
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
        let keyword = kind.rawValue.uppercased()
        let summary = branchSizes.map { $0 == 0 ? "ID" : "\($0) layer\($0 == 1 ? "" : "s")" }.joined(separator: " | ")
        let shapes = outputs.map(\.shape)
        let listed = shapes.enumerated().map { "\($0.element.fullText) (branch \($0.offset + 1))" }.joined(separator: ", ")
        var output = shapes[0]
        switch kind {
        case .add:
            if shapes.contains(where: { $0 != shapes[0] }) {
                try fail("ADD needs branches of equal shape, but they give \(listed)", at: keywordRange,
                     hint: "a projection such as CONV(K,1,sS) on the shorter path makes the shapes agree")
            }
        case .concat:
            if shapes.contains(where: { $0.width != shapes[0].width || $0.height != shapes[0].height }) {
                try fail("CONCAT needs branches of equal width and height, but they give \(listed)", at: keywordRange,
                     hint: "CONCAT stacks volumes along the depth; W and H must agree")
            }
            var total = 0
            for shape in shapes {
                guard let sum = try? checkedAdd(total, shape.depth) else { try overflow(upcomingName(keyword), at: range) }
                total = sum
            }
            output.depth = total
        case .mul:
            guard shapes.count == 2 else {
                try fail("MUL takes two branches, not \(shapes.count)", at: keywordRange)
            }
            let (a, b) = (shapes[0], shapes[1])
            let broadcastsA = a.width == 1 && a.height == 1 && a.depth == b.depth
            let broadcastsB = b.width == 1 && b.height == 1 && b.depth == a.depth
            guard a == b || broadcastsA || broadcastsB else {
                try fail("MUL needs equal shapes or a 1x1xD branch, but they give \(listed)", at: keywordRange,
                     hint: "a 1x1xD branch (channel weights) scales each channel of the other")
            }
            output = broadcastsA ? b : a
        }
        var row = LayerRow(index: 0, name: "", kind: LayerKind(rawValue: kind.rawValue) ?? .add,
                           text: "\(keyword)(\(summary))",
                           output: output, range: range)
        row.inputs = outputs.map(\.producer)
        row.input = flow.shape
        row.receptiveField = Pair(outputs.map(\.receptiveField.width).max() ?? 1,
                                  outputs.map(\.receptiveField.height).max() ?? 1)
        // The jump is the step of the branches that keep the output's size (not a broadcast 1x1xD one).
        let spatial = outputs.filter { $0.shape.width == output.width && $0.shape.height == output.height }
        row.jump = Pair(spatial.map(\.jump.width).max() ?? 1, spatial.map(\.jump.height).max() ?? 1)
        try finish(&row, keyword: keyword, at: range)
        return Flow(shape: output, receptiveField: row.receptiveField, jump: row.jump, producer: row.index)
    }

    // MARK: Layers

    private func apply(_ call: LayerCall, kind: LayerKind, to flow: Flow) throws -> Flow {
        // A call whose arguments name nothing means the same wherever it is expanded: resolve it once.
        let parameters = scopes.last.map { Set($0.keys) } ?? []
        let constant = parameters.isEmpty || !call.mentions(parameters)
        if constant, let resolved = resolvedLayers[call.range.start] {
            do {
                return try compute(resolved, call: call, flow: flow)
            } catch is Overflow {
                try overflow(upcomingName(resolved.layer.keyword), at: call.range)
            }
        }
        let resolver = LayerResolver(file: file, evaluate: { [self] expression throws(DiagnosticList) in
            do throws {
                return try evaluate(expression)
            } catch {
                throw DiagnosticList()
            }
        }, isParameter: { [self] name in scopes.last?[name] != nil })
        let layer: Layer
        do throws(DiagnosticList) {
            layer = try resolver.resolve(call, kind: kind)
        } catch {
            for diagnostic in error.items { record(diagnostic) }
            throw Stop()
        }
        // In a block with parameters, the row shows the values the parameters had: CONV(128,3,s2,p1).
        let resolved = ResolvedLayer(layer, text: constant ? cachedText(call.range) : nil)
        if constant { resolvedLayers[call.range.start] = resolved }
        do {
            return try compute(resolved, call: call, flow: flow)
        } catch is Overflow {
            try overflow(upcomingName(layer.keyword), at: call.range)
        }
    }

    private func compute(_ resolved: ResolvedLayer, call: LayerCall, flow: Flow) throws -> Flow {
        let layer = resolved.layer
        let input = flow.shape
        // In a block with parameters, the row shows the values the parameters had: CONV(128,3,s2,p1).
        let text = resolved.text ?? layer.canonicalText
        var row = LayerRow(index: 0, name: "", kind: layer.kind, text: text, output: input, range: call.range)
        row.input = input
        row.resolved = resolved
        row.rounding = layer.rounding ?? settings.rounding
        row.firstInput = flow.producer
        row.receptiveField = flow.receptiveField
        row.jump = flow.jump
        do {
            switch layer.kind {
            case .conv, .dwconv:
                let groups = layer.kind == .dwconv ? input.depth : layer.groups
                let filters = layer.kind == .dwconv ? try checkedMultiply(input.depth, layer.multiplier) : layer.filters
                if input.depth % groups != 0 || filters % groups != 0 {
                    try fail("groups (\(groups)) must divide both the input depth (\(input.depth)) and the filters (\(filters))",
                         at: call.range, hint: divisorsHint(input.depth, filters))
                }
                let (width, height) = try window(layer, call: call, flow: flow)
                row.output = Shape(width: width, height: height, depth: filters)
                try growReceptiveField(&row, layer, flow: flow)
                let perFilter = try checkedProduct(layer.kernel.width, layer.kernel.height, input.depth / groups)
                row.weights = try checkedMultiply(perFilter, filters)
                row.biases = layer.hasBias ? filters : 0
                row.macs = try checkedProduct(width, height, filters, perFilter)
            case .deconv:
                let width = try transposedSize(input.width, layer.kernel.width, layer.stride.width, layer.padding, \.width)
                let height = try transposedSize(input.height, layer.kernel.height, layer.stride.height, layer.padding, \.height)
                guard width >= 1, height >= 1 else {
                    let pad: Int = if case .explicit(let p) = layer.padding { width < 1 ? p.width : p.height } else { 0 }
                    let (size, kernel, stride) = width < 1 ? (input.width, layer.kernel.width, layer.stride.width)
                        : (input.height, layer.kernel.height, layer.stride.height)
                    try fail("\(upcomingName(layer.keyword))'s output would be \(width)x\(height): (W-1)S - 2P + F = (\(size)-1)*\(stride) - 2*\(pad) + \(kernel) = \(min(width, height))",
                             at: call.range, hint: "a transposed convolution's padding crops its output; use less padding")
                }
                row.output = Shape(width: width, height: height, depth: layer.filters)
                let perInput = try checkedProduct(layer.kernel.width, layer.kernel.height, layer.filters)
                row.weights = try checkedMultiply(perInput, input.depth)
                row.biases = layer.hasBias ? layer.filters : 0
                row.macs = try checkedProduct(input.width, input.height, input.depth, perInput)
                // An output of a transposed conv sees at most ceil(F/S) inputs along an axis; its step
                // in input pixels shrinks by S (not below one pixel).
                row.receptiveField = Pair(
                    try checkedAdd(flow.receptiveField.width, try checkedMultiply(
                        ceilDivide(layer.kernel.width, layer.stride.width) - 1, flow.jump.width)),
                    try checkedAdd(flow.receptiveField.height, try checkedMultiply(
                        ceilDivide(layer.kernel.height, layer.stride.height) - 1, flow.jump.height)))
                row.jump = Pair(max(1, flow.jump.width / layer.stride.width),
                                max(1, flow.jump.height / layer.stride.height))
            case .maxpool, .avgpool:
                let (width, height) = try window(layer, call: call, flow: flow)
                row.output = Shape(width: width, height: height, depth: input.depth)
                try growReceptiveField(&row, layer, flow: flow)
            case .gap, .flatten, .fc:
                row.output = Shape(width: 1, height: 1, depth: layer.kind == .gap ? input.depth
                    : layer.kind == .fc ? layer.filters : try input.volume())
                if layer.kind == .fc {
                    row.weights = try checkedMultiply(try input.volume(), layer.filters)
                    row.biases = layer.hasBias ? layer.filters : 0
                    row.macs = row.weights
                }
                // A layer that sees its whole input has the input's whole extent as its window.
                row.receptiveField = Pair(
                    try checkedAdd(flow.receptiveField.width, try checkedMultiply(input.width - 1, flow.jump.width)),
                    try checkedAdd(flow.receptiveField.height, try checkedMultiply(input.height - 1, flow.jump.height)))
                // The output is 1x1, so no later window steps over it: the jump stays as it was.
            case .bn:
                row.weights = input.depth
                row.biases = input.depth
                row.nonTrainable = try checkedMultiply(2, input.depth)
            default:
                break  // elementwise: same shape, no parameters
            }
            try finish(&row, keyword: layer.keyword, at: call.range)
        } catch is Overflow {
            try overflow(upcomingName(layer.keyword), at: call.range)
        }
        return Flow(shape: row.output, receptiveField: row.receptiveField, jump: row.jump, producer: row.index)
    }

    /// `(W-1)S - 2P + F` for a transposed convolution along one axis.
    private func transposedSize(_ input: Int, _ kernel: Int, _ stride: Int, _ padding: Padding,
                                _ axis: KeyPath<Pair, Int>) throws -> Int {
        switch padding {
        case .same: return try checkedMultiply(input, stride)
        case .valid: return try checkedAdd(try checkedMultiply(input - 1, stride), kernel)
        case .explicit(let pad):
            return try checkedSubtract(try checkedAdd(try checkedMultiply(input - 1, stride), kernel),
                                       try checkedMultiply(2, pad[keyPath: axis]))
        }
    }

    /// Applies a sliding window along both axes, recording errors for settings that do not fit.
    private func window(_ layer: Layer, call: LayerCall, flow: Flow) throws -> (Int, Int) {
        let axes = layer.windowAxes(input: flow.shape)
        let rounding = layer.rounding ?? settings.rounding
        var outputs = (0, 0)
        do {
            for (index, axis) in axes.enumerated() {
                switch try axis.outcome(rounding) {
                case .output(let size):
                    if index == 0 { outputs.0 = size } else { outputs.1 = size }
                case .tooLarge(let padded, let effective):
                    let what = layer.kind == .maxpool || layer.kind == .avgpool ? "window" : "filter"
                    let extent = effective == axis.kernel ? "" : " (dilated to \(effective))"
                    try fail("\(upcomingName(layer.keyword))'s \(layer.kernel.width)x\(layer.kernel.height) \(what)\(extent) is larger than its padded input (\(padded) wide)",
                         at: call.range,
                         hint: "the input here is \(flow.shape.fullText); use a smaller filter, more padding, or p=same")
                case .notWhole:
                    if checkMode, let answer = currentAnswer {
                        unfit = UnfitLayer(answerStart: answer.range.start, name: upcomingName(layer.keyword),
                                           text: cachedText(call.range), input: flow.shape, layer: layer, axes: axes)
                        throw Stop()
                    }
                    reportNotWhole(layer, axes: axes, call: call, flow: flow)
                    throw Stop()
                }
            }
        } catch is Overflow {
            try overflow(upcomingName(layer.keyword), at: call.range)
        }
        return outputs
    }

    /// Grows the receptive field by a window: `rf + (Fe - 1) * jump`, and the jump by the stride.
    private func growReceptiveField(_ row: inout LayerRow, _ layer: Layer, flow: Flow) throws {
        let width = try checkedAdd(try checkedMultiply(layer.dilation.width, layer.kernel.width - 1), 1)
        let height = try checkedAdd(try checkedMultiply(layer.dilation.height, layer.kernel.height - 1), 1)
        row.receptiveField = Pair(
            try checkedAdd(flow.receptiveField.width, try checkedMultiply(width - 1, flow.jump.width)),
            try checkedAdd(flow.receptiveField.height, try checkedMultiply(height - 1, flow.jump.height)))
        row.jump = Pair(try checkedMultiply(flow.jump.width, layer.stride.width),
                        try checkedMultiply(flow.jump.height, layer.stride.height))
    }

    /// The strict-mode error: the arithmetic, and the nearest settings that fit.
    private func reportNotWhole(_ layer: Layer, axes: [WindowAxis], call: LayerCall, flow: Flow) {
        guard !quiet else { return }
        let failing = axes.indices.filter { (try? axes[$0].outcome(.strict)).map { if case .notWhole = $0 { true } else { false } } ?? false }
        let square = axes[0] == axes[1]
        func arithmetic(_ axis: WindowAxis) -> String {
            let effective = (try? axis.effectiveKernel()) ?? axis.kernel
            let span = axis.input + 2 * axis.padding - effective
            return "\(axis.formula) = \(WindowAxis.decimal(span: span, stride: axis.stride))"
        }
        var message = "\(upcomingName(layer.keyword)) does not fit its \(flow.shape.fullText) input: "
        if square {
            message += arithmetic(axes[failing[0]]) + " is not a whole number"
        } else {
            message += failing.map { ($0 == 0 ? "width " : "height ") + arithmetic(axes[$0]) }.joined(separator: ", ")
                + (failing.count == 1 ? " is not a whole number" : "; neither is a whole number")
        }
        var diagnostic = Diagnostic(.error, message, at: call.range, in: file)

        // Other settings of this layer that fit, with the output each gives.
        func output(_ changed: [WindowAxis]) -> String {
            let sizes = changed.map { axis -> Int in
                if case .output(let size)? = try? axis.outcome(.strict) { return size }
                if case .output(let size)? = try? axis.outcome(.floor) { return size }
                return 0
            }
            return "\(sizes[0])x\(sizes[1])"
        }
        func tag(_ letter: String, _ values: [Int]) -> String {
            values[0] == values[1] ? "\(letter)\(values[0])" : "\(letter)=\(values[0])x\(values[1])"
        }
        var suggestions: [String] = []
        if let inputSize = fittingInputSize(failingAxes: failing) {
            suggestions.append("INPUT[\(inputSize.fullText)]")
        }
        let paddingChoices = failing.map { axes[$0].fittingPaddings() }
        if paddingChoices.allSatisfy({ !$0.isEmpty }) {
            for choice in 0..<(paddingChoices.map(\.count).min() ?? 0) {
                var changed = axes
                for (slot, index) in failing.enumerated() { changed[index].padding = paddingChoices[slot][choice] }
                suggestions.append("\(tag("p", changed.map(\.padding))) (\(output(changed)))")
            }
        }
        let strideChoices = failing.map { index -> [Int] in
            let axis = axes[index]
            guard let padded = try? checkedAdd(axis.input, try checkedMultiply(2, axis.padding)),
                  let effective = try? axis.effectiveKernel() else { return [] }
            return axis.fittingStrides(span: padded - effective)
        }
        if strideChoices.allSatisfy({ !$0.isEmpty }) {
            for choice in 0..<(strideChoices.map(\.count).min() ?? 0) {
                var changed = axes
                for (slot, index) in failing.enumerated() { changed[index].stride = strideChoices[slot][choice] }
                suggestions.append("\(tag("s", changed.map(\.stride))) (\(output(changed)))")
            }
        }
        if !suggestions.isEmpty {
            diagnostic.hints.append("settings that fit: " + suggestions.joined(separator: ", "))
        }
        let floorSize = output(axes.map { var axis = $0; axis.mode = .explicit; return axis })
        let ceilSizes = axes.map { axis -> Int in
            if case .output(let size)? = try? axis.outcome(.ceil) { return size }
            return 0
        }
        diagnostic.hints.append("or round: --rounding floor gives \(floorSize) (PyTorch), ceil gives \(ceilSizes[0])x\(ceilSizes[1]) (Caffe pooling); a floor or ceil tag rounds this layer alone")
        record(diagnostic)
    }

    /// The input size nearest the network's that makes the whole network fit, if one is close.
    private func fittingInputSize(failingAxes: [Int]) -> Shape? {
        guard !quiet, let chain = networkChain, rows.count < 20_000, let original = rows.first?.output else { return nil }
        let square = original.width == original.height
        guard original.width < Int.max / 2, original.height < Int.max / 2 else { return nil }
        for distance in 1...32 {
            var found: [Shape] = []
            for delta in [-distance, distance] {
                var candidate = original
                if square || failingAxes.contains(0) { candidate.width += delta }
                if square || failingAxes.contains(1) { candidate.height += delta }
                guard candidate.width >= 1, candidate.height >= 1 else { continue }
                let trial = NetworkWalker(file: file, blocks: blocks, settings: settings, quiet: true)
                trial.inputOverride = candidate
                trial.rowBudget = 20_000
                if trial.run(chain) != nil { found.append(candidate) }
            }
            if let best = found.last { return best }  // prefer the larger of two equally near sizes
        }
        return nil
    }

    private func divisorsHint(_ depth: Int, _ filters: Int) -> String {
        var common: [Int] = []
        var candidate = 1
        while candidate <= min(depth, filters), common.count < 64 {
            if depth % candidate == 0, filters % candidate == 0 { common.append(candidate) }
            candidate += 1
        }
        return "groups that divide both: " + common.suffix(8).map(String.init).joined(separator: ", ")
    }

    // MARK: Rows

    /// Names, counts and stores a row; it must have its output, parameters and MACs set.
    private func finish(_ row: inout LayerRow, keyword: String = "INPUT", at range: SourceRange) throws {
        guard rows.count < rowBudget else {
            try fail("the network expands to more than \(formatCount(Analyzer.maximumRows)) layers", at: range,
                 hint: "netcalc analyzes up to \(formatCount(Analyzer.maximumRows)) layers per network; check the repetition counts")
        }
        row.index = rows.count
        row.depth = depth
        row.startsBranch = branchStarts
        branchStarts = false
        if row.kind != .input {
            let count = (counters[keyword] ?? 0) + 1
            counters[keyword] = count
            row.name = rowName(keyword, count)
        }
        do {
            row.activations = try row.output.volume()
            row.forwardBytes = try checkedProduct(row.activations, settings.batch, settings.dataType.bytes)
        } catch is Overflow {
            try overflow(row.kind == .input ? "INPUT" : row.name, at: range)
        }
        rows.append(row)
    }

    /// The totals of a finished network, DESIGN §2; nil after an overflow (recorded).
    func totals(_ rows: [LayerRow], at range: SourceRange) -> Totals? {
        var totals = Totals()
        totals.batch = settings.batch
        totals.bytesPerValue = settings.dataType.bytes
        do {
            var lastUse = Array(0..<rows.count)
            for row in rows {
                totals.weights = try checkedAdd(totals.weights, row.weights)
                totals.biases = try checkedAdd(totals.biases, row.biases)
                totals.nonTrainable = try checkedAdd(totals.nonTrainable, row.nonTrainable)
                totals.macs = try checkedAdd(totals.macs, row.macs)
                totals.activations = try checkedAdd(totals.activations, row.activations)
                totals.forwardBytes = try checkedAdd(totals.forwardBytes, row.forwardBytes)
                if row.firstInput >= 0 { lastUse[row.firstInput] = max(lastUse[row.firstInput], row.index) }
                for input in row.moreInputs { lastUse[input] = max(lastUse[input], row.index) }
            }
            totals.params = try checkedAdd(totals.weights, totals.biases)
            totals.backwardBytes = totals.forwardBytes
            totals.paramBytes = try checkedMultiply(totals.params, settings.dataType.bytes)
            totals.trainingParamBytes = try checkedMultiply(totals.paramBytes, settings.optimizer.copiesPerParameter)
            totals.trainingBytes = try checkedAdd(try checkedAdd(totals.forwardBytes, totals.backwardBytes),
                                                  totals.trainingParamBytes)
            // Inference peak: each output lives from its layer until the last layer that reads it.
            var change = Array(repeating: 0, count: rows.count + 1)
            for row in rows {
                change[row.index] += row.activations
                change[lastUse[row.index] + 1] -= row.activations
            }
            var live = 0
            var peak = 0
            for step in 0..<rows.count {
                live = try checkedAdd(live, change[step])
                if live > peak {
                    peak = live
                    totals.peakRow = step
                }
            }
            totals.peakLiveActivations = peak
            let peakBytes = try checkedProduct(peak, settings.batch, settings.dataType.bytes)
            totals.inferencePeakBytes = try checkedAdd(totals.paramBytes, peakBytes)
        } catch {
            record(Diagnostic(.error, "the network's totals overflow 64 bits", at: range, in: file,
                              hint: "a total past \(formatCount(Int.max)) cannot be counted exactly"))
            return nil
        }
        return totals
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
                    guard b != 0 else { try fail("division by zero", at: range) }
                    guard a % b == 0, !(a == Int.min && b == -1) else {
                        try fail("\(a)/\(b) is not a whole number", at: range,
                             hint: "division in arguments must be exact")
                    }
                    return a / b
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

    private func record(_ diagnostic: Diagnostic) {
        if !quiet && !silenced { diagnostics.append(diagnostic) }
    }

    /// Records an error and stops the walk.
    private func fail(_ message: String, at range: SourceRange, hint: String? = nil) throws -> Never {
        record(Diagnostic(.error, message, at: range, in: file, hint: hint))
        throw Stop()
    }

    /// Records that a layer's numbers overflow 64 bits, and stops the walk.
    private func overflow(_ layer: String, at range: SourceRange) throws -> Never {
        try fail("the numbers of \(layer) overflow 64 bits", at: range,
                 hint: "netcalc counts exactly in 64-bit integers (up to \(formatCount(Int.max))); check the sizes")
    }
}
