/// `--emit spec`: writes an analyzed network (an imported model's graph, or a spec's) as a spec that
/// analyzes to the same numbers. A fan-out whose paths meet again at one merge, reading nothing from
/// outside, becomes that merge's branches (`ID` for the path that skips); a merge text used more than
/// once becomes a block; consecutive repeats become `[...]*N`. A graph that does not nest (a tensor read
/// across branches, as DenseNet's exports concatenate every earlier feature map) is written wired by
/// name instead: each row in its order, `as tN` naming what a later row reads, `@tN` reading it. So is a
/// graph whose merges nest deeper than the language lets a spec nest them (`Parser.maximumNesting`): the
/// emitted spec always reads back, to the same numbers.

/// Writes networks as specs.
struct SpecEmitter {
    /// The spec text of every network that can be written, and an error for each that cannot.
    func render(_ networks: [NetworkReport]) -> (String, DiagnosticList) {
        var buffer = TextBuffer()
        let problems = render(networks, into: &buffer)
        return (buffer.string, problems)
    }

    /// Writes the spec text of every network that can be written into `buffer`, a line at a time;
    /// returns an error for each that cannot.
    func render(_ networks: [NetworkReport], into buffer: inout TextBuffer) -> DiagnosticList {
        var problems = DiagnosticList()
        for network in networks {
            do throws(NestingProblem) {
                try write(network, into: &buffer)
            } catch {
                problems.append(Diagnostic(.error, "\(network.file): \(error.message)", hint: error.hint))
            }
            if buffer.isClosed { break }
        }
        return problems
    }

    /// Why a graph cannot be written as nested branches.
    struct NestingProblem: Error {
        var message: String
        var hint: String? = "the spec language nests branches inside merges; this graph crosses them"
        /// True when the branches nest, but deeper than a spec may: they are not looked into further.
        var tooDeep = false
    }

    /// One network's spec, laid out as `netcalc fmt` lays it out: nested where its graph nests,
    /// else wired by name.
    private func write(_ network: NetworkReport, into buffer: inout TextBuffer) throws(NestingProblem) {
        let layout: NestedLayout
        do throws(NestingProblem) {
            layout = try nested(network)
        } catch {
            buffer.append(tidy(wired(network, because: error) + "\n", name: network.file))
            buffer.flushIfFull()
            return
        }
        if !layout.write(into: &buffer, name: network.file) {
            buffer.append(tidy(layout.text + "\n", name: network.file))
        }
        buffer.flushIfFull()
    }

    /// The header lines every emitted spec starts with: where it comes from and its settings.
    private func header(_ network: NetworkReport) -> [String] {
        let settings = network.settings
        var lines = ["# \(commentSafe(network.name)), written by netcalc --emit spec from \(commentSafe(network.file))."]
        for note in network.notes { lines.append("# " + commentSafe(note)) }
        if settings.rounding != .strict { lines.append("@rounding \(settings.rounding.rawValue)") }
        if settings.batch != 1 { lines.append("@batch \(settings.batch)") }
        return lines
    }

    /// The graph wired by name: every row in its order, each reading the row before it or, through
    /// `@tN`, the row named `tN`.
    private func wired(_ network: NetworkReport, because reason: NestingProblem) -> String {
        let rows = network.rows
        var named = Set<Int>()
        for row in rows.dropFirst() {
            for input in row.inputs where input != row.index - 1 { named.insert(input) }
        }
        func name(_ index: Int) -> String { "t\(index)" }
        var lines = header(network)
        lines.append(reason.tooDeep
            ? "# The graph's merges nest deeper than a spec's \(Parser.maximumNesting) levels, so its tensors are named."
            : "# The graph's branches cross (\(commentSafe(reason.message))), so its tensors are named.")
        var first = "\(identifierSafe(network.name)) = INPUT[\(network.input.fullText)]"
        if named.contains(0) { first += " as \(name(0))" }
        lines.append(first)
        for row in rows.dropFirst() {
            var text = ""
            switch row.role {
            case .merge(let kind):
                let branches = row.inputs.map { $0 == row.index - 1 ? "ID" : "@\(name($0))" }
                text = "\(kind.keyword)(\(branches.joined(separator: " | ")))"
            case .input, .layer, .block:
                if let input = row.inputs.first, input != row.index - 1 { text = "@\(name(input)) -> " }
                text += row.text
            }
            if named.contains(row.index) { text += " as \(name(row.index))" }
            lines.append("  -> \(text)  # \(commentSafe(row.name))")
        }
        return lines.joined(separator: "\n")
    }

    /// The graph as nested branches, or why it does not nest.
    private func nested(_ network: NetworkReport) throws(NestingProblem) -> NestedLayout {
        let graph = Graph(rows: network.rows)
        let sinks = network.rows.indices.filter { graph.consumers(of: $0).isEmpty }
        guard sinks.count == 1 else {
            throw NestingProblem(message: "the network '\(network.name)' has \(sinks.count) outputs ("
                                     + sinks.prefix(4).map { "'\(network.rows[$0].name)'" }.joined(separator: ", ")
                                     + "); a spec has one", hint: "netcalc writes networks with one output")
        }
        var elements = try graph.chain(from: 0, join: nil, level: 0).elements
        // Merge texts that repeat become blocks: ResNet's bottlenecks, Inception's modules.
        var counts: [String: Int] = [:]
        for text in elements.merges { counts[text, default: 0] += 1 }
        var blocks: [(name: String, body: String)] = []
        var blockNames: [String: String] = [:]
        for text in elements.merges where (counts[text] ?? 0) > 1 && blockNames[text] == nil {
            let name = "block\(blocks.count + 1)"
            blockNames[text] = name
            blocks.append((name, text))
        }
        elements.useBlocks(blockNames)
        var lines = header(network)
        for block in blocks { lines.append("\(block.name) = \(block.body)") }
        var name = identifierSafe(network.name)
        if blocks.contains(where: { $0.name == name }) { name += "_net" }
        lines.append("\(name) = INPUT[\(network.input.fullText)]")
        return NestedLayout(prelude: lines.joined(separator: "\n"), chain: CollapsedChain(elements: elements))
    }

    /// A name the language accepts as a network name: letters, digits and `_`.
    private func identifierSafe(_ name: String) -> String {
        var out = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        if out.isEmpty || out.first!.isNumber { out = "net_" + out }
        if LayerCatalog.isReserved(out) { out += "_net" }
        return out
    }

    /// Text for a `#` comment: one line, every invisible character (a line break too) shown `visible`.
    private func commentSafe(_ text: String) -> String {
        visible(text)
    }
}

/// The spec laid out as `netcalc fmt` lays it out (a branch per line where a merge is long); the text
/// as it is when it does not parse.
private func tidy(_ text: String, name: String) -> String {
    var parser = Parser(file: SourceFile(name: name, text: text))
    let syntax = parser.parse()
    guard !parser.diagnostics.hasErrors else { return text }
    return SpecFormatter(syntax: syntax, comments: parser.comments).format()
}

/// A nested network's spec before it is laid out: its header, blocks and `name = INPUT[...]` line,
/// then one `-> element  # comment` line per element of its chain.
///
/// `netcalc fmt` lays out such a spec a line at a time: the network's chain holds a comment before its
/// last line, so it is written an element per line, each element on its own (at column 5, holding no
/// comment) and its comment after it. So each line is laid out alone, an element text once however
/// often it comes, and written as it is made; a spec that is not of that form (a chain all on one
/// line, a text that does not parse alone) is laid out whole, as before.
private struct NestedLayout {
    /// One `-> body  # comment` line of the chain.
    struct Line {
        var body: String
        /// The whole comment, `# CONV1`; nil for a line without one.
        var comment: String?
    }

    /// Every line up to and including `name = INPUT[...]`.
    var prelude: String
    /// The lines, made as they are read (a network's chain may be millions long).
    var chain: CollapsedChain

    /// The text before it is laid out.
    var text: String {
        var out = prelude
        for line in chain { out += "\n  -> " + line.body + (line.comment.map { "  " + $0 } ?? "") }
        return out
    }

    /// Writes the spec laid out a line at a time; false (having written nothing) when it must be laid
    /// out whole.
    func write(into buffer: inout TextBuffer, name: String) -> Bool {
        // A chain with no comment before its last line may go on one line: only the whole can say.
        var commentBeforeLast = false
        var previousHasComment = false
        var laidOut: [String: String] = [:]
        for line in chain {
            if previousHasComment { commentBeforeLast = true }
            previousHasComment = line.comment != nil
            if let comment = line.comment {
                // A comment that would not be one whole comment when read back: laid out whole.
                guard !comment.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return false }
            }
            if laidOut[line.body] == nil {
                guard let element = Self.layOut(line.body, name: name) else { return false }
                laidOut[line.body] = element
            }
        }
        guard commentBeforeLast else { return false }
        var start = Parser(file: SourceFile(name: name, text: prelude + "\n"))
        let syntax = start.parse()
        guard !start.diagnostics.hasErrors, syntax.statements.count >= 1,
              case .network(_, _, let body, nil)? = syntax.statements.last, body.elements.count == 1 else { return false }
        buffer.append(SpecFormatter(syntax: syntax, comments: start.comments).format())
        for line in chain {
            buffer.append("  -> ")
            buffer.append(laidOut[line.body] ?? line.body)
            if let comment = line.comment {
                buffer.append("  ")
                buffer.append(Self.trimmed(comment))
            }
            buffer.append("\n")
            buffer.flushIfFull()
            if buffer.isClosed { return true }
        }
        return true
    }

    /// One element as `netcalc fmt` writes it after `  -> `; nil when it does not parse as one element
    /// without comments.
    private static func layOut(_ text: String, name: String) -> String? {
        var parser = Parser(file: SourceFile(name: name, text: "x = INPUT[1x1x1] -> " + text + "\n"))
        let syntax = parser.parse()
        guard !parser.diagnostics.hasErrors, parser.comments.isEmpty, syntax.statements.count == 1,
              case .network(_, _, let body, nil) = syntax.statements[0], body.elements.count == 2 else { return nil }
        switch body.elements[1] {
        case .name, .reference, .input: return nil
        case .identity, .layer, .repetition, .merge: break
        }
        return SpecFormatter(syntax: syntax, comments: []).chainElement(body.elements[1])
    }

    /// A comment as the formatter writes it: without trailing spaces and tabs.
    private static func trimmed(_ comment: String) -> String {
        var text = comment
        while text.hasSuffix(" ") || text.hasSuffix("\t") { text.removeLast() }
        return text
    }
}

/// The elements of an emitted chain, a layer call (a row's text, its name for a comment), a merge with
/// its branches, or a block use, held as numbers: a row's, or a merge text's in `merges`.
private struct ChainElements {
    let rows: [LayerRow]
    /// Each element: a row (>= 0), or -1 - the number of its text in `merges`. Rows number fewer
    /// than 2^31: more would not fit in memory.
    private(set) var items: [Int32] = []
    /// The merges' texts, in the order met.
    private(set) var merges: [String] = []
    /// What each merge is written as: its text, or the block's name that stands for it.
    private var shown: [String] = []
    /// True for a merge written as itself (not a block's name).
    private var isMerge: [Bool] = []

    init(rows: [LayerRow]) {
        self.rows = rows
    }

    var count: Int { items.count }

    /// Adds a layer row.
    mutating func append(row: Int) {
        items.append(Int32(truncatingIfNeeded: row))
    }

    /// Adds a merge with its branches.
    mutating func append(merge text: String) {
        merges.append(text)
        shown.append(text)
        isMerge.append(true)
        items.append(Int32(truncatingIfNeeded: -merges.count))
    }

    /// Writes each merge whose text is a block's body as the block's name.
    mutating func useBlocks(_ names: [String: String]) {
        for (number, text) in merges.enumerated() {
            guard let name = names[text] else { continue }
            shown[number] = name
            isMerge[number] = false
        }
    }

    /// An element's text.
    func text(_ index: Int) -> String {
        let item = Int(items[index])
        return item >= 0 ? rows[item].text : shown[-1 - item]
    }

    /// The comment an element's line carries: a row's name; nil for a merge or block.
    func comment(_ index: Int) -> String? {
        let item = Int(items[index])
        return item >= 0 ? rows[item].name : nil
    }

    /// True for a merge or a block use: what a repeat that collapses must hold.
    func isMergeOrBlock(_ index: Int) -> Bool {
        let item = Int(items[index])
        if item < 0, isMerge[-1 - item] { return true }
        let text = item >= 0 ? rows[item].text : shown[-1 - item]
        // A text whose first scalar is not `b` cannot start with the character `b`.
        return text.utf8.first == UInt8(ascii: "b") && text.hasPrefix("block")
    }

    /// True when two elements are written alike.
    func sameText(_ a: Int, _ b: Int) -> Bool {
        items[a] == items[b] || text(a) == text(b)
    }
}

/// The chain's lines, runs of the same one to four elements that hold a merge or a block collapsed to
/// `[a -> b]*N`, made one at a time each time they are read.
private struct CollapsedChain: Sequence {
    let elements: ChainElements
    /// True for each element that is a merge or a block use, worked out once.
    private let mergesOrBlocks: [Bool]

    init(elements: ChainElements) {
        self.elements = elements
        mergesOrBlocks = (0..<elements.count).map { elements.isMergeOrBlock($0) }
    }

    struct Iterator: IteratorProtocol {
        let chain: CollapsedChain
        var index = 0
        /// The first element at or after `index` that is a merge or a block use.
        var nextMergeOrBlock = 0

        mutating func next() -> NestedLayout.Line? {
            let elements = chain.elements
            guard index < elements.count else { return nil }
            while nextMergeOrBlock < elements.count,
                  nextMergeOrBlock < index || !chain.mergesOrBlocks[nextMergeOrBlock] {
                nextMergeOrBlock += 1
            }
            var best = (length: 1, count: 1)
            for length in 1...4 where index + 2 * length <= elements.count {
                guard nextMergeOrBlock < index + length else { continue }
                var count = 1
                while index + (count + 1) * length <= elements.count,
                      (0..<length).allSatisfy({ elements.sameText(index + count * length + $0, index + $0) }) {
                    count += 1
                }
                if count > 1, count * length > best.count * best.length { best = (length, count) }
            }
            if best.count > 1 {
                let text = (index..<index + best.length).map { elements.text($0) }.joined(separator: " -> ")
                index += best.length * best.count
                return NestedLayout.Line(body: "[\(text)]*\(best.count)", comment: nil)
            }
            let line = NestedLayout.Line(body: elements.text(index), comment: elements.comment(index).map { "# " + visible($0) })
            index += 1
            return line
        }
    }

    func makeIterator() -> Iterator { Iterator(chain: self) }
}

/// The rows as a graph: who reads whom.
private struct Graph {
    let rows: [LayerRow]
    /// Each row's readers, in row order, at `readerStart[row]..<readerStart[row + 1]` of `readers`
    /// (a row read twice by one reader listed twice). Reads number fewer than 2^31: more would not fit
    /// in memory.
    private let readerStart: [Int32]
    private let readers: [Int32]

    init(rows: [LayerRow]) {
        self.rows = rows
        // A row's inputs, as `LayerRow.inputs` lists them (none when it reads no first one).
        func forEachInput(_ row: LayerRow, _ body: (Int) -> Void) {
            guard row.firstInput >= 0 else { return }
            body(row.firstInput)
            for input in row.moreInputs { body(input) }
        }
        var start = [Int32](repeating: 0, count: rows.count + 1)
        for row in rows {
            forEachInput(row) { input in if input >= 0 && input < rows.count { start[input + 1] &+= 1 } }
        }
        for index in rows.indices { start[index + 1] &+= start[index] }
        var filled = start
        var readers = [Int32](repeating: 0, count: Int(start[rows.count]))
        for row in rows {
            forEachInput(row) { input in
                guard input >= 0 && input < rows.count else { return }
                readers[Int(filled[input])] = Int32(truncatingIfNeeded: row.index)
                filled[input] &+= 1
            }
        }
        readerStart = start
        self.readers = readers
    }

    /// The rows that read a row, in order.
    func consumers(of row: Int) -> [Int] {
        readers[Int(readerStart[row])..<Int(readerStart[row + 1])].map { Int($0) }
    }

    /// The elements after row `start` up to the row whose only reader is `join` (or the end), and
    /// the last row written; `level` merges hold them. A merge inside `Parser.maximumNesting` others is
    /// not looked into (a spec could not say it; a repeat's brackets never add a level, as a merge in a
    /// run that repeats is there twice and so written as a block's name): each row is scanned at most
    /// that many times, and the branches of a graph nested 16,000 deep cost what 64 levels do.
    func chain(from start: Int, join: Int?, level: Int) throws(SpecEmitter.NestingProblem) -> (elements: ChainElements, last: Int) {
        var elements = ChainElements(rows: rows)
        var current = start
        var steps = 0
        while true {
            steps += 1
            if steps > rows.count + 1 { throw SpecEmitter.NestingProblem(message: "the graph has a cycle at '\(rows[current].name)'") }
            let next = consumers(of: current)
            if let join, next == [join] { return (elements, current) }
            if next.isEmpty {
                if join == nil { return (elements, current) }
                throw SpecEmitter.NestingProblem(message: "'\(rows[current].name)' is an output inside a branch")
            }
            if next.count == 1, case .layer = rows[next[0]].role {
                elements.append(row: next[0])
                current = next[0]
                continue
            }
            guard level < Parser.maximumNesting else {
                throw SpecEmitter.NestingProblem(
                    message: "the merges nest more than \(Parser.maximumNesting) deep at '\(rows[current].name)'",
                    hint: "the spec language nests merges \(Parser.maximumNesting) deep", tooDeep: true)
            }
            let merge = try joinOf(current)
            var ends: [Int: String] = [:]
            for first in next where first != merge {
                guard case .layer = rows[first].role else {
                    throw SpecEmitter.NestingProblem(message: "'\(rows[first].name)' merges '\(rows[current].name)' with a tensor from inside another branch")
                }
                let (inner, last) = try chain(from: first, join: merge, level: level + 1)
                ends[last] = ([rows[first].text] + (0..<inner.count).map { inner.text($0) }).joined(separator: " -> ")
            }
            var branches: [String] = []
            for input in rows[merge].inputs {
                if input == current {
                    branches.append("ID")
                } else if let branch = ends.removeValue(forKey: input) {
                    branches.append(branch)
                } else {
                    throw SpecEmitter.NestingProblem(message: "'\(rows[merge].name)' reads '\(rows[input].name)', which is not the end of one of its branches")
                }
            }
            guard case .merge(let kind) = rows[merge].role else {
                throw SpecEmitter.NestingProblem(message: "the branches from '\(rows[current].name)' meet at '\(rows[merge].name)', which is not a merge")
            }
            elements.append(merge: "\(kind.keyword)(\(branches.joined(separator: " | ")))")
            current = merge
        }
    }
    /// The merge where every path from `start` meets again: the first later row up to which every
    /// edge from the rows between leads, and that reads only rows between (else the graph crosses).
    func joinOf(_ start: Int) throws(SpecEmitter.NestingProblem) -> Int {
        var inside: Set<Int> = [start]
        var furthest = consumers(of: start).max() ?? start
        var row = start + 1
        while row < rows.count {
            let reads = rows[row].inputs
            let fromInside = reads.contains { inside.contains($0) }
            if fromInside, let outsider = reads.first(where: { !inside.contains($0) }) {
                throw SpecEmitter.NestingProblem(message: "'\(rows[row].name)' reads '\(rows[outsider].name)' from outside the branches that start at '\(rows[start].name)'")
            }
            if row == furthest {
                guard fromInside else { break }
                return row
            }
            if fromInside {
                inside.insert(row)
                furthest = max(furthest, consumers(of: row).max() ?? row)
            }
            row += 1
        }
        throw SpecEmitter.NestingProblem(message: "the branches that start at '\(rows[start].name)' do not meet again in one merge")
    }
}
