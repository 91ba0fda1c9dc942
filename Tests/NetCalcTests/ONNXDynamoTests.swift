import Foundation
import Testing
@testable import NetCalc

/// What dynamo's exports write that the legacy exporter does not (Import/ONNX): GatherND of a position-bias
/// table (LeViT), a Gather whose indices netcalc does not know (Swin's as_strided), fills stored as float
/// initializers (a batch norm's absent bias, a mask's region numbers), and hostile GatherNDs.
@Suite struct ONNXDynamoTests {
    typealias Build = (inout ModelBuilder) -> Void

    func read(_ build: Build) throws(ImportFailure) -> NetworkReport? {
        var model = ModelBuilder()
        build(&model)
        let network = try model.read()
        return GraphAnalyzer(network: network, file: SourceFile(name: "test.onnx", text: ""), overrides: SettingsOverride()).analyze().report
    }

    func failure(_ build: Build) -> String? {
        var model = ModelBuilder()
        build(&model)
        return importError { () throws(ImportFailure) in try model.read() }
    }

    /// An int64 initializer of any dims; no values stores none (a stripped index table).
    static func indices(_ model: inout ModelBuilder, _ name: String, _ dims: [Int], _ values: [Int] = []) {
        var raw: [UInt8] = []
        for value in values {
            let bits = UInt64(bitPattern: Int64(value))
            for shift in stride(from: 0, to: 64, by: 8) { raw.append(UInt8((bits >> UInt64(shift)) & 0xFF)) }
        }
        model.initializers.append((name, dims, 7, raw))
    }

    static func ints(_ dims: [Int], _ values: [Int]) -> ONNXConstant {
        ONNXConstant(dims: dims, dataType: ONNXDataType.int64, values: .ints(values))
    }

    static let square = ONNXConstant(dims: [2, 2], dataType: ONNXDataType.float, values: .floats([0, 1, 2, 3]))
    static let cube = ONNXConstant(dims: [2, 2, 2], dataType: ONNXDataType.float, values: .floats([0, 1, 2, 3, 4, 5, 6, 7]))

    /// GatherND folds by ONNX's rules (its operator's examples): whole tuples pick elements, shorter ones
    /// slices, batch_dims pairs the leading axes, negative indices count from the end.
    @Test func gatherNDFoldsLikeONNX() throws {
        let elements = try ONNXConstant.gatherND(Self.square, Self.ints([2, 2], [0, 0, 1, 1]), batchDims: 0)
        #expect(elements.dims == [2])
        #expect(elements.doubles == [0, 3])
        let rows = try ONNXConstant.gatherND(Self.square, Self.ints([2, 1], [1, 0]), batchDims: 0)
        #expect(rows.dims == [2, 2])
        #expect(rows.doubles == [2, 3, 0, 1])
        let batched = try ONNXConstant.gatherND(Self.cube, Self.ints([2, 1], [1, 0]), batchDims: 1)
        #expect(batched.dims == [2, 2])
        #expect(batched.doubles == [2, 3, 4, 5])
        let nested = try ONNXConstant.gatherND(Self.cube, Self.ints([2, 1, 2], [0, 1, 1, 0]), batchDims: 0)
        #expect(nested.dims == [2, 1, 2])
        #expect(nested.doubles == [2, 3, 4, 5])
        let negative = try ONNXConstant.gatherND(Self.square, Self.ints([1, 2], [-1, -2]), batchDims: 0)
        #expect(negative.doubles == [2])
        // Past the fold limit the dims stay and the values go; unknown indices give the dims alone.
        let table = ONNXConstant(dims: [196, 4], dataType: ONNXDataType.float, values: nil)
        let unknown = ONNXConstant(dims: [196, 196, 1], dataType: ONNXDataType.int64, values: nil)
        let gathered = try ONNXConstant.gatherND(table, unknown, batchDims: 0)
        #expect(gathered.dims == [196, 196, 4])
        #expect(gathered.values == nil)
    }

    /// Hostile GatherNDs are errors, never traps: indices outside their axis, tuples longer than the data's
    /// rank or empty, batch_dims out of range or unequal, scalars, results past 64 bits, fractional indices.
    @Test func gatherNDRefusesBadIndicesAndRanks() {
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.square, Self.ints([1, 2], [2, 0]), batchDims: 0) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.square, Self.ints([1, 2], [0, -3]), batchDims: 0) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.square, Self.ints([1, 3], [0, 0, 0]), batchDims: 0) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.square, Self.ints([2, 0], []), batchDims: 0) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.cube, Self.ints([2, 1], [0, 0]), batchDims: 2) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.cube, Self.ints([2, 1], [0, 0]), batchDims: -1) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.cube, Self.ints([3, 1], [0, 0, 0]), batchDims: 1) }
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.square, Self.ints([], [0]), batchDims: 0) }
        let scalar = ONNXConstant(dims: [], dataType: ONNXDataType.float, values: .floats([1]))
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(scalar, Self.ints([1], [0]), batchDims: 0) }
        let wide = ONNXConstant(dims: [2, 1 << 40], dataType: ONNXDataType.float, values: nil)
        let many = ONNXConstant(dims: [1 << 40, 1], dataType: ONNXDataType.int64, values: nil)
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(wide, many, batchDims: 0) }
        let fractional = ONNXConstant(dims: [1, 1], dataType: ONNXDataType.float, values: .floats([0.5]))
        #expect(throws: ConstantFailure.self) { try ONNXConstant.gatherND(Self.square, fractional, batchDims: 0) }
    }

    /// A GatherND of a computed tensor at a batch of 1 follows ONNX's shape rule (a TENSOROP row), which
    /// needs only the indices' dims; known indices are checked, and a bad one names the node.
    @Test func gatherNDOfDataFollowsTheShapeRule() throws {
        let report = try #require(try read { m in
            Self.indices(&m, "pick", [1, 2, 1], [2, 0])
            m.node("GatherND", "g", ["input", "pick"], ["output"], [ModelBuilder.int("batch_dims", 1)])
        })
        let row = try #require(report.rows.last)
        #expect(row.op == "tensor")
        // ONNX [1, 2, 8, 8]: the batch dropped, the last dim the channels.
        #expect(row.output == Shape(spatial: [8, 2], depth: 8))
        let stripped = try #require(try read { m in
            Self.indices(&m, "pick", [1, 5, 2])
            m.node("GatherND", "g", ["input", "pick"], ["output"], [ModelBuilder.int("batch_dims", 1)])
        })
        #expect(stripped.rows.last?.output == Shape(spatial: [5], depth: 8))
        #expect(failure { m in
            Self.indices(&m, "pick", [1, 1, 1], [3])
            m.node("GatherND", "g", ["input", "pick"], ["output"], [ModelBuilder.int("batch_dims", 1)])
        } == "test.onnx: node 0 'g' (GatherND): error: cannot be evaluated: GatherND's index 3 is outside an axis of 3")
        #expect(failure { m in
            Self.indices(&m, "pick", [1, 1, 4])
            m.node("GatherND", "g", ["input", "pick"], ["output"], [ModelBuilder.int("batch_dims", 1)])
        } == "test.onnx: node 0 'g' (GatherND): error: cannot be evaluated: GatherND's indices pick 4 axes of data of rank 4 with 1 batch axes")
        #expect(failure { m in
            Self.indices(&m, "pick", [2, 1, 1], [0, 0])
            m.node("GatherND", "g", ["input", "pick"], ["output"], [ModelBuilder.int("batch_dims", 1)])
        } == "test.onnx: node 0 'g' (GatherND): error: cannot be evaluated: GatherND's data [1, 3, 8, 8] and indices [2, 1, 1] differ in their 1 batch axes")
        #expect(failure { m in
            Self.indices(&m, "pick", [1, 1, 1], [0])
            m.node("GatherND", "g", ["input", "pick"], ["output"], [ModelBuilder.int("batch_dims", 7)])
        } == "test.onnx: node 0 'g' (GatherND): error: cannot be evaluated: GatherND's batch_dims 7 is not below both ranks, 4 and 3")
    }

    /// A GatherND of a stored table by an index table is folded (dynamo's LeViT attention bias): no row,
    /// and the table counts once as the learned values of the row reading it.
    @Test func gatherNDOfATableIsFoldedAndCountedOnce() throws {
        let report = try #require(try read { m in
            m.weight("table", [5, 64])
            Self.indices(&m, "pick", [3, 1], [4, 0, 2])
            m.int64s("tokens", [1, 3, 64])
            m.node("GatherND", "bias", ["table", "pick"], ["b"])
            m.node("Reshape", "flat", ["input", "tokens"], ["t"])
            m.node("Add", "add", ["t", "b"], ["output"])
        })
        #expect(report.rows.map(\.name) == ["input", "flat", "add"])
        #expect(report.rows.last?.params == 320)
        #expect(failure { m in
            m.weight("table", [5, 64])
            Self.indices(&m, "pick", [3, 1], [4, 0, 5])
            m.node("GatherND", "bias", ["table", "pick"], ["output"])
        } == "test.onnx: node 0 'bias' (GatherND): error: cannot be evaluated: GatherND's index 5 is outside an axis of 5")
    }

    /// A Gather of a computed tensor by indices netcalc does not know (more than it decodes, as dynamo's
    /// as_strided writes them) follows ONNX's shape rule, which needs only their dims.
    @Test func gatherWithUnknownIndicesFollowsTheShapeRule() throws {
        let report = try #require(try read { m in
            m.int64s("tokens", [1, 3, 64])
            Self.indices(&m, "pick", [1, 70])
            m.node("Reshape", "flat", ["input", "tokens"], ["t"])
            m.node("Gather", "g", ["t", "pick"], ["output"], [ModelBuilder.int("axis", 2)])
        })
        // ONNX [1, 3, 1, 70].
        #expect(report.rows.last?.output == Shape(spatial: [1, 3], depth: 70))
        #expect(failure { m in
            m.int64s("tokens", [1, 3, 64])
            m.int64s("pick", [64])
            m.node("Reshape", "flat", ["input", "tokens"], ["t"])
            m.node("Gather", "g", ["t", "pick"], ["output"], [ModelBuilder.int("axis", 2)])
        } == "test.onnx: node 1 'g' (Gather): error: gathers the position 64 of an axis of 64")
    }

    /// A float initializer of one repeated value is a fill the exporter wrote, not learned values, even when
    /// it holds more values than netcalc decodes with the graph (read from the file on demand).
    @Test func fillsAreNotParameters() throws {
        func added(_ values: [Float]) throws -> Int? {
            try read { m in
                m.int64s("tokens", [1, 3, 64])
                m.floats("fill", [3, 64], values)
                m.node("Reshape", "flat", ["input", "tokens"], ["t"])
                m.node("Add", "add", ["t", "fill"], ["output"])
            }?.rows.last?.params
        }
        #expect(try added(Array(repeating: 2, count: 192)) == 0)
        #expect(try added((0..<192).map(Float.init)) == 192)
    }

    /// dynamo's weight standardization: a batch norm of the weight whose scale is the gain and whose bias is
    /// a stored zero tensor (96 values, read on demand): the CONV counts the weight once, the gain is an
    /// in-place SCALE, the zeros count nothing.
    @Test func dynamoWeightStandardization() throws {
        let report = try #require(analyzeONNXFixture("nfnet_dynamo.onnx"))
        let conv = try #require(report.rows.first { $0.name == "node_conv2d_1" })
        #expect(conv.params == 96 * 16 * 9 + 96)
        #expect(conv.macs == 16 * 16 * 96 * 16 * 9)
        let gain = try #require(report.rows.first { $0.name == "node_conv2d_1/gain" })
        #expect(gain.params == 96)
        #expect(gain.activations == 0)
    }

    /// The as_strided Gather of dynamo's Swin (96 indices, more than netcalc decodes) and LeViT's GatherND
    /// fixtures read to the end.
    @Test func dynamoFixturesRead() throws {
        let swin = try #require(analyzeONNXFixture("swin_dynamo.onnx"))
        #expect(swin.rows.contains { $0.name == "node_as_strided" && $0.op == "tensor" })
        let bytes = try #require(onnxFixture("levit_dynamo.onnx"))
        let network = try ONNXReader.read(bytes, fileName: "levit_dynamo.onnx")
        #expect(!network.layers.contains { $0.name.contains("GatherND") })
    }
}
