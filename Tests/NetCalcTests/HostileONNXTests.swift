import Foundation
import Testing
@testable import NetCalc

/// Issue 25, part B: model files made to crash netcalc, to drive the terminal or a spreadsheet, or to take
/// quadratic time. Each case is also a file in `Fuzz/regressions/` (written by `tools/hostile_onnx.py`),
/// which CI replays through every mode.

/// Runs netcalc in-process on an ONNX model given as bytes on standard input.
func runONNX(_ bytes: [UInt8], _ arguments: [String] = []) -> Outcome {
    var invocation = Invocation(arguments: arguments + ["--input-format", "onnx", "-"], standardInput: bytes)
    invocation.currentDirectory = packageRoot
    return run(invocation)
}

/// Numbers from a model file never trap: every sum and product of them is checked.
@Suite struct HostileONNXArithmeticTests {
    static let huge = 1 << 62

    /// `[1, 2^62, 1, 1]` through `adds` Adds of a per-channel constant of 2^62 values, then a Relu.
    func droppedConstants(adds: Int) -> ModelBuilder {
        var model = ModelBuilder()
        model.inputDims = [1, Self.huge, 1, 1]
        model.weight("c", [Self.huge, 1, 1])
        var previous = "input"
        for index in 0..<adds {
            model.node("Add", "add\(index)", [previous, "c"], ["a\(index)"])
            previous = "a\(index)"
        }
        model.node("Relu", "relu", [previous], ["output"])
        return model
    }

    /// The count of the constants' values dropped by two Adds is 2^63: it was summed unchecked and
    /// trapped (exit 132). The note says it is past 64 bits; analysis then reports the input's overflow.
    @Test func droppedConstantValuesAreSummedChecked() throws {
        let network = try droppedConstants(adds: 2).read()
        #expect(network.notes.contains(
            "2 elementwise operations the exporter wrote out are not rows (the values of their per-channel constants, more than 9,223,372,036,854,775,807 in all, are not counted as parameters)"))
        let one = try droppedConstants(adds: 1).read()
        #expect(one.notes.contains(
            "1 elementwise operation the exporter wrote out is not a row (the 4611686018427387904 values of its per-channel constant are not counted as parameters)"))
        for adds in 1...3 {
            let outcome = runONNX(droppedConstants(adds: adds).bytes)
            #expect(outcome.status == 1)
            #expect(outcome.standardError.contains("overflow 64 bits"), "\(outcome.standardError)")
        }
    }

    /// A batch norm followed by ONNX's shape rules adds its mean's and variance's counts (2^62 each):
    /// the sum was unchecked and trapped. Now the node's error.
    @Test func statisticsOfATensorOperationAreSummedChecked() {
        var model = ModelBuilder()
        model.inputDims = [1, 3, 4, 4]
        model.int64s("shape", [1, 3, 16])
        for name in ["scale", "bias", "mean", "var"] { model.weight(name, [Self.huge]) }
        model.node("Reshape", "reshape", ["input", "shape"], ["t"])
        model.node("BatchNormalization", "bn", ["t", "scale", "bias", "mean", "var"], ["output"])
        #expect(importError { () throws(ImportFailure) in try model.read() }?.contains(
            "(BatchNormalization): error: has sizes whose arithmetic does not fit in 64 bits") == true)
        #expect(runONNX(model.bytes).status == 1)
    }

    /// ReduceSum of integer constants was summed as Doubles and converted back with `Int(_:)`, which
    /// traps past Int.max; integer sums are now exact and checked.
    @Test func integerSumsOfConstantsAreExactAndChecked() throws {
        var model = ModelBuilder()
        model.int64s("values", [Self.huge, Self.huge, Self.huge])
        model.node("ReduceSum", "sum", ["values"], ["s"], [ModelBuilder.int("keepdims", 0)])
        model.node("Reshape", "reshape", ["input", "s"], ["output"])
        #expect(importError { () throws(ImportFailure) in try model.read() }?.contains(
            "(ReduceSum): error: cannot be evaluated: an integer sum overflows 64 bits") == true)
        // Exact where a Double is not: 2^53 + 1 summed with 0 stays odd.
        let exact = try ONNXConstant.reduce(.sum, ONNXConstant.ints([(1 << 53) + 1, 0]), axes: [], keep: false)
        #expect(exact.ints == [(1 << 53) + 1])
        let negative = try ONNXConstant.reduce(.sum, ONNXConstant.ints([Int.min, 1]), axes: [], keep: false)
        #expect(negative.ints == [Int.min + 1])
        #expect(throws: ConstantFailure.self) {
            try ONNXConstant.reduce(.sum, ONNXConstant.ints([Int.min, -1]), axes: [], keep: false)
        }
    }
}

/// Inputs that took quadratic time: each is linear now (bench/RESULTS.md, "Hostile model files").
@Suite struct HostileONNXLinearityTests {
    /// MaxPools with asymmetric pads, each writing the tensor `y` again: each is a PAD, written to a
    /// made-up tensor `y/pad`, `y/pad#2`, ... whose search restarted at `#2` every time (16,000 nodes
    /// took 13 to 31 s). The names stay distinct, and skip one the file uses.
    @Test func madeUpNamesOfATensorWrittenAgain() throws {
        var model = ModelBuilder()
        model.inputDims = [1, 1, 8, 8]
        let count = 300
        for index in 0..<count {
            model.node("MaxPool", "pool\(index)", [index == 0 ? "input" : "y"], [index == count - 1 ? "output" : "y"],
                       [ModelBuilder.ints("kernel_shape", [2, 2]), ModelBuilder.ints("pads", [0, 0, 1, 1])])
        }
        // The file's own tensor named like the third made-up one: the made-up names go around it.
        model.node("Relu", "other", ["input"], ["y/pad#3"])
        let network = try model.read()
        let pads = network.layers.filter { $0.name.hasSuffix("/pad") }
        #expect(pads.count == count)
        #expect(Set(pads.map(\.output)).count == count)
        #expect(pads.prefix(4).map(\.output) == ["y/pad", "y/pad#2", "y/pad#4", "y/pad#5"])
        #expect(!pads.contains { $0.output == "y/pad#3" })
        let outcome = runONNX(model.bytes, ["--format", "csv"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
    }

    /// `repeats` times over: Relus r1..rN, then Adds each reading the one inside it and the Relu before
    /// its branch, so that the Adds nest `depth` deep.
    static func nested(depth: Int, repeats: Int = 1) -> ModelBuilder {
        var model = ModelBuilder()
        model.inputDims = [1, 2, 4, 4]
        var source = "input"
        for round in 0..<repeats {
            func relu(_ index: Int) -> String { index == 0 ? source : "r\(round)_\(index)" }
            for index in 1...depth { model.node("Relu", "relu\(round)_\(index)", [relu(index - 1)], [relu(index)]) }
            var previous = relu(depth)
            for index in stride(from: depth, through: 1, by: -1) {
                let out = round == repeats - 1 && index == 1 ? "output" : "m\(round)_\(index)"
                model.node("Add", "add\(round)_\(index)", [previous, relu(index - 1)], [out])
                previous = out
            }
            source = previous
        }
        return model
    }

    /// Every row's numbers and the totals of a JSON report's first network, without names and texts.
    static func numbers(_ json: String) throws -> String {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let network = try #require((document["networks"] as? [[String: Any]])?.first)
        let layers = try #require(network["layers"] as? [[String: Any]])
        let keys = ["output", "params", "weights", "biases", "macs", "activations", "forwardBytes", "backwardBytes", "inputs"]
        var lines = layers.map { layer in keys.map { "\($0)=\(layer[$0] ?? "")" }.joined(separator: ",") }
        let totals = try #require(network["totals"] as? [String: Any])
        lines.append(totals.keys.sorted().map { "\($0)=\(totals[$0] ?? "")" }.joined(separator: ","))
        return lines.joined(separator: "\n")
    }

    /// Merges nested past the 64 levels a spec may nest were written nested, a spec netcalc rejects; they
    /// are written wired by name (and nesting 16,000 deep took 71 s). The emitted spec always reads back
    /// to the same numbers: at the bound, past it, and with a repeat whose brackets would pass it.
    @Test(arguments: [(3, 1), (63, 1), (64, 1), (65, 1), (200, 1), (64, 2), (63, 3)])
    func emittedSpecReadsBack(_ depth: Int, _ repeats: Int) throws {
        let bytes = Self.nested(depth: depth, repeats: repeats).bytes
        let json = runONNX(bytes, ["--format", "json"])
        #expect(json.status == 0, "\(json.standardError)")
        let spec = runONNX(bytes, ["--emit", "spec"])
        #expect(spec.status == 0, "\(spec.standardError)")
        let wired = spec.standardOutput.contains("so its tensors are named")
        #expect(wired == (depth > Parser.maximumNesting), "\(spec.standardOutput.prefix(400))")
        let again = runNetCalc(["--format", "json", "-"], standardInput: spec.standardOutput)
        #expect(again.status == 0, "\(again.standardError.prefix(400))")
        #expect(try Self.numbers(again.standardOutput) == (try Self.numbers(json.standardOutput)))
    }

    /// `Fuzz/regressions/onnx-reshapes-4000.onnx`: 4,000 Reshapes of data to its own dims, each with a Relu
    /// (`tools/hostile_onnx.py reshapes 4000`). Each Reshape is an attempt of the CNN mapping, taken back
    /// when it fails; a copy of the importer's state to go back to made each node's first change copy every
    /// dictionary whole (16,000 took 15.6 s). Each Reshape is an alias: the rows are the Relus, each reading
    /// the one before.
    @Test func reshapesToTheirOwnDims() throws {
        let path = packageRoot + "/Fuzz/regressions/onnx-reshapes-4000.onnx"
        let network = try ONNXReader.read(Array(try #require(FileManager.default.contents(atPath: path))), fileName: "onnx-reshapes-4000.onnx")
        #expect(network.layers.count == 4000)
        #expect(network.layers.allSatisfy { computationText($0) == "RELU" })
        #expect(network.layers.first?.inputs == ["x"])
        #expect(network.layers.last?.name == "a3999" && network.layers.last?.inputs == ["a3998"])
        #expect(Set(network.layers.map(\.name)).count == 4000)
    }

    /// `Fuzz/regressions/onnx-refolds-2000.onnx`: 2,000 times a patch embedding's Reshape to `[1, 2, 16]`,
    /// back to `[1, 2, 4, 4]`, then a Conv (`tools/hostile_onnx.py refolds 2000`). The Conv makes the tensor
    /// channels first again: the row writing it is restated, and every name standing for it is NCHW. It went
    /// over every layer and every tensor known (8,000 took 71 s); they are looked up.
    @Test func refoldsBeforeAConvolution() throws {
        let path = packageRoot + "/Fuzz/regressions/onnx-refolds-2000.onnx"
        let network = try ONNXReader.read(Array(try #require(FileManager.default.contents(atPath: path))), fileName: "onnx-refolds-2000.onnx")
        #expect(network.layers.count == 6000)
        for round in [0, 1, 1999] {
            let rows = network.layers[(3 * round)..<(3 * round + 3)].map { "\($0.name) \(computationText($0)) \($0.inputs)" }
            #expect(rows == ["flat\(round) TENSOROP(reshape,width=2,depth=16) [\"\(round == 0 ? "x" : "c\(round - 1)")\"]",
                             "back\(round) TENSOROP(reshape,width=4,height=4,depth=2) [\"f\(round)\"]",
                             "conv\(round) CONV(2,1,nobias) [\"b\(round)\"]"])
        }
    }

    /// `--emit pytorch` of a merge of many branches: each name the merge frees was looked up in the list
    /// of those freed before it (400,000 branches took 51 s). Past 16 a set holds them; the code is the
    /// same: every branch's name once, in order, and the smallest freed name taken next.
    @Test func namesFreedByAWideMerge() {
        let branches = 40
        let spec = "fan = INPUT[1x1x1] -> CONCAT(" + Array(repeating: "RELU", count: branches).joined(separator: " | ") + ") -> ADD(ID | RELU)"
        let outcome = runNetCalc(["--emit", "pytorch", "-"], standardInput: spec)
        #expect(outcome.status == 0)
        let lines = outcome.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let names = (0..<branches).map { VariableAllocator.text($0 + 1) }.dropLast() + ["x"]
        #expect(lines.contains("x = torch.cat([\(names.joined(separator: ", "))], 1)"))
        #expect(lines.contains("y = self.relu\(branches + 1)(x)"))
        #expect(lines.contains("x = x + y"))
    }
}

/// The fields of RFC 4180 CSV text, row by row.
func csvRows(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var scalars = Array(text.unicodeScalars)[...]
    while let scalar = scalars.popFirst() {
        if quoted {
            if scalar == "\"" {
                if scalars.first == "\"" { field.unicodeScalars.append(scalars.removeFirst()) } else { quoted = false }
            } else {
                field.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" {
            quoted = true
        } else if scalar == "," {
            row.append(field)
            field = ""
        } else if scalar == "\r", scalars.first == "\n" {
            scalars.removeFirst()
            row.append(field)
            rows.append(row)
            (row, field) = ([], "")
        } else {
            field.unicodeScalars.append(scalar)
        }
    }
    if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
    return rows
}

/// Expects text to hold no character a terminal would obey or hide (but line breaks and tabs, which move
/// the cursor as text does).
func expectVisible(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let bad = text.unicodeScalars.filter { $0.isInvisible && $0 != "\n" && $0 != "\t" }.map(\.codePointName)
    #expect(bad.isEmpty, "\(visible(what)) holds \(bad): \(visible(text).prefix(300))", sourceLocation: sourceLocation)
}

/// True when a spreadsheet would read a cell as a formula (OWASP's list, after any spaces).
func looksLikeFormula(_ cell: String) -> Bool {
    guard let first = cell.unicodeScalars.first(where: { $0 != " " }) else { return false }
    return ["=", "+", "-", "@", "\t", "\r"].contains(first)
}

/// Names from a model file reach terminals and spreadsheets as text: never a control sequence, never a
/// formula.
@Suite struct HostileONNXTextTests {
    static let escape = "\u{1B}[2J\u{1B}]0;pwned\u{07}"
    /// Names that start as formulas do, or hold escape sequences: tensors, nodes, scopes and the graph.
    static let hostile = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "  =1", "=\(escape)"]

    /// A model whose graph, scopes, nodes and tensors carry the hostile names, with merges reading them.
    static var model: ModelBuilder {
        var model = ModelBuilder()
        model.graphName = "=net" + escape
        var branches: [String] = []
        for (index, name) in hostile.enumerated() {
            model.node("Relu", "/\(name)scope\(escape)/\(name)relu\(index)", ["input"], ["\(name)t\(index)"])
            branches.append("\(name)t\(index)")
        }
        model.node("Concat", "=cat" + escape, branches, ["c"], [ModelBuilder.int("axis", 1)])
        model.weight("w", [3, 3 * hostile.count, 1, 1])
        model.node("Conv", "\(escape)conv", ["c", "w"], ["d"])
        model.node("Add", "+add" + escape, ["d", "input"], ["output"])
        return model
    }

    @Test func csvFieldsAreNeutralizedOneWay() {
        #expect(csvField("=1+1") == "'=1+1")
        #expect(csvField("+1") == "'+1")
        #expect(csvField("-1") == "'-1")
        #expect(csvField("@SUM(A1)") == "'@SUM(A1)")
        #expect(csvField("\t=1") == "'\t=1")
        #expect(csvField("\r=1") == "\"'\r=1\"")
        #expect(csvField("  =1") == "'  =1")
        #expect(csvField("=a,\"b\"") == "\"'=a,\"\"b\"\"\"")
        #expect(csvField(" x") == " x")
        #expect(csvField("a=b") == "a=b")
        #expect(csvField("") == "")
        #expect(csvField("=\u{1B}[2J", visibly: true) == "'=^[[2J")
        #expect(csvField("a\r\nb", visibly: true) == "a^M^Jb")
    }

    /// `--format csv`: every name read back as a cell is not a formula, and is the name (an apostrophe
    /// before one that would be); on a terminal, no control character reaches it.
    @Test func modelNamesInCSV() throws {
        let outcome = runONNX(Self.model.bytes, ["--format", "csv", "--columns", "layer,op,path,spec"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let rows = csvRows(outcome.standardOutput)
        #expect(rows.count == Self.hostile.count + 5)
        for cell in rows.joined() { #expect(!looksLikeFormula(cell), "\(cell.debugDescription)") }
        #expect(rows.dropFirst().allSatisfy { $0[0] == "'=net" + Self.escape })
        #expect(rows.contains { $0[1] == "'=cat" + Self.escape })
        #expect(rows.contains { $0[1] == "'+add" + Self.escape && $0[3] == "'+add" + Self.escape })
        #expect(rows.contains { $0[1] == "/\(Self.hostile[0])scope\(Self.escape)/\(Self.hostile[0])relu0" })
        #expect(rows.contains { $0[4].hasPrefix("CONCAT(") && $0[4].contains("'") == false })
        var terminal = Invocation(arguments: ["--format", "csv", "--input-format", "onnx", "-"], standardInput: Self.model.bytes)
        terminal.standardOutputIsTerminal = true
        let shown = run(terminal)
        #expect(shown.status == 0)
        expectVisible(shown.standardOutput.replacingOccurrences(of: "\r\n", with: "\n"), "CSV on a terminal")
        #expect(shown.standardOutput.contains("'=net^[[2J^[]0;pwned^G"))
    }

    /// `check --format csv`: the gradebook escaped `=` but not a sheet named with a tab, a carriage return
    /// or spaces first; every field now goes through `csvField`.
    @Test func gradebookSheetNames() throws {
        let folder = NSTemporaryDirectory() + "netcalc-gradebook-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let names = ["\t=1.net", "\r=2.net", "  =3.net", "+4.net", "-5.net", "@6.net", "=7\(Self.escape).net"]
        for name in names {
            try Data("net = INPUT[8x8x3] -> CONV(4,3) {6x6x4}\n".utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        var invocation = Invocation(arguments: ["check", "--format", "csv", "--"] + names)
        invocation.currentDirectory = folder
        let outcome = run(invocation)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let rows = csvRows(outcome.standardOutput)
        #expect(rows.count == names.count + 1)
        for cell in rows.joined() { #expect(!looksLikeFormula(cell), "\(cell.debugDescription)") }
        #expect(rows.dropFirst().map { $0[0] } == names.map { "'" + $0 })
        invocation.standardOutputIsTerminal = true
        expectVisible(run(invocation).standardOutput.replacingOccurrences(of: "\r\n", with: "\n"), "the gradebook on a terminal")
    }

    /// Every mode's output, and its errors, on a model with the hostile names under a hostile file name:
    /// no character reaches the terminal that it would obey (merge rows, `--summary`'s names and file
    /// name, `--depth`'s block names, diagnostics, check's and fmt's refusals, the limit of errors shown).
    @Test func everyTerminalPath() throws {
        let folder = NSTemporaryDirectory() + "netcalc-terminal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let stem = "=model\(Self.escape)\r\u{9B}1m"
        try Data(Self.model.bytes).write(to: URL(fileURLWithPath: "\(folder)/\(stem).onnx"))
        // A model that fails in import (an unknown operator, a tensor no node writes) and in analysis.
        var broken = Self.model
        broken.node("Frobnicate\(Self.escape)", "bad\(Self.escape)", ["output"], ["z"])
        try Data(broken.bytes).write(to: URL(fileURLWithPath: "\(folder)/\(stem)-op.onnx"))
        var unknown = Self.model
        unknown.node("Relu", "late\(Self.escape)", ["nowhere\(Self.escape)"], ["z"])
        try Data(unknown.bytes).write(to: URL(fileURLWithPath: "\(folder)/\(stem)-tensor.onnx"))
        try Data(HostileONNXArithmeticTests().droppedConstants(adds: 1).bytes).write(to: URL(fileURLWithPath: "\(folder)/\(stem)-overflow.onnx"))
        // A Caffe model whose bottoms, tops and names hold escape sequences, read by a merge.
        let caffe = """
            name: "=net\\033[2J"
            input: "data\\033]0;x\\007"
            input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
            layer { name: "=r1\\033[1m" type: "ReLU" bottom: "data\\033]0;x\\007" top: "@a\\033[1m" }
            layer { name: "/s\\033[5m/r2" type: "ReLU" bottom: "data\\033]0;x\\007" top: "-b\\033[5m" }
            layer { name: "+sum" type: "Eltwise" bottom: "@a\\033[1m" bottom: "-b\\033[5m" top: "s" }
            """
        try Data(caffe.utf8).write(to: URL(fileURLWithPath: "\(folder)/\(stem).prototxt"))
        // A spec with more errors than are shown, and a spec given --input-shape.
        try Data(String(repeating: "net = INPUT[8] -> FC(0)\n", count: 120).utf8).write(to: URL(fileURLWithPath: "\(folder)/\(stem).net"))
        let modes: [[String]] = [
            [], ["--summary"], ["--depth", "0"], ["--depth", "1"], ["--depth", "2", "--summary"], ["--explain"],
            ["--fit", "1KiB"], ["--fit", "1GiB", "--inference", "--summary"], ["--columns", "layer,path,spec,output,params"],
            ["--format", "markdown"], ["--format", "dot"], ["--format", "svg"], ["--format", "html"], ["--format", "json"],
            ["--emit", "spec"], ["--emit", "pytorch"], ["check"], ["check", "--format", "json"], ["fmt"],
            ["--input-shape", "1,3,8,8"],
        ]
        for mode in modes {
            for file in ["\(stem).onnx", "\(stem)-op.onnx", "\(stem)-tensor.onnx", "\(stem)-overflow.onnx", "\(stem).prototxt",
                         "\(stem).net"] {
                var invocation = Invocation(arguments: mode + [file])
                invocation.currentDirectory = folder
                invocation.standardOutputIsTerminal = true
                invocation.standardErrorIsTerminal = true
                invocation.environment = ["NO_COLOR": "1"]  // netcalc's own colours are escape sequences too
                let outcome = run(invocation)
                let what = "netcalc \(mode.joined(separator: " ")) \(file.debugDescription)"
                if mode == ["check", "--format", "json"] {
                    // Byte for byte what JSONEncoder writes (JSONValueTests): the C0 controls escaped, ESC among them.
                    #expect(!outcome.standardOutput.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(visible(what))")
                } else {
                    expectVisible(outcome.standardOutput, "\(what): standard output")
                }
                expectVisible(outcome.standardError, "\(what): standard error")
            }
        }
    }

    /// The analysis document writes DEL, C1 controls and the other invisible characters as `\uXXXX` (a
    /// surrogate pair past U+FFFF): exact when read back, inert on a terminal.
    @Test func jsonEscapesInvisibleCharacters() throws {
        var model = ModelBuilder()
        let name = "a\u{7F}b\u{9B}2Jc\u{2028}d\u{202E}e\u{E0001}f é 名 🎉"
        model.graphName = name
        model.node("Relu", name, ["input"], ["output"])
        let outcome = runONNX(model.bytes, ["--format", "json"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("a\\u007Fb\\u009B2Jc\\u2028d\\u202Ee\\uDB40\\uDC01f é 名 🎉"))
        expectVisible(outcome.standardOutput, "the JSON document")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutputBytes)) as? [String: Any])
        let network = try #require((document["networks"] as? [[String: Any]])?.first)
        #expect(network["name"] as? String == name)
        #expect((network["layers"] as? [[String: Any]])?.last?["name"] as? String == name)
    }
}

/// Diagnostics about a binary model file name the node, not `FILE:1:1:` with an empty source line and a
/// lone caret; they are rendered in the one place diagnostics are, and JSON gives the node.
@Suite struct ModelDiagnosticTests {
    /// Rendered without colour, as standard error shows them.
    func rendered(_ list: DiagnosticList) -> String { DiagnosticRenderer(color: false).render(list) }

    @Test func anImportErrorNamesItsNode() throws {
        var model = ModelBuilder()
        model.inputDims = [1, 3, 2, 2]
        model.weight("w", [4, 3, 3, 3])
        model.node("Relu", "relu", ["input"], ["r"])
        model.node("Conv", "Conv_3", ["r", "w"], ["output"])
        let outcome = runONNX(model.bytes)
        #expect(outcome.status == 1)
        #expect(outcome.standardError == """
            <stdin>: node 1 'Conv_3' (Conv): error: Conv_3's 3x3 filter is larger than its padded input (2 wide)
            hint: the input here is 2x2x3; use a smaller filter, more padding, or p=same

            """)
        // A node without a name goes by its first output's.
        var unnamed = ModelBuilder()
        unnamed.node("Relu", "", ["nowhere"], ["output"])
        #expect(runONNX(unnamed.bytes).standardError.hasPrefix(
            "<stdin>: node 0 'output' (Relu): error: reads 'nowhere', which is no graph input, initializer or node output\n"))
    }

    /// Analysis's errors about a layer name the node it was made from; those about the file, none. Neither
    /// has a line, a source line or a caret (they were `FILE:1:1:`, an empty line and `^`).
    @Test func anAnalysisErrorNamesItsNode() throws {
        var model = ModelBuilder()
        model.inputDims = [1, 1, 8, 8]
        model.floats("scales", [4], [1, 1, 1024, 1024])
        model.node("Relu", "relu", ["input"], ["r"])
        model.node("Resize", "up", ["r", "", "scales"], ["output"])
        let outcome = runONNX(model.bytes, ["--batch", "\(1 << 36)"])
        #expect(outcome.status == 1)
        let lines = outcome.standardError.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("<stdin>: node 1 'up' (Resize): error: ") == true, "\(outcome.standardError)")
        #expect(!lines.contains { $0.hasPrefix("^") || $0.isEmpty || $0.contains(":1:1:") })
        let file = runONNX(HostileONNXArithmeticTests().droppedConstants(adds: 1).bytes)
        #expect(file.standardError == """
            <stdin>: error: the numbers of input overflow 64 bits
            hint: netcalc counts exactly in 64-bit integers (up to 9,223,372,036,854,775,807); check the sizes

            """)
        let json = runONNX(model.bytes, ["--batch", "\(1 << 36)", "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutputBytes)) as? [String: Any])
        let error = try #require((document["errors"] as? [[String: Any]])?.first)
        #expect(error["line"] is NSNull && error["column"] is NSNull)
        #expect(error["file"] as? String == "<stdin>")
        let node = try #require(error["node"] as? [String: Any])
        #expect(node["index"] as? Int == 1 && node["name"] as? String == "up" && node["op"] as? String == "Resize")
    }

    /// The library's problems say the node too.
    @Test func problemsNameTheNode() {
        var diagnostic = Diagnostic(.error, "has a weight", in: SourceFile(binaryNamed: "m.onnx"),
                                    node: ModelNode(index: 12, name: "Conv_3", op: "Conv"))
        #expect(Problem(diagnostic).description == "m.onnx: node 12 'Conv_3' (Conv): error: has a weight")
        #expect(Problem(diagnostic).line == nil)
        diagnostic.node = nil
        #expect(Problem(diagnostic).description == "m.onnx: error: has a weight")
        // A text file's diagnostic keeps its line, column, source line and caret.
        let spec = SourceFile(name: "a.net", text: "x = INPUT[8] -> FC(0)\n")
        let text = rendered({ var list = DiagnosticList(); list.append(Diagnostic(.error, "bad", at: SourceRange(16, 21), in: spec)); return list }())
        #expect(text == "a.net:1:17: error: bad\nx = INPUT[8] -> FC(0)\n                ^~~~~\n")
    }
}

/// `netcalc check`'s key and sheets.
@Suite struct CheckInputTests {
    /// A fresh folder with these files; removed by the caller.
    func folder(_ files: [String: String]) throws -> String {
        let folder = NSTemporaryDirectory() + "netcalc-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        return folder
    }

    func check(_ arguments: [String], in folder: String, terminal: Bool = false) -> Outcome {
        var invocation = Invocation(arguments: ["check"] + arguments)
        invocation.currentDirectory = folder
        invocation.standardErrorIsTerminal = terminal
        return run(invocation)
    }

    /// A key with errors printed one line of literal `^J`s: its diagnostics were rendered into a ReadError,
    /// which shows line breaks visibly. They are rendered as any diagnostics are, line by line.
    @Test func aBadKeysErrorsRenderLikeAnyDiagnostics() throws {
        let folder = try folder([
            "key.net": "net = INPUT[8x8x3] -> CONV(0,3) {shape: _}\n  -> BOGUS\n",
            "none.net": "net = INPUT[8x8x3] -> CONV(4,3)\n",
            "sheet.net": "net = INPUT[8x8x3] -> CONV(4,3) {6x6x4}\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data([0xFF, 0xFE]).write(to: URL(fileURLWithPath: folder + "/binary.net"))
        let bad = check(["--key", "key.net", "sheet.net"], in: folder)
        #expect(bad.status == 2)
        #expect(bad.standardError == """
            key.net:1:28: error: number of filters (K) must be at least 1, not 0
            net = INPUT[8x8x3] -> CONV(0,3) {shape: _}
                                       ^
            key.net:2:6: error: unknown layer or block 'BOGUS'
              -> BOGUS
                 ^~~~~
            hint: layers: CONV, DWCONV, POOL, AVGPOOL, GAP, FC, FLATTEN, BN, NORM, RELU, ...; or define it: BOGUS = ...
            netcalc: error: the key key.net has errors; fix them before grading with it

            """)
        #expect(!bad.standardError.contains("^J"))
        #expect(check(["--key", "none.net", "sheet.net"], in: folder).standardError == """
            netcalc: error: the key none.net asks no questions
            hint: write answers in braces after the layers to ask about (blank ones do: {shape: _, params: _, points: 2})

            """)
        let binary = check(["--key", "binary.net", "sheet.net"], in: folder).standardError
        #expect(binary.hasPrefix("binary.net:1:1: error: the file is not valid UTF-8"))
        #expect(binary.hasSuffix("\nnetcalc: error: the key binary.net cannot be read as a spec\n"))
        #expect(check(["--key", "missing.net", "sheet.net"], in: folder).standardError
            == "netcalc: error: the key: cannot read 'missing.net': No such file or directory\n")
        // On a terminal, in the diagnostics' colours.
        var colored = Invocation(arguments: ["check", "--key", "key.net", "sheet.net"])
        colored.currentDirectory = folder
        colored.standardErrorIsTerminal = true
        #expect(run(colored).standardError.contains("\u{1B}[1;31merror:\u{1B}[0m \u{1B}[1mthe key key.net has errors"))
    }

    /// `check a.net ./a.net` graded one sheet twice (a class of two); a sheet is graded once, by its file's
    /// identity (device and inode, so a link too) or, for a file that cannot be read, its standardized
    /// path; a note says so.
    @Test func aSheetNamedTwiceIsGradedOnce() throws {
        let folder = try folder(["a.net": "net = INPUT[8x8x3] -> CONV(4,3) {6x6x4}\n", "b.net": "net = INPUT[8x8x3] -> CONV(4,3) {6x6x5}\n"])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.net", withDestinationPath: folder + "/a.net")
        let outcome = check(["--format", "csv", "a.net", "./a.net", "sub/../a.net", "link.net", "b.net", folder + "/b.net"], in: folder)
        #expect(outcome.standardError == """
            netcalc: note: ./a.net is the sheet a.net again; it is graded once
            netcalc: note: sub/../a.net is the sheet a.net again; it is graded once
            netcalc: note: link.net is the sheet a.net again; it is graded once
            netcalc: note: \(folder)/b.net is the sheet b.net again; it is graded once

            """)
        #expect(csvRows(outcome.standardOutput).map { $0[0] } == ["sheet", "a.net", "b.net"])
        // Files that cannot be read: one error for the one path.
        let missing = check(["gone.net", "./gone.net"], in: folder)
        #expect(missing.standardError == """
            netcalc: error: cannot read 'gone.net': No such file or directory
            netcalc: note: ./gone.net is the sheet gone.net again; it is graded once

            """)
    }
}
