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
