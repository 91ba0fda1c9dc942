/// A spec's text as bytes, with the line table that turns byte offsets into lines and columns.
///
/// The bytes are validated UTF-8 (a leading byte-order mark is dropped); `SourceFile.load` reports
/// the first invalid byte instead of making a file.
struct SourceFile: Sendable {
    /// The name shown in diagnostics: a path, `<stdin>` or `<expr>`.
    let name: String
    /// The spec's bytes, valid UTF-8.
    let bytes: [UInt8]
    /// The byte offset at which each line starts; line 1 starts at 0.
    /// Where each line starts, in 32 bits (files are at most 64 MiB; a million-line file keeps a million).
    private let storedLineStarts: [UInt32]
    /// The column (1-based, in characters of its line) of every byte at a multiple of
    /// `checkpointStride`: a column is then found by counting at most that many bytes, however long
    /// the line (a million answers on one line stay linear).
    private let checkpointColumns: [Int]
    private static let checkpointStride = 4096
    /// False for the stand-in of a binary model file (ONNX), which has no text: a diagnostic about it has
    /// no line and column and shows no source line; it names a node of the model instead.
    private(set) var hasText = true

    /// Makes a source file from bytes already known to be valid UTF-8.
    init(name: String, validBytes: [UInt8]) {
        self.name = name
        self.bytes = validBytes
        var starts: [UInt32] = [0]
        var checkpoints: [Int] = []
        checkpoints.reserveCapacity(validBytes.count / Self.checkpointStride + 1)
        var column = 1
        for (offset, byte) in validBytes.enumerated() {
            if offset % Self.checkpointStride == 0 { checkpoints.append(column) }
            if byte == UInt8(ascii: "\n") {
                starts.append(UInt32(clamping: offset + 1))
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        self.storedLineStarts = starts
        self.checkpointColumns = checkpoints
    }

    /// Makes a source file from text.
    init(name: String, text: String) {
        self.init(name: name, validBytes: Array(text.utf8))
    }

    /// The stand-in for a binary model file (ONNX), named as the file: no text, no lines.
    init(binaryNamed name: String) {
        self.init(name: name, validBytes: [])
        hasText = false
    }

    /// Validates raw bytes and makes a source file, or returns the diagnostic for the first invalid byte.
    static func load(name: String, bytes raw: [UInt8]) -> Result<SourceFile, DiagnosticList> {
        var bytes = raw
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let bad = firstInvalidUTF8Offset(bytes) {
            // Show the line up to the bad byte, which is valid text.
            var prefix = Array(bytes[..<bad])
            var lineEnd = bad
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            prefix.append(contentsOf: Array(repeating: UInt8(ascii: "?"), count: lineEnd - bad))
            let shown = SourceFile(name: name, validBytes: prefix)
            let rawOffset = bad + (raw.count - bytes.count)
            var list = DiagnosticList()
            list.append(Diagnostic(
                .error,
                "the file is not valid UTF-8: byte 0x\(hex(bytes[bad])) at byte offset \(rawOffset)",
                at: SourceRange(bad, bad + 1), in: shown,
                hint: "save the spec as UTF-8 text"))
            return .failure(list)
        }
        return .success(SourceFile(name: name, validBytes: bytes))
    }

    /// The lines' first byte offsets, the first line's first.
    private var lineStarts: LineStarts { LineStarts(stored: storedLineStarts) }

    /// The 1-based line and column (in characters) of a byte offset.
    func location(of offset: Int) -> (line: Int, column: Int) {
        let clamped = min(max(offset, 0), bytes.count)
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= clamped { low = mid } else { high = mid - 1 }
        }
        var column = 1
        var index = lineStarts[low]
        // Start from the last checkpoint inside the line, if there is one before the offset.
        let checkpoint = clamped / Self.checkpointStride
        if checkpoint < checkpointColumns.count, checkpoint * Self.checkpointStride > index {
            index = checkpoint * Self.checkpointStride
            column = checkpointColumns[checkpoint]
        }
        while index < clamped {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        // A continuation byte at the offset itself belongs to the character before it.
        return (low + 1, column)
    }

    /// The text of a 1-based line, without its line ending.
    /// Part of a line around a byte offset, at most `radius` bytes each side (cut at character
    /// boundaries): its text, the column of its first character, and whether it is the whole line.
    func lineWindow(around offset: Int, radius: Int) -> (text: String, firstColumn: Int, cutBefore: Bool, cutAfter: Bool) {
        let (line, _) = location(of: offset)
        let lineStart = lineStarts[line - 1]
        var lineEnd = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        let clamped = min(max(offset, lineStart), max(lineStart, lineEnd))
        var start = max(lineStart, clamped - radius)
        while start > lineStart, start < bytes.count, bytes[start] & 0xC0 == 0x80 { start -= 1 }
        var end = min(lineEnd, clamped + radius)
        while end < lineEnd, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
        return (text, location(of: start).column, start > lineStart, end < lineEnd)
    }

    func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, end <= bytes.count, end - 1 >= start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The source text of a range, with runs of white space folded to one space.
    func text(of range: SourceRange) -> String {
        let start = min(max(range.start, 0), bytes.count)
        let end = min(max(range.end, start), bytes.count)
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var pendingSpace = false
        for byte in bytes[start..<end] {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The offset of the first byte that is not part of valid UTF-8, or nil when all are valid.
func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
    var index = 0
    let count = bytes.count
    while index < count {
        let lead = bytes[index]
        if lead < 0x80 { index += 1; continue }
        let length: Int
        var minimum: UInt32
        var scalar: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
        default: return index
        }
        if index + length > count { return index }
        for next in 1..<length {
            let byte = bytes[index + next]
            if byte & 0xC0 != 0x80 { return index }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return index }
        index += length
    }
    return nil
}

/// Two hexadecimal digits for a byte.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

/// A source file's line starts read as `Int`s.
private struct LineStarts {
    let stored: [UInt32]

    var count: Int { stored.count }

    subscript(line: Int) -> Int { Int(stored[line]) }
}
