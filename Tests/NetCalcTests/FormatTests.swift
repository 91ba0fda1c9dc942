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

    @Test(arguments: corpus)
    func formattingKeepsTheMeaningAndIsAFixedPoint(_ path: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/" + path))
        guard let text = String(data: bytes, encoding: .utf8), !text.contains("\0") else { return }
        guard let once = format(text) else { return }  // files that do not parse are left alone
        #expect(format(once) == once, "fmt of fmt changed \(path)")
        #expect(try meaning(once) == (try meaning(text)), "\(path) means something else after fmt")
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
