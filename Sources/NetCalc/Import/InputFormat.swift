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

    /// The format of content with no telling name, from its first bytes (at most `formatTellingBytes`
    /// of them are looked at; fewer are the whole content):
    /// - ONNX when the bytes read as the start of a ModelProto in protobuf's wire format: its
    ///   `ir_version` first (every exporter writes it first, and text never starts with the byte 0x08),
    ///   then fields of ModelProto's numbers and wire types, each length within what is there.
    /// - A prototxt when the first word (after white space and `#` comments) is one of Caffe's top-level
    ///   fields and a `:`, `{` or `<` follows it (a spec names a network with `=`); what comes later in the
    ///   file, a `[` included, does not matter.
    /// - Anything else is a spec, whatever bytes its comments hold.
    static func sniff(_ bytes: [UInt8]) -> InputFormat {
        let prefix = Array(bytes.prefix(formatTellingBytes))
        if looksLikeModelProto(prefix, whole: bytes.count < formatTellingBytes) { return .onnx }
        var index = 0
        if prefix.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a byte-order mark
        func skipSpaceAndComments() {
            while index < prefix.count {
                let byte = prefix[index]
                if byte == UInt8(ascii: "#") {
                    while index < prefix.count, prefix[index] != UInt8(ascii: "\n") { index += 1 }
                } else if byte == 0x20 || (0x09...0x0D).contains(byte) {
                    index += 1
                } else {
                    return
                }
            }
        }
        skipSpaceAndComments()
        let start = index
        while index < prefix.count, prefix[index].isASCIILetterOrUnderscore || (index > start && prefix[index].isASCIIDigit) {
            index += 1
        }
        let word = String(decoding: prefix[start..<index], as: UTF8.self)
        let caffeFields: Set<String> = ["name", "layer", "layers", "input", "input_dim", "input_shape", "force_backward",
                                        "state", "debug_info"]
        guard caffeFields.contains(word) else { return .spec }
        skipSpaceAndComments()
        guard index < prefix.count else { return .spec }
        return [UInt8(ascii: ":"), UInt8(ascii: "{"), UInt8(ascii: "<")].contains(prefix[index]) ? .prototxt : .spec
    }

    /// True when `bytes` read as the start of an ONNX ModelProto: `ir_version` (field 1, a varint of a
    /// version ONNX has, 1 to 99) first, then any fields of ModelProto with their own wire types, each
    /// varint well formed. A length may run past the bytes (a graph longer than what was read, or a file
    /// cut short, which the ONNX reader then reports); a varint cut off may only when the bytes are the
    /// file's first (`whole` false).
    private static func looksLikeModelProto(_ bytes: [UInt8], whole: Bool) -> Bool {
        // ModelProto's fields: ir_version 1 and model_version 5 are varints; producer_name 2,
        // producer_version 3, domain 4, doc_string 6, graph 7, opset_import 8, metadata_props 14,
        // training_info 20, functions 25 and configuration 26 are length-delimited.
        let varints: Set<UInt64> = [1, 5]
        let delimited: Set<UInt64> = [2, 3, 4, 6, 7, 8, 14, 20, 25, 26]
        var index = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count, shift < 64 {
                let byte = bytes[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        guard bytes.first == 0x08 else { return false }
        index = 1
        guard let version = varint(), (1...99).contains(version) else { return false }
        while index < bytes.count {
            guard let tag = varint() else { return !whole }
            let field = tag >> 3, wireType = tag & 7
            if wireType == 0, varints.contains(field) {
                guard varint() != nil else { return !whole }
            } else if wireType == 2, delimited.contains(field) {
                guard let length = varint() else { return !whole }
                guard length <= UInt64(bytes.count - index) else { return true }  // runs past what was read
                index += Int(length)
            } else {
                return false
            }
        }
        return true
    }
}

private extension UInt8 {
    var isASCIILetterOrUnderscore: Bool {
        (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) || self == 0x5F
    }

    var isASCIIDigit: Bool { self >= 0x30 && self <= 0x39 }
}
