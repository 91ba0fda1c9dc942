/// Renders networks as Markdown: a pipe table per network that GitHub renders, the totals under it.
struct MarkdownRenderer {
    var columns = Column.tableDefault
    var units = ByteUnits.iec
    var fit: (size: MemorySize, inference: Bool)?

    func render(_ networks: [NetworkReport]) -> String {
        networks.map(render).joined(separator: "\n")
    }

    func render(_ network: NetworkReport) -> String {
        let settings = network.settings
        var out = "### \(Self.escape(network.name))\n\n"
        out += "`\(Self.escape(network.file))`: input \(network.layout.text(network.input))\(network.layout.note), batch \(settings.batch), "
        out += "\(settings.dataType.rawValue), rounding \(settings.rounding.rawValue)\n\n"
        out += "| " + columns.map { Self.escape($0.header) }.joined(separator: " | ") + " |\n"
        out += "|" + columns.map { $0.rightAligned ? "---:" : "---" }.joined(separator: "|") + "|\n"
        for row in network.rows {
            let cells = columns.map { column -> String in
                let text = column == .layer && row.depth > 0
                    ? String(repeating: "│ ", count: row.depth - 1) + (row.startsBranch ? "├ " : "│ ") + row.name
                    : column.human(row, network, units: units, bars: true)
                return Self.escape(text)
            }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        out += "\n**Totals**\n\n"
        for (label, value) in TotalsSummary(network: network, units: units).lines {
            out += "- **\(label)**: \(Self.escape(value))\n"
        }
        out += "\nUnits: \(units.description); K, M, G after counts are 1000-based.\n"
        if let fit {
            let planner = FitPlanner(network: network)
            out += "\n```\n" + planner.lines(planner.plan(fit.size, inference: fit.inference), units: units)
                .joined(separator: "\n") + "\n```\n"
        }
        return out
    }

    /// Text safe inside a table cell: pipes and backslashes escaped, asterisks and underscores kept literal.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            if "|\\*_`<>[]".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
