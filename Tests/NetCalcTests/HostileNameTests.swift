import Foundation
import Testing
@testable import NetCalc

/// Names from outside — a Caffe model's network and layer names, a file's name — go through every
/// emitter and come out as text of its language: Python that parses and runs nothing it should not,
/// JSON and CSV that read back to the exact names, DOT and Markdown whose structure holds, a spec that
/// analyzes to the same numbers, and terminal text without a control character.
@Suite struct HostileNameTests {
    static let havePython = hasProgram("python3")

    /// Quotes, backslashes, line breaks, `</script>`, braces, format strings, control and invisible
    /// characters, Python's keywords and `nn.Module`'s methods, and names that clash once tidied.
    static let names: [String] = [
        "a\"+str(__import__(\"os\").system(\"echo PWNED\"))+\"", "back\\slash\\", "new\nline\r\nand\rreturn",
        "</script><script>alert(1)</script>", "{}{{x}}${y}", "\u{1B}]0;title\u{07}\u{1B}[2J", "nul\u{0}byte",
        "tab\there", "'single' \"\"\"triple\"\"\"", "%s%d%%", "forward", "to", "class", "1digit", "_private",
        "conv-1", "conv_1", "line\u{2028}sep\u{85}nel\u{FEFF}bom\u{202E}rlo", "|pipe|*star*_under_`tick`[link](x)",
        "# hash ## ", "é ünïcode 名前", "-> CONV(8,3) # not a layer",
    ]

    /// A prototxt string literal for a name: every character outside printable ASCII as \uHHHH.
    static func prototxtString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case " "..."~": out.unicodeScalars.append(scalar)
            default:
                let digits = String(scalar.value, radix: 16)
                out += scalar.value < 0x10000 ? "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
                    : "\\U" + String(repeating: "0", count: 8 - digits.count) + digits
            }
        }
        return out + "\""
    }

    /// A Caffe model whose network and every layer carry a hostile name, with a merge among them.
    static let model: String = {
        var text = "name: \(prototxtString(names[0] + " net\n\u{1B}[31m"))\ninput: \"data\"\n"
        text += "input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n"
        var bottom = "data"
        for (index, name) in names.enumerated() {
            let top = "t\(index)"
            let body = index % 3 == 0 ? "type: \"Convolution\" convolution_param { num_output: 3 kernel_size: 3 pad: 1 }"
                : index % 3 == 1 ? "type: \"ReLU\"" : "type: \"Dropout\" dropout_param { dropout_ratio: 0.1 }"
            text += "layer { name: \(prototxtString(name)) \(body) bottom: \"\(bottom)\" top: \"\(top)\" }\n"
            bottom = top
        }
        text += "layer { name: \(prototxtString("sum\"}\n")) type: \"Eltwise\" bottom: \"\(bottom)\" bottom: \"t0\" top: \"sum\" }\n"
        return text
    }()

    /// The model written under a hostile file name in a fresh folder.
    func modelFile() throws -> (folder: String, path: String) {
        let folder = NSTemporaryDirectory() + "netcalc-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/a\"+str(__import__('os').system('echo PWNED'))+\"\n\u{1B}[2J{}<script>.prototxt"
        try Data(Self.model.utf8).write(to: URL(fileURLWithPath: path))
        return (folder, path)
    }

    func emit(_ arguments: [String], _ path: String) -> Outcome {
        let outcome = run(Invocation(arguments: arguments + [path]))
        #expect(outcome.status == 0, "\(arguments): \(outcome.standardError)")
        return outcome
    }

    /// No control character (but line breaks and, in CSV, CR) and no other invisible character.
    func expectNoControls(_ text: String, allowing allowed: Set<Unicode.Scalar> = ["\n"], _ what: String) {
        let bad = text.unicodeScalars.filter { $0.isInvisible && !allowed.contains($0) }
        #expect(bad.isEmpty, "\(what) holds \(bad.map(\.codePointName))")
    }

    /// Runs a Python script on a file, returning what it printed.
    func python(_ script: String, _ text: String, suffix: String) throws -> String {
        let file = NSTemporaryDirectory() + "netcalc-hostile-\(UUID().uuidString).\(suffix)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try runProcess("python3", ["-c", script, file])
        #expect(status == 0, "\(output)")
        return output
    }

    /// The names as Python reads them back, one JSON string per line.
    func decodedLines(_ output: String) throws -> [String] {
        try output.split(separator: "\n").map {
            try JSONDecoder().decode(String.self, from: Data($0.utf8))
        }
    }

    @Test(.enabled(if: havePython, "needs python3"))
    func pytorchParsesAndCallsNothingInjected() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let code = emit(["--emit", "pytorch"], path).standardOutput
        expectNoControls(code, "the module")
        // Parsed, never run: every string constant, and every name the module calls.
        let script = """
            import ast, json, sys
            tree = ast.parse(open(sys.argv[1], encoding='utf-8').read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and node.id in ('__import__', 'eval', 'exec', 'os', 'system'):
                    print(json.dumps('CALLS ' + node.id))
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    print(json.dumps(node.value))
            """
        let constants = try decodedLines(try python(script, code, suffix: "py"))
        #expect(!constants.contains { $0.hasPrefix("CALLS ") }, "\(constants.filter { $0.hasPrefix("CALLS ") })")
        let network = Self.names[0] + " net\n\u{1B}[31m"
        #expect(constants.contains(network))
        #expect(constants.contains { $0.hasPrefix(network + " from " + path + ": input 8x8x3") })
    }

    /// With PyTorch installed, the module runs and prints the network's exact name; nothing injected runs.
    @Test(.enabled(if: havePython && (try? runProcess("python3", ["-c", "import torch"]))?.0 == 0, "needs python3 with PyTorch"))
    func pytorchRuns() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let code = emit(["--emit", "pytorch"], path).standardOutput
        let output = try python("import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')", code, suffix: "py")
        #expect(!output.split(separator: "\n").contains("PWNED"))  // the name holds the words; echo would print them alone
        #expect(output.hasPrefix(Self.names[0] + " net\n\u{1B}[31m: output 8x8x3, params "), "\(output)")
    }

    @Test(.enabled(if: havePython, "needs python3"))
    func jsonReadsBackExactly() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let json = emit(["--format", "json"], path).standardOutput
        let script = """
            import json, sys
            doc = json.load(open(sys.argv[1], encoding='utf-8'))
            net = doc['networks'][0]
            for text in [net['name'], net['file']] + [layer['name'] for layer in net['layers']]:
                print(json.dumps(text))
            """
        let read = try decodedLines(try python(script, json, suffix: "json"))
        #expect(read == [Self.names[0] + " net\n\u{1B}[31m", path, "data"] + Self.names + ["sum\"}\n"])
    }

    @Test(.enabled(if: havePython, "needs python3"))
    func csvReadsBackExactly() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let csv = emit(["--format", "csv"], path).standardOutput
        let script = """
            import csv, json, sys
            rows = list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))
            layer = rows[0].index('name')
            for row in rows[1:]:
                assert len(row) == len(rows[0]), row
                print(json.dumps(row[0]))
                print(json.dumps(row[layer]))
            """
        let read = try decodedLines(try python(script, csv, suffix: "csv"))
        let network = Self.names[0] + " net\n\u{1B}[31m"
        // Exactly, but for the apostrophe before a name a spreadsheet would take for a formula (`-> CONV`).
        let layers = ["data"] + Self.names.map { $0.hasPrefix("-") ? "'" + $0 : $0 } + ["sum\"}\n"]
        #expect(read == layers.flatMap { [network, $0] })
    }

    /// DOT: every line is a statement of the graph, every string closed, braces balanced, no raw controls.
    @Test func dotKeepsItsStructure() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dot = emit(["--format", "dot"], path).standardOutput
        expectNoControls(dot, "the graph")
        var depth = 0
        for line in dot.split(separator: "\n") {
            var inString = false
            var escaped = false
            var outside = ""
            for character in line {
                if inString {
                    if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                } else if character == "\"" {
                    inString = true
                } else {
                    outside.append(character)
                }
            }
            #expect(!inString, "an open string: \(line)")
            depth += outside.filter { $0 == "{" }.count - outside.filter { $0 == "}" }.count
            let statement = outside.trimmingCharacters(in: .whitespaces)
            let shapes = ["digraph netcalc {", "}", "rankdir=TB;", "label=;"]
            #expect(shapes.contains(statement) || statement.hasPrefix("subgraph cluster_")
                    || statement.range(of: #"^(node|edge) \[.*\];$|^n\d+_(\d+|out)( -> n\d+_(\d+|out))? \[label=(, shape=\w+)?\];$|^n\d+_\d+ -> n\d+_out;$"#,
                                       options: .regularExpression) != nil, "\(statement)")
        }
        #expect(depth == 0)
    }

    /// Markdown: one heading line, every table row with its cells, no raw tag, no control character.
    @Test func markdownKeepsItsTable() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let markdown = emit(["--format", "markdown"], path).standardOutput
        expectNoControls(markdown, "the Markdown")
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix("### ") && lines[1].isEmpty)
        let table = lines.filter { $0.hasPrefix("|") }
        func cells(_ line: Substring) -> Int {
            var count = 0
            var escaped = false
            var inCode = false
            for character in line {
                if escaped { escaped = false; continue }
                if character == "\\" { escaped = true } else if character == "`" { inCode.toggle() } else if character == "|", !inCode { count += 1 }
            }
            return count
        }
        #expect(table.count == Self.names.count + 4)  // header, rule, data, the layers, sum
        #expect(Set(table.map(cells)).count == 1, "\(table.map(cells))")
        // Outside code spans (shown literally) every < is escaped: no tag reaches a renderer.
        let outsideCode = markdown.replacingOccurrences(of: "`[^`]*`", with: "", options: .regularExpression)
        #expect(outsideCode.range(of: #"(?<!\\)<"#, options: .regularExpression) == nil)
    }

    /// `--emit spec`: names only in comments; the spec analyzes to the model's numbers.
    @Test func specEmitsNamesAsComments() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spec = emit(["--emit", "spec"], path).standardOutput
        expectNoControls(spec, "the spec")
        let again = run(Invocation(arguments: ["--format", "json", "-"], standardInput: Array(spec.utf8)))
        #expect(again.status == 0, "\(again.standardError)\n\(spec)")
        let original = emit(["--format", "json"], path).standardOutput
        func totals(_ json: String) throws -> String {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let network = try #require((object["networks"] as? [[String: Any]])?.first)
            let totals = try #require(network["totals"] as? [String: Any])
            return totals.keys.sorted().map { "\($0)=\(totals[$0] ?? "")" }.joined(separator: ",")
        }
        #expect(try totals(again.standardOutput) == (try totals(original)))
        #expect(run(Invocation(arguments: ["fmt", "-"], standardInput: Array(spec.utf8))).status == 0)
    }

    /// The table, --explain and the diagnostics show every name without a control character.
    @Test func terminalTextHasNoControls() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for arguments in [[], ["--explain"], ["--fit", "1GiB"], ["--color", "always"], ["--summary"], ["--depth", "1"],
                          ["--format", "markdown"]] {
            let outcome = emit(arguments, path)
            let plain = outcome.standardOutput.replacingOccurrences(of: #"\u{1B}\[[0-9;]*m"#, with: "", options: .regularExpression)
            expectNoControls(plain, "the table \(arguments)")
            expectNoControls(outcome.standardError, "standard error \(arguments)")
        }
        #expect(emit([], path).standardOutput.contains("^[]0;title^G^[[2J"))
        // An error naming a hostile layer and file.
        let broken = Self.model.replacingOccurrences(of: "kernel_size: 3 pad: 1", with: "kernel_size: 30")
        let file = folder + "/\u{1B}[2Jbroken\n.prototxt"
        try Data(broken.utf8).write(to: URL(fileURLWithPath: file))
        let outcome = run(Invocation(arguments: [file]))
        #expect(outcome.status == 1)
        expectNoControls(outcome.standardError, "the diagnostics")
        #expect(outcome.standardError.contains("^[[2Jbroken^J.prototxt:"))
    }

    /// A model's scopes (`--depth`, `--summary`) and the tensors its merges read are names too.
    @Test func scopesAndTensorNamesShowVisibly() throws {
        let folder = NSTemporaryDirectory() + "netcalc-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scope = "evil\u{1B}[2J\u{1B}]0;t\u{07}"
        let tensor = "x\u{1B}[31m"
        let text = """
            input: "data"
            input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
            layer { name: \(Self.prototxtString(scope + "/conv")) type: "Convolution" convolution_param { num_output: 3 kernel_size: 1 } bottom: "data" top: \(Self.prototxtString(tensor)) }
            layer { name: \(Self.prototxtString(scope + "/sum")) type: "Eltwise" bottom: \(Self.prototxtString(tensor)) bottom: "data" top: "sum" }
            """
        let path = folder + "/scopes.prototxt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        for arguments in [[], ["--summary"], ["--depth", "1"], ["--depth", "0"]] {
            let outcome = emit(arguments, path)
            expectNoControls(outcome.standardOutput, "\(arguments)")
        }
        #expect(emit(["--depth", "1"], path).standardOutput.contains("evil^[[2J^[]0;t^G"))
        #expect(emit([], path).standardOutput.contains("x^[[31m"))
    }

    /// A file that cannot be read, or rewritten, is named visibly.
    @Test func troubleNamesFilesVisibly() throws {
        let (folder, path) = try modelFile()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let missing = folder + "/no\u{1B}[2Jsuch.net"
        for arguments in [[missing], ["fmt", "-w", missing], ["check", path], ["fmt", "-w", path]] {
            let outcome = run(Invocation(arguments: arguments))
            #expect(outcome.status != 0)
            expectNoControls(outcome.standardError, "\(arguments)")
        }
        #expect(run(Invocation(arguments: [missing])).standardError.contains("no^[[2Jsuch.net"))
    }

    /// A spec's comments and a sheet's notes and answers: shown visibly in diagnostics and by check.
    @Test func specTextShownVisibly() {
        let sheet = "INPUT[8x8x1] -> CONV(1,3) {7x7x1, note: \"\u{1B}]0;owned\u{07}\u{1B}[2J\"}  # \u{1B}[2J\nINPUT[4] -> \u{1B}[2J\u{0}\r\u{2028}FC(2)\n"
        let check = run(Invocation(arguments: ["check", "-"], standardInput: Array(sheet.utf8)))
        expectNoControls(check.standardOutput, "check's verdicts")
        expectNoControls(check.standardError, "check's diagnostics")
        #expect(check.standardOutput.contains("note: ^[]0;owned^G^[[2J"))
        #expect(check.standardError.contains("INPUT[4] -> ^[[2J^@^M<U+2028>FC(2)"))
        #expect(check.standardError.contains("unexpected character U+2028 LINE SEPARATOR"))
        #expect(check.standardError.contains("unexpected character U+0000 NULL"))
    }
}
