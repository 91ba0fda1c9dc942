import Foundation
import Testing
@testable import NetCalc

/// Answers on ADD, CONCAT and MUL rows: read like any layer's, graded with the merge's worked formula,
/// their mistakes named, follow-through carried into and past the merge, and kept by `fmt`.
@Suite struct MergeAnswerTests {
    /// Every verdict of `spec`, graded without a key.
    func verdicts(_ spec: String) -> (verdicts: [Verdict], errors: Bool) {
        let file = SourceFile(name: "<test>", text: spec)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, analysis) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        let (verdicts, answers) = Checker(file: file, syntax: syntax).grade(networks)
        return (verdicts, parser.diagnostics.hasErrors || analysis.hasErrors || answers.hasErrors)
    }

    static let inception = "INPUT[28x28x192] -> CONCAT(CONV(64,1) | CONV(96,1) -> CONV(128,3,p1) | CONV(16,1) -> CONV(32,5,p2) | POOL(3,s1,p1) -> CONV(32,1))"
    static let residual = "INPUT[56x56x64] -> ADD(CONV(64,3,p1) -> CONV(64,3,p1) | ID)"

    @Test(arguments: [
        (inception + " {28x28x256}", "CONCAT1", Verdict.Outcome.right, "depths stack: 64 + 128 + 32 + 32 = 256; W and H kept -> 28x28x256"),
        (inception + " {params: 0}", "CONCAT1", .right, "params = 0: CONCAT1 has no parameters"),
        (inception + " {memory: 200704}", "CONCAT1", .right, "memory = 28*28*256 = 200,704 values"),
        (residual + " {56x56x64}", "ADD1", .right, "branches added value by value: shape kept, 56x56x64"),
        (residual + " {params: 0, macs: 0}", "ADD1", .right, "MACs = 0"),
        (residual + " {rf: 5}", "ADD1", .right, "rf = the largest of its branches' = 5"),
        ("INPUT[8x8x16] -> MUL(GAP -> FC(16) | ID) {8x8x16}", "MUL1", .right, "a 1x1xD branch scales each channel"),
        (inception + " {28x28x255}", "CONCAT1", .wrong, "depths stack: 64 + 128 + 32 + 32 = 256"),
    ])
    func aMergeRowTakesAnswers(_ spec: String, _ layer: String, _ outcome: Verdict.Outcome, _ formula: String) throws {
        let (graded, errors) = verdicts(spec)
        #expect(!errors, "\(spec)")
        let verdict = try #require(graded.last)
        #expect(verdict.layer == layer)
        #expect(verdict.outcome == outcome, "\(spec): \(verdict.outcome)")
        #expect(verdict.formula.contains(formula) || outcome == .right, "\(verdict.formula)")
        if outcome == .wrong { #expect(verdict.formula.contains(formula), "\(verdict.formula)") }
    }

    @Test(arguments: [
        (residual + " {56x56x128}", Mistake.addAsConcat, "stacking the depths (64 + 64 = 128) is CONCAT's"),
        (inception + " {28x28x128}", .concatAsAdd, "D = 64 + 128 + 32 + 32 = 256"),
        (inception + " {28x28x64}", .concatAsAdd, "a shape kept from one branch is ADD's"),
        (residual + " {params: 73856}", .mergeParameters, "ADD has no parameters"),
        (inception + " {params: 12352}", .mergeParameters, "CONCAT has no parameters"),
    ])
    func aMergesMistakesAreNamed(_ spec: String, _ kind: Mistake, _ words: String) throws {
        let verdict = try #require(verdicts(spec).verdicts.last)
        #expect(verdict.outcome == .wrong)
        #expect(verdict.mistakeKind == kind, "\(spec): \(verdict.mistake ?? "no mistake named")")
        #expect(verdict.mistake?.contains(words) == true, "\(verdict.mistake ?? "no mistake named")")
    }

    /// A wrong answer of the mistake's form where the mistake does not apply: not named.
    @Test(arguments: [
        (residual + " {56x56x96}", Mistake.addAsConcat),
        (inception + " {28x28x100}", .concatAsAdd),
        ("INPUT[8x8x16] -> ADD(RELU | ID) {8x8x32}", .concatAsAdd),
        ("INPUT[8x8x16] -> CONCAT(RELU | ID) {8x8x16}", .addAsConcat),
    ])
    func aMergesMistakeIsNotClaimedWhereItDoesNotApply(_ spec: String, _ kind: Mistake) throws {
        let verdict = try #require(verdicts(spec).verdicts.last)
        #expect(verdict.outcome == .wrong)
        #expect(verdict.mistakeKind != kind, "\(spec): \(verdict.mistake ?? "")")
    }

    @Test func followThroughCarriesIntoAndPastAMerge() throws {
        // The 3x3 branch's depth taken from its input (96 for 128): CONCAT's 224 and the next layer's
        // parameters follow from it.
        let spec = """
            INPUT[28x28x192] -> CONCAT(CONV(64,1) | CONV(96,1) -> CONV(128,3,p1) {28x28x96} | CONV(16,1) -> CONV(32,5,p2) | POOL(3,s1,p1) -> CONV(32,1)) {28x28x224}
              -> CONV(64,1) {params: 14400}
            """
        let graded = verdicts(spec).verdicts
        #expect(graded.map(\.outcome) == [.wrong, .followThrough, .followThrough])
        #expect(graded[1].formula == "depths stack: 64 + 96 + 32 + 32 = 224; W and H kept -> 28x28x224")
        #expect(graded[1].followsFrom?.layer == "CONV3")
        // A student's own shape for the merge carries on as well.
        let own = verdicts(Self.residual + " {56x56x128} -> CONV(8,1) {params: 1032}").verdicts
        #expect(own.map(\.outcome) == [.wrong, .followThrough])
    }

    @Test func aKeyAsksAboutMerges() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-mergekey-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.net").path
        try "block = \(Self.residual) {shape: _, params: _, points: 2}".write(toFile: key, atomically: true, encoding: .utf8)
        let sheet = directory.appendingPathComponent("sheet.net").path
        try "block = \(Self.residual) {56x56x128, params: 0}".write(toFile: sheet, atomically: true, encoding: .utf8)
        let outcome = runNetCalc(["check", "--key", key, sheet])
        #expect(outcome.standardOutput.contains("wrong: ADD1 shape 56x56x128; the answer is 56x56x64"))
        #expect(outcome.standardOutput.hasSuffix("1 of 2 answers right; 2 of 4 points (50%)\n"), "\(outcome.standardOutput)")
    }

    @Test func fmtKeepsAnAnswerAfterAMerge() throws {
        let text = "INPUT[8x8x4]   ->  ADD( RELU |ID ) {8x8x4,params: 0} -> CONCAT(RELU | ID) {8x8x8}\n"
        let file = SourceFile(name: "<fmt>", text: text)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        #expect(!parser.diagnostics.hasErrors)
        let formatted = SpecFormatter(syntax: syntax, comments: parser.comments).format()
        #expect(formatted == "INPUT[8x8x4] -> ADD(RELU | ID) {8x8x4,params: 0} -> CONCAT(RELU | ID) {8x8x8}\n", "\(formatted)")
        // The answer is kept as written; an answer after a repetition is still an error.
        let repeated = SourceFile(name: "<r>", text: "INPUT[8x8x4] -> [RELU]*2 {8x8x4}")
        var other = Parser(file: repeated)
        _ = other.parse()
        #expect(other.diagnostics.items.contains { $0.message.hasPrefix("an answer cannot follow a repetition") })
    }
}
