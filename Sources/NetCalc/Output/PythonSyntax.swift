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
///
/// The names are kept in one array, numbered in the order taken, and found through an open-addressing
/// table of those numbers: a network's class of two million attributes takes 16 bytes a name and
/// at most 8 bytes of table a name, about half of what a `Set<String>` takes.
struct PythonNames {
    /// Names never handed out (shared, not copied: a class's table is made for every block use).
    private let reserved: Set<String>
    /// Every name taken, but the reserved ones.
    private var names: [String] = []
    /// Numbers into `names`, -1 for an empty slot; a power of two long, at most half full.
    private var slots: [Int32]
    private var nextSuffix: [String: Int] = [:]

    init(reserved: Set<String> = []) {
        self.init(reserved: reserved, capacity: 0)
    }

    /// Names with room for `capacity` claims made up front (a network's class claims one an attribute).
    init(reserved: Set<String>, capacity: Int) {
        self.reserved = reserved
        let wanted = max(capacity, 0)
        var size = 16
        while size / 2 < wanted, size < Int.max / 4 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        if wanted > 0 { names.reserveCapacity(min(wanted, size)) }
    }

    /// The slot holding `name`, or the empty slot where it would go.
    private func slot(of name: String) -> Int {
        let mask = slots.count - 1
        var index = name.hashValue & mask
        while true {
            let number = slots[index]
            if number < 0 || names[Int(number)] == name { return index }
            index = (index + 1) & mask
        }
    }

    /// Takes `name`; false (changing nothing) when it is already taken.
    private mutating func insert(_ name: String) -> Bool {
        if reserved.contains(name) { return false }
        var index = slot(of: name)
        if slots[index] >= 0 { return false }
        if (names.count + 1) * 2 > slots.count {
            grow()
            index = slot(of: name)
        }
        names.append(name)
        slots[index] = Int32(truncatingIfNeeded: names.count - 1)
        return true
    }

    /// Doubles the table, every name put back.
    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (number, name) in names.enumerated() {
            var index = name.hashValue & mask
            while slots[index] >= 0 { index = (index + 1) & mask }
            slots[index] = Int32(truncatingIfNeeded: number)
        }
    }

    /// Claims `wanted` (already an identifier), or the first free `wanted_N`.
    mutating func claim(_ wanted: String) -> String {
        let number = claimNumber(wanted)  // claimed before `self` is read for the name
        return name(number)
    }

    /// Claims `wanted`, or the first free `wanted_N`; returns the name's number (see `name(_:)`).
    mutating func claimNumber(_ wanted: String) -> Int32 {
        if insert(wanted) { return Int32(truncatingIfNeeded: names.count - 1) }
        var suffix = nextSuffix[wanted] ?? 2
        while !insert("\(wanted)_\(suffix)") { suffix += 1 }
        nextSuffix[wanted] = suffix + 1
        return Int32(truncatingIfNeeded: names.count - 1)
    }

    /// Every name taken but the reserved ones, by number, handed over (its table let go); the names
    /// start again empty.
    mutating func takeNames() -> [String] {
        slots = [Int32](repeating: -1, count: 16)
        nextSuffix = [:]
        defer { names = [] }
        return names
    }

    /// A name taken, by its number.
    func name(_ number: Int32) -> String { names[Int(number)] }

    func contains(_ name: String) -> Bool { reserved.contains(name) || slots[slot(of: name)] >= 0 }
}
