import Foundation
import Testing
@testable import NetCalc

/// `netcalc check --format gradescope` as a course deploys it: one sheet per result, test names that
/// are the same for every student, the course's visibility, answers kept out when asked, and the class
/// run's gradebook and feedback files.
@Suite struct GradescopeTests {
    static let classFolder = "Tests/NetCalcTests/Golden/check/class"
    static let key = classFolder + "/key.net"

    func results(_ outcome: Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any],
                     "not JSON: \(outcome.standardOutput)")
    }

    func names(_ results: [String: Any]) -> [String] {
        (results["tests"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// Test names come from the key's network and rows: a sheet with its lines moved has the same ones.
    @Test func testNamesDoNotDependOnTheStudentsLines() throws {
        let directory = NSTemporaryDirectory() + "netcalc-names-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bob = try String(contentsOfFile: packageRoot + "/" + Self.classFolder + "/bob.net", encoding: .utf8)
        try ("# my name\n\n\n" + bob).write(toFile: directory + "/moved.net", atomically: true, encoding: .utf8)
        let first = try results(runNetCalc(["check", "--format", "gradescope", "--key", Self.key, Self.classFolder + "/bob.net"]))
        let moved = try results(runNetCalc(["check", "--format", "gradescope", "--key", Self.key, directory + "/moved.net"]))
        #expect(names(first) == names(moved))
        #expect(names(first).first == "quiz CONV1 shape")
        #expect(!names(first).contains { $0.contains("line") })
    }

    /// Two sheets in one submission were merged into one result (90 tests, 118 of 120 points); now the
    /// result grades none and says why, out of the key's points.
    @Test func severalSheetsAreRefused() throws {
        let outcome = runNetCalc(["check", "--format", "gradescope", "--key", Self.key,
                                  Self.classFolder + "/alice.net", Self.classFolder + "/bob.net"])
        #expect(outcome.status == 1)
        let object = try results(outcome)
        #expect(object["score"] as? Int == 0)
        #expect(object["max_score"] as? Int == 11)
        #expect((object["tests"] as? [Any])?.isEmpty == true)
        #expect((object["output"] as? String)?.contains("This submission has 2 sheets") == true)
        #expect(outcome.standardError.contains("--format gradescope grades one sheet; 2 were given"))
    }

    @Test func visibilityAndExecutionTime() throws {
        var invocation = Invocation(arguments: ["check", "--format", "gradescope", "--key", Self.key, "--visibility", "after_due_date",
                                                "--stdout-visibility", "hidden", Self.classFolder + "/bob.net"])
        invocation.currentDirectory = packageRoot
        let times = Counter()
        invocation.clock = { times.next() }  // 2.6 s pass between its two readings
        let object = try results(run(invocation))
        #expect(object["visibility"] as? String == "after_due_date")
        #expect(object["stdout_visibility"] as? String == "hidden")
        #expect(object["execution_time"] as? Int == 3)
        let plain = try results(runNetCalc(["check", "--format", "gradescope", "--key", Self.key, Self.classFolder + "/bob.net"]))
        #expect(plain["visibility"] == nil && plain["stdout_visibility"] == nil)
    }

    /// With --hide-answers no output says "the answer is", and no right value appears anywhere, for a
    /// sheet of wrong answers with every kind of verdict; the text output hides them the same way.
    @Test func hiddenAnswersStayHidden() throws {
        let sheet = "quiz = INPUT[32x32x3]\n  -> CONV(8,3,s1,p0)  {32x32x8}\n  -> POOL(2)          {16x16x8, memory: 1}\n"
            + "  -> CONV(16,3,s1,p1) {16x16x16, macs: 7}\n  -> FC(10)           {params: 40960}\n"
        for format in ["gradescope", "text"] {
            let outcome = runNetCalc(["check", "--format", format, "--hide-answers", "--key", Self.key, "-"], standardInput: sheet)
            #expect(outcome.status == 1)
            let text = outcome.standardOutput
            #expect(!text.contains("the answer is"), "\(text)")
            for answer in ["30x30x8", "15x15x8", "1800", "1,800", "15x15x16", "259200", "259,200", "36010", "36,010"] {
                #expect(!text.contains(answer), "\(format) shows \(answer):\n\(text)")
            }
            #expect(text.contains("mistake: padding added where there is none"))
            #expect(text.contains("mistake: biases left out"))
        }
        let shown = runNetCalc(["check", "--format", "gradescope", "--key", Self.key, "-"], standardInput: sheet).standardOutput
        #expect(shown.contains("the answer is 30x30x8"))
    }

    /// A key that cannot grade still gives Gradescope a result: score 0, the reason, and none of the key's text.
    @Test func aBrokenKeyIsAResultToo() throws {
        let outcome = runNetCalc(["check", "--format", "gradescope", "--key", "no/such/key.net", Self.classFolder + "/bob.net"])
        #expect(outcome.status == 2)
        let object = try results(outcome)
        #expect(object["score"] as? Int == 0)
        #expect((object["output"] as? String)?.contains("The autograder cannot grade") == true)
    }

    @Test(arguments: [
        (["check", "--visibility", "hidden", "-"], "--visibility is a Gradescope setting; it goes with --format gradescope"),
        (["check", "--format", "json", "--stdout-visibility", "hidden", "-"], "--stdout-visibility is a Gradescope setting"),
        (["check", "--format", "gradescope", "--visibility", "later", "-"], "'later' is not a value for --visibility"),
        (["check", "--format", "csv", "--hide-answers", "-"], "--hide-answers goes with the text or gradescope output, not csv"),
        (["--hide-answers", "specs/vgg16.net"], "--hide-answers does not apply to analyzing a network"),
        (["check", "--feedback=", "-"], "--feedback needs a folder"),
    ])
    func misusedGradescopeOptions(_ arguments: [String], _ message: String) {
        let outcome = runNetCalc(arguments, standardInput: "INPUT[8x8x1] -> CONV(1,3) {6x6x1}")
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
    }

    /// The class run: a gradebook with a student column and a feedback file per student.
    @Test func feedbackFilesAndTheStudentColumn() throws {
        let directory = NSTemporaryDirectory() + "netcalc-feedback-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sheets = ["alice", "bob", "carol"].map { "\(Self.classFolder)/\($0).net" }
        let outcome = runNetCalc(["check", "--format", "csv", "--key", Self.key, "--feedback", directory + "/out"] + sheets)
        #expect(outcome.status == 1)
        let rows = outcome.standardOutput.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.first?.prefix(2) == ["sheet", "student"])
        #expect(rows.dropFirst().map { $0[1] } == ["alice", "bob", "carol"])
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/out").sorted()
        #expect(files == ["alice.txt", "bob.txt", "carol.txt"])
        let bob = try String(contentsOfFile: directory + "/out/bob.txt", encoding: .utf8)
        #expect(bob.hasPrefix("netcalc check: \(Self.classFolder)/bob.net\n"))
        #expect(bob.contains("wrong: CONV1 shape 32x32x8; the answer is 30x30x8"))
        #expect(bob.hasSuffix("5 of 6 answers right (5 by follow-through); 9 of 11 points (82%)\n"))
        // Run again with answers hidden: the files are replaced.
        _ = runNetCalc(["check", "--hide-answers", "--key", Self.key, "--feedback", directory + "/out"] + sheets)
        #expect(try !String(contentsOfFile: directory + "/out/bob.txt", encoding: .utf8).contains("the answer is"))
        // A folder that cannot be made is an error naming it.
        let bad = runNetCalc(["check", "--key", Self.key, "--feedback", "/proc/nowhere/feedback", sheets[0]])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("cannot make the feedback folder '/proc/nowhere/feedback'"))
    }

    @Test(arguments: [
        (["sheets/alice.net", "sheets/bob.net"], ["alice", "bob"]),
        (["submissions/alice/hw.net", "submissions/bob/hw.net"], ["alice", "bob"]),
        (["x/a/hw.net", "y/a/hw.net"], ["x/a/hw", "y/a/hw"]),
        (["<stdin>"], ["stdin"]),
        (["alice.txt", ".net"], ["alice.txt", ".net"]),
    ])
    func studentIDs(_ names: [String], _ ids: [String]) {
        #expect(StudentID.ids(names) == ids)
    }

    @Test func feedbackFileNamesAreSafe() {
        #expect(StudentID.fileNames(["../etc/passwd", ".hidden", "a b", "", "Ann", "ann", "ann", "é\u{1B}[31m"], suffix: ".txt")
                == ["_._etc_passwd.txt", "_hidden.txt", "a_b.txt", "sheet.txt", "Ann.txt",
                    "ann-2.txt", "ann-3.txt", "___31m.txt"])
    }
}

/// A clock for tests: 0, then 2.6 seconds, then 5.2, ...
final class Counter: @unchecked Sendable {
    private var value: UInt64 = 0
    func next() -> UInt64 {
        defer { value += 2_600_000_000 }
        return value
    }
}
