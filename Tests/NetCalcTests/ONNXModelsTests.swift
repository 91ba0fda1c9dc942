import Foundation
import Testing
@testable import NetCalc

/// Vision models beyond the plain ViT (Import/ONNX): small exports written by
/// `python3 tools/crosscheck_onnx_models.py --write-fixtures`, each with NAME.reference.json, the params
/// (netcalc's params plus its non-trainable values), MACs and node outputs the script checked against
/// onnxruntime on the unstripped file; and hand-made graphs for Einsum, the folds and the one error per file.
@Suite struct ONNXModelsTests {
    static let models = ["swin_2stage", "levit_small", "nfnet_wstd", "vit_tiny_dynamo", "swin_dynamo", "levit_dynamo",
                         "nfnet_dynamo"]
    /// The fixtures with TENSOROP rows, which `--emit pytorch` cannot write (nfnet_wstd and nfnet_dynamo have none).
    static let tensorModels = ["swin_2stage", "levit_small", "vit_tiny_dynamo", "swin_dynamo", "levit_dynamo"]

    @Test(arguments: models) func totalsAgreeWithTheReference(_ name: String) throws {
        let json = try #require(onnxFixture(name + ".reference.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let report = try #require(analyzeONNXFixture(name + ".onnx"))
        #expect(report.totals.params + report.totals.nonTrainable == expected["params"] as? Int)
        #expect(report.totals.macs == expected["macs"] as? Int)
        let output = try #require(expected["output"] as? [Int])
        #expect(report.rows.last.map { $0.output.spatial + [$0.output.depth] } == output)
    }

    /// NFNet's weight standardization is folded: a CONV counting the weight once, its gain an in-place
    /// SCALE (one value per filter, no activation memory), as in PyTorch.
    @Test func weightStandardizationCountsTheWeightOnce() throws {
        let report = try #require(analyzeONNXFixture("nfnet_wstd.onnx"))
        let json = try #require(onnxFixture("nfnet_wstd.reference.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(report.totals.params == expected["torch_params"] as? Int)
        let conv = try #require(report.rows.first { $0.name == "/conv/Conv" })
        #expect(conv.params == 16 * 8 * 9 + 16)
        let gain = try #require(report.rows.first { $0.name == "/conv/Conv/gain" })
        #expect(gain.params == 16)
        #expect(gain.activations == 0)
    }

    /// A dynamo export's int64 shape initializers are not parameters: the file's params are PyTorch's.
    @Test func dynamoShapeInitializersAreNotParameters() throws {
        let report = try #require(analyzeONNXFixture("vit_tiny_dynamo.onnx"))
        let json = try #require(onnxFixture("vit_tiny_dynamo.reference.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(report.totals.params == expected["torch_params"] as? Int)
    }

    /// Swin's shifted-window attention mask (ScatterND, Not, Where of constants) is folded: no row.
    @Test func swinMaskIsFolded() throws {
        let bytes = try #require(onnxFixture("swin_2stage.onnx"))
        let network = try ONNXReader.read(bytes, fileName: "swin_2stage.onnx")
        let names = Set(network.layers.map(\.name))
        #expect(!names.contains { $0.contains("ScatterND") || $0.hasSuffix("/Not") })
        #expect(network.layers.contains { computationText($0).hasPrefix("TENSOROP") })
    }

    typealias Build = (inout ModelBuilder) -> Void

    func read(_ build: Build) throws(ImportFailure) -> NetworkReport? {
        var model = ModelBuilder()
        build(&model)
        let network = try model.read()
        return GraphAnalyzer(network: network, file: SourceFile(name: "test.onnx", text: ""), overrides: SettingsOverride()).analyze().report
    }

    static func equation(_ text: String) -> (inout ProtobufWriter) -> Void {
        { writer in
            writer.string(1, "equation")
            writer.bytes(4, Array(text.utf8))
            writer.int(20, 3)
        }
    }

    /// Einsum: ONNX's dims, MACs the product of every letter's size (with two operands), a weight counted.
    @Test func einsumCountsTheContraction() throws {
        let report = try #require(try read { m in
            m.weight("w", [4, 3])
            m.node("Einsum", "mix", ["input", "w"], ["output"], [Self.equation("bchw,dc->bdhw")])
        })
        let row = try #require(report.rows.last)
        // ONNX [1, 4, 8, 8], laid out by the tensor rules: the last dim the channels.
        #expect(row.output == Shape(spatial: [8, 4], depth: 8))
        #expect(row.macs == 1 * 3 * 8 * 8 * 4)
        #expect(row.params == 12)
        let ellipsis = try #require(try read { m in
            m.node("Einsum", "gram", ["input", "input"], ["output"], [Self.equation("...ij,...kj->...ik")])
        })
        #expect(ellipsis.rows.last?.output == Shape(spatial: [8, 3], depth: 8))
        #expect(ellipsis.rows.last?.macs == 3 * 8 * 8 * 8)
        var bad = ModelBuilder()
        bad.node("Einsum", "bad", ["input"], ["output"], [Self.equation("abc->a")])
        let message = importError { () throws(ImportFailure) in try bad.read() }
        #expect(message == "test.onnx: node 0 'bad' (Einsum): error: has the term 'abc' of 'abc->a' for an operand of dims [1, 3, 8, 8]")
    }

    /// Folds of constants: Reduce keeps dims without values past the fold limit (no allocation), Clip and
    /// Not and ScatterND compute their values, a bad index is an error.
    @Test func constantFolds() throws {
        let huge = ONNXConstant(dims: [1, 1 << 30, 1 << 30], dataType: ONNXDataType.float, values: nil)
        let reduced = try ONNXConstant.reduce(.mean, huge, axes: [0, 1], keep: false)
        #expect(reduced.dims == [1 << 30])
        #expect(reduced.values == nil)
        let small = ONNXConstant(dims: [2, 2], dataType: ONNXDataType.float, values: .floats([1, 2, 3, 4]))
        #expect(try ONNXConstant.reduce(.sum, small, axes: [1], keep: true).doubles == [3, 7])
        #expect(try ONNXConstant.reduce(.l2, small, axes: [], keep: false).scalar == 30.0.squareRoot())
        let pads = ONNXConstant(dims: [3], dataType: ONNXDataType.int64, values: .ints([-1, 2, 5]))
        #expect(try ONNXConstant.clip(pads, low: 0, high: nil).ints == [0, 2, 5])
        #expect(try ONNXConstant.not(ONNXConstant(dims: [2], dataType: ONNXDataType.bool, values: .ints([0, 1]))).ints == [1, 0])
        let zeros = ONNXConstant(dims: [2, 2], dataType: ONNXDataType.int64, values: .ints([0, 0, 0, 0]))
        let index = ONNXConstant(dims: [1, 1], dataType: ONNXDataType.int64, values: .ints([1]))
        let row = ONNXConstant(dims: [1, 2], dataType: ONNXDataType.int64, values: .ints([7, 8]))
        #expect(try ONNXConstant.scatter(zeros, indices: index, updates: row).ints == [0, 0, 7, 8])
        let outside = ONNXConstant(dims: [1, 1], dataType: ONNXDataType.int64, values: .ints([2]))
        #expect(throws: ConstantFailure.self) { try ONNXConstant.scatter(zeros, indices: outside, updates: row) }
    }

    /// A computed tensor that a CNN layer reads after tensor operations: the TENSOROP row writing it is
    /// restated channels first (the same values, so memory is unchanged), and the CNN layer reads it.
    @Test func tensorReadByACNNLayerIsRestatedChannelsFirst() throws {
        let report = try #require(try read { m in
            m.int64s("tokens", [1, 3, 64])
            m.int64s("image", [1, 3, 8, 8])
            m.weight("w", [4, 3, 1, 1])
            m.node("Reshape", "flat", ["input", "tokens"], ["a"])
            m.node("Softmax", "soft", ["a"], ["b"])
            m.node("Reshape", "back", ["b", "image"], ["c"])
            m.node("Conv", "conv", ["c", "w"], ["output"])
        })
        #expect(report.rows.map(\.name) == ["input", "flat", "soft", "back", "conv"])
        let back = try #require(report.rows.first { $0.name == "back" })
        #expect(back.output == Shape(spatial: [8, 8], depth: 3))
        #expect(back.activations == 192)
        #expect(report.rows.last?.output == Shape(spatial: [8, 8], depth: 4))
        // A Sub of two computed tensors at a batch of 1 (EfficientFormer's pool(x) - x) is a TENSOROP.
        let sub = try #require(try read { m in
            m.node("Relu", "a", ["input"], ["a"])
            m.node("Sub", "sub", ["a", "input"], ["output"])
        })
        #expect(sub.rows.last?.op == "tensor")
    }
}
