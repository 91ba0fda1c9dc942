/// Renders networks as CSV (RFC 4180): a header row, then one row per layer with exact figures.
struct CSVRenderer {
    var columns = Column.csvDefault

    func render(_ networks: [NetworkReport]) -> String {
        var out = TextBuffer()
        out.append((["network"] + columns.map(\.csvHeader)).map(Self.field).joined(separator: ","))
        out.append("\r\n")
        for network in networks {
            let name = Self.field(network.name)
            for row in network.rows {
                out.append(name)
                for column in columns {
                    out.append(",")
                    switch column {
                    case .index: out.count(row.index, separators: false)
                    case .memory: out.count(row.activations, separators: false)
                    case .bytes: out.count(row.forwardBytes, separators: false)
                    case .backwardBytes: out.count(row.backwardBytes, separators: false)
                    case .params: out.count(row.params, separators: false)
                    case .weights: out.count(row.weights, separators: false)
                    case .biases: out.count(row.biases, separators: false)
                    case .nonTrainable: out.count(row.nonTrainable, separators: false)
                    case .macs: out.count(row.macs, separators: false)
                    default: out.append(Self.field(column.exact(row, network)))
                    }
                }
                out.append("\r\n")
            }
        }
        return out.string
    }

    /// A field, quoted when it holds a comma, a quote or a line break, with quotes doubled.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        var out = "\""
        for character in text {
            if character == "\"" { out += "\"" }
            out.append(character)
        }
        return out + "\""
    }
}

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
        out += "`\(Self.escape(network.file))`: input \(network.input.fullText), batch \(settings.batch), "
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

/// Renders networks as a Graphviz graph: a node per layer with its parameters, an edge per volume that
/// flows, labelled with its shape; branches become a real graph. `netcalc --format dot x.net | dot -Tsvg`.
struct DotRenderer {
    func render(_ networks: [NetworkReport]) -> String {
        var out = "digraph netcalc {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=10];\n"
        for (number, network) in networks.enumerated() {
            out += "  subgraph cluster_\(number) {\n    label=\(Self.quote(network.name));\n"
            for row in network.rows {
                var label = row.name
                if row.kind != .input { label += "\n" + row.text }
                if row.params > 0 { label += "\n\(formatCount(row.params)) params" }
                if row.kind == .input { label += "\n" + row.output.fullText }
                let shape = [.add, .concat, .mul].contains(row.kind) ? ", shape=ellipse" : ""
                out += "    n\(number)_\(row.index) [label=\(Self.quote(label))\(shape)];\n"
            }
            for row in network.rows {
                for input in row.inputs {
                    let volume = network.rows[input].output.fullText
                    out += "    n\(number)_\(input) -> n\(number)_\(row.index) [label=\(Self.quote(volume))];\n"
                }
            }
            if let last = network.rows.last {
                out += "    n\(number)_out [label=\(Self.quote("output\n" + last.output.fullText)), shape=plaintext];\n"
                out += "    n\(number)_\(last.index) -> n\(number)_out;\n"
            }
            out += "  }\n"
        }
        return out + "}\n"
    }

    /// A DOT string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }
}
