/// One lexical token of the spec language.
struct Token: Sendable {
    /// What kind of token this is.
    enum Kind: Equatable, Sendable {
        /// A name: letters, digits and `_`, starting with a letter or `_` (`CONV`, `s4`, `block_a`).
        case identifier
        /// A whole number (`227`, `34_944`).
        case integer(Int)
        /// A number with a fraction (`0.5`), kept as written.
        case decimal
        /// The `x` between the parts of a size, as in `227x227x3`.
        case times
        case arrow, leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
        case comma, equals, star, plus, minus, slash, pipe, at, colon, percent
        case endOfFile
    }

    var kind: Kind
    /// The token's place, in 32 bits each (files are at most 64 MiB): a million-layer file has ten
    /// million tokens, and this keeps a token at 24 bytes.
    private var start: UInt32
    private var end: UInt32
    /// True when the token is the first on its line.
    var startsLine: Bool

    init(kind: Kind, range: SourceRange, startsLine: Bool) {
        self.kind = kind
        self.start = UInt32(clamping: range.start)
        self.end = UInt32(clamping: range.end)
        self.startsLine = startsLine
    }

    var range: SourceRange { SourceRange(Int(start), Int(end)) }
}

/// Splits a source file into tokens, reporting characters that belong to no token.
struct Lexer {
    let file: SourceFile
    private(set) var diagnostics = DiagnosticList()
    /// Every comment, `#` to the end of its line (for `netcalc fmt`, which keeps them).
    private(set) var comments: [SourceRange] = []
    /// The start offsets of integer tokens too large for 64 bits (already reported).
    private(set) var overflowed: Set<Int> = []

    init(file: SourceFile) {
        self.file = file
    }

    /// Produces every token of the file, ending with `.endOfFile`.
    mutating func tokenize() -> [Token] {
        let bytes = file.bytes
        let count = bytes.count
        var tokens: [Token] = []
        tokens.reserveCapacity(count / 3 + 1)
        var index = 0
        var lineStart = true

        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        func isIdentifierStart(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }

        while index < count {
            let byte = bytes[index]
            let start = index
            switch byte {
            case UInt8(ascii: "\n"):
                lineStart = true
                index += 1
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
                continue
            case UInt8(ascii: "#"):
                while index < count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                var end = index
                if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                comments.append(SourceRange(start, end))
                continue
            default:
                break
            }

            var kind: Token.Kind
            if isDigit(byte) {
                var value = 0
                var overflow = false
                while index < count, isDigit(bytes[index]) || (bytes[index] == UInt8(ascii: "_")
                    && index + 1 < count && isDigit(bytes[index + 1])) {
                    if bytes[index] != UInt8(ascii: "_") {
                        let (times, o1) = value.multipliedReportingOverflow(by: 10)
                        let (sum, o2) = times.addingReportingOverflow(Int(bytes[index] - 0x30))
                        overflow = overflow || o1 || o2
                        value = sum
                    }
                    index += 1
                }
                if index + 1 < count, bytes[index] == UInt8(ascii: "."), isDigit(bytes[index + 1]) {
                    index += 1
                    while index < count, isDigit(bytes[index]) { index += 1 }
                    kind = .decimal
                } else {
                    if overflow {
                        diagnostics.append(Diagnostic(
                            .error, "the number \(String(decoding: bytes[start..<index], as: UTF8.self)) is too large",
                            at: SourceRange(start, index), in: file,
                            hint: "numbers must fit in 64 bits (at most \(Int.max))"))
                        value = Int.max
                        overflowed.insert(start)
                    }
                    kind = .integer(value)
                }
                tokens.append(Token(kind: kind, range: SourceRange(start, index), startsLine: lineStart))
                lineStart = false
                // `227x227x3`: an x (or X) between digits separates the parts of a size.
                if index + 1 < count, bytes[index] | 0x20 == UInt8(ascii: "x"), isDigit(bytes[index + 1]) {
                    tokens.append(Token(kind: .times, range: SourceRange(index, index + 1), startsLine: false))
                    index += 1
                }
                continue
            } else if isIdentifierStart(byte) {
                while index < count, isIdentifierStart(bytes[index]) || isDigit(bytes[index]) { index += 1 }
                kind = .identifier
            } else {
                index += 1
                switch byte {
                case UInt8(ascii: "-"):
                    if index < count, bytes[index] == UInt8(ascii: ">") {
                        index += 1
                        kind = .arrow
                    } else {
                        kind = .minus
                    }
                case 0xE2 where index + 1 < count && bytes[index] == 0x86 && bytes[index + 1] == 0x92:
                    index += 2  // U+2192 RIGHTWARDS ARROW
                    kind = .arrow
                case UInt8(ascii: "("): kind = .leftParen
                case UInt8(ascii: ")"): kind = .rightParen
                case UInt8(ascii: "["): kind = .leftBracket
                case UInt8(ascii: "]"): kind = .rightBracket
                case UInt8(ascii: "{"):
                    // An answer list for `netcalc check` is read raw (Answers.swift), up to its `}`.
                    tokens.append(Token(kind: .leftBrace, range: SourceRange(start, index), startsLine: lineStart))
                    lineStart = false
                    while index < count, bytes[index] != UInt8(ascii: "}") { index += 1 }
                    guard index < count else { continue }
                    tokens.append(Token(kind: .rightBrace, range: SourceRange(index, index + 1), startsLine: false))
                    lineStart = false
                    index += 1
                    continue
                case UInt8(ascii: "}"): kind = .rightBrace
                case UInt8(ascii: ","): kind = .comma
                case UInt8(ascii: "="): kind = .equals
                case UInt8(ascii: "*"): kind = .star
                case UInt8(ascii: "+"): kind = .plus
                case UInt8(ascii: "/"): kind = .slash
                case UInt8(ascii: "|"): kind = .pipe
                case UInt8(ascii: "@"): kind = .at
                case UInt8(ascii: ":"): kind = .colon
                case UInt8(ascii: "%"): kind = .percent
                default:
                    // Skip the whole character, so one bad character is one error.
                    while index < count, bytes[index] & 0xC0 == 0x80 { index += 1 }
                    let character = String(decoding: bytes[start..<index], as: UTF8.self)
                    let shown = byte == 0 ? "a NUL byte" : byte < 0x20 || byte == 0x7F
                        ? "the control character 0x\(hex(byte))" : "'\(character)'"
                    diagnostics.append(Diagnostic(
                        .error, "unexpected \(shown)", at: SourceRange(start, index), in: file,
                        hint: lookalikeHint(character) ?? (byte == 0xE2 ? "the arrow is -> or →" : nil)))
                    lineStart = false
                    continue
                }
            }
            tokens.append(Token(kind: kind, range: SourceRange(start, index), startsLine: lineStart))
            lineStart = false
        }
        tokens.append(Token(kind: .endOfFile, range: SourceRange(count, count), startsLine: true))
        return tokens
    }
}

/// Advice for characters that look like the language's own: `×` for `x`, a non-breaking space.
func lookalikeHint(_ character: String) -> String? {
    switch character {
    case "×", "✕", "⨯": return "write sizes with the letter x: INPUT[224x224x3]"
    case "\u{00A0}", "\u{202F}", "\u{2007}": return "a non-breaking space (U+\(hex4(character))): type a plain space"
    case "–", "—", "−": return "the arrow is -> or →; a minus is -"
    case "“", "”", "‘", "’": return "quotes are not part of the language; a comment starts with #"
    default: return nil
    }
}

/// The code point of a one-character string, four hex digits at least: `00A0`.
private func hex4(_ character: String) -> String {
    let value = character.unicodeScalars.first?.value ?? 0
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

