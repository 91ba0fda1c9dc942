import Foundation
import Testing
@testable import NetCalc

/// The folder of the ONNX fixtures: torchvision models exported with their weights stripped, each
/// with `NAME.expected.json` (what PyTorch and the file say), and hand-made files for errors.
let onnxFixtures = packageRoot + "/Tests/NetCalcTests/Fixtures/onnx/"

/// The bytes of a fixture; a missing file fails the test that needs it.
func onnxFixture(_ name: String) -> [UInt8]? {
    guard let data = FileManager.default.contents(atPath: onnxFixtures + name) else {
        Issue.record("the fixture \(name) is missing from \(onnxFixtures)")
        return nil
    }
    return [UInt8](data)
}

/// A protobuf writer for hand-made test files.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func key(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }

    mutating func int(_ field: Int, _ value: Int) {
        key(field, 0)
        varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, 5)
        let bits = value.bitPattern
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((bits >> UInt32(shift)) & 0xFF)) }
    }

    mutating func bytes(_ field: Int, _ content: [UInt8]) {
        key(field, 2)
        varint(UInt64(content.count))
        bytes += content
    }

    mutating func string(_ field: Int, _ text: String) { bytes(field, Array(text.utf8)) }

    mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }

    /// A packed repeated int64 field.
    mutating func packed(_ field: Int, _ values: [Int]) {
        var inner = ProtobufWriter()
        for value in values { inner.varint(UInt64(bitPattern: Int64(value))) }
        bytes(field, inner.bytes)
    }
}

/// Builds small ONNX models node by node.
struct ModelBuilder {
    var opset = 17
    var inputDims: [Int] = [1, 3, 8, 8]
    var batchSymbol: String?
    var nodes: [(op: String, name: String, inputs: [String], outputs: [String], attributes: [(inout ProtobufWriter) -> Void])] = []
    var initializers: [(name: String, dims: [Int], type: Int, raw: [UInt8])] = []
    var output = "output"
    var producer = "test"

    /// An initializer without data (a stripped weight), or with int64 values.
    mutating func weight(_ name: String, _ dims: [Int]) { initializers.append((name, dims, 1, [])) }

    mutating func int64s(_ name: String, _ values: [Int]) {
        var raw: [UInt8] = []
        for value in values {
            let bits = UInt64(bitPattern: Int64(value))
            for shift in stride(from: 0, to: 64, by: 8) { raw.append(UInt8((bits >> UInt64(shift)) & 0xFF)) }
        }
        initializers.append((name, [values.count], 7, raw))
    }

    mutating func floats(_ name: String, _ dims: [Int], _ values: [Float]) {
        var raw: [UInt8] = []
        for value in values {
            let bits = value.bitPattern
            for shift in stride(from: 0, to: 32, by: 8) { raw.append(UInt8((bits >> UInt32(shift)) & 0xFF)) }
        }
        initializers.append((name, dims, 1, raw))
    }

    mutating func node(_ op: String, _ name: String, _ inputs: [String], _ outputs: [String],
                       _ attributes: [(inout ProtobufWriter) -> Void] = []) {
        nodes.append((op, name, inputs, outputs, attributes))
    }

    static func ints(_ name: String, _ values: [Int]) -> (inout ProtobufWriter) -> Void {
        { writer in
            writer.string(1, name)
            writer.packed(8, values)
            writer.int(20, 7)
        }
    }

    static func int(_ name: String, _ value: Int) -> (inout ProtobufWriter) -> Void {
        { writer in
            writer.string(1, name)
            writer.int(3, value)
            writer.int(20, 2)
        }
    }

    static func float(_ name: String, _ value: Float) -> (inout ProtobufWriter) -> Void {
        { writer in
            writer.string(1, name)
            writer.float(2, value)
            writer.int(20, 1)
        }
    }

    static func string(_ name: String, _ value: String) -> (inout ProtobufWriter) -> Void {
        { writer in
            writer.string(1, name)
            writer.string(4, value)
            writer.int(20, 3)
        }
    }

    var bytes: [UInt8] {
        var model = ProtobufWriter()
        model.int(1, 8)
        model.string(2, producer)
        model.message(8) { $0.string(1, ""); $0.int(2, opset) }
        model.message(7) { graph in
            for node in nodes {
                graph.message(1) { writer in
                    for input in node.inputs { writer.string(1, input) }
                    for output in node.outputs { writer.string(2, output) }
                    writer.string(3, node.name)
                    writer.string(4, node.op)
                    for attribute in node.attributes { writer.message(5, attribute) }
                }
            }
            graph.string(2, "test_graph")
            for tensor in initializers {
                graph.message(5) { writer in
                    writer.packed(1, tensor.dims)
                    writer.int(2, tensor.type)
                    writer.string(8, tensor.name)
                    if !tensor.raw.isEmpty { writer.bytes(9, tensor.raw) }
                }
            }
            func valueInfo(_ field: Int, _ name: String, _ dims: [Int], symbol: String?) {
                graph.message(field) { info in
                    info.string(1, name)
                    info.message(2) { type in
                        type.message(1) { tensor in
                            tensor.int(1, 1)
                            tensor.message(2) { shape in
                                for (axis, dim) in dims.enumerated() {
                                    shape.message(1) { d in
                                        if axis == 0, let symbol { d.string(2, symbol) } else { d.int(1, dim) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            valueInfo(11, "input", inputDims, symbol: batchSymbol)
            valueInfo(12, output, [], symbol: nil)
        }
        return model.bytes
    }

    func read() throws(ImportFailure) -> ImportedNetwork {
        try ONNXReader.read(bytes, fileName: "test.onnx")
    }
}

/// The text of a layer's computation: the call, or `ADD`/`CONCAT`/`MUL`.
func computationText(_ layer: ImportedLayer) -> String {
    switch layer.computation {
    case .call(let text): return text
    case .merge(let kind): return kind.keyword
    }
}

/// The first error message of an import failure.
func importError(_ body: () throws(ImportFailure) -> ImportedNetwork) -> String? {
    do throws(ImportFailure) {
        _ = try body()
        return nil
    } catch {
        return error.diagnostics.items.first?.message
    }
}

@Suite struct ProtobufReaderTests {
    func reader(_ bytes: [UInt8]) -> ProtobufReader { ProtobufReader(bytes: bytes, messageName: "TestProto") }

    @Test func varints() throws {
        let cases: [([UInt8], UInt64)] = [
            ([0x00], 0), ([0x01], 1), ([0x7F], 127), ([0x80, 0x01], 128), ([0xAC, 0x02], 300),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], UInt64(UInt32.max)),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], UInt64.max),
            // A non-minimal encoding is still valid.
            ([0x80, 0x80, 0x00], 0),
        ]
        for (bytes, value) in cases {
            var r = reader(bytes)
            #expect(try r.readVarint() == value)
            #expect(r.isAtEnd)
        }
        var negative = reader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(try negative.readInt64() == -1)
    }

    @Test func badVarints() {
        // Eleven bytes, a tenth byte beyond 64 bits, and a varint cut by the end.
        let cases: [([UInt8], String)] = [
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x81, 0x00], "longer than 10 bytes"),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], "does not fit in 64 bits"),
            ([0x80], "the file ends inside a TestProto"),
            ([], "the file ends inside a TestProto"),
        ]
        for (bytes, message) in cases {
            var r = reader(bytes)
            do throws(ProtobufError) {
                _ = try r.readVarint()
                Issue.record("\(bytes) was read")
            } catch {
                #expect(error.message.contains(message), "\(error.message)")
                #expect(error.offset == 0)
            }
        }
    }

    @Test func fixedValues() throws {
        var r = reader([0x00, 0x00, 0x80, 0x3F, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08])
        #expect(try r.readFloat() == 1.0)
        #expect(try r.readFixed64() == 0x0807060504030201)
        var short = reader([0x01, 0x02, 0x03])
        #expect(throws: ProtobufError.self) { try short.readFixed32() }
        var shorter = reader([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07])
        #expect(throws: ProtobufError.self) { try shorter.readFixed64() }
    }

    @Test func skipsEveryWireType() throws {
        var writer = ProtobufWriter()
        writer.int(1, 150)                               // varint
        writer.key(2, 1); writer.bytes += Array(repeating: 0xAA, count: 8)  // fixed64
        writer.string(3, "skipped")                      // length-delimited
        writer.float(4, 2.5)                             // fixed32
        writer.int(5, 42)
        var r = reader(writer.bytes)
        var seen: [Int] = []
        while let field = try r.nextField() {
            if field.number == 5 {
                #expect(try r.readInt() == 42)
            } else {
                try r.skip(field)
            }
            seen.append(field.number)
        }
        #expect(seen == [1, 2, 3, 4, 5])
    }

    @Test func rejectsGroupsAndBadKeys() {
        let cases: [([UInt8], String)] = [
            ([0x0B], "is a group"),             // field 1, wire type 3
            ([0x0C], "is a group"),             // wire type 4
            ([0x0E], "invalid wire type 6"),
            ([0x0F], "invalid wire type 7"),
            ([0x00], "field number 0"),
        ]
        for (bytes, message) in cases {
            var r = reader(bytes)
            do throws(ProtobufError) {
                _ = try r.nextField()
                Issue.record("\(bytes) was accepted")
            } catch {
                #expect(error.message.contains(message), "\(error.message)")
            }
        }
    }

    @Test func lengthsAreChecked() throws {
        // A length past the file's end: the message is read up to the end, and the error names the
        // innermost message cut, at its start.
        var r = reader([0x0A, 0x05, 0x08, 0x01])
        _ = try r.nextField()
        do throws(ProtobufError) {
            var node = try r.readMessage("NodeProto")
            #expect(try node.nextField()?.number == 1)
            #expect(try node.readInt() == 1)
            _ = try node.nextField()
            Issue.record("a truncated message was accepted")
        } catch {
            #expect(error.message == "the file ends inside a NodeProto")
            #expect(error.offset == 1)
        }
        var cut = reader([0x0A, 0x06, 0x12, 0x04, 0x0A, 0x09, 0x08])
        _ = try cut.nextField()
        do throws(ProtobufError) {
            var node = try cut.readMessage("NodeProto")
            _ = try node.nextField()
            var attribute = try node.readMessage("AttributeProto")
            while let field = try attribute.nextField() { try attribute.skip(field) }
            Issue.record("a truncated message was accepted")
        } catch {
            #expect(error.message == "the file ends inside a field 1 of an AttributeProto")
            #expect(error.offset == 5)
        }
        var outer = reader([0x0A, 0x03, 0x12, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])
        _ = try outer.nextField()
        var inner = try outer.readMessage("GraphProto")
        let field = try inner.nextField()
        #expect(field?.number == 2)
        do throws(ProtobufError) {
            _ = try inner.readMessage("NodeProto")
            Issue.record("a message longer than its parent was accepted")
        } catch {
            #expect(error.message.contains("claims 5 bytes, but only 1 are left"), "\(error.message)")
        }
        // A length that does not fit in Int.
        var huge = reader([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        _ = try huge.nextField()
        #expect(throws: ProtobufError.self) { try huge.readLengthDelimited("bytes") }
    }

    @Test func packedAndUnpackedRepeats() throws {
        var writer = ProtobufWriter()
        writer.packed(1, [1, -2, 300])
        writer.int(1, 7)
        var r = reader(writer.bytes)
        var values: [Int64] = []
        while let field = try r.nextField() { try r.readInt64s(field, "dims", into: &values) }
        #expect(values == [1, -2, 300, 7])

        var floats = ProtobufWriter()
        floats.bytes(7, [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40])
        floats.float(7, 3)
        var f = reader(floats.bytes)
        var list: [Float] = []
        while let field = try f.nextField() { try f.readFloats(field, "floats", into: &list) }
        #expect(list == [1, 2, 3])

        var odd = reader([0x3A, 0x03, 0x00, 0x00, 0x80])
        let field = try #require(try odd.nextField())
        var none: [Float] = []
        #expect(throws: ProtobufError.self) { try odd.readFloats(field, "floats", into: &none) }
    }
}

@Suite struct ONNXModelTests {
    /// Every prefix of a small valid model gives an import failure or a network, never a crash.
    @Test func everyPrefixOfASmallModel() throws {
        var model = ModelBuilder()
        model.weight("w", [4, 3, 3, 3])
        model.weight("b", [4])
        model.weight("fc.w", [10, 64])
        model.int64s("shape", [1, -1])
        model.node("Conv", "conv", ["input", "w", "b"], ["c"], [ModelBuilder.ints("pads", [1, 1, 1, 1])])
        model.node("Relu", "relu", ["c"], ["r"])
        model.node("MaxPool", "pool", ["r"], ["p"], [ModelBuilder.ints("kernel_shape", [2, 2]), ModelBuilder.ints("strides", [2, 2])])
        model.node("Reshape", "flatten", ["p", "shape"], ["f"])
        model.node("Gemm", "fc", ["f", "fc.w"], ["output"], [ModelBuilder.int("transB", 1)])
        let bytes = model.bytes
        let network = try ONNXReader.read(bytes, fileName: "small.onnx")
        #expect(network.layers.map(computationText) == ["CONV(4,3,p1)", "RELU", "POOL(2,s2)", "FLATTEN", "FC(10,nobias)"])
        var failures = 0
        for length in 0..<bytes.count {
            do throws(ImportFailure) {
                _ = try ONNXReader.read(Array(bytes[..<length]), fileName: "small.onnx")
            } catch {
                failures += 1
                #expect(error.diagnostics.items.first?.message.hasPrefix("small.onnx: ") == true)
            }
        }
        #expect(failures > bytes.count / 2)
    }

    /// Bytes flipped one at a time in a small model never crash the reader.
    @Test func corruptedBytes() {
        var model = ModelBuilder()
        model.weight("w", [4, 3, 3, 3])
        model.node("Conv", "conv", ["input", "w"], ["c"], [ModelBuilder.ints("pads", [1, 1, 1, 1])])
        model.node("GlobalAveragePool", "gap", ["c"], ["output"])
        let bytes = model.bytes
        for index in bytes.indices {
            for value: UInt8 in [0x00, 0xFF, 0x80, 0x7F, 0x08, 0x12] {
                var copy = bytes
                copy[index] = value
                _ = try? ONNXReader.read(copy, fileName: "x.onnx")
            }
        }
    }

    @Test func truncatedFixture() throws {
        let bytes = try #require(onnxFixture("truncated.onnx"))
        let message = importError { () throws(ImportFailure) in try ONNXReader.read(bytes, fileName: "truncated.onnx") }
        #expect(message?.hasPrefix("truncated.onnx: the file ends inside") == true, "\(message ?? "no error")")
        #expect(message?.contains("(at byte ") == true)
    }

    @Test func unsupportedOperatorFixture() throws {
        let bytes = try #require(onnxFixture("unsupported_op.onnx"))
        do throws(ImportFailure) {
            _ = try ONNXReader.read(bytes, fileName: "unsupported_op.onnx")
            Issue.record("an Einsum was accepted")
        } catch {
            let diagnostic = try #require(error.diagnostics.items.first)
            #expect(diagnostic.message == "unsupported_op.onnx: node 'mix_channels' uses Einsum, which netcalc does not support")
            #expect(diagnostic.hints.first?.contains("Conv, ConvTranspose") == true)
        }
    }

    @Test func externalDataIsNotNeeded() throws {
        let bytes = try #require(onnxFixture("external_data.onnx"))
        let network = try ONNXReader.read(bytes, fileName: "external_data.onnx")
        #expect(network.layers.map(computationText) == ["CONV(4,3,p1)", "RELU", "POOL(2,s2)", "FLATTEN", "FC(10)"])
    }

    @Test func notAnONNXFile() {
        let text = Array("INPUT[32x32x3] -> CONV(8,3)\n".utf8)
        let message = importError { () throws(ImportFailure) in try ONNXReader.read(text, fileName: "spec.net") }
        #expect(message != nil)
        #expect(importError { () throws(ImportFailure) in try ONNXReader.read([], fileName: "empty.onnx") }
            == "empty.onnx: the file holds no graph, so it is not an ONNX model")
    }
}

/// Reads and analyzes a fixture end to end, as `netcalc NAME.onnx` does.
func analyzeONNXFixture(_ name: String) -> NetworkReport? {
    guard let bytes = onnxFixture(name) else { return nil }
    let (report, diagnostics) = importModel(name, bytes, format: .onnx, overrides: SettingsOverride())
    if report == nil || diagnostics.hasErrors {
        Issue.record("\(name): \(diagnostics.items.map(\.message))")
    }
    return report
}

/// The exported torchvision models: netcalc's totals, last output and convolution and dense rows
/// against what the exporting script measured on the unstripped file and in PyTorch.
@Suite struct ONNXFixtureTests {
    static let models = [
        "convnext_tiny", "convnext_tiny_opset11", "convnext_tiny_opset21", "densenet121", "efficientnet_b0",
        "googlenet", "inception_v3", "lraspp_mobilenet_v3_large", "lraspp_mobilenet_v3_large_opset9",
        "mobilenet_v2", "mobilenet_v2_opset10", "mobilenet_v3_small", "regnet_y_400mf", "resnet18", "resnet18_bn",
        "resnet18_train", "resnet50", "shufflenet_v2_x0_5", "squeezenet1_1", "tiny_conv", "vgg11",
    ]

    /// Every NAME.expected.json in the folder is one of the models tested here.
    @Test func everyFixtureIsTested() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: onnxFixtures)) ?? []
        let listed = Set(names.filter { $0.hasSuffix(".expected.json") }.map { String($0.dropLast(".expected.json".count)) })
        #expect(listed == Set(Self.models))
    }

    @Test(arguments: models) func model(_ name: String) throws {
        guard let json = onnxFixture(name + ".expected.json"), let report = analyzeONNXFixture(name + ".onnx") else { return }
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let input = try #require((expected["input"] as? [String: Any])?["shape"] as? [Int])
        let output = try #require(expected["output"] as? [Int])
        #expect(report.totals.params == expected["params_in_file"] as? Int)
        #expect(report.totals.nonTrainable == expected["nontrainable_in_file"] as? Int)
        #expect(report.totals.macs == expected["macs"] as? Int)
        #expect(report.rows.first?.output == Shape(width: input[0], height: input[1], depth: input[2]))
        #expect(report.rows.last?.output == Shape(width: output[0], height: output[1], depth: output[2]))
        // Each Conv, ConvTranspose, Gemm and MatMul is a row of its node's name, with the same output
        // and MACs, and the same parameters (a MatMul's row also holds the bias Add folded into it).
        let rows = Dictionary(report.rows.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let layers = try #require(expected["layers"] as? [[String: Any]])
        for layer in layers {
            let node = try #require(layer["name"] as? String)
            guard let row = rows[node] else {
                Issue.record("\(name): no row for \(node)")
                continue
            }
            let shape = try #require(layer["output"] as? [Int])
            #expect(row.output == Shape(width: shape[0], height: shape[1], depth: shape[2]), "\(node)")
            #expect(row.macs == layer["macs"] as? Int, "\(node)")
            if layer["op"] as? String == "MatMul" {
                #expect(row.params == (layer["params"] as? Int ?? 0) + row.biases, "\(node)")
            } else {
                #expect(row.params == layer["params"] as? Int, "\(node)")
            }
        }
    }

    /// The number of rows of each operation a model gives.
    func counts(_ report: NetworkReport) -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in report.rows.dropFirst() { counts[row.op, default: 0] += 1 }
        return counts
    }

    @Test func resnet18() throws {
        let bytes = try #require(onnxFixture("resnet18.onnx"))
        let network = try ONNXReader.read(bytes, fileName: "Fixtures/resnet18.onnx")
        #expect(network.name == "resnet18")
        #expect(network.inputName == "input")
        #expect(network.input == Shape(width: 224, height: 224, depth: 3))
        #expect(network.batch == 1)
        #expect(computationText(network.layers[0]) == "CONV(64,7,s2,p3)")
        #expect(network.layers[0].inputs == ["input"])
        #expect(network.layers.filter { if case .merge(.add) = $0.computation { return true } else { return false } }.count == 8)
        #expect(network.layers.last.map(computationText) == "FC(1000)")
        #expect(network.layers.last?.output == "output")
        #expect(network.notes == ["batch norm is folded into the convolutions (an eval-mode export): the parameters are the file's, which differ from the framework's"])
        #expect(network.layers.allSatisfy { $0.range == SourceRange(0, 0) })
    }

    @Test func batchNormKept() throws {
        for name in ["resnet18_bn", "resnet18_train"] {
            let report = try #require(analyzeONNXFixture(name + ".onnx"))
            #expect(counts(report)["bn"] == 20)
            let bytes = try #require(onnxFixture(name + ".onnx"))
            #expect(try ONNXReader.read(bytes, fileName: name).notes.isEmpty)
        }
    }

    @Test func writtenOutPatterns() throws {
        // ConvNeXt before opset 17 writes LayerNorm and GELU out; each is one row, nothing left over.
        for name in ["convnext_tiny", "convnext_tiny_opset11", "convnext_tiny_opset21"] {
            let report = try #require(analyzeONNXFixture(name + ".onnx"))
            let ops = counts(report)
            #expect(ops["layernorm"] == 23, "\(name)")
            #expect(ops["gelu"] == 18, "\(name)")
            #expect(ops["scale"] == 18, "\(name)")
            #expect(ops["add"] == 18, "\(name)")
            let bytes = try #require(onnxFixture(name + ".onnx"))
            #expect(try ONNXReader.read(bytes, fileName: name).notes.isEmpty, "\(name)")
        }
        let efficientnet = try #require(analyzeONNXFixture("efficientnet_b0.onnx"))
        #expect(counts(efficientnet)["silu"] == 49)
        #expect(counts(efficientnet)["sigmoid"] == 16)
        #expect(counts(efficientnet)["mul"] == 16)
        let mobilenet = try #require(analyzeONNXFixture("mobilenet_v3_small.onnx"))
        #expect(counts(mobilenet)["hardswish"] == 19)
        #expect(counts(mobilenet)["hardsigmoid"] == 9)
        // Opset 9 has no HardSwish: HardSigmoid times its input is one.
        let lraspp = try #require(analyzeONNXFixture("lraspp_mobilenet_v3_large_opset9.onnx"))
        #expect(counts(lraspp)["hardswish"] == 20)
        #expect(counts(lraspp)["upsample"] == 2)
    }

    @Test func channelShuffle() throws {
        let report = try #require(analyzeONNXFixture("shufflenet_v2_x0_5.onnx"))
        let ops = counts(report)
        #expect(ops["shuffle"] == 16)
        #expect(ops["slice"] == 26)
        #expect(ops["concat"] == 16)
        let texts = report.rows.filter { $0.op == "shuffle" }.map(\.text)
        #expect(Set(texts) == ["SHUFFLE(2)"])
    }
}
