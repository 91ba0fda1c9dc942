/// Paths and block views: where a row sits among the block uses (`bottleneck#2/CONV5`), and the network
/// folded to a block depth (`--depth N`), each block use deeper than N one row with its subtotals.

extension NetworkReport {
    /// `stage#1/bottleneck#2`: the uses a block use sits inside, outermost first ("" for the network).
    func blockPath(_ id: Int) -> String {
        var components: [String] = []
        var current = id
        var steps = 0
        while current > 0, current < blocks.count, steps <= blocks.count {
            components.append(blocks[current].pathComponent)
            current = blocks[current].parent
            steps += 1
        }
        return components.reversed().joined(separator: "/")
    }

    /// A row's path: `bottleneck#2/CONV5`; a top-level row's is its name, as is a model file's row (its
    /// name carries its scopes: `/layer1/layer1.0/conv1/Conv`).
    func path(of row: LayerRow) -> String {
        if case .block(let id) = row.role { return blockPath(id) }
        if row.block > 0, row.block < blocks.count, blocks[row.block].isNamedScope { return row.name }
        let prefix = row.block > 0 && row.block < blocks.count ? blockPath(row.block) : ""
        return prefix.isEmpty ? row.name : prefix + "/" + row.name
    }

    /// The block use at `depth` that holds a row's block use, or nil when the row is shallower.
    private func ancestor(of id: Int, atDepth depth: Int) -> Int? {
        var current = id
        guard current >= 0, current < blocks.count, blocks[current].depth >= depth else { return nil }
        while blocks[current].depth > depth, blocks[current].parent >= 0 { current = blocks[current].parent }
        return current
    }

    /// The network with every block use at `depth` folded into one row (its output, the sums of its
    /// rows' parameters, MACs and memory); `depth` 0 folds the whole network into one row after INPUT.
    /// Totals stay the whole network's.
    func folded(toDepth depth: Int) -> NetworkReport {
        // Nothing that deep: the network is its own view (a long chain is not copied).
        if blocks.allSatisfy({ $0.depth < depth }) { return self }
        var view = self
        var folded: [LayerRow] = []
        folded.reserveCapacity(rows.count)
        var open: Int?  // the block use of the last folded row, while rows of it keep coming
        var kept: [Int] = []  // the framework model's kept bytes of each view row
        kept.reserveCapacity(keptByRow.isEmpty ? 0 : rows.count)
        func keptBytes(_ row: LayerRow) -> Int { row.index < keptByRow.count ? keptByRow[row.index] : 0 }
        // A model file's scope of one layer shows that layer's text: its first (only) row, by view row.
        var single: [Int: LayerRow] = [:]
        // Where each row went in the view, so that inputs name the view's rows.
        var place = Array(repeating: 0, count: rows.count)
        func mapped(_ inputs: [Int]) -> [Int] {
            inputs.map { $0 >= 0 && $0 < place.count ? place[$0] : $0 }
        }
        for row in rows {
            let target = row.role == .input ? nil : ancestor(of: row.block, atDepth: depth)
            guard let target else {
                open = nil
                var copy = row
                copy.index = folded.count
                copy.inputs = mapped(row.inputs)
                if row.index < place.count { place[row.index] = folded.count }
                folded.append(copy)
                if !keptByRow.isEmpty { kept.append(keptBytes(row)) }
                continue
            }
            defer { if row.index < place.count { place[row.index] = folded.count - 1 } }
            if open == target, var last = folded.popLast() {
                single[folded.count] = nil
                last.output = row.output
                last.receptiveField = row.receptiveField
                last.jump = row.jump
                last.weights = sum(last.weights, row.weights)
                last.biases = sum(last.biases, row.biases)
                last.nonTrainable = sum(last.nonTrainable, row.nonTrainable)
                last.macs = sum(last.macs, row.macs)
                last.activations = sum(last.activations, row.activations)
                last.forwardBytes = sum(last.forwardBytes, row.forwardBytes)
                // The block sits at the branch depth of its shallowest row: its first row may be inside
                // a merge of its own.
                if row.depth < last.depth {
                    last.depth = row.depth
                    last.startsBranch = false
                }
                folded.append(last)
                if !keptByRow.isEmpty, let sub = kept.popLast() { kept.append(sum(sub, keptBytes(row))) }
                continue
            }
            open = target
            var fold = row
            fold.inputs = mapped(row.inputs)
            fold.role = .block(target)
            fold.index = folded.count
            fold.name = target == 0 ? name : blockPath(target)
            fold.text = target == 0 ? "the whole network" : blocks[target].text
            fold.resolved = nil
            fold.inPlace = false
            if blocks[target].isNamedScope { single[folded.count] = row }
            folded.append(fold)
            if !keptByRow.isEmpty { kept.append(keptBytes(row)) }
        }
        for (index, row) in single {
            if let resolved = row.resolved { folded[index].resolved = resolved } else { folded[index].text = row.text }
        }
        view.rows = folded
        view.keptByRow = kept
        // The peaks are reached inside the row (or block use) that now holds them.
        if totals.peakRow >= 0, totals.peakRow < place.count { view.totals.peakRow = place[totals.peakRow] }
        if let framework = totals.framework {
            if framework.trainingPeakRow < place.count { view.totals.framework?.trainingPeakRow = place[framework.trainingPeakRow] }
            if framework.inferencePeakRow < place.count { view.totals.framework?.inferencePeakRow = place[framework.inferencePeakRow] }
        }
        return view
    }

    /// The report without a model file's scopes, every row at the top: for the PyTorch emitter, which
    /// writes a class for each block a spec defines, and a file's scopes define none.
    var withoutNamedScopes: NetworkReport {
        guard blocks.count > 1, blocks.dropFirst().allSatisfy(\.isNamedScope) else { return self }
        var copy = self
        copy.blocks = [BlockInstance.network]
        for index in copy.rows.indices { copy.rows[index].block = 0 }
        return copy
    }

    /// Adds two subtotals of counts whose total was already counted, so it cannot overflow; saturates
    /// rather than trap if it ever did.
    private func sum(_ a: Int, _ b: Int) -> Int {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : result
    }
}
