/// A JSON value held whole, for the small documents of `netcalc check` (its JSON and Gradescope's
/// `results.json`). It prints them byte for byte as JSONEncoder did with `.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes`, so that netcalc need not link Foundation (half a millisecond of start-up).
enum JSONValue {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    /// Fields in any order: they are printed sorted by the UTF-8 bytes of their keys, as JSONEncoder
    /// sorted them. A field that is absent is left out, as `encodeIfPresent` left a nil out.
    case object([(String, JSONValue)])

    /// An array of strings.
    static func strings(_ texts: [String]) -> JSONValue { .array(texts.map { .string($0) }) }

    /// The value as a document: two spaces of indentation per level, `"key" : value`, an empty array or
    /// object as its brackets around an empty line, and a line break at the end.
    var document: String {
        var json = JSONWriter()
        json.value(self, depth: 0)
        json.raw("\n")
        return json.buffer.string
    }
}

extension JSONWriter {
    /// A value as JSONEncoder's pretty printing wrote it; `depth` is the nesting of the line it starts on.
    mutating func value(_ value: JSONValue, depth: Int) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): raw(flag ? "true" : "false")
        case .int(let number): int(number)
        case .string(let text): string(text, controls: .encoder)
        case .array(let elements):
            raw("[\n")
            for (index, element) in elements.enumerated() {
                if index > 0 { raw(",\n") }
                buffer.spaces(2 * (depth + 1))
                self.value(element, depth: depth + 1)
            }
            raw("\n")
            buffer.spaces(2 * depth)
            raw("]")
        case .object(let fields):
            raw("{\n")
            let sorted = fields.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            for (index, (key, field)) in sorted.enumerated() {
                if index > 0 { raw(",\n") }
                buffer.spaces(2 * (depth + 1))
                string(key, controls: .encoder)
                raw(" : ")
                self.value(field, depth: depth + 1)
            }
            raw("\n")
            buffer.spaces(2 * depth)
            raw("}")
        }
    }
}
