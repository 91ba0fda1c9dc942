/// Renders analyzed networks as the human-readable table: one row per layer with bars for each layer's
/// share of memory and parameters, then the totals with the conventions they follow.
struct TableRenderer {
    var color = false
    /// Adds every layer's worked formulas after the totals.
    var explain = false
    var units = ByteUnits.iec
    var columns = Column.tableDefault
    /// The order shapes are written in (`--layout`).
    var layout = ShapeLayout.whd
    /// The terminal's width: columns are given up, and the spec text cut, to stay within it.
    var maxWidth: Int?
    /// `--fit`: the breakdown of the largest batch, after the totals.
    var fit: (size: MemorySize, inference: Bool)?
    /// The characters of the bars and the branch tree: ASCII where the terminal or locale lacks blocks.
    var glyphs = Glyphs.unicode
    let cache = HumanCache()

    private func render(_ network: NetworkReport, into buffer: inout TextBuffer) {
        let network = network.shownAsText  // names from a model or a file name never drive the terminal
        let bold = color ? "\u{1B}[1m" : ""
        let dim = color ? "\u{1B}[2m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        let settings = network.settings
        var out = ""
        out += "\(bold)\(network.name)\(reset)  (\(network.file); input \(layout.text(network.input))\(layout.note(rank: network.input.rank, inputRead: network.inputLayout == layout)); batch \(settings.batch), "
        out += "\(settings.dataType.rawValue), rounding \(settings.rounding.rawValue))\n\n"

        var columns = self.columns
        cache.reset()  // shares depend on the network's totals
        var widths = columns.map { displayWidth($0.header) }
        for row in network.rows {
            for (index, column) in columns.enumerated() {
                widths[index] = max(widths[index], width(column, row, network))
            }
        }
        var specWidth: Int?
        var nameRoom: Int?
        if let maxWidth {
            for column in Column.dropOrder where tableWidth(widths) > maxWidth && columns.count > 2 {
                guard let index = columns.firstIndex(of: column) else { continue }
                columns.remove(at: index)
                widths.remove(at: index)
            }
            // Then long names (a model file's `/layer1/layer1.0/conv1/Conv`) are shortened in the middle,
            // down to 24 columns; JSON and CSV keep them whole.
            if let index = columns.firstIndex(of: .layer), tableWidth(widths) > maxWidth, widths[index] > Self.shortestName {
                let room = max(Self.shortestName, widths[index] - (tableWidth(widths) - maxWidth))
                widths[index] = room
                nameRoom = room
            }
            // Last, the spec text is cut to what is left.
            if let last = columns.last, last == .spec, tableWidth(widths) > maxWidth {
                let room = max(8, widths.last! - (tableWidth(widths) - maxWidth))
                widths[widths.count - 1] = room
                specWidth = room
                // Too narrow even for eight columns of it: the spec text goes.
                if tableWidth(widths) > maxWidth, columns.count > 2 {
                    columns.removeLast()
                    widths.removeLast()
                    specWidth = nil
                }
            }
        }
        buffer.append(wrappedLines(out, width: maxWidth))
        out = ""
        buffer.append(bold)
        for (index, column) in columns.enumerated() {
            if index > 0 { buffer.spaces(2) }
            let header = column.header
            let last = index == columns.count - 1
            if column.rightAligned { buffer.spaces(widths[index] - displayWidth(header)) }
            buffer.append(header)
            if !column.rightAligned && !last { buffer.spaces(widths[index] - displayWidth(header)) }
        }
        buffer.append(reset)
        buffer.append("\n")
        for row in network.rows {
            let start = buffer.bytes.count
            for (index, column) in columns.enumerated() {
                if index > 0 { buffer.spaces(2) }
                let last = index == columns.count - 1
                write(column, row, network, width: widths[index], last: last, cut: last ? specWidth : column == .layer ? nameRoom : nil,
                      into: &buffer)
            }
            while buffer.bytes.count > start, buffer.bytes.last == 0x20 { buffer.bytes.removeLast() }
            buffer.append("\n")
            buffer.flushIfFull()
            if buffer.isClosed { return }  // the reader has gone: the rest would go nowhere
        }

        out += "\n\(bold)totals\(reset)\n"
        let lines = TotalsSummary(network: network, units: units).lines
        let labelWidth = lines.map(\.0.count).max() ?? 0
        for (label, value) in lines {
            out += "  \(padRight(label, labelWidth))  \(value)\n"
        }
        out += "\(dim)  units: \(units.description); K, M, G after counts are 1000-based\(reset)\n"
        for note in network.notes { out += "  note: \(note)\n" }
        if let fit {
            let planner = FitPlanner(network: network)
            out += "\n" + planner.lines(planner.plan(fit.size, inference: fit.inference), units: units)
                .map { $0 + "\n" }.joined()
        }
        // Totals, notes, fit and worked formulas wrap to the terminal; the rows fit by their columns.
        buffer.append(wrappedLines(out, width: maxWidth))
        if explain {
            // Written a row at a time: a million rows of formulas are never one string.
            let explainer = Explainer(network: network)
            buffer.append("\n\(bold)worked formulas\(reset)\n")
            for row in network.rows {
                let header = "\(bold)\(visible(row.name))\(reset)  \(row.role == .input ? "" : visible(row.text) + " on \(row.input.fullText)")\n"
                let lines = explainer.lines(for: row)
                if let maxWidth {
                    var text = header
                    for line in lines { text += "  \(line)\n" }
                    buffer.append(wrappedLines(text, width: maxWidth))
                } else {  // not wrapped: the lines go straight into the buffer
                    buffer.append(header)
                    for line in lines {
                        buffer.append("  ")
                        buffer.append(line)
                        buffer.append("\n")
                    }
                }
                buffer.flushIfFull()
                if buffer.isClosed { return }
            }
        }
    }

    /// Every network's table, a blank line between them.
    func render(_ networks: [NetworkReport]) -> String {
        var buffer = TextBuffer()
        render(networks, into: &buffer)
        return buffer.string
    }

    /// Every network's table, a blank line between them, written into `buffer` as it is made.
    func render(_ networks: [NetworkReport], into buffer: inout TextBuffer) {
        for (index, network) in networks.enumerated() {
            if index > 0 { buffer.append("\n") }
            render(network, into: &buffer)
        }
    }

    func render(_ network: NetworkReport) -> String {
        var buffer = TextBuffer()
        render(network, into: &buffer)
        return buffer.string
    }

    // MARK: Layout

    /// The tree drawn before a branch row's name: `├ ` starts a branch, `│ ` continues it.
    private func indent(_ row: LayerRow) -> String {
        glyphs.tree(depth: row.depth, startsBranch: row.startsBranch)
    }

    /// The width of a cell, worked out without building it where that is cheap.
    private func width(_ column: Column, _ row: LayerRow, _ network: NetworkReport) -> Int {
        switch column {
        case .index: return digits(row.index)
        case .layer: return 2 * row.depth + row.name.utf8.count
        case .output:
            let output = row.output
            return digits(output.width) + digits(output.depth) + output.rank
                + (output.rank > 1 ? digits(output.height) : 0) + (output.rank > 2 ? digits(output.time) : 0)
        case .memory: return countWidth(row.activations)
        case .params: return countWidth(row.params)
        case .weights: return countWidth(row.weights)
        case .biases: return countWidth(row.biases)
        case .nonTrainable: return countWidth(row.nonTrainable)
        case .macs: return countWidth(row.macs)
        case .spec: return row.role == .input ? 0 : row.resolved?.textWidth ?? displayWidth(row.text)
        case .rf:
            let field = row.receptiveField
            return field.isUniform ? digits(field.width) : (0..<field.axisCount).reduce(field.axisCount - 1) { $0 + digits(field[$1]) }
        case .memoryShare: return shareWidth(row.activations, of: network.totals.activations)
        case .paramShare: return shareWidth(row.params, of: network.totals.params)
        case .macsShare: return shareWidth(row.macs, of: network.totals.macs)
        case .op, .input, .kernel, .bytes, .backwardBytes, .path, .kept:
            return cache.human(column, row, network, units: units, bars: glyphs, layout: layout).width
        }
    }

    /// The narrowest a name is shortened to, to fit the terminal.
    static let shortestName = 24

    /// A name shortened to `room` columns: its outer scopes left out first (`/layer1/layer1.0/conv1/Conv`
    /// in 22 is `…/layer1.0/conv1/Conv`), else cut in its middle, its end kept longer than its start.
    /// `ellipsis` marks what is left out: `…`, or `...` in ASCII (`Glyphs.ellipsis`).
    static func shortened(_ name: String, to room: Int, ellipsis: String = "…") -> String {
        let characters = Array(name.unicodeScalars)
        let mark = ellipsis.unicodeScalars.count
        guard characters.count > room, room >= mark + 2 else { return name }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        for start in components.indices.dropFirst() {
            let candidate = ellipsis + "/" + components[start...].joined(separator: "/")
            if candidate.unicodeScalars.count <= room, start < components.count - 1 || components.count == 2 { return candidate }
        }
        let keep = room - mark
        let head = keep * 2 / 5
        let tail = keep - head
        var out = String.UnicodeScalarView()
        out.append(contentsOf: characters[..<head])
        out.append(contentsOf: ellipsis.unicodeScalars)
        out.append(contentsOf: characters[(characters.count - tail)...])
        return String(out)
    }

    /// Writes a cell padded to its column's width.
    private func write(_ column: Column, _ row: LayerRow, _ network: NetworkReport, width: Int, last: Bool, cut: Int?,
                       into buffer: inout TextBuffer) {
        func count(_ value: Int) {
            buffer.spaces(width - countWidth(value))
            buffer.count(value)
        }
        switch column {
        case .index:
            buffer.spaces(width - digits(row.index))
            buffer.count(row.index, separators: false)
        case .memory: count(row.activations)
        case .params: count(row.params)
        case .weights: count(row.weights)
        case .biases: count(row.biases)
        case .nonTrainable: count(row.nonTrainable)
        case .macs: count(row.macs)
        case .layer:
            let text = indent(row)
            buffer.append(text)
            var name = row.name
            if let cut, 2 * row.depth + name.utf8.count > cut {
                name = Self.shortened(name, to: max(8, cut - 2 * row.depth), ellipsis: glyphs.ellipsis)
            }
            buffer.append(name)
            if !last { buffer.spaces(width - 2 * row.depth - (name.utf8.count == row.name.utf8.count ? name.utf8.count : displayWidth(name))) }
        case .output:
            buffer.appendShape(row.output, in: layout)
            if !last { buffer.spaces(width - self.width(.output, row, network)) }
        case .rf:
            buffer.spaces(width - self.width(.rf, row, network))
            buffer.appendSizes(row.receptiveField)
        default:
            var (text, textWidth) = column == .spec ? (row.role == .input ? "" : row.text, self.width(.spec, row, network))
                : cache.human(column, row, network, units: units, bars: glyphs, layout: layout)
            if let cut, textWidth > cut {
                text = String(text.prefix(max(0, cut - glyphs.ellipsis.count))) + glyphs.ellipsis
                textWidth = displayWidth(text)
            }
            let pad = width - textWidth
            if column.rightAligned { buffer.spaces(pad) }
            if color, column.isShare, let percent = text.firstIndex(of: "%"), let split = text[percent...].firstIndex(where: glyphs.isBarCharacter) {
                buffer.append(String(text[..<split]))
                buffer.append(column == .memoryShare ? "\u{1B}[36m" : column == .paramShare ? "\u{1B}[33m" : "\u{1B}[35m")
                buffer.append(String(text[split...]))
                buffer.append("\u{1B}[0m")
            } else {
                buffer.append(text)
            }
            if !column.rightAligned && !last { buffer.spaces(pad) }
        }
    }

    /// The width of a share cell, `" 21.1% ██▏"`, worked out without making it (see `Glyphs.bar`).
    private func shareWidth(_ part: Int, of whole: Int) -> Int {
        guard whole > 0, part > 0 else { return 7 }
        return 7 + glyphs.barWidth(part, of: whole)
    }

    private func tableWidth(_ widths: [Int]) -> Int {
        widths.reduce(0, +) + 2 * max(0, widths.count - 1)
    }
}

/// Human cells already made, with their widths: networks repeat the same values over and over.
final class HumanCache {
    private var bytes: [Int: (String, Int)] = [:]
    private var memoryShares: [Int: (String, Int)] = [:]
    private var paramShares: [Int: (String, Int)] = [:]
    private var macsShares: [Int: (String, Int)] = [:]
    /// What is done to a cell before it is kept (Markdown escapes it); the width is the result's.
    private let shaping: (String) -> String

    init(shaping: @escaping (String) -> String = { $0 }) {
        self.shaping = shaping
    }

    /// Forgets every cell: shares depend on the network's totals.
    func reset() {
        bytes = [:]
        memoryShares = [:]
        paramShares = [:]
        macsShares = [:]
    }

    /// A row's human cell, shaped, with its width; byte sizes and shares made once per value, their
    /// bars drawn in `bars` (the same glyphs for every call between resets).
    func human(_ column: Column, _ row: LayerRow, _ network: NetworkReport, units: ByteUnits, bars: Glyphs,
               layout: ShapeLayout) -> (text: String, width: Int) {
        func cached(_ table: inout [Int: (String, Int)], _ key: Int) -> (String, Int) {
            if let cell = table[key] { return cell }
            let text = shaping(column.human(row, network, units: units, bars: bars, layout: layout))
            let cell = (text, displayWidth(text))
            table[key] = cell
            return cell
        }
        switch column {
        case .bytes, .backwardBytes: return cached(&bytes, row.forwardBytes)
        case .memoryShare: return cached(&memoryShares, row.activations)
        case .paramShare: return cached(&paramShares, row.params)
        case .macsShare: return cached(&macsShares, row.macs)
        case .index, .layer, .op, .input, .output, .kernel, .memory, .params, .weights, .biases, .nonTrainable, .macs,
             .rf, .spec, .path, .kept:
            let text = shaping(column.human(row, network, units: units, bars: bars, layout: layout))
            return (text, displayWidth(text))
        }
    }
}

/// The number of decimal digits of a value (and a minus sign).
func digits(_ value: Int) -> Int {
    var count = value < 0 ? 2 : 1
    var rest = value.magnitude / 10
    while rest > 0 {
        count += 1
        rest /= 10
    }
    return count
}

/// The width of a count with thousands separators: `34,944` is 6.
func countWidth(_ value: Int) -> Int {
    let plain = digits(value) - (value < 0 ? 1 : 0)
    return plain + (plain - 1) / 3 + (value < 0 ? 1 : 0)
}

/// Output text built as bytes, for speed on networks of a million layers. With a sink, the text is
/// handed on in chunks as it is made (`flushIfFull`), so that a million-layer table is never held whole.
struct TextBuffer {
    var bytes: [UInt8] = []
    /// Where full chunks go: standard output, in the real process; nil to keep everything.
    var sink: OutputSink?

    /// The size at which `flushIfFull` hands the text on.
    static let chunkSize = 1 << 16

    init(sink: OutputSink? = nil) {
        self.sink = sink
        if sink != nil { bytes.reserveCapacity(Self.chunkSize + 4096) }
    }

    /// Hands the text made so far to the sink once it has a chunk's worth; renderers call it where a
    /// line ends, so nothing they still change has left.
    @inline(__always)
    mutating func flushIfFull() {
        guard bytes.count >= Self.chunkSize, let sink else { return }
        sink.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    /// True once the reader has gone or a write failed: the rest need not be made.
    var isClosed: Bool { sink?.isClosed ?? false }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func spaces(_ count: Int) {
        guard count > 0 else { return }
        bytes.append(contentsOf: repeatElement(0x20, count: count))
    }

    /// Appends a volume as `55x55x96`, its sizes in the layout's order.
    mutating func appendShape(_ shape: Shape, in layout: ShapeLayout) {
        var first = true
        layout.forEach(shape) { size in
            if !first { append("x") }
            first = false
            count(size, separators: false)
        }
    }

    /// Appends `Sizes.text` without making it: `3`, or `7x1` when the axes differ.
    mutating func appendSizes(_ sizes: Sizes) {
        count(sizes.width, separators: false)
        guard !sizes.isUniform else { return }
        for axis in 1..<sizes.axisCount {
            append("x")
            count(sizes[axis], separators: false)
        }
    }

    /// Appends a whole number, with thousands separators unless told otherwise.
    mutating func count(_ value: Int, separators: Bool = true) {
        withDecimalText(value, separators: separators) { bytes.append(contentsOf: $0) }
    }
}

/// The totals block, as label and value lines, shared by the table and Markdown outputs.
struct TotalsSummary {
    let network: NetworkReport
    let units: ByteUnits

    /// `down#2/CONV12's backward`, `CONV1`: where a peak of the framework model falls.
    private func place(_ index: Int, backward: Bool) -> String {
        guard network.rows.indices.contains(index) else { return "the optimizer's step" }
        if backward && index == 0 { return "the optimizer's step" }
        let path = network.path(of: network.rows[index])
        return backward ? "\(path)'s backward" : path
    }

    var lines: [(String, String)] {
        let totals = network.totals
        let settings = network.settings
        let bytes = settings.dataType.bytes
        func amount(_ value: Int) -> String {
            let human = formatBytes(value, units)
            return human == "\(value) B" ? counted(value, "byte", "bytes") : "\(formatCount(value)) bytes (\(human))"
        }
        var lines: [(String, String)] = []
        lines.append(("params", "\(withApproximate(totals.params)) trainable = \(counted(totals.weights, "weight", "weights")) + \(counted(totals.biases, "bias", "biases"))"))
        lines.append(("non-trainable", totals.nonTrainable == 0 ? "0"
            : "\(withApproximate(totals.nonTrainable)): batch-norm running statistics"))
        let (all, overflow) = totals.params.addingReportingOverflow(totals.nonTrainable)
        lines.append(("total", overflow ? "more than 2^63" : "\(withApproximate(all)) = trainable + non-trainable (Keras's Total params)"))
        lines.append(("MACs", "\(withApproximate(totals.macs)); FLOPs = 2 x MACs, bias excluded"))
        lines.append(("memory", "\(withApproximate(totals.activations)) activation values per image, every row above counted, the input included"))
        let model = settings.shownMemory
        if model == .notes {
            lines.append(("forward", "\(amount(totals.forwardBytes)) = memory x batch \(settings.batch) x \(bytes) bytes"))
            lines.append(("backward", "\(amount(totals.backwardBytes)), a gradient for every stored value"))
        }
        lines.append(("param bytes", "\(amount(totals.paramBytes)) = params x \(settings.weightBytes) bytes"))
        let peakName = network.rows.indices.contains(totals.peakRow) ? network.rows[totals.peakRow].name : "?"
        switch model {
        case .notes:
            lines.append(("training", "\(amount(totals.trainingBytes)) = forward + backward + param bytes x \(settings.optimizer.copiesPerParameter) (\(settings.optimizer.copiesDescription))"))
            lines.append(("inference peak", "\(amount(totals.inferencePeakBytes)) = param bytes + \(formatCount(totals.peakLiveActivations)) live values x batch x \(bytes) bytes (at \(peakName))"))
            if let framework = totals.framework {
                lines.append(("in PyTorch", "training peak \(formatBytes(framework.trainingPeakBytes, units)) (at \(place(framework.trainingPeakRow, backward: framework.trainingPeakInBackward))), inference peak \(formatBytes(framework.inferencePeakBytes, units)), \(formatBytes(framework.keptBytes, units)) kept for the backward pass: --memory pytorch"))
            } else {
                lines.append(("in PyTorch", "more than 2^63 bytes"))
            }
        case .pytorch:
            guard let framework = totals.framework else {
                lines.append(("kept", "more than 2^63 bytes"))
                break
            }
            lines.append(("kept", "\(amount(framework.keptBytes)) that autograd keeps for the backward pass, each storage once (PyTorch)"))
            let states = settings.optimizer.copiesPerParameter - 2
            var parts = ["weights \(formatBytes(saturatingAdd(framework.weightBytes, framework.bufferBytes), units))",
                         "gradients \(formatBytes(framework.gradientBytesAtPeak, units))"]
            if states > 0 { parts.append("\(settings.optimizer == .adam ? "Adam moments" : "momentum") \(formatBytes(framework.optimizerBytes, units))") }
            parts.append("input \(formatBytes(framework.inputBytes, units))")
            parts.append("activations \(formatBytes(framework.activationBytesAtPeak, units))")
            lines.append(("training peak", "\(amount(framework.trainingPeakBytes)) = \(parts.joined(separator: " + ")), at \(place(framework.trainingPeakRow, backward: framework.trainingPeakInBackward)) (PyTorch, \(settings.optimizer.name)\(settings.amp ? ", mixed precision" : ""))"))
            lines.append(("inference peak", "\(amount(framework.inferencePeakBytes)) = weights + input + the outputs still to be read + scratch, at \(place(framework.inferencePeakRow, backward: false)) (PyTorch, no autograd)"))
            lines.append(("notes' model", "forward + backward \(formatBytes(saturatingAdd(totals.forwardBytes, totals.backwardBytes), units)), training \(formatBytes(totals.trainingBytes, units)), inference peak \(formatBytes(totals.inferencePeakBytes, units)): --memory notes"))
        }
        return lines
    }
}
