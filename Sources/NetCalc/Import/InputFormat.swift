/// The kinds of file netcalc reads, and how it tells them apart: by `--input-format`, else by the
/// file's extension, else (standard input, other extensions) by the content.

/// A kind of input file.
enum InputFormat: String, CaseIterable, Sendable {
    /// netcalc's own language.
    case spec
    /// A Caffe network definition (protobuf text format).
    case prototxt
    /// An ONNX model (binary protobuf).
    case onnx

    /// The format a file name's extension names, if any.
    static func byExtension(_ path: String) -> InputFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".prototxt") || lower.hasSuffix(".pbtxt") { return .prototxt }
        if lower.hasSuffix(".onnx") { return .onnx }
        if lower.hasSuffix(".net") { return .spec }
        return nil
    }

    /// The format of content with no telling name: ONNX is binary (its ModelProto starts with a field
    /// tag, and holds bytes that are not text); a prototxt starts with one of Caffe's top-level fields.
    static func sniff(_ bytes: [UInt8]) -> InputFormat {
        let prefix = bytes.prefix(4096)
        if let first = prefix.first, first == 0x08 || first == 0x0A || first == 0x12 || first == 0x3A,
           prefix.contains(where: { $0 < 0x09 || ($0 > 0x0D && $0 < 0x20) }) {
            return .onnx
        }
        var words: [String] = []
        var word: [UInt8] = []
        var inComment = false
        for byte in prefix {
            if inComment { if byte == UInt8(ascii: "\n") { inComment = false }; continue }
            if byte == UInt8(ascii: "#") { inComment = true; continue }
            if byte.isASCIILetterOrUnderscore { word.append(byte); continue }
            if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)); word = [] }
            if words.count >= 1 {
                let caffeFields: Set<String> = ["name", "layer", "layers", "input", "input_dim", "input_shape", "force_backward", "state"]
                return caffeFields.contains(words[0]) && (byte == UInt8(ascii: ":") || byte == UInt8(ascii: "{") || byte == 0x20)
                    && !prefix.contains(UInt8(ascii: "[")) ? .prototxt : .spec
            }
        }
        return .spec
    }
}

private extension UInt8 {
    var isASCIILetterOrUnderscore: Bool {
        (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) || self == 0x5F
    }
}
