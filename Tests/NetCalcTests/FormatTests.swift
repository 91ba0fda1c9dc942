import Foundation
import Testing
@testable import NetCalc

/// `netcalc fmt`: canonical output that means the same, is its own fixed point, and never loses a file.
@Suite struct FormatTests {
    /// Every spec, homework sheet and golden error case that parses.
    static let corpus: [String] = {
        var paths: [String] = []
        for folder in ["specs", "specs/homework", "Tests/NetCalcTests/Golden/errors", "Fuzz/regressions"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/" + folder)) ?? []
            // Regressions named huge- expand to a million layers: too slow for a debug-build property test.
            paths += names.filter { ($0.hasSuffix(".net") || folder.hasPrefix("Fuzz")) && !$0.hasPrefix("huge") }
                .sorted().map { "\(folder)/\($0)" }
        }
        return paths
    }()

    func format(_ text: String) -> String? {
        let file = SourceFile(name: "<fmt>", text: text)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        guard !parser.diagnostics.hasErrors else { return nil }
        return SpecFormatter(syntax: syntax, comments: parser.comments).format()
    }

    /// The analysis as JSON without the fields that name the source (file, text, diagnostics' places).
    func meaning(_ text: String) throws -> String {
        let outcome = runNetCalc(["--format", "json", "-"], standardInput: text)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        var networks = object["networks"] as? [[String: Any]] ?? []
        for index in networks.indices {
            networks[index]["file"] = nil
            networks[index]["layers"] = (networks[index]["layers"] as? [[String: Any]])?.map { layer in
                var layer = layer
                layer["text"] = nil
                return layer
            }
        }
        object["networks"] = networks
        // Arguments may move (flags last), so errors are compared as a set of messages, not in order.
        object["errors"] = (object["errors"] as? [[String: Any]])?.map { $0["message"] as? String ?? "" }.sorted()
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// `netcalc check`'s verdicts without their places: every answer, expected value, formula and verdict.
    func verdicts(_ text: String) throws -> String {
        let outcome = runNetCalc(["check", "--format", "json", "-"], standardInput: text)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let answers = (object["answers"] as? [[String: Any]] ?? []).map { answer in
            // Places move with the text, including the answer a follow-through answer follows from.
            answer.filter { !["file", "line", "column"].contains($0.key) }.mapValues { value -> Any in
                guard let place = value as? [String: Any] else { return value }
                return place.filter { !["line", "column"].contains($0.key) }
            }
        }
        let data = try JSONSerialization.data(withJSONObject: ["answers": answers, "right": object["right"] ?? 0], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Quiz sheets and their keys (every level, many seeds): fmt keeps the numbers and the verdicts.
    @Test(arguments: 1...3)
    func formattingKeepsQuizSheetsAndKeys(_ level: Int) throws {
        for seed in 1...15 {
            for key in [false, true] {
                let sheet = runNetCalc(["quiz", "--seed", "\(seed)", "--level", "\(level)"] + (key ? ["--key"] : [])).standardOutput
                let once = try #require(format(sheet))
                #expect(format(once) == once)
                #expect(try meaning(once) == (try meaning(sheet)), "seed \(seed) level \(level)")
                #expect(try verdicts(once) == (try verdicts(sheet)), "seed \(seed) level \(level)")
            }
        }
    }

    @Test(arguments: corpus)
    func formattingKeepsTheMeaningAndIsAFixedPoint(_ path: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/" + path))
        guard let text = String(data: bytes, encoding: .utf8), !text.contains("\0") else { return }
        guard let once = format(text) else { return }  // files that do not parse are left alone
        #expect(format(once) == once, "fmt of fmt changed \(path)")
        #expect(try meaning(once) == (try meaning(text)), "\(path) means something else after fmt")
        #expect(try verdicts(once) == (try verdicts(text)), "\(path) grades differently after fmt")
    }

    /// A comment inside a chain keeps it on several lines, the comment after its layer.
    @Test func canonicalForm() {
        let text = """
            # a comment
            @Rounding FLOOR
            net = input[32x32x3] -> conv(8, 3, stride=2, padding=1) -> Relu  # trailing
              -> pool(2) -> dropout(0.5) -> fc(10,nobias)
            """
        #expect(format("a = input[4]->fc(2) # one line") == "a = INPUT[4] -> FC(2)  # one line\n")
        #expect(format(text) == """
            # a comment
            @rounding floor
            net = INPUT[32x32x3]
              -> CONV(8,3,s2,p1)
              -> RELU  # trailing
              -> POOL(2)
              -> DROPOUT(0.5)
              -> FC(10,nobias)

            """)
    }

    @Test func commentsInsideLongChainsStayWithTheirLayers() {
        let text = """
            net = INPUT[224x224x3]
              -> CONV(64,7,s2,p3)   # the stem
              # a full-line comment
              -> BN -> RELU -> POOL(3,s2,p1) -> CONV(64,3,p1) -> CONV(64,3,p1) -> CONV(128,3,s2,p1) -> GAP -> FC(1000)
            """
        let formatted = format(text) ?? ""
        #expect(formatted.contains("  -> CONV(64,7,s2,p3)  # the stem\n  # a full-line comment\n  -> BN\n"))
        #expect(format(formatted) == formatted)
    }

    @Test func writeRewritesAtomicallyAndOnlyWhenTheFileParses() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-fmt-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.net")
        let bad = folder.appendingPathComponent("bad.net")
        try "net = input[8x8x3]->conv(4,3)\n".write(to: good, atomically: true, encoding: .utf8)
        let broken = "net = input[8x8x3] -> conv(4,3 -> relu\n# a comment\n"
        try broken.write(to: bad, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: bad)
        let outcome = run(Invocation(arguments: ["fmt", "-w", good.path, bad.path]))
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains("bad.net: not rewritten: it does not parse"))
        #expect(try Data(contentsOf: bad) == before)
        #expect(try String(contentsOf: good, encoding: .utf8) == "net = INPUT[8x8x3] -> CONV(4,3)\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func fmtPrintsToStandardOutput() {
        let outcome = runNetCalc(["fmt", "-"], standardInput: "input[4] -> fc(2)")
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == "INPUT[4] -> FC(2)\n")
        #expect(runNetCalc(["-w", "specs/cifar10.net"]).status == 2)
    }
}

/// Comments inside merges, arguments and repetitions stay where they were written.
@Suite struct FormatCommentTests {
    func format(_ text: String) -> String? {
        FormatTests().format(text)
    }

    @Test func commentsInsideMergesArgumentsAndRepeatsStayInPlace() {
        let text = """
            net = INPUT[32x32x16]
              -> ADD(CONV(16,3,p1)  # main path
                     # a full-line comment in the branch
                     -> RELU
                   | ID)  # the skip
              -> CONV(8,   # filters
                      3,   # size
                      # the padding
                      p1)
              -> [CONV(8,3,p1) # a conv
                  -> RELU]*2  # repeated
              -> GAP -> FC(10)
            """
        let formatted = format(text)
        #expect(formatted == """
            net = INPUT[32x32x16]
              -> ADD(CONV(16,3,p1)  # main path
                     # a full-line comment in the branch
                     -> RELU
                    | ID)  # the skip
              -> CONV(8,  # filters
                      3,  # size
                      # the padding
                      p1)
              -> [CONV(8,3,p1)  # a conv
                  -> RELU]*2  # repeated
              -> GAP
              -> FC(10)

            """)
        #expect(format(formatted ?? "") == formatted)
    }

    @Test func commentsAtTheEdgesOfBracketsAndBeforeAnswers() {
        let text = """
            net = # the name
              INPUT[8x8x4]  # input
              {8x8x4}
              -> ADD( # first branch
                     RELU
                   | ID
                     # after ID
                   )
              -> [ # lead
                  RELU
                  # tail
                 ]*2
              -> CONV(4,1) # before the answer
                 {8x8x4}
            """
        let formatted = format(text) ?? ""
        #expect(formatted == """
            # the name
            net = INPUT[8x8x4]  # input
                  {8x8x4}
              -> ADD(  # first branch
                     RELU
                    | ID
                      # after ID
                    )
              -> [  # lead
                  RELU
                  # tail
                 ]*2
              -> CONV(4,1)  # before the answer
                 {8x8x4}

            """)
        #expect(format(formatted) == formatted)
    }

    /// Over the whole corpus: a comment after every `(`, `,`, `|`, `[` and `->` is kept, in order, by
    /// the token it followed; fmt of fmt is unchanged and the meaning is the same.
    @Test(arguments: FormatTests.corpus)
    func aCommentAfterEveryTokenIsKept(_ path: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/" + path))
        guard let text = String(data: bytes, encoding: .utf8), !text.contains("\0"), bytes.count < 20_000,
              format(text) != nil else { return }
        var lexer = Lexer(file: SourceFile(name: path, text: text))
        let tokens = lexer.tokenize()
        var out = Array(text.utf8)
        var inserted = 0
        let kinds: [Token.Kind] = [.leftParen, .comma, .pipe, .leftBracket, .arrow]
        let source = Array(text.utf8)
        // Directives are read to the end of their line: a comment cannot break one.
        func onDirectiveLine(_ offset: Int) -> Bool {
            var start = offset
            while start > 0, source[start - 1] != UInt8(ascii: "\n") { start -= 1 }
            while start < offset, source[start] == UInt8(ascii: " ") { start += 1 }
            return source[start] == UInt8(ascii: "@")
        }
        for token in tokens.reversed() where kinds.contains(token.kind) && !onDirectiveLine(token.range.start) {
            inserted += 1
            out.insert(contentsOf: Array("  # c\(inserted)\n".utf8), at: token.range.end)
        }
        let commented = String(decoding: out, as: UTF8.self)
        let once = try #require(format(commented), "\(path) with comments does not parse")
        #expect(format(once) == once, "fmt of fmt changed \(path) with comments")
        // Every comment is kept, in order.
        let numbers = once.split(separator: "#", omittingEmptySubsequences: false).dropFirst().compactMap { part -> Int? in
            guard part.hasPrefix(" c") else { return nil }
            return Int(part.dropFirst(2).prefix { $0.isNumber })
        }
        #expect(numbers == (inserted == 0 ? [] : Array((1...inserted).reversed())), "\(path)")
        #expect(try FormatTests().meaning(once) == (try FormatTests().meaning(text)), "\(path) means something else")
    }
}
