/// How names go into each kind of output. A name can be anything: a Caffe model's `name: "..."`, an
/// ONNX node's name and a file's name come from outside and may hold quotes, backslashes, line breaks,
/// `</script>`, braces or control characters. Each emitter writes them escaped for its language, so
/// that they stay text: never code, markup or terminal controls. (JSON escapes in its renderer; the
/// others use the functions here: one for each target, the terminal's being `visible`.)

extension NetworkReport {
    /// The report with every name shown `visible`, for output read on a terminal (the table, the
    /// summary): the network's name, its file, its notes, its rows' names, the texts of rows that are
    /// not a layer's (a model's merge names the tensors it reads), and its block uses (a model file's
    /// scopes). The report itself when nothing changes.
    var shownAsText: NetworkReport {
        func needsChange(_ text: String) -> Bool { visible(text) != text }
        guard needsChange(name) || needsChange(file) || notes.contains(where: needsChange)
                || rows.contains(where: { needsChange($0.name) || ($0.resolved == nil && needsChange($0.text)) })
                || blocks.contains(where: { needsChange($0.name) || needsChange($0.text) }) else { return self }
        var copy = self
        copy.name = visible(name)
        copy.file = visible(file)
        copy.notes = notes.map { visible($0) }
        for index in copy.rows.indices {
            copy.rows[index].name = visible(copy.rows[index].name)
            if copy.rows[index].resolved == nil { copy.rows[index].text = visible(copy.rows[index].text) }
        }
        for index in copy.blocks.indices {
            copy.blocks[index].name = visible(copy.blocks[index].name)
            copy.blocks[index].text = visible(copy.blocks[index].text)
        }
        return copy
    }
}

/// A Python string literal that holds `text` exactly, in ASCII: quotes and backslashes escaped, every
/// other character outside printable ASCII written as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
func pythonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case " "..."~": out.unicodeScalars.append(scalar)
        default:
            let digits = String(scalar.value, radix: 16)
            let (prefix, width) = scalar.value < 0x100 ? ("\\x", 2) : scalar.value < 0x10000 ? ("\\u", 4) : ("\\U", 8)
            out += prefix + String(repeating: "0", count: width - digits.count) + digits
        }
    }
    return out + "\""
}
/// A Markdown code span showing `text` literally: fenced with more backticks than any run inside, and
/// every invisible character shown (a line break would end the paragraph).
func markdownCode(_ text: String) -> String {
    let shown = visible(text)
    var longest = 0
    var run = 0
    for character in shown {
        run = character == "`" ? run + 1 : 0
        longest = max(longest, run)
    }
    let fence = String(repeating: "`", count: longest + 1)
    let pad = shown.hasPrefix("`") || shown.hasSuffix("`") || shown.isEmpty ? " " : ""
    return fence + pad + shown + pad + fence
}

/// A CSV field (RFC 4180) that a spreadsheet reads as the text it holds: every CSV netcalc writes (`--format
/// csv`, `check`'s gradebook) writes its fields through this one function.
///
/// - Text a spreadsheet would take for a formula gets a leading apostrophe, as OWASP's CSV-injection advice
///   says: text starting with `=`, `+`, `-`, `@`, a tab or a carriage return, or with spaces and then one of
///   them (importers that trim spaces would start the cell there). Looked at byte by byte: `=` with a
///   combining mark after it (one Swift Character) starts a formula all the same.
/// - The field is quoted when it holds a comma, a quote or a line break, quotes doubled. Byte by byte too:
///   `\r\n` is one Character, and so is a quote with a combining mark after it, and neither may slip through.
/// - `visibly`, for a CSV that goes to a terminal: the text is shown `visible` (control characters as `^[`),
///   as `ls` shows a file name on a terminal; written to a file or a pipe, it is exact.
func csvField(_ text: String, visibly: Bool = false) -> String {
    var buffer = TextBuffer()
    buffer.appendCSVField(text, visibly: visibly)
    return buffer.string
}

extension TextBuffer {
    /// Appends `csvField(text, visibly:)`.
    mutating func appendCSVField(_ text: String, visibly: Bool = false) {
        let shown = visibly ? visible(text) : text
        let formula = startsFormula(text)
        let quote = UInt8(ascii: "\"")
        let quoted = shown.utf8.contains { $0 == UInt8(ascii: ",") || $0 == quote || $0 == 0x0A || $0 == 0x0D }
        guard quoted else {
            if formula { bytes.append(UInt8(ascii: "'")) }
            append(shown)
            return
        }
        bytes.append(quote)
        if formula { bytes.append(UInt8(ascii: "'")) }
        for byte in shown.utf8 {
            if byte == quote { bytes.append(quote) }
            bytes.append(byte)
        }
        bytes.append(quote)
    }
}

/// True when a spreadsheet would read text as a formula: it starts, after any spaces, with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (OWASP's list).
private func startsFormula(_ text: String) -> Bool {
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: " "): continue
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: return true
        default: return false
        }
    }
    return false
}
