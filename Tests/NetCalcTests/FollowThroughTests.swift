import Foundation
import Testing
@testable import NetCalc

/// Follow-through grading (an answer right from the student's own earlier answers) and grading past a
/// layer whose sizes do not fit.
@Suite struct FollowThroughTests {
    /// The verdicts on every answer of `spec`.
    func check(_ spec: String, countsFollowThrough: Bool = true) -> [Verdict] {
        let file = SourceFile(name: "<test>", text: spec)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        var checker = Checker(file: file, syntax: syntax)
        checker.countsFollowThrough = countsFollowThrough
        return checker.grade(networks).verdicts
    }

    /// The issue's sheet: one mistake (CONV1 padded as if p1), every later answer right from the
    /// student's own 32x32x8.
    static let issueSheet = """
        INPUT[32x32x3]
          -> CONV(8,3,s1,p0)    {32x32x8}
          -> POOL(2)            {16x16x8}
          -> CONV(16,3,s1,p1)   {16x16x16, macs: 294912}
          -> FC(10)             {params: 40970}
        """

    @Test func laterAnswersFollowThroughFromAWrongShape() throws {
        let verdicts = check(Self.issueSheet)
        #expect(verdicts.map(\.outcome) == [.wrong, .followThrough, .followThrough, .followThrough, .followThrough])
        #expect(verdicts.filter(\.earns).count == 4)
        let pool = verdicts[1]
        #expect(pool.expected == "15x15x8")
        #expect(pool.formula == "W2 = (32 - 2 + 2*0)/2 + 1 = 16; H2 the same; D2 = D1 = 8 (pooling keeps the depth) -> 16x16x8")
        let origin = try #require(pool.followsFrom)
        #expect(origin.layer == "CONV1" && origin.answer == "32x32x8" && origin.line == 2)
        #expect(verdicts[4].formula == "params = (16*16*16)*10 + 10 = 40,970")
        #expect(verdicts[0].mistakeKind == .paddingAdded)
    }

    @Test func theSummaryCountsFollowThrough() {
        let on = runNetCalc(["check", "-"], standardInput: Self.issueSheet)
        #expect(on.standardOutput.hasSuffix("4 of 5 answers right (4 by follow-through)\n"))
        #expect(on.standardOutput.contains("follow-through: POOL1 shape 16x16x8, from your CONV1 32x32x8 on line 2 (the answer is 15x15x8)"))
        #expect(on.status == 1)  // CONV1 is still wrong
        let off = runNetCalc(["check", "--no-follow-through", "-"], standardInput: Self.issueSheet)
        #expect(off.standardOutput.contains("follow-through, not counted: POOL1 shape 16x16x8"))
        #expect(off.standardOutput.hasSuffix("0 of 5 answers right (4 more follow through from earlier answers, not counted)\n"))
        let directive = runNetCalc(["check", "-"], standardInput: "@followthrough off\n" + Self.issueSheet)
        #expect(directive.standardOutput.hasSuffix("0 of 5 answers right (4 more follow through from earlier answers, not counted)\n"))
        let cli = runNetCalc(["check", "--no-follow-through", "-"], standardInput: "@followthrough on\n" + Self.issueSheet)
        #expect(cli.standardOutput.hasSuffix("not counted)\n"), "the sheet cannot turn on what the teacher turned off")
        #expect(directive.standardError == "")
    }

    @Test func followThroughIsOffByTheTeachersChoice() {
        let verdicts = check(Self.issueSheet, countsFollowThrough: false)
        #expect(verdicts.map(\.outcome) == [.wrong, .followThrough, .followThrough, .followThrough, .followThrough])
        #expect(verdicts.filter(\.earns).isEmpty)
    }

    @Test func aRightAnswerAfterAWrongOneIsRight() {
        // The student corrects themselves at POOL1: what follows is judged from the true sizes again.
        let verdicts = check("""
            INPUT[32x32x3] -> CONV(8,3) {32x32x8} -> POOL(2) {15x15x8} -> CONV(16,3,p1) {15x15x16, macs: 259200}
            """)
        #expect(verdicts.map(\.outcome) == [.wrong, .right, .right, .right])
    }

    @Test func anAnswerThatFollowsFromNothingIsWrong() {
        // 17x17x8 is neither the truth (15x15x8) nor what the student's 32x32x8 gives (16x16x8).
        let verdicts = check("INPUT[32x32x3] -> CONV(8,3) {32x32x8} -> POOL(2) {17x17x8}")
        #expect(verdicts.map(\.outcome) == [.wrong, .wrong])
        #expect(verdicts[1].followsFrom == nil)
    }

    @Test func aNewMistakeStartsANewOrigin() throws {
        let verdicts = check("""
            INPUT[32x32x3]
              -> CONV(8,3) {32x32x8}
              -> POOL(2) {8x8x8}
              -> CONV(4,3,p1) {8x8x4, params: 292}
            """)
        #expect(verdicts.map(\.outcome) == [.wrong, .wrong, .followThrough, .right])
        #expect(try #require(verdicts[2].followsFrom).layer == "POOL1")
    }

    @Test func followThroughCrossesMergesAndReceptiveFields() {
        // A residual block: the student's 14x14x8 for CONV1 (16x16x8) goes through both branches and the ADD.
        let verdicts = check("""
            INPUT[32x32x8] -> CONV(8,4,s2,p1) {14x14x8} -> ADD(CONV(8,3,p1) {14x14x8} | ID) -> POOL(2) {7x7x8, rf: 10}
            """)
        #expect(verdicts.map(\.outcome) == [.wrong, .followThrough, .followThrough, .right])
        #expect(verdicts[2].expected == "8x8x8")
        // A receptive field carried: the student's rf 4 for CONV1 gives 6 for CONV2.
        let fields = check("INPUT[32x32x1] -> CONV(1,3,p1) {rf: 4} -> CONV(1,3,p1) {rf: 6} -> CONV(1,3,p1) {rf: 7}")
        #expect(fields.map(\.outcome) == [.wrong, .followThrough, .right])
    }

    @Test func totalsFollowThrough() {
        let verdicts = check("""
            INPUT[8x8x1] -> CONV(2,3) {8x8x2} -> FC(10) {params: 1290}
            total {params: 1310, memory: 202}
            """)
        // The student's network: 8x8x1 (64) + 8x8x2 (128) + 10 = 202 values; params 20 + 1,290.
        #expect(verdicts.map(\.outcome) == [.wrong, .followThrough, .followThrough, .followThrough])
    }

    // MARK: Past a layer that does not fit

    @Test func parametersAreGradedPastALayerThatDoesNotFit() {
        let verdicts = check("""
            INPUT[224x224x3] -> CONV(96,11,s4) {invalid, params: 34944} -> CONV(256,5,p2) {params: 614656, invalid, memory: invalid}
              -> FC(10) {params: 10, 10}
            """)
        #expect(verdicts.map(\.outcome) == [.right, .right, .right, .right, .right, .wrong, .right])
        #expect(verdicts[5].expected == "invalid")
        #expect(verdicts[5].formula.hasPrefix("FC1's parameters depend on CONV1's size, and CONV1 does not fit its 224x224x3 input"))
    }

    @Test func theStudentsShapeForALayerThatDoesNotFitCarriesForward() throws {
        // CONV1 answered with its floor result (wrong), then POOL1 and FC1 right from it.
        let verdicts = check("""
            INPUT[224x224x3] -> CONV(96,11,s4) {54x54x96} -> POOL(2) {27x27x96} -> FC(10) {params: 699850}
            """)
        #expect(verdicts.map(\.outcome) == [.wrong, .followThrough, .followThrough])
        #expect(verdicts[0].mistakeKind == .roundedDown)
        #expect(try #require(verdicts[2].followsFrom).answer == "54x54x96")
    }

    @Test func aLayerThatDoesNotFitTheStudentsSizesIsInvalidByFollowThrough() {
        // From the student's 32x32x8, POOL(3,s2) does not fit ((32 - 3)/2 is not whole): invalid follows.
        // The true 31x31x8 gives 15x15x8.
        let verdicts = check("INPUT[33x33x3] -> CONV(8,3) {32x32x8} -> POOL(3,s2) {invalid}")
        #expect(verdicts.map(\.outcome) == [.wrong, .followThrough])
    }

    @Test func cannotGradeNamesTheLayer() throws {
        // A later layer that does not fit any stand-in: the rows past it cannot be laid out.
        let verdicts = check("INPUT[7x7x1] -> CONV(1,3,s3) {invalid} -> CROP(50x50) -> CONV(2,1) {params: 4}")
        let last = try #require(verdicts.last)
        #expect(last.outcome == .ungraded)
        #expect(last.layer == "CONV(2,1)")
        let text = runNetCalc(["check", "-"], standardInput: "INPUT[7x7x1] -> CONV(1,3,s3) {invalid} -> CROP(50x50) -> CONV(2,1) {params: 4}")
        #expect(text.standardOutput.contains("cannot grade: CONV(2,1) params: CONV1 does not fit its 7x7x1 input"))
        #expect(!text.standardOutput.contains("?"))
    }
}
