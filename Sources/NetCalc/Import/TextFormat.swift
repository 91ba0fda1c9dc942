/// The protobuf text format (what Caffe's `.prototxt` files are), read without a schema: a message is
/// a list of named fields, each a scalar written as it stands or a nested message. The Caffe reader
/// maps these fields onto layers; this file only knows the syntax.
///
/// Decisions, following protobuf's own text-format tokenizer where it has one:
/// - Numbers keep their text: decimal `64`, octal `017` (a leading 0 means octal, as in protobuf, so
///   `08` is an error), hexadecimal `0x10`, and floats `0.0001`, `.5`, `1.`, `1e-5`, `2.5f` (an `f`
///   suffix is allowed). A `-` before a number or before `inf`, `infinity` or `nan` (any case) makes
///   one `.number` whose text starts with `-` (`- 1` with space between becomes `-1`). Unsigned
///   `inf`, `infinity` and `nan` are identifiers, as protobuf reads them; `double` accepts them.
/// - `int` takes integer literals only (`1.0` and `1e3` are not integers, as protobuf rejects them
///   for integer fields); `bool` takes `true`, `True`, `t`, `false`, `False`, `f`, and the unsigned
///   integers 1 and 0.
/// - Strings decode every protobuf escape; bytes that an escape makes but that are not UTF-8 become
///   U+FFFD. A string may not cross a line.
/// - Parsing stops at the first error, as protobuf does, so every diagnostic is a real one: the
///   message returned holds every field read before it, messages still open being closed there.

/// A protobuf text-format message: its fields in file order.
struct TextMessage: Sendable {
    var fields: [TextField]

    /// Makes a message from its fields.
    init(fields: [TextField] = []) {
        self.fields = fields
    }

    /// Every field with this name, in order.
    func all(_ name: String) -> [TextField] {
        fields.filter { $0.name == name }
    }

    /// The first field with this name.
    func first(_ name: String) -> TextField? {
        fields.first { $0.name == name }
    }
}

/// One field: `name: value` or `name { ... }` (also `name: { ... }` and `name < ... >`).
///
/// Each element of a list `name: [1, 2]` is a field of its own, named `name`, whose range runs from
/// the name to that element. An extension name `[ext.name]` is kept as written, without spaces.
struct TextField: Sendable {
    var name: String
    var nameRange: SourceRange
    var value: TextValue
    /// The range of the whole field (name to the end of its value).
    var range: SourceRange
}

/// A field's value.
enum TextValue: Sendable {
    /// An identifier (enum value such as MAX, true, CONVOLUTION), as written.
    case identifier(String, SourceRange)
    /// A number as written, with its sign: `64`, `-1`, `0.0001`, `1e-5`, `2.5f`, `0x10`, `017`, `-inf`.
    case number(String, SourceRange)
    /// A quoted string with its escapes decoded; adjacent strings are joined into one.
    case string(String, SourceRange)
    /// A nested message; the range runs from its `{` (or `<`) to its `}` (or `>`).
    case message(TextMessage, SourceRange)

    /// The range of the value in the file.
    var range: SourceRange {
        switch self {
        case .identifier(_, let range), .number(_, let range), .string(_, let range), .message(_, let range):
            return range
        }
    }
}

extension TextField {
    /// The value as an integer (a `number` that is an integer literal fitting Int), else nil.
    var int: Int? {
        switch value {
        case .number(let text, _): return TextNumber.integer(text)
        case .identifier, .string, .message: return nil
        }
    }

    /// The value as a Double: any number, or the identifiers `inf`, `infinity` and `nan` (any case).
    var double: Double? {
        switch value {
        case .number(let text, _): return TextNumber.double(text)
        case .identifier(let text, _): return TextNumber.special(text)
        case .string, .message: return nil
        }
    }

    /// A string value, or an identifier's text (Caffe writes `type: "Convolution"` and old files `type: CONVOLUTION`).
    var text: String? {
        switch value {
        case .string(let text, _), .identifier(let text, _): return text
        case .number, .message: return nil
        }
    }

    /// The value as a Bool, as protobuf reads one: `true`, `True`, `t`, `false`, `False`, `f`, 1 or 0.
    var bool: Bool? {
        switch value {
        case .identifier(let text, _):
            switch text {
            case "true", "True", "t": return true
            case "false", "False", "f": return false
            default: return nil
            }
        case .number(let text, _):
            guard !text.hasPrefix("-") else { return nil }
            switch TextNumber.integer(text) {
            case 1: return true
            case 0: return false
            default: return nil
            }
        case .string, .message:
            return nil
        }
    }

    /// The nested message, when the value is one.
    var message: TextMessage? {
        switch value {
        case .message(let message, _): return message
        case .identifier, .number, .string: return nil
        }
    }

    /// The range of the value.
    var valueRange: SourceRange { value.range }
}

/// Reads the text of a number token (already checked by the parser) as an integer or a Double.
enum TextNumber {
    /// The integer a number's text spells, or nil when it is a float or does not fit Int.
    static func integer(_ text: String) -> Int? {
        var digits = Substring(text)
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        let radix: Int
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0"), digits.count > 1 {
            radix = 8
            digits = digits.dropFirst()
        } else {
            radix = 10
        }
        guard !digits.isEmpty, let magnitude = UInt64(digits, radix: radix) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else { return nil }
            return magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int.max) else { return nil }
        return Int(magnitude)
    }

    /// The value a number's text spells, rounded to a Double.
    static func double(_ text: String) -> Double? {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        guard let magnitude = unsignedDouble(body) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// The value of `inf`, `infinity` or `nan` in any case, else nil.
    static func special(_ text: String) -> Double? {
        switch text.lowercased() {
        case "inf", "infinity": return .infinity
        case "nan": return .nan
        default: return nil
        }
    }

    /// The value of an unsigned number's text.
    private static func unsignedDouble(_ body: Substring) -> Double? {
        if let value = special(String(body)) { return value }
        let utf8 = Array(body.utf8)
        guard let first = utf8.first else { return nil }
        // Hexadecimal and octal integers are read digit by digit (Double(_:) would read 017 as 17).
        var radix: Double = 0
        var digits: ArraySlice<UInt8> = []
        if utf8.count > 2, first == UInt8(ascii: "0"), utf8[1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            digits = utf8[2...]
        } else if utf8.count > 1, first == UInt8(ascii: "0"), utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
            radix = 8
            digits = utf8[1...]
        }
        if radix > 0 {
            var value = 0.0
            for byte in digits {
                guard let digit = hexDigitValue(byte), Double(digit) < radix else { return nil }
                value = value * radix + Double(digit)
            }
            return value
        }
        var decimal = body
        if let last = decimal.last, last == "f" || last == "F" { decimal = decimal.dropLast() }
        return Double(String(decimal))
    }
}

/// The value of a hexadecimal digit, or nil.
private func hexDigitValue(_ byte: UInt8) -> Int? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte) - 0x30
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte) - 0x61 + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte) - 0x41 + 10
    default: return nil
    }
}

/// One token of the text format.
private struct TextToken {
    /// What kind of token this is.
    enum Kind {
        /// A name: letters, digits and `_`, not starting with a digit.
        case identifier(String)
        /// A number literal as written (checked).
        case number(String)
        /// A quoted string, decoded.
        case string(String)
        /// One of `: { } < > [ ] , ; - . /`.
        case symbol(UInt8)
        /// The end of the bytes.
        case endOfFile
        /// A lexical error, already reported.
        case invalid
    }

    var kind: Kind
    var start: Int
    var end: Int

    /// Where the token is in the file.
    var range: SourceRange { SourceRange(start, end) }

    /// How a diagnostic names the token: `'}'`, `the number 5`, `a string`.
    var description: String {
        switch kind {
        case .identifier(let text): return "'\(text)'"
        case .number(let text): return "the number \(text)"
        case .string: return "a string"
        case .symbol(let byte): return "'\(Character(Unicode.Scalar(byte)))'"
        case .endOfFile: return "the end of the file"
        case .invalid: return "an invalid token"
        }
    }

    /// True for the symbol `byte`.
    func isSymbol(_ byte: UInt8) -> Bool {
        switch kind {
        case .symbol(let symbol): return symbol == byte
        case .identifier, .number, .string, .endOfFile, .invalid: return false
        }
    }
}

/// Parses protobuf text format into a TextMessage, with a diagnostic at the place of every error.
///
/// It stops at the first error (see the decisions at the top of this file). It works on the file's
/// bytes in one pass with one token of lookahead, and keeps open messages on a stack of its own, so
/// input of any size or nesting gives a result or a diagnostic in linear time, never a stack overflow.
struct TextFormatParser {
    /// The deepest nesting of messages accepted (deeper is an error, never a stack overflow).
    static let maximumDepth = 64

    /// A message that is open: its `{` is read, its closer not yet.
    private struct Frame {
        /// The fields of the message that holds this one, read so far.
        var parentFields: [TextField]
        var name: String
        var nameRange: SourceRange
        /// The `{` or `<` that opened it.
        var opener: UInt8
        var openerStart: Int
        /// True when the message is an element of a list `name: [{...}, {...}]`.
        var inList: Bool
        /// True when that list came without a colon, so it may hold messages only.
        var listWithoutColon: Bool
        /// The list's `[`, when the message is an element of one.
        var listBracket: SourceRange
    }

    let file: SourceFile
    private let bytes: [UInt8]
    /// The lexer's position.
    private var index = 0
    private var lookahead: TextToken?
    /// The end of the last token read.
    private var lastEnd = 0
    private var diagnostics = DiagnosticList()
    /// The messages open, outermost first.
    private var stack: [Frame] = []
    /// The fields of the innermost open message (the top-level message when none is open).
    private var fields: [TextField] = []

    /// Makes a parser for a file; `parse()` reads it.
    init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    /// The top-level message (its fields), and the errors found. Parsing stops at the first error; the
    /// message returned holds what was read before it, each message still open closed at that point.
    mutating func parse() -> (TextMessage, DiagnosticList) {
        index = 0
        lookahead = nil
        lastEnd = 0
        diagnostics = DiagnosticList()
        stack = []
        fields = []
        parseMessages()
        while var frame = stack.popLast() {
            close(&frame, end: lastEnd)
        }
        let message = TextMessage(fields: fields)
        fields = []
        return (message, diagnostics)
    }

    // MARK: Syntax

    /// Reads fields until the end of the file or the first error.
    private mutating func parseMessages() {
        while true {
            let token = next()
            switch token.kind {
            case .endOfFile:
                if let frame = stack.last {
                    let opener = Character(Unicode.Scalar(frame.opener))
                    error("the message '\(frame.name)' is not closed at the end of the file",
                          at: SourceRange(frame.openerStart, frame.openerStart + 1),
                          hint: "this \(opener) is not closed")
                }
                return
            case .invalid:
                return
            case .identifier(let name):
                guard parseFieldValue(name: name, nameRange: token.range) else { return }
            case .symbol(let byte):
                switch byte {
                case UInt8(ascii: "}"), UInt8(ascii: ">"):
                    guard closeMessage(with: token) else { return }
                case UInt8(ascii: "["):
                    guard let (name, nameRange) = parseExtensionName(open: token),
                          parseFieldValue(name: name, nameRange: nameRange) else { return }
                default:
                    error("expected a field name, found \(token.description)", at: token.range,
                          hint: byte == UInt8(ascii: "/") ? "a comment starts with #" : nil)
                    return
                }
            case .number, .string:
                error("expected a field name, found \(token.description)", at: token.range)
                return
            }
        }
    }

    /// Reads what follows a field's name: `: value`, `: [list]`, `{ message }` or `: { message }`.
    /// Returns false after an error.
    private mutating func parseFieldValue(name: String, nameRange: SourceRange) -> Bool {
        var token = peek()
        var hasColon = false
        if token.isSymbol(UInt8(ascii: ":")) {
            _ = next()
            hasColon = true
            token = peek()
        }
        switch token.kind {
        case .symbol(let byte):
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "<"):
                _ = next()
                return open(name: name, nameRange: nameRange, opener: token, list: nil)
            case UInt8(ascii: "["):
                _ = next()
                if peek().isSymbol(UInt8(ascii: "]")) {
                    _ = next()
                    skipSeparator()
                    return true
                }
                return parseList(name: name, nameRange: nameRange, withoutColon: !hasColon, bracket: token.range)
            case UInt8(ascii: "-"):
                break
            default:
                return expectedValue(name: name, hasColon: hasColon, found: token)
            }
        case .identifier, .number, .string:
            break
        case .endOfFile:
            return expectedValue(name: name, hasColon: hasColon, found: token)
        case .invalid:
            return false
        }
        guard hasColon else {
            missingColon(name: name, at: token.range)
            return false
        }
        guard let value = parseScalar() else { return false }
        fields.append(TextField(name: name, nameRange: nameRange, value: value,
                                range: SourceRange(nameRange.start, value.range.end)))
        skipSeparator()
        return true
    }

    /// Reads the elements of a list after its `[` (or after a message element closed, with
    /// `afterElement`) up to its `]`. Returns false after an error; returns true also when a message
    /// element opened, the list going on when it closes.
    private mutating func parseList(name: String, nameRange: SourceRange, withoutColon: Bool, bracket: SourceRange,
                                    afterElement: Bool = false) -> Bool {
        var expectElement = !afterElement
        while true {
            if !expectElement {
                let token = next()
                if token.isSymbol(UInt8(ascii: "]")) {
                    skipSeparator()
                    return true
                }
                if token.isSymbol(UInt8(ascii: ",")) {
                    expectElement = true
                    continue
                }
                switch token.kind {
                case .invalid: return false
                case .identifier, .number, .string, .symbol, .endOfFile:
                    error("expected ',' or ']' in the list of '\(name)', found \(token.description)",
                          at: token.range, hint: "the elements of a list are separated by commas")
                    return false
                }
            }
            let token = peek()
            switch token.kind {
            case .symbol(let byte) where byte == UInt8(ascii: "{") || byte == UInt8(ascii: "<"):
                _ = next()
                return open(name: name, nameRange: nameRange, opener: token, list: (withoutColon, bracket))
            case .identifier, .number, .string, .symbol(UInt8(ascii: "-")):
                guard !withoutColon else {
                    missingColon(name: name, at: bracket)
                    return false
                }
                guard let value = parseScalar() else { return false }
                fields.append(TextField(name: name, nameRange: nameRange, value: value,
                                        range: SourceRange(nameRange.start, value.range.end)))
                expectElement = false
            case .invalid:
                return false
            case .symbol, .endOfFile:
                error("expected a value in the list of '\(name)', found \(token.description)", at: token.range)
                return false
            }
        }
    }

    /// Reads a scalar value: an identifier, a number, `-` and a number, or strings. Returns nil after an error.
    private mutating func parseScalar() -> TextValue? {
        let token = next()
        switch token.kind {
        case .identifier(let text):
            return .identifier(text, token.range)
        case .number(let text):
            return .number(text, token.range)
        case .string(let text):
            var joined = text
            var end = token.end
            // Adjacent strings are one value.
            while true {
                let following = peek()
                guard case .string(let more) = following.kind else { break }
                _ = next()
                joined += more
                end = following.end
            }
            return .string(joined, SourceRange(token.start, end))
        case .symbol(UInt8(ascii: "-")):
            let number = next()
            switch number.kind {
            case .number(let text):
                return .number("-" + text, SourceRange(token.start, number.end))
            case .identifier(let text) where TextNumber.special(text) != nil:
                return .number("-" + text, SourceRange(token.start, number.end))
            case .invalid:
                return nil
            case .identifier, .string, .symbol, .endOfFile:
                error("expected a number after '-', found \(number.description)", at: number.range)
                return nil
            }
        case .invalid:
            return nil
        case .symbol, .endOfFile:
            error("expected a value, found \(token.description)", at: token.range)
            return nil
        }
    }

    /// Reads an extension name `[a.b.c]` or `[type.googleapis.com/a.B]` after its `[`; the name is
    /// kept as written without spaces. Returns nil after an error.
    private mutating func parseExtensionName(open bracket: TextToken) -> (String, SourceRange)? {
        var name = "["
        var expectPart = true
        while true {
            let token = next()
            switch token.kind {
            case .identifier(let text) where expectPart:
                name += text
                expectPart = false
            case .symbol(let byte) where !expectPart && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")):
                name.append(Character(Unicode.Scalar(byte)))
                expectPart = true
            case .symbol(UInt8(ascii: "]")) where !expectPart:
                return (name + "]", SourceRange(bracket.start, token.end))
            case .invalid:
                return nil
            case .identifier, .number, .string, .symbol, .endOfFile:
                error(expectPart ? "expected a name in the extension name, found \(token.description)"
                                 : "expected '.', '/' or ']' in the extension name, found \(token.description)",
                      at: token.range, hint: "an extension field is named like [package.extension]")
                return nil
            }
        }
    }

    /// Opens a message at its `{` or `<` (an element of a list when `list` is given: whether the list
    /// came without a colon, and its `[`). Returns false (after an error) when it nests too deeply.
    private mutating func open(name: String, nameRange: SourceRange, opener: TextToken,
                               list: (withoutColon: Bool, bracket: SourceRange)?) -> Bool {
        guard stack.count < Self.maximumDepth else {
            error("the message '\(name)' is nested too deeply (more than \(Self.maximumDepth) levels)",
                  at: opener.range, hint: "messages may nest at most \(Self.maximumDepth) levels deep")
            return false
        }
        let byte: UInt8
        switch opener.kind {
        case .symbol(let symbol): byte = symbol
        case .identifier, .number, .string, .endOfFile, .invalid: byte = UInt8(ascii: "{")
        }
        stack.append(Frame(parentFields: fields, name: name, nameRange: nameRange, opener: byte,
                           openerStart: opener.start, inList: list != nil, listWithoutColon: list?.withoutColon ?? false,
                           listBracket: list?.bracket ?? opener.range))
        fields = []
        return true
    }

    /// Closes the innermost message at its `}` or `>`. Returns false after an error.
    private mutating func closeMessage(with closer: TextToken) -> Bool {
        let closing = closer.isSymbol(UInt8(ascii: "}")) ? "}" : ">"
        guard var frame = stack.popLast() else {
            error("unexpected '\(closing)'", at: closer.range,
                  hint: "no message is open here: is there one \(closing) too many, or a \(closing == "}" ? "{" : "<") missing before it?")
            return false
        }
        let expected = frame.opener == UInt8(ascii: "<") ? ">" : "}"
        guard closing == expected else {
            stack.append(frame)
            error("expected '\(expected)' to close the message '\(frame.name)', found '\(closing)'",
                  at: closer.range, hint: "a message opened with \(expected == ">" ? "<" : "{") ends with \(expected)")
            return false
        }
        close(&frame, end: closer.end)
        if frame.inList {
            return parseList(name: frame.name, nameRange: frame.nameRange, withoutColon: frame.listWithoutColon,
                             bracket: frame.listBracket, afterElement: true)
        }
        skipSeparator()
        return true
    }

    /// Ends a message that is off the stack: it becomes a field of the message around it.
    private mutating func close(_ frame: inout Frame, end: Int) {
        // Swapped, not copied, so that the parent's array stays unshared and appending to it is cheap.
        swap(&fields, &frame.parentFields)
        let message = TextMessage(fields: frame.parentFields)
        frame.parentFields = []
        let valueEnd = max(end, frame.openerStart + 1)
        fields.append(TextField(name: frame.name, nameRange: frame.nameRange,
                                value: .message(message, SourceRange(frame.openerStart, valueEnd)),
                                range: SourceRange(frame.nameRange.start, valueEnd)))
    }

    /// Skips the optional `,` or `;` after a field.
    private mutating func skipSeparator() {
        let token = peek()
        if token.isSymbol(UInt8(ascii: ",")) || token.isSymbol(UInt8(ascii: ";")) { _ = next() }
    }

    /// Reports the missing colon between a field's name and a scalar value (or a list's `[`).
    private mutating func missingColon(name: String, at range: SourceRange) {
        var value = range.end - range.start <= 40 ? file.text(of: range) : "..."
        if value == "[" { value = "[...]" }
        error("missing ':' after the field name '\(name)'", at: range,
              hint: "a value that is not a message follows a colon: \(name): \(value)")
    }

    /// Reports a field with no value where one was expected. Returns false.
    private mutating func expectedValue(name: String, hasColon: Bool, found token: TextToken) -> Bool {
        if hasColon {
            error("expected a value for '\(name)', found \(token.description)", at: token.range)
        } else {
            error("expected ':' or '{' after the field name '\(name)', found \(token.description)",
                  at: token.range, hint: "a field is written name: value or name { ... }")
        }
        return false
    }

    /// Records an error.
    private mutating func error(_ message: String, at range: SourceRange, hint: String? = nil) {
        diagnostics.append(Diagnostic(.error, message, at: range, in: file, hint: hint))
    }

    // MARK: Tokens

    /// The next token, consumed.
    private mutating func next() -> TextToken {
        let token: TextToken
        if let pending = lookahead {
            lookahead = nil
            token = pending
        } else {
            token = lex()
        }
        lastEnd = token.end
        return token
    }

    /// The next token, left to be read.
    private mutating func peek() -> TextToken {
        if let pending = lookahead { return pending }
        let token = lex()
        lookahead = token
        return token
    }

    /// True for the bytes of a name after its first.
    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F
    }

    /// True for a decimal digit.
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= 0x30 && byte <= 0x39
    }

    /// Reads one token from the bytes, skipping white space and comments; reports lexical errors.
    private mutating func lex() -> TextToken {
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C {
                index += 1
            } else if byte == UInt8(ascii: "#") {
                while index < count, bytes[index] != 0x0A { index += 1 }
            } else {
                break
            }
        }
        let start = index
        guard start < count else { return TextToken(kind: .endOfFile, start: count, end: count) }
        let byte = bytes[start]
        if Self.isIdentifierByte(byte), !Self.isDigit(byte) {
            index += 1
            while index < count, Self.isIdentifierByte(bytes[index]) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            return TextToken(kind: .identifier(text), start: start, end: index)
        }
        if Self.isDigit(byte) || (byte == UInt8(ascii: ".") && start + 1 < count && Self.isDigit(bytes[start + 1])) {
            return lexNumber()
        }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return lexString()
        case UInt8(ascii: ":"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "-"),
             UInt8(ascii: "."), UInt8(ascii: "/"):
            index += 1
            return TextToken(kind: .symbol(byte), start: start, end: index)
        default:
            index += 1
            if byte >= 0xC0 {
                while index < count, index - start < 4, bytes[index] & 0xC0 == 0x80 { index += 1 }
            }
            let character = String(decoding: bytes[start..<index], as: UTF8.self)
            let scalar = character.unicodeScalars.first ?? "\u{FFFD}"
            error("unexpected character \(Self.show(scalar))", at: SourceRange(start, index),
                  hint: Self.characterHint(scalar))
            return TextToken(kind: .invalid, start: start, end: index)
        }
    }

    /// A character as a diagnostic shows it: `'@'`, `U+0007` for a control character, `'→' (U+2192)`.
    private static func show(_ scalar: Unicode.Scalar) -> String {
        let text = String(Character(scalar))
        var code = String(scalar.value, radix: 16, uppercase: true)
        if code.count < 4 { code = String(repeating: "0", count: 4 - code.count) + code }
        if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) { return "U+\(code)" }
        if scalar.value < 0x80 { return "'\(text)'" }
        return "'\(text)' (U+\(code))"
    }

    /// Advice for a character that has no place in the text format, if any.
    private static func characterHint(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "=": return "a field is written name: value"
        case "(", ")": return "a nested message is written name { ... }"
        case "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}": return "a typographic quote does not start a string; strings use \" or '"
        default: return nil
        }
    }

    /// Reads a number literal, checking its form; a letter right after a number makes it invalid.
    private mutating func lexNumber() -> TextToken {
        let count = bytes.count
        let start = index
        let isHex = start + 1 < count && bytes[start] == UInt8(ascii: "0") && bytes[start + 1] | 0x20 == UInt8(ascii: "x")
        while index < count {
            let byte = bytes[index]
            if Self.isIdentifierByte(byte) || (!isHex && byte == UInt8(ascii: ".")) {
                index += 1
            } else if !isHex, byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-"),
                      index > start, bytes[index - 1] | 0x20 == UInt8(ascii: "e") {
                index += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let problem = numberProblem(start, index, isHex: isHex) {
            error("invalid number '\(text)'", at: SourceRange(start, index), hint: problem)
            return TextToken(kind: .invalid, start: start, end: index)
        }
        return TextToken(kind: .number(text), start: start, end: index)
    }

    /// Why the number literal in `start..<end` is not valid, or nil when it is.
    private func numberProblem(_ start: Int, _ end: Int, isHex: Bool) -> String? {
        guard start >= 0, start < end, end <= bytes.count else { return "a number needs digits" }
        if isHex {
            var position = start + 2
            guard position < end else { return "a hexadecimal number is 0x and the digits 0-9, a-f" }
            while position < end {
                guard hexDigitValue(bytes[position]) != nil else {
                    return "a hexadecimal number is 0x and the digits 0-9, a-f"
                }
                position += 1
            }
            return nil
        }
        var position = start
        while position < end, Self.isDigit(bytes[position]) { position += 1 }
        let integerDigits = position - start
        var isFloat = false
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < end, Self.isDigit(bytes[position]) { position += 1 }
            isFloat = true
        }
        if position < end, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            let exponentStart = position
            while position < end, Self.isDigit(bytes[position]) { position += 1 }
            guard position > exponentStart else { return "an exponent needs digits, as in 1e-5" }
            isFloat = true
        }
        var hasSuffix = false
        if position < end, bytes[position] | 0x20 == UInt8(ascii: "f") {
            position += 1
            hasSuffix = true
        }
        guard position == end else {
            return "put a space or a separator between a number and what follows it"
        }
        if integerDigits > 1, bytes[start] == UInt8(ascii: "0") {
            if isFloat || hasSuffix { return "a number with a fraction does not start with 0 followed by a digit" }
            for byte in bytes[start..<end] where byte > UInt8(ascii: "7") {
                return "a number starting with 0 is octal, with the digits 0-7"
            }
        }
        return nil
    }

    /// Reads a quoted string, decoding its escapes; the string must end on its line.
    private mutating func lexString() -> TextToken {
        let count = bytes.count
        let start = index
        let quote = bytes[start]
        let quoteText = quote == UInt8(ascii: "'") ? "'" : "\""
        index += 1
        var decoded: [UInt8] = []
        var hasEscape = false
        var runStart = index
        while true {
            guard index < count else {
                error("unterminated string", at: SourceRange(start, start + 1),
                      hint: "close the string with \(quoteText)")
                return TextToken(kind: .invalid, start: start, end: count)
            }
            let byte = bytes[index]
            if byte == quote {
                let text: String
                if hasEscape {
                    decoded.append(contentsOf: bytes[runStart..<index])
                    text = String(decoding: decoded, as: UTF8.self)
                } else {
                    text = String(decoding: bytes[runStart..<index], as: UTF8.self)
                }
                index += 1
                return TextToken(kind: .string(text), start: start, end: index)
            }
            if byte == 0x0A {
                var lineEnd = index
                if lineEnd > start + 1, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                error("newline inside a string", at: SourceRange(start, lineEnd),
                      hint: "close the string with \(quoteText) before the end of its line; write \\n for a newline")
                return TextToken(kind: .invalid, start: start, end: index)
            }
            if byte == UInt8(ascii: "\\") {
                if !hasEscape {
                    hasEscape = true
                    decoded.reserveCapacity(index - runStart + 16)
                }
                decoded.append(contentsOf: bytes[runStart..<index])
                guard decodeEscape(into: &decoded, stringStart: start, quote: quoteText) else {
                    return TextToken(kind: .invalid, start: start, end: index)
                }
                runStart = index
                continue
            }
            index += 1
        }
    }

    /// Decodes the escape at `index` (a backslash) into `out`, moving past it. Returns false after an error.
    private mutating func decodeEscape(into out: inout [UInt8], stringStart: Int, quote: String) -> Bool {
        let count = bytes.count
        let backslash = index
        guard backslash + 1 < count else {
            error("unterminated string", at: SourceRange(stringStart, stringStart + 1),
                  hint: "close the string with \(quote)")
            index = count
            return false
        }
        let letter = bytes[backslash + 1]
        index = backslash + 2
        switch letter {
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "?"): out.append(letter)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = Int(letter) - 0x30
            var digits = 1
            while digits < 3, index < count, bytes[index] >= 0x30, bytes[index] <= 0x37 {
                value = value * 8 + Int(bytes[index]) - 0x30
                index += 1
                digits += 1
            }
            guard value <= 0xFF else {
                error("the octal escape \\\(String(value, radix: 8)) is larger than a byte", at: SourceRange(backslash, index),
                      hint: "an octal escape is at most \\377")
                return false
            }
            out.append(UInt8(value))
        case UInt8(ascii: "x"), UInt8(ascii: "X"):
            var value = 0
            var digits = 0
            while digits < 2, index < count, let digit = hexDigitValue(bytes[index]) {
                value = value * 16 + digit
                index += 1
                digits += 1
            }
            guard digits > 0 else {
                error("the escape \\x needs a hexadecimal digit", at: SourceRange(backslash, index),
                      hint: "write a byte as \\x and one or two hexadecimal digits, as in \\x41")
                return false
            }
            out.append(UInt8(value))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            guard var scalar = hexEscapeValue(digits: letter == UInt8(ascii: "u") ? 4 : 8, backslash: backslash) else {
                return false
            }
            // A UTF-16 surrogate pair written as two \u escapes is one character.
            if scalar >= 0xD800, scalar <= 0xDBFF, index + 1 < count, bytes[index] == UInt8(ascii: "\\"),
               bytes[index + 1] == UInt8(ascii: "u") {
                let second = index
                index += 2
                guard let low = hexEscapeValue(digits: 4, backslash: second) else { return false }
                if low >= 0xDC00, low <= 0xDFFF {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = second
                }
            }
            guard let character = Unicode.Scalar(scalar) else {
                error("the escape \(String(decoding: bytes[backslash..<index], as: UTF8.self)) is not a Unicode character",
                      at: SourceRange(backslash, index), hint: "a surrogate must be followed by its pair")
                return false
            }
            out.append(contentsOf: Array(String(Character(character)).utf8))
        default:
            if letter == 0x0A {
                error("newline inside a string", at: SourceRange(stringStart, backslash + 1),
                      hint: "close the string with \(quote) before the end of its line; write \\n for a newline")
                index = backslash + 1
                return false
            }
            var end = backslash + 2
            if letter >= 0xC0 {
                while end < count, end - backslash < 5, bytes[end] & 0xC0 == 0x80 { end += 1 }
            }
            index = end
            let escaped = String(decoding: bytes[(backslash + 1)..<end], as: UTF8.self)
            let shown = letter < 0x20 || letter == 0x7F
                ? "\\ followed by \(Self.show(escaped.unicodeScalars.first ?? "\u{FFFD}"))"
                : "'\\\(escaped)'"
            error("invalid escape \(shown) in a string", at: SourceRange(backslash, end),
                  hint: "the escapes are \\n \\t \\r \\a \\b \\f \\v \\\\ \\' \\\" \\? \\ooo (octal) \\xHH \\uHHHH \\UHHHHHHHH; write \\\\ for a backslash")
            return false
        }
        return true
    }

    /// Reads exactly `digits` hexadecimal digits at `index` for a \u or \U escape. Returns nil after an error.
    private mutating func hexEscapeValue(digits: Int, backslash: Int) -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard index < bytes.count, let digit = hexDigitValue(bytes[index]) else {
                error("the escape \(String(decoding: bytes[backslash..<min(backslash + 2, bytes.count)], as: UTF8.self)) needs \(digits) hexadecimal digits",
                      at: SourceRange(backslash, index), hint: "write a character as \\uHHHH or \\UHHHHHHHH")
                return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        guard value <= 0x10FFFF else {
            error("the escape \(String(decoding: bytes[backslash..<index], as: UTF8.self)) is beyond the last Unicode character",
                  at: SourceRange(backslash, index), hint: "the last Unicode character is \\U0010FFFF")
            return nil
        }
        return value
    }
}
