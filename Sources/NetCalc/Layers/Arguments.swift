/// Layer arguments: what each kind accepts (`LayerSchema`), how a written call's arguments are bound
/// to its parameters (`ArgumentBinder`, the one binding that both analysis and `fmt` use), and how the
/// bound expressions become checked values (`LayerResolver`).

/// What a layer argument's value must be.
enum ParameterType: Sendable {
    /// A positive integer.
    case count
    /// A positive integer or `AxB`.
    case size
    /// A non-negative integer, `AxB`, `same` or `valid`.
    case padding
    /// A non-negative integer.
    case offset
    /// A number from 0 to 1 (a dropout rate, a slope), kept as written.
    case fraction
}

/// One argument a layer takes.
struct ParameterSpec: Sendable {
    /// Accepted names, the canonical first: `["s", "stride"]`.
    var names: [String]
    var type: ParameterType
    /// True when it may also be given by position.
    var positional: Bool
    /// How messages name it: `stride (S)`.
    var description: String
    /// The value it has when not given, which canonical text leaves out.
    var defaultValue: ParameterDefault? = nil

    /// True when its one-letter name may be glued to its value (`s4`).
    var glued: Bool { names[0].count == 1 && type != .fraction }
    var name: String { names[0] }

    static let filters = ParameterSpec(names: ["k", "filters", "out"], type: .count, positional: true,
                                       description: "number of filters (K)")
    static let kernel = ParameterSpec(names: ["f", "kernel", "size"], type: .size, positional: true,
                                      description: "filter size (F)")
    static let stride = ParameterSpec(names: ["s", "stride"], type: .size, positional: true, description: "stride (S)",
                                      defaultValue: .value(.pair(Sizes(square: 1))))
    /// A pool's stride, which defaults to its window.
    static let poolStride = ParameterSpec(names: ["s", "stride"], type: .size, positional: true, description: "stride (S)",
                                          defaultValue: .sameAs("f"))
    static let padding = ParameterSpec(names: ["p", "pad", "padding"], type: .padding, positional: true,
                                       description: "padding (P)", defaultValue: .value(.pair(Sizes(square: 0))))
    static let dilation = ParameterSpec(names: ["d", "dilation"], type: .size, positional: true,
                                        description: "dilation (D)", defaultValue: .value(.pair(Sizes(square: 1))))
    static let groups = ParameterSpec(names: ["g", "groups"], type: .count, positional: true,
                                      description: "groups (G)", defaultValue: .value(.pair(Sizes(square: 1))))
}

/// A parameter's value when it is not given.
enum ParameterDefault: Sendable {
    case value(ArgumentResult)
    /// The value of another parameter: a pool's stride is its window.
    case sameAs(String)
}

/// The arguments a layer keyword accepts.
struct LayerSchema: Sendable {
    var parameters: [ParameterSpec]
    /// Words accepted alone, in groups of which one at most may be given: `[["nobias"], ["floor", "ceil"]]`.
    var flagGroups: [[String]] = []
    /// How many leading positional parameters must be given.
    var required = 0
    /// How many leading arguments canonical text writes without their tag (the required ones, or
    /// the first one, unless set: PAD writes all four).
    var bareArguments: Int?

    static let none = LayerSchema(parameters: [])

    var flags: [String] { flagGroups.flatMap { $0 } }
    var positionals: [ParameterSpec] { parameters.filter(\.positional) }
    var bareCount: Int { bareArguments ?? max(required, 1) }
}

/// The flag every layer accepts: the layer writes its output over its input (Caffe's in-place
/// layers, PyTorch's `inplace=True`), so its row stores no activations of its own.
let inPlaceFlag = "inplace"

/// The rounding flags a sliding window accepts.
let roundingFlags = ["floor", "ceil", "caffe"]

// MARK: Binding

/// A call's arguments matched to a schema's parameters, still unevaluated.
struct BoundCall {
    /// The values given, by parameter, in the schema's order.
    var values: [(spec: ParameterSpec, value: ArgumentValue, argument: Argument)] = []
    /// The flags given, lower case, in the schema's order.
    var flags: [String] = []
    /// Arguments that match no parameter, kept as written (so `fmt` never drops one).
    var leftovers: [Argument] = []
    /// `inplace`, which every layer accepts: it writes over its input and stores nothing new.
    var inPlace = false
    /// What is wrong, each at the argument (or the call) it concerns.
    var problems: [(message: String, range: SourceRange, hint: String?)] = []

    func value(_ name: String) -> ArgumentValue? { values.first { $0.spec.name == name }?.value }
}

/// Matches a call's written arguments to a schema: positions, tags (`s=2`, `stride=2`), glued tags
/// (`s2`, `p2x1`), flags, and bare words that name a block parameter.
struct ArgumentBinder {
    let definition: LayerDefinition
    /// Tells whether a bare word is a block parameter in scope (then it is a value, not a flag).
    let isParameter: (String) -> Bool

    func bind(_ call: LayerCall) -> BoundCall {
        let schema = definition.schema
        let keyword = call.name.uppercased()
        let positionals = schema.positionals
        var bound = BoundCall()
        var given: [String: (ArgumentValue, Argument)] = [:]
        var flagsGiven: [String: Argument] = [:]
        var nextPositional = 0
        var reportedTooMany = false

        for argument in call.arguments ?? [] {
            var spec: ParameterSpec?
            var value = argument.value
            if let flag = argument.flag {
                let lower = flag.lowercased()
                if isParameter(flag) {
                    value = .scalar(.name(flag, argument.range))
                } else if schema.flags.contains(lower) {
                    if flagsGiven[lower] != nil {
                        bound.problems.append(("\(lower) is given twice", argument.range, nil))
                    } else if let group = schema.flagGroups.first(where: { $0.contains(lower) }),
                              let other = group.first(where: { flagsGiven[$0] != nil }) {
                        let pair = group.filter { $0 == other || $0 == lower }  // in the schema's order
                        bound.problems.append(("\(pair.joined(separator: " and ")) cannot both be given", argument.range,
                                               "\(keyword) takes one of \(group.joined(separator: ", "))"))
                    }
                    flagsGiven[lower] = argument
                    continue
                } else if lower == inPlaceFlag {
                    if bound.inPlace { bound.problems.append(("\(lower) is given twice", argument.range, nil)) }
                    bound.inPlace = true
                    continue
                } else if let (glued, rest) = splitGluedTag(flag, schema: schema) {
                    spec = glued
                    value = rest
                } else {
                    bound.leftovers.append(argument)
                    bound.problems.append(("\(keyword) has no argument '\(flag)'", argument.range,
                                           didYouMean(flag, schema.flags + schema.parameters.flatMap(\.names) + [inPlaceFlag])
                                               ?? definition.usage))
                    continue
                }
            }
            if spec == nil, let tag = argument.tag {
                spec = schema.parameters.first { $0.names.contains(tag.lowercased()) }
                if spec == nil {
                    bound.leftovers.append(argument)
                    bound.problems.append(("\(keyword) has no argument '\(tag)'", argument.range,
                                           FrameworkHints.argumentHint(tag: tag, value: argument.value, definition: definition)
                                               ?? didYouMean(tag, schema.parameters.flatMap(\.names)) ?? definition.usage))
                    continue
                }
            }
            if spec == nil {
                guard nextPositional < positionals.count else {
                    bound.leftovers.append(argument)
                    if !reportedTooMany {
                        reportedTooMany = true
                        let count = positionals.count
                        bound.problems.append((count == 0 ? "\(keyword) takes no positional arguments"
                                                   : "\(keyword) takes at most \(count) positional argument\(count == 1 ? "" : "s")",
                                               argument.range, definition.usage))
                    }
                    continue
                }
                spec = positionals[nextPositional]
                nextPositional += 1
            }
            guard let spec, let value else { continue }
            if given[spec.name] != nil {
                bound.leftovers.append(argument)
                bound.problems.append(("\(spec.name) is given twice", argument.range, nil))
                continue
            }
            given[spec.name] = (value, argument)
        }
        for spec in schema.parameters {
            if let (value, argument) = given[spec.name] { bound.values.append((spec, value, argument)) }
        }
        bound.flags = schema.flags.filter { flagsGiven[$0] != nil }
        if bound.problems.isEmpty,
           let missing = positionals.prefix(schema.required).first(where: { given[$0.name] == nil }) {
            bound.problems.append(("\(keyword) needs its \(missing.description)", call.range, definition.usage))
        }
        return bound
    }

    /// Splits a glued tag such as `s4` or `p2x1` into its parameter and value.
    private func splitGluedTag(_ word: String, schema: LayerSchema) -> (ParameterSpec, ArgumentValue)? {
        guard let letter = word.first, let spec = schema.parameters.first(where: {
            $0.glued && Character($0.name) == Character(letter.lowercased())
        }) else { return nil }
        let rest = word.dropFirst()
        let parts = rest.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard !rest.isEmpty, parts.count <= 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            return nil
        }
        let zero = SourceRange(0, 0)
        let numbers = parts.compactMap { Int($0).map { Expression.literal($0, zero) } }
        guard numbers.count == parts.count else { return nil }
        if numbers.count > 1 { return (spec, .size(numbers)) }
        return (spec, .scalar(numbers[0]))
    }
}

// MARK: Values

/// The value an argument had once evaluated.
enum ArgumentResult: Sendable, Equatable {
    case pair(Sizes)
    case same, valid
    /// A fraction as written: `0.5`.
    case fraction(String)

    var text: String {
        switch self {
        case .pair(let pair): return pair.text
        case .same: return "same"
        case .valid: return "valid"
        case .fraction(let text): return text
        }
    }
}

/// A layer's arguments once evaluated and checked, in the schema's order.
struct ArgumentValues: Sendable {
    var entries: [(spec: ParameterSpec, result: ArgumentResult)] = []
    var flags: [String] = []
    /// `inplace` was given.
    var inPlace = false
    /// How many leading arguments canonical text writes without their tag.
    var bare = 1
    /// The schema's parameter names in order: an argument is written bare only in its own position.
    var order: [String] = []

    private func bareNames(_ index: Int) -> String? { index < order.count ? order[index] : nil }

    func result(_ name: String) -> ArgumentResult? { entries.first { $0.spec.name == name }?.result }

    /// A size or count argument, when given.
    func pair(_ name: String) -> Sizes? {
        if case .pair(let value)? = result(name) { return value }
        return nil
    }

    /// A count argument (the width of its pair), when given.
    func count(_ name: String) -> Int? { pair(name)?.width }

    /// A fraction argument as written, when given.
    func fraction(_ name: String) -> String? {
        if case .fraction(let text)? = result(name) { return text }
        return nil
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// The `floor` or `ceil` tag, when given.
    var rounding: Rounding? { has("floor") ? .floor : has("ceil") ? .ceil : has("caffe") ? .caffe : nil }

    /// `CONV(128,3,s2,p1,nobias)`: required arguments by position, then tags, then flags.
    func canonicalText(keyword: String) -> String {
        var parts: [String] = []
        var positionalRun = true
        for (index, entry) in entries.enumerated() {
            let spec = entry.spec
            switch spec.defaultValue {
            case .value(let fallback)? where index >= bare && entry.result == fallback: continue
            case .sameAs(let other)? where index >= bare && entry.result == result(other): continue
            case .value?, .sameAs?, nil: break
            }
            if positionalRun, spec.positional, index < bare, spec.name == bareNames(index) {
                parts.append(entry.result.text)
                continue
            }
            positionalRun = false
            switch entry.result {
            case .pair where spec.glued: parts.append(spec.name + entry.result.text)
            case .same, .valid, .pair, .fraction: parts.append("\(spec.name)=\(entry.result.text)")
            }
        }
        parts += flags
        if inPlace { parts.append(inPlaceFlag) }
        return parts.isEmpty ? keyword : "\(keyword)(\(parts.joined(separator: ",")))"
    }
}

/// A problem with a layer's arguments found when making its operation (`UPSAMPLE` with both a scale
/// and a size): reported at the call, or at `range` when it is about one value a model file gives
/// (a Caffe field's `stride: 2.0`).
struct ArgumentProblem: Error {
    var message: String
    var hint: String?
    /// The value the problem is about, when it has a place of its own in the file.
    var range: SourceRange?

    init(_ message: String, at range: SourceRange? = nil, hint: String? = nil) {
        self.message = message
        self.hint = hint
        self.range = range
    }
}

/// Turns a written call into a `Layer`, evaluating expressions and checking every value.
struct LayerResolver {
    let file: SourceFile
    /// Evaluates an integer expression in the current block's scope.
    let evaluate: (Expression) throws(DiagnosticList) -> Int
    /// Tells whether a bare name is a block parameter in the current scope.
    let isParameter: (String) -> Bool

    func resolve(_ call: LayerCall, definition: LayerDefinition) throws(DiagnosticList) -> Layer {
        let bound = ArgumentBinder(definition: definition, isParameter: isParameter).bind(call)
        var diagnostics = DiagnosticList()
        for problem in bound.problems {
            var diagnostic = Diagnostic(.error, problem.message, at: problem.range, in: file, hint: problem.hint)
            // CONV(3,64,3,s2): a third positional argument (the stride) and a stride tag, PyTorch's
            // in_channels pushing every positional argument one place on.
            if definition.keyword == "CONV", problem.message.hasSuffix("is given twice"),
               (call.arguments ?? []).filter({ $0.tag == nil && $0.value != nil }).count >= 3,
               let hint = Convolution.pyTorchOrderHint(call, depth: nil, in: file) {
                diagnostic.hints.append(hint)
            }
            diagnostics.append(diagnostic)
        }
        if diagnostics.hasErrors { throw diagnostics }
        var values = ArgumentValues(flags: bound.flags, inPlace: bound.inPlace, bare: definition.schema.bareCount,
                                    order: definition.schema.parameters.map(\.name))
        var failed = false
        for (spec, value, argument) in bound.values {
            do throws(DiagnosticList) {
                values.entries.append((spec, try evaluateValue(value, as: spec, argument: argument)))
            } catch {
                failed = true
                diagnostics.append(contentsOf: error)
            }
        }
        if failed { throw diagnostics }
        do throws(ArgumentProblem) {
            return Layer(keyword: call.name.uppercased(), arguments: values, operation: try definition.make(values))
        } catch {
            diagnostics.append(Diagnostic(.error, error.message, at: call.range, in: file, hint: error.hint ?? definition.usage))
            throw diagnostics
        }
    }

    private func evaluateValue(_ value: ArgumentValue, as spec: ParameterSpec,
                               argument: Argument) throws(DiagnosticList) -> ArgumentResult {
        func fail(_ message: String, hint: String? = nil) -> DiagnosticList {
            var list = DiagnosticList()
            list.append(Diagnostic(.error, message, at: argument.range, in: file, hint: hint))
            return list
        }
        func check(_ number: Int) throws(DiagnosticList) -> Int {
            switch spec.type {
            case .count, .size:
                if number < 1 {
                    throw fail("\(spec.description) must be at least 1, not \(number)",
                               hint: spec.description == ParameterSpec.stride.description ? "a stride of 0 would never move the window" : nil)
                }
            case .padding, .offset:
                if number < 0 { throw fail("\(spec.description) cannot be negative (\(number))") }
            case .fraction:
                break
            }
            return number
        }
        switch value {
        case .scalar(let expression):
            let number = try evaluate(expression)
            guard spec.type != .fraction else {
                if number < 0 || number > 1 { throw fail("\(spec.description) must be between 0 and 1") }
                return .fraction("\(number)")
            }
            return .pair(Sizes(square: try check(number)))
        case .size(let axes):
            guard spec.type == .size || spec.type == .padding else {
                throw fail("\(spec.description) is one number, not a size WxH")
            }
            guard axes.count <= 3 else {
                throw fail("\(spec.description) has \(axes.count) sizes; a network has at most three spatial axes",
                           hint: "one size for every axis (3), or one per axis: L, WxH or WxHxT")
            }
            var values: [Int] = []
            for axis in axes { values.append(try check(try evaluate(axis))) }
            return .pair(Sizes(axes: values))
        case .word(let word):
            if isParameter(word) {
                return try evaluateValue(.scalar(.name(word, argument.valueRange)), as: spec, argument: argument)
            }
            if spec.type == .padding, word.lowercased() == "same" { return .same }
            if spec.type == .padding, word.lowercased() == "valid" { return .valid }
            let words = spec.type == .padding ? ["same", "valid"] : []
            throw fail("'\(word)' is not a value for \(spec.description)",
                       hint: didYouMean(word, words) ?? (spec.type == .padding
                           ? "padding is a number, WxH, same or valid" : "expected a number"))
        case .decimal(let text):
            guard spec.type == .fraction, let number = Double(text), number >= 0, number <= 1 else {
                throw fail(spec.type == .fraction ? "\(spec.description) must be between 0 and 1, not \(text)"
                               : "\(spec.description) must be a whole number, not \(text)")
            }
            return .fraction(text)
        }
    }
}
