import Foundation
import Testing
@testable import NetCalc

/// Vision transformers read by ONNX's shape rules (Import/ONNX/ONNXTensors.swift): two small exports
/// written by `python3 tools/crosscheck_onnx_vit.py --write-fixtures`, each with NAME.reference.json,
/// the params and MACs the script computed from the unstripped file and onnxruntime's shapes.
@Suite struct ONNXTransformerTests {
    static let models = ["vit_tiny_2block", "vit_torchvision_2block"]

    @Test(arguments: models) func totalsAgreeWithTheReference(_ name: String) throws {
        let json = try #require(onnxFixture(name + ".reference.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let report = try #require(analyzeONNXFixture(name + ".onnx"))
        #expect(report.totals.params == expected["params"] as? Int)
        #expect(report.totals.params == expected["torch_params"] as? Int)
        #expect(report.totals.macs == expected["macs"] as? Int)
        #expect(report.rows.last?.output == Shape(spatial: [1], depth: 10))
        let compared = try #require(expected["node_outputs_compared"] as? Int)
        #expect(report.rows.count - 1 == compared)
    }

    /// Attention's scores are a matrix product of two activations: batch x heads x L x d x L MACs, a row
    /// reading both, its output heads x L x L laid out as L x heads x L.
    @Test func attentionScoresReadQueriesAndKeys() throws {
        let report = try #require(analyzeONNXFixture("vit_tiny_2block.onnx"))
        let row = try #require(report.rows.first { $0.name == "/blocks/blocks.0/attn/MatMul" })
        #expect(row.op == "tensor")
        #expect(row.output == Shape(spatial: [17, 3], depth: 17))
        #expect(row.macs == 3 * 17 * 16 * 17)
        #expect(row.params == 0)
        #expect(row.inputs.count == 2)
        let scores = try #require(report.rows.first { $0.name == "/blocks/blocks.0/attn/Softmax" })
        #expect(scores.activations == 3 * 17 * 17)
    }

    /// A TENSOROP row states its output, MACs and learned values, and keeps them whatever it reads.
    @Test func tensorOperationCarriesItsCounts() throws {
        let net = try #require(network("INPUT[8x8x4] -> TENSOROP(matmul,width=17,height=3,depth=16,macs=100,weights=7,biases=2)"))
        let row = try #require(net.rows.last)
        #expect(row.output == Shape(spatial: [17, 3], depth: 16))
        #expect(row.macs == 100)
        #expect(row.weights == 7)
        #expect(row.biases == 2)
        #expect(network("INPUT[8x8x4] -> TENSOROP(matmul,depth=16)") == nil)
    }

    @Test func moduloFoldsAsPythonDoes() throws {
        let a = ONNXConstant(dims: [4], dataType: ONNXDataType.int64, values: .ints([7, -7, 7, -7]))
        let b = ONNXConstant(dims: [4], dataType: ONNXDataType.int64, values: .ints([3, 3, -3, -3]))
        #expect(try ONNXConstant.binary(.mod, a, b).ints == [1, 2, -2, -1])
        let zero = ONNXConstant(dims: [], dataType: ONNXDataType.int64, values: .ints([0]))
        #expect(throws: ConstantFailure.self) { try ONNXConstant.binary(.mod, a, zero) }
    }
}
