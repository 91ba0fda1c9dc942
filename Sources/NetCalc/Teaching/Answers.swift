/// The answers written in braces for `netcalc check`: `{55x55x96, params: 34,944, memory: 3.2M}`.
///
/// An answer list is a comma-separated list of `key: value` (or `key = value`) items; a bare value
/// answers the shape. A comma inside a number written in thousands (`34,944`, `1,161,600`) separates
/// thousands instead, and a run of bare whole numbers (`32,32,10`) is one shape. Every item is read: one
/// that cannot be read is graded wrong, with why (`AnswerValue.unreadable`), never left out.
///
///     item   := (KEY (':' | '='))? value
///     KEY    := shape | params | weights | memory | bytes | fwd+bwd | macs | rf | note | points
///     value  := '"' value '"' | APPROX? (blank | invalid | shape | expr UNIT? WORD?)
///     shape  := W 'x' H 'x' D | '[' shape ']' | '(' W ',' H ',' D ')' | N (',' N)+ | N
///               ('x', 'X' or '×', spaces around it allowed; C x H x W is read as written and named)
///     expr   := term (('+' | '-') term)*;  term := factor (('*' | 'x' | '×' | '/') factor)*
///     factor := NUMBER | '(' expr ')'
///     NUMBER := 34944 | 34,944 | 34_944 | 34 944 (a space, thin space or no-break space) | 3.2 | 7.6e2
///     APPROX := '~' | '≈' | about | approx. | approximately | ca.
///     UNIT   := K M G T, thousand million billion (values) | B bytes |
///               KB MB GB TB (bytes, 1024- or 1000-based: ByteConvention) | KiB MiB GiB TiB (1024-based)
///     WORD   := params parameters weights | values activations | MACs FLOPs | px pixels
///               (a word must name what its key asks: `memory: 2560 values`, `params: 760 params`)
///
/// A number with a decimal point, an abbreviation, scientific notation or `~` is approximate: by
/// default it is right when the true value rounds to it at the precision it was written with (`3.2M`
/// for 3,154,176); `@tolerance 5%` (or `--tolerance 5%`) sets a relative tolerance instead.

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

    /// The words an answer to this key may end with, lower case: `760 params`, `2560 values`.
    var unitWords: [String] {
        switch self {
        case .params, .weights: return ["params", "parameters", "weights"]
        case .memory: return ["values", "activations", "numbers", "floats"]
        case .bytes, .fwdBwd: return []  // bytes and B are units, read as such
        case .macs: return ["macs", "mult-adds", "multiply-adds", "flops"]
        case .rf: return ["px", "pixels"]
        case .shape, .note, .points: return []
        }
    }
}

/// How KB, MB, GB and TB are read: the notes' 1024-based sense or the SI 1000-based one. Both are
/// accepted; the teacher's preferred one (`@units`, `--units`; the notes' by default) is named first.
enum ByteConvention: String, CaseIterable, Sendable {
    case binary = "1024"
    case decimal = "1000"

    /// The convention a directive or option names: `1024` (or `notes`, `iec`), `1000` (or `si`).
    static func named(_ text: String) -> ByteConvention? {
        switch text.lowercased() {
        case "1024", "notes", "iec", "binary": return .binary
        case "1000", "si", "decimal": return .decimal
        default: return nil
        }
    }

    var base: Int128 { self == .binary ? 1024 : 1000 }
    var other: ByteConvention { self == .binary ? .decimal : .binary }

    /// `the notes'` or `SI`: whose sense it is.
    var owner: String { self == .binary ? "the notes'" : "SI" }

    /// `1 MB = 1024 KB` for a unit of the given power (2 for MB).
    func equation(power: Int) -> String {
        let names = ["B", "KB", "MB", "GB", "TB"]
        let (unit, smaller) = (names[min(max(power, 1), 4)], names[min(max(power, 1), 4) - 1])
        return "1 \(unit) = \(rawValue) \(smaller)"
    }

    /// `the notes' sense, 1 MB = 1024 KB` for a unit of the given power.
    func sense(power: Int) -> String {
        "\(self == .binary ? "the notes' sense" : "the SI sense"), \(equation(power: power))"
    }
}

/// How close an approximate answer (3.2M, ~3M, 7.6e2) must be to the true value.
enum Tolerance: Equatable, Sendable {
    /// To the precision the student wrote: 3.2M is right for anything that rounds to 3.2M.
    case written
    /// Within this fraction of the true value, whatever the precision written.
    case relative(numerator: Int128, denominator: Int128)

    /// Reads `written` or a percentage, `5%` or `0.5%`, from a directive or option.
    static func named(_ text: String) -> Tolerance? {
        let lower = text.lowercased().trimmingSpaces()
        if lower == "written" || lower == "precision" { return .written }
        guard lower.hasSuffix("%") else { return nil }
        let number = lower.dropLast().trimmingSpaces()
        let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count), pieces.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let whole = Int128(pieces[0]) else { return nil }
        var numerator = whole
        var denominator: Int128 = 100
        if pieces.count == 2, let fraction = Int128(pieces[1]) {
            for _ in 0..<pieces[1].count { numerator *= 10; denominator *= 10 }
            numerator += fraction
        }
        guard numerator <= denominator else { return nil }  // past 100%, every answer would do
        return .relative(numerator: numerator, denominator: denominator)
    }

    /// `to the precision written`, `within 5%`.
    var text: String {
        switch self {
        case .written: return "to the precision written"
        case .relative(let numerator, let denominator):
            // Thousandths of a percent: 5% is 5000, 0.5% is 500.
            let thousandths = numerator * 100_000 / max(1, denominator)
            var fraction = String(thousandths % 1000)
            while fraction.count < 3 { fraction = "0" + fraction }
            while fraction.hasSuffix("0") { fraction.removeLast() }
            return "within \(thousandths / 1000)\(fraction.isEmpty ? "" : "." + fraction)%"
        }
    }
}

/// What a unit after a number means.
enum AnswerUnit: Equatable, Sendable {
    case none
    /// K, M, G, T (thousand, million, billion): thousands, millions... of values.
    case count
    /// B, KB, MB, GB, TB: bytes, in powers of 1024 or of 1000 as the convention reads them.
    case bytes
    /// KiB, MiB, GiB, TiB: bytes in powers of 1024.
    case binaryBytes
}

/// A number as written: a rational value, and whether it was rounded (an abbreviation, a decimal,
/// scientific notation or `~`), so that it is judged to its stated precision.
struct NumberAnswer: Equatable, Sendable {
    var numerator: Int128
    var denominator: Int128
    /// The unit's size times `scale` (1000 for K, 1,048,576 for MiB, 100 for 7.6e2); 1 without either.
    var multiplier: Int128
    /// The unit's power: 2 for M, MB and MiB.
    var power: Int
    var unit: AnswerUnit
    /// True for a plain whole number or arithmetic: it must be exact.
    var exact: Bool
    /// Zeros that end an abbreviation's digits and are not significant: 800K is 8 hundreds of K.
    var trailingZeros = 0
    /// The power of ten of scientific notation (100 for 7.6e2), a part of `multiplier`.
    var scale: Int128 = 1

    /// True when the value equals `truth`, or (when approximate) is within the tolerance of it.
    func matches(_ truth: Int, tolerance: Tolerance = .written) -> Bool {
        let (scaledTruth, o1) = Int128(truth).multipliedReportingOverflow(by: denominator)
        let (value, o2) = numerator.multipliedReportingOverflow(by: multiplier)
        guard !o1, !o2 else { return false }
        if exact { return scaledTruth == value }
        let (difference, o3) = scaledTruth.subtractingReportingOverflow(value)
        guard !o3 else { return false }
        switch tolerance {
        case .written:
            var step = multiplier
            for _ in 0..<trailingZeros {
                let (next, overflow) = step.multipliedReportingOverflow(by: 10)
                guard !overflow else { return true }  // a tolerance past 2^127 covers every count
                step = next
            }
            let (twice, o4) = difference.magnitude.multipliedReportingOverflow(by: 2)
            return !o4 && twice <= UInt128(step)
        case .relative(let part, let whole):
            // |truth - value| <= truth * part/whole, in whole numbers.
            let (left, o4) = difference.magnitude.multipliedReportingOverflow(by: UInt128(whole))
            let (right, o5) = scaledTruth.magnitude.multipliedReportingOverflow(by: UInt128(part))
            return !o4 && !o5 && left <= right
        }
    }

    /// The same digits read with a unit of another base: MB in the SI sense (1000), MiB as MB.
    func reread(base: Int128) -> NumberAnswer {
        var copy = self
        var multiplier = scale
        for _ in 0..<power { multiplier *= base }
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
    /// An answer that cannot be read, and why: graded wrong, never left out.
    case unreadable(AnswerParser.ValueError)
}

/// One `key: value` item of an answer list.
struct AnswerItem: Sendable {
    var key: AnswerKey
    var value: AnswerValue
    /// The value as written, trimmed.
    var text: String
    var range: SourceRange
    /// How the item was read when that needs saying: a misspelled key taken for the one it is closest to.
    var reading: String?
}

/// Splits and parses the answer lists of a file. Every question item is read: one whose value cannot
/// be read is an `unreadable` item (graded wrong, with why); a key that is not one is reported.
struct AnswerParser {
    let file: SourceFile
    /// How KB, MB, GB and TB are read first (the other sense is accepted too, and named).
    var units: ByteConvention = .binary

    /// One comma-separated piece of an answer list, before its value is read.
    private struct Piece {
        var key = AnswerKey.shape
        var keyWritten = false
        var valueText: String
        var valueRange: SourceRange
        var reading: String?
        /// The sizes of a run of bare whole numbers (`32,32,10`), read as one shape.
        var run: [String] = []
    }

    /// The items of one brace-enclosed answer list.
    func items(of answer: AnswerSyntax) -> (items: [AnswerItem], diagnostics: DiagnosticList) {
        var diagnostics = DiagnosticList()
        let bytes = file.bytes
        let start = answer.range.start + 1
        let end = max(start, answer.range.end - 1)
        // A bracket left open ({[32x32x10, params: 760}) would take the rest of the list: it then ends at
        // the next keyed item.
        let spans = split(from: start, to: end, brackets: true) ?? split(from: start, to: end, brackets: false) ?? [(start, end)]
        var pieces: [Piece] = []
        for (from, to) in spans {
            var first = from
            var last = to
            while first < last, isSpace(bytes[first]) { first += 1 }
            while last > first, isSpace(bytes[last - 1]) { last -= 1 }
            guard first < last else { continue }
            let text = String(decoding: bytes[first..<last], as: UTF8.self)
            var piece = Piece(valueText: text, valueRange: SourceRange(first, last))
            if let separator = Self.keySeparator(in: text) {
                let keyText = text[..<separator].trimmingSpaces()
                var key = AnswerKey.named(keyText)
                if key == nil, let close = Self.closestKey(keyText) {
                    key = close
                    piece.reading = "'\(keyText.shortened)' read as \(close.rawValue)"
                }
                guard let key else {
                    diagnostics.append(Diagnostic(
                        .error, "unknown answer key '\(keyText)'", at: SourceRange(first, last), in: file,
                        hint: "keys: shape (or a bare WxHxD), params, weights, memory, bytes, fwd+bwd, macs, rf, note, points"))
                    continue
                }
                piece.key = key
                piece.keyWritten = true
                piece.valueText = text[text.index(after: separator)...].trimmingSpaces()
                var valueStart = first + text.utf8.distance(from: text.startIndex, to: separator) + 1
                while valueStart < last, isSpace(bytes[valueStart]) { valueStart += 1 }
                piece.valueRange = SourceRange(valueStart, last)
            }
            // A bare whole number after whole numbers that answer a shape (32,32,10) is its next size.
            if !piece.keyWritten, Self.isWholeNumber(piece.valueText), var previous = pieces.last, previous.key == .shape,
               previous.run.count < 4, !previous.run.isEmpty || Self.isWholeNumber(previous.valueText) {
                if previous.run.isEmpty { previous.run = [previous.valueText] }
                previous.run.append(piece.valueText)
                previous.valueRange = SourceRange(previous.valueRange.start, piece.valueRange.end)
                previous.valueText = String(decoding: bytes[previous.valueRange.start..<previous.valueRange.end], as: UTF8.self)
                pieces[pieces.count - 1] = previous
                continue
            }
            pieces.append(piece)
        }
        var items: [AnswerItem] = []
        for piece in pieces {
            let parsed = piece.run.count > 1 ? Self.shape(piece.run, written: piece.valueText) : parseValue(piece.valueText, key: piece.key)
            switch parsed {
            case .success(let value):
                items.append(AnswerItem(key: piece.key, value: value, text: piece.valueText, range: piece.valueRange, reading: piece.reading))
            case .failure(let error) where piece.key.isQuestion:
                items.append(AnswerItem(key: piece.key, value: .unreadable(error), text: piece.valueText, range: piece.valueRange,
                                        reading: piece.reading))
            case .failure(let error):
                // A teacher's points that cannot be read: the sheet's own error, not a student's answer.
                diagnostics.append(Diagnostic(.error, error.text, at: piece.valueRange, in: file, hint: error.hint))
            }
        }
        return (items, diagnostics)
    }

    /// The items' spans: split at commas outside quotes and brackets, not at thousands separators
    /// (without `brackets`, only at commas before a key). Nil when a bracket or quote is left open.
    private func split(from start: Int, to end: Int, brackets: Bool) -> [(Int, Int)]? {
        let bytes = file.bytes
        var spans: [(Int, Int)] = []
        var spanStart = start
        var depth = 0
        var quoted = false
        var run: (end: Int, thousands: Bool)?  // the last run of digits and commas looked at
        for index in start..<end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if quoted { continue }
            if brackets, byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") { depth += 1 }
            if brackets, byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") { depth = max(0, depth - 1) }
            guard byte == UInt8(ascii: ","), depth == 0 else { continue }
            // 34,944: a thousands separator, not the end of an item; 32,32,10 is three items. Each run is
            // looked at once, so that a long list of commas takes linear time.
            if run.map({ index >= $0.end }) ?? true { run = numberRun(at: index, from: start, to: end) }
            if let run, index < run.end, run.thousands { continue }
            if brackets || startsKey(at: index + 1, end: end) {
                spans.append((spanStart, index))
                spanStart = index + 1
            }
        }
        spans.append((spanStart, end))
        return depth == 0 && !quoted ? spans : nil
    }

    /// True when a key (`params:`, `fwd+bwd =`) starts at `index`, after spaces.
    private func startsKey(at index: Int, end: Int) -> Bool {
        let bytes = file.bytes
        var position = index
        while position < end, isSpace(bytes[position]) { position += 1 }
        let first = position
        while position < end, bytes[position] < 0x80,
              Character(UnicodeScalar(bytes[position])).isLetter || bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "_") {
            position += 1
        }
        guard position > first else { return false }
        while position < end, isSpace(bytes[position]) { position += 1 }
        return position < end && (bytes[position] == UInt8(ascii: ":") || bytes[position] == UInt8(ascii: "="))
    }

    private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// The run of digits and commas around the comma at `index` (where it ends), and whether it is a
    /// number written in thousands (`1,161,600`: 1 to 3 digits, then groups of exactly 3); nil when the
    /// comma is not between digits.
    private func numberRun(at index: Int, from start: Int, to end: Int) -> (end: Int, thousands: Bool)? {
        let bytes = file.bytes
        func isDigit(_ i: Int) -> Bool { i >= start && i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        guard isDigit(index - 1), isDigit(index + 1) else { return nil }
        var first = index
        while first > start, isDigit(first - 1) { first -= 1 }  // the run starts after the last comma split
        var last = index
        while last < end, isDigit(last) || (bytes[last] == UInt8(ascii: ",") && isDigit(last + 1)) { last += 1 }
        let groups = bytes[first..<last].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        if (1...3).contains(groups[0].count) && groups.dropFirst().allSatisfy({ $0.count == 3 }) { return (last, true) }
        // 1,5K: a decimal comma, one comma before a unit (the number reader reads it as 1.5K).
        var after = last
        while after < end, bytes[after] == 0x20 { after += 1 }
        let unit = after < end && bytes[after] < 0x80 && Character(UnicodeScalar(bytes[after])).isLetter
        return (last, groups.count == 2 && unit)
    }

    /// Where a written key ends: the first `:` or `=` after a word (`params:`, `fwd+bwd =`).
    private static func keySeparator(in text: String) -> String.Index? {
        guard let separator = text.firstIndex(where: { $0 == ":" || $0 == "=" }) else { return nil }
        let key = text[..<separator].trimmingSpaces()
        guard let first = key.first, first.isLetter,
              key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "_" || $0 == "-" || $0 == " " }) else { return nil }
        return separator
    }

    /// The key a misspelled one is closest to (`param` for params), when one is close enough.
    private static func closestKey(_ text: String) -> AnswerKey? {
        let names = AnswerKey.allCases.map(\.rawValue) + ["parameters", "activations", "values"]
        guard text.count <= 20, let hint = didYouMean(text, names), let quote = hint.firstIndex(of: "'") else { return nil }
        return AnswerKey.named(String(hint[hint.index(after: quote)...].dropLast(2)))
    }

    private static func isWholeNumber(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 19 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Why an answer value cannot be read.
    struct ValueError: Error, Equatable, Sendable {
        var text: String
        var hint: String?

        /// A number past what netcalc counts: no count can equal it.
        static func tooLarge(_ written: String) -> ValueError {
            ValueError(text: "'\(written.shortened)' is too large to count",
                       hint: "netcalc counts exactly up to \(formatCount(Int.max)); every count is smaller")
        }
    }

    /// The characters students type for the same thing made one: thin, figure and no-break spaces as
    /// spaces, `×` as `x`, `≈` as `~`, curly quotes as straight ones.
    static func normalized(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x2009, 0x202F, 0x00A0, 0x2007, 0x09: out.append(" ")
            case 0x00D7: out.append("x")
            case 0x2248: out.append("~")
            case 0x201C, 0x201D: out.append("\"")
            case 0x2018, 0x2019: out.append("'")
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out.trimmingSpaces()
    }

    func parseValue(_ written: String, key: AnswerKey) -> Result<AnswerValue, ValueError> {
        if key == .note { return .success(.text(written.trimmingCharacters(in: "\""))) }
        var text = Self.normalized(written)
        // A quoted value ("16,781,312") is the value.
        if text.count >= 2, let quote = text.first, quote == "\"" || quote == "'", text.last == quote {
            text = String(text.dropFirst().dropLast()).trimmingSpaces()
        }
        if key == .points {
            let digits = text.filter { $0 != "_" && $0 != "," }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.count <= 4,
                  let points = Int(digits), points <= AnswerKey.maximumPoints else {
                return .failure(ValueError(text: "'\(written.shortened)' is not a number of points",
                                           hint: "points take a whole number from 0 to \(AnswerKey.maximumPoints): points: 2"))
            }
            return .success(.number(NumberAnswer(numerator: Int128(points), denominator: 1, multiplier: 1, power: 0,
                                                 unit: .none, exact: true)))
        }
        // ~3M, about 3M: approximate, whatever the digits.
        var approximate = false
        let lowered = text.lowercased()
        for prefix in ["~", "about ", "approximately ", "approx. ", "approx ", "ca. ", "around "] where lowered.hasPrefix(prefix) {
            approximate = true
            text = String(text.dropFirst(prefix.count)).trimmingSpaces()
            break
        }
        let lower = text.lowercased()
        if lower.isEmpty || lower == "_" || lower == "?" || lower.allSatisfy({ $0 == "_" }) {
            return approximate ? .failure(ValueError(text: "'\(written.shortened)' has no number after its ~", hint: nil)) : .success(.blank)
        }
        if ["invalid", "does not fit", "doesn't fit", "not whole", "none"].contains(lower) {
            return .success(.invalid)
        }
        if key == .shape { return Self.shape(lower) }
        var reader = NumberReader(text: Array(text.utf8), key: key, approximate: approximate, units: units)
        return reader.read().map { .number($0) }
    }

    /// A shape as written: `8x8x20`, `[8x8x20]`, `16 × 16 × 20`, `(10, 16, 16)`; its sizes in order.
    static func shape(_ lower: String) -> Result<AnswerValue, ValueError> {
        var body = Substring(lower)
        var bracketed = false
        if body.count >= 2, let open = body.first, let close = body.last, (open == "[" && close == "]") || (open == "(" && close == ")") {
            body = body.dropFirst().dropLast()
            bracketed = true
        }
        let opens = body.filter { $0 == "[" || $0 == "(" }.count
        if opens != body.filter({ $0 == "]" || $0 == ")" }).count {
            return .failure(ValueError(text: "'\(lower.shortened)' opens a bracket it does not close, or closes one it did not open",
                                       hint: "write [55x55x96], (55, 55, 96) or 55x55x96"))
        }
        // Sizes are split at x; in brackets without an x, at commas (Python's (10, 16, 16)).
        let byComma = bracketed && !body.contains("x") && body.contains(",")
        let parts = body.split(separator: byComma ? "," : "x", omittingEmptySubsequences: false)
            .map { String($0.filter { $0 != " " && $0 != "_" && (byComma || $0 != ",") }) }
        return shape(parts, written: lower)
    }

    /// A shape from its sizes as written.
    static func shape(_ parts: [String], written: String) -> Result<AnswerValue, ValueError> {
        if parts.contains(where: { !$0.isEmpty && $0.allSatisfy({ $0.isASCII && $0.isNumber }) && Int($0) == nil }) {
            return .failure(.tooLarge(written))
        }
        let hint = "write a shape as WxHxD (55x55x96, [55x55x96] or (55, 55, 96)), LxC or WxHxTxC, a vector as its length, or invalid"
        guard (1...4).contains(parts.count) else {
            return .failure(ValueError(text: "'\(written.shortened)' has \(parts.count) sizes; a shape has 1 to 4", hint: hint))
        }
        if parts.contains(where: \.isEmpty) {
            return .failure(ValueError(text: "'\(written.shortened)' is missing a size", hint: hint))
        }
        let numbers = parts.compactMap { part in part.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(part) : nil }
        guard numbers.count == parts.count else {
            let bad = parts.first { part in !part.allSatisfy({ $0.isASCII && $0.isNumber }) } ?? written
            return .failure(ValueError(text: "'\(written.shortened)' is not a shape: '\(bad.shortened)' is not a size", hint: hint))
        }
        return .success(.shape(numbers.count == 1 ? Shape(width: 1, height: 1, depth: numbers[0])
            : Shape(spatial: Array(numbers.dropLast()), depth: numbers[numbers.count - 1])))
    }
}

/// Reads an answer number: arithmetic on literals, then an optional unit and word.
private struct NumberReader {
    let text: [UInt8]
    /// The question answered: the words it takes (`params`, `values`).
    let key: AnswerKey
    /// Written with `~` (or `about`): approximate, whatever the digits.
    let approximate: Bool
    /// How KB, MB and GB are read.
    let units: ByteConvention
    var index = 0
    /// Literals with a fraction (3.2) make the answer approximate.
    var decimals = 0
    var literals = 0
    var operators = 0
    /// The exponent of the last literal in scientific notation (2 for 7.6e2).
    var exponent = 0
    /// Parentheses open now; bounded so that no answer can exhaust the stack.
    var depth = 0
    /// Set when a literal or a step of the arithmetic is too large for exact counting.
    var tooLarge = false

    typealias Fraction = (numerator: Int128, denominator: Int128)

    init(text: [UInt8], key: AnswerKey, approximate: Bool, units: ByteConvention) {
        self.text = text
        self.key = key
        self.approximate = approximate
        self.units = units
    }

    static let hint = "write 34944, 34,944, 34 944, 35K, 3.2M, ~3M, 7.6e2, (3*3*3)*64, 58MiB or 760 params"

    mutating func read() -> Result<NumberAnswer, AnswerParser.ValueError> {
        let original = String(decoding: text, as: UTF8.self)
        guard let value = expression() else {
            if tooLarge { return .failure(.tooLarge(original)) }
            return .failure(.init(text: "'\(original.shortened)' is not a number", hint: Self.hint))
        }
        skipSpaces()
        let rest = String(decoding: text[index...], as: UTF8.self)
        // 7 6 0: digits left over are not a unit; the number is not grouped in threes.
        if let first = rest.first, first.isNumber || first == "." || first == "," {
            return .failure(.init(text: "'\(original.shortened)' is not a number", hint: Self.hint))
        }
        let words = rest.split(separator: " ").map(String.init)
        var unit: (AnswerUnit, Int) = (.none, 0)
        var word: String?
        switch words.count {
        case 0: break
        case 1:
            if let read = Self.unit(words[0]) { unit = read } else { word = words[0] }
        case 2:
            guard let read = Self.unit(words[0]) else { return .failure(Self.notAUnit(words[0])) }
            unit = read
            word = words[1]
        default:
            return .failure(.init(text: "'\(original.shortened)' is not a number: '\(rest.shortened)' follows it", hint: Self.hint))
        }
        if let word {
            let lower = word.lowercased()
            if !key.unitWords.contains(lower) {
                guard let other = AnswerKey.allCases.first(where: { $0.unitWords.contains(lower) }) else {
                    return .failure(Self.notAUnit(word))
                }
                let takes = key.unitWords.isEmpty ? "no word" : key.unitWords.map { "'\($0)'" }.joined(separator: ", ") + " or no word"
                return .failure(.init(text: "'\(word.shortened)' counts \(other.rawValue), but the question asks for \(key.rawValue)",
                                      hint: "a \(key.rawValue) answer takes \(takes)"))
            }
        }
        let (kind, power) = unit
        var unitSize: Int128 = 1
        let base: Int128 = kind == .binaryBytes ? 1024 : kind == .bytes ? units.base : 1000
        for _ in 0..<power { unitSize *= base }
        // The value's magnitude, rounded down: past Int.max no count can match it.
        let (scaled, overflow) = value.numerator.magnitude.multipliedReportingOverflow(by: unitSize.magnitude)
        if overflow || scaled / value.denominator.magnitude > UInt128(Int.max) { return .failure(.tooLarge(original)) }
        let single = literals == 1 && operators == 0
        // 7.6e2 is 76 tens: its digits, and the power of ten they are counted in.
        var mantissa = value.numerator
        var scale: Int128 = 1
        if single, exponent > 0 {
            for _ in 0..<exponent { scale *= 10 }
            mantissa /= scale
        }
        let exact = decimals == 0 && !approximate && (!single || (power == 0 && exponent == 0))
        // Trailing zeros of a whole abbreviation are not significant (150K, 800K); a decimal's are (1.50M).
        var zeros = 0
        if !exact, decimals == 0, mantissa != 0 {
            var digits = mantissa
            while digits % 10 == 0 { digits /= 10; zeros += 1 }
        }
        return .success(NumberAnswer(numerator: mantissa, denominator: value.denominator, multiplier: unitSize * scale,
                                     power: power, unit: kind, exact: exact, trailingZeros: zeros, scale: scale))
    }

    static func notAUnit(_ text: String) -> AnswerParser.ValueError {
        .init(text: "'\(text.shortened)' is not a unit",
              hint: "units: K M G T or thousand million billion (values), B KB MB GB (bytes, 1024- or 1000-based), KiB MiB GiB (1024-based); words: params, values, MACs")
    }

    static func unit(_ text: String) -> (AnswerUnit, Int)? {
        let powers = ["": 0, "K": 1, "M": 2, "G": 3, "T": 4]
        let lower = text.lowercased()
        if text.isEmpty { return (.none, 0) }
        if text == "B" || lower == "bytes" || lower == "byte" { return (.bytes, 0) }
        if let power = ["thousand": 1, "million": 2, "mio": 2, "billion": 3, "bn": 3][lower] { return (.count, power) }
        if let power = powers[text.uppercased()], text != "m" { return (.count, power) }
        if text.hasSuffix("iB"), let power = powers[String(text.dropLast(2)).uppercased()], power > 0 {
            return (.binaryBytes, power)
        }
        if text.uppercased().hasSuffix("B"), let power = powers[String(text.dropLast()).uppercased()], power > 0 {
            return (.bytes, power)
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
        func isDigit(_ i: Int) -> Bool { i < text.count && text[i] >= 0x30 && text[i] <= 0x39 }
        var numerator: Int128 = 0
        var denominator: Int128 = 1
        var digits = 0
        var fraction = false
        /// Digits since the literal's start or its last separator, and the separators read.
        var group = 0
        var separators = 0
        let limit: Int128 = Int128(Int64.max) * 1_000_000
        while index < text.count {
            let byte = text[index]
            if isDigit(index) {
                guard numerator < limit, denominator < limit else {
                    tooLarge = true
                    return nil
                }
                numerator = numerator * 10 + Int128(byte - 0x30)
                if fraction { denominator *= 10 }
                digits += 1
                group += 1
            } else if byte == UInt8(ascii: ","), digits > 0, !fraction, separators == 0,
                      !(isDigit(index + 1) && isDigit(index + 2) && isDigit(index + 3) && !isDigit(index + 4)), isDigit(index + 1) {
                // 1,5K: a comma not followed by three digits, the first, is a decimal comma.
                fraction = true
                decimals += 1
            } else if (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "_")) && digits > 0 && !fraction {
                // a separator inside the digits
                group = 0
                separators += 1
            } else if byte == 0x20, digits > 0, !fraction, separators == 0 ? group <= 3 : group == 3,
                      isDigit(index + 1), isDigit(index + 2), isDigit(index + 3), !isDigit(index + 4) {
                // 10 240: a space between groups of three digits separates thousands.
                group = 0
                separators += 1
            } else if byte == UInt8(ascii: "."), !fraction, digits > 0 {
                fraction = true
                decimals += 1
            } else {
                break
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        // 7.6e2, 1e-3: scientific notation.
        if index < text.count, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") {
            var look = index + 1
            let negative = look < text.count && text[look] == UInt8(ascii: "-")
            if look < text.count, text[look] == UInt8(ascii: "-") || text[look] == UInt8(ascii: "+") { look += 1 }
            var power = 0
            var powerDigits = 0
            while isDigit(look), powerDigits < 3 {
                power = power * 10 + Int(text[look] - 0x30)
                look += 1
                powerDigits += 1
            }
            if powerDigits > 0 {
                guard power <= 24, !isDigit(look) else {
                    tooLarge = !negative
                    return nil
                }
                index = look
                for _ in 0..<power {
                    let (next, overflow) = negative ? denominator.multipliedReportingOverflow(by: 10) : numerator.multipliedReportingOverflow(by: 10)
                    guard !overflow else {
                        tooLarge = true
                        return nil
                    }
                    if negative { denominator = next } else { numerator = next }
                }
                exponent = negative ? -power : power
            }
        }
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
