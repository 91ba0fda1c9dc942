import Foundation
import Testing
@testable import NetCalc

/// `netcalc check` and `netcalc quiz` on the command line: the new options, their values, and what each
/// says when it is misused.
@Suite struct GradingCommandTests {
    static let classFolder = "Tests/NetCalcTests/Golden/check/class"

    @Test(arguments: [
        (["--format", "gradescope", "specs/vgg16.net"], "--format gradescope goes with netcalc check"),
        (["check", "--format", "markdown", "-"], "'markdown' is not a value for --format"),
        (["check", "--format", "dot", "-"], "'dot' is not a value for --format"),
        (["quiz", "--format", "csv"], "'csv' is not a value for --format"),
        (["quiz", "--template", "vgg"], "'vgg' is not a value for --template"),
        (["--no-follow-through", "specs/vgg16.net"], "--no-follow-through does not apply to analyzing a network"),
        (["quiz", "--no-follow-through"], "--no-follow-through does not apply to netcalc quiz"),
        (["--template", "lenet", "specs/vgg16.net"], "--template does not apply to analyzing a network"),
        (["check", "--key"], "--key needs a value"),
    ])
    func misusedOptionsAreTrouble(_ arguments: [String], _ message: String) {
        let outcome = runNetCalc(arguments, standardInput: "INPUT[8x8x1] -> CONV(1,3) {6x6x1}")
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
    }

    @Test func keyIsAFlagForQuizAndAFileForCheck() {
        let quiz = runNetCalc(["quiz", "--key", "--template", "lenet"])
        #expect(quiz.status == 0)
        #expect(!quiz.standardOutput.contains(": _"))
        // Before the command word as well as after it.
        for arguments in [["check", "--key", "\(Self.classFolder)/key.net", "\(Self.classFolder)/alice.net"],
                          ["--key", "\(Self.classFolder)/key.net", "check", "\(Self.classFolder)/alice.net"]] {
            let outcome = runNetCalc(arguments)
            #expect(outcome.status == 0, "\(arguments)")
            #expect(outcome.standardOutput.hasSuffix("6 of 6 answers right; 11 of 11 points (100%)\n"))
        }
    }

    @Test func checkFormatsAcceptTableAsText() {
        let sheet = "INPUT[8x8x1] -> CONV(1,3) {6x6x1}"
        #expect(runNetCalc(["check", "--format", "table", "-"], standardInput: sheet).standardOutput
            == runNetCalc(["check", "-"], standardInput: sheet).standardOutput)
    }

    @Test func aKeyThatCannotBeUsedIsTrouble() throws {
        let missing = runNetCalc(["check", "--key", "no/such/key.net", "\(Self.classFolder)/alice.net"])
        #expect(missing.status == 2)
        #expect(missing.standardError.contains("the key: cannot read 'no/such/key.net'"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-key-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broken = directory.appendingPathComponent("broken.net").path
        try "INPUT[8x8x1] -> CONV(1,3 {6x6x1}".write(toFile: broken, atomically: true, encoding: .utf8)
        let errors = runNetCalc(["check", "--key", broken, "\(Self.classFolder)/alice.net"])
        #expect(errors.status == 2)
        #expect(errors.standardError.contains("has errors; fix them before grading with it"))
        let silent = directory.appendingPathComponent("silent.net").path
        try "INPUT[8x8x1] -> CONV(1,3)".write(toFile: silent, atomically: true, encoding: .utf8)
        let nothing = runNetCalc(["check", "--key", silent, "\(Self.classFolder)/alice.net"])
        #expect(nothing.status == 2)
        #expect(nothing.standardError.contains("asks no questions"))
    }

    @Test func aKeysWrongAnswersAreWarnings() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-wrongkey-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.net").path
        try "quiz = INPUT[8x8x1] -> CONV(4,3) {6x6x4, params: 36}".write(toFile: key, atomically: true, encoding: .utf8)
        let sheet = directory.appendingPathComponent("sheet.net").path
        try "quiz = INPUT[8x8x1] -> CONV(4,3) {6x6x4, params: 40}".write(toFile: sheet, atomically: true, encoding: .utf8)
        let outcome = runNetCalc(["check", "--key", key, sheet])
        #expect(outcome.standardError.contains("warning: the key's answer 36 for CONV1 params is not netcalc's 40"))
        #expect(outcome.status == 0, "the sheet is graded against netcalc's 40")
    }

    @Test func anUnreadableSheetScoresNothingAgainstTheKey() {
        let outcome = runNetCalc(["check", "--format", "csv", "--key", "\(Self.classFolder)/key.net",
                                  "\(Self.classFolder)/alice.net", "\(Self.classFolder)/nobody.net"])
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.contains("\(Self.classFolder)/nobody.net,nobody,unanswered,unanswered,unanswered,unanswered,unanswered,unanswered,0,6,0,11,0\r\n"))
    }

    @Test func theKeysDirectiveTurnsFollowThroughOff() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-ftkey-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.net").path
        let text = try String(contentsOfFile: packageRoot + "/\(Self.classFolder)/key.net", encoding: .utf8)
        try ("@followthrough off\n" + text).write(toFile: key, atomically: true, encoding: .utf8)
        // Bob's sheet says nothing; the key decides: his answers that follow through are not counted.
        let outcome = runNetCalc(["check", "--key", key, "\(Self.classFolder)/bob.net"])
        #expect(outcome.standardOutput.hasSuffix("0 of 6 answers right (5 more follow through from earlier answers, not counted); 0 of 11 points (0%)\n"))
    }

    @Test func gradescopeResultsAreValidJSONEvenForABrokenSheet() throws {
        let outcome = runNetCalc(["check", "--format", "gradescope", "-"], standardInput: "INPUT[8x8x1] -> CONV(1,3 {6x6x1}")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        #expect(object["score"] as? Int == 0)
        #expect((object["output"] as? String)?.contains("error:") == true)
        #expect((object["tests"] as? [Any])?.isEmpty == true)
    }

    @Test func quizWorksheetsOnTheCommandLine() {
        let html = runNetCalc(["quiz", "--format", "html", "--seed", "9"])
        #expect(html.status == 0)
        #expect(html.standardOutput.hasPrefix("<!DOCTYPE html>"))
        #expect(html.standardOutput.contains("class=\"blank\""))
        let markdown = runNetCalc(["quiz", "--format", "markdown", "--seed", "9", "--key"])
        #expect(markdown.standardOutput.contains("(answer key, seed 9)"))
        #expect(markdown.standardOutput.contains("**"))
    }

    @Test func csvFieldsCannotBecomeFormulas() {
        #expect(csvField("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(csvField("-1") == "'-1")
        #expect(csvField("a,b") == "\"a,b\"")
        #expect(csvField("plain") == "plain")
    }
}
