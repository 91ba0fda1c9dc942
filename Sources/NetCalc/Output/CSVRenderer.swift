/// Renders networks as CSV (RFC 4180): a header row, then one row per layer with exact figures. Every
/// text field goes through `appendCSVField` (Escaping.swift), as the gradebook's do.
struct CSVRenderer {
    var columns = Column.csvDefault
    /// The order shapes are written in (`--layout`).
    var layout = ShapeLayout.whd
    /// True when the CSV goes to a terminal: its text is then shown `visible` (`csvField`).
    var visibly = false

    func render(_ networks: [NetworkReport]) -> String {
        var out = TextBuffer()
        render(networks, into: &out)
        return out.string
    }

    /// Writes the header row, then every network's rows, into the buffer in order.
    func render(_ networks: [NetworkReport], into out: inout TextBuffer) {
        out.append((["network"] + columns.map(\.csvHeader)).map { csvField($0) }.joined(separator: ","))
        out.append("\r\n")
        for network in networks {
            let name = csvField(network.name, visibly: visibly)
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

    /// Writes a field as `csvField(column.exact(row, network), visibly:)` would be, numbers digit by digit.
    private func write(_ column: Column, _ row: LayerRow, _ network: NetworkReport, into out: inout TextBuffer) {
        switch column {
        case .index: out.count(row.index, separators: false)
        case .layer: out.appendCSVField(row.name, visibly: visibly)
        case .op: out.appendCSVField(row.op, visibly: visibly)
        case .output:
            out.appendShape(row.output, in: layout)
        // Shapes and windows are digits, `x`, letters and (between a merge's inputs) `, `: quoted then.
        case .input: if let text = layout.inputText(row, in: network) { out.appendCSVField(text, visibly: visibly) }
        case .kernel: if let text = layout.kernelText(row) { out.appendCSVField(text, visibly: visibly) }
        case .path: out.appendCSVField(network.path(of: row), visibly: visibly)
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
        case .macsShare: out.append(share(row.macs, of: network.totals.macs, decimals: 4))
        case .rf: out.appendSizes(row.receptiveField)
        case .spec: if row.role != .input { out.appendCSVField(row.text, visibly: visibly) }
        }
    }
}
