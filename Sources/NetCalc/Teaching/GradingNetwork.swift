/// What a network's answers are graded against: the analyzed rows, and past a layer whose sizes do not
/// fit, every value that does not depend on the size that does not exist (a convolution's parameters
/// need only its input's depth).

/// One network's true values for grading.
struct GradingNetwork {
    /// The strict analysis: its rows end before a layer that does not fit, if one stopped it.
    let report: NetworkReport
    /// The spec's side of it: the answers and the rows they answer, the layer that does not fit.
    let source: SpecSource
    /// Every row netcalc can lay out: the analyzed rows, then (past a layer that does not fit) the rows
    /// of the same chain walked again with sizes rounded down.
    let rows: [LayerRow]
    /// True when `rows` holds the whole network.
    let complete: Bool
    /// Each answer's start offset and the row it answers.
    let answerRows: [Int: Int]
    /// Past a layer that does not fit: every row recomputed with two stand-ins for that layer's size
    /// (its rounded-down size, doubled and quadrupled). A value both agree on does not depend on the
    /// size that does not exist.
    private let probes: (lower: [CarriedRow], larger: [CarriedRow])?
    /// The rows as graded, for worked formulas: the analyzed rows, then the first probe's.
    let explained: NetworkReport

    /// The row of the layer that does not fit, when one stopped the analysis.
    var unfitIndex: Int? { source.unfit == nil ? nil : report.rows.count }

    /// Prepares a network for grading; `blocks` are the file's block definitions, `chain` the network's.
    init(_ network: SpecNetwork, file: SourceFile, chain: Chain?, blocks: [String: BlockDefinition]) {
        let report = network.report
        self.report = report
        source = network.source
        guard source.unfit != nil, let chain else {
            rows = report.rows
            complete = source.unfit == nil
            answerRows = source.answerRows
            probes = nil
            explained = report
            return
        }
        // The structure past the layer that does not fit: the chain walked with sizes rounded down, or,
        // if a later layer then finds its input too small, from a larger input.
        var settings = report.settings
        settings.rounding = .floor
        var walked = Self.walk(chain, file: file, blocks: blocks, settings: settings, input: nil)
        if !walked.complete, let input = report.rows.first?.output,
           case let spatial = input.spatial.compactMap({ exactProduct($0, 4) }), spatial.count == input.rank {
            let larger = Self.walk(chain, file: file, blocks: blocks, settings: settings,
                                   input: Shape(spatial: spatial, depth: input.depth))
            if larger.rows.count > walked.rows.count { walked = larger }
        }
        let known = report.rows.count
        let all = walked.rows.count > known ? report.rows + walked.rows[known...] : report.rows
        rows = all
        complete = walked.complete && walked.rows.count > known
        answerRows = walked.answerRows.merging(source.answerRows) { _, analyzed in analyzed }
        var explained = report
        explained.rows = all
        if all.count > known, case .shape(let size) = FollowThrough().carry(Array(all[...known]), settings: settings)[known].computed {
            // Two stand-ins larger than the rounded-down size, so that later windows fit either way.
            func probe(_ scale: Int) -> [CarriedRow] {
                let spatial = size.spatial.compactMap { exactProduct($0, scale).flatMap { exactSum($0, scale - 1) } }
                guard spatial.count == size.rank else { return [] }
                var probe = FollowThrough()
                probe.shapes[known] = (Shape(spatial: spatial, depth: size.depth), nil)
                return probe.carry(all, settings: settings)
            }
            let lower = probe(2)
            let larger = probe(4)
            probes = (lower, larger)
            explained.rows = all.indices.map { index in index < known || index >= lower.count ? all[index] : lower[index].row ?? all[index] }
        } else {
            probes = nil
        }
        self.explained = explained
    }

    /// The chain walked again under other settings, quietly; the rows made before any stop are kept.
    private static func walk(_ chain: Chain, file: SourceFile, blocks: [String: BlockDefinition], settings: Settings,
                             input: Shape?) -> (rows: [LayerRow], answerRows: [Int: Int], complete: Bool) {
        let walker = NetworkWalker(file: file, blocks: blocks, settings: settings, quiet: true)
        walker.inputOverride = input
        if let rows = walker.run(chain) { return (rows, walker.answerRows, true) }
        return (walker.partialRows, walker.answerRows, false)
    }

    /// The row an answer starting at `start` answers, if it answers one.
    func rowIndex(answerAt start: Int) -> Int? {
        if let index = answerRows[start], index < rows.count { return index }
        if let unfit = source.unfit, unfit.answerStart == start, let index = unfitIndex, index < rows.count { return index }
        return nil
    }

    /// The true value of `key` for a row; nil when it depends on the size of a layer that does not fit.
    func truth(_ key: AnswerKey, at index: Int) -> Candidate? {
        if index < report.rows.count { return Self.value(key, report.rows[index]) }
        if index == unfitIndex, key == .shape { return .invalid }
        guard let probes, index < probes.lower.count, index < probes.larger.count,
              let lower = probes.lower[index].row, let larger = probes.larger[index].row,
              !probes.lower[index].outputOnly, !probes.larger[index].outputOnly,
              let value = Self.value(key, lower), Self.value(key, larger) == value else { return nil }
        return value
    }

    /// The true value of a network total; nil when it depends on a size that does not exist.
    func totalTruth(_ key: AnswerKey) -> Candidate? {
        if source.unfit == nil { return Self.total(key, rows: report.rows, totals: report.totals) }
        guard complete, let probes, let lower = Self.totals(probes.lower, settings: report.settings),
              let larger = Self.totals(probes.larger, settings: report.settings),
              let value = Self.total(key, rows: lower.rows, totals: lower.totals),
              Self.total(key, rows: larger.rows, totals: larger.totals) == value else { return nil }
        return value
    }

    /// The totals of recomputed rows, when every row could be recomputed.
    static func totals(_ carried: [CarriedRow], settings: Settings) -> (rows: [LayerRow], totals: Totals)? {
        var rows: [LayerRow] = []
        rows.reserveCapacity(carried.count)
        for row in carried {
            guard let made = row.row, !row.outputOnly else { return nil }
            rows.append(made)
        }
        guard !rows.isEmpty, let totals = try? Totals(rows: rows, settings: settings) else { return nil }
        return (rows, totals)
    }

    /// A row's value for an answer key.
    static func value(_ key: AnswerKey, _ row: LayerRow) -> Candidate? {
        switch key {
        case .shape: return .shape(row.output)
        case .params: return .count(row.params)
        case .weights: return .count(row.weights)
        case .memory: return .count(row.activations)
        case .bytes: return .count(row.forwardBytes)
        case .fwdBwd: return exactProduct(row.forwardBytes, 2).map { .count($0) } ?? .tooLarge
        case .macs: return .count(row.macs)
        case .rf: return .count(row.receptiveField.width)
        case .note, .points: return nil
        }
    }

    /// A network total's value for an answer key.
    static func total(_ key: AnswerKey, rows: [LayerRow], totals: Totals) -> Candidate? {
        switch key {
        case .shape: return rows.last.map { .shape($0.output) }
        case .params: return .count(totals.params)
        case .weights: return .count(totals.weights)
        case .memory: return .count(totals.activations)
        case .bytes: return .count(totals.forwardBytes)
        case .fwdBwd: return exactSum(totals.forwardBytes, totals.backwardBytes).map { .count($0) } ?? .tooLarge
        case .macs: return .count(totals.macs)
        case .rf: return rows.last.map { .count($0.receptiveField.width) }
        case .note, .points: return nil
        }
    }

    /// The worked formula of the layer that does not fit: `W2 = (7 - 3 + 2*0)/3 + 1 = 2.33, ...`.
    var unfitFormula: String? {
        guard let unfit = source.unfit, !unfit.axes.isEmpty else { return nil }
        let names = outputAxisNames(rank: unfit.axes.count)
        let formulas = unfit.axes.enumerated().map { index, axis in
            // An axis that fits shows its size; one that does not, its fraction.
            var size = 0
            if case .output(let fitted)? = try? axis.outcome(.strict) { size = fitted }
            return axis.explained(rounding: .strict, name: names[index], result: size)
        }
        return unfit.axes.count > 1 && unfit.axes.dropFirst().allSatisfy({ $0 == unfit.axes[0] }) ? formulas[0] : formulas.joined(separator: "; ")
    }

    /// Every way another network's layers differ from this one's (the key's), each with the row where it
    /// does: each layer written otherwise at the same place; where the row counts differ, the layers up to
    /// the first that differs, then the count (past an added or dropped layer every place would differ).
    func differences(from other: GradingNetwork) -> [(message: String, row: LayerRow?)] {
        var found: [(message: String, row: LayerRow?)] = []
        let sameCount = rows.count == other.rows.count
        for index in 0..<min(rows.count, other.rows.count) {
            let (a, b) = (rows[index], other.rows[index])
            let same = a.role == b.role && a.inputs == b.inputs && Self.written(a) == Self.written(b)
                && (a.role != .input || a.output == b.output)
            if !same {
                found.append(("\(Self.described(b)) here, \(Self.described(a, named: false)) in the key", b))
                if !sameCount { break }
            }
        }
        if !sameCount, complete, other.complete {
            found.append(("it has \(other.rows.count) rows, the key's \(rows.count)", other.rows.last))
        }
        return found
    }

    /// A row as its layer would be written, for comparing networks.
    static func written(_ row: LayerRow) -> String {
        row.layer?.canonicalText ?? row.text
    }

    private static func described(_ row: LayerRow, named: Bool = true) -> String {
        switch row.role {
        case .input: return "INPUT[\(row.output.fullText)]"
        case .layer, .merge, .block: return named ? "\(row.name) is \(written(row))" : written(row)
        }
    }
}
