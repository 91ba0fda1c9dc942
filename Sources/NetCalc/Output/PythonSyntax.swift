/// Python text made from netcalc's names and strings, for `--emit pytorch`: identifiers, class names,
/// string literals, docstrings and float literals. Every name or text of a spec or a model file that
/// reaches an emitted module goes through here, so that whatever a file holds (quotes, backslashes,
/// newlines, keywords, non-ASCII names) the module stays valid Python that means what it says.
enum PythonSyntax {
    /// Python's keywords, which no identifier may be.
    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
        "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
        "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// `nn.Module`'s own attributes and methods, which no layer attribute may shadow.
    static let moduleAttributes: Set<String> = [
        "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile",
        "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
        "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia",
        "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
        "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
        "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook", "register_module", "register_parameter",
        "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_", "set_extra_state",
        "set_submodule", "share_memory", "state_dict", "to", "to_empty", "train", "training", "type", "xpu",
        "zero_grad",
    ]

    /// A Python identifier made from a name: ASCII letters, digits and `_` kept, anything else `_`; a
    /// leading digit (or an empty name) gets `prefix` before it, and a keyword an `_` after it.
    static func identifier(_ name: String, prefix: String = "n") -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            out.unicodeScalars.append(isIdentifierScalar(scalar) ? scalar : "_")
        }
        if out.isEmpty || out.first?.isNumber == true { out = prefix + out }
        if keywords.contains(out) { out += "_" }
        return out
    }

    /// A class name in Python's CamelCase: `inception_a` -> `InceptionA`, `resnet50` -> `Resnet50`;
    /// a name starting with a digit gets `prefix` before it.
    static func className(_ name: String, prefix: String = "Net") -> String {
        var out = ""
        var upper = true
        for scalar in name.unicodeScalars {
            guard isIdentifierScalar(scalar), scalar != "_" else {
                upper = true
                continue
            }
            out += upper ? String(scalar).uppercased() : String(scalar)
            upper = false
        }
        if out.isEmpty || out.first?.isNumber == true { out = prefix + out }
        if keywords.contains(out) { out += "_" }
        return out
    }

    /// A double-quoted string literal holding exactly `text`.
    static func stringLiteral(_ text: String) -> String {
        "\"" + escaped(text, keepNewlines: false) + "\""
    }

    /// A triple-quoted docstring holding exactly `text`, its lines kept as lines.
    static func docstring(_ text: String) -> String {
        "\"\"\"" + escaped(text, keepNewlines: true) + "\"\"\""
    }

    /// A float literal for a number as a spec writes it (`0.5`, `.2`, `1`); anything else is converted
    /// by Python from a string literal, so no text reaches the module unquoted.
    static func floatLiteral(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var index = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1; digits += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1; digits += 1 }
        }
        if digits > 0, index == bytes.count, bytes.count <= 64 { return text }
        return "float(\(stringLiteral(text)))"
    }

    /// Letters, digits and `_`, ASCII only: Python accepts more, but normalizes some of it (NFKC), which
    /// could make two names one.
    private static func isIdentifierScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
    }

    /// The text with backslashes, quotes and control characters escaped for a Python string literal.
    private static func escaped(_ text: String, keepNewlines: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += keepNewlines ? "\n" : "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let value = scalar.value
                if value < 0x20 || value == 0x7F {
                    out += "\\x" + hex(value, digits: 2)
                } else if (0x80...0x9F).contains(value) || value == 0x2028 || value == 0x2029 || value == 0xFEFF {
                    out += "\\u" + hex(value, digits: 4)  // invisible or line-breaking in editors
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

/// Names handed out in one Python scope (a module's classes, a class's attributes, a constructor's
/// parameters): each unique, none reserved. A name already taken gets `_2`, `_3`, ... in constant time.
struct PythonNames {
    private var taken: Set<String>
    private var nextSuffix: [String: Int] = [:]

    init(reserved: Set<String> = []) {
        taken = reserved
    }

    /// Claims `wanted` (already an identifier), or the first free `wanted_N`.
    mutating func claim(_ wanted: String) -> String {
        if taken.insert(wanted).inserted { return wanted }
        var suffix = nextSuffix[wanted] ?? 2
        while !taken.insert("\(wanted)_\(suffix)").inserted { suffix += 1 }
        nextSuffix[wanted] = suffix + 1
        return "\(wanted)_\(suffix)"
    }

    func contains(_ name: String) -> Bool { taken.contains(name) }
}
