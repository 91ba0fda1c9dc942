import Foundation
import Testing
@testable import NetCalc

/// The answer forms students write (issue 23): every one read and graded as a teacher would, the
/// notes' units in both senses, and what cannot be read graded wrong with why, never left out.
@Suite struct AnswerFormTests {
    /// CONV1 of the notes' small CIFAR-10 network: 32x32x10, 760 params, 10,240 values, 40,960 bytes,
    /// 768,000 MACs.
    static let conv = "INPUT[32x32x3] -> CONV(10,5,p2)"

    /// The verdicts on every answer of `spec`, graded with a preferred sense and a tolerance.
    func check(_ spec: String, units: ByteConvention = .binary, tolerance: Tolerance = .written) -> [Verdict] {
        let file = SourceFile(name: "<test>", text: spec)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        var checker = Checker(file: file, syntax: syntax)
        checker.units = units
        checker.tolerance = tolerance
        return checker.grade(networks).verdicts
    }

    @Test(arguments: [
        // Shapes: the notes' brackets, Python's tuples, ×, spaces around x, a run of numbers.
        "{[32x32x10]}", "{(32, 32, 10)}", "{(32,32,10)}", "{[32, 32, 10]}", "{32×32×10}", "{32 x 32 x 10}",
        "{32 × 32 × 10}", "{32X32X10}", "{32,32,10}", "{32, 32, 10}", "{shape: 32, 32, 10}", "{shape = [32x32x10]}",
        "{\"32x32x10\"}", "{32\u{2009}x\u{2009}32\u{2009}x\u{2009}10}",
        // Numbers: scientific notation, unit words, key = value, quotes, spaces and thin spaces in thousands.
        "{params: 7.6e2}", "{params: 7.6E2}", "{params: 760 params}", "{params: 760 parameters}", "{params = 760}",
        "{params=760}", "{params: \"760\"}", "{params: \u{201C}760\u{201D}}", "{params: '760'}", "{weights: 750 weights}",
        "{memory: 10 240}", "{memory: 10\u{2009}240}", "{memory: 10\u{202F}240 values}", "{memory: 10\u{00A0}240}",
        "{memory: 10,240 values}", "{memory: 2560 * 4 activations}", "{memory: 1.024e4}", "{values: 10240}",
        // Approximate answers, to the precision written.
        "{memory: ~10K}", "{memory: ≈10K}", "{memory: about 10K}", "{macs: ~0.8M}", "{macs: 768K MACs}",
        "{macs: 7.68e5}", "{macs: 768 thousand}", "{macs: 0,77M}", "{macs: 0,8 M}", "{macs: 768,0K}", "{macs: 0.77M}", "{macs: 0.768 million MACs}", "{macs: ~770,000}",
        // Bytes: words and units, KB in the notes' 1024 sense (40) and in SI's (41).
        "{bytes: 40960 bytes}", "{bytes: 40960 B}", "{bytes: 40KB}", "{bytes: 41KB}", "{bytes: 40 KB}", "{bytes: 0.04MB}",
        "{bytes: 40KiB}", "{fwd+bwd: 80KB}",
        // A misspelled key, read as the closest.
        "{param: 760}",
    ])
    func answerFormsAreRead(_ answer: String) throws {
        let verdict = try #require(check("\(Self.conv) \(answer)").last)
        #expect(verdict.outcome == .right, "\(answer): \(verdict.reading ?? "") \(verdict.mistake ?? "")")
    }

    @Test(arguments: [
        // The issue's own forms, each on the layer it answers.
        ("INPUT[32x32x3] -> CONV(10,5,p2) -> POOL(2) {memory: 2560 values}", AnswerKey.memory),
        ("INPUT[32x32x3] -> CONV(10,5,p2) -> POOL(2) -> CONV(20,3,p1) {16×16×20}", .shape),
        ("INPUT[32x32x3] -> CONV(10,5,p2) -> POOL(2) -> CONV(20,3,p1) -> POOL(2) {[8x8x20]}", .shape),
        ("INPUT[4096] -> FC(4096) {params: \"16,781,312\"}", .params),
        ("INPUT[4096] -> FC(4096) {params: 16 781 312}", .params),
        ("INPUT[4096] -> FC(4096) {params: ~16.8M params}", .params),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {bytes: 1,161,600}", .bytes),
        ("INPUT[224x224x3] -> CONV(3,1) {224,224,3}", .shape),
        ("INPUT[224x224x3] -> CONV(3,1) {(224, 224, 3)}", .shape),
    ])
    func theIssuesFormsAreRight(_ spec: String, _ key: AnswerKey) throws {
        let verdicts = check(spec)
        #expect(verdicts.count == 1, "\(spec): \(verdicts.map(\.answer))")
        let verdict = try #require(verdicts.last)
        #expect(verdict.key == key)
        #expect(verdict.outcome == .right, "\(spec): \(verdict.reading ?? "")")
    }

    /// `32,32,10` is one shape, `1,161,600` one number; a comma list in brackets is one shape too.
    @Test func commaListsAreOneAnswer() {
        // A bracket left open does not swallow the answers after it.
        #expect(check("\(Self.conv) {[32x32x10, params: 760}").map(\.outcome) == [.wrong, .right])
        #expect(check("\(Self.conv) {32,32,10, params: 760}").map(\.outcome) == [.right, .right])
        #expect(check("\(Self.conv) {params: 760, 32,32,10}").map(\.outcome) == [.right, .right])
        #expect(check("\(Self.conv) {32x32x10, params: 760, memory: 10,240}").map(\.outcome) == [.right, .right, .right])
        #expect(check("INPUT[8x8x1] -> FC(4096) {params: 266,240, memory: 4,096}").map(\.outcome) == [.right, .right])
        // A decimal comma before a unit is one number; 1,5 without one is a shape.
        #expect(check("\(Self.conv) {macs: 0,77M, 32,32,10}").map(\.outcome) == [.right, .right])
        #expect(check("\(Self.conv) {macs: 0,76M}").map(\.outcome) == [.wrong])
    }

    @Test(arguments: [
        ("{10x32x32}", "you wrote C x H x W (10x32x32, PyTorch's order); the notes write W x H x D: 32x32x10"),
        ("{(10, 32, 32)}", "you wrote C x H x W"),
        ("{[10, 32, 32]}", "you wrote C x H x W"),
    ])
    func channelsFirstIsNamed(_ answer: String, _ mistake: String) throws {
        let verdict = try #require(check("\(Self.conv) \(answer)").last)
        #expect(verdict.outcome == .wrong)
        #expect(verdict.mistakeKind == .channelsFirst)
        #expect(verdict.mistake?.contains(mistake) == true, "\(verdict.mistake ?? "none")")
    }

    @Test(arguments: [
        ("{[32x32x10}", "could not be read: '[32x32x10' opens a bracket it does not close"),
        ("{(32, 32, 10}", "could not be read: '(32, 32, 10' opens a bracket it does not close"),
        ("{[32x32]x10}", "is not a shape: '[32' is not a size"),
        ("{32x32x10x1x1}", "has 5 sizes; a shape has 1 to 4"),
        ("{32xx10}", "is missing a size"),
        ("{params: 760 values}", "'values' counts memory, but the question asks for params"),
        ("{memory: 10240 params}", "'params' counts params, but the question asks for memory"),
        ("{params: lots}", "'lots' is not a number"),
        ("{params: 760 furlongs}", "'furlongs' is not a unit"),
        ("{params: 7 6 0}", "'7 6 0' is not a number"),
        ("{params: ~}", "has no number after its ~"),
        ("{params: -}", "'-' is not a number"),
        ("{params: 99999999999999999999999}", "is too large to count"),
        ("{params: 7.6e99}", "is too large to count"),
        ("{bytes: 40 KB each}", "'each' is not a unit"),
        ("{bytes: 40 KB of memory}", "'40 KB of memory' is not a number: 'KB of memory' follows it"),
    ])
    func unreadableAnswersAreGradedWrongWithWhy(_ answer: String, _ why: String) throws {
        let verdicts = check("\(Self.conv) \(answer)")
        // Counted: one verdict, wrong, with the reason; never dropped, never an error.
        #expect(verdicts.count == 1)
        let verdict = try #require(verdicts.last)
        #expect(verdict.outcome == .wrong)
        #expect(verdict.reading?.contains(why) == true, "\(answer): \(verdict.reading ?? "no reading")")
        #expect(verdict.expected != "?")
    }

    /// Unreadable answers count in the score, and in `check`'s exit status, without an error.
    @Test func unreadableAnswersCountInTheScore() {
        let outcome = runNetCalc(["check", "-"], standardInput: "\(Self.conv) {[32x32x10], params: lots, memory: 10 240}")
        #expect(outcome.status == 1)
        #expect(outcome.standardError.isEmpty, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("wrong: CONV1 params lots; the answer is 760\n  could not be read: 'lots' is not a number"))
        #expect(outcome.standardOutput.hasSuffix("2 of 3 answers right\n"))
    }

    // MARK: Approximate answers

    @Test(arguments: [
        // (answer, tolerance, right): 768,000 MACs.
        ("~0.8M", Tolerance.written, true), ("0.8M", .written, true), ("0.77M", .written, true), ("0.76M", .written, false),
        ("~0.8M", .relative(numerator: 5, denominator: 100), true), ("~0.8M", .relative(numerator: 1, denominator: 100), false),
        ("0.77M", .relative(numerator: 1, denominator: 100), true), ("8e5", .written, true), ("8.0e5", .written, false),
        ("~768,000", .relative(numerator: 0, denominator: 100), true), ("~770,000", .written, true), ("~771,000", .written, false),
        // Exact answers stay exact, whatever the tolerance.
        ("768001", .relative(numerator: 5, denominator: 100), false), ("768000", .relative(numerator: 5, denominator: 100), true),
    ])
    func approximateAnswersAreGradedWithTheTolerance(_ answer: String, _ tolerance: Tolerance, _ right: Bool) throws {
        let verdict = try #require(check("\(Self.conv) {macs: \(answer)}", tolerance: tolerance).last)
        #expect(verdict.outcome == (right ? .right : .wrong), "\(answer) \(tolerance.text)")
        if !right, tolerance != .written, !answer.allSatisfy(\.isNumber) {
            #expect(verdict.reading?.contains("right \(tolerance.text) of the answer") == true, "\(verdict.reading ?? "")")
        }
    }

    @Test(arguments: [("written", Tolerance.written), ("5%", .relative(numerator: 5, denominator: 100)),
                      ("0.5%", .relative(numerator: 5, denominator: 1000)), ("100%", .relative(numerator: 1, denominator: 1)),
                      ("0.125%", .relative(numerator: 125, denominator: 100_000))])
    func tolerancesAreRead(_ text: String, _ tolerance: Tolerance) {
        let read = Tolerance.named(text)
        #expect(read != nil)
        if case .relative(let a, let b)? = read, case .relative(let c, let d) = tolerance { #expect(a * d == b * c) }
        #expect(read?.text == tolerance.text)
        #expect(read?.text == (text == "written" ? "to the precision written" : "within \(text)"))
    }

    @Test(arguments: ["5", "five%", "101%", "-5%", "1e3%", "", "%"])
    func badTolerancesAreRefused(_ text: String) {
        #expect(Tolerance.named(text) == nil)
    }

    // MARK: Units as the notes teach them

    @Test(arguments: [
        // (answer, preferred sense, right, the reading named): 40,960 bytes.
        ("40KB", ByteConvention.binary, true, "40KB read in the notes' sense, 1 KB = 1024 B"),
        ("41KB", .binary, true, "41KB read in the SI sense, 1 KB = 1000 B (accepted; this course prefers the notes' 1 KB = 1024 B)"),
        ("41KB", .decimal, true, "41KB read in the SI sense, 1 KB = 1000 B"),
        // 40KB is one significant digit (40 +- 5 KB, as 800K is 8 hundreds of K): right in both senses.
        ("40KB", .decimal, true, "40KB read in the SI sense, 1 KB = 1000 B"),
        ("40.0KB", .decimal, true, "40.0KB read in the notes' sense, 1 KB = 1024 B (accepted; this course prefers SI 1 KB = 1000 B)"),
        ("0.04MB", .binary, true, "0.04MB read in the notes' sense, 1 MB = 1024 KB"),
        ("50KB", .binary, false, "50KB read in either sense, the notes' (1 KB = 1024 B) or SI (1 KB = 1000 B), is not the answer"),
    ])
    func kilobytesAreReadInBothSensesAndNamed(_ answer: String, _ units: ByteConvention, _ right: Bool, _ reading: String) throws {
        let verdict = try #require(check("\(Self.conv) {bytes: \(answer)}", units: units).last)
        #expect(verdict.outcome == (right ? .right : .wrong))
        #expect(verdict.reading == reading)
        #expect(verdict.mistakeKind == nil)
    }

    /// The issue's case: 56.3MB is not "1000 for 1024" but the notes' MB.
    @Test func theNotesMegabytesAreRight() throws {
        // 14,745,600 values x 4 bytes = 58,982,400 bytes = 56.25 MiB.
        let verdict = try #require(check("INPUT[480x480x64] -> CONV(64,3,p1) {bytes: 56.3MB}").last)
        #expect(verdict.outcome == .right)
        #expect(verdict.reading == "56.3MB read in the notes' sense, 1 MB = 1024 KB")
    }

    /// KiB is always 1024-based: the 1000-based digits written with it are a mix-up, named.
    @Test func kibibytesWithTheSIFigureAreNamed() throws {
        let verdict = try #require(check("\(Self.conv) {bytes: 41KiB}").last)
        #expect(verdict.outcome == .wrong)
        #expect(verdict.mistakeKind == .binaryForDecimal)
    }

    @Test func conventionsAndTolerancesComeFromDirectivesAndOptions() {
        let sheet = "@units 1000\n@tolerance 5%\n\(Self.conv) {bytes: 41KB, macs: ~0.8M}"
        let directives = runNetCalc(["check", "-"], standardInput: sheet)
        #expect(directives.status == 0, "\(directives.standardOutput)\(directives.standardError)")
        #expect(directives.standardOutput.contains("  41KB read in the SI sense, 1 KB = 1000 B\n"))
        let option = runNetCalc(["check", "--units", "1024", "--tolerance", "1%", "-"], standardInput: sheet)
        #expect(option.status == 1)
        #expect(option.standardOutput.contains("  41KB read in the SI sense, 1 KB = 1000 B (accepted; this course prefers the notes' 1 KB = 1024 B)\n"))
        #expect(option.standardOutput.contains("~0.8M is approximate: right within 1% of the answer (the teacher's tolerance)"))
        #expect(runNetCalc(["check", "--units", "1023", "-"], standardInput: sheet).status == 2)
        #expect(runNetCalc(["check", "--tolerance", "lots", "-"], standardInput: sheet).status == 2)
        let bad = runNetCalc(["check", "-"], standardInput: "@units 1023\n@tolerance 5\n\(Self.conv) {bytes: 40KB}")
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("'1023' is not a value for @units"))
        #expect(bad.standardError.contains("'5' is not a value for @tolerance"))
    }

    /// A key's `@units` and `@tolerance` grade its sheets; the sheet's own are not the key's.
    @Test func theKeySetsTheConvention() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.net")
        let sheet = directory.appendingPathComponent("sheet.net")
        try "@tolerance 1%\n\(Self.conv) {macs: 768000}".write(to: key, atomically: true, encoding: .utf8)
        try "@tolerance 50%\n\(Self.conv) {macs: ~0.8M}".write(to: sheet, atomically: true, encoding: .utf8)
        let outcome = runNetCalc(["check", "--key", key.path, sheet.path])
        #expect(outcome.standardOutput.contains("wrong: CONV1 macs ~0.8M"), "\(outcome.standardOutput)\(outcome.standardError)")
    }

    /// A long list of commas is split into its answers (each run of digits and commas is looked at once;
    /// bench/run.sh times 25,000 and 100,000 answers, for linear time).
    @Test func longAnswerListsAreRead() {
        let answer = Array(repeating: "1", count: 100_000).joined(separator: ",")
        let file = SourceFile(name: "<test>", text: "INPUT[8x8x1] {\(answer)}")
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        let verdicts = Checker(file: file, syntax: syntax).grade(networks).verdicts
        // Runs of four sizes: 25,000 shape answers, each read and graded.
        #expect(verdicts.count == 25_000)
    }

    @Test func readingsAreInJSON() throws {
        let outcome = runNetCalc(["check", "--format", "json", "-"], standardInput: "\(Self.conv) {bytes: 40KB, params: lots}")
        let object = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        let answers = try #require(object?["answers"] as? [[String: Any]])
        #expect(answers.count == 2)
        #expect(answers[0]["reading"] as? String == "40KB read in the notes' sense, 1 KB = 1024 B")
        #expect((answers[1]["reading"] as? String)?.hasPrefix("could not be read: 'lots' is not a number") == true)
        #expect(object?["total"] as? Int == 2)
    }
}
