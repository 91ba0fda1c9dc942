/// Integer expressions of emitted Python, and values that carry one: inside a block's class a layer's
/// numbers are written in the block's parameters (`nn.Conv2d(in_channels, 4 * c, 1)`), and each
/// number keeps the value it has at the use being emitted, so that every expression can be checked
/// against netcalc's own number before it is written.

/// An integer expression: literals, names (a block's parameters, `in_channels`, a loop variable) and
/// `+ - * //`, the division always exact (netcalc's spec language allows no other). Only the cases
/// that hold expressions are boxed: a number or a name, the common value, allocates nothing.
enum PyExpr: Hashable, Sendable {
    case int(Int)
    case name(String)
    indirect case negate(PyExpr)
    indirect case add(PyExpr, PyExpr)
    indirect case subtract(PyExpr, PyExpr)
    indirect case multiply(PyExpr, PyExpr)
    indirect case divide(PyExpr, PyExpr)

    /// The number of nodes, counted up to `limit` (the caller only asks whether it is small).
    func size(limit: Int = 256) -> Int {
        var count = 0
        var stack = [self]
        while let next = stack.popLast(), count < limit {
            count += 1
            switch next {
            case .int, .name: break
            case .negate(let inner): stack.append(inner)
            case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b):
                stack.append(a)
                stack.append(b)
            }
        }
        return count
    }

    /// The value under the given names' values; nil for an unknown name, an overflow or a division
    /// that is not exact.
    func evaluate(_ environment: [String: Int]) -> Int? {
        switch self {
        case .int(let value): return value
        case .name(let name): return environment[name]
        case .negate(let inner):
            guard let value = inner.evaluate(environment) else { return nil }
            let (result, overflow) = (0).subtractingReportingOverflow(value)
            return overflow ? nil : result
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b):
            guard let x = a.evaluate(environment), let y = b.evaluate(environment) else { return nil }
            let (result, overflow): (Int, Bool)
            switch self {
            case .add: (result, overflow) = x.addingReportingOverflow(y)
            case .subtract: (result, overflow) = x.subtractingReportingOverflow(y)
            case .multiply: (result, overflow) = x.multipliedReportingOverflow(by: y)
            case .divide:
                guard y != 0, !(x == Int.min && y == -1), x % y == 0 else { return nil }
                (result, overflow) = (x / y, false)
            case .int, .name, .negate: return nil
            }
            return overflow ? nil : result
        }
    }

    /// The expression with names replaced.
    func substituting(_ replacements: [String: PyExpr]) -> PyExpr {
        if replacements.isEmpty { return self }
        switch self {
        case .int: return self
        case .name(let name): return replacements[name] ?? self
        case .negate(let inner): return .negate(inner.substituting(replacements))
        case .add(let a, let b): return .add(a.substituting(replacements), b.substituting(replacements))
        case .subtract(let a, let b): return .subtract(a.substituting(replacements), b.substituting(replacements))
        case .multiply(let a, let b): return .multiply(a.substituting(replacements), b.substituting(replacements))
        case .divide(let a, let b): return .divide(a.substituting(replacements), b.substituting(replacements))
        }
    }

    /// True when the expression names anything (it is not a plain number).
    var isSymbolic: Bool {
        switch self {
        case .int: return false
        case .name: return true
        case .negate(let inner): return inner.isSymbolic
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b):
            return a.isSymbolic || b.isSymbolic
        }
    }

    /// Python text, with the parentheses precedence needs.
    var python: String { text(context: 0) }

    private var precedence: Int {
        switch self {
        case .int(let value): return value < 0 ? 3 : 4
        case .name: return 4
        case .negate: return 3
        case .multiply, .divide: return 2
        case .add, .subtract: return 1
        }
    }

    private func text(context: Int) -> String {
        let body: String
        switch self {
        case .int(let value): body = "\(value)"
        case .name(let name): body = name
        case .negate(let inner): body = "-" + inner.text(context: 3)
        case .add(let a, let b): body = a.text(context: 1) + " + " + b.text(context: 2)
        case .subtract(let a, let b): body = a.text(context: 1) + " - " + b.text(context: 2)
        case .multiply(let a, let b): body = a.text(context: 2) + " * " + b.text(context: 3)
        case .divide(let a, let b): body = a.text(context: 2) + " // " + b.text(context: 3)
        }
        return precedence < context ? "(" + body + ")" : body
    }
}

/// A number of the emitted code: its value at the use being emitted, and the expression that writes it.
struct PyValue: Sendable {
    var value: Int
    var expression: PyExpr

    /// Expressions larger than this are written as their value: a class whose numbers would need one
    /// is then written for its use alone.
    static let largestExpression = 96

    /// A value and the expression that gives it (written as the value when too large).
    init(_ value: Int, _ expression: PyExpr) {
        self.value = value
        self.expression = expression.size(limit: Self.largestExpression + 1) > Self.largestExpression ? .int(value) : expression
    }

    /// A value written as its number.
    static func literal(_ value: Int) -> PyValue { PyValue(value, .int(value)) }

    /// True when the value is written as the number `value`.
    func isLiteral(_ value: Int) -> Bool {
        if case .int(let written) = expression { return written == value }
        return false
    }

    /// Like terms collected, `in_channels + 2 * k` for `in_channels + k + k`, when that is no longer.
    var collected: PyValue {
        guard let canonical = Polynomial(expression)?.expression, canonical.size() <= expression.size() else { return self }
        return PyValue(value, canonical)
    }

    /// The value again, written as its number unless its expression gives that number here.
    func checked(_ environment: [String: Int]) -> PyValue {
        expression.evaluate(environment) == value ? self : .literal(value)
    }

    /// The sum, written `a + b`.
    static func + (a: PyValue, b: PyValue) -> PyValue {
        if b.isLiteral(0) { return a }
        if a.isLiteral(0) { return b }
        return PyValue(saturating(a.value.addingReportingOverflow(b.value)), .add(a.expression, b.expression))
    }

    /// The difference, written `a - b`.
    static func - (a: PyValue, b: PyValue) -> PyValue {
        if b.isLiteral(0) { return a }
        return PyValue(saturating(a.value.subtractingReportingOverflow(b.value)), .subtract(a.expression, b.expression))
    }

    /// The product, written `a * b`.
    static func * (a: PyValue, b: PyValue) -> PyValue {
        if b.isLiteral(1) { return a }
        if a.isLiteral(1) { return b }
        return PyValue(saturating(a.value.multipliedReportingOverflow(by: b.value)), .multiply(a.expression, b.expression))
    }

    /// A result, or Int.max past the range: values here are an analyzed network's, which fit, and one
    /// that did not would be written as a number that no expression matches, never trap.
    private static func saturating(_ result: (partialValue: Int, overflow: Bool)) -> Int {
        result.overflow ? Int.max : result.partialValue
    }

    /// Exact division (a value that does not divide is written as the quotient's number).
    static func / (a: PyValue, b: PyValue) -> PyValue {
        if b.isLiteral(1) { return a }
        guard b.value != 0, !(a.value == Int.min && b.value == -1) else { return .literal(0) }
        guard a.value % b.value == 0 else { return .literal(a.value / b.value) }
        return PyValue(a.value / b.value, .divide(a.expression, b.expression))
    }
}

/// Sizes of the emitted code, one per spatial axis, width first (PyTorch writes them last axis first).
struct PySizes: Sendable {
    var axes: [PyValue]

    init(_ axes: [PyValue]) { self.axes = axes }

    /// Sizes written as their numbers, along `rank` axes.
    static func literal(_ sizes: Sizes, rank: Int) -> PySizes { PySizes(sizes.along(rank).map { .literal($0) }) }

    /// The values, width first.
    var values: [Int] { axes.map(\.value) }

    /// True when every axis is written as `value`.
    func isLiteral(_ value: Int) -> Bool { axes.allSatisfy { $0.isLiteral(value) } }

    /// True when every axis is written as `other`'s is.
    func isWritten(like other: PySizes) -> Bool {
        axes.count == other.axes.count && zip(axes, other.axes).allSatisfy { $0.expression == $1.expression }
    }
}

/// An expression in canonical form, to compare the inputs of a repetition's copies: a sum of
/// monomials (sorted names) with integer coefficients; a division that is not by a constant is an
/// opaque name of its own.
struct Polynomial: Equatable {
    var terms: [[String]: Int] = [:]

    /// Zero.
    init() {}

    /// A constant.
    static func constant(_ value: Int) -> Polynomial {
        value == 0 ? Polynomial() : Polynomial(terms: [[]: value])
    }

    /// The canonical form; nil when a coefficient overflows.
    init?(_ expression: PyExpr) {
        switch expression {
        case .int(let value):
            guard value != Int.min else { return nil }
            self = .constant(value)
        case .name(let name): self.init(terms: [[name]: 1])
        case .negate(let inner):
            guard let p = Polynomial(inner), let result = p.scaled(by: -1) else { return nil }
            self = result
        case .add(let a, let b):
            guard let x = Polynomial(a), let y = Polynomial(b), let sum = x.adding(y) else { return nil }
            self = sum
        case .subtract(let a, let b):
            guard let x = Polynomial(a), let y = Polynomial(b), let negated = y.scaled(by: -1),
                  let sum = x.adding(negated) else { return nil }
            self = sum
        case .multiply(let a, let b):
            guard let x = Polynomial(a), let y = Polynomial(b), let product = x.multiplied(by: y) else { return nil }
            self = product
        case .divide(let a, let b):
            guard let x = Polynomial(a), let y = Polynomial(b) else { return nil }
            if y.terms.count == 1, let divisor = y.terms[[]], divisor != 0, divisor != -1,
               x.terms.values.allSatisfy({ $0 % divisor == 0 }) {
                self.init(terms: x.terms.mapValues { $0 / divisor })
            } else {
                self.init(terms: [["(" + expression.python + ")"]: 1])
            }
        }
    }

    private init(terms: [[String]: Int]) {
        self.terms = terms.filter { $0.value != 0 }
    }

    /// The sum; nil on overflow.
    func adding(_ other: Polynomial) -> Polynomial? {
        var result = terms
        for (monomial, coefficient) in other.terms {
            let (sum, overflow) = (result[monomial] ?? 0).addingReportingOverflow(coefficient)
            if overflow || sum == Int.min { return nil }
            result[monomial] = sum
        }
        return Polynomial(terms: result)
    }

    /// Every coefficient times `factor`; nil on overflow.
    func scaled(by factor: Int) -> Polynomial? {
        var result: [[String]: Int] = [:]
        for (monomial, coefficient) in terms {
            let (product, overflow) = coefficient.multipliedReportingOverflow(by: factor)
            if overflow || product == Int.min { return nil }
            result[monomial] = product
        }
        return Polynomial(terms: result)
    }

    /// The product; nil on overflow or when it would hold too many terms.
    func multiplied(by other: Polynomial) -> Polynomial? {
        guard terms.count.multipliedReportingOverflow(by: other.terms.count).partialValue <= 4096 else { return nil }
        var result = Polynomial()
        for (a, x) in terms {
            for (b, y) in other.terms {
                let (product, overflow) = x.multipliedReportingOverflow(by: y)
                if overflow || product == Int.min { return nil }
                guard let sum = result.adding(Polynomial(terms: [(a + b).sorted(): product])) else { return nil }
                result = sum
            }
        }
        return result
    }

    /// An expression for it: monomials in a fixed order, constants last (no coefficient is Int.min).
    var expression: PyExpr {
        let ordered = terms.sorted { a, b in
            a.key.count != b.key.count ? a.key.count > b.key.count : a.key.lexicographicallyPrecedes(b.key)
        }
        var result: PyExpr?
        for (monomial, coefficient) in ordered {
            let magnitude = abs(coefficient)
            var term: PyExpr? = monomial.isEmpty || magnitude != 1 ? .int(magnitude) : nil
            for name in monomial {
                term = term.map { .multiply($0, .name(name)) } ?? .name(name)
            }
            let part = term ?? .int(magnitude)
            if let sum = result {
                result = coefficient < 0 ? .subtract(sum, part) : .add(sum, part)
            } else {
                result = coefficient < 0 ? .negate(part) : part
            }
        }
        return result ?? .int(0)
    }
}
