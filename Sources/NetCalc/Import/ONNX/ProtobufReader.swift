/// A reader of the protobuf wire format over bytes in memory, enough for ONNX's messages: varints,
/// fixed 32- and 64-bit values, length-delimited fields (strings, bytes, nested messages, packed
/// repeated numbers) and the skipping of fields it does not know. It never traps: every length is
/// checked against the bytes left in the message being read, and a problem is a `ProtobufError`
/// naming the message and the byte offset.

/// A problem in the wire format: what was being read and the byte offset where it starts.
struct ProtobufError: Error, Sendable, Equatable {
    /// What is wrong, without the offset: `the file ends inside a NodeProto`.
    var message: String
    /// The offset in the file of the item that could not be read.
    var offset: Int
}

/// How a field's value is encoded on the wire. Groups (wire types 3 and 4, deprecated and unused
/// by ONNX) are rejected.
enum WireType: Sendable, Equatable {
    case varint, fixed64, lengthDelimited, fixed32

    /// The number protobuf gives the wire type.
    var number: Int {
        switch self {
        case .varint: return 0
        case .fixed64: return 1
        case .lengthDelimited: return 2
        case .fixed32: return 5
        }
    }
}

/// One field's key: its number and how its value is encoded.
struct ProtobufField: Sendable, Equatable {
    var number: Int
    var wire: WireType
    /// The offset of the field's key, for messages.
    var offset: Int
}

/// Reads the fields of one message, front to back, in `bytes[position..<end]`.
struct ProtobufReader: Sendable {
    /// The whole file; readers of nested messages share it.
    let bytes: ModelBytes
    /// The offset of the next byte to read.
    private(set) var position: Int
    /// The offset just past the message.
    let end: Int
    /// The message's type, for messages: `NodeProto`.
    let messageName: String
    /// Where the message starts, when the file ends inside it: its fields are read up to the
    /// file's end, so that the error names the innermost message cut.
    let cutStart: Int?

    /// A reader of a whole buffer holding one message.
    init(bytes: [UInt8], messageName: String) {
        self.init(bytes: ModelBytes(bytes), messageName: messageName)
    }

    /// A reader of a whole file holding one message (mapped, or in memory).
    init(bytes: ModelBytes, messageName: String) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
        self.messageName = messageName
        self.cutStart = nil
    }

    /// A reader of the message in `range`, which the caller has checked lies inside `bytes`.
    private init(bytes: ModelBytes, range: Range<Int>, messageName: String, cutStart: Int? = nil) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.messageName = messageName
        self.cutStart = cutStart
    }

    /// True when every field of the message has been read.
    var isAtEnd: Bool { position >= end }

    /// The error for an item starting at `offset` that runs past the message's end: the file's end
    /// when the message reaches it, else the message's own end.
    private func truncated(at offset: Int) -> ProtobufError {
        if end >= bytes.count {
            return ProtobufError(message: "the file ends inside \(article(messageName))", offset: cutStart ?? offset)
        }
        return ProtobufError(message: "a value runs past the end of its \(messageName), which ends at byte \(end)",
                             offset: offset)
    }

    // MARK: Keys

    /// The next field's key, or nil at the message's end.
    mutating func nextField() throws(ProtobufError) -> ProtobufField? {
        guard !isAtEnd else {
            if let cutStart {
                throw ProtobufError(message: "the file ends inside \(article(messageName))", offset: cutStart)
            }
            return nil
        }
        let start = position
        let key = try readVarint(item: "field key")
        let number = key >> 3
        guard number >= 1, number <= 536_870_911 else {
            throw ProtobufError(message: "field number \(number) in \(article(messageName)) is not a valid protobuf field number",
                                offset: start)
        }
        let wire: WireType
        switch key & 7 {
        case 0: wire = .varint
        case 1: wire = .fixed64
        case 2: wire = .lengthDelimited
        case 5: wire = .fixed32
        case 3, 4:
            throw ProtobufError(message: "field \(number) of \(article(messageName)) is a group (wire type \(key & 7)), which ONNX does not use",
                                offset: start)
        default:
            throw ProtobufError(message: "field \(number) of \(article(messageName)) has the invalid wire type \(key & 7)", offset: start)
        }
        return ProtobufField(number: Int(number), wire: wire, offset: start)
    }

    // MARK: Scalars

    /// A varint of up to 10 bytes; a longer one, or one whose tenth byte carries more than the
    /// 64th bit, is an error.
    mutating func readVarint(item: String = "varint") throws(ProtobufError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw truncated(at: start) }
            let byte = bytes[position]
            position += 1
            if shift == 63 {
                // The tenth byte: it must end the varint and hold only the 64th bit.
                if byte & 0x80 != 0 {
                    throw ProtobufError(message: "\(article(item)) in \(article(messageName)) is longer than 10 bytes",
                                        offset: start)
                }
                if byte > 1 {
                    throw ProtobufError(message: "\(article(item)) in \(article(messageName)) does not fit in 64 bits",
                                        offset: start)
                }
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A varint read as a signed 64-bit integer (int64 and int32 fields: negative values are
    /// sign-extended to ten bytes).
    mutating func readInt64() throws(ProtobufError) -> Int64 {
        Int64(bitPattern: try readVarint())
    }

    /// A varint that must be 0 or 1 (a bool field) or another small enum value: the value as `Int`.
    mutating func readInt() throws(ProtobufError) -> Int {
        Int(truncatingIfNeeded: try readInt64())
    }

    /// A little-endian 32-bit value.
    mutating func readFixed32() throws(ProtobufError) -> UInt32 {
        let start = position
        guard end - position >= 4 else { throw truncated(at: start) }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[position + index]) << (8 * UInt32(index)) }
        position += 4
        return value
    }

    /// A little-endian 64-bit value.
    mutating func readFixed64() throws(ProtobufError) -> UInt64 {
        let start = position
        guard end - position >= 8 else { throw truncated(at: start) }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
        position += 8
        return value
    }

    /// A 32-bit float (a `float` field).
    mutating func readFloat() throws(ProtobufError) -> Float {
        Float(bitPattern: try readFixed32())
    }

    // MARK: Length-delimited fields

    /// The range of a length-delimited field's bytes, which lies inside the message; the reader
    /// moves past them. `item` names the field's content in messages.
    mutating func readLengthDelimited(_ item: String) throws(ProtobufError) -> Range<Int> {
        let start = position
        let length = try readVarint(item: "length of a \(item)")
        let left = end - position
        guard length <= UInt64(left) else {
            if end >= bytes.count {
                throw ProtobufError(message: "the file ends inside \(article(item)) of \(article(messageName))", offset: start)
            }
            throw ProtobufError(message: "\(article(item)) in \(article(messageName)) claims \(length) bytes, but only \(left) are left in it",
                                offset: start)
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// A string field's text; invalid UTF-8 is replaced, never an error.
    mutating func readString(_ item: String = "string") throws(ProtobufError) -> String {
        let range = try readLengthDelimited(item)
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// A reader of a nested message of type `name`. When the file ends inside it, the reader
    /// reads what is there and fails at the first field cut (or at its end), naming the innermost
    /// message the file ends in.
    mutating func readMessage(_ name: String) throws(ProtobufError) -> ProtobufReader {
        let start = position
        let length = try readVarint(item: "length of \(article(name))")
        let left = end - position
        if length > UInt64(left), end >= bytes.count {
            let range = position..<end
            position = end
            return ProtobufReader(bytes: bytes, range: range, messageName: name, cutStart: start)
        }
        position = start
        let range = try readLengthDelimited(name)
        return ProtobufReader(bytes: bytes, range: range, messageName: name)
    }

    /// Skips a field's value, whatever its wire type.
    mutating func skip(_ field: ProtobufField) throws(ProtobufError) {
        switch field.wire {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthDelimited("field \(field.number)")
        }
    }

    // MARK: Repeated numbers, packed or not

    /// Appends a repeated int64 (or int32) field's values: one varint, or a packed run of them.
    /// A wire type that is neither is an error naming `item`.
    mutating func readInt64s(_ field: ProtobufField, _ item: String, into values: inout [Int64]) throws(ProtobufError) {
        switch field.wire {
        case .varint:
            values.append(try readInt64())
        case .lengthDelimited:
            var packed = ProtobufReader(bytes: bytes, range: try readLengthDelimited("packed \(item)"),
                                        messageName: "packed \(item)")
            while !packed.isAtEnd { values.append(try packed.readInt64()) }
        case .fixed32, .fixed64:
            throw wrongWire(field, item)
        }
    }

    /// Appends a repeated float field's values: one fixed32, or a packed run of them.
    mutating func readFloats(_ field: ProtobufField, _ item: String, into values: inout [Float]) throws(ProtobufError) {
        switch field.wire {
        case .fixed32:
            values.append(try readFloat())
        case .lengthDelimited:
            let start = position
            let range = try readLengthDelimited("packed \(item)")
            guard range.count % 4 == 0 else {
                throw ProtobufError(message: "packed \(item) in \(article(messageName)) holds \(range.count) bytes, not a multiple of 4",
                                    offset: start)
            }
            var packed = ProtobufReader(bytes: bytes, range: range, messageName: "packed \(item)")
            while !packed.isAtEnd { values.append(try packed.readFloat()) }
        case .varint, .fixed64:
            throw wrongWire(field, item)
        }
    }

    /// Appends a repeated double field's values: one fixed64, or a packed run of them.
    mutating func readDoubles(_ field: ProtobufField, _ item: String, into values: inout [Double]) throws(ProtobufError) {
        switch field.wire {
        case .fixed64:
            values.append(Double(bitPattern: try readFixed64()))
        case .lengthDelimited:
            let start = position
            let range = try readLengthDelimited("packed \(item)")
            guard range.count % 8 == 0 else {
                throw ProtobufError(message: "packed \(item) in \(article(messageName)) holds \(range.count) bytes, not a multiple of 8",
                                    offset: start)
            }
            var packed = ProtobufReader(bytes: bytes, range: range, messageName: "packed \(item)")
            while !packed.isAtEnd { values.append(Double(bitPattern: try packed.readFixed64())) }
        case .varint, .fixed32:
            throw wrongWire(field, item)
        }
    }

    /// The number of values a repeated numeric field holds, without decoding them: one for an
    /// unpacked value (which is skipped), else the packed run's count. The reader moves past it.
    mutating func countValues(_ field: ProtobufField, elementSize: Int?, _ item: String) throws(ProtobufError) -> Int {
        switch field.wire {
        case .varint, .fixed32, .fixed64:
            try skip(field)
            return 1
        case .lengthDelimited:
            let start = position
            let range = try readLengthDelimited("packed \(item)")
            if let elementSize {
                guard range.count % elementSize == 0 else {
                    throw ProtobufError(
                        message: "packed \(item) in \(article(messageName)) holds \(range.count) bytes, not a multiple of \(elementSize)",
                        offset: start)
                }
                return range.count / elementSize
            }
            // Each varint ends with the one byte whose high bit is clear.
            var count = 0
            for index in range where bytes[index] & 0x80 == 0 { count += 1 }
            if let last = range.last, bytes[last] & 0x80 != 0 {
                throw ProtobufError(message: "packed \(item) in \(article(messageName)) ends inside a varint", offset: start)
            }
            return count
        }
    }

    /// The error for a field whose wire type does not suit its declared type.
    func wrongWire(_ field: ProtobufField, _ item: String) -> ProtobufError {
        ProtobufError(message: "\(item) (field \(field.number) of \(article(messageName))) has the wrong wire type \(field.wire.number)",
                      offset: field.offset)
    }

    /// A reader positioned at `offset` over the same message, to decode a field recorded earlier.
    func reader(at range: Range<Int>, messageName: String) -> ProtobufReader {
        let lower = min(max(range.lowerBound, 0), bytes.count)
        let upper = min(max(range.upperBound, lower), bytes.count)
        return ProtobufReader(bytes: bytes, range: lower..<upper, messageName: messageName)
    }
}

/// A noun with its indefinite article: `a NodeProto`, `an AttributeProto`.
func article(_ noun: String) -> String {
    guard let first = noun.first else { return noun }
    return ("AEIOUaeiou".contains(first) ? "an " : "a ") + noun
}
