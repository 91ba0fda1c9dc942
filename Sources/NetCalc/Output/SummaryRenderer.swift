/// `--summary`: a network on one screen — the largest layers by activation memory, by parameters and
/// by MACs, each with its share of the network's total, each block use's subtotal (the blocks the network uses directly), and the totals.
struct SummaryRenderer {
    var units = ByteUnits.iec
    var fit: (size: MemorySize, inference: Bool)?
    /// The order shapes are written in (`--layout`).
    var layout = ShapeLayout.whd
    /// How many layers each ranking lists.
    static let ranked = 5

    func render(_ networks: [NetworkReport]) -> String {
        networks.map(render).joined(separator: "\n")
    }

    private func render(_ network: NetworkReport) -> String {
        let network = network.shownAsText  // names from a model or a file name never drive the terminal
        let totals = network.totals
        let settings = network.settings
        var out = "\(network.name)  (\(network.file); input \(layout.text(network.input))\(layout.note(rank: network.input.rank, inputRead: network.inputLayout == layout)); "
            + "batch \(settings.batch), \(settings.dataType.rawValue), rounding \(settings.rounding.rawValue); \(formatCount(network.rows.count - 1)) layers)\n"
        func ranking(_ title: String, _ value: (LayerRow) -> Int, _ whole: Int, _ unit: String) {
            // The few largest, kept in order as the rows go by: a million rows are never copied or sorted.
            var top: [LayerRow] = []
            for row in network.rows where row.role != .input && value(row) > 0 {
                guard top.count < Self.ranked || value(row) > value(top[top.count - 1]) else { continue }
                // After any row of the same value: an earlier row ranks first among equals.
                let place = top.firstIndex { value(row) > value($0) } ?? top.count
                top.insert(row, at: place)
                if top.count > Self.ranked { top.removeLast() }
            }
            guard !top.isEmpty else { return }
            out += "\n\(title)\n"
            let nameWidth = top.map { displayWidth(network.path(of: $0)) }.max() ?? 0
            let valueWidth = top.map { formatCount(value($0)).count }.max() ?? 0
            let shapeWidth = top.map { layout.text($0.output).count }.max() ?? 0
            for row in top {
                let path = network.path(of: row)
                out += "  " + path + String(repeating: " ", count: nameWidth - displayWidth(path))
                out += "  " + padLeft(formatCount(value(row)), valueWidth) + " \(unit)"
                out += "  " + padLeft(share(value(row), of: whole, decimals: 1) + "%", 6)
                let shape = layout.text(row.output)
                out += "  " + shape + String(repeating: " ", count: shapeWidth - shape.count) + "  \(row.text)\n"
            }
        }
        ranking("largest by activation memory (values per image)", \.activations, totals.activations, "values")
        ranking("largest by parameters", \.params, totals.params, "params")
        ranking("largest by MACs (per image)", \.macs, totals.macs, "MACs")
        // Consecutive uses of a block with the same arguments make one line (DenseNet's dense#1–#6), so
        // that the summary fits a screen; uses with other arguments (ResNet's stages) stay apart.
        struct Group {
            var block: BlockInstance
            var last: Int
            var uses = 1
            var output: Shape
            var params: Int
            var macs: Int
            var memory: Int
            var name: String { uses == 1 ? block.pathComponent : "\(block.pathComponent)–#\(last)" }
        }
        var groups: [Group] = []
        for row in network.folded(toDepth: 1).rows {
            guard case .block(let id) = row.role else { continue }
            let block = network.blocks[id]
            if var group = groups.last, group.block.name == block.name, group.block.text == block.text {
                group.uses += 1
                group.last = block.ordinal
                group.output = row.output
                group.params = saturatingAdd(group.params, row.params)
                group.macs = saturatingAdd(group.macs, row.macs)
                group.memory = saturatingAdd(group.memory, row.activations)
                groups[groups.count - 1] = group
            } else {
                groups.append(Group(block: block, last: block.ordinal, output: row.output, params: row.params,
                                    macs: row.macs, memory: row.activations))
            }
        }
        if !groups.isEmpty {
            let uses = groups.map(\.uses).reduce(0, +)
            out += "\nblocks (\(uses) use\(uses == 1 ? "" : "s"); repeated uses added up)\n"
            let nameWidth = max(5, groups.map { displayWidth($0.name) }.max() ?? 0)
            let textWidth = groups.map { displayWidth($0.block.text) }.max() ?? 0
            let header = ["output", "params", "MACs", "memory"]
            let cells = groups.map { [layout.text($0.output), formatCount($0.params), formatCount($0.macs),
                                      formatCount($0.memory)] }
            let widths = header.indices.map { column in max(header[column].count, cells.map { $0[column].count }.max() ?? 0) }
            out += "  " + "block" + String(repeating: " ", count: nameWidth - 5) + "  " + String(repeating: " ", count: textWidth)
                + zip(header, widths).map { "  " + padLeft($0.0, $0.1) }.joined() + "\n"
            for (group, cell) in zip(groups, cells) {
                out += "  " + group.name + String(repeating: " ", count: nameWidth - displayWidth(group.name))
                out += "  " + group.block.text + String(repeating: " ", count: textWidth - displayWidth(group.block.text))
                out += zip(cell, widths).map { "  " + padLeft($0.0, $0.1) }.joined() + "\n"
            }
        }
        out += "\ntotals\n"
        let lines = TotalsSummary(network: network, units: units).lines
        let labelWidth = lines.map(\.0.count).max() ?? 0
        for (label, value) in lines { out += "  " + label + String(repeating: " ", count: labelWidth - label.count) + "  \(value)\n" }
        for note in network.notes { out += "  note: \(note)\n" }
        if let fit {
            let planner = FitPlanner(network: network)
            out += "\n" + planner.lines(planner.plan(fit.size, inference: fit.inference), units: units).map { $0 + "\n" }.joined()
        }
        return out
    }
}

