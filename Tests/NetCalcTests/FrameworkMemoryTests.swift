import Foundation
import Testing
@testable import NetCalc

/// The framework memory model (`--memory pytorch`, docs/memory.md): what each kind keeps, the training and
/// inference walks worked by hand, the options and directives, every output that shows it, and the zoo
/// against the figures PyTorch gave (`tools/crosscheck_memory.py`).
@Suite struct FrameworkMemoryTests {
    /// The framework totals of one spec at a batch, with mixed precision or not.
    func framework(_ text: String, batch: Int = 1, amp: Bool = false) throws -> FrameworkTotals {
        var overrides = SettingsOverride()
        overrides.batch = batch
        overrides.amp = amp
        let (networks, diagnostics) = analyze(text, overrides: overrides)
        #expect(diagnostics.filter { $0.severity == .error }.isEmpty)
        return try #require(networks.first?.totals.framework)
    }

    /// Bytes autograd keeps, kind by kind, worked by hand on 8x8 maps in fp32 (a 8x8x3 input is 768 bytes,
    /// a 8x8x4 map 1,024).
    @Test(arguments: [
        // A convolution keeps its input (the network's input here).
        ("INPUT[8x8x3] -> CONV(4,3,p1)", 768),
        // An in-place ReLU keeps its output, the convolution's storage.
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> RELU", 768 + 1_024),
        // Batch norm keeps its input and two fp32 statistics per channel (4 channels: 32 bytes).
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> BN", 768 + 1_024 + 32),
        // Max pooling keeps its input and int64 indices: 4x4x4 outputs x 8 bytes.
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> POOL(2)", 768 + 1_024 + 512),
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> AVGPOOL(2)", 768 + 1_024),
        // A global average pool (a mean) keeps nothing; the FC after it keeps its 4 inputs.
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> GAP -> FC(10)", 768 + 16),
        // ReLU6 in place keeps a copy of its input; GELU (never in place) keeps the input itself.
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> RELU6", 768 + 1_024),
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> GELU -> CONV(4,1)", 768 + 1_024 + 1_024),
        // Sigmoid keeps its output (new memory); the conv's output is kept by nobody.
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> SIGMOID", 768 + 1_024),
        // Dropout keeps a mask of a byte per value.
        ("INPUT[8x8x3] -> FC(10) -> DROPOUT(0.5)", 768 + 10),
        // ADD and CONCAT keep nothing; MUL keeps both factors.
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> ADD(ID | RELU)", 768 + 1_024),
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> CONCAT(ID | SIGMOID)", 768 + 1_024),
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> MUL(ID | SIGMOID)", 768 + 1_024 + 1_024),
        // Layer norm keeps its input and two fp32 values per position (64 positions: 512 bytes).
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> LAYERNORM", 768 + 1_024 + 512),
        // Flatten is a view: the FC keeps the conv's storage.
        ("INPUT[8x8x3] -> CONV(4,3,p1) -> FLATTEN -> FC(10)", 768 + 1_024),
    ])
    func keptByKind(_ spec: String, _ bytes: Int) throws {
        #expect(try framework(spec).keptBytes == bytes)
    }

    /// Activations and masks grow with the batch; batch norm's statistics do not.
    @Test func keptGrowsWithTheBatchButNotTheStatistics() throws {
        #expect(try framework("INPUT[8x8x3] -> CONV(4,3,p1) -> BN", batch: 3).keptBytes == 3 * (768 + 1_024) + 32)
    }

    /// Mixed precision: activations in 2 bytes, the input's half copy kept, and the half copy of the
    /// conv's 112 weights and biases (4x3x3x3 + 4) kept for its backward.
    @Test func mixedPrecisionKeepsHalfValuesAndHalfWeights() throws {
        #expect(try framework("INPUT[8x8x3] -> CONV(4,3,p1) -> RELU", amp: true).keptBytes == 384 + 512 + 112 * 2)
    }

    /// A training step and an inference pass walked by hand: INPUT[4x4x1] (64 bytes) -> CONV(2,3,p1,nobias)
    /// (18 weights, an output of 128 bytes) -> FC(3,nobias) (96 weights, 12 bytes), fp32, SGD with momentum.
    /// Always alive: weights 456 + momentum 456 + input 64 = 976. Kept: the input (by the conv) and the
    /// conv's output (by the FC): 192. The backward of the FC holds the output's gradient (12), the FC's
    /// weight gradient (384), the conv output's gradient (128) and what is kept (128 + 12 for the output):
    /// 664; the conv's holds its weight gradient (72 more), the conv output's gradient and its reorders
    /// (input + output + weights: 64 + 128 + 72), 848 in all, the peak: 976 + 848 = 1,824. Inference: the
    /// conv's output and its reorders (max(64, 128) + 72): 328, plus weights and input: 848.
    @Test func trainingStepWalkedByHand() throws {
        let totals = try framework("INPUT[4x4x1] -> CONV(2,3,p1,nobias) -> FC(3,nobias)")
        #expect(totals.keptBytes == 192)
        #expect(totals.weightBytes == 456)
        #expect(totals.optimizerBytes == 456)
        #expect(totals.inputBytes == 64)
        #expect(totals.trainingPeakBytes == 1_824)
        #expect(totals.trainingPeakRow == 1)
        #expect(totals.trainingPeakInBackward)
        #expect(totals.gradientBytesAtPeak == 456)
        #expect(totals.activationBytesAtPeak == 392)
        #expect(totals.inferencePeakBytes == 848)
        #expect(totals.inferencePeakRow == 1)
    }

    /// Adam keeps two states per weight, SGD none: the always-alive part of the peak follows.
    @Test func optimizerStateFollowsTheOptimizer() throws {
        for (name, states) in [("sgd", 0), ("momentum", 1), ("adam", 2)] {
            var overrides = SettingsOverride()
            overrides.optimizer = Optimizer(rawValue: name)
            let report = try #require(analyze("INPUT[4x4x1] -> CONV(2,3,p1,nobias) -> FC(3,nobias)", overrides: overrides).0.first)
            #expect(report.totals.framework?.optimizerBytes == 456 * states)
            #expect(report.totals.framework?.trainingPeakBytes == 1_824 + 456 * (states - 1))
        }
    }

    /// A block's caller holds the block's input until the block returns; a concatenation's inputs live
    /// while its output is first read. Both make the inference peak larger than each output's last read.
    @Test func heldInputsRaiseTheInferencePeak() throws {
        let chain = try framework("INPUT[8x8x1] -> CONV(4,1) -> CONV(4,1) -> CONV(4,1)")
        let block = try framework("b = CONV(4,1) -> CONV(4,1)\nINPUT[8x8x1] -> CONV(4,1) -> b")
        // In the block the first conv's output (1,024 bytes) is alive while both of the block's convs run.
        #expect(block.inferencePeakBytes == chain.inferencePeakBytes + 1_024)
    }

    /// Every operator a TENSOROP row stands for has its own entry in the framework model's table.
    @Test func everyTensorOperatorHasItsFacts() {
        for name in TensorOperation.operators {
            #expect(TensorOperation.frameworkMemory[name] != nil, "TENSOROP \(name) has no framework memory facts")
        }
    }

    @Test func optionsAndDirectives() throws {
        #expect(runNetCalc(["--memory", "pytorch", "specs/lenet5.net"]).status == 0)
        let bad = runNetCalc(["--memory", "keras", "specs/lenet5.net"])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("'keras' is not a value for --memory"))
        let both = runNetCalc(["--amp", "--dtype", "fp16", "specs/lenet5.net"])
        #expect(both.status == 2)
        #expect(both.standardError.contains("--amp and --dtype cannot be given together"))
        let directive = try #require(network("@memory pytorch\n@amp on\nINPUT[8x8x3] -> CONV(4,3,p1)"))
        #expect(directive.settings.memory == .pytorch)
        #expect(directive.settings.amp)
        #expect(errors("@memory keras\nINPUT[8x8x3] -> CONV(4,3,p1)") == ["'keras' is not a value for @memory"])
        #expect(errors("@amp maybe\nINPUT[8x8x3] -> CONV(4,3,p1)") == ["'maybe' is not a value for @amp"])
    }

    /// The notes' model stays the default and its figures unchanged; the table names PyTorch's in one line.
    @Test func tableShowsBothModels() {
        let notes = runNetCalc(["specs/resnet18.net"]).standardOutput
        #expect(notes.contains("  training        207,321,376 bytes (197.7 MiB) = forward + backward"))
        #expect(notes.contains("  in PyTorch      training peak "))
        #expect(notes.split(separator: "\n").first { $0.contains("#") && $0.contains("layer") }?.contains("kept") == false)
        let pytorch = runNetCalc(["--memory", "pytorch", "specs/resnet18.net"]).standardOutput
        #expect(pytorch.contains("  kept            "))
        #expect(pytorch.contains("  training peak   "))
        #expect(pytorch.contains("  notes' model    forward + backward 63.9 MiB, training 197.7 MiB"))
        #expect(pytorch.split(separator: "\n").first { $0.contains("#") && $0.contains("layer") }?.contains("kept") == true)
    }

    /// JSON: the framework's keys only with `--memory pytorch`, and the rows' kept bytes add up to the total.
    @Test func jsonGivesTheFrameworkFigures() throws {
        func document(_ arguments: [String]) throws -> [String: Any] {
            let outcome = runNetCalc(arguments + ["--format", "json", "specs/resnet18.net"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
            return try #require((object["networks"] as? [[String: Any]])?.first)
        }
        let notes = try document([])
        let notesTotals = try #require(notes["totals"] as? [String: Any])
        #expect(notesTotals["keptBytes"] == nil)
        #expect((notes["layers"] as? [[String: Any]])?.first?["keptBytes"] == nil)
        let pytorch = try document(["--memory", "pytorch", "--batch", "8"])
        let totals = try #require(pytorch["totals"] as? [String: Any])
        let kept = try #require(totals["keptBytes"] as? Int)
        let layers = try #require(pytorch["layers"] as? [[String: Any]])
        #expect(layers.compactMap { $0["keptBytes"] as? Int }.reduce(0, +) == kept)
        #expect(totals["trainingPeakLayer"] as? String == "down#3/CONV17")
        #expect(totals["trainingPeakPass"] as? String == "backward")
        #expect((totals["trainingPeakBytes"] as? Int ?? 0) > kept)
        #expect(totals["inferencePeakLayer"] is String)
        #expect((pytorch["settings"] as? [String: Any])?["memory"] as? String == "pytorch")
        // Folded to blocks, the kept column still adds up.
        let folded = runNetCalc(["--memory", "pytorch", "--batch", "8", "--depth", "1", "--format", "csv", "--columns", "layer,kept", "specs/resnet18.net"])
        let lines = folded.standardOutput.split(whereSeparator: \.isNewline).dropFirst()
        let column = lines.compactMap { Int($0.split(separator: ",").last ?? "") }
        #expect(column.count == lines.count)
        #expect(column.reduce(0, +) == kept)
    }

    /// `--fit` answers by PyTorch's model unless told otherwise, names the other model's answer, and its
    /// batch is the largest whose walked peak fits.
    @Test func fitUsesPyTorchsModelByDefault() throws {
        let outcome = runNetCalc(["--fit", "12GiB", "--format", "json", "specs/vgg16.net"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let fit = try #require(((object["networks"] as? [[String: Any]])?.first?["fit"]) as? [String: Any])
        #expect(fit["memory"] as? String == "pytorch")
        #expect(fit["otherModelBatch"] as? Int == 92)
        let batch = try #require(fit["batch"] as? Int)
        for (tried, fits) in [(batch, true), (batch + 1, false)] {
            let report = try #require(analyze(try String(contentsOfFile: packageRoot + "/specs/vgg16.net", encoding: .utf8),
                                              overrides: SettingsOverride(batch: tried)).0.first)
            #expect(((report.totals.framework?.trainingPeakBytes ?? .max) <= 12 << 30) == fits)
        }
        let table = runNetCalc(["--fit", "12GiB", "specs/vgg16.net"]).standardOutput
        #expect(table.contains("by PyTorch's memory (--memory pytorch)?"))
        #expect(table.contains("largest batch    \(batch): training peak "))
        #expect(table.contains("the notes' model gives 92"))
        let inference = runNetCalc(["--fit", "1GiB", "--inference", "specs/vgg16.net"]).standardOutput
        #expect(inference.contains("inference peak"))
    }

    /// The zoo against PyTorch: the figures `tools/crosscheck_memory.py` measured once on PyTorch 2.15 (CPU),
    /// kept in Fixtures/memory, so that a change to a kind's facts or to the walk that moves netcalc away
    /// from them fails here without PyTorch. The bars: kept 0.5%, the training peak 2% (the issue's aim; its
    /// bar is 5%), the inference peak 10%.
    @Test func zooStaysWithinTheBarsOfPyTorch() throws {
        let path = packageRoot + "/Tests/NetCalcTests/Fixtures/memory/pytorch-2.15-cpu.json"
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        let measurements = try #require(object?["measurements"] as? [String: [String: Int]])
        #expect(measurements.count == 25)
        for (key, measured) in measurements.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/")
            let (name, batch) = (String(parts[0]), Int(parts[1]) ?? 1)
            let text = try String(contentsOfFile: packageRoot + "/specs/\(name).net", encoding: .utf8)
            let framework = try #require(analyze(text, overrides: SettingsOverride(batch: batch)).0.first?.totals.framework)
            for (what, ours, bar) in [("kept", framework.keptBytes, 0.005), ("train", framework.trainingPeakBytes, 0.02),
                                      ("infer", framework.inferencePeakBytes, 0.10)] {
                let theirs = try #require(measured[what])
                #expect(abs(Double(ours) / Double(theirs) - 1) <= bar, "\(key) \(what): netcalc \(ours), PyTorch \(theirs)")
            }
        }
    }
}
