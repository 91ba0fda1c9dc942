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
