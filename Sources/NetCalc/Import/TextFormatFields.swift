/// A text-format field's value read as the type its `.proto` declares, by protobuf's own rules (its
/// TextFormat parser, which Caffe uses through `TextFormat::Parse`): a value of the wrong kind is an
/// error at that value, never a default in its place.
///
/// - Integer fields take integer literals only, decimal, hexadecimal (`0x10`) or octal (`017`), in the
///   type's range; `2.0`, `1e3` and `"2"` are not integers; an unsigned field takes no `-`.
/// - Float fields take every spelling protobuf accepts: `1`, `0.5`, `.5`, `1.`, `1e-5`, `2.5f`, and
///   `inf`, `infinity`, `nan` in any case, each with a `-`; an integer literal must be decimal (protobuf
///   refuses `0x10` and `017` for a float).
/// - Bool fields take `true`, `True`, `t`, `false`, `False`, `f`, 1 and 0.
/// - String fields take quoted strings; enum fields a value's name exactly as the `.proto` spells it,
///   or its number.
/// - A non-repeated field given twice is an error at the second (protobuf's `Parse` refuses it, where
///   `Merge` would keep the last); a repeated field's values all count, in order.

/// A protobuf integer type, as a `.proto` declares a field.
enum ProtobufInteger: Sendable {
    case int32, uint32, int64

    /// The values the type holds.
    var range: ClosedRange<Int> {
        switch self {
        case .int32: return -2_147_483_648...2_147_483_647
        case .uint32: return 0...4_294_967_295
        case .int64: return Int.min...Int.max
        }
    }

    /// How messages name the type: `a uint32 (a whole number from 0 to 4,294,967,295)`.
    var described: String {
        switch self {
        case .int32: return "an int32 (a whole number from -2,147,483,648 to 2,147,483,647)"
        case .uint32: return "a uint32 (a whole number from 0 to 4,294,967,295)"
        case .int64: return "an int64 (a whole number)"
        }
    }
}

/// A protobuf enum as the text format reads it: by a value's name, exactly as the `.proto` spells it,
/// or by its number.
protocol ProtobufEnum: CaseIterable, Sendable {
    /// The value's name in the `.proto`: `MAX`.
    var protobufName: String { get }
    /// The value's number in the `.proto`: 0.
    var number: Int { get }
}

extension ProtobufEnum {
    /// `MAX (0), AVE (1) or STOCHASTIC (2)`, for messages.
    static var valuesText: String {
        let names = allCases.map { "\($0.protobufName) (\($0.number))" }
        guard names.count > 1 else { return names.joined() }
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }
}

extension TextField {
    /// The value as an integer of `type`.
    func integer(_ type: ProtobufInteger) throws(ArgumentProblem) -> Int {
        guard case .number(let text, let range) = value, let literal = TextNumber.integerLiteral(text) else {
            throw wrongKind(type.described, hint: wholeNumberHint)
        }
        if type == .uint32, literal.negative {
            throw ArgumentProblem("\(name) is \(type.described), not \(text)", at: value.range)
        }
        guard let number = literal.value, type.range.contains(number) else {
            throw ArgumentProblem("\(name) is \(type.described); \(text) is out of its range", at: range)
        }
        return number
    }

    /// The value as a float (read as a Double, as protobuf reads it before storing a float).
    func float() throws(ArgumentProblem) -> Double {
        let kind = "a float (a number such as 0.1, 1e-5, 2.5f or inf)"
        switch value {
        case .number(let text, let range):
            let negative = text.hasPrefix("-")
            let body = negative ? String(text.dropFirst()) : text
            if let literal = TextNumber.integerLiteral(body) {
                guard literal.isDecimal else {
                    throw ArgumentProblem("\(name) is a float, which protobuf reads only in decimal, not \(text)", at: range,
                                          hint: literal.value.map { "write \(name): \(negative ? "-" : "")\($0)" })
                }
                guard let magnitude = literal.value else {
                    throw ArgumentProblem("\(name) is a float, and the integer \(text) is out of protobuf's range for one", at: range,
                                          hint: "write it with an exponent, as in 1e30")
                }
                return negative ? -Double(magnitude) : Double(magnitude)
            }
            guard let number = TextNumber.double(text) else { throw wrongKind(kind) }
            return number
        case .identifier(let text, _):
            guard let number = TextNumber.special(text) else { throw wrongKind(kind) }
            return number
        case .string, .message:
            throw wrongKind(kind)
        }
    }

    /// The value as a bool: `true`, `True`, `t`, `false`, `False`, `f`, 1 or 0.
    func boolean() throws(ArgumentProblem) -> Bool {
        switch value {
        case .identifier(let text, _):
            switch text {
            case "true", "True", "t": return true
            case "false", "False", "f": return false
            default: break
            }
        case .number(let text, _):
            if let literal = TextNumber.integerLiteral(text), !literal.negative, let number = literal.value, number <= 1 {
                return number == 1
            }
        case .string, .message:
            break
        }
        throw wrongKind("a bool (true or false)")
    }

    /// The value as a string (quoted in the file).
    func string() throws(ArgumentProblem) -> String {
        guard case .string(let text, _) = value else {
            var hint: String?
            if case .identifier(let word, _) = value { hint = "write \(name): \"\(word)\"" }
            throw wrongKind("a string (in quotes)", hint: hint)
        }
        return text
    }

    /// The value as an enum's value, by its name or its number.
    func enumeration<E: ProtobufEnum>(_ type: E.Type) throws(ArgumentProblem) -> E {
        let kind = "one of \(E.valuesText)"
        switch value {
        case .identifier(let text, _):
            if let found = E.allCases.first(where: { $0.protobufName == text }) { return found }
            let near = E.allCases.first { $0.protobufName.lowercased() == text.lowercased() }
            throw wrongKind(kind, hint: near.map { "the names are written as caffe.proto spells them: \($0.protobufName)" })
        case .number(let text, _):
            guard let literal = TextNumber.integerLiteral(text), let number = literal.value,
                  let found = E.allCases.first(where: { $0.number == number }) else { throw wrongKind(kind) }
            return found
        case .string(let text, _):
            let found = E.allCases.first { $0.protobufName == text }
            throw wrongKind(kind, hint: found.map { "an enum value is written without quotes: \(name): \($0.protobufName)" })
        case .message:
            throw wrongKind(kind)
        }
    }

    /// The value as a nested message.
    func submessage() throws(ArgumentProblem) -> TextMessage {
        guard case .message(let message, _) = value else { throw wrongKind("a message: \(name) { ... }") }
        return message
    }

    /// `stride is a uint32 (...), not 2.0` at the value.
    private func wrongKind(_ kind: String, hint: String? = nil) -> ArgumentProblem {
        ArgumentProblem("\(name) is \(kind), not \(shownValue)", at: value.range, hint: hint)
    }

    /// How a message shows the value: `2.0`, `'MAX'`, `the string "2"`, `a message`.
    private var shownValue: String {
        func cropped(_ text: String) -> String { text.count <= 40 ? text : String(text.prefix(37)) + "..." }
        switch value {
        case .number(let text, _): return cropped(text)
        case .identifier(let text, _): return "'\(cropped(text))'"
        case .string(let text, _): return "the string \"\(cropped(text))\""
        case .message: return "a message"
        }
    }

    /// For an integer field given `2.0`, `2e0` or `"2"`: the integer to write instead.
    private var wholeNumberHint: String? {
        let number: Double?
        switch value {
        case .number(let text, _): number = TextNumber.double(text)
        case .string(let text, _): number = TextNumber.integerLiteral(text).flatMap { $0.value }.map(Double.init)
        case .identifier, .message: number = nil
        }
        guard let number, number.isFinite, number.rounded() == number, abs(number) < 1e15 else { return nil }
        return "write \(name): \(Int(number))"
    }
}

extension TextMessage {
    /// The field of a non-repeated name, nil when absent; given twice, an error at the second
    /// (protobuf's parser, which Caffe reads prototxt with, refuses a second value of such a field).
    func single(_ name: String) throws(ArgumentProblem) -> TextField? {
        var found: TextField?
        for field in fields where field.name == name {
            guard found == nil else {
                throw ArgumentProblem("\(name) is given twice, and it is not a repeated field", at: field.range,
                                      hint: "protobuf's text format parser, which Caffe uses, refuses a second value of such a field: keep one")
            }
            found = field
        }
        return found
    }

    /// A non-repeated integer field of `type`, nil when absent.
    func integer(_ name: String, _ type: ProtobufInteger) throws(ArgumentProblem) -> Int? {
        try single(name)?.integer(type)
    }

    /// Every value of a repeated integer field of `type`, in order.
    func integers(_ name: String, _ type: ProtobufInteger) throws(ArgumentProblem) -> [Int] {
        try all(name).map { field throws(ArgumentProblem) in try field.integer(type) }
    }

    /// A non-repeated float field, nil when absent.
    func float(_ name: String) throws(ArgumentProblem) -> Double? {
        try single(name)?.float()
    }

    /// Every value of a repeated float field, in order.
    func floats(_ name: String) throws(ArgumentProblem) -> [Double] {
        try all(name).map { field throws(ArgumentProblem) in try field.float() }
    }

    /// A non-repeated bool field, nil when absent.
    func boolean(_ name: String) throws(ArgumentProblem) -> Bool? {
        try single(name)?.boolean()
    }

    /// A non-repeated string field, nil when absent.
    func string(_ name: String) throws(ArgumentProblem) -> String? {
        try single(name)?.string()
    }

    /// Every value of a repeated string field, in order.
    func strings(_ name: String) throws(ArgumentProblem) -> [String] {
        try all(name).map { field throws(ArgumentProblem) in try field.string() }
    }

    /// A non-repeated enum field, nil when absent.
    func enumeration<E: ProtobufEnum>(_ name: String, _ type: E.Type) throws(ArgumentProblem) -> E? {
        try single(name)?.enumeration(type)
    }

    /// A non-repeated message field, nil when absent.
    func submessage(_ name: String) throws(ArgumentProblem) -> TextMessage? {
        try single(name)?.submessage()
    }

    /// Every value of a repeated message field, in order.
    func submessages(_ name: String) throws(ArgumentProblem) -> [TextMessage] {
        try all(name).map { field throws(ArgumentProblem) in try field.submessage() }
    }
}

extension TextNumber {
    /// An integer literal's parts: its sign, whether it is decimal, and its value when it fits Int
    /// (nil when it does not); nil for text that is not an integer literal (`2.0`, `1e3`, `2f`, `inf`).
    struct IntegerLiteral {
        var negative: Bool
        var isDecimal: Bool
        var value: Int?
    }

    /// The integer literal `text` spells (checked by the parser: `64`, `-1`, `0x10`, `017`), or nil
    /// when it is not one.
    static func integerLiteral(_ text: String) -> IntegerLiteral? {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        guard let first = body.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        let isHex = body.hasPrefix("0x") || body.hasPrefix("0X")
        if !isHex, !body.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) { return nil }
        let isDecimal = !isHex && !(body.count > 1 && body.hasPrefix("0"))
        return IntegerLiteral(negative: negative, isDecimal: isDecimal, value: integer(text))
    }
}

extension TextNumber {
    /// A finite value written as a plain decimal, with no exponent: the shortest digits that read back
    /// as the value (`0.5`, `0.001`, `100000`).
    static func plainDecimal(_ value: Double) -> String {
        if value == 0 { return "0" }  // -0.0 too
        let text = "\(value)"
        guard let exponentIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }),
              let exponent = Int(text[text.index(after: exponentIndex)...]) else {
            return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        }
        var mantissa = String(text[..<exponentIndex])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let point = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
        var digits = mantissa.filter { $0 != "." }
        var position = point + exponent  // where the point goes among the digits
        if position <= 0 {
            digits = String(repeating: "0", count: 1 - position) + digits
            position = 1
        }
        if position >= digits.count { digits += String(repeating: "0", count: position - digits.count) }
        var whole = String(digits.prefix(position))
        var fraction = String(digits.dropFirst(position))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        while whole.count > 1, whole.hasPrefix("0") { whole.removeFirst() }
        return (negative ? "-" : "") + whole + (fraction.isEmpty ? "" : "." + fraction)
    }
}
