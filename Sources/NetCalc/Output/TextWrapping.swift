/// Text that fits the terminal: lines broken at spaces, later lines indented under the first's value.
/// Used for every text output whose width is known (`COLUMNS`, else the terminal's); a pipe with
/// neither is not wrapped, and JSON and CSV never are.

/// Breaks text into lines of at most `width` columns at spaces: the first line starts after `offset`
/// columns already used, later lines with `indent` spaces. A word longer than a line stays whole.
func wrapped(_ text: String, width: Int, offset: Int = 0, indent: Int) -> [String] {
    guard width > 0, offset + displayWidth(text) > width else { return [text] }
    var lines: [String] = []
    var current = ""
    var used = offset
    var started = false  // a word (even an empty one, a run of spaces) is on the current line
    let pad = String(repeating: " ", count: max(0, min(indent, width / 2)))
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
        let wordWidth = displayWidth(String(word))
        if !started {
            current = String(word)
            used = offset + wordWidth
            started = true
        } else if !word.isEmpty, used + 1 + wordWidth > width, current.contains(where: { $0 != " " }) {
            while current.hasSuffix(" ") { current.removeLast() }
            lines.append(current)
            current = pad + word
            used = pad.count + wordWidth
        } else {
            current += " " + word
            used += 1 + wordWidth
        }
    }
    lines.append(current)
    return lines
}

/// Wraps every line of a text to `width`, each continuation under the line's value: after a label and
/// two spaces (`  params  ...`), after `hint: `, else four columns in from where the line starts.
func wrappedLines(_ text: String, width: Int?) -> String {
    guard let width, width >= 20 else { return text }
    var out = ""
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = String(line)
        if displayWidth(line) <= width {
            out += line + "\n"
            continue
        }
        let leading = line.prefix { $0 == " " }.count
        var indent = leading + 4
        if line.hasPrefix("hint: ") {
            indent = 6
        } else if let gap = line.dropFirst(leading).range(of: "  ") {
            let column = line.distance(from: line.startIndex, to: gap.upperBound)
            var valueStart = column
            for character in line[gap.upperBound...] { if character == " " { valueStart += 1 } else { break } }
            if valueStart < width / 2 { indent = valueStart }
        }
        out += wrapped(line, width: width, indent: indent).joined(separator: "\n") + "\n"
    }
    if !text.hasSuffix("\n"), out.hasSuffix("\n") { out.removeLast() }
    return String(out.dropLast(text.hasSuffix("\n") ? 1 : 0))
}

private extension Substring {
    /// The range of the first occurrence of a string.
    func range(of target: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) { return index..<self.index(index, offsetBy: target.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
