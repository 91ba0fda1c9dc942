/// A half-open range of byte offsets in a source file.
struct SourceRange: Hashable, Sendable {
    var start: Int
    var end: Int

    init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(start, end)
    }

    /// The smallest range that covers both.
    func union(_ other: SourceRange) -> SourceRange {
        SourceRange(min(start, other.start), max(end, other.end))
    }
}

/// A node of a binary model file (ONNX), the place a diagnostic about it names where a text file's
/// would give a line: `node 12 'Conv_3' (Conv)`.
struct ModelNode: Hashable, Sendable {
    /// Its position in the graph, from 0 (ONNX's `graph.node[12]`).
    var index: Int
    /// Its name, else its first output's, else its operator (what the file offers to find it by).
    var name: String
    /// Its operator: `Conv`.
    var op: String

    /// `node 12 'Conv_3' (Conv)`, as it is shown on a terminal.
    var text: String { "node \(index) '\(visible(name))' (\(visible(op)))" }
}

/// A message about a spec, tied to a place in it: an error, a warning or a note.
struct Diagnostic: Sendable {
    /// How serious a diagnostic is.
    enum Severity: String, Sendable {
        case error, warning, note
    }

    var severity: Severity
    /// What is wrong, cropped to `maximumEchoedText` characters: a message echoes what it read (a name
    /// of 50 MB is shown by its start and end, not written out twice).
    var message: String {
        didSet { message = cropped(message) }
    }
    /// Where in the file; nil for a diagnostic about the file as a whole.
    var range: SourceRange?
    /// The file the range points into; nil for a problem outside any file (a bad option).
    var file: SourceFile?
    /// Advice lines shown under the caret, each introduced with `hint:`, each cropped as a message is.
    var hints: [String] {
        didSet { hints = hints.map(cropped) }
    }
    /// The node of a binary model file it is about, shown where a text file's line and column would be.
    var node: ModelNode?

    init(_ severity: Severity, _ message: String, at range: SourceRange? = nil, in file: SourceFile? = nil,
         hint: String? = nil, node: ModelNode? = nil) {
        self.severity = severity
        self.message = cropped(message)
        self.range = range
        self.file = file
        self.hints = hint.map { [cropped($0)] } ?? []
        self.node = node
    }

    /// The 1-based line and column where the diagnostic points, if it has a place in a file with text.
    var location: (line: Int, column: Int)? {
        guard let range, let file, file.hasText else { return nil }
        return file.location(of: range.start)
    }

    /// `model.onnx: node 12 'Conv_3' (Conv)`, `spec.net:3:14`, `netcalc`: where the diagnostic is, as
    /// it is shown on a terminal.
    var place: String {
        guard let file else { return "netcalc" }
        var place = visible(file.name)
        if let (line, column) = location { place += ":\(line):\(column)" }
        if let node { place += ": " + node.text }
        return place
    }
}

/// The most characters of a diagnostic's message or hint: past it, the middle of the text is left out.
let maximumEchoedText = 1_000

/// `text` with its middle left out when it is longer than `maximumEchoedText` characters (Unicode
/// scalars): its start and its end, joined by `...` and how much was left out.
func cropped(_ text: String) -> String {
    guard text.utf8.count > maximumEchoedText else { return text }
    let scalars = text.unicodeScalars
    let count = scalars.count
    guard count > maximumEchoedText else { return text }
    let head = maximumEchoedText * 3 / 5, tail = maximumEchoedText / 5
    var out = String(String.UnicodeScalarView(scalars.prefix(head)))
    out += "...(\(formatCount(count - head - tail)) characters left out)..."
    out += String(String.UnicodeScalarView(scalars.suffix(tail)))
    return out
}

/// Diagnostics in the order they were found, each reported once, at most `limit` of them: past that
/// they are only counted, and the checks that make many (one per layer) stop looking, so that a file
/// of a million mistakes costs what a hundred do.
struct DiagnosticList: Error, Sendable {
    /// How many diagnostics a list keeps; netcalc shows the first hundred of a file.
    static let limit = 200

    private(set) var items: [Diagnostic] = []
    private var seen: Set<String> = []
    /// Diagnostics not kept because the list was full.
    private(set) var dropped = 0
    private var errorCount = 0

    /// Adds a diagnostic unless the same message was already given at the same place.
    mutating func append(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error { errorCount += 1 }
        guard !isFull else {
            dropped += 1
            return
        }
        let key = "\(diagnostic.file?.name ?? "")|\(diagnostic.range?.start ?? -1)|\(diagnostic.node?.index ?? -1)|\(diagnostic.message)"
        if seen.insert(key).inserted {
            items.append(diagnostic)
        } else if diagnostic.severity == .error {
            errorCount -= 1
        }
    }

    mutating func append(contentsOf other: DiagnosticList) {
        for item in other.items { append(item) }
        dropped += other.dropped
        if other.dropped > 0 { errorCount += 1 }
    }

    /// True once the list keeps no more: checks that report per layer stop here.
    var isFull: Bool { items.count >= Self.limit }
    var hasErrors: Bool { errorCount > 0 }
    var isEmpty: Bool { items.isEmpty && dropped == 0 }
}

extension DiagnosticList {
    /// The same diagnostics with every warning an error that says so (`--strict`: a script must not pass
    /// a warning by). A warning never changes a number; under `--strict` a file with one gives none.
    func strict() -> DiagnosticList {
        var list = DiagnosticList()
        for var item in items {
            if item.severity == .warning {
                item.severity = .error
                item.message += " [--strict]"
            }
            list.append(item)
        }
        list.dropped += dropped
        if dropped > 0 { list.errorCount += 1 }
        return list
    }
}

/// Renders diagnostics the way compilers do: `FILE:LINE:COL: error: message`, the source line,
/// a caret under the place, then hints; for a binary model file, `FILE: node 12 'Conv_3' (Conv): error:
/// message` (or `FILE: error: message` about the whole file) and no source line. Everything echoed is
/// made `visible`: a control character in a source line, a file name or a message cannot drive the
/// terminal.
struct DiagnosticRenderer {
    var color: Bool
    /// Lines longer than this are cropped around the caret.
    var maxLineWidth = 120
    /// The terminal's width: messages and hints wrap to it, and source lines are cropped to it.
    var width: Int? {
        didSet { if let width { maxLineWidth = max(20, width - 6) } }
    }

    func render(_ diagnostic: Diagnostic) -> String {
        let bold = color ? "\u{1B}[1m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        let severityColor: String
        switch diagnostic.severity {
        case .error: severityColor = color ? "\u{1B}[1;31m" : ""
        case .warning: severityColor = color ? "\u{1B}[1;35m" : ""
        case .note: severityColor = color ? "\u{1B}[1;36m" : ""
        }
        let green = color ? "\u{1B}[1;32m" : ""
        var out = ""
        let place = diagnostic.place
        out += "\(bold)\(place):\(reset) \(severityColor)\(diagnostic.severity.rawValue):\(reset) "
        let lead = displayWidth(place) + diagnostic.severity.rawValue.count + 3
        let shownMessage = visible(diagnostic.message)
        let message = width.map { wrapped(shownMessage, width: $0, offset: lead, indent: 4).joined(separator: "\n") }
            ?? shownMessage
        out += "\(bold)\(message)\(reset)\n"
        // A binary file (an ONNX model) has no source line to show: its place names the node.
        if let file = diagnostic.file, file.hasText, let range = diagnostic.range {
            let (line, lineColumn) = file.location(of: range.start)
            // Only the part of the line around the caret is read: a line may be megabytes long. Columns
            // count characters (Unicode scalars); each is shown as a terminal shows it safely: a control
            // character as ^[, an invisible one as <U+2028>, a tab as a tab.
            let window = file.lineWindow(around: range.start, radius: 4 * maxLineWidth)
            let source = Array(window.text.unicodeScalars)
            let column = lineColumn - window.firstColumn + 1
            // The underline covers the range on its first line, at least one character.
            let endLocation = file.location(of: range.end)
            let endColumn = endLocation.line == line ? endLocation.column - window.firstColumn + 1 : source.count + 1
            let width = max(1, endColumn - column)
            var first = 0
            var last = source.count
            if source.count > maxLineWidth {
                first = max(0, min(column - 1 - maxLineWidth / 2, source.count - maxLineWidth))
                last = min(source.count, first + maxLineWidth)
            }
            let pieces = source[first..<last].map { $0 == "\t" ? "\t" : $0.visibleText }
            func piece(_ index: Int) -> String { pieces[index - first] }
            let prefix = first > 0 || window.cutBefore ? "..." : ""
            let suffix = last < source.count || window.cutAfter ? "..." : ""
            out += prefix + pieces.joined() + suffix + "\n"
            var marker = String(repeating: " ", count: prefix.count)
            let caretIndex = column - 1
            for index in first..<min(caretIndex, last) {
                marker += piece(index) == "\t" ? "\t" : String(repeating: " ", count: piece(index).count)
            }
            var underline = 0
            for index in max(first, caretIndex)..<max(max(first, caretIndex), min(last, caretIndex + width)) {
                underline += piece(index) == "\t" ? 1 : piece(index).count
            }
            marker += "^" + String(repeating: "~", count: max(0, underline - 1))
            out += green + marker + reset + "\n"
        }
        for hint in diagnostic.hints {
            let shownHint = visible(hint)
            let text = width.map { wrapped(shownHint, width: $0, offset: 6, indent: 6).joined(separator: "\n") } ?? shownHint
            out += "\(bold)hint:\(reset) \(text)\n"
        }
        return out
    }

    func render(_ list: DiagnosticList) -> String {
        list.items.map(render).joined()
    }
}
