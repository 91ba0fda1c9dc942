/// Renders networks as Markdown: a pipe table per network that GitHub renders, the totals under it.
struct MarkdownRenderer {
    var columns = Column.tableDefault
    var units = ByteUnits.iec
    var fit: (size: MemorySize, inference: Bool)?
    /// The order shapes are written in (`--layout`).
    var layout = ShapeLayout.whd
    /// Byte sizes and share bars already made and escaped: a network repeats the same few of them.
    let cache = HumanCache(shaping: MarkdownRenderer.escape)

    func render(_ networks: [NetworkReport]) -> String {
        var buffer = TextBuffer()
        render(networks, into: &buffer)
        return buffer.string
    }

    func render(_ network: NetworkReport) -> String {
        var buffer = TextBuffer()
        render(network, into: &buffer)
        return buffer.string
    }

    /// Writes every network's Markdown into the buffer, in order, a blank line between them.
    func render(_ networks: [NetworkReport], into buffer: inout TextBuffer) {
        for (index, network) in networks.enumerated() {
            if index > 0 { buffer.append("\n") }
            render(network, into: &buffer)
        }
    }

    /// Writes one network's heading, table, totals and fit into the buffer, a row at a time.
    func render(_ network: NetworkReport, into buffer: inout TextBuffer) {
        let settings = network.settings
        // A # in the heading is escaped too: trailing ones would close the heading.
        buffer.append("### ")
        for character in Self.escape(network.name) {
            buffer.append(character == "#" ? "\\#" : String(character))
        }
        buffer.append("\n\n")
        buffer.append("\(markdownCode(network.file)): input \(layout.text(network.input))\(layout.note(rank: network.input.rank, inputRead: network.inputLayout == layout)), batch \(settings.batch), ")
        buffer.append("\(settings.dataType.rawValue), rounding \(settings.rounding.rawValue)\n\n")
        buffer.append("| " + columns.map { Self.escape($0.header) }.joined(separator: " | ") + " |\n")
        buffer.append("|" + columns.map { $0.rightAligned ? "---:" : "---" }.joined(separator: "|") + "|\n")
        cache.reset()  // shares depend on the network's totals
        for row in network.rows {
            buffer.append("| ")
            for (index, column) in columns.enumerated() {
                if index > 0 { buffer.append(" | ") }
                write(column, row, network, into: &buffer)
            }
            buffer.append(" |\n")
            buffer.flushIfFull()
            if buffer.isClosed { return }  // the reader has gone
        }
        buffer.append("\n**Totals**\n\n")
        for (label, value) in TotalsSummary(network: network, units: units).lines {
            buffer.append("- **\(label)**: \(Self.escape(value))\n")
        }
        buffer.append("\nUnits: \(units.description); K, M, G after counts are 1000-based.\n")
        for note in network.notes { buffer.append("\nNote: \(Self.escape(note))\n") }
        if let fit {
            let planner = FitPlanner(network: network)
            buffer.append("\n```\n")
            for line in planner.lines(planner.plan(fit.size, inference: fit.inference), units: units) {
                buffer.append(line)
                buffer.append("\n")
            }
            buffer.append("```\n")
        }
    }

    /// Writes a cell as `escape(column.human(row, ...))` would be, numbers digit by digit and
    /// repeated cells from the cache; a branch row's name after the tree drawn before it.
    private func write(_ column: Column, _ row: LayerRow, _ network: NetworkReport, into buffer: inout TextBuffer) {
        switch column {
        case .index: buffer.count(row.index, separators: false)
        case .layer:
            if row.depth > 0 {
                for _ in 1..<row.depth { buffer.append("│ ") }
                buffer.append(row.startsBranch ? "├ " : "│ ")
            }
            buffer.appendEscapingMarkdown(row.name)
        case .op: buffer.appendEscapingMarkdown(row.op)
        case .output:
            buffer.appendShape(row.output, in: layout)
        case .input, .kernel: buffer.append(column.human(row, network, units: units, bars: nil, layout: layout))
        case .memory: buffer.count(row.activations)
        case .params: buffer.count(row.params)
        case .weights: buffer.count(row.weights)
        case .biases: buffer.count(row.biases)
        case .nonTrainable: buffer.count(row.nonTrainable)
        case .macs: buffer.count(row.macs)
        case .bytes, .backwardBytes, .memoryShare, .paramShare, .macsShare:
            buffer.append(cache.human(column, row, network, units: units, bars: .unicode, layout: layout).text)
        case .kept: buffer.append(column.human(row, network, units: units, bars: nil, layout: layout))
        case .rf: buffer.appendSizes(row.receptiveField)
        case .spec: if row.role != .input { buffer.appendEscapingMarkdown(row.text) }
        case .path: buffer.appendEscapingMarkdown(network.path(of: row))
        }
    }

    /// True for the ASCII characters Markdown or HTML would read as syntax: pipes, backslashes,
    /// emphasis, code, links, tags, entities, strikethrough and math.
    static func isSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "|"), UInt8(ascii: "\\"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`"),
             UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "&"),
             UInt8(ascii: "~"), UInt8(ascii: "$"):
            return true
        default:
            return false
        }
    }

    /// Text shown literally in a heading or a table cell: Markdown's and HTML's special characters
    /// escaped (pipes, backslashes, emphasis, code, links, tags, entities), every invisible character
    /// (a line break too) shown `visible`.
    static func escape(_ text: String) -> String {
        // Most cells are plain numbers and names: printable ASCII with nothing to escape goes as it is.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && !isSpecial($0) }) { return text }
        // By scalar, not Character: a `|` with a combining mark after it still ends a cell.
        var out = ""
        for scalar in visible(text).unicodeScalars {
            if scalar.isASCII, isSpecial(UInt8(scalar.value)) { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

extension TextBuffer {
    /// Appends `MarkdownRenderer.escape(text)`; printable ASCII, nearly every name and spec, is
    /// written byte by byte without building a string.
    mutating func appendEscapingMarkdown(_ text: String) {
        var plain = true
        for byte in text.utf8 {
            // Elsewhere a character can be more than a byte, and invisible: the full escape decides.
            guard byte >= 0x20, byte < 0x7F else {
                append(MarkdownRenderer.escape(text))
                return
            }
            if MarkdownRenderer.isSpecial(byte) { plain = false }
        }
        guard !plain else {
            append(text)
            return
        }
        for byte in text.utf8 {
            if MarkdownRenderer.isSpecial(byte) { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
    }
}
