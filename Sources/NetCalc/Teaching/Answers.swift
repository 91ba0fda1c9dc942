/// The answers written in braces for `netcalc check`: `{55x55x96, params: 34,944, memory: 3.2M}`.
///
/// An answer list is a comma-separated list of `key: value` items; a bare value answers the shape. A
/// comma between digits with exactly three digits after it (`34,944`) separates thousands instead.
///
///     item   := (KEY ':')? value
///     KEY    := shape | params | weights | memory | bytes | fwd+bwd | macs | rf | note | points
///     value  := '_' | '?' | invalid | W 'x' H 'x' D | N | expr UNIT?
///     expr   := term (('+' | '-') term)*;  term := factor (('*' | 'x' | '/') factor)*
///     factor := NUMBER | '(' expr ')'          NUMBER: 34944, 34,944, 34_944, 3.2
///     UNIT   := K M G T (1000s of values) | B KB MB GB TB (bytes, 1000s) | KiB MiB GiB TiB (bytes, 1024s)

/// What an answer item asks for; `note` (a teacher's remark) and `points` (each item's weight) ask nothing.
enum AnswerKey: String, CaseIterable, Sendable {
    case shape, params, weights, memory, bytes, fwdBwd = "fwd+bwd", macs, rf, note, points

    /// The most points one answer may be worth.
    static let maximumPoints = 1000

    /// True for the keys that are questions (not a note or points).
    var isQuestion: Bool {
        switch self {
        case .shape, .params, .weights, .memory, .bytes, .fwdBwd, .macs, .rf: return true
        case .note, .points: return false
        }
    }

    static func named(_ text: String) -> AnswerKey? {
        let lower = text.lowercased()
        switch lower {
        case "fwdbwd", "fwd_bwd": return .fwdBwd
        case "activations", "values": return .memory
        case "parameters": return .params
        case "point", "pts": return .points
        default: return AnswerKey(rawValue: lower)
        }
    }
}

/// What a unit after a number means.
enum AnswerUnit: Equatable, Sendable {
    case none
    /// K, M, G, T: thousands, millions... of values.
    case count
    /// B, KB, MB, GB, TB: bytes in powers of 1000.
    case decimalBytes
    /// KiB, MiB, GiB, TiB: bytes in powers of 1024.
    case binaryBytes
}

/// A number as written: a rational value, and whether it was rounded (an abbreviation or a decimal),
/// so that it is judged to its stated precision.
struct NumberAnswer: Equatable, Sendable {
    var numerator: Int128
    var denominator: Int128
    /// The unit's size (1000 for K, 1,048,576 for MiB); 1 without one.
    var multiplier: Int128
    /// The unit's power: 2 for M, MB and MiB.
    var power: Int
    var unit: AnswerUnit
    /// True for a plain whole number or arithmetic: it must be exact.
    var exact: Bool
    /// Zeros that end an abbreviation's digits and are not significant: 800K is 8 hundreds of K.
    var trailingZeros = 0

    /// True when the value equals `truth`, or rounds to it at the precision it was written with.
    func matches(_ truth: Int) -> Bool {
        let (scaledTruth, o1) = Int128(truth).multipliedReportingOverflow(by: denominator)
        let (value, o2) = numerator.multipliedReportingOverflow(by: multiplier)
        guard !o1, !o2 else { return false }
        if exact { return scaledTruth == value }
        let (difference, o3) = scaledTruth.subtractingReportingOverflow(value)
        var step = multiplier
        for _ in 0..<trailingZeros {
            let (next, overflow) = step.multipliedReportingOverflow(by: 10)
            guard !overflow else { return true }  // a tolerance past 2^127 covers every count
            step = next
        }
        let (twice, o4) = difference.magnitude.multipliedReportingOverflow(by: 2)
        return !o3 && !o4 && twice <= UInt128(step)
    }

    /// The same digits read with another unit of the same power: MB as MiB, MiB as MB.
    func reread(as unit: AnswerUnit) -> NumberAnswer {
        var copy = self
        copy.unit = unit
        var multiplier: Int128 = 1
        for _ in 0..<power { multiplier *= unit == .binaryBytes ? 1024 : 1000 }
        copy.multiplier = multiplier
        return copy
    }
}

/// The value of one answer item.
enum AnswerValue: Equatable, Sendable {
    /// `_` or `?`: left for the student.
    case blank
    /// `invalid`: the sizes do not fit.
    case invalid
    case shape(Shape)
    case number(NumberAnswer)
    case text(String)
}

/// One `key: value` item of an answer list.
struct AnswerItem: Sendable {
    var key: AnswerKey
    var value: AnswerValue
    /// The value as written, trimmed.
    var text: String
    var range: SourceRange
}

/// Splits and parses the answer lists of a file, reporting items it cannot read.
struct AnswerParser {
    let file: SourceFile

    /// The items of one brace-enclosed answer list.
    func items(of answer: AnswerSyntax) -> (items: [AnswerItem], diagnostics: DiagnosticList) {
        var diagnostics = DiagnosticList()
        let bytes = file.bytes
        let start = answer.range.start + 1
        let end = max(start, answer.range.end - 1)
        var items: [AnswerItem] = []
        var pieceStart = start
        var depth = 0
        var quoted = false
        var index = start
        func isDigit(_ i: Int) -> Bool { i >= start && i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        var pieces: [(Int, Int)] = []
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if quoted { index += 1; continue }
            if byte == UInt8(ascii: "(") { depth += 1 }
            if byte == UInt8(ascii: ")") { depth -= 1 }
            if byte == UInt8(ascii: ","), depth == 0 {
                // 34,944: a thousands separator, not the end of an item.
                let thousands = isDigit(index - 1) && isDigit(index + 1) && isDigit(index + 2) && isDigit(index + 3)
                    && !isDigit(index + 4)
                if !thousands {
                    pieces.append((pieceStart, index))
                    pieceStart = index + 1
                }
            }
            index += 1
        }
        pieces.append((pieceStart, end))
        for (from, to) in pieces {
            var first = from
            var last = to
            while first < last, isSpace(bytes[first]) { first += 1 }
            while last > first, isSpace(bytes[last - 1]) { last -= 1 }
            guard first < last else { continue }
            let text = String(decoding: bytes[first..<last], as: UTF8.self)
            let range = SourceRange(first, last)
            var key = AnswerKey.shape
            var valueText = text
            var valueStart = first
            if let colon = text.firstIndex(of: ":") {
                let keyText = text[..<colon].trimmingSpaces()
                guard let named = AnswerKey.named(keyText) else {
                    diagnostics.append(Diagnostic(
                        .error, "unknown answer key '\(keyText)'", at: range, in: file,
                        hint: didYouMean(keyText, AnswerKey.allCases.map(\.rawValue))
                            ?? "keys: shape (or a bare WxHxD), params, weights, memory, bytes, fwd+bwd, macs, rf, note, points"))
                    continue
                }
                key = named
                let after = text[text.index(after: colon)...]
                valueText = after.trimmingSpaces()
                valueStart = first + text.utf8.distance(from: text.startIndex, to: colon) + 1
                while valueStart < last, isSpace(bytes[valueStart]) { valueStart += 1 }
            }
            let valueRange = SourceRange(valueStart, last)
            switch parseValue(valueText, key: key) {
            case .success(let value):
                items.append(AnswerItem(key: key, value: value, text: valueText, range: valueRange))
            case .failure(let message):
                diagnostics.append(Diagnostic(.error, message.text, at: valueRange, in: file, hint: message.hint))
            }
        }
        return (items, diagnostics)
    }

    private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// Why an answer value cannot be read.
    struct ValueError: Error {
        var text: String
        var hint: String?

        /// A number past what netcalc counts: no count can equal it, so it is an error, not a wrong answer.
        static func tooLarge(_ written: String) -> ValueError {
            ValueError(text: "'\(written.shortened)' is too large to count",
                       hint: "netcalc counts exactly up to \(formatCount(Int.max)); every count is smaller")
        }
    }

    func parseValue(_ text: String, key: AnswerKey) -> Result<AnswerValue, ValueError> {
        let lower = text.lowercased()
        if key == .note { return .success(.text(text.trimmingCharacters(in: "\""))) }
        if key == .points {
            let digits = text.filter { $0 != "_" && $0 != "," }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.count <= 4,
                  let points = Int(digits), points <= AnswerKey.maximumPoints else {
                return .failure(ValueError(text: "'\(text.shortened)' is not a number of points",
                                           hint: "points take a whole number from 0 to \(AnswerKey.maximumPoints): points: 2"))
            }
            return .success(.number(NumberAnswer(numerator: Int128(points), denominator: 1, multiplier: 1, power: 0,
                                                 unit: .none, exact: true)))
        }
        if lower.isEmpty || lower == "_" || lower == "?" || lower.allSatisfy({ $0 == "_" }) { return .success(.blank) }
        if ["invalid", "does not fit", "doesn't fit", "not whole", "none"].contains(lower) {
            return .success(.invalid)
        }
        if key == .shape {
            let parts = lower.split(separator: "x", omittingEmptySubsequences: false)
                .map { $0.filter { $0 != " " && $0 != "," && $0 != "_" } }
            if parts.contains(where: { !$0.isEmpty && $0.allSatisfy(\.isNumber) && Int($0) == nil }) {
                return .failure(.tooLarge(text))
            }
            guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }), let numbers = Optional(parts.compactMap { Int($0) }),
                  numbers.count == parts.count, (1...4).contains(numbers.count) else {
                return .failure(ValueError(text: "'\(text.shortened)' is not a shape",
                                           hint: "write a shape as WxHxD (55x55x96), LxC or WxHxTxC, a vector as its length, or invalid"))
            }
            return .success(.shape(numbers.count == 1 ? Shape(width: 1, height: 1, depth: numbers[0])
                : Shape(spatial: Array(numbers.dropLast()), depth: numbers[numbers.count - 1])))
        }
        var reader = NumberReader(text: Array(text.utf8))
        return reader.read().map { .number($0) }
    }
}

/// Reads an answer number: arithmetic on literals, then an optional unit.
private struct NumberReader {
    let text: [UInt8]
    var index = 0
    /// Literals with a fraction (3.2) make the answer approximate.
    var decimals = 0
    var literals = 0
    var operators = 0
    /// Parentheses open now; bounded so that no answer can exhaust the stack.
    var depth = 0
    /// Set when a literal or a step of the arithmetic is too large for exact counting.
    var tooLarge = false

    typealias Fraction = (numerator: Int128, denominator: Int128)

    mutating func read() -> Result<NumberAnswer, AnswerParser.ValueError> {
        let original = String(decoding: text, as: UTF8.self)
        guard let value = expression() else {
            if tooLarge { return .failure(.tooLarge(original)) }
            return .failure(.init(text: "'\(original.shortened)' is not a number", hint: "write 34944, 34,944, 35K, 3.2M, (3*3*3)*64 or 58MiB"))
        }
        skipSpaces()
        let unitText = String(decoding: text[index...], as: UTF8.self)
        guard let (unit, power) = Self.unit(unitText) else {
            return .failure(.init(text: "'\(unitText.shortened)' is not a unit", hint: "units: K M G T (values), B KB MB GB (bytes, 1000-based), KiB MiB GiB (1024-based)"))
        }
        var multiplier: Int128 = 1
        for _ in 0..<power { multiplier *= unit == .binaryBytes ? 1024 : 1000 }
        // The value's magnitude, rounded down: past Int.max no count can match it.
        let (scaled, overflow) = value.numerator.magnitude.multipliedReportingOverflow(by: multiplier.magnitude)
        if overflow || scaled / value.denominator.magnitude > UInt128(Int.max) { return .failure(.tooLarge(original)) }
        let single = literals == 1 && operators == 0
        let exact = decimals == 0 && (power == 0 || !single)
        // Trailing zeros of a whole abbreviation are not significant (150K, 800K); a decimal's are (1.50M).
        var zeros = 0
        if !exact, decimals == 0, value.numerator != 0 {
            var digits = value.numerator
            while digits % 10 == 0 { digits /= 10; zeros += 1 }
        }
        return .success(NumberAnswer(numerator: value.numerator, denominator: value.denominator, multiplier: multiplier,
                                     power: power, unit: unit, exact: exact, trailingZeros: zeros))
    }

    static func unit(_ text: String) -> (AnswerUnit, Int)? {
        let powers = ["": 0, "K": 1, "M": 2, "G": 3, "T": 4]
        if text.isEmpty { return (.none, 0) }
        if text == "B" || text.lowercased() == "bytes" { return (.decimalBytes, 0) }
        if let power = powers[text.uppercased()], text != "m" { return (.count, power) }
        if text.hasSuffix("iB"), let power = powers[String(text.dropLast(2)).uppercased()], power > 0 {
            return (.binaryBytes, power)
        }
        if text.uppercased().hasSuffix("B"), let power = powers[String(text.dropLast()).uppercased()], power > 0 {
            return (.decimalBytes, power)
        }
        return nil
    }

    mutating func skipSpaces() {
        while index < text.count, text[index] == 0x20 { index += 1 }
    }

    mutating func expression() -> Fraction? {
        guard var result = term() else { return nil }
        while true {
            skipSpaces()
            guard index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") else { break }
            let plus = text[index] == UInt8(ascii: "+")
            index += 1
            operators += 1
            guard let rhs = term() else { return nil }
            let (left, o1) = result.numerator.multipliedReportingOverflow(by: rhs.denominator)
            let (right, o2) = rhs.numerator.multipliedReportingOverflow(by: result.denominator)
            let (denominator, o3) = result.denominator.multipliedReportingOverflow(by: rhs.denominator)
            let (numerator, o4) = plus ? left.addingReportingOverflow(right) : left.subtractingReportingOverflow(right)
            guard !o1, !o2, !o3, !o4 else {
                tooLarge = true
                return nil
            }
            result = (numerator, denominator)
        }
        return result
    }

    mutating func term() -> Fraction? {
        guard var result = factor() else { return nil }
        while true {
            skipSpaces()
            guard index < text.count else { break }
            let byte = text[index]
            let isTimes = byte == UInt8(ascii: "*") || byte == UInt8(ascii: "x")
            // `x` multiplies only when a number follows (55x55x96), so `0x` cannot start a unit.
            guard isTimes || byte == UInt8(ascii: "/") else { break }
            index += 1
            operators += 1
            guard let rhs = factor() else { return nil }
            if isTimes {
                guard let product = multiply(result, rhs) else {
                    tooLarge = true
                    return nil
                }
                result = product
            } else {
                guard rhs.numerator != 0 else { return nil }
                guard let quotient = multiply(result, (rhs.denominator, rhs.numerator)) else {
                    tooLarge = true
                    return nil
                }
                result = quotient
            }
        }
        return result
    }

    mutating func factor() -> Fraction? {
        skipSpaces()
        guard index < text.count else { return nil }
        if text[index] == UInt8(ascii: "(") {
            guard depth < Parser.maximumNesting else { return nil }
            index += 1
            depth += 1
            defer { depth -= 1 }
            guard let inner = expression() else { return nil }
            skipSpaces()
            guard index < text.count, text[index] == UInt8(ascii: ")") else { return nil }
            index += 1
            return inner
        }
        var numerator: Int128 = 0
        var denominator: Int128 = 1
        var digits = 0
        var fraction = false
        let limit: Int128 = Int128(Int64.max) * 1_000_000
        while index < text.count {
            let byte = text[index]
            if byte >= 0x30 && byte <= 0x39 {
                guard numerator < limit, denominator < limit else {
                    tooLarge = true
                    return nil
                }
                numerator = numerator * 10 + Int128(byte - 0x30)
                if fraction { denominator *= 10 }
                digits += 1
            } else if (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "_")) && digits > 0 && !fraction {
                // a separator inside the digits
            } else if byte == UInt8(ascii: "."), !fraction, digits > 0 {
                fraction = true
                decimals += 1
            } else {
                break
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        literals += 1
        return (numerator, denominator)
    }

    func multiply(_ a: Fraction, _ b: Fraction) -> Fraction? {
        let (n, o1) = a.numerator.multipliedReportingOverflow(by: b.numerator)
        let (d, o2) = a.denominator.multipliedReportingOverflow(by: b.denominator)
        guard !o1, !o2, d != 0 else { return nil }
        return d < 0 ? (-n, -d) : (n, d)
    }
}

extension String {
    /// The text, cut to 40 characters for quoting in a message.
    var shortened: String { count > 40 ? String(prefix(37)) + "..." : self }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }

    /// The text without the given character at either end.
    func trimmingCharacters(in character: Character) -> String {
        String(drop(while: { $0 == character }).reversed().drop(while: { $0 == character }).reversed())
    }
}
