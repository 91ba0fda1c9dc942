/// Exact integer arithmetic that reports overflow instead of trapping.

/// Thrown when a count does not fit in 64 bits.
struct Overflow: Error {}

/// `a * b`, or `Overflow`.
func checkedMultiply(_ a: Int, _ b: Int) throws(Overflow) -> Int {
    let (result, overflow) = a.multipliedReportingOverflow(by: b)
    if overflow { throw Overflow() }
    return result
}

/// The product of all values, or `Overflow`.
func checkedProduct(_ values: Int...) throws(Overflow) -> Int {
    var result = 1
    for value in values { result = try checkedMultiply(result, value) }
    return result
}

/// The product of an array's values, or `Overflow`.
func checkedProduct(of values: [Int]) throws(Overflow) -> Int {
    var result = 1
    for value in values { result = try checkedMultiply(result, value) }
    return result
}

/// `a*b*c`: numbers as a worked formula multiplies them.
func productText(_ values: [Int]) -> String {
    values.map(String.init).joined(separator: "*")
}

/// `a + b`, or `Overflow`.
func checkedAdd(_ a: Int, _ b: Int) throws(Overflow) -> Int {
    let (result, overflow) = a.addingReportingOverflow(b)
    if overflow { throw Overflow() }
    return result
}

/// `a - b`, or `Overflow`.
func checkedSubtract(_ a: Int, _ b: Int) throws(Overflow) -> Int {
    let (result, overflow) = a.subtractingReportingOverflow(b)
    if overflow { throw Overflow() }
    return result
}

/// The quotient rounded toward negative infinity; `b` must be positive.
func floorDivide(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && a < 0) ? quotient - 1 : quotient
}

/// The quotient rounded toward positive infinity; `b` must be positive.
func ceilDivide(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && a > 0) ? quotient + 1 : quotient
}

/// `a / b` when it divides exactly, or why not. The remainder is never taken of `Int.min / -1`, which
/// traps in Swift.
enum ExactDivision: Equatable {
    case exact(Int)
    case byZero
    case inexact
    case overflow
}

/// Divides exactly, in the order that cannot trap: zero, then -1 (whose only overflow is Int.min),
/// then the remainder.
func exactDivide(_ a: Int, _ b: Int) -> ExactDivision {
    if b == 0 { return .byZero }
    if b == -1 { return a == Int.min ? .overflow : .exact(-a) }
    return a % b == 0 ? .exact(a / b) : .inexact
}

/// An integer that carries whether any step to it overflowed: `+`, `-` and `*` on it never trap and
/// never wrap. Formulas on counts that come from input use it where a step may not be checked at once:
/// `(CheckedInt(output) - 1) * stride + extent`, then `.value` (nil after an overflow).
struct CheckedInt: Equatable, Sendable {
    /// The value, or nil once a step overflowed.
    let value: Int?

    init(_ value: Int) { self.value = value }
    private init(overflowed: Void) { value = nil }

    private static func combine(_ a: CheckedInt, _ b: CheckedInt,
                                _ operation: (Int, Int) -> (partialValue: Int, overflow: Bool)) -> CheckedInt {
        guard let x = a.value, let y = b.value else { return CheckedInt(overflowed: ()) }
        let (result, overflow) = operation(x, y)
        return overflow ? CheckedInt(overflowed: ()) : CheckedInt(result)
    }

    static func + (a: CheckedInt, b: CheckedInt) -> CheckedInt { combine(a, b) { $0.addingReportingOverflow($1) } }
    static func - (a: CheckedInt, b: CheckedInt) -> CheckedInt { combine(a, b) { $0.subtractingReportingOverflow($1) } }
    static func * (a: CheckedInt, b: CheckedInt) -> CheckedInt { combine(a, b) { $0.multipliedReportingOverflow(by: $1) } }
    static func + (a: CheckedInt, b: Int) -> CheckedInt { a + CheckedInt(b) }
    static func - (a: CheckedInt, b: Int) -> CheckedInt { a - CheckedInt(b) }
    static func * (a: CheckedInt, b: Int) -> CheckedInt { a * CheckedInt(b) }
    static func * (a: Int, b: CheckedInt) -> CheckedInt { CheckedInt(a) * b }
}

/// `a + b`, or the largest Int: subtotals of counts whose total was already counted cannot overflow.
func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? Int.max : sum
}
