/// Renders analyzed networks as the human-readable table: one row per layer with bars for each layer's
/// share of memory and parameters, then the totals with the conventions they follow.
struct TableRenderer {
    var color = false
    /// Adds every layer's worked formulas after the totals.
    var explain = false
    var units = ByteUnits.iec
    var columns = Column.tableDefault
    /// The terminal's width: columns are given up, and the spec text cut, to stay within it.
    var maxWidth: Int?
    /// `--fit`: the breakdown of the largest batch, after the totals.
    var fit: (size: MemorySize, inference: Bool)?

    func render(_ network: NetworkReport) -> String {
        let bold = color ? "\u{1B}[1m" : ""
        let dim = color ? "\u{1B}[2m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        let settings = network.settings
        var out = ""
        out += "\(bold)\(network.name)\(reset)  (\(network.file); input \(network.input.fullText); batch \(settings.batch), "
        out += "\(settings.dataType.rawValue), rounding \(settings.rounding.rawValue))\n\n"

        var columns = self.columns
        var cells = cells(network, columns)
        var widths = widths(cells, columns)
        if let maxWidth {
            for column in Column.dropOrder where tableWidth(widths) > maxWidth && columns.count > 2 {
                guard let index = columns.firstIndex(of: column) else { continue }
                columns.remove(at: index)
                widths.remove(at: index)
                for row in cells.indices { cells[row].remove(at: index) }
            }
            // Last, the spec text is cut to what is left.
            if let last = columns.last, last == .spec, tableWidth(widths) > maxWidth {
                let room = max(8, widths.last! - (tableWidth(widths) - maxWidth))
                for row in cells.indices where displayWidth(cells[row][columns.count - 1]) > room {
                    cells[row][columns.count - 1] = String(cells[row][columns.count - 1].prefix(room - 1)) + "…"
                }
                widths[widths.count - 1] = room
            }
        }
        for (index, line) in cells.enumerated() {
            var text = format(line, columns, widths)
            if index == 0 {
                text = bold + text + reset
            } else if color {
                text = colorBars(text)
            }
            out += text + "\n"
        }

        out += "\n\(bold)totals\(reset)\n"
        let lines = TotalsSummary(network: network, units: units).lines
        let labelWidth = lines.map(\.0.count).max() ?? 0
        for (label, value) in lines {
            out += "  \(padRight(label, labelWidth))  \(value)\n"
        }
        out += "\(dim)  units: \(units.description); K, M, G after counts are 1000-based\(reset)\n"
        if let fit {
            let planner = FitPlanner(network: network)
            out += "\n" + planner.lines(planner.plan(fit.size, inference: fit.inference), units: units)
                .map { $0 + "\n" }.joined()
        }
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

    // MARK: Layout

    /// The header and one line of cells per row; branch rows hang under their merge (├ starts a branch).
    private func cells(_ network: NetworkReport, _ columns: [Column]) -> [[String]] {
        var cells = [columns.map(\.header)]
        cells.reserveCapacity(network.rows.count + 1)
        for row in network.rows {
            cells.append(columns.map { column in
                guard column == .layer else { return column.human(row, network, units: units, bars: true) }
                let indent = row.depth == 0 ? ""
                    : String(repeating: "│ ", count: row.depth - 1) + (row.startsBranch ? "├ " : "│ ")
                return indent + row.name
            })
        }
        return cells
    }

    private func widths(_ cells: [[String]], _ columns: [Column]) -> [Int] {
        var widths = Array(repeating: 0, count: columns.count)
        for line in cells {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], displayWidth(cell)) }
        }
        return widths
    }

    private func tableWidth(_ widths: [Int]) -> Int {
        widths.reduce(0, +) + 2 * max(0, widths.count - 1)
    }

    private func format(_ line: [String], _ columns: [Column], _ widths: [Int]) -> String {
        var text = ""
        for (index, cell) in line.enumerated() {
            if index > 0 { text += "  " }
            if index == line.count - 1 && !columns[index].rightAligned {
                text += cell
            } else {
                text += columns[index].rightAligned ? padLeft(cell, widths[index]) : padRight(cell, widths[index])
            }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    /// Colours the bars on a terminal: cyan for memory, yellow for parameters.
    private func colorBars(_ line: String) -> String {
        var out = ""
        var inBar = false
        var barIndex = 0
        for character in line {
            let isBlock = "█▉▊▋▌▍▎▏".contains(character)
            if isBlock && !inBar {
                let share = columns.filter { $0 == .memoryShare || $0 == .paramShare }
                let kind = barIndex < share.count ? share[barIndex] : .memoryShare
                out += kind == .memoryShare ? "\u{1B}[36m" : "\u{1B}[33m"
                inBar = true
                barIndex += 1
            } else if !isBlock && inBar {
                out += "\u{1B}[0m"
                inBar = false
            }
            out.append(character)
        }
        return inBar ? out + "\u{1B}[0m" : out
    }
}

/// The totals block, as label and value lines, shared by the table and Markdown outputs.
struct TotalsSummary {
    let network: NetworkReport
    let units: ByteUnits

    var lines: [(String, String)] {
        let totals = network.totals
        let settings = network.settings
        let bytes = settings.dataType.bytes
        func amount(_ value: Int) -> String { "\(formatCount(value)) bytes (\(formatBytes(value, units)))" }
        var lines: [(String, String)] = []
        lines.append(("params", "\(formatCount(totals.params)) = \(formatCount(totals.weights)) weights + \(formatCount(totals.biases)) biases (\(formatApproximate(totals.params)))"))
        if totals.nonTrainable > 0 {
            lines.append(("non-trainable", "\(formatCount(totals.nonTrainable)) (batch-norm running statistics, not in params)"))
        }
        lines.append(("MACs", "\(formatCount(totals.macs)) (\(formatApproximate(totals.macs)); FLOPs = 2 x MACs, bias excluded)"))
        lines.append(("memory", "\(formatCount(totals.activations)) activation values per image (\(formatApproximate(totals.activations))), every row above counted, the input included"))
        lines.append(("forward", "\(amount(totals.forwardBytes)) = memory x batch \(settings.batch) x \(bytes) bytes"))
        lines.append(("backward", "\(amount(totals.backwardBytes)), a gradient for every stored value"))
        lines.append(("param bytes", "\(amount(totals.paramBytes)) = params x \(bytes) bytes"))
        lines.append(("training", "\(amount(totals.trainingBytes)) = forward + backward + param bytes x \(settings.optimizer.copiesPerParameter) (\(settings.optimizer.copiesDescription))"))
        let peakName = network.rows.indices.contains(totals.peakRow) ? network.rows[totals.peakRow].name : "?"
        lines.append(("inference peak", "\(amount(totals.inferencePeakBytes)) = param bytes + \(formatCount(totals.peakLiveActivations)) live values x batch x \(bytes) bytes (at \(peakName))"))
        return lines
    }
}
