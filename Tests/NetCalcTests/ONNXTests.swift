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

/// An imported network's numbers, computed layer by layer by netcalc's own analysis of each call
/// on its input's shape (a stand-in for the graph analysis): totals and each tensor's shape.
struct ImportedTotals {
    var params = 0
    var nonTrainable = 0
    var macs = 0
    var shapes: [String: Shape] = [:]
    var last: Shape?
    var errors: [String] = []

    init(_ network: ImportedNetwork) {
        shapes[network.inputName] = network.input
        for layer in network.layers {
            let inputs = layer.inputs.compactMap { shapes[$0] }
            guard inputs.count == layer.inputs.count, let first = inputs.first else {
                errors.append("\(layer.name): an input is unknown")
                return
            }
            switch layer.computation {
            case .merge(let kind):
                do throws(LayerFailure) {
                    shapes[layer.output] = try kind.combine(inputs)
                } catch {
                    errors.append("\(layer.name): \(kind.keyword) of \(inputs.map(\.fullText))")
                    return
                }
            case .call(let text):
                let spec = "@rounding floor\nINPUT[\(first.fullText)] -> \(text)"
                let (reports, diagnostics) = analyze(spec)
                guard diagnostics.isEmpty, let report = reports.first, report.rows.count == 2 else {
                    errors.append("\(layer.name): \(text) on \(first.fullText): \(diagnostics.map(\.message))")
                    return
                }
                let row = report.rows[1]
                params += row.params
                nonTrainable += row.nonTrainable
                macs += row.macs
                shapes[layer.output] = row.output
            }
            last = shapes[layer.output]
        }
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
        // A length past the file's end, and one past its enclosing message's end.
        var r = reader([0x0A, 0x05, 0x01, 0x02])
        _ = try r.nextField()
        do throws(ProtobufError) {
            _ = try r.readMessage("NodeProto")
            Issue.record("a truncated message was accepted")
        } catch {
            #expect(error.message == "the file ends inside a NodeProto")
            #expect(error.offset == 1)
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

@Suite struct ONNXDumpTests {
    @Test func dump() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: onnxFixtures)) ?? []
        for name in names.sorted() where name.hasSuffix(".onnx") {
            guard let bytes = onnxFixture(name) else { continue }
            do throws(ImportFailure) {
                let network = try ONNXReader.read(bytes, fileName: name)
                let totals = ImportedTotals(network)
                print("== \(name): \(network.name) input \(network.input.fullText) batch \(String(describing: network.batch)) layers \(network.layers.count) params \(totals.params) nontrainable \(totals.nonTrainable) macs \(totals.macs) last \(totals.last?.fullText ?? "?") errors \(totals.errors.prefix(3)) notes \(network.notes)")
            } catch {
                print("== \(name): \(error.diagnostics.items.map(\.message))")
            }
        }
    }
}

@Suite struct ONNXDumpLayers {
    @Test func layers() throws {
        let only = (ProcessInfo.processInfo.environment["ONNX_DUMP"] ?? "").split(separator: ",").map(String.init)
        for name in only {
            guard let bytes = onnxFixture(name + ".onnx") else { continue }
            let network = try ONNXReader.read(bytes, fileName: name)
            let totals = ImportedTotals(network)
            print("#### \(name) notes \(network.notes)")
            for layer in network.layers {
                print("  \(layer.name) | \(computationText(layer)) | \(layer.inputs) -> \(layer.output) | \(totals.shapes[layer.output]?.fullText ?? "?")")
            }
        }
    }
}
