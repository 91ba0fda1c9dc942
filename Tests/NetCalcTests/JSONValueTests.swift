import Foundation
import Testing
@testable import NetCalc

/// JSONValue prints what JSONEncoder printed (`.prettyPrinted, .sortedKeys, .withoutEscapingSlashes`),
/// byte for byte: `netcalc check --format json` and Gradescope's results were made with JSONEncoder.
@Suite struct JSONValueTests {
    /// What JSONEncoder prints for the value, with the line break `document` ends with.
    func encoded(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    @Test func escapesEveryASCIICharacterAsJSONEncoder() throws {
        let ascii = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        let value = JSONValue.object([("all", .string(ascii)), ("each", .strings(ascii.map { String($0) }))])
        #expect(value.document == (try encoded(value)))
        #expect(value.document.contains(#"\b\t\n\u000b\f\r\u000e"#))
        #expect(value.document.contains(##" !\"#$%&'()*+,-./0"##))
    }

    @Test func keepsNonASCIITextAsIs() throws {
        let texts = ["café", "cafe\u{301}", "🎉", "👩‍👩‍👧", "\u{2028}\u{2029}", "\u{FEFF}", "日本語", "a\u{7F}b", "\u{10FFFF}"]
        let value = JSONValue.array(texts.map { .string($0) })
        #expect(value.document == (try encoded(value)))
    }

    @Test func emptyContainersNestingAndNumbersAsJSONEncoder() throws {
        let value = JSONValue.object([
            ("empty", .array([])), ("emptyObject", .object([])), ("null", .null), ("yes", .bool(true)), ("no", .bool(false)),
            ("numbers", .array([.int(0), .int(-1), .int(Int.max), .int(Int.min)])),
            ("nested", .array([.array([]), .object([("inner", .array([.array([.object([])])]))]), .strings([])])),
        ])
        #expect(value.document == (try encoded(value)))
        #expect(JSONValue.array([]).document == (try encoded(.array([]))))
        #expect(JSONValue.object([]).document == (try encoded(.object([]))))
    }

    @Test func sortsKeysByTheirUTF8Bytes() throws {
        let keys = ["b", "B", "a", "_a", "followsFrom", "followThrough", "max_score", "maxPoints", "é", "e", "Z", "a1", "a10", "a2", "", "🎉"]
        let value = JSONValue.object(keys.enumerated().map { ($0.element, .int($0.offset)) })
        #expect(value.document == (try encoded(value)))
    }

    /// Random documents from a fixed seed: containers, nulls and strings with any of the awkward characters.
    @Test func randomDocumentsAsJSONEncoder() throws {
        var random = SeededGenerator(seed: 0x4A534F4E)
        let pieces = ["a", "Z", "/", "\\", "\"", "\u{8}", "\u{C}", "\u{1F}", "\u{0}", "\n", "\t", "é", "🎉", " ", ":", "\u{7F}"]
        func below(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
        func text() -> String { (0..<below(6)).map { _ in pieces[below(pieces.count)] }.joined() }
        func value(_ depth: Int) -> JSONValue {
            switch below(depth > 3 ? 4 : 6) {
            case 0: return .null
            case 1: return .bool(below(2) == 0)
            case 2: return .int(Int(truncatingIfNeeded: random.next()) >> below(64))
            case 3: return .string(text())
            case 4: return .array((0..<below(4)).map { _ in value(depth + 1) })
            default:
                let count = below(5)
                var keys: [String] = []
                while keys.count < count {
                    let key = text()
                    if !keys.contains(key) { keys.append(key) }
                }
                return .object(keys.map { ($0, value(depth + 1)) })
            }
        }
        for _ in 0..<300 {
            let document = JSONValue.array([value(0), value(0)])
            #expect(document.document == (try encoded(document)))
        }
    }
}

/// JSONValue written through JSONEncoder, to compare with what it prints itself.
extension JSONValue: Encodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .int(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let fields):
            var container = encoder.container(keyedBy: Key.self)
            for (key, field) in fields { try container.encode(field, forKey: Key(stringValue: key)) }
        }
    }
}
