import Foundation
import Testing
@testable import NetCalc

/// `--fit`, CSV, Markdown, DOT, `--emit pytorch`, `--columns`, `--units` and the share bars.
@Suite struct OutputTests {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let outcome = runNetCalc(arguments + ["--format", "json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
    }

    @Test(arguments: [
        ("12GiB", 12 << 30), ("16GB", 16_000_000_000), ("80G", 80 << 30), ("24000MiB", 24_000 << 20),
        ("1.5TiB", 3 << 39), ("512", 512), ("2KB", 2000), ("0.5 GiB", 1 << 29),
    ])
    func memorySizes(_ text: String, _ bytes: Int) {
        #expect(MemorySize.parse(text)?.bytes == bytes)
    }

    @Test(arguments: ["", "GiB", "12XB", "-1GiB", "1.2.3GB", "0", "99999999999999999999EiB"])
    func badMemorySizes(_ text: String) {
        #expect(MemorySize.parse(text) == nil)
        #expect(runNetCalc(["--fit", text, "specs/vgg16.net"]).status == 2)
    }

    /// The largest batch by the notes' documented rule, computed here from the reported totals; the
    /// answer names PyTorch's.
    @Test func fitVGG16In12GiB() throws {
        let object = try json(["--fit", "12GiB", "--memory", "notes", "specs/vgg16.net"])
        let network = try #require((object["networks"] as? [[String: Any]])?.first)
        let totals = try #require(network["totals"] as? [String: Int])
        let fit = try #require(network["fit"] as? [String: Any])
        let size = 12 * 1024 * 1024 * 1024
        let fixed = totals["params"]! * 4 * 3              // weights, gradients, momentum
        let perImage = totals["activations"]! * 4 * 2      // forward and backward
        let batch = (size - fixed) / perImage
        #expect(batch == 92)
        #expect(fit["batch"] as? Int == batch)
        #expect(fit["usedBytes"] as? Int == fixed + batch * perImage)
        #expect(fit["memory"] as? String == "notes")
        #expect(fit["otherModelBatch"] as? Int == 149)
        let table = runNetCalc(["--fit", "12GiB", "--memory", "notes", "specs/vgg16.net"])
        #expect(table.status == 0)
        #expect(table.standardOutput.contains("largest batch    92: 1,660,290,528 + 92 x 121,900,864 = 12,875,170,016 bytes"))
        #expect(table.standardOutput.contains("PyTorch's model gives 149"))
    }

    @Test func fitFollowsDataTypeOptimizerAndInference() throws {
        let half = try json(["--fit", "12GiB", "--memory", "notes", "--dtype", "fp16", "--optimizer", "adam", "specs/resnet50.net"])
        let network = try #require((half["networks"] as? [[String: Any]])?.first)
        let totals = try #require(network["totals"] as? [String: Int])
        let fit = try #require(network["fit"] as? [String: Any])
        let expected = (12 << 30 - totals["params"]! * 2 * 4) / (totals["activations"]! * 2 * 2)
        #expect(fit["batch"] as? Int == expected)
        let inference = try json(["--fit", "1GiB", "--inference", "--memory", "notes", "specs/vgg16.net"])
        let result = try #require(((inference["networks"] as? [[String: Any]])?.first?["fit"]) as? [String: Any])
        #expect(result["mode"] as? String == "inference")
        // param bytes + batch x the live peak (CONV2's input and output: 2 x 3,211,264 values x 4 bytes).
        #expect(result["batch"] as? Int == (1 << 30 - 553_430_176) / (6_422_528 * 4))
    }

    @Test func fitSaysWhenTheParametersAloneDoNotFit() {
        let outcome = runNetCalc(["--fit", "1GB", "specs/vgg16.net"])
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains("it does not fit: the weights, gradients and optimizer state alone take 1,660,290,528 bytes"))
        #expect(runNetCalc(["--inference", "specs/vgg16.net"]).status == 2)
    }

    @Test func csvFieldsAreQuotedPerRFC4180() {
        #expect(csvField("CONV(12,3,p1)") == "\"CONV(12,3,p1)\"")
        #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csvField("RELU") == "RELU")
        // A line break or a quote that is part of a larger Character is still seen.
        #expect(csvField("a\r\nb") == "\"a\r\nb\"")
        #expect(csvField("x\"\u{301}y") == "\"x\"\"\u{301}y\"")
        #expect(csvField("=\u{301}1+1") == "'=\u{301}1+1")
        #expect(MarkdownRenderer.escape("a|\u{301}b") == "a\\|\u{301}b")
        let csv = runNetCalc(["--format", "csv", "specs/cifar10.net"]).standardOutput
        #expect(csv.hasPrefix("network,index,name,op,output,activations,forwardBytes,backwardBytes,params,weights,biases,nonTrainable,macs,receptiveField,text,path\r\n"))
        #expect(csv.contains("cifar10,1,CONV1,conv,32x32x12,12288,49152,49152,336,324,12,0,331776,3,\"CONV(12,3,p1)\",CONV1\r\n"))
    }

    /// Python's csv module reads the CSV into the numbers the JSON holds (skipped without python3).
    @Test(.enabled(if: hasProgram("python3"), "needs python3"))
    func csvParsesWithPythonIntoTheJSONNumbers() throws {
        let csv = runNetCalc(["--format", "csv", "specs/googlenet.net"]).standardOutput
        let script = """
            import csv, json, sys
            rows = list(csv.DictReader(open(sys.argv[1], newline="")))
            layers = json.load(open(sys.argv[2]))["networks"][0]["layers"]
            assert len(rows) == len(layers), (len(rows), len(layers))
            for row, layer in zip(rows, layers):
                for key in ["activations", "forwardBytes", "params", "weights", "biases", "macs"]:
                    assert int(row[key]) == layer[key], (key, row, layer)
                assert [int(v) for v in row["output"].split("x")] == layer["output"]
                assert row["text"] == (layer["text"] if layer["op"] != "input" else "")
            print("ok", len(rows))
            """
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-csv-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try csv.write(to: folder.appendingPathComponent("g.csv"), atomically: true, encoding: .utf8)
        try runNetCalc(["--format", "json", "specs/googlenet.net"]).standardOutput
            .write(to: folder.appendingPathComponent("g.json"), atomically: true, encoding: .utf8)
        try script.write(to: folder.appendingPathComponent("check.py"), atomically: true, encoding: .utf8)
        let (status, output) = try runProcess("python3", [folder.appendingPathComponent("check.py").path,
                                                          folder.appendingPathComponent("g.csv").path,
                                                          folder.appendingPathComponent("g.json").path])
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("ok "))
    }

    @Test func markdownIsAPipeTable() {
        let text = runNetCalc(["--format", "markdown", "specs/cifar10.net"]).standardOutput
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines.firstIndex { $0.hasPrefix("| # |") }
        #expect(header != nil)
        if let header {
            #expect(lines[header + 1] == "|---:|---|---|---:|---|---:|---:|---|---:|---:|---:|---|")
            #expect(lines[header + 2].hasPrefix("| 0 | INPUT | 32x32x3 | 3,072 |"))
            // Every row of the table has as many cells as the header.
            let cells = lines[header].filter { $0 == "|" }.count
            for line in lines[(header + 2)...(header + 6)] { #expect(line.filter { $0 == "|" }.count == cells) }
        }
        #expect(text.contains("- **params**: 31,066 (31.1K) trainable = 31,044 weights + 22 biases"))
    }

    @Test func columnsChooseAndOrder() {
        let table = runNetCalc(["--columns", "output,layer,params", "specs/cifar10.net"]).standardOutput
        #expect(table.contains("output    layer  params\n32x32x3   INPUT       0\n"))
        let csv = runNetCalc(["--format", "csv", "--columns", "layer,macs", "specs/cifar10.net"]).standardOutput
        #expect(csv.hasPrefix("network,name,macs\r\ncifar10,INPUT,0\r\n"))
        let bad = runNetCalc(["--columns", "layer,parms", "specs/cifar10.net"])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("did you mean 'params'?"))
    }

    @Test func unitsAreIECOrSI() {
        let iec = runNetCalc(["specs/vgg16.net"]).standardOutput
        let si = runNetCalc(["--units", "si", "specs/vgg16.net"]).standardOutput
        #expect(iec.contains("60,950,432 bytes (58.1 MiB)"))
        #expect(si.contains("60,950,432 bytes (61.0 MB)"))
        #expect(si.contains("units: KB, MB, GB are 1000-based"))
        #expect(formatBytes(1_000_000, .si) == "1.0 MB")
        #expect(formatBytes(999_999, .si) == "1.0 MB")
    }

    @Test func shareBarsShowWhereMemoryAndParametersGo() {
        let table = runNetCalc(["specs/vgg16.net"]).standardOutput
        // FC1 holds 102,764,544 of 138,357,544 params: 74.3%, a bar of 7 3/8 blocks.
        #expect(table.contains(" 74.3% ███████▍ "))
        #expect(share(102_764_544, of: 138_357_544, decimals: 1) == "74.3")
        #expect(bar(1, of: 1) == "██████████")
        #expect(bar(1, of: 1_000_000) == "▏")
        #expect(bar(0, of: 10) == "")
        #expect(!table.contains("\u{1B}["))
        let colored = runNetCalc(["--color", "always", "specs/vgg16.net"]).standardOutput
        #expect(colored.contains("\u{1B}[33m███████▍\u{1B}[0m"))
    }

    @Test func narrowTerminalsKeepTheTableInside() {
        var invocation = Invocation(arguments: ["specs/resnet50.net"])
        invocation.currentDirectory = packageRoot
        for width in [60, 80, 100] {
            invocation.environment = ["COLUMNS": "\(width)"]
            let lines = run(invocation).standardOutput.split(separator: "\n")
            let table = lines.prefix { !$0.hasPrefix("totals") }.dropFirst(2)
            for line in table { #expect(displayWidth(String(line)) <= width, "\(width): \(line)") }
        }
    }

    @Test func dotDrawsTheGraph() throws {
        let dot = runNetCalc(["--format", "dot", "specs/inception_module_reduced.net"]).standardOutput
        #expect(dot.hasPrefix("digraph netcalc {"))
        #expect(dot.contains("n0_0 -> n0_2 [label=\"28x28x256\"];"))
        #expect(dot.contains("n0_3 -> n0_8 [label=\"28x28x192\"];"))
        #expect(dot.contains("CONV3\\nCONV(192,3,p1)\\n110,784 params"))
    }

    /// Graphviz renders the graph (skipped, visibly, where it is not installed).
    @Test(.enabled(if: hasProgram("dot"), "needs Graphviz's dot"))
    func dotRendersWithGraphviz() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-\(getpid()).dot")
        try runNetCalc(["--format", "dot", "specs/resnet18.net"]).standardOutput.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, output) = try runProcess("dot", ["-Tsvg", file.path])
        #expect(status == 0)
        #expect(output.contains("<svg"))
    }

    /// The emitted module is valid Python for every spec (skipped without python3; torch is not needed).
    @Test(.enabled(if: hasProgram("python3"), "needs python3"))
    func emittedPyTorchCompilesForEverySpec() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-emit-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for name in GoldenTests.specNames {
            let outcome = runNetCalc(["--emit", "pytorch", "specs/\(name).net"])
            #expect(outcome.status == 0)
            #expect(outcome.standardOutput.contains("\n    summarize(\""))
            let path = folder.appendingPathComponent("\(name).py").path
            try outcome.standardOutput.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let (status, output) = try runProcess("python3", ["-m", "py_compile"] + paths)
        #expect(status == 0, "\(output)")
    }
}

/// Runs a program found on PATH; returns its status and its standard output and error.
func runProcess(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// True when a program is on PATH.
func hasProgram(_ name: String) -> Bool {
    (try? runProcess("sh", ["-c", "command -v \(name)"]))?.0 == 0
}
