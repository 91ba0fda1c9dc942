import Foundation
import Testing
@testable import NetCalc

/// Whole outputs compared with files under Golden/. Set NETCALC_RECORD=1 to write them anew, then
/// review the diff before committing.
@Suite struct GoldenTests {
    static let record = ProcessInfo.processInfo.environment["NETCALC_RECORD"] == "1"
    static let goldenRoot = packageRoot + "/Tests/NetCalcTests/Golden"

    static func files(in folder: String, ending: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(ending) }.sorted()
    }

    static let specNames = files(in: packageRoot + "/specs", ending: ".net").map { String($0.dropLast(4)) }
    /// Error cases: specs, Caffe prototxts and ONNX files, by file name.
    static let errorNames = [".net", ".prototxt", ".onnx"].flatMap { files(in: goldenRoot + "/errors", ending: $0) }.sorted()
    /// Model files read as they are given (Fixtures/caffe and Fixtures/onnx), by path from the package root.
    static let modelPaths = ["caffe", "onnx"].flatMap { folder in
        (files(in: packageRoot + "/Tests/NetCalcTests/Fixtures/\(folder)", ending: ".prototxt")
            + files(in: packageRoot + "/Tests/NetCalcTests/Fixtures/\(folder)", ending: ".onnx"))
            .filter { !["truncated.onnx", "unsupported_op.onnx", "external_data.onnx"].contains($0) }
            .map { "Tests/NetCalcTests/Fixtures/\(folder)/\($0)" }
    }

    /// A model's table, JSON and emitted spec; the emitted spec analyzes to the same totals.
    @Test(arguments: modelPaths)
    func modelOutputs(_ path: String) throws {
        let name = String(path.split(separator: "/").last ?? "")
        let table = runNetCalc([path])
        #expect(table.status == 0)
        #expect(table.standardError == "")
        compare(table.standardOutput, "\(Self.goldenRoot)/models/\(name).txt")
        let json = runNetCalc(["--format", "json", path])
        compare(json.standardOutput, "\(Self.goldenRoot)/models/\(name).json")
        let spec = runNetCalc(["--emit", "spec", path])
        #expect(spec.status == 0)
        compare(spec.standardOutput, "\(Self.goldenRoot)/models/\(name).net")
        let again = runNetCalc(["--format", "json", "-"], standardInput: spec.standardOutput)
        #expect(try totals(again.standardOutput) == (try totals(json.standardOutput)))
    }

    /// The totals object of a JSON report's first network, as text with sorted keys.
    func totals(_ json: String) throws -> String {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let network = try #require((document["networks"] as? [[String: Any]])?.first)
        let totals = try #require(network["totals"] as? [String: Any])
        return totals.keys.sorted().map { "\($0)=\(totals[$0] ?? "")" }.joined(separator: ",")
    }

    /// Compares text with a golden file, or records it.
    func compare(_ actual: String, _ path: String) {
        if Self.record {
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("missing golden file \(path); run NETCALC_RECORD=1 swift test and review it")
            return
        }
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = Array(zip(a, e)).firstIndex { $0.0 != $0.1 } ?? min(a.count, e.count)
            Issue.record("""
                \(path) differs at line \(line + 1):
                expected: \(line < e.count ? String(e[line]) : "<end>")
                actual:   \(line < a.count ? String(a[line]) : "<end>")
                """)
        }
    }

    @Test(arguments: specNames)
    func specTable(_ name: String) {
        let outcome = runNetCalc(["specs/\(name).net"])
        #expect(outcome.status == 0)
        #expect(outcome.standardError == "")
        compare(outcome.standardOutput, "\(Self.goldenRoot)/specs/\(name).txt")
    }

    @Test(arguments: specNames)
    func specJSON(_ name: String) {
        let outcome = runNetCalc(["--format", "json", "specs/\(name).net"])
        #expect(outcome.status == 0)
        compare(outcome.standardOutput, "\(Self.goldenRoot)/specs/\(name).json")
    }

    static let homeworkNames = files(in: packageRoot + "/specs/homework", ending: ".net").map { String($0.dropLast(4)) }

    /// `netcalc check` on every sheet of specs/homework: the verdicts, formulas, mistakes and status.
    @Test(arguments: homeworkNames)
    func homeworkCheck(_ name: String) {
        let outcome = runNetCalc(["check", "specs/homework/\(name).net"])
        #expect(outcome.standardError == "")
        compare(outcome.standardOutput + "exit status: \(outcome.status)\n", "\(Self.goldenRoot)/homework/\(name).txt")
    }

    /// `netcalc check` cases: each Golden/check/NAME.net is a sheet checked from that folder (a first line
    /// `# args: ...` adds arguments), each NAME.args a command line (several sheets, a key, a format).
    /// NAME.txt holds standard output, standard error and the exit status.
    static let checkCases = [".net", ".args"].flatMap { files(in: goldenRoot + "/check", ending: $0) }.sorted()

    @Test(arguments: checkCases)
    func checkOutput(_ file: String) throws {
        let folder = "\(Self.goldenRoot)/check"
        let name = String(file[..<(file.lastIndex(of: ".") ?? file.endIndex)])
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(file)")), as: UTF8.self)
        var arguments = ["check"]
        if file.hasSuffix(".args") {
            arguments += text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        } else {
            if text.hasPrefix("# args: ") {
                arguments += text.prefix { $0 != "\n" }.dropFirst("# args: ".count).split(separator: " ").map(String.init)
            }
            arguments.append(file)
        }
        var invocation = Invocation(arguments: arguments)
        invocation.currentDirectory = folder
        invocation.clock = { 0 }  // Gradescope's execution_time: 0 on every run
        let outcome = run(invocation)
        compare(outcome.standardOutput + "--- standard error\n" + outcome.standardError + "exit status: \(outcome.status)\n",
                "\(folder)/\(name).txt")
    }

    /// Output columns and views: each Golden/columns/NAME.args is a command line run from the package
    /// root (`--columns` with input, kernel and macs%, in each rank and format; `--summary`); NAME.txt
    /// holds its standard output and exit status.
    static let columnsCases = files(in: goldenRoot + "/columns", ending: ".args")

    @Test(arguments: columnsCases)
    func columnsOutput(_ file: String) throws {
        let folder = "\(Self.goldenRoot)/columns"
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(file)")), as: UTF8.self)
        let outcome = runNetCalc(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        #expect(outcome.standardError == "")
        compare(outcome.standardOutput + "exit status: \(outcome.status)\n", "\(folder)/\(file.dropLast(5)).txt")
    }

    /// A quiz of every template (a sheet and its key), and worksheets in Markdown and HTML, blank and answered.
    static let quizCases: [(name: String, arguments: [String])] = QuizTemplate.allCases.filter { $0 != .any }.flatMap { template in
        [("\(template.rawValue).net", ["--template", template.rawValue, "--seed", "2", "--level", "2"]),
         ("\(template.rawValue)-key.net", ["--template", template.rawValue, "--seed", "2", "--level", "3", "--key"])]
    } + [
        ("worksheet.md", ["--template", "inception", "--seed", "4", "--format", "markdown"]),
        ("worksheet-key.md", ["--template", "inception", "--seed", "4", "--format", "markdown", "--key"]),
        ("worksheet.html", ["--template", "resnet", "--seed", "4", "--level", "2", "--format", "html"]),
        ("worksheet-key.html", ["--template", "resnet", "--seed", "4", "--level", "2", "--format", "html", "--key"]),
    ]

    @Test(arguments: quizCases.map(\.name))
    func quizOutput(_ name: String) throws {
        let arguments = try #require(Self.quizCases.first { $0.name == name }).arguments
        let outcome = runNetCalc(["quiz"] + arguments)
        #expect(outcome.status == 0)
        #expect(outcome.standardError == "")
        compare(outcome.standardOutput, "\(Self.goldenRoot)/quiz/\(name)")
    }

    /// The README's teaching section pastes real output too.
    @Test func readmeShowsCurrentTeachingOutput() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        #expect(readme.contains(runNetCalc(["check", "specs/homework/vgg16_student.net"]).standardOutput),
                "README.md is out of date: run swift build && python3 tools/update_readme.py")
        #expect(readme.contains(runNetCalc(["quiz", "--seed", "4", "--template", "alexnet-conv1"]).standardOutput))
    }

    /// The README pastes real output; `python3 tools/update_readme.py` pastes it anew.
    @Test func readmeShowsCurrentOutput() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        #expect(readme.contains(runNetCalc(["specs/alexnet.net"]).standardOutput),
                "README.md is out of date: run swift build && python3 tools/update_readme.py")
    }

    /// Each Golden/errors/NAME.net (or .prototxt, .onnx) is run from that folder; NAME.err holds stderr
    /// and the exit status. A first line `# args: ...` adds arguments.
    @Test(arguments: errorNames)
    func errorOutput(_ file: String) throws {
        let folder = "\(Self.goldenRoot)/errors"
        let name = String(file[..<(file.lastIndex(of: ".") ?? file.endIndex)])
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(file)")), as: UTF8.self)
        var arguments: [String] = []
        if text.hasPrefix("# args: ") {
            let line = text.prefix { $0 != "\n" }.dropFirst("# args: ".count)
            arguments = line.split(separator: " ").map(String.init)
        }
        var invocation = Invocation(arguments: arguments + [file])
        invocation.currentDirectory = folder
        let outcome = run(invocation)
        #expect(outcome.status != 0, "\(name) should fail")
        compare(outcome.standardError + "exit status: \(outcome.status)\n", "\(folder)/\(name).err")
    }
}
