/// Renders networks as CSV (RFC 4180): a header row, then one row per layer with exact figures.
struct CSVRenderer {
    var columns = Column.csvDefault
    /// The order shapes are written in (`--layout`).
    var layout = ShapeLayout.whd

    func render(_ networks: [NetworkReport]) -> String {
        var out = TextBuffer()
        render(networks, into: &out)
        return out.string
    }

    /// Writes the header row, then every network's rows, into the buffer in order.
    func render(_ networks: [NetworkReport], into out: inout TextBuffer) {
        out.append((["network"] + columns.map(\.csvHeader)).map(Self.field).joined(separator: ","))
        out.append("\r\n")
        for network in networks {
            let name = Self.field(network.name)
            for row in network.rows {
                out.append(name)
                for column in columns {
                    out.append(",")
                    write(column, row, network, into: &out)
                }
                out.append("\r\n")
                out.flushIfFull()
                if out.isClosed { return }  // the reader has gone
            }
        }
    }

    /// Writes a field as `field(column.exact(row, network))` would be, numbers digit by digit.
    private func write(_ column: Column, _ row: LayerRow, _ network: NetworkReport, into out: inout TextBuffer) {
        switch column {
        case .index: out.count(row.index, separators: false)
        case .layer: out.appendCSVField(row.name)
        case .op: out.appendCSVField(row.op)
        case .output:
            out.appendShape(row.output, in: layout)
        case .path: out.appendCSVField(network.path(of: row))
        case .memory: out.count(row.activations, separators: false)
        // A share is digits and a point: never quoted.
        case .memoryShare: out.append(share(row.activations, of: network.totals.activations, decimals: 4))
        case .bytes: out.count(row.forwardBytes, separators: false)
        case .backwardBytes: out.count(row.backwardBytes, separators: false)
        case .kept: if let kept = network.keptBytes(of: row) { out.count(kept, separators: false) }
        case .params: out.count(row.params, separators: false)
        case .paramShare: out.append(share(row.params, of: network.totals.params, decimals: 4))
        case .weights: out.count(row.weights, separators: false)
        case .biases: out.count(row.biases, separators: false)
        case .nonTrainable: out.count(row.nonTrainable, separators: false)
        case .macs: out.count(row.macs, separators: false)
        case .rf: out.appendSizes(row.receptiveField)
        case .spec: if row.role != .input { out.appendCSVField(row.text) }
        }
    }

    /// A field, quoted when it holds a comma, a quote or a line break, with quotes doubled.
    /// Looked at byte by byte and scalar by scalar, not by Character: `\r\n` is one Character, and so is
    /// a quote with a combining mark after it, and neither may slip through.
    static func field(_ text: String) -> String {
        var buffer = TextBuffer()
        buffer.appendCSVField(text)
        return buffer.string
    }
}

extension TextBuffer {
    /// Appends a CSV field, quoted when it holds a comma, a quote or a line break, quotes doubled.
    /// Byte by byte: those are ASCII and never inside a longer UTF-8 sequence, so a CRLF or a quote
    /// with a combining mark after it (each one Swift Character) is seen all the same.
    mutating func appendCSVField(_ text: String) {
        let quote = UInt8(ascii: "\"")
        let quoted = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == quote || $0 == 0x0A || $0 == 0x0D }
        guard quoted else {
            append(text)
            return
        }
        bytes.append(quote)
        for byte in text.utf8 {
            if byte == quote { bytes.append(quote) }
            bytes.append(byte)
        }
        bytes.append(quote)
    }
}
