/// Renders networks as a Graphviz graph: a node per layer with its parameters, an edge per volume that
/// flows, labelled with its shape; branches become a real graph. `netcalc --format dot x.net | dot -Tsvg`.
struct DotRenderer {
    func render(_ networks: [NetworkReport]) -> String {
        var out = TextBuffer()
        render(networks, into: &out)
        return out.string
    }

    /// Writes the graph into the buffer in order: a cluster per network, its nodes, then its edges.
    func render(_ networks: [NetworkReport], into out: inout TextBuffer) {
        out.append("digraph netcalc {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n")
        out.append("  edge [fontname=\"Helvetica\", fontsize=10];\n")
        for (number, network) in networks.enumerated() {
            out.append("  subgraph cluster_\(number) {\n    label=\(Self.quote(network.name));\n")
            for row in network.rows {
                out.append("    ")
                out.appendNode(number, row.index)
                // The label, quoted a part at a time: `quote` works character by character.
                out.append(" [label=\"")
                out.appendEscapingDot(row.name)
                if row.role != .input {
                    out.append("\\n")
                    out.appendEscapingDot(row.text)
                }
                if row.params > 0 {
                    out.append("\\n")
                    out.count(row.params)
                    out.append(" params")
                }
                if row.role == .input {
                    out.append("\\n")
                    out.appendShape(row.output, in: .whd)
                }
                out.append("\"")
                if case .merge = row.role { out.append(", shape=ellipse") }
                out.append("];\n")
                out.flushIfFull()
            }
            for row in network.rows where row.firstInput >= 0 {
                // `row.inputs` without the array it makes.
                edge(from: row.firstInput, to: row, number, network, into: &out)
                for input in row.moreInputs { edge(from: input, to: row, number, network, into: &out) }
                out.flushIfFull()
            }
            if let last = network.rows.last {
                out.append("    n\(number)_out [label=\"output\\n")
                out.appendShape(last.output, in: .whd)
                out.append("\", shape=plaintext];\n")
                out.append("    ")
                out.appendNode(number, last.index)
                out.append(" -> n\(number)_out;\n")
            }
            out.append("  }\n")
        }
        out.append("}\n")
    }

    /// Writes the edge from an input row to a row, labelled with the volume that flows.
    private func edge(from input: Int, to row: LayerRow, _ number: Int, _ network: NetworkReport,
                      into out: inout TextBuffer) {
        out.append("    ")
        out.appendNode(number, input)
        out.append(" -> ")
        out.appendNode(number, row.index)
        out.append(" [label=\"")
        out.appendShape(network.rows[input].output, in: .whd)
        out.append("\"];\n")
    }

    /// A DOT string literal showing `text` literally: quotes and backslashes escaped (so that no
    /// Graphviz escape such as `\N` is formed), a line break as Graphviz's `\n`, every other invisible
    /// character shown `visible`.
    static func quote(_ text: String) -> String {
        var out = TextBuffer()
        out.append("\"")
        out.appendEscapingDot(text)
        out.append("\"")
        return out.string
    }
}

extension TextBuffer {
    /// Appends what `DotRenderer.quote` writes between its quotes; ASCII is written byte by byte.
    mutating func appendEscapingDot(_ text: String) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": append("\\\"")
            case "\\": append("\\\\")
            case "\n": append("\\n")
            case " "..."~": bytes.append(UInt8(scalar.value))
            default: append(scalar.visibleText)
            }
        }
    }

    /// Appends a node's name: `n0_12`.
    fileprivate mutating func appendNode(_ number: Int, _ index: Int) {
        append("n")
        count(number, separators: false)
        append("_")
        count(index, separators: false)
    }

    /// Appends a shape's `fullText`: `55x55x96`.
}
