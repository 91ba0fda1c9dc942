/// Renders analyzed networks as the human-readable table: one row per layer, then the totals with
/// the conventions they follow.
struct TableRenderer {
    var color = false
    /// Adds every layer's worked formulas after the totals.
    var explain = false

    func render(_ network: NetworkReport) -> String {
        let bold = color ? "\u{1B}[1m" : ""
        let dim = color ? "\u{1B}[2m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        let settings = network.settings
        var out = ""
        out += "\(bold)\(network.name)\(reset)  (\(network.file); input \(network.input.fullText); batch \(settings.batch), "
        out += "\(settings.dataType.rawValue), rounding \(settings.rounding.rawValue))\n\n"

        let headers = ["#", "layer", "output", "memory", "fwd bytes", "params", "weights", "MACs", "RF", "spec"]
        let rightAligned: Set<Int> = [0, 3, 4, 5, 6, 7, 8]
        var cells: [[String]] = []
        cells.reserveCapacity(network.rows.count)
        for row in network.rows {
            // Branch rows hang under their merge: ├ starts a branch, │ continues it.
            let indent = row.depth == 0 ? ""
                : String(repeating: "│ ", count: row.depth - 1) + (row.startsBranch ? "├ " : "│ ")
            let rf = row.receptiveField.width == row.receptiveField.height ? "\(row.receptiveField.width)"
                : "\(row.receptiveField.width)x\(row.receptiveField.height)"
            cells.append([
                "\(row.index)", indent + row.name, row.output.fullText, formatCount(row.activations),
                formatBytes(row.forwardBytes), formatCount(row.params), formatCount(row.weights),
                formatCount(row.macs), rf, row.kind == .input ? "" : row.text,
            ])
        }
        var widths = headers.map(\.count)
        for line in cells {
            for (column, cell) in line.enumerated() where column < headers.count - 1 {
                widths[column] = max(widths[column], displayWidth(cell))
            }
        }
        func format(_ line: [String]) -> String {
            var text = ""
            for (column, cell) in line.enumerated() {
                if column > 0 { text += "  " }
                if column == line.count - 1 {
                    text += cell
                } else {
                    text += rightAligned.contains(column) ? padLeft(cell, widths[column]) : padRight(cell, widths[column])
                }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        out += bold + format(headers).dropLast() + reset + "\n"
        for line in cells { out += format(line) }

        let totals = network.totals
        let bytes = settings.dataType.bytes
        out += "\n\(bold)totals\(reset)\n"
        var lines: [(String, String)] = []
        lines.append(("params", "\(formatCount(totals.params)) = \(formatCount(totals.weights)) weights + \(formatCount(totals.biases)) biases (\(formatApproximate(totals.params)))"))
        if totals.nonTrainable > 0 {
            lines.append(("non-trainable", "\(formatCount(totals.nonTrainable)) (batch-norm running statistics, not in params)"))
        }
        lines.append(("MACs", "\(formatCount(totals.macs)) (\(formatApproximate(totals.macs)); FLOPs = 2 x MACs, bias excluded)"))
        lines.append(("memory", "\(formatCount(totals.activations)) activation values per image (\(formatApproximate(totals.activations))), every row above counted, the input included"))
        lines.append(("forward", "\(formatCount(totals.forwardBytes)) bytes (\(formatBytes(totals.forwardBytes))) = memory x batch \(settings.batch) x \(bytes) bytes"))
        lines.append(("backward", "\(formatCount(totals.backwardBytes)) bytes (\(formatBytes(totals.backwardBytes))), a gradient for every stored value"))
        lines.append(("param bytes", "\(formatCount(totals.paramBytes)) bytes (\(formatBytes(totals.paramBytes))) = params x \(bytes) bytes"))
        lines.append(("training", "\(formatCount(totals.trainingBytes)) bytes (\(formatBytes(totals.trainingBytes))) = forward + backward + param bytes x \(settings.optimizer.copiesPerParameter) (\(settings.optimizer.copiesDescription))"))
        let peakName = network.rows.indices.contains(totals.peakRow) ? network.rows[totals.peakRow].name : "?"
        lines.append(("inference peak", "\(formatCount(totals.inferencePeakBytes)) bytes (\(formatBytes(totals.inferencePeakBytes))) = param bytes + \(formatCount(totals.peakLiveActivations)) live values x batch x \(bytes) bytes (at \(peakName))"))
        let labelWidth = lines.map(\.0.count).max() ?? 0
        for (label, value) in lines {
            out += "  \(padRight(label, labelWidth))  \(value)\n"
        }
        out += "\(dim)  units: KiB, MiB, GiB are 1024-based; K, M, G after counts are 1000-based\(reset)\n"
        if explain {
            let explainer = Explainer(network: network)
            out += "\n\(bold)worked formulas\(reset)\n"
            for row in network.rows {
                out += "\(bold)\(row.name)\(reset)  \(row.kind == .input ? "" : row.text + " on \(row.input.fullText)")\n"
                for line in explainer.lines(for: row) { out += "  \(line)\n" }
            }
        }
        return out
    }

    func render(_ networks: [NetworkReport]) -> String {
        networks.map(render).joined(separator: "\n")
    }
}
