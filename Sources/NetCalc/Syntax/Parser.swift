/// Builds the syntax tree of a spec from its tokens, reporting every syntax error it can recover from.
///
/// The grammar, in full:
///
///     file       := statement*
///     statement  := '@' NAME VALUE                       a directive, for the rest of the file
///                 | NAME '=' chain                       a network (chain starts with INPUT) or a block
///                 | NAME '(' NAME (',' NAME)* ')' '=' chain   a block with integer parameters
///                 | chain                                an unnamed network (starts with INPUT)
///                   ... each network may be followed by  'total' '{' answers '}'
///     chain      := element ('->' element)*              '→' is the same arrow
///     element    := 'INPUT' '[' INT ('x' INT)* ']'
///                 | '[' chain ']' '*' atom               repetition
///                 | ('ADD' | 'CONCAT' | 'MUL') '(' chain ('|' chain)* ')'
///                 | 'ID'                                 the identity branch
///                 | '@' NAME                             continue from a tensor named with `as`
///                 | NAME ('(' argument (',' argument)* ')')?   a layer or a block use
///                 | DOTTED ('(' argument (',' argument)* ')')?  a framework's call (`nn.Conv2d(3, 64, 3)`),
///                                                         read only so that the checker names its keyword
///                   ... each element may be followed by  '{' answers '}'
///                   ... and by  'as' NAME               naming its output for a later '@' NAME
///     argument   := NAME '=' value | value | NAME        tagged, positional, flag or glued tag (s4)
///     value      := expr ('x' expr)? | DECIMAL | NAME     with names: `k x 1`
///     expr       := term (('+' | '-') term)*;  term := unary (('*' | '/') unary)*
///     unary      := '-' unary | atom;          atom := INT | NAME | '(' expr ')'
///
/// A statement ends where its chain has no further arrow; the next statement must start on a new line.
struct Parser {
    /// How deeply brackets, merges and parentheses may nest.
    static let maximumNesting = 64
    /// How many operators one expression may have (its tree, and so its evaluation, stays shallow).
    static let maximumOperators = 256

    let file: SourceFile
    private var tokens: [Token]
    private var position = 0
    private var hitOverflow = false
    /// Operators in the expression being read.
    private var operators = 0
    private var nesting = 0
    private(set) var diagnostics = DiagnosticList()
    /// Every call text seen so far: its id, where it first appears, and the arguments parsed there.
    private var callTexts: [String: (id: Int, start: Int, arguments: [Argument]?)] = [:]
    /// The file's comments, for `netcalc fmt`.
    let comments: [SourceRange]
    /// Integer tokens the lexer found too large; a statement holding one is abandoned quietly.
    private let overflowed: Set<Int>
    /// Where the lexer reported characters that belong to no token.
    private let lexerErrorStarts: [Int]

    /// Thrown to abandon the current statement after its error has been recorded.
    private struct Abandon: Error {}

    init(file: SourceFile) {
        var lexer = Lexer(file: file)
        self.tokens = lexer.tokenize()
        self.file = file
        self.diagnostics = lexer.diagnostics
        self.overflowed = lexer.overflowed
        self.comments = lexer.comments
        self.lexerErrorStarts = lexer.diagnostics.items.compactMap { $0.range?.start }
    }

    /// Parses the whole file.
    mutating func parse() -> SpecSyntax {
        var statements: [Statement] = []
        while current.kind != .endOfFile {
            let before = position
            do {
                hitOverflow = false
                let statement = try parseStatement()
                if hitOverflow { throw Abandon() }
                if let statement { statements.append(statement) }
                if current.kind != .endOfFile, !current.startsLine {
                    reportStatementEnd()
                    throw Abandon()
                }
            } catch {
                recover(from: before)
            }
        }
        // The tree holds what is needed: free the tokens and the call texts now.
        tokens = [tokens[tokens.count - 1]]
        position = 0
        callTexts = [:]
        return SpecSyntax(file: file, statements: statements)
    }

    /// A statement goes on after its chain ends: says why, at the token that goes on, unless a
    /// character the lexer already reported stands between (its error says it all).
    private mutating func reportStatementEnd() {
        let previous = tokens[position - 1].range
        if lexerErrorStarts.contains(where: { $0 >= previous.end && $0 < current.range.start }) { return }
        switch current.kind {
        case .pipe:
            error("'|' separates the branches of a merge, but this is not inside ADD(...), CONCAT(...) or MUL(...)",
                  at: current.range, hint: "to merge branches, write ADD(a | b), CONCAT(a | b) or MUL(a | b)")
        case .rightParen, .rightBracket:
            error("there is no opening bracket for this '\(text(current))'", at: current.range)
        case .leftBrace:
            error("expected '->' or the end of the line before this answer", at: current.range,
                  hint: "a layer takes one answer list: {55x55x96, params: 34944}")
        case .identifier, .dottedName, .integer, .decimal, .times, .arrow, .leftParen, .leftBracket, .rightBrace, .comma, .equals,
             .star, .plus, .minus, .slash, .at, .colon, .percent, .endOfFile:
            error("expected '->' or the end of the line after this", at: previous,
                  hint: current.kind == .identifier || current.kind == .leftBracket ? "join layers with ->" : nil)
        }
    }

    // MARK: Statements

    private mutating func parseStatement() throws -> Statement? {
        if current.kind == .at { return try parseDirective() }
        if current.kind == .identifier, !isKeyword(current, "INPUT") {
            let nameToken = current
            let name = text(nameToken)
            if peek(1).kind == .equals || (peek(1).kind == .leftParen && isBlockHeader()) {
                advance()
                var parameters: [(name: String, range: SourceRange)] = []
                if current.kind == .leftParen {
                    advance()
                    while true {
                        let token = try expect(.identifier, "a parameter name")
                        let parameter = text(token)
                        if parameters.contains(where: { $0.name == parameter }) {
                            error("the parameter '\(parameter)' is named twice", at: token.range)
                        }
                        parameters.append((parameter, token.range))
                        if current.kind == .comma { advance(); continue }
                        _ = try expect(.rightParen, "',' or ')' after a parameter")
                        break
                    }
                }
                _ = try expect(.equals, "'='")
                let chain = try parseChain()
                if case .input = chain.elements.first {
                    if !parameters.isEmpty {
                        error("a network cannot take parameters", at: nameToken.range,
                              hint: "only blocks (chains that do not start with INPUT) take parameters")
                    }
                    return .network(name: name, nameRange: nameToken.range, chain: chain, total: try parseTotal())
                }
                return .block(BlockDefinition(name: name, nameRange: nameToken.range, parameters: parameters,
                                              body: chain))
            }
        }
        // `my-net = ...`: a name with a hyphen reads as a subtraction; say what names take.
        if current.kind == .identifier, peek(1).kind == .minus, peek(2).kind == .identifier,
           (3...8).contains(where: { peek($0).kind == .equals }) {
            var end = position
            while tokens[end].kind != .equals, end + 1 < tokens.count { end += 1 }
            let range = current.range.union(tokens[max(position, end - 1)].range)
            error("'\(file.text(of: range))' is not a name: names take letters, digits and _", at: range,
                  hint: "write " + String(file.text(of: range).map { $0 == "-" ? "_" : $0 }))
            throw Abandon()
        }
        let chain = try parseChain()
        guard case .input = chain.elements.first else {
            error("a network must start with INPUT[WxHxD]", at: chain.elements.first?.range ?? current.range,
                  hint: "write INPUT[227x227x3] -> ... for a network, or name = ... to define a block")
            return nil
        }
        return .network(name: nil, nameRange: nil, chain: chain, total: try parseTotal())
    }

    /// True when the tokens from here read `NAME ( NAME, ... ) =`.
    private func isBlockHeader() -> Bool {
        var index = position + 2
        while index < tokens.count {
            switch tokens[index].kind {
            case .identifier, .comma: index += 1
            case .rightParen: return index + 1 < tokens.count && tokens[index + 1].kind == .equals
            default: return false
            }
        }
        return false
    }

    private mutating func parseDirective() throws -> Statement {
        advance()  // @
        let name = try expect(.identifier, "a directive name after '@' (rounding, batch, dtype, optimizer)")
        guard !current.startsLine, current.kind != .endOfFile else {
            error("@\(text(name)) needs a value on the same line", at: name.range)
            throw Abandon()
        }
        // The value is the rest of the line (`@batch -1` is one bad value, not a value and a stray '1').
        let first = current
        var valueRange = first.range
        advance()
        while !current.startsLine, current.kind != .endOfFile {
            valueRange = valueRange.union(current.range)
            advance()
        }
        let value = String(decoding: file.bytes[valueRange.start..<valueRange.end], as: UTF8.self)
        return .directive(name: text(name), value: value, nameRange: name.range, valueRange: valueRange)
    }

    private mutating func parseTotal() throws -> AnswerSyntax? {
        guard current.kind == .identifier, text(current).lowercased() == "total", peek(1).kind == .leftBrace else {
            return nil
        }
        advance()
        return try parseAnswer()
    }

    // MARK: Chains

    private mutating func parseChain() throws -> Chain {
        var elements = [try parseElement()]
        parseName(into: &elements)
        while current.kind == .arrow {
            advance()
            elements.append(try parseElement())
            parseName(into: &elements)
        }
        let range = elements[0].range.union(elements[elements.count - 1].range)
        return Chain(elements: elements, range: range)
    }

    /// `as NAME` after an element: the element's output gets a name that `@NAME` refers to.
    private mutating func parseName(into elements: inout [ChainElement]) {
        guard current.kind == .identifier, text(current).lowercased() == "as", peek(1).kind == .identifier else { return }
        let start = current.range
        advance()
        let name = current
        advance()
        elements.append(.name(text(name), start.union(name.range)))
    }

    private mutating func parseElement() throws -> ChainElement {
        let token = current
        if token.kind == .at, peek(1).kind == .identifier {
            advance()
            let name = current
            advance()
            return .reference(text(name), token.range.union(name.range))
        }
        switch token.kind {
        case .leftBracket:
            try enterNesting(at: token.range)
            defer { nesting -= 1 }
            advance()
            let inner = try parseChain()
            _ = try expect(.rightBracket, "']' to close the '[' of a repetition", opening: token.range)
            guard current.kind == .star else {
                error("expected '*N' after ']'", at: current.range, hint: "a repetition reads [CONV(64,3,p1)]*2")
                throw Abandon()
            }
            advance()
            operators = 0
            let count = try parseAtom()
            skipMisplacedAnswer(after: "a repetition [...]*N")
            return .repetition(inner, count: count, range: token.range.union(count.range))
        case .identifier:
            let name = text(token)
            let upper = name.uppercased()
            if upper == "INPUT" && peek(1).kind == .leftBracket {
                return try parseInput()
            }
            if upper == "ID" {
                advance()
                return .identity(token.range)
            }
            if let kind = MergeKind(rawValue: name.lowercased()), peek(1).kind == .leftParen {
                return try parseMerge(kind)
            }
            let call = try parseCall()
            let answer = current.kind == .leftBrace ? try parseAnswer() : nil
            return .layer(call, answer: answer)
        case .dottedName:
            // A framework's call (`nn.Conv2d(3, 64, 3)`): read as a call, which the checker names.
            let call = try parseCall()
            let answer = current.kind == .leftBrace ? try parseAnswer() : nil
            return .layer(call, answer: answer)
        case .endOfFile:
            error("expected a layer, but the input ends here", at: token.range)
            throw Abandon()
        default:
            error("expected a layer, found \(describe(token))", at: token.range)
            throw Abandon()
        }
    }

    private mutating func parseInput() throws -> ChainElement {
        let start = current.range
        advance()  // INPUT
        let open = current.range
        advance()  // [
        var dimensions: [Expression] = []
        while true {
            let token = current
            guard case .integer(let value) = token.kind else {
                error("expected a size in INPUT[...], found \(describe(token))", at: token.range,
                      hint: "write INPUT[WxHxD], e.g. INPUT[227x227x3], or INPUT[N] for a vector")
                throw Abandon()
            }
            advance()
            dimensions.append(.literal(value, token.range))
            if current.kind == .times { advance(); continue }
            break
        }
        let close = try expect(.rightBracket, "']' to close INPUT[", opening: open)
        let answer = current.kind == .leftBrace ? try parseAnswer() : nil
        return .input(dimensions: dimensions, range: start.union(close.range), answer: answer)
    }

    private mutating func parseMerge(_ kind: MergeKind) throws -> ChainElement {
        let keyword = current.range
        try enterNesting(at: keyword)
        defer { nesting -= 1 }
        advance()
        let open = current.range
        advance()  // (
        var branches = [try parseChain()]
        while current.kind == .pipe {
            advance()
            branches.append(try parseChain())
        }
        let close = try expect(.rightParen, "'|' or ')' in \(kind.rawValue.uppercased())(...)", opening: open)
        // An answer after the merge answers the merged row, as one after a layer answers the layer.
        let answer = current.kind == .leftBrace ? try parseAnswer() : nil
        return .merge(kind, branches: branches, keywordRange: keyword, range: keyword.union(close.range), answer: answer)
    }

    private mutating func parseCall() throws -> LayerCall {
        let nameToken = current
        advance()
        guard current.kind == .leftParen else {
            let known = callTextID(nameToken.range, arguments: nil)
            return LayerCall(name: text(nameToken), sharing: nil, parsedAt: known.start, range: nameToken.range,
                             textID: known.id)
        }
        let open = current.range
        advance()
        var arguments: [Argument] = []
        if current.kind != .rightParen {
            while true {
                arguments.append(try parseArgument())
                if current.kind == .comma { advance(); continue }
                break
            }
        }
        let close = try expect(.rightParen, "',' or ')' in the arguments of \(text(nameToken))", opening: open)
        let range = nameToken.range.union(close.range)
        let known = callTextID(range, arguments: arguments)
        return LayerCall(name: text(nameToken), sharing: known.arguments, parsedAt: known.start, range: range,
                         textID: known.id)
    }

    /// The call text's id, and the arguments parsed where that text first appeared (registering these
    /// when it is new): calls with the same text share one copy of their arguments.
    private mutating func callTextID(_ range: SourceRange, arguments: [Argument]?) -> (id: Int, start: Int, arguments: [Argument]?) {
        let text = file.text(of: range)
        if let known = callTexts[text] { return known }
        let new = (id: callTexts.count, start: range.start, arguments: arguments)
        callTexts[text] = new
        return new
    }

    private mutating func parseArgument() throws -> Argument {
        let start = current
        if start.kind == .identifier && peek(1).kind == .equals {
            advance()
            advance()
            let valueStart = current.range
            let value = try parseValue()
            return Argument(tag: text(start), value: value, flag: nil, range: start.range.union(previousEnd),
                            valueRange: valueStart.union(previousEnd))
        }
        if start.kind == .identifier, [.comma, .rightParen].contains(peek(1).kind) {
            advance()
            return Argument(tag: nil, value: nil, flag: text(start), range: start.range, valueRange: start.range)
        }
        let value = try parseValue()
        return Argument(tag: nil, value: value, flag: nil, range: start.range.union(previousEnd),
                        valueRange: start.range.union(previousEnd))
    }

    private mutating func parseValue() throws -> ArgumentValue {
        operators = 0
        if current.kind == .decimal {
            let token = current
            advance()
            return .decimal(text(token))
        }
        if current.kind == .identifier, [.comma, .rightParen].contains(peek(1).kind) {
            let token = current
            advance()
            return .word(text(token))
        }
        let first = try parseExpression()
        // `7x1` lexes with a times token; with names the x stands apart: `k x 1`.
        var axes = [first]
        while current.kind == .times || (current.kind == .identifier && text(current).lowercased() == "x") {
            advance()
            axes.append(try parseExpression())
        }
        return axes.count > 1 ? .size(axes) : .scalar(first)
    }

    // MARK: Expressions

    private mutating func countOperator(at range: SourceRange) throws {
        operators += 1
        if operators > Parser.maximumOperators {
            error("the expression has more than \(Parser.maximumOperators) operators", at: range,
                  hint: "netcalc reads expressions of up to \(Parser.maximumOperators) operators; compute the value instead")
            throw Abandon()
        }
    }

    private mutating func parseExpression() throws -> Expression {
        var result = try parseTerm()
        while current.kind == .plus || current.kind == .minus {
            let op: Expression.BinaryOperator = current.kind == .plus ? .add : .subtract
            try countOperator(at: current.range)
            advance()
            let rhs = try parseTerm()
            result = .binary(op, result, rhs, result.range.union(rhs.range))
        }
        return result
    }

    private mutating func parseTerm() throws -> Expression {
        var result = try parseUnary()
        while current.kind == .star || current.kind == .slash {
            let op: Expression.BinaryOperator = current.kind == .star ? .multiply : .divide
            try countOperator(at: current.range)
            advance()
            let rhs = try parseUnary()
            result = .binary(op, result, rhs, result.range.union(rhs.range))
        }
        return result
    }

    private mutating func parseUnary() throws -> Expression {
        if current.kind == .minus {
            let start = current.range
            try enterNesting(at: start)
            defer { nesting -= 1 }
            try countOperator(at: start)
            advance()
            let operand = try parseUnary()
            return .negate(operand, start.union(operand.range))
        }
        return try parseAtom()
    }

    private mutating func parseAtom() throws -> Expression {
        let token = current
        switch token.kind {
        case .integer(let value):
            advance()
            return .literal(value, token.range)
        case .identifier:
            advance()
            return .name(text(token), token.range)
        case .leftParen:
            try enterNesting(at: token.range)
            defer { nesting -= 1 }
            advance()
            let inner = try parseExpression()
            _ = try expect(.rightParen, "')'", opening: token.range)
            return inner
        case .decimal:
            error("expected a whole number, found \(text(token))", at: token.range)
            throw Abandon()
        default:
            error("expected a number, found \(describe(token))", at: token.range)
            throw Abandon()
        }
    }

    // MARK: Answers

    /// An answer after a repetition: an error at its brace, and the answer is skipped, so
    /// that the rest of the chain is still read.
    private mutating func skipMisplacedAnswer(after construct: String) {
        guard current.kind == .leftBrace else { return }
        let brace = current.range
        advance()
        var end = brace
        if current.kind == .rightBrace {
            end = current.range
            advance()
        }
        error("an answer cannot follow \(construct): answers go after a layer or INPUT[...]", at: brace.union(end),
              hint: "answer the layer after it, or a layer inside it")
    }

    /// Takes a brace-enclosed answer list (the lexer keeps its text raw) for `netcalc check`.
    private mutating func parseAnswer() throws -> AnswerSyntax {
        let open = current
        advance()
        guard current.kind == .rightBrace else {
            error("expected '}' to close the answer", at: open.range)
            throw Abandon()
        }
        let close = current
        advance()
        return AnswerSyntax(range: open.range.union(close.range))
    }

    // MARK: Helpers

    private var current: Token { tokens[position] }
    private var previousEnd: SourceRange {
        let end = tokens[max(0, position - 1)].range.end
        return SourceRange(end, end)
    }

    private func peek(_ offset: Int) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    private mutating func advance() {
        if case .integer = current.kind, overflowed.contains(current.range.start) {
            // The lexer reported it; abandoning here avoids errors that only follow from it.
            hitOverflow = true
        }
        if position < tokens.count - 1 { position += 1 }
    }

    private func text(_ token: Token) -> String {
        String(decoding: file.bytes[token.range.start..<token.range.end], as: UTF8.self)
    }

    private func isKeyword(_ token: Token, _ keyword: String) -> Bool {
        token.kind == .identifier && text(token).uppercased() == keyword
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .endOfFile: return "the end of the input"
        case .integer, .decimal: return "the number \(text(token))"
        case .identifier: return "'\(text(token))'"
        default: return "'\(text(token))'"
        }
    }

    private mutating func enterNesting(at range: SourceRange) throws {
        nesting += 1
        if nesting > Parser.maximumNesting {
            nesting -= 1
            error("nesting is deeper than \(Parser.maximumNesting) levels", at: range,
                  hint: "brackets, merges and parentheses may nest \(Parser.maximumNesting) deep; define a block instead")
            throw Abandon()
        }
    }

    private mutating func expect(_ kind: Token.Kind, _ what: String, opening: SourceRange? = nil) throws -> Token {
        let token = current
        guard token.kind == kind else {
            var diagnostic = Diagnostic(.error, "expected \(what), found \(describe(token))", at: token.range, in: file)
            if let opening {
                let (line, column) = file.location(of: opening.start)
                diagnostic.hints.append("the opening bracket is at \(line):\(column)")
            }
            diagnostics.append(diagnostic)
            throw Abandon()
        }
        advance()
        return token
    }

    private mutating func error(_ message: String, at range: SourceRange, hint: String? = nil,
                                opening: SourceRange? = nil) {
        var diagnostic = Diagnostic(.error, message, at: range, in: file, hint: hint)
        if let opening {
            let (line, column) = file.location(of: opening.start)
            diagnostic.hints.append("it opened at \(line):\(column)")
        }
        diagnostics.append(diagnostic)
    }

    /// Skips to the first token that can start a new statement: on a new line, not continuing a chain.
    private mutating func recover(from start: Int) {
        if position == start { advance() }
        while current.kind != .endOfFile {
            let previous = tokens[position - 1].kind
            let continues = [.arrow, .pipe, .leftParen, .leftBracket, .comma, .equals].contains(previous)
            if current.startsLine && !continues && (current.kind == .at || current.kind == .identifier) {
                let isDefinition = peek(1).kind == .equals || (peek(1).kind == .leftParen && isBlockHeader())
                if current.kind == .at || isDefinition || isKeyword(current, "INPUT") { return }
            }
            advance()
        }
    }
}
