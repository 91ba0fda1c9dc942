/// One lexical token of the spec language.
struct Token: Sendable {
    /// What kind of token this is.
    enum Kind: Equatable, Sendable {
        /// A name: letters, digits and `_`, starting with a letter or `_` (`CONV`, `s4`, `block_a`).
        case identifier
        /// A framework's dotted name (`nn.Conv2d`, `layers.Dense`): never netcalc's, read whole so that
        /// its call gets one error that names the keyword.
        case dottedName
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
                } else if index + 2 < count, bytes[index] == 0xC3, bytes[index + 1] == 0x97, isDigit(bytes[index + 2]) {
                    // 227×227×3: one error for the sign, read as the x it stands for (no cascade).
                    let sign = SourceRange(index, index + 2)
                    diagnostics.append(Diagnostic(.error, Self.unexpected("\u{D7}"), at: sign, in: file,
                                                  hint: Self.hint(for: "\u{D7}")))
                    tokens.append(Token(kind: .times, range: sign, startsLine: false))
                    index += 2
                }
                continue
            } else if isIdentifierStart(byte) || (byte >= 0x80 && Self.isNameScalar(Self.scalar(in: bytes, at: index).scalar)) {
                // A name; letters outside ASCII are read into it (one error for the name, not a cascade).
                var foreign: Unicode.Scalar?
                while index < count {
                    if isIdentifierStart(bytes[index]) || isDigit(bytes[index]) { index += 1; continue }
                    guard bytes[index] >= 0x80 else { break }
                    let (scalar, length) = Self.scalar(in: bytes, at: index)
                    guard Self.isNameScalar(scalar) else { break }
                    foreign = foreign ?? scalar
                    index += length
                }
                if let foreign {
                    let name = String(decoding: bytes[start..<index], as: UTF8.self)
                    diagnostics.append(Diagnostic(
                        .error, "the name '\(name)' has a letter that is not ASCII: '\(foreign)' (\(foreign.codePointName))",
                        at: SourceRange(start, index), in: file,
                        hint: "names are made of the letters A to Z and a to z, digits and _"))
                }
                kind = .identifier
                // `nn.Conv2d`: a name with dots is a framework's; one token, so one error.
                while foreign == nil, index + 1 < count, bytes[index] == UInt8(ascii: "."),
                      isIdentifierStart(bytes[index + 1]) {
                    index += 1
                    while index < count, isIdentifierStart(bytes[index]) || isDigit(bytes[index]) { index += 1 }
                    kind = .dottedName
                }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                // `padding='same'`: a quoted word is read as the word, with one error for the quotes.
                var end = index + 1
                while end < count, isIdentifierStart(bytes[end]) || isDigit(bytes[end]) { end += 1 }
                if end > index + 1, end < count, bytes[end] == byte {
                    let word = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                    diagnostics.append(Diagnostic(.error, "netcalc's words are written without quotes",
                                                  at: SourceRange(start, end + 1), in: file, hint: Self.quotedWordHint(word)))
                    tokens.append(Token(kind: .identifier, range: SourceRange(index + 1, end), startsLine: lineStart))
                    lineStart = false
                    index = end + 1
                    continue
                }
                index += 1
                diagnostics.append(Diagnostic(.error, Self.unexpected(Unicode.Scalar(byte)), at: SourceRange(start, index),
                                              in: file, hint: "quotes are not part of the language; a comment starts with #"))
                lineStart = false
                continue
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
                    let (scalar, length) = Self.scalar(in: bytes, at: start)
                    index = start + length
                    diagnostics.append(Diagnostic(
                        .error, Self.unexpected(scalar), at: SourceRange(start, index), in: file,
                        hint: Self.hint(for: scalar) ?? lookalikeHint(String(Character(scalar)))))
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

    /// The character that starts at a byte offset of valid UTF-8, and its length in bytes.
    static func scalar(in bytes: [UInt8], at index: Int) -> (scalar: Unicode.Scalar, length: Int) {
        var end = index + 1
        while end < bytes.count, end - index < 4, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let scalar = String(decoding: bytes[index..<end], as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
        return (scalar, end - index)
    }

    /// True for a character outside ASCII that reads as part of a name: a letter, a digit, a mark.
    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x80, !scalar.isInvisible else { return false }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .decimalNumber:
            return true
        case .enclosingMark, .letterNumber, .otherNumber, .connectorPunctuation, .dashPunctuation,
             .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol, .spaceSeparator, .lineSeparator,
             .paragraphSeparator, .control, .format, .surrogate, .privateUse, .unassigned:
            return false
        @unknown default:
            return false
        }
    }

    /// "unexpected character '×' (U+00D7 MULTIPLICATION SIGN)"; an invisible character is named by its
    /// code point alone: "unexpected character U+FEFF ZERO WIDTH NO-BREAK SPACE".
    static func unexpected(_ scalar: Unicode.Scalar) -> String {
        if scalar.isInvisible { return "unexpected character \(scalar.codePointName)" }
        if scalar.isASCII { return "unexpected character '\(scalar)'" }
        return "unexpected character '\(scalar)' (\(scalar.codePointName))"
    }

    /// Advice for a quoted word: `'same'` is the padding `same`.
    static func quotedWordHint(_ word: String) -> String {
        switch word.lowercased() {
        case "same": return "write padding=same or p=same: the output keeps the input's size at stride 1 (p1 for a 3x3 filter)"
        case "valid": return "write padding=valid or p0: no padding"
        default: return word.utf8.count <= 40 ? "write \(word) without the quotes" : "write the word without the quotes"
        }
    }

    /// Advice for the characters people type by mistake.
    static func hint(for scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0xFEFF: return "a byte-order mark may only start the file"
        case 0x2028, 0x2029, 0x85: return "lines end with LF or CRLF"
        case 0: return "a NUL byte: is this a text file?"
        case 0xD7: return "the x of a size is the letter x: 227x227x3"
        case 0x2010...0x2015, 0x2190...0x21FF, 0x2212, 0x27F6: return "the arrow is -> or →"
        default: return nil
        }
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

