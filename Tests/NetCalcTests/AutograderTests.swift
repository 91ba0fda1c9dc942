import Foundation
import Testing
@testable import NetCalc

/// The README's Gradescope recipe, end to end: gradescope/build.sh zips the autograder (with the built
/// binary, as NETCALC_BINARY lets a test give it), the zip is unpacked into a temporary `/autograder`
/// layout, setup.sh runs there, and run_autograder grades a submission from another directory and
/// writes results.json, which is read back as JSON.
@Suite(.enabled(if: haveBinary, "needs the built binary: swift build")) struct AutograderTests {
    static let classFolder = packageRoot + "/Tests/NetCalcTests/Golden/check/class"
    /// The key's right answers, as they could be written: none may reach a student when answers are hidden.
    static let answers = ["30x30x8", "15x15x8", "1800", "1,800", "15x15x16", "259200", "259,200", "36010", "36,010"]

    /// A fresh `/autograder` made by the recipe: the zip built from the class's key and unpacked in
    /// source/, setup.sh run, an empty submission/ and results/. Returns the root.
    func layout() throws -> String {
        let root = NSTemporaryDirectory() + "netcalc-autograder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/source", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/submission", withIntermediateDirectories: true)
        let zip = root + "/autograder.zip"
        let (built, buildOutput) = try runProcess("env", ["NETCALC_BINARY=\(builtBinary)", "bash",
                                                          packageRoot + "/gradescope/build.sh", Self.classFolder + "/key.net", zip])
        #expect(built == 0, "\(buildOutput)")
        let (unzipped, unzipOutput) = try runProcess("python3", ["-m", "zipfile", "-e", zip, root + "/source"])
        #expect(unzipped == 0, "\(unzipOutput)")
        let (setUp, setupOutput) = try runProcess("env", ["NETCALC_AUTOGRADER_ROOT=\(root)", "bash", root + "/source/setup.sh"])
        #expect(setUp == 0, "\(setupOutput)")
        return root
    }

    /// Runs run_autograder as Gradescope does (from another directory: `/`), with the environment given;
    /// returns results.json as an object, and what the script printed.
    func grade(_ root: String, _ environment: [String] = []) throws -> ([String: Any], String) {
        let command = "cd / && exec env NETCALC_AUTOGRADER_ROOT='\(root)' \(environment.joined(separator: " ")) bash '\(root)/source/run_autograder'"
        let (status, output) = try runProcess("bash", ["-c", command])
        #expect(status == 0, "\(output)")
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/results/results.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "results.json is not a JSON object")
        return (object, output)
    }

    func submit(_ root: String, _ names: [String: String]) throws {
        for (name, source) in names {
            let path = root + "/submission/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.classFolder + "/" + source, toPath: path)
        }
    }

    @Test func oneSheetIsGradedWithAnswersKeptOut() throws {
        let root = try layout()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try submit(root, ["homework/bob.net": "bob.net", "notes.txt": "key.net"])
        let (results, output) = try grade(root)
        #expect(output.contains("netcalc check exited with status 1"))
        #expect(results["score"] as? Int == 9)
        #expect(results["max_score"] as? Int == 11)
        #expect(results["visibility"] as? String == "visible")
        #expect(results["stdout_visibility"] as? String == "hidden")
        #expect(results["execution_time"] is Int)
        let tests = try #require(results["tests"] as? [[String: Any]])
        // Named by the key's network and row, the same for every student: no line numbers, no file.
        #expect(tests.compactMap { $0["name"] as? String } == [
            "quiz CONV1 shape", "quiz POOL1 shape", "quiz POOL1 memory", "quiz CONV2 shape", "quiz CONV2 macs", "quiz FC1 params",
        ])
        #expect(tests.compactMap { $0["score"] as? Int } == [0, 1, 1, 2, 2, 3])
        #expect(tests.compactMap { $0["max_score"] as? Int } == [2, 1, 1, 2, 2, 3])
        let first = try #require(tests.first?["output"] as? String)
        #expect(first.hasPrefix("wrong: 32x32x8"))
        #expect(first.contains("mistake: padding added where there is none"))
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: root + "/results/results.json")), as: UTF8.self)
        #expect(!text.contains("the answer is"))
        for answer in Self.answers { #expect(!text.contains(answer), "results.json shows the answer \(answer)") }
    }

    @Test func theCourseChoosesVisibilityAndAnswers() throws {
        let root = try layout()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try submit(root, ["bob.net": "bob.net"])
        let (results, _) = try grade(root, ["NETCALC_VISIBILITY=after_due_date", "NETCALC_STDOUT_VISIBILITY=visible", "NETCALC_HIDE_ANSWERS=no"])
        #expect(results["visibility"] as? String == "after_due_date")
        #expect(results["stdout_visibility"] as? String == "visible")
        let tests = try #require(results["tests"] as? [[String: Any]])
        #expect((tests.first?["output"] as? String)?.contains("the answer is 30x30x8") == true)
        let (bad, _) = try grade(root, ["NETCALC_VISIBILITY=sometimes"])
        #expect(bad["score"] as? Int == 0)
        #expect((bad["output"] as? String)?.contains("NETCALC_VISIBILITY") == true)
    }

    @Test func twoSheetsAreAFailureNotAMergedResult() throws {
        let root = try layout()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try submit(root, ["a.net": "alice.net", "b.net": "bob.net"])
        let (results, _) = try grade(root)
        #expect(results["score"] as? Int == 0)
        #expect(results["max_score"] as? Int == 11)
        #expect((results["tests"] as? [Any])?.isEmpty == true)
        let output = try #require(results["output"] as? String)
        #expect(output.contains("2 sheets"))
        #expect(output.contains("a.net") && output.contains("b.net"))
    }

    @Test func noSheetIsAFailure() throws {
        let root = try layout()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try submit(root, ["answers.txt": "bob.net"])
        let (results, _) = try grade(root)
        #expect(results["score"] as? Int == 0)
        #expect((results["output"] as? String)?.contains("no .net sheet was submitted") == true)
        #expect(results["visibility"] as? String == "visible")
    }
}
