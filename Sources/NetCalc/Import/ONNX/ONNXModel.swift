/// The parts of an ONNX file (`onnx.proto`'s ModelProto) that netcalc reads: the opsets, the graph's
/// nodes with their attributes, the initializers' dims (and their values when small), and the
/// declared inputs and outputs. Everything else is skipped field by field. Subgraphs (the `g` and
/// `graphs` attributes of If, Loop and Scan) are skipped too, so messages nest at most six deep.
///
/// When a singular field appears twice the last one wins (protobuf would merge two copies of a
/// nested message; no exporter writes them).

/// The values of a small tensor, exactly: integers as `Int`, floating point as `Double`.
enum ONNXValues: Sendable, Equatable {
    case ints([Int])
    case floats([Double])

    var count: Int {
        switch self {
        case .ints(let values): return values.count
        case .floats(let values): return values.count
        }
    }

    /// Every value as a Double (integers beyond 2^53 round).
    var doubles: [Double] {
        switch self {
        case .ints(let values): return values.map { Double($0) }
        case .floats(let values): return values
        }
    }
}

/// TensorProto.DataType codes that matter to netcalc.
enum ONNXDataType {
    static let float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
    static let string = 8, bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13, bfloat16 = 16

    /// True for the floating-point types.
    static func isFloat(_ type: Int) -> Bool {
        type == float || type == double || type == float16 || type == bfloat16
    }

    /// A readable name: `FLOAT`, `INT64`, or the code.
    static func name(_ type: Int) -> String {
        switch type {
        case float: return "FLOAT"
        case uint8: return "UINT8"
        case int8: return "INT8"
        case uint16: return "UINT16"
        case int16: return "INT16"
        case int32: return "INT32"
        case int64: return "INT64"
        case string: return "STRING"
        case bool: return "BOOL"
        case float16: return "FLOAT16"
        case double: return "DOUBLE"
        case uint32: return "UINT32"
        case uint64: return "UINT64"
        case bfloat16: return "BFLOAT16"
        default: return "type \(type)"
        }
    }
}

/// A TensorProto: its name and dims always, its values only when it has at most
/// `ONNXTensor.valueLimit` elements of a numeric type netcalc decodes.
struct ONNXTensor: Sendable {
    /// Tensors with more elements keep their dims only.
    static let valueLimit = 64

    var name: String
    var dims: [Int]
    var dataType: Int
    /// The values, when small and decoded; nil for a large tensor, stripped or external data.
    var values: ONNXValues?
    /// True when the data is stored outside the file.
    var isExternal = false
    /// Where the raw_data of a tensor stored in the file lies (its length checked against the dims), for
    /// values read on demand (`ONNXModel.values(of:limit:)`); nil for typed fields, external or no data.
    var rawData: Range<Int>? = nil
    /// Where the tensor starts in the file.
    var offset: Int

    /// The number of elements: the product of the dims (1 for a scalar).
    var elementCount: Int {
        var count = 1
        for dim in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return Int.max }
            count = product
        }
        return count
    }
}

/// An AttributeProto: a name and one value of the kind its type gives.
struct ONNXAttribute: Sendable {
    var name = ""
    /// AttributeProto.AttributeType: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS, 8 STRINGS.
    var type = 0
    var float: Float?
    var int: Int?
    var string: String?
    var tensor: ONNXTensor?
    var floats: [Float] = []
    var ints: [Int] = []
    var strings: [String] = []
}

/// A NodeProto: one operator applied to named tensors.
struct ONNXNode: Sendable {
    var name = ""
    var opType = ""
    var domain = ""
    /// Input tensor names; an empty name is an omitted optional input.
    var inputs: [String] = []
    var outputs: [String] = []
    var attributes: [ONNXAttribute] = []
    /// Where the node starts in the file.
    var offset = 0
    /// Its position in the graph, from 0 (`graph.node[index]`): where diagnostics about it point.
    var index = 0
    /// The modules the node ran in, outermost first, as PyTorch's dynamo exporter records them
    /// (`pkg.torch.onnx.name_scopes`, its own name left out): `layer1`, `layer1.0`, `layer1.0.conv1`.
    var scopes: [String]?
    /// The rewrites the exporter's optimizer applied to the node (`pkg.onnxscript.rewriter.rule_name`):
    /// `FuseBatchNormIntoConv`.
    var rewrites = ""

    /// The attribute with a name, if given.
    func attribute(_ name: String) -> ONNXAttribute? {
        attributes.last { $0.name == name }
    }
}

/// One dimension of a declared shape.
enum ONNXDimension: Sendable, Equatable {
    case value(Int)
    case symbolic(String)
    case unknown
}

/// A ValueInfoProto: a graph input's or output's name and, for a tensor, its element type and shape.
struct ONNXValueInfo: Sendable {
    var name = ""
    var elementType: Int?
    /// The declared dims, or nil when no shape is given.
    var dims: [ONNXDimension]?
    var offset = 0
}

/// A GraphProto.
struct ONNXGraph: Sendable {
    var name = ""
    var nodes: [ONNXNode] = []
    var initializers: [ONNXTensor] = []
    var inputs: [ONNXValueInfo] = []
    var outputs: [ONNXValueInfo] = []
    var valueInfo: [ONNXValueInfo] = []
    var offset = 0
}

/// A ModelProto.
struct ONNXModel: Sendable {
    var irVersion: Int?
    var producerName = ""
    var producerVersion = ""
    /// The operator sets imported, as (domain, version); the default domain is "" or `ai.onnx`.
    var opsets: [(domain: String, version: Int)] = []
    var graph: ONNXGraph?
    /// The file's bytes, for the values of a tensor read on demand.
    var bytes: ModelBytes?

    /// The version of the default operator set, if imported.
    var defaultOpset: Int? {
        opsets.last { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
    }

    /// The values of a tensor of at most `limit` elements whose raw_data is in the file, read on demand
    /// (the graph's reading decodes only tensors of at most `ONNXTensor.valueLimit`); nil otherwise.
    func values(of tensor: ONNXTensor, limit: Int) -> ONNXValues? {
        if let values = tensor.values { return values }
        guard let bytes, let raw = tensor.rawData, tensor.elementCount <= limit,
              let size = ONNXTensor.elementSize(tensor.dataType), raw.upperBound <= bytes.count else { return nil }
        return ONNXTensor.decodeRaw(bytes[raw], dataType: tensor.dataType, size: size)
    }

    /// Parses a whole file in memory.
    init(bytes: [UInt8]) throws(ProtobufError) {
        try self.init(bytes: ModelBytes(bytes))
    }

    /// Parses a whole file, mapped or in memory: only the graph's bytes are read.
    init(bytes: ModelBytes) throws(ProtobufError) {
        self.bytes = bytes
        var reader = ProtobufReader(bytes: bytes, messageName: "ModelProto")
        while let field = try reader.nextField() {
            switch (field.number, field.wire) {
            case (1, .varint): irVersion = try reader.readInt()
            case (2, .lengthDelimited): producerName = try reader.readString("producer_name")
            case (3, .lengthDelimited): producerVersion = try reader.readString("producer_version")
            case (7, .lengthDelimited):
                let offset = reader.position
                var sub = try reader.readMessage("GraphProto")
                graph = try ONNXGraph.parse(&sub, offset: offset)
            case (8, .lengthDelimited):
                var sub = try reader.readMessage("OperatorSetIdProto")
                var domain = ""
                var version = 0
                while let inner = try sub.nextField() {
                    switch (inner.number, inner.wire) {
                    case (1, .lengthDelimited): domain = try sub.readString("domain")
                    case (2, .varint): version = try sub.readInt()
                    default: try sub.skip(inner)
                    }
                }
                opsets.append((domain, version))
            case (1, _), (2, _), (3, _), (7, _), (8, _):
                throw reader.wrongWire(field, "ModelProto field \(field.number)")
            default:
                try reader.skip(field)
            }
        }
    }
}

extension ONNXGraph {
    /// Reads a GraphProto's fields.
    static func parse(_ reader: inout ProtobufReader, offset: Int) throws(ProtobufError) -> ONNXGraph {
        var graph = ONNXGraph()
        graph.offset = offset
        while let field = try reader.nextField() {
            let start = reader.position
            switch (field.number, field.wire) {
            case (1, .lengthDelimited):
                var sub = try reader.readMessage("NodeProto")
                var node = try ONNXNode.parse(&sub, offset: start)
                node.index = graph.nodes.count
                graph.nodes.append(node)
            case (2, .lengthDelimited):
                graph.name = try reader.readString("graph name")
            case (5, .lengthDelimited):
                var sub = try reader.readMessage("TensorProto")
                graph.initializers.append(try ONNXTensor.parse(&sub, offset: start))
            case (11, .lengthDelimited), (12, .lengthDelimited), (13, .lengthDelimited):
                var sub = try reader.readMessage("ValueInfoProto")
                let info = try ONNXValueInfo.parse(&sub, offset: start)
                switch field.number {
                case 11: graph.inputs.append(info)
                case 12: graph.outputs.append(info)
                default: graph.valueInfo.append(info)
                }
            case (1, _), (2, _), (5, _), (11, _), (12, _), (13, _):
                throw reader.wrongWire(field, "GraphProto field \(field.number)")
            default:
                try reader.skip(field)
            }
        }
        return graph
    }
}

extension ONNXNode {
    /// Reads a NodeProto's fields.
    static func parse(_ reader: inout ProtobufReader, offset: Int) throws(ProtobufError) -> ONNXNode {
        var node = ONNXNode()
        node.offset = offset
        while let field = try reader.nextField() {
            let start = reader.position
            switch (field.number, field.wire) {
            case (1, .lengthDelimited): node.inputs.append(try reader.readString("node input"))
            case (2, .lengthDelimited): node.outputs.append(try reader.readString("node output"))
            case (3, .lengthDelimited): node.name = try reader.readString("node name")
            case (4, .lengthDelimited): node.opType = try reader.readString("op_type")
            case (5, .lengthDelimited):
                var sub = try reader.readMessage("AttributeProto")
                node.attributes.append(try ONNXAttribute.parse(&sub, offset: start))
            case (7, .lengthDelimited): node.domain = try reader.readString("domain")
            case (9, .lengthDelimited):
                // metadata_props: a StringStringEntryProto (key 1, value 2).
                var entry = try reader.readMessage("StringStringEntryProto")
                var key = ""
                var value = ""
                while let inner = try entry.nextField() {
                    switch (inner.number, inner.wire) {
                    case (1, .lengthDelimited): key = try entry.readString("metadata key")
                    case (2, .lengthDelimited): value = try entry.readString("metadata value")
                    default: try entry.skip(inner)
                    }
                }
                switch key {
                case "pkg.torch.onnx.name_scopes": node.scopes = Array(pythonStrings(value).dropFirst().dropLast())
                case "pkg.onnxscript.rewriter.rule_name": node.rewrites = value
                default: break
                }
            case (1, _), (2, _), (3, _), (4, _), (5, _), (7, _), (9, _):
                throw reader.wrongWire(field, "NodeProto field \(field.number)")
            default:
                try reader.skip(field)
            }
        }
        return node
    }
}

extension ONNXAttribute {
    /// Reads an AttributeProto's fields; subgraphs are skipped.
    static func parse(_ reader: inout ProtobufReader, offset: Int) throws(ProtobufError) -> ONNXAttribute {
        var attribute = ONNXAttribute()
        var ints64: [Int64] = []
        while let field = try reader.nextField() {
            let start = reader.position
            switch (field.number, field.wire) {
            case (1, .lengthDelimited): attribute.name = try reader.readString("attribute name")
            case (2, .fixed32): attribute.float = try reader.readFloat()
            case (3, .varint): attribute.int = Int(truncatingIfNeeded: try reader.readInt64())
            case (4, .lengthDelimited): attribute.string = try reader.readString("attribute string")
            case (5, .lengthDelimited):
                var sub = try reader.readMessage("TensorProto")
                attribute.tensor = try ONNXTensor.parse(&sub, offset: start)
            case (7, _): try reader.readFloats(field, "AttributeProto.floats", into: &attribute.floats)
            case (8, _): try reader.readInt64s(field, "AttributeProto.ints", into: &ints64)
            case (9, .lengthDelimited): attribute.strings.append(try reader.readString("attribute string"))
            case (20, .varint): attribute.type = try reader.readInt()
            case (1, _), (2, _), (3, _), (4, _), (5, _), (9, _), (20, _):
                throw reader.wrongWire(field, "AttributeProto field \(field.number)")
            default:
                try reader.skip(field)
            }
        }
        attribute.ints = ints64.map { Int(truncatingIfNeeded: $0) }
        return attribute
    }
}

extension ONNXValueInfo {
    /// Reads a ValueInfoProto: its name and, for a tensor type, the element type and dims.
    static func parse(_ reader: inout ProtobufReader, offset: Int) throws(ProtobufError) -> ONNXValueInfo {
        var info = ONNXValueInfo()
        info.offset = offset
        while let field = try reader.nextField() {
            switch (field.number, field.wire) {
            case (1, .lengthDelimited): info.name = try reader.readString("value name")
            case (2, .lengthDelimited):
                var type = try reader.readMessage("TypeProto")
                while let typeField = try type.nextField() {
                    guard typeField.number == 1, typeField.wire == .lengthDelimited else {
                        try type.skip(typeField)
                        continue
                    }
                    var tensor = try type.readMessage("TypeProto.Tensor")
                    while let tensorField = try tensor.nextField() {
                        switch (tensorField.number, tensorField.wire) {
                        case (1, .varint): info.elementType = try tensor.readInt()
                        case (2, .lengthDelimited):
                            var shape = try tensor.readMessage("TensorShapeProto")
                            var dims: [ONNXDimension] = []
                            while let shapeField = try shape.nextField() {
                                guard shapeField.number == 1, shapeField.wire == .lengthDelimited else {
                                    try shape.skip(shapeField)
                                    continue
                                }
                                var dimension = try shape.readMessage("TensorShapeProto.Dimension")
                                var dim = ONNXDimension.unknown
                                while let dimField = try dimension.nextField() {
                                    switch (dimField.number, dimField.wire) {
                                    case (1, .varint): dim = .value(Int(truncatingIfNeeded: try dimension.readInt64()))
                                    case (2, .lengthDelimited): dim = .symbolic(try dimension.readString("dim_param"))
                                    default: try dimension.skip(dimField)
                                    }
                                }
                                dims.append(dim)
                            }
                            info.dims = dims
                        default: try tensor.skip(tensorField)
                        }
                    }
                }
            default:
                try reader.skip(field)
            }
        }
        return info
    }
}

extension ONNXTensor {
    /// Reads a TensorProto. Large data is skipped, not copied: a value field is decoded only when
    /// the tensor turns out to have at most `valueLimit` elements.
    static func parse(_ reader: inout ProtobufReader, offset: Int) throws(ProtobufError) -> ONNXTensor {
        var dims64: [Int64] = []
        var dataType = 0
        var name = ""
        var raw: Range<Int>?
        var isExternal = false
        // The typed value fields seen (field key and the bytes of its value, length prefix included),
        // kept while they hold few enough values to decode.
        var typed: [(field: ProtobufField, range: Range<Int>)] = []
        var typedCount = 0
        var tooMany = false
        while let field = try reader.nextField() {
            switch (field.number, field.wire) {
            case (1, _): try reader.readInt64s(field, "TensorProto.dims", into: &dims64)
            case (2, .varint): dataType = try reader.readInt()
            case (8, .lengthDelimited): name = try reader.readString("tensor name")
            case (9, .lengthDelimited): raw = try reader.readLengthDelimited("raw_data")
            case (13, .lengthDelimited):
                isExternal = true
                try reader.skip(field)
            case (14, .varint): if try reader.readInt() == 1 { isExternal = true }
            case (4, .fixed32), (4, .lengthDelimited), (5, .varint), (5, .lengthDelimited),
                 (7, .varint), (7, .lengthDelimited), (10, .fixed64), (10, .lengthDelimited):
                let start = reader.position
                let size: Int? = field.number == 4 ? 4 : field.number == 10 ? 8 : nil
                let names = [4: "float_data", 5: "int32_data", 7: "int64_data", 10: "double_data"]
                let count = try reader.countValues(field, elementSize: size, names[field.number] ?? "values")
                let (sum, overflow) = typedCount.addingReportingOverflow(count)
                typedCount = overflow ? Int.max : sum
                if typedCount > valueLimit || typed.count >= 256 {
                    tooMany = true
                    typed.removeAll()
                } else if !tooMany {
                    typed.append((field, start..<reader.position))
                }
            case (2, _), (4, _), (5, _), (7, _), (8, _), (9, _), (10, _), (14, _):
                throw reader.wrongWire(field, "TensorProto field \(field.number)")
            default:
                try reader.skip(field)
            }
        }
        var dims: [Int] = []
        for dim in dims64 {
            guard dim >= 0 else {
                throw ProtobufError(message: "the tensor '\(name)' has the negative dimension \(dim)", offset: offset)
            }
            dims.append(Int(dim))
        }
        var tensor = ONNXTensor(name: name, dims: dims, dataType: dataType, values: nil, isExternal: isExternal,
                                offset: offset)
        let count = tensor.elementCount
        guard count != Int.max else {
            throw ProtobufError(message: "the tensor '\(name)' has dims \(dims) whose product does not fit in 64 bits",
                                offset: offset)
        }
        if let raw, !isExternal, let size = elementSize(dataType), count <= Int.max / size, raw.count == count * size {
            tensor.rawData = raw
        }
        guard count <= valueLimit, !isExternal, let size = elementSize(dataType) else { return tensor }
        if let raw {
            guard raw.count == count * size else {
                throw ProtobufError(message: "the tensor '\(name)' holds \(raw.count) bytes of raw_data, but its dims \(dims) need \(count * size) (\(count) x \(size))",
                                    offset: offset)
            }
            tensor.values = decodeRaw(reader.bytes[raw], dataType: dataType, size: size)
            return tensor
        }
        if tooMany {
            throw ProtobufError(message: "the tensor '\(name)' holds more values than its dims \(dims) have (\(count))",
                                offset: offset)
        }
        // The typed field that holds this data type; values in others are ignored, as protobuf's
        // readers of ONNX do.
        let wanted: Int
        switch dataType {
        case ONNXDataType.float: wanted = 4
        case ONNXDataType.double: wanted = 10
        case ONNXDataType.int64: wanted = 7
        default: wanted = 5
        }
        var ints64: [Int64] = []
        var floats: [Float] = []
        var doubles: [Double] = []
        for (field, range) in typed where field.number == wanted {
            var sub = reader.reader(at: range, messageName: "TensorProto")
            switch wanted {
            case 4: try sub.readFloats(field, "TensorProto.float_data", into: &floats)
            case 10: try sub.readDoubles(field, "TensorProto.double_data", into: &doubles)
            default: try sub.readInt64s(field, "TensorProto field \(wanted)", into: &ints64)
            }
        }
        let found = wanted == 4 ? floats.count : wanted == 10 ? doubles.count : ints64.count
        if found == 0 && count > 0 { return tensor }  // no data: a stripped weight
        guard found == count else {
            throw ProtobufError(message: "the tensor '\(name)' holds \(found) values, but its dims \(dims) need \(count)",
                                offset: offset)
        }
        switch wanted {
        case 4: tensor.values = .floats(floats.map { Double($0) })
        case 10: tensor.values = .floats(doubles)
        default:
            if dataType == ONNXDataType.bool {
                tensor.values = .ints(ints64.map { $0 != 0 ? 1 : 0 })
            } else {
                tensor.values = .ints(ints64.map { Int(truncatingIfNeeded: $0) })
            }
        }
        return tensor
    }

    /// The bytes one element takes in raw_data, for the types netcalc decodes.
    static func elementSize(_ dataType: Int) -> Int? {
        switch dataType {
        case ONNXDataType.float, ONNXDataType.int32: return 4
        case ONNXDataType.double, ONNXDataType.int64: return 8
        case ONNXDataType.int8, ONNXDataType.uint8, ONNXDataType.bool: return 1
        case ONNXDataType.int16, ONNXDataType.uint16: return 2
        default: return nil
        }
    }

    /// Decodes little-endian raw_data whose length has been checked.
    static func decodeRaw(_ bytes: ArraySlice<UInt8>, dataType: Int, size: Int) -> ONNXValues {
        var words: [UInt64] = []
        var index = bytes.startIndex
        while index + size <= bytes.endIndex {
            var word: UInt64 = 0
            for byte in 0..<size { word |= UInt64(bytes[index + byte]) << (8 * UInt64(byte)) }
            words.append(word)
            index += size
        }
        switch dataType {
        case ONNXDataType.float: return .floats(words.map { Double(Float(bitPattern: UInt32(truncatingIfNeeded: $0))) })
        case ONNXDataType.double: return .floats(words.map { Double(bitPattern: $0) })
        case ONNXDataType.int64: return .ints(words.map { Int(Int64(bitPattern: $0)) })
        case ONNXDataType.int32: return .ints(words.map { Int(Int32(truncatingIfNeeded: $0)) })
        case ONNXDataType.int16: return .ints(words.map { Int(Int16(truncatingIfNeeded: $0)) })
        case ONNXDataType.int8: return .ints(words.map { Int(Int8(truncatingIfNeeded: $0)) })
        case ONNXDataType.bool: return .ints(words.map { $0 != 0 ? 1 : 0 })
        default: return .ints(words.map { Int($0) })  // unsigned types of at most 32 bits
        }
    }
}

/// The strings of a Python list of string literals, as the dynamo exporter writes its metadata
/// (`['', 'layer1', 'layer1.0']`), quotes and backslash escapes undone; what is not such a list gives
/// what was read of it. At most 64 strings.
func pythonStrings(_ text: String) -> [String] {
    var strings: [String] = []
    var current: String.UnicodeScalarView?
    var quote: Unicode.Scalar = "'"
    var escaped = false
    for scalar in text.unicodeScalars {
        guard strings.count < Analyzer.maximumCallDepth else { break }
        if current != nil {
            if escaped {
                current?.append(scalar)
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == quote {
                strings.append(String(current!))
                current = nil
            } else {
                current?.append(scalar)
            }
        } else if scalar == "'" || scalar == "\"" {
            quote = scalar
            current = String.UnicodeScalarView()
        }
    }
    return strings
}

