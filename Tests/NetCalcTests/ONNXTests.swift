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
    /// Graph inputs after the first, with their declared dims (weights fed as inputs, as ONNX's
    /// operator tests feed them).
    var extraInputs: [(name: String, dims: [Int])] = []
    var nodes: [(op: String, name: String, inputs: [String], outputs: [String], attributes: [(inout ProtobufWriter) -> Void])] = []
    var initializers: [(name: String, dims: [Int], type: Int, raw: [UInt8])] = []
    var output = "output"
    var producer = "test"
    var graphName = "test_graph"
    /// Node domains by node name, for nodes outside the default domain.
    var domains: [String: String] = [:]

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
                    if let domain = domains[node.name] { writer.string(7, domain) }
                    for attribute in node.attributes { writer.message(5, attribute) }
                }
            }
            graph.string(2, graphName)
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
            for extra in extraInputs { valueInfo(11, extra.name, extra.dims, symbol: nil) }
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
    case .call(let call): return call.text
    case .merge(let kind): return kind.keyword
    }
}

/// The first error of an import failure as its first line reads on a terminal: its place (the file, and
/// the node it is about), `error:` and its message.
func importError(_ body: () throws(ImportFailure) -> ImportedNetwork) -> String? {
    do throws(ImportFailure) {
        _ = try body()
        return nil
    } catch {
        return error.diagnostics.items.first.map { DiagnosticRenderer(color: false).render($0) }?
            .split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
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
                #expect(error.diagnostics.items.first?.file?.name == "small.onnx")
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
        #expect(message?.hasPrefix("truncated.onnx: error: the file ends inside") == true, "\(message ?? "no error")")
        #expect(message?.contains("(at byte ") == true)
    }

    /// The fixture's Einsum was once unsupported; it is now followed by ONNX's shape rules, its MACs the
    /// contraction's terms (8x8 positions x 4 channels in x 8 out).
    @Test func einsumFixtureIsFollowed() throws {
        let report = try #require(analyzeONNXFixture("unsupported_op.onnx"))
        let row = try #require(report.rows.first { $0.name == "mix_channels" })
        #expect(row.op == "tensor")
        #expect(row.output == Shape(spatial: [8, 8], depth: 8))
        #expect(row.macs == 8 * 8 * 4 * 8)
        #expect(row.params == 32)
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
            == "empty.onnx: error: the file holds no graph, so it is not an ONNX model")
    }
}

/// Reads and analyzes a fixture end to end, as `netcalc NAME.onnx` does.
func analyzeONNXFixture(_ name: String) -> NetworkReport? {
    guard let bytes = onnxFixture(name) else { return nil }
    let (report, diagnostics) = importModel(name, bytes, format: .onnx, overrides: SettingsOverride()).parts
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
        "m5", "mc3_18", "mobilenet_v2", "mobilenet_v2_opset10", "mobilenet_v3_small", "r2plus1d_18", "r3d_18",
        "regnet_y_400mf", "resnet18", "resnet18_bn", "resnet18_train", "resnet50", "s3d", "shufflenet_v2_x0_5",
        "squeezenet1_1", "tcn", "tiny_conv", "unet3d", "vgg11",
    ]

    /// A shape of expected.json, `[W, H, C]` or `[W, H, T, C]`, as netcalc's.
    static func shape(_ sizes: [Int]) -> Shape? {
        guard let depth = sizes.last, (2...4).contains(sizes.count) else { return nil }
        return Shape(spatial: Array(sizes.dropLast()), depth: depth)
    }

    /// True when a row's output is the expected shape: the same sizes, or the same vector written at
    /// another rank (a video network's FC gives `1x1x1x400`, the expected `[1, 1, 400]`).
    static func matches(_ output: Shape?, _ sizes: [Int]) -> Bool {
        guard let output, let expected = shape(sizes) else { return false }
        return output.answers(expected)
    }

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
        #expect(report.rows.first?.output == Self.shape(input))
        #expect(Self.matches(report.rows.last?.output, output), "\(report.rows.last?.output.fullText ?? "") vs \(output)")
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
            #expect(Self.matches(row.output, shape), "\(node): \(row.output.fullText) vs \(shape)")
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

/// Operators one by one, on small hand-made graphs: the calls they become, the shapes that follow,
/// and the errors that name the node.
@Suite struct ONNXOperatorTests {
    typealias Build = (inout ModelBuilder) -> Void

    /// A model with a 1x3x8x8 input (unless changed) built by `build`.
    func model(_ build: Build) -> ModelBuilder {
        var model = ModelBuilder()
        build(&model)
        return model
    }

    /// The imported network, analyzed: its calls and the last row's output.
    func run(_ build: Build, sourceLocation: SourceLocation = #_sourceLocation) -> (calls: [String], output: String, network: ImportedNetwork)? {
        let built = model(build)
        do throws(ImportFailure) {
            let network = try built.read()
            let (report, diagnostics) = GraphAnalyzer(network: network, file: SourceFile(name: "test.onnx", text: ""),
                                                      overrides: SettingsOverride()).analyze().parts
            guard let report else {
                Issue.record("analysis failed: \(diagnostics.items.map(\.message))", sourceLocation: sourceLocation)
                return nil
            }
            return (network.layers.map(computationText), report.rows.last?.output.fullText ?? "", network)
        } catch {
            Issue.record("import failed: \(error.diagnostics.items.map(\.message))", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// The import's first error message.
    func failure(_ build: Build) -> String {
        importError { () throws(ImportFailure) in try model(build).read() } ?? "no error"
    }

    @Test func convolutions() {
        // Asymmetric padding is a PAD first; SAME padding is computed; depthwise, grouped, non-square.
        let asymmetric = run { m in
            m.weight("w", [4, 3, 3, 3])
            m.node("Conv", "conv", ["input", "w"], ["output"], [ModelBuilder.ints("pads", [0, 0, 1, 1]), ModelBuilder.ints("strides", [2, 2])])
        }
        #expect(asymmetric?.calls == ["PAD(0,1,0,1)", "CONV(4,3,s2,nobias)"])
        #expect(asymmetric?.output == "4x4x4")
        #expect(asymmetric?.network.layers.map(\.name) == ["conv/pad", "conv"])
        let sameUpper = run { m in
            m.weight("w", [4, 3, 3, 3])
            m.node("Conv", "conv", ["input", "w"], ["output"], [ModelBuilder.string("auto_pad", "SAME_UPPER"), ModelBuilder.ints("strides", [2, 2])])
        }
        #expect(sameUpper?.calls == ["PAD(0,1,0,1)", "CONV(4,3,s2,nobias)"])
        let sameLower = run { m in
            m.weight("w", [4, 3, 3, 3])
            m.node("Conv", "conv", ["input", "w"], ["output"], [ModelBuilder.string("auto_pad", "SAME_LOWER"), ModelBuilder.ints("strides", [2, 2])])
        }
        #expect(sameLower?.calls == ["PAD(1,0,1,0)", "CONV(4,3,s2,nobias)"])
        let sameSymmetric = run { m in
            m.weight("w", [4, 3, 3, 3])
            m.weight("b", [4])
            m.node("Conv", "conv", ["input", "w", "b"], ["output"], [ModelBuilder.string("auto_pad", "SAME_UPPER")])
        }
        #expect(sameSymmetric?.calls == ["CONV(4,3,p1)"])
        let depthwise = run { m in
            m.weight("w", [6, 1, 3, 3])
            m.node("Conv", "conv", ["input", "w"], ["output"], [ModelBuilder.int("group", 3), ModelBuilder.ints("pads", [1, 1, 1, 1]),
                                                               ModelBuilder.ints("dilations", [2, 2])])
        }
        #expect(depthwise?.calls == ["DWCONV(3,p1,d2,m2,nobias)"])
        #expect(depthwise?.output == "6x6x6")
        let grouped = run { m in
            m.inputDims = [1, 4, 8, 8]
            m.weight("w", [8, 2, 3, 3])
            m.node("Conv", "conv", ["input", "w"], ["output"], [ModelBuilder.int("group", 2)])
        }
        #expect(grouped?.calls == ["CONV(8,3,g2,nobias)"])
        let nonSquare = run { m in
            m.weight("w", [4, 3, 1, 7])
            m.node("Conv", "conv", ["input", "w"], ["output"], [ModelBuilder.ints("pads", [0, 3, 0, 3]), ModelBuilder.ints("strides", [2, 1])])
        }
        #expect(nonSquare?.calls == ["CONV(4,7x1,s1x2,p3x0,nobias)"])
        #expect(nonSquare?.output == "8x4x4")
        #expect(failure { m in
            m.weight("w", [4, 2, 3, 3])
            m.node("Conv", "conv", ["input", "w"], ["output"])
        } == "test.onnx: node 0 'conv' (Conv): error: has a weight of dims [4, 2, 3, 3] and group 1, which do not fit its 3 input channels")
        #expect(failure { m in
            m.weight("w", [4, 3, 9, 9])
            m.node("Conv", "conv", ["input", "w"], ["output"])
        }.contains("larger than its padded input"))
    }

    @Test func transposedConvolutions() {
        let deconv = run { m in
            m.weight("w", [3, 5, 4, 4])
            m.node("ConvTranspose", "up", ["input", "w"], ["output"], [ModelBuilder.ints("strides", [2, 2]), ModelBuilder.ints("pads", [1, 1, 1, 1])])
        }
        #expect(deconv?.calls == ["DECONV(5,4,s2,p1,nobias)"])
        #expect(deconv?.output == "16x16x5")
        #expect(failure { m in
            m.weight("w", [3, 5, 4, 4])
            m.node("ConvTranspose", "up", ["input", "w"], ["output"], [ModelBuilder.ints("strides", [2, 2]), ModelBuilder.ints("output_padding", [1, 1])])
        } == "test.onnx: node 0 'up' (ConvTranspose): error: has output_padding [1, 1], which netcalc's DECONV cannot state")
    }

    @Test func pools() {
        let pools = run { m in
            m.node("MaxPool", "max", ["input"], ["a"], [ModelBuilder.ints("kernel_shape", [3, 3]), ModelBuilder.ints("strides", [2, 2]), ModelBuilder.int("ceil_mode", 1)])
            m.node("AveragePool", "avg", ["a"], ["b"], [ModelBuilder.ints("kernel_shape", [2, 2])])
            m.node("GlobalMaxPool", "gmp", ["b"], ["output"])
        }
        #expect(pools?.calls == ["POOL(3,s2,ceil)", "AVGPOOL(2,s1)", "ADAPTIVEMAXPOOL(1)"])
        #expect(pools?.output == "1x1x3")
        let means = run { m in
            m.int64s("axes", [-1, -2])
            m.node("ReduceMean", "mean", ["input", "axes"], ["output"], [ModelBuilder.int("keepdims", 0)])
        }
        #expect(means?.calls == ["GAP"])
        #expect(failure { m in
            m.node("ReduceMean", "mean", ["input"], ["output"], [ModelBuilder.ints("axes", [1])])
        }.hasPrefix("test.onnx: node 0 'mean' (ReduceMean): error: averages a tensor of dims [1, 3, 8, 8] (NCHW) over the axes [1]"))
    }

    @Test func activations() {
        let chain = run { m in
            m.opset = 10
            m.weight("slope", [3, 1, 1])
            m.weight("one", [1])
            m.node("LeakyRelu", "leaky", ["input"], ["a"], [ModelBuilder.float("alpha", 0.1)])
            m.node("Elu", "elu", ["a"], ["b"], [ModelBuilder.float("alpha", 2)])
            m.node("PRelu", "prelu", ["b"], ["c"])
            m.node("PRelu", "prelu1", ["c", "one"], ["c1"])
            m.node("Clip", "relu6", ["c1"], ["d"], [ModelBuilder.float("min", 0), ModelBuilder.float("max", 6)])
            m.node("Tanh", "tanh", ["d"], ["e"])
            m.node("LRN", "lrn", ["e"], ["f"], [ModelBuilder.int("size", 5)])
            m.node("Dropout", "drop", ["f"], ["g"])
            m.node("Identity", "id", ["g"], ["h"])
            m.node("Softmax", "softmax", ["h"], ["output"], [ModelBuilder.int("axis", 1)])
            m.nodes[2].inputs = ["b", "slope"]
        }
        #expect(chain?.calls == ["LEAKYRELU(0.1)", "ELU", "PRELU(per_channel)", "PRELU", "RELU6", "TANH", "LRN(5)", "DROPOUT", "SOFTMAX"])
        let clips = run { m in
            m.floats("zero", [], [0])
            m.node("Clip", "relu", ["input", "zero"], ["output"])
        }
        #expect(clips?.calls == ["RELU"])
        #expect(failure { m in
            m.floats("low", [], [-1])
            m.floats("high", [], [1])
            m.node("Clip", "clip", ["input", "low", "high"], ["output"])
        } == "test.onnx: node 0 'clip' (Clip): error: clips to [-1.0, 1.0]; netcalc has RELU (Clip at 0) and RELU6 (Clip to [0, 6])")
        #expect(CallText.decimal(0.01) == "0.01")
        #expect(CallText.decimal(1e-05) == "0.00001")
        #expect(CallText.decimal(1.5e-7) == "0.00000015")
        #expect(CallText.decimal(1) == "1")
        #expect(CallText.decimal(2.5e10) == "25000000000")
    }

    @Test func normalizations() {
        let norms = run { m in
            m.inputDims = [1, 4, 8, 8]
            m.weight("s", [4])
            m.node("BatchNormalization", "bn", ["input", "s", "s", "s", "s"], ["a"])
            m.node("InstanceNormalization", "in", ["a", "s", "s"], ["b"])
            m.node("GroupNormalization", "gn", ["b", "s", "s"], ["c"], [ModelBuilder.int("num_groups", 2)])
            m.node("Transpose", "nhwc", ["c"], ["d"], [ModelBuilder.ints("perm", [0, 2, 3, 1])])
            m.node("LayerNormalization", "ln", ["d", "s", "s"], ["e"], [ModelBuilder.int("axis", -1)])
            m.node("Transpose", "nchw", ["e"], ["output"], [ModelBuilder.ints("perm", [0, 3, 1, 2])])
        }
        #expect(norms?.calls == ["BN", "INSTANCENORM(affine)", "GROUPNORM(2)", "LAYERNORM"])
        #expect(norms?.output == "8x8x4")
        #expect(failure { m in
            m.weight("s", [8])
            m.node("LayerNormalization", "ln", ["input", "s", "s"], ["output"], [ModelBuilder.int("axis", -1)])
        }.contains("netcalc's LAYERNORM normalizes the channels at each position"))
    }

    @Test func merges() {
        let merged = run { m in
            m.node("Relu", "a", ["input"], ["a"])
            m.node("Sigmoid", "b", ["input"], ["b"])
            m.node("Add", "add", ["a", "b"], ["c"])
            m.node("GlobalAveragePool", "gap", ["c"], ["g"])
            m.node("Mul", "se", ["c", "g"], ["d"])
            m.node("Concat", "cat", ["d", "c"], ["output"], [ModelBuilder.int("axis", 1)])
        }
        #expect(merged?.calls == ["RELU", "SIGMOID", "ADD", "GAP", "MUL", "CONCAT"])
        #expect(merged?.network.layers[2].inputs == ["a", "b"])
        #expect(merged?.output == "8x8x6")
        // At a batch of 1 a Sub of two computed tensors (EfficientFormer's pool(x) - x) is followed by ONNX's
        // shape rules (ONNXModelsTests); at another batch it stays refused.
        #expect(failure { m in
            m.inputDims = [2, 3, 8, 8]
            m.node("Relu", "a", ["input"], ["a"])
            m.node("Sub", "sub", ["a", "input"], ["output"])
        } == "test.onnx: node 1 'sub' (Sub): error: computes Sub of two computed tensors; netcalc merges tensors by ADD, MUL and CONCAT only")
        #expect(failure { m in
            m.node("MaxPool", "pool", ["input"], ["a"], [ModelBuilder.ints("kernel_shape", [2, 2]), ModelBuilder.ints("strides", [2, 2])])
            m.node("Add", "add", ["a", "input"], ["output"])
        }.contains("netcalc's ADD needs equal shapes"))
    }

    @Test func arithmeticWithConstants() {
        // A scalar makes no row (and a note); per-channel Mul and Add are SCALE(bias).
        let scaled = run { m in
            m.floats("two", [], [2])
            m.weight("gamma", [3, 1, 1])
            m.weight("beta", [3, 1, 1])
            m.node("Mul", "double", ["input", "two"], ["a"])
            m.node("Mul", "gamma", ["a", "gamma"], ["b"])
            m.node("Add", "beta", ["b", "beta"], ["output"])
        }
        #expect(scaled?.calls == ["SCALE(bias)"])
        #expect(scaled?.network.layers.first?.inputs == ["input"])
        #expect(scaled?.network.notes == ["1 elementwise operation the exporter wrote out is not a row"])
        #expect(failure { m in
            m.weight("map", [1, 3, 8, 8])
            m.node("Add", "add", ["input", "map"], ["output"])
        }.contains("netcalc follows constants that are one value or one per channel"))
    }

    @Test func denseLayers() {
        let dense = run { m in
            m.inputDims = [1, 16]
            m.weight("w1", [16, 8])
            m.weight("b1", [8])
            m.weight("w2", [8, 4])
            m.weight("w3", [2, 4])
            m.node("MatMul", "fc1", ["input", "w1"], ["a"])
            m.node("Add", "bias1", ["b1", "a"], ["b"])
            m.node("MatMul", "fc2", ["b", "w2"], ["c"])
            m.node("Gemm", "fc3", ["c", "w3"], ["output"], [ModelBuilder.int("transB", 1)])
        }
        #expect(dense?.calls == ["FC(8)", "FC(4,nobias)", "FC(2,nobias)"])
        #expect(dense?.network.input == Shape(width: 1, height: 1, depth: 16))
        #expect(dense?.output == "1x1x2")
        // A channels-last MatMul is a 1x1 convolution.
        let pointwise = run { m in
            m.weight("w", [3, 12])
            m.weight("b", [12])
            m.node("Transpose", "nhwc", ["input"], ["a"], [ModelBuilder.ints("perm", [0, 2, 3, 1])])
            m.node("MatMul", "linear", ["a", "w"], ["b0"])
            m.node("Add", "bias", ["b0", "b"], ["c"])
            m.node("Transpose", "nchw", ["c"], ["output"], [ModelBuilder.ints("perm", [0, 3, 1, 2])])
        }
        #expect(pointwise?.calls == ["CONV(12,1)"])
        #expect(pointwise?.output == "8x8x12")
        #expect(failure { m in
            m.weight("w", [8, 4])
            m.node("MatMul", "mm", ["input", "w"], ["output"])
        }.contains("netcalc reads [N, F] x [F, K] (FC)"))
    }

    @Test func plumbing() {
        // Shape arithmetic around Reshape (the legacy exporter's flatten), Squeeze and Unsqueeze.
        let flatten = run { m in
            m.int64s("zero", [0])
            m.int64s("minus", [-1])
            m.node("Shape", "shape", ["input"], ["s"])
            m.node("Constant", "index", [], ["i"], [{ w in
                w.string(1, "value")
                w.message(5) { t in t.int(2, 7); t.bytes(9, [0, 0, 0, 0, 0, 0, 0, 0]) }
                w.int(20, 4)
            }])
            m.node("Gather", "batch", ["s", "i"], ["n"], [ModelBuilder.int("axis", 0)])
            m.node("Unsqueeze", "n1", ["n", "zero"], ["n2"])
            m.node("Concat", "target", ["n2", "minus"], ["t"], [ModelBuilder.int("axis", 0)])
            m.node("Reshape", "flatten", ["input", "t"], ["output"])
        }
        #expect(flatten?.calls == ["FLATTEN"])
        #expect(flatten?.output == "1x1x192")
        let squeezes = run { m in
            m.opset = 11
            m.weight("w", [5, 3, 1, 1])
            m.node("GlobalAveragePool", "gap", ["input"], ["a"])
            m.node("Squeeze", "squeeze", ["a"], ["b"], [ModelBuilder.ints("axes", [2, 3])])
            m.node("Unsqueeze", "unsqueeze", ["b"], ["c"], [ModelBuilder.ints("axes", [2, 3])])
            m.node("Conv", "conv", ["c", "w"], ["output"])
        }
        #expect(squeezes?.calls == ["GAP", "CONV(5,1,nobias)"])
        let split = run { m in
            m.inputDims = [1, 4, 8, 8]
            m.int64s("sizes", [1, 3])
            m.node("Split", "split", ["input", "sizes"], ["a", "b"], [ModelBuilder.int("axis", 1)])
            m.node("Concat", "cat", ["b", "a"], ["output"], [ModelBuilder.int("axis", 1)])
        }
        #expect(split?.calls == ["SLICE(0,1)", "SLICE(1,4)", "CONCAT"])
        #expect(split?.network.layers.map(\.name) == ["split:0", "split:1", "cat"])
        let shuffle = run { m in
            m.inputDims = [1, 4, 8, 8]
            m.int64s("grouped", [1, 2, 2, 8, 8])
            m.int64s("back", [1, -1, 8, 8])
            m.node("Reshape", "r1", ["input", "grouped"], ["a"])
            m.node("Transpose", "t", ["a"], ["b"], [ModelBuilder.ints("perm", [0, 2, 1, 3, 4])])
            m.node("Reshape", "r2", ["b", "back"], ["output"])
        }
        #expect(shuffle?.calls == ["SHUFFLE(2)"])
        #expect(failure { m in
            m.int64s("grouped", [1, 3, 1, 8, 8])
            m.node("Reshape", "r1", ["input", "grouped"], ["a"])
            m.node("Relu", "relu", ["a"], ["output"])
        } == "test.onnx: node 1 'relu' (Relu): error: reads a tensor of dims [1, 3, 1, 8, 8] (5-D channel groups); netcalc follows such a tensor only into the Reshape, Transpose or Gather that completes a channel shuffle or an as_strided view")
        #expect(failure { m in
            m.node("Transpose", "t", ["input"], ["output"], [ModelBuilder.ints("perm", [0, 1, 3, 2])])
        } == "test.onnx: node 0 't' (Transpose): error: permutes a tensor of dims [1, 3, 8, 8] (NCHW) by [0, 1, 3, 2]; netcalc follows NCHW <-> NHWC and a channel shuffle")
        #expect(failure { m in
            m.int64s("i", [0])
            m.node("Gather", "g", ["input", "i"], ["output"], [ModelBuilder.int("axis", 1)])
        }.contains("netcalc follows Gather on constants"))
    }

    @Test func resampling() {
        let cases: [(scales: [Float]?, sizes: [Int]?, mode: String, call: String, output: String)] = [
            ([1, 1, 2, 2], nil, "nearest", "UPSAMPLE(2)", "16x16x3"),
            ([1, 1, 2, 3], nil, "nearest", "UPSAMPLE(3x2)", "24x16x3"),
            ([1, 1, 1.5, 1.5], nil, "linear", "UPSAMPLE(size=12x12,bilinear)", "12x12x3"),
            (nil, [1, 3, 12, 20], "linear", "UPSAMPLE(size=20x12,bilinear)", "20x12x3"),
        ]
        for item in cases {
            let result = run { m in
                var inputs = ["input", ""]
                if let scales = item.scales {
                    m.floats("scales", [4], scales)
                    inputs.append("scales")
                } else if let sizes = item.sizes {
                    m.int64s("sizes", sizes)
                    inputs += ["", "sizes"]
                }
                m.node("Resize", "resize", inputs, ["output"], [ModelBuilder.string("mode", item.mode)])
            }
            #expect(result?.calls == [item.call])
            #expect(result?.output == item.output)
        }
        let legacy = run { m in
            m.opset = 7
            m.node("Upsample", "up", ["input"], ["output"], [{ w in
                w.string(1, "scales")
                for value: Float in [1, 1, 2, 2] { w.float(7, value) }
                w.int(20, 6)
            }])
        }
        #expect(legacy?.calls == ["UPSAMPLE(2)"])
        let padded = run { m in
            m.opset = 11
            m.int64s("pads", [0, 0, 1, 2, 0, 0, 3, 4])
            m.node("Pad", "pad", ["input", "pads"], ["output"])
        }
        #expect(padded?.calls == ["PAD(2,4,1,3)"])
        #expect(padded?.output == "14x12x3")
        #expect(failure { m in
            m.opset = 11
            m.int64s("pads", [0, 0, 1, 1, 0, 0, 1, 1])
            m.node("Pad", "pad", ["input", "pads"], ["output"], [ModelBuilder.string("mode", "reflect")])
        } == "test.onnx: node 0 'pad' (Pad): error: pads in the mode 'reflect'; netcalc's PAD pads with zeros (mode constant)")
    }

    @Test func writtenOutForms() {
        // GELU and LayerNorm written out, as the exporter does before opsets 20 and 17.
        let gelu = run { m in
            m.floats("sqrt2", [], [Float(2).squareRoot()])
            m.floats("one", [], [1])
            m.floats("half", [], [0.5])
            m.node("Div", "div", ["input", "sqrt2"], ["a"])
            m.node("Erf", "erf", ["a"], ["b"])
            m.node("Add", "add", ["b", "one"], ["c"])
            m.node("Mul", "mul", ["input", "c"], ["d"])
            m.node("Mul", "mul1", ["d", "half"], ["output"])
        }
        #expect(gelu?.calls == ["GELU"])
        #expect(gelu?.network.notes.isEmpty == true)
        // The dynamo exporter's order: x * ((Erf(x / sqrt 2) + 1) * 0.5).
        let dynamoGelu = run { m in
            m.floats("sqrt2", [], [Float(2).squareRoot()])
            m.floats("one", [], [1])
            m.floats("half", [], [0.5])
            m.node("Div", "div", ["input", "sqrt2"], ["a"])
            m.node("Erf", "erf", ["a"], ["b"])
            m.node("Add", "add", ["b", "one"], ["c"])
            m.node("Mul", "mul", ["half", "c"], ["d"])
            m.node("Mul", "gelu", ["input", "d"], ["output"])
        }
        #expect(dynamoGelu?.calls == ["GELU"])
        #expect(dynamoGelu?.network.notes.isEmpty == true)
        let layerNorm = run { m in
            m.int64s("axes", [-1])
            m.floats("two", [], [2])
            m.floats("eps", [], [1e-6])
            m.weight("gamma", [3])
            m.weight("beta", [3])
            m.node("Transpose", "nhwc", ["input"], ["x"], [ModelBuilder.ints("perm", [0, 2, 3, 1])])
            m.node("ReduceMean", "mean", ["x", "axes"], ["m"])
            m.node("Sub", "sub", ["x", "m"], ["d"])
            m.node("Pow", "pow", ["d", "two"], ["p"])
            m.node("ReduceMean", "var", ["p", "axes"], ["v"])
            m.node("Add", "addeps", ["v", "eps"], ["ve"])
            m.node("Sqrt", "sqrt", ["ve"], ["s"])
            m.node("Div", "div", ["d", "s"], ["n"])
            m.node("Mul", "scale", ["n", "gamma"], ["g"])
            m.node("Add", "shift", ["g", "beta"], ["y"])
            m.node("Transpose", "nchw", ["y"], ["output"], [ModelBuilder.ints("perm", [0, 3, 1, 2])])
        }
        #expect(layerNorm?.calls == ["LAYERNORM"])
        #expect(layerNorm?.network.notes.isEmpty == true)
        // Sigmoid or HardSigmoid times its own input.
        let gates = run { m in
            m.node("Sigmoid", "sig", ["input"], ["a"])
            m.node("Mul", "silu", ["a", "input"], ["b"])
            m.node("HardSigmoid", "hsig", ["b"], ["c"], [ModelBuilder.float("alpha", 1 / 6)])
            m.node("Mul", "hswish", ["b", "c"], ["output"])
        }
        #expect(gates?.calls == ["SILU", "HARDSWISH"])
        #expect(gates?.network.layers.map(\.name) == ["silu", "hswish"])
    }

    @Test func inputsAndNames() {
        // A channels-last input (read through a Transpose to NCHW), a symbolic or fixed batch.
        let channelsLast = run { m in
            m.inputDims = [1, 8, 6, 3]
            m.node("Transpose", "nchw", ["input"], ["a"], [ModelBuilder.ints("perm", [0, 3, 1, 2])])
            m.node("Relu", "", ["a"], ["output"])
        }
        #expect(channelsLast?.network.input == Shape(width: 6, height: 8, depth: 3))
        #expect(channelsLast?.network.layers.map(\.name) == ["output"])
        let symbolic = run { m in
            m.batchSymbol = "batch"
            m.node("Relu", "relu", ["input"], ["output"])
        }
        #expect(symbolic?.network.batch == nil)
        let fixed = run { m in
            m.inputDims = [4, 3, 8, 8]
            m.int64s("shape", [4, -1])
            m.node("Reshape", "flat", ["input", "shape"], ["output"])
        }
        #expect(fixed?.network.batch == 4)
        #expect(fixed?.calls == ["FLATTEN"])
        let named = run { m in
            m.graphName = "main_graph"
            m.node("Relu", "same", ["input"], ["a"])
            m.node("Relu", "same", ["a"], ["output"])
        }
        #expect(named?.network.name == "test")
        #expect(named?.network.layers.map(\.name) == ["same", "same#2"])
    }

    @Test func errors() {
        #expect(failure { m in
            m.node("Relu", "relu", ["nope"], ["output"])
        } == "test.onnx: node 0 'relu' (Relu): error: reads 'nope', which is no graph input, initializer or node output")
        #expect(failure { m in
            m.node("Relu", "second", ["a"], ["output"])
            m.node("Relu", "first", ["input"], ["a"])
        } == "test.onnx: node 0 'second' (Relu): error: reads 'a' before the node that writes it: the nodes are not in topological order")
        #expect(failure { m in
            m.opset = 6
            m.node("Relu", "relu", ["input"], ["output"])
        } == "test.onnx: error: the model uses opset 6, older than netcalc reads")
        #expect(failure { m in
            m.inputDims = [8]
            m.node("Relu", "relu", ["input"], ["output"])
        } == "test.onnx: error: the input 'input' (read by Relu) has 1 dim; netcalc reads tensors with a batch and channels first: [N,F], [N,C,L], [N,C,H,W] and [N,C,D,H,W]")
        #expect(failure { m in
            m.node("Relu", "relu", ["input"], ["a"])
        } == "test.onnx: error: no node writes the graph's output 'output'")
        // Every unsupported operator is reported at once, in one error for the file, with its count.
        let built = model { m in
            m.node("TopK", "k1", ["input"], ["a"])
            m.node("TopK", "k2", ["a"], ["b"])
            m.node("FusedConv", "fused", ["b"], ["output"])
            m.domains["fused"] = "com.microsoft"
        }
        do throws(ImportFailure) {
            _ = try built.read()
            Issue.record("unsupported operators were accepted")
        } catch {
            #expect(error.diagnostics.items.map(\.message) == [
                "the graph uses 2 operators netcalc does not support: TopK (2 nodes, the first 'k1'), FusedConv of the domain 'com.microsoft' (node 'fused')",
            ])
            #expect(error.diagnostics.items.first?.hints.first?.contains("Conv, ConvTranspose") == true)
        }
    }
}

/// The constant arithmetic exporters compute shapes with, evaluated exactly.
@Suite struct ONNXConstantTests {
    func ints(_ values: [Int], _ dims: [Int]? = nil) -> ONNXConstant {
        ONNXConstant(dims: dims ?? [values.count], dataType: ONNXDataType.int64, values: .ints(values))
    }

    @Test func arithmetic() throws {
        #expect(try ONNXConstant.binary(.mul, ints([2, 3]), ints([4], [])).ints == [8, 12])
        #expect(try ONNXConstant.binary(.div, ints([7, -7]), ints([2])).ints == [3, -3])
        #expect(try ONNXConstant.binary(.add, ints([1, 2], [2, 1]), ints([10, 20, 30])).dims == [2, 3])
        #expect(throws: ConstantFailure.self) { try ONNXConstant.binary(.div, ints([1]), ints([0])) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.binary(.mul, ints([Int.max]), ints([2])) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.binary(.add, ints([1, 2]), ints([1, 2, 3])) }
        let half = ONNXConstant(dims: [], dataType: ONNXDataType.float, values: .floats([0.5]))
        #expect(try ONNXConstant.binary(.mul, ints([3]), half).doubles == [1.5])
        #expect(try ONNXConstant.unary(.neg, ints([Int.min + 1])).ints == [Int.max])
        #expect(throws: ConstantFailure.self) { try ONNXConstant.unary(.abs, ints([Int.min])) }
        #expect(try ONNXConstant.binary(.mul, half, half).cast(to: ONNXDataType.int64).ints == [0])
    }

    @Test func indexing() throws {
        let shape = ints([1, 64, 56, 56])
        #expect(try ONNXConstant.gather(shape, ints([0], []), axis: 0).ints == [1])
        #expect(try ONNXConstant.gather(shape, ints([-1, 1]), axis: 0).ints == [56, 64])
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gather(shape, ints([4]), axis: 0) }
        #expect(try ONNXConstant.slice(shape, starts: [2], ends: [Int.max], axes: [0], steps: [1]).ints == [56, 56])
        #expect(try ONNXConstant.slice(shape, starts: [-1], ends: [Int.min], axes: [0], steps: [-1]).ints == [56, 56, 64, 1])
        #expect(try ONNXConstant.slice(shape, starts: [0], ends: [4], axes: [0], steps: [3]).ints == [1, 56])
        #expect(try ONNXConstant.concat([ints([1]), ints([-1]), ints([])], axis: 0).ints == [1, -1])
        #expect(try ONNXConstant.concat([ints([1, 2], [1, 2]), ints([3, 4], [1, 2])], axis: 1).ints == [1, 2, 3, 4])
        #expect(try ints([1, 2, 3, 4, 5, 6], [2, 3]).transposed([1, 0]).ints == [1, 4, 2, 5, 3, 6])
        #expect(try ONNXConstant.range(ints([0], []), ints([10], []), ints([3], [])).ints == [0, 3, 6, 9])
        #expect(try ONNXConstant.range(ints([5], []), ints([0], []), ints([-2], [])).ints == [5, 3, 1])
        #expect(throws: ConstantFailure.self) { try ONNXConstant.range(ints([0], []), ints([Int.max], []), ints([1], [])) }
        let condition = ints([1, 0])
        #expect(try ONNXConstant.select(condition, ints([7]), ints([8, 9])).ints == [7, 9])
        // A large tensor keeps its dims, not its values.
        let large = ONNXConstant(dims: [10_000, 3], dataType: ONNXDataType.float, values: nil)
        let sliced = try ONNXConstant.slice(large, starts: [1], ends: [9_001], axes: [0], steps: [2])
        #expect(sliced.dims == [4_500, 3])
        #expect(sliced.values == nil)
    }

    @Test func sliceRanges() throws {
        let half = try SliceRange(extent: 8192, start: 4096, end: Int.max, step: 1)
        #expect(half.first == 4096 && half.count == 4096)
        #expect(try SliceRange(extent: 10, start: -3, end: -1, step: 1).count == 2)
        #expect(try SliceRange(extent: 10, start: Int.max, end: Int.min, step: Int.min).count == 1)
        #expect(try SliceRange(extent: 10, start: 5, end: 2, step: 1).count == 0)
        #expect(throws: ConstantFailure.self) { try SliceRange(extent: 10, start: 0, end: 1, step: 0) }
    }
}

/// Mutated fixtures (bytes replaced, cut, repeated, varints made long) go through the reader and the
/// analysis without a crash. `ONNX_STRESS=N` runs N mutations per fixture instead of 20.
@Suite struct ONNXMutationTests {
    /// SplitMix64, for reproducible mutations.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: ONNXFixtureTests.models) func mutations(_ name: String) {
        guard let original = onnxFixture(name + ".onnx"), !original.isEmpty else { return }
        let count = Int(ProcessInfo.processInfo.environment["ONNX_STRESS"] ?? "") ?? 20
        var generator = Generator(state: name.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) })
        for _ in 0..<count {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes[index] = [0x00, 0x01, 0x7F, 0x80, 0xFF][Int.random(in: 0..<5, using: &generator)]
                case 2: bytes.removeSubrange(index...)
                case 3: bytes.insert(contentsOf: Array(repeating: 0xFF, count: Int.random(in: 1...12, using: &generator)), at: index)
                default:
                    let end = min(bytes.count, index + Int.random(in: 1...64, using: &generator))
                    bytes.insert(contentsOf: Array(bytes[index..<end]), at: index)
                }
                if bytes.isEmpty { break }
            }
            _ = importModel(name, bytes, format: .onnx, overrides: SettingsOverride())
        }
    }
}

extension ONNXOperatorTests {
    @Test func separateBiases() {
        // A bias added after a convolution without one is its bias; a per-channel Sub is not a row,
        // and the note says its values are left out.
        let biased = run { m in
            m.weight("w", [4, 3, 3, 3])
            m.weight("b", [1, 4, 1, 1])
            m.weight("mean", [3, 1, 1])
            m.node("Sub", "normalize", ["input", "mean"], ["x"])
            m.node("Conv", "conv", ["x", "w"], ["c"])
            m.node("Add", "bias", ["c", "b"], ["output"])
        }
        #expect(biased?.calls == ["CONV(4,3)"])
        #expect(biased?.network.layers.first?.output == "output")
        #expect(biased?.network.notes == ["1 elementwise operation the exporter wrote out is not a row (the 3 values of its per-channel constant are not counted as parameters)"])
    }
}

/// Sequences `[N, C, L]` and volumes `[N, C, D, H, W]`: spatial sizes width first, window attributes
/// reversed from ONNX's order, asymmetric pads as PAD, weights fed as graph inputs.
@Suite struct ONNXRankTests {
    typealias Build = (inout ModelBuilder) -> Void

    func read(_ build: Build) -> (network: ImportedNetwork, report: NetworkReport)? {
        var model = ModelBuilder()
        build(&model)
        do throws(ImportFailure) {
            let network = try model.read()
            let (report, diagnostics) = GraphAnalyzer(network: network, file: SourceFile(name: "test.onnx", text: ""),
                                                      overrides: SettingsOverride()).analyze().parts
            guard let report else {
                Issue.record("analysis failed: \(diagnostics.items.map(\.message))")
                return nil
            }
            return (network, report)
        } catch {
            Issue.record("import failed: \(error.diagnostics.items.map(\.message))")
            return nil
        }
    }

    func failure(_ build: Build) -> String {
        var model = ModelBuilder()
        build(&model)
        return importError { () throws(ImportFailure) in try model.read() } ?? "no error"
    }

    /// A 1-D network on 2 sequences of 4 channels and length 32.
    @Test func sequence() throws {
        let built = try #require(read { m in
            m.inputDims = [2, 4, 32]
            m.weight("w1", [8, 4, 5])
            m.weight("b1", [8])
            for name in ["scale", "bias", "mean", "var"] { m.weight(name, [8]) }
            m.weight("w2", [8, 8, 2])
            m.floats("scales", [3], [1, 1, 2])
            m.int64s("pads", [0, 0, 1, 0, 0, 2])
            m.weight("wt", [8, 4, 4])
            m.weight("fc", [3, 4])
            m.node("Conv", "conv1", ["input", "w1", "b1"], ["c1"], [ModelBuilder.ints("strides", [2]), ModelBuilder.ints("pads", [2, 2])])
            m.node("BatchNormalization", "bn", ["c1", "scale", "bias", "mean", "var"], ["n1"])
            m.node("Relu", "relu", ["n1"], ["r1"])
            m.node("MaxPool", "pool", ["r1"], ["p1"], [ModelBuilder.ints("kernel_shape", [2]), ModelBuilder.ints("strides", [2])])
            m.node("Conv", "conv2", ["p1", "w2"], ["c2"], [ModelBuilder.ints("pads", [0, 1])])
            m.node("Add", "add", ["p1", "c2"], ["a"])
            m.node("Resize", "up", ["a", "", "scales"], ["u"])
            m.node("Pad", "pad", ["u", "pads"], ["padded"])
            m.node("ConvTranspose", "deconv", ["padded", "wt"], ["d"], [ModelBuilder.ints("strides", [2])])
            m.node("GlobalAveragePool", "gap", ["d"], ["g"])
            m.node("Flatten", "flatten", ["g"], ["f"])
            m.node("Gemm", "fc", ["f", "fc"], ["output"], [ModelBuilder.int("transB", 1)])
        })
        #expect(built.network.input == Shape(spatial: [32], depth: 4))
        #expect(built.network.batch == 2)
        #expect(built.network.layers.map(computationText) == [
            "CONV(8,5,s2,p2)", "BN", "RELU", "POOL(2,s2)", "PAD(0,1)", "CONV(8,2,nobias)", "ADD", "UPSAMPLE(2)",
            "PAD(1,2)", "DECONV(4,4,s2,nobias)", "GAP", "FLATTEN", "FC(3,nobias)",
        ])
        let rows = Dictionary(built.report.rows.map { ($0.name, $0.output) }, uniquingKeysWith: { first, _ in first })
        #expect(rows["conv1"] == Shape(spatial: [16], depth: 8))
        #expect(rows["pool"] == Shape(spatial: [8], depth: 8))
        #expect(rows["add"] == Shape(spatial: [8], depth: 8))
        #expect(rows["pad"] == Shape(spatial: [19], depth: 8))
        #expect(rows["deconv"] == Shape(spatial: [40], depth: 4))
        #expect(built.report.rows.last?.output.answers(Shape(width: 1, height: 1, depth: 3)) == true)
        #expect(built.report.settings.batch == 2)
        // conv1 8*4*5 + 8, bn 16, conv2 8*8*2, deconv 8*4*4, fc 4*3.
        #expect(built.report.totals.params == 168 + 16 + 128 + 128 + 12)
        #expect(built.report.totals.macs == 16 * 8 * 20 + 8 * 8 * 16 + 19 * 8 * 16 + 12)
    }

    /// A 3-D network on one clip of 4 frames of 16x16, its first convolution's weight and its instance
    /// norm's scale and bias fed as graph inputs.
    @Test func volume() throws {
        let built = try #require(read { m in
            m.inputDims = [1, 3, 4, 16, 16]
            m.extraInputs = [("w1", [8, 3, 3, 7, 7]), ("gamma", [8]), ("beta", [8])]
            m.weight("w2", [8, 8, 2, 2, 2])
            m.int64s("sizes", [1, 16, 8, 8, 8])
            m.node("Conv", "conv1", ["input", "w1"], ["c1"], [ModelBuilder.ints("strides", [1, 2, 2]),
                                                              ModelBuilder.ints("pads", [1, 3, 3, 1, 3, 3])])
            m.node("InstanceNormalization", "norm", ["c1", "gamma", "beta"], ["n1"])
            m.node("Relu", "relu", ["n1"], ["r1"])
            m.node("MaxPool", "pool", ["r1"], ["p1"], [ModelBuilder.ints("kernel_shape", [1, 2, 2]), ModelBuilder.ints("strides", [1, 2, 2])])
            m.node("Conv", "conv2", ["p1", "w2"], ["c2"], [ModelBuilder.ints("pads", [0, 0, 0, 1, 1, 1])])
            m.node("Concat", "cat", ["p1", "c2"], ["cat"], [ModelBuilder.int("axis", 1)])
            m.node("Resize", "up", ["cat", "", "", "sizes"], ["u"])
            m.node("AveragePool", "avg", ["u"], ["a"], [ModelBuilder.ints("kernel_shape", [2, 2, 2]), ModelBuilder.ints("strides", [2, 2, 2])])
            m.node("GlobalMaxPool", "gmp", ["a"], ["output"])
        })
        #expect(built.network.input == Shape(spatial: [16, 16, 4], depth: 3))
        #expect(built.network.layers.map(computationText) == [
            "CONV(8,7x7x3,s2x2x1,p3x3x1,nobias)", "INSTANCENORM(affine)", "RELU", "POOL(2x2x1,s2x2x1)",
            "PAD(0,1,0,1,0,1)", "CONV(8,2,nobias)", "CONCAT", "UPSAMPLE(size=8x8x8)", "AVGPOOL(2,s2)", "ADAPTIVEMAXPOOL(1)",
        ])
        let rows = Dictionary(built.report.rows.map { ($0.name, $0.output) }, uniquingKeysWith: { first, _ in first })
        #expect(rows["conv1"] == Shape(spatial: [8, 8, 4], depth: 8))
        #expect(rows["pool"] == Shape(spatial: [4, 4, 4], depth: 8))
        #expect(rows["cat"] == Shape(spatial: [4, 4, 4], depth: 16))
        #expect(rows["avg"] == Shape(spatial: [4, 4, 4], depth: 16))
        #expect(built.report.rows.last?.output == Shape(spatial: [1, 1, 1], depth: 16))
        // conv1 8*3*147, norm 16, conv2 8*8*8.
        #expect(built.report.totals.params == 3_528 + 16 + 512)
        #expect(built.report.totals.macs == 256 * 8 * 441 + 64 * 8 * 64)
    }

    /// A graph input is a weight only where every reader reads a parameter; elsewhere it is refused,
    /// naming the operator and the input. Inputs without a batch and channels, or of more than three
    /// spatial axes, are refused naming their readers.
    @Test func graphInputsAndRanks() {
        #expect(failure { m in
            m.extraInputs = [("shape", [2])]
            m.node("Reshape", "reshape", ["input", "shape"], ["output"])
        } == "test.onnx: node 0 'reshape' (Reshape): error: reads the graph input 'shape' at its input 1, where it needs the values or computed data; netcalc follows one input, 'input', and reads other graph inputs only as weights of fixed dims")
        #expect(failure { m in
            m.extraInputs = [("w", [4, 3, 3, 3])]
            m.node("Conv", "conv", ["input", "w"], ["a"])
            m.node("Add", "add", ["a", "w"], ["output"])
        }.hasPrefix("test.onnx: node 0 'conv' (Conv): error: reads the graph input 'w' at its input 1, as a weight, but another node reads it elsewhere"))
        #expect(failure { m in
            m.inputDims = [1, 2, 3, 4, 5, 6]
            m.node("Relu", "relu", ["input"], ["output"])
        }.hasPrefix("test.onnx: error: the input 'input' (read by Relu) has 6 dims"))
        let matmul = read { m in
            m.inputDims = [3, 4]
            m.extraInputs = [("b", [4, 5])]
            m.node("MatMul", "mm", ["input", "b"], ["output"])
        }
        #expect(matmul?.network.layers.map(computationText) == ["FC(5,nobias)"])
        #expect(matmul?.report.settings.batch == 3)
        #expect(failure { m in
            m.inputDims = [1, 3, 8]
            m.weight("w", [4, 3, 3, 3])
            m.node("Conv", "conv", ["input", "w"], ["output"])
        } == "test.onnx: node 0 'conv' (Conv): error: has a weight of dims [4, 3, 3, 3] for its input [1, 3, 8] (NCL); netcalc reads weights [K, C/G, k1, ...] with one kernel size per spatial axis")
    }
}

extension ONNXRankTests {
    /// Sizes from a hostile file are refused with a message, never a trap.
    @Test func hostileSizes() {
        #expect(failure { m in
            m.inputDims = [1, 1, 4]
            m.node("MaxPool", "pool", ["input"], ["output"], [ModelBuilder.ints("kernel_shape", [2]), ModelBuilder.ints("pads", [Int.max, Int.max])])
        }.contains("(MaxPool)"))
        #expect(failure { m in
            m.inputDims = [1, 2, 1 << 40, 1 << 40, 1 << 40]
            m.node("Flatten", "flatten", ["input"], ["output"])
        }.contains("(Flatten): error: has sizes whose arithmetic does not fit in 64 bits"))
        #expect(failure { m in
            m.inputDims = [1, 1, 1 << 62, 4, 4]
            m.floats("scales", [5], [1, 1, 8, 1, 1])
            m.node("Resize", "up", ["input", "", "scales"], ["output"])
        }.contains("(Resize): error: has sizes whose arithmetic does not fit in 64 bits"))
        #expect(failure { m in
            m.inputDims = [1, 1, 4, 4, 4]
            m.weight("w", [1, 1, 2, 2, 2])
            m.node("ConvTranspose", "up", ["input", "w"], ["output"], [ModelBuilder.ints("strides", [Int.max, 1, 1])])
        }.contains("(ConvTranspose): error: has sizes whose arithmetic does not fit in 64 bits"))
        #expect(failure { m in
            m.inputDims = [1, 1, 4, 4, 4]
            m.extraInputs = [("w", [1 << 62, 1 << 62, 2, 2, 2])]
            m.node("Conv", "conv", ["input", "w"], ["output"])
        }.hasPrefix("test.onnx: node 0 'conv' (Conv): error: reads the graph input 'w'"))
    }
}

/// torchvision's video networks (and the other zoo networks exported) as ONNX files: the same numbers as
/// their specs (specs/r3d_18.net, ...).
@Suite struct ONNXVideoTests {
    @Test func r3d18() throws {
        let report = try #require(analyzeONNXFixture("r3d_18.onnx"))
        #expect(report.totals.params == 33_371_472)
        #expect(report.totals.nonTrainable == 9_600)
        #expect(report.totals.macs == 40_696_553_472)
        #expect(report.rows.first?.output == Shape(spatial: [112, 112, 16], depth: 3))
        #expect(report.rows.last?.output == Shape(vector: 400, rank: 3))
        #expect(report.rows[1].text == "CONV(64,7x7x3,s2x2x1,p3x3x1,nobias)")
        let (networks, diagnostics) = analyze(try String(contentsOfFile: packageRoot + "/specs/r3d_18.net", encoding: .utf8))
        #expect(diagnostics.isEmpty)
        let spec = try #require(networks.first)
        #expect(spec.totals.params == report.totals.params)
        #expect(spec.totals.macs == report.totals.macs)
        #expect(spec.rows.last?.output == report.rows.last?.output)
    }

    /// Params, non-trainable values and MACs of the zoo networks exported by tools/export_onnx.py with their
    /// batch norms kept (torchvision's mc3_18, r2plus1d_18 and s3d, tools/crosscheck_zoo.py's M5, TCN and 3-D U-Net).
    static let zoo: [String: (params: Int, nonTrainable: Int, macs: Int)] = [
        "mc3_18": (11_695_440, 9_600, 43_342_635_008),
        "r2plus1d_18": (31_505_325, 25_350, 40_519_080_960),
        "s3d": (8_320_048, 21_216, 17_978_771_456),
        "m5": (559_114, 2_048, 139_072_512),
        "tcn": (66_510, 0, 64_969_350),
        "unet3d": (19_075_523, 4_672, 266_731_018_496),
    ]

    /// Each zoo network's ONNX file gives its spec's totals, input and final output.
    @Test(arguments: zoo.keys.sorted()) func zooSpec(_ name: String) throws {
        let expected = try #require(Self.zoo[name])
        let report = try #require(analyzeONNXFixture(name + ".onnx"))
        #expect(report.totals.params == expected.params)
        #expect(report.totals.nonTrainable == expected.nonTrainable)
        #expect(report.totals.macs == expected.macs)
        let (networks, diagnostics) = analyze(try String(contentsOfFile: packageRoot + "/specs/\(name).net", encoding: .utf8))
        #expect(diagnostics.isEmpty)
        let spec = try #require(networks.first)
        #expect(spec.totals.params == report.totals.params)
        #expect(spec.totals.nonTrainable == report.totals.nonTrainable)
        #expect(spec.totals.macs == report.totals.macs)
        #expect(spec.rows.first?.output == report.rows.first?.output)
        #expect(spec.rows.last?.output == report.rows.last?.output)
    }
}

/// ONNX slices and gathers along a sequence's or volume's spatial axes: the crops of a TCN and a U-Net.
@Suite struct ONNXSpatialSliceTests {
    @Test func tcnReadsItsChompsAndLastStep() throws {
        let report = try #require(analyzeONNXFixture("tcn.onnx"))
        let crops = report.rows.filter { $0.op == "crop" }.map(\.text)
        #expect(crops.first == "CROP(784,o0)")
        #expect(crops.last == "CROP(1,o783)")
        #expect(report.rows.last?.output == Shape(vector: 10, rank: 1))
    }

    @Test func unetCropsEveryAxisOfItsSkips() throws {
        let report = try #require(analyzeONNXFixture("unet3d.onnx"))
        let crops = report.rows.filter { $0.op == "crop" }
        #expect(!crops.isEmpty)
        #expect(crops.allSatisfy { $0.output.rank == 3 && $0.output.spatial.allSatisfy { $0 < 132 } })
    }
}
