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
            "(BatchNormalization) has sizes whose arithmetic does not fit in 64 bits") == true)
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
            "(ReduceSum) cannot be evaluated: an integer sum overflows 64 bits") == true)
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
