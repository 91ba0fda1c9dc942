/// The syntax tree of a spec, as the parser builds it: nothing is evaluated or checked yet.

/// An integer expression in a layer argument or a repeat count: `4*c`, `(c+1)/2`, `64`.
enum Expression: Sendable {
    case literal(Int, SourceRange)
    /// A block parameter's name.
    case name(String, SourceRange)
    // Only the recursive cases are boxed: a literal costs no allocation.
    indirect case negate(Expression, SourceRange)
    indirect case binary(BinaryOperator, Expression, Expression, SourceRange)

    enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
    }

    var range: SourceRange {
        switch self {
        case .literal(_, let range), .name(_, let range), .negate(_, let range), .binary(_, _, _, let range):
            return range
        }
    }

    /// The literal value, when the expression is a plain number.
    var literalValue: Int? {
        if case .literal(let value, _) = self { return value }
        return nil
    }
}

/// The value of one layer argument.
enum ArgumentValue: Sendable {
    /// A single integer expression: `96`, `4*c`.
    case scalar(Expression)
    /// A size with one value per spatial axis, width first: `7x1`, `3x3x1`. Boxed, so that a plain
    /// argument stays small.
    indirect case size([Expression])
    /// A word: `same`, `valid`.
    case word(String)
    /// A number with a fraction: `0.5`.
    case decimal(String)
}

/// One argument of a layer call: positional (`96`), tagged (`s4`, `s=4`, `stride=4`) or a flag (`nobias`).
struct Argument: Sendable {
    /// The tag as written (`s`, `stride`), nil for a positional argument.
    var tag: String?
    /// The value; nil for a flag (`nobias`, `floor`).
    var value: ArgumentValue?
    /// The flag's word when `value` is nil.
    var flag: String?
    var range: SourceRange
    /// Where the value starts, for errors about the value alone.
    var valueRange: SourceRange
}

/// A layer or block use: `CONV(96,11,s4)`, `RELU`, `basic(128,2)`.
///
/// Calls written with the same text share one parse of their arguments: a written-out chain of a
/// million layers repeats a few calls, and their arguments are kept once. `arguments` gives each call
/// the ranges of its own place in the file.
struct LayerCall: Sendable {
    let name: String
    /// The arguments as parsed where this call's text first appears; nil when there were no parentheses.
    private let sharedArguments: [Argument]?
    /// How far this call starts after that first one: the distance its arguments' ranges move (32 bits,
    /// as files are at most 64 MiB: a million calls are kept, and this keeps each small).
    private let shift: Int32
    private let storedTextID: Int32
    let range: SourceRange

    /// The same for every call written with the same text: the order in which the file first shows it.
    var textID: Int { Int(storedTextID) }
    /// Where the name is written: the call starts with it.
    var nameRange: SourceRange { SourceRange(range.start, range.start + name.utf8.count) }

    /// A call written at `range`, sharing the arguments parsed where its text first appears
    /// (`parsedAt`; its own start for the first call with its text).
    init(name: String, sharing arguments: [Argument]?, parsedAt: Int, range: SourceRange, textID: Int) {
        self.name = name
        self.sharedArguments = arguments
        self.shift = Int32(clamping: range.start - parsedAt)
        self.storedTextID = Int32(clamping: textID)
        self.range = range
    }

    /// The arguments in parentheses, with ranges in this call; nil when there were no parentheses.
    var arguments: [Argument]? {
        guard shift != 0 else { return sharedArguments }
        return sharedArguments?.map { $0.shifted(by: Int(shift)) }
    }
}

extension Argument {
    /// The same argument written `distance` bytes later.
    func shifted(by distance: Int) -> Argument {
        Argument(tag: tag, value: value?.shifted(by: distance), flag: flag, range: range.shifted(by: distance),
                 valueRange: valueRange.shifted(by: distance))
    }
}

extension ArgumentValue {
    /// The same value written `distance` bytes later.
    func shifted(by distance: Int) -> ArgumentValue {
        switch self {
        case .scalar(let expression): return .scalar(expression.shifted(by: distance))
        case .size(let axes): return .size(axes.map { $0.shifted(by: distance) })
        case .word, .decimal: return self
        }
    }
}

extension Expression {
    /// The same expression written `distance` bytes later.
    func shifted(by distance: Int) -> Expression {
        switch self {
        case .literal(let value, let range): return .literal(value, range.shifted(by: distance))
        case .name(let name, let range): return .name(name, range.shifted(by: distance))
        case .negate(let inner, let range): return .negate(inner.shifted(by: distance), range.shifted(by: distance))
        case .binary(let op, let lhs, let rhs, let range):
            return .binary(op, lhs.shifted(by: distance), rhs.shifted(by: distance), range.shifted(by: distance))
        }
    }
}

extension SourceRange {
    /// The same length of text, `distance` bytes later.
    func shifted(by distance: Int) -> SourceRange { SourceRange(start + distance, end + distance) }
}

extension LayerCall {
    /// True when an argument depends on a name: any name inside an expression, or a bare word or
    /// flag that is one of `parameters` (`CONV(c,3,s=s)` in a block with parameters c and s).
    func mentions(_ parameters: Set<String>) -> Bool {
        func mentions(_ expression: Expression) -> Bool {
            switch expression {
            case .literal: return false
            case .name: return true
            case .negate(let inner, _): return mentions(inner)
            case .binary(_, let lhs, let rhs, _): return mentions(lhs) || mentions(rhs)
            }
        }
        for argument in sharedArguments ?? [] {  // where they are written does not matter here
            switch argument.value {
            case .scalar(let expression)?: if mentions(expression) { return true }
            case .size(let axes)?: if axes.contains(where: mentions) { return true }
            case .word(let word)?: if parameters.contains(word) { return true }
            case .decimal?: continue
            case nil: if let flag = argument.flag, parameters.contains(flag) { return true }
            }
        }
        return false
    }
}


/// An answer written in braces for `netcalc check`: `{55x55x96, params: 34944}`.
struct AnswerSyntax: Sendable {
    var range: SourceRange
}

/// One element of a chain (nested chains live in arrays, so no case needs boxing).
enum ChainElement: Sendable {
    /// `INPUT[WxHxD]` or `INPUT[N]`.
    case input(dimensions: [Expression], range: SourceRange, answer: AnswerSyntax?)
    case layer(LayerCall, answer: AnswerSyntax?)
    /// `[chain]*N` (boxed: it is the largest case, and every element of a chain would pay for it).
    indirect case repetition(Chain, count: Expression, range: SourceRange)
    /// `ADD(a | b)`, `CONCAT(a | b)`, `MUL(a | b)`, with the answer for the merged row after it, if any.
    case merge(MergeKind, branches: [Chain], keywordRange: SourceRange, range: SourceRange, answer: AnswerSyntax?)
    /// `ID`, the identity branch of a merge.
    case identity(SourceRange)
    /// `as NAME` after an element: names the output of the element before it.
    case name(String, SourceRange)
    /// `@NAME`: the flow continues from the tensor so named (a branch that reads an earlier tensor).
    case reference(String, SourceRange)

    var range: SourceRange {
        switch self {
        case .input(_, let range, let answer):
            return answer.map { range.union($0.range) } ?? range
        case .repetition(_, _, let range), .identity(let range), .name(_, let range), .reference(_, let range):
            return range
        case .merge(_, _, _, let range, let answer):
            return answer.map { range.union($0.range) } ?? range
        case .layer(let call, let answer):
            return answer.map { call.range.union($0.range) } ?? call.range
        }
    }
}

/// Layers joined by arrows.
struct Chain: Sendable {
    var elements: [ChainElement]
    var range: SourceRange
}

extension Chain {
    /// True when an answer is written anywhere in the chain, its branches and repetitions included.
    var hasAnswers: Bool {
        elements.contains { element in
            switch element {
            case .input(_, _, let answer), .layer(_, let answer): return answer != nil
            case .repetition(let inner, _, _): return inner.hasAnswers
            case .merge(_, let branches, _, _, let answer): return answer != nil || branches.contains(where: \.hasAnswers)
            case .identity, .name, .reference: return false
            }
        }
    }
}

/// One top-level statement of a spec file.
enum Statement: Sendable {
    /// Where the statement is written, from its first token to its last (answers included).
    var range: SourceRange {
        switch self {
        case .network(_, let nameRange, let chain, let total):
            var range = nameRange.map { $0.union(chain.range) } ?? chain.range
            if let total { range = range.union(total.range) }
            return range
        case .block(let block): return block.nameRange.union(block.body.range)
        case .directive(_, _, let nameRange, let valueRange): return SourceRange(nameRange.start - 1, valueRange.end)
        }
    }

    /// A network: a chain that starts with INPUT, named or not.
    case network(name: String?, nameRange: SourceRange?, chain: Chain, total: AnswerSyntax?)
    /// `name = chain` or `name(a, b) = chain`: a block that the name stands for.
    case block(BlockDefinition)
    /// `@rounding floor`, `@batch 32`, ...
    case directive(name: String, value: String, nameRange: SourceRange, valueRange: SourceRange)
}

/// A named chain that does not start with INPUT, possibly with integer parameters.
struct BlockDefinition: Sendable {
    var name: String
    var nameRange: SourceRange
    var parameters: [(name: String, range: SourceRange)]
    var body: Chain
}

/// A parsed spec file: its statements in written order.
struct SpecSyntax: Sendable {
    var file: SourceFile
    var statements: [Statement]
}
