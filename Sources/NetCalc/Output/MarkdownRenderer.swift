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
        // A # in the heading is escaped too: trailing ones would close the heading.
        var out = "### \(Self.escape(network.name).map { $0 == "#" ? "\\#" : String($0) }.joined())\n\n"
        out += "\(markdownCode(network.file)): input \(network.layout.text(network.input))\(network.layout.note), batch \(settings.batch), "
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

    /// Text shown literally in a heading or a table cell: Markdown's and HTML's special characters
    /// escaped (pipes, backslashes, emphasis, code, links, tags, entities), every invisible character
    /// (a line break too) shown `visible`.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in visible(text) {
            if "|\\*_`<>[]&~$".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
