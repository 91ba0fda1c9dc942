import Testing
@testable import NetCalc

/// The lexer, the parser and the option parser on their own, table-driven.
@Suite struct LexerTests {
    static func kinds(_ text: String) -> [Token.Kind] {
        var lexer = Lexer(file: SourceFile(name: "t", text: text))
        return lexer.tokenize().map(\.kind)
    }

    @Test(arguments: [
        ("INPUT[227x227x3]", [Token.Kind.identifier, .leftBracket, .integer(227), .times, .integer(227), .times, .integer(3), .rightBracket, .endOfFile]),
        ("CONV(96,11,s4)", [.identifier, .leftParen, .integer(96), .comma, .integer(11), .comma, .identifier, .rightParen, .endOfFile]),
        ("a -> b → c", [.identifier, .arrow, .identifier, .arrow, .identifier, .endOfFile]),
        ("DROPOUT(0.5)", [.identifier, .leftParen, .decimal, .rightParen, .endOfFile]),
        ("34_944", [.integer(34_944), .endOfFile]),
        ("@batch 8", [.at, .identifier, .integer(8), .endOfFile]),
        ("x # a comment\ny", [.identifier, .identifier, .endOfFile]),
        ("ADD(a | ID)", [.identifier, .leftParen, .identifier, .pipe, .identifier, .rightParen, .endOfFile]),
        ("(c+1)/2*3-4", [.leftParen, .identifier, .plus, .integer(1), .rightParen, .slash, .integer(2), .star, .integer(3), .minus, .integer(4), .endOfFile]),
    ])
    func tokens(_ text: String, _ expected: [Token.Kind]) {
        #expect(Self.kinds(text) == expected)
    }

    @Test func commentsAreKeptForFmt() {
        var lexer = Lexer(file: SourceFile(name: "t", text: "a # one\nb # two"))
        _ = lexer.tokenize()
        #expect(lexer.comments.count == 2)
    }

    @Test func numbersPast64BitsAreFlaggedNotTrapped() {
        var lexer = Lexer(file: SourceFile(name: "t", text: "CONV(99999999999999999999999,3)"))
        _ = lexer.tokenize()
        #expect(!lexer.overflowed.isEmpty)
    }

    @Test func anUnexpectedCharacterIsOneError() {
        var lexer = Lexer(file: SourceFile(name: "t", text: "a $ b"))
        _ = lexer.tokenize()
        #expect(lexer.diagnostics.items.map(\.message) == ["unexpected character '$'"])
    }
}

@Suite struct ParserTests {
    static func parse(_ text: String) -> (SpecSyntax, [String]) {
        var parser = Parser(file: SourceFile(name: "t", text: text))
        let syntax = parser.parse()
        return (syntax, parser.diagnostics.items.map(\.message))
    }

    @Test func statementsOfEachKind() {
        let (syntax, errors) = Self.parse("""
            @rounding floor
            basic(c) = CONV(c,3,p1) -> RELU
            net = INPUT[32x32x3] -> basic(16) -> [POOL(2)]*2 -> ADD(ID | RELU) -> FC(10)
            """)
        #expect(errors.isEmpty)
        #expect(syntax.statements.count == 3)
        guard case .directive(let name, let value, _, _) = syntax.statements[0] else { Issue.record("not a directive"); return }
        #expect(name == "rounding" && value == "floor")
        guard case .block(let block) = syntax.statements[1] else { Issue.record("not a block"); return }
        #expect(block.name == "basic" && block.parameters.map(\.name) == ["c"])
        guard case .network(let networkName, _, let chain, _) = syntax.statements[2] else { Issue.record("not a network"); return }
        #expect(networkName == "net")
        #expect(chain.elements.count == 5)
        guard case .repetition(_, let count, _) = chain.elements[2] else { Issue.record("not a repetition"); return }
        #expect(count.literalValue == 2)
        guard case .merge(let kind, let branches, _, _, _) = chain.elements[3] else { Issue.record("not a merge"); return }
        #expect(kind == .add && branches.count == 2)
    }

    @Test(arguments: [
        ("INPUT[8x8x1] -> CONV(1,3", "expected ',' or ')' in the arguments of CONV"),
        ("INPUT[8x8x1] -> [RELU]", "expected '*N' after ']'"),
        ("INPUT[8x8x1] -> ADD(RELU | RELU", "expected '|' or ')' in ADD(...)"),
        ("INPUT[8x8x1] RELU", "expected '->' or the end of the line after this"),
    ])
    func syntaxErrors(_ text: String, _ message: String) {
        let (_, errors) = Self.parse(text)
        #expect(errors.contains { $0.hasPrefix(message) }, "\(errors)")
    }

    @Test func nestingIsBounded() {
        let deep = "INPUT[8x8x1] -> " + String(repeating: "[", count: 200) + "RELU" + String(repeating: "]*2", count: 200)
        let (_, errors) = Self.parse(deep)
        #expect(errors.contains { $0.contains("nest") })
    }

    @Test func expressionsKeepPrecedence() {
        let (syntax, _) = Self.parse("b(c) = CONV(c+2*3,1)\nINPUT[8x8x1] -> b(1)")
        guard case .block(let block) = syntax.statements[0], case .layer(let call, _) = block.body.elements[0],
              case .scalar(let expression)? = call.arguments?.first?.value,
              case .binary(let op, _, let rhs, _) = expression else { Issue.record("unexpected tree"); return }
        #expect(op == .add)
        guard case .binary(let inner, _, _, _) = rhs else { Issue.record("unexpected tree"); return }
        #expect(inner == .multiply)
    }
}

@Suite struct OptionParserTests {
    @Test func valuesAndFlags() throws {
        let options = try Options.parse(["--format=json", "--batch", "8", "--dtype", "fp16", "--depth", "1", "-e", "INPUT[1]", "a.net", "--", "-b.net"]).get()
        #expect(options.format == .json)
        #expect(options.overrides.batch == 8)
        #expect(options.overrides.dataType == .fp16)
        #expect(options.depth == 1)
        #expect(options.inputs == [.expression("INPUT[1]"), .file("a.net"), .file("-b.net")])
    }

    @Test func commandsAnywhereBeforeTheFiles() throws {
        #expect(try Options.parse(["--color", "never", "check", "x.net"]).get().command == .check)
        #expect(try Options.parse(["fmt", "-w", "x.net"]).get().write)
        #expect(try Options.parse(["help", "quiz"]).get().helpTopic == .command(.quiz))
        #expect(try Options.parse(["x.net", "check"]).get().inputs == [.file("x.net"), .file("check")])
    }

    @Test(arguments: [
        (["--formt", "json"], "unknown option '--formt'"),
        (["--batch"], "--batch needs a value"),
        (["--batch", "0"], "'0' is not a value for --batch"),
        (["--explain=yes"], "--explain takes no value"),
        (["--depth", "-1"], "'-1' is not a value for --depth"),
        (["--layout", "nchw"], "'nchw' is not a value for --layout"),
    ])
    func mistakes(_ arguments: [String], _ message: String) {
        guard case .failure(let error) = Options.parse(arguments) else { Issue.record("accepted \(arguments)"); return }
        #expect(error.message == message)
    }
}
