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
                if row.role != .input { label += "\n" + row.text }
                if row.params > 0 { label += "\n\(formatCount(row.params)) params" }
                if row.role == .input { label += "\n" + row.output.fullText }
                let shape = if case .merge = row.role { ", shape=ellipse" } else { "" }
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

    /// A DOT string literal showing `text` literally: quotes and backslashes escaped (so that no
    /// Graphviz escape such as `\N` is formed), a line break as Graphviz's `\n`, every other invisible
    /// character shown `visible`.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out += scalar.visibleText
            }
        }
        return out + "\""
    }
}
