/// The layer catalog: every keyword of the language, the arguments each layer takes, and how a
/// written call becomes a `Layer` with checked values. The formulas that apply a layer to a volume
/// are in `Geometry.swift` and `Analyzer.swift`.

/// A layer's canonical kind; `rawValue` is the JSON `op`.
enum LayerKind: String, CaseIterable, Sendable {
    case input, conv, dwconv, deconv, maxpool, avgpool, gap, fc, flatten, bn, lrn
    case relu, relu6, leakyrelu, sigmoid, tanh, elu, gelu, silu, hardswish, softmax, dropout
    case add, concat, mul

    /// Keywords (upper case) and the kind each names.
    static let keywords: [String: LayerKind] = {
        var table: [String: LayerKind] = [:]
        for kind in LayerKind.allCases { table[kind.rawValue.uppercased()] = kind }
        table["POOL"] = .maxpool
        table["NORM"] = .lrn
        return table
    }()

    /// True for layers that keep the volume's shape and have no parameters.
    var isElementwise: Bool {
        switch self {
        case .relu, .relu6, .leakyrelu, .sigmoid, .tanh, .elu, .gelu, .silu, .hardswish, .softmax, .dropout, .lrn:
            return true
        default:
            return false
        }
    }
}

/// How a window that does not tile its input exactly is treated.
enum Rounding: String, CaseIterable, Sendable {
    /// An error, as the notes require ("an invalid setting of hyperparameters").
    case strict
    /// Drop the incomplete last window (PyTorch, TensorFlow 'valid', Caffe convolution).
    case floor
    /// Keep it (Caffe pooling, PyTorch `ceil_mode=True`), unless it would start in the right padding.
    case ceil
}

/// A width and a height.
struct Pair: Equatable, Sendable {
    var width: Int
    var height: Int

    init(_ width: Int, _ height: Int) {
        self.width = width
        self.height = height
    }

    init(square value: Int) {
        self.init(value, value)
    }

    /// `3` for a square pair, `7x1` otherwise.
    var text: String { width == height ? "\(width)" : "\(width)x\(height)" }
}

/// A layer's zero padding.
enum Padding: Equatable, Sendable {
    /// P on the left and right (width), P on the top and bottom (height).
    case explicit(Pair)
    /// TensorFlow's SAME: output `ceil(W/S)`, padding split as needed.
    case same
    /// TensorFlow's VALID: no padding, an incomplete last window dropped.
    case valid
}

/// A layer call with its arguments evaluated and checked: everything needed to apply it to a volume.
struct Layer: Sendable {
    var kind: LayerKind
    /// The keyword as the table shows it (`CONV`, `POOL`, `NORM`).
    var keyword: String
    /// K: filters (CONV, DECONV) or outputs (FC).
    var filters = 0
    var kernel = Pair(square: 1)
    var stride = Pair(square: 1)
    var padding = Padding.explicit(Pair(square: 0))
    var dilation = Pair(square: 1)
    var groups = 1
    /// DWCONV's channel multiplier.
    var multiplier = 1
    var hasBias = true
    /// A per-layer `floor` or `ceil` tag, overriding the network's rounding.
    var rounding: Rounding?
}

extension Layer {
    /// The layer written out with its values, defaults left out: `CONV(128,3,s2,p1,nobias)`.
    var canonicalText: String {
        var arguments: [String] = []
        func tag(_ letter: String, _ value: Pair, unless fallback: Pair) {
            if value != fallback { arguments.append(letter + value.text) }
        }
        switch kind {
        case .conv, .deconv:
            arguments.append("\(filters)")
            arguments.append(kernel.text)
        case .dwconv, .maxpool, .avgpool:
            arguments.append(kernel.text)
        case .fc:
            arguments.append("\(filters)")
        default:
            return keyword
        }
        if kind == .conv || kind == .dwconv || kind == .deconv || kind == .maxpool || kind == .avgpool {
            tag("s", stride, unless: kind == .maxpool || kind == .avgpool ? kernel : Pair(square: 1))
            switch padding {
            case .explicit(let pad): tag("p", pad, unless: Pair(square: 0))
            case .same: arguments.append("p=same")
            case .valid: arguments.append("p=valid")
            }
            if kind != .deconv { tag("d", dilation, unless: Pair(square: 1)) }
        }
        if groups != 1 { arguments.append("g\(groups)") }
        if multiplier != 1 { arguments.append("m\(multiplier)") }
        if !hasBias { arguments.append("nobias") }
        if let rounding { arguments.append(rounding.rawValue) }
        return "\(keyword)(\(arguments.joined(separator: ",")))"
    }
}

/// What a layer argument's value must be.
enum ParameterType {
    case count        // a positive integer
    case size         // a positive integer or AxB
    case padding      // a non-negative integer, AxB, same or valid
    case fraction     // a number from 0 to 1 (dropout rate, slope)
}

/// One argument a layer takes.
struct ParameterSpec {
    /// Accepted names, the canonical first: `["s", "stride"]`.
    var names: [String]
    var type: ParameterType
    /// True when it may also be given by position.
    var positional: Bool
    /// The shortest name, when one letter may be glued to its value (`s4`).
    var glued: Bool { names[0].count == 1 }
}

/// The arguments a layer kind accepts.
struct LayerSchema {
    var parameters: [ParameterSpec]
    /// Words accepted alone: `nobias`, `floor`, `ceil`.
    var flags: [String]
    /// How many leading positional parameters must be given.
    var required: Int

    /// Every kind's schema, made once.
    private static let all: [LayerKind: LayerSchema] = Dictionary(
        uniqueKeysWithValues: LayerKind.allCases.map { ($0, make($0)) })

    static func schema(for kind: LayerKind) -> LayerSchema {
        all[kind]!
    }

    /// The arguments each layer kind takes.
    private static func make(_ kind: LayerKind) -> LayerSchema {
        let filters = ParameterSpec(names: ["k", "filters", "out"], type: .count, positional: true)
        let kernel = ParameterSpec(names: ["f", "kernel", "size"], type: .size, positional: true)
        let stride = ParameterSpec(names: ["s", "stride"], type: .size, positional: true)
        let padding = ParameterSpec(names: ["p", "pad", "padding"], type: .padding, positional: true)
        let dilation = ParameterSpec(names: ["d", "dilation"], type: .size, positional: true)
        let groups = ParameterSpec(names: ["g", "groups"], type: .count, positional: true)
        let multiplier = ParameterSpec(names: ["m", "multiplier"], type: .count, positional: false)
        let rounding = ["floor", "ceil"]
        switch kind {
        case .conv:
            return LayerSchema(parameters: [filters, kernel, stride, padding, dilation, groups],
                               flags: ["nobias"] + rounding, required: 2)
        case .dwconv:
            return LayerSchema(parameters: [kernel, stride, padding, dilation, multiplier],
                               flags: ["nobias"] + rounding, required: 1)
        case .deconv:
            return LayerSchema(parameters: [filters, kernel, stride, padding], flags: ["nobias"], required: 2)
        case .maxpool, .avgpool:
            return LayerSchema(parameters: [kernel, stride, padding, dilation], flags: rounding, required: 1)
        case .fc:
            return LayerSchema(parameters: [filters], flags: ["nobias"], required: 1)
        case .lrn:
            return LayerSchema(parameters: [ParameterSpec(names: ["n", "size"], type: .count, positional: true)],
                               flags: [], required: 0)
        case .dropout:
            return LayerSchema(parameters: [ParameterSpec(names: ["p", "rate"], type: .fraction, positional: true)],
                               flags: [], required: 0)
        case .leakyrelu, .elu:
            return LayerSchema(parameters: [ParameterSpec(names: ["a", "alpha", "slope"], type: .fraction,
                                                          positional: true)], flags: [], required: 0)
        default:
            return LayerSchema(parameters: [], flags: [], required: 0)
        }
    }
}

/// The value an argument had once evaluated.
enum ArgumentResult {
    case pair(Pair)
    case same, valid
    case fraction
}

/// Turns a written call into a `Layer`, evaluating expressions and checking every value.
struct LayerResolver {
    let file: SourceFile
    /// Evaluates an integer expression in the current block's scope.
    let evaluate: (Expression) throws(DiagnosticList) -> Int
    /// Tells whether a bare name is a block parameter in the current scope.
    let isParameter: (String) -> Bool

    func resolve(_ call: LayerCall, kind: LayerKind) throws(DiagnosticList) -> Layer {
        let schema = LayerSchema.schema(for: kind)
        var layer = Layer(kind: kind, keyword: call.name.uppercased())
        var diagnostics = DiagnosticList()
        var given: [String: (ArgumentResult, Argument)] = [:]
        var nextPositional = 0
        var evaluationFailed = false
        var reportedTooMany = false
        let positionals = schema.parameters.filter(\.positional)

        func error(_ message: String, _ range: SourceRange, hint: String? = nil) {
            diagnostics.append(Diagnostic(.error, message, at: range, in: file, hint: hint))
        }

        for argument in call.arguments ?? [] {
            // Work out which parameter the argument gives and the expression(s) of its value.
            var spec: ParameterSpec?
            var value = argument.value
            if let flag = argument.flag {
                if isParameter(flag) {
                    value = .scalar(.name(flag, argument.range))
                } else if schema.flags.contains(flag.lowercased()) {
                    switch flag.lowercased() {
                    case "nobias": layer.hasBias = false
                    case "floor": layer.rounding = .floor
                    case "ceil": layer.rounding = .ceil
                    default: break
                    }
                    continue
                } else if let (glued, rest) = splitGluedTag(flag, schema: schema) {
                    spec = glued
                    value = rest
                } else {
                    let candidates = schema.flags + schema.parameters.flatMap(\.names)
                    error("\(call.name.uppercased()) has no argument '\(flag)'", argument.range,
                          hint: didYouMean(flag, candidates) ?? usage(kind, schema))
                    continue
                }
            }
            if spec == nil, let tag = argument.tag {
                spec = schema.parameters.first { $0.names.contains(tag.lowercased()) }
                if spec == nil {
                    error("\(call.name.uppercased()) has no argument '\(tag)'", argument.range,
                          hint: didYouMean(tag, schema.parameters.flatMap(\.names)) ?? usage(kind, schema))
                    continue
                }
            }
            if spec == nil {
                guard nextPositional < positionals.count else {
                    if reportedTooMany { continue }
                    reportedTooMany = true
                    error("\(call.name.uppercased()) takes at most \(positionals.count) positional argument\(positionals.count == 1 ? "" : "s")",
                          argument.range, hint: usage(kind, schema))
                    continue
                }
                spec = positionals[nextPositional]
                nextPositional += 1
            }
            guard let spec, let value else { continue }
            let canonical = spec.names[0]
            if given[canonical] != nil {
                error("\(canonical) is given twice", argument.range)
                continue
            }
            do throws(DiagnosticList) {
                given[canonical] = (try evaluateValue(value, as: spec, argument: argument), argument)
            } catch {
                evaluationFailed = true
                diagnostics.append(contentsOf: error)
            }
        }
        if diagnostics.hasErrors || evaluationFailed { throw diagnostics }

        let missing = positionals.prefix(schema.required).filter { given[$0.names[0]] == nil }
        if let first = missing.first {
            error("\(call.name.uppercased()) needs its \(describe(first))", call.range, hint: usage(kind, schema))
            throw diagnostics
        }

        func pair(_ name: String) -> Pair? {
            if case .pair(let value)? = given[name]?.0 { return value }
            return nil
        }
        layer.filters = pair("k")?.width ?? 0
        if let kernel = pair("f") { layer.kernel = kernel }
        if let dilation = pair("d") { layer.dilation = dilation }
        if let groups = pair("g") { layer.groups = groups.width }
        if let multiplier = pair("m") { layer.multiplier = multiplier.width }
        switch given["p"]?.0 {
        case .pair(let value)?: layer.padding = .explicit(value)
        case .same?: layer.padding = .same
        case .valid?: layer.padding = .valid
        default: break
        }
        if let stride = pair("s") {
            layer.stride = stride
        } else if kind == .maxpool || kind == .avgpool {
            layer.stride = layer.kernel  // a pool's stride defaults to its extent
        }
        return layer
    }

    /// Splits a glued tag such as `s4` or `p2x1` into its parameter and value.
    private func splitGluedTag(_ word: String, schema: LayerSchema) -> (ParameterSpec, ArgumentValue)? {
        guard let letter = word.first, let spec = schema.parameters.first(where: {
            $0.glued && Character($0.names[0]) == Character(letter.lowercased())
        }) else { return nil }
        let rest = word.dropFirst()
        let parts = rest.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard !rest.isEmpty, parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else {
            return nil
        }
        let zero = SourceRange(0, 0)
        let numbers = parts.map { Int($0).map { Expression.literal($0, zero) } }
        guard numbers.allSatisfy({ $0 != nil }) else { return nil }
        if numbers.count == 2 { return (spec, .size(numbers[0]!, numbers[1]!)) }
        return (spec, .scalar(numbers[0]!))
    }

    private func evaluateValue(_ value: ArgumentValue, as spec: ParameterSpec,
                               argument: Argument) throws(DiagnosticList) -> ArgumentResult {
        let name = spec.names[0]
        func fail(_ message: String, hint: String? = nil) -> DiagnosticList {
            var list = DiagnosticList()
            list.append(Diagnostic(.error, message, at: argument.range, in: file, hint: hint))
            return list
        }
        func check(_ number: Int) throws(DiagnosticList) -> Int {
            switch spec.type {
            case .count, .size:
                if number < 1 {
                    throw fail("\(describe(spec)) must be at least 1, not \(number)",
                               hint: name == "s" ? "a stride of 0 would never move the window" : nil)
                }
            case .padding:
                if number < 0 { throw fail("\(describe(spec)) cannot be negative (\(number))") }
            case .fraction:
                break
            }
            return number
        }
        switch value {
        case .scalar(let expression):
            guard spec.type != .fraction else {
                let number = try evaluate(expression)
                if number < 0 || number > 1 { throw fail("\(describe(spec)) must be between 0 and 1") }
                return .fraction
            }
            return .pair(Pair(square: try check(try evaluate(expression))))
        case .size(let width, let height):
            guard spec.type == .size || spec.type == .padding else {
                throw fail("\(describe(spec)) is one number, not a size WxH")
            }
            return .pair(Pair(try check(try evaluate(width)), try check(try evaluate(height))))
        case .word(let word):
            if isParameter(word) {
                return try evaluateValue(.scalar(.name(word, argument.valueRange)), as: spec, argument: argument)
            }
            if spec.type == .padding, word.lowercased() == "same" { return .same }
            if spec.type == .padding, word.lowercased() == "valid" { return .valid }
            let words = spec.type == .padding ? ["same", "valid"] : []
            throw fail("'\(word)' is not a value for \(describe(spec))",
                       hint: didYouMean(word, words) ?? (spec.type == .padding
                           ? "padding is a number, WxH, same or valid" : "expected a number"))
        case .decimal(let text):
            guard spec.type == .fraction, let number = Double(text), number >= 0, number <= 1 else {
                throw fail(spec.type == .fraction ? "\(describe(spec)) must be between 0 and 1, not \(text)"
                               : "\(describe(spec)) must be a whole number, not \(text)")
            }
            return .fraction
        }
    }

    private func describe(_ spec: ParameterSpec) -> String {
        if spec.type == .fraction { return spec.names.count > 1 ? spec.names[1] : spec.names[0] }
        switch spec.names[0] {
        case "k": return "number of filters (K)"
        case "f": return "filter size (F)"
        case "s": return "stride (S)"
        case "p": return "padding (P)"
        case "d": return "dilation (D)"
        case "g": return "groups (G)"
        case "m": return "channel multiplier (m)"
        case "n": return "window size (n)"
        default: return spec.names.last ?? spec.names[0]
        }
    }

    /// A one-line usage of a layer, for hints.
    private func usage(_ kind: LayerKind, _ schema: LayerSchema) -> String {
        let keyword = kind.rawValue.uppercased()
        switch kind {
        case .conv: return "CONV(K, F, sS, pP, dD, gG, nobias): e.g. CONV(96,11,s4,p0)"
        case .dwconv: return "DWCONV(F, sS, pP, dD, m=M, nobias): e.g. DWCONV(3,s2,p1)"
        case .deconv: return "DECONV(K, F, sS, pP): e.g. DECONV(64,4,s2,p1)"
        case .maxpool, .avgpool: return "\(keyword)(F, sS, pP): e.g. POOL(3,s2); the stride defaults to F"
        case .fc: return "FC(K): e.g. FC(4096)"
        case .dropout: return "DROPOUT(p): e.g. DROPOUT(0.5)"
        default:
            return schema.parameters.isEmpty ? "\(keyword) takes no arguments"
                : "\(keyword)(\(schema.parameters.map { $0.names[0] }.joined(separator: ", ")))"
        }
    }
}

/// The candidate closest to a misspelled word, phrased as a hint, when one is close enough.
func didYouMean(_ word: String, _ candidates: [String]) -> String? {
    let lower = word.lowercased()
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lower, candidate.lowercased())
        if distance <= max(1, min(lower.count, candidate.count) / 3), distance < (best?.1 ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best.map { "did you mean '\($0.0)'?" }
}

/// The Levenshtein distance between two short words.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.prefix(64))
    let b = Array(b.prefix(64))
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
