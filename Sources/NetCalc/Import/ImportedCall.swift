/// A layer call made by a model reader: a keyword and its arguments as values. It becomes a layer
/// through the same binding and checks as a call written in a spec (`ArgumentBinder`, `LayerResolver`),
/// built as the spec language's syntax with literal values: no text is written or parsed in between.

/// A layer call from a model file: `ImportedCall("CONV", .value(64), .sizes([7, 7]), .tag("s", [2]))`.
struct ImportedCall: Hashable, Sendable {
    /// The keyword, upper case: `CONV`.
    var keyword: String
    var arguments: [ImportedArgument]

    init(_ keyword: String, _ arguments: ImportedArgument...) {
        self.init(keyword, arguments)
    }

    init(_ keyword: String, _ arguments: [ImportedArgument]) {
        self.keyword = keyword
        self.arguments = arguments
    }

    /// The call in the spec language, for messages: `CONV(64,7,s2,p3)`.
    var text: String {
        arguments.isEmpty ? keyword : "\(keyword)(\(arguments.map(\.text).joined(separator: ",")))"
    }

    /// The call as the spec language's syntax, its values literals at no place in any file.
    var syntax: LayerCall {
        let nowhere = SourceRange(0, 0)
        func literal(_ value: Int) -> Expression { .literal(value, nowhere) }
        func value(_ sizes: [Int]) -> ArgumentValue {
            sizes.count == 1 ? .scalar(literal(sizes[0])) : .size(sizes.map(literal))
        }
        let written = arguments.map { argument -> Argument in
            switch argument {
            case .value(let sizes):
                return Argument(tag: nil, value: value(sizes), flag: nil, range: nowhere, valueRange: nowhere)
            case .tag(let name, let sizes):
                return Argument(tag: name, value: value(sizes), flag: nil, range: nowhere, valueRange: nowhere)
            case .word(let name, let word):
                return Argument(tag: name, value: .word(word), flag: nil, range: nowhere, valueRange: nowhere)
            case .decimal(let text):
                return Argument(tag: nil, value: .decimal(text), flag: nil, range: nowhere, valueRange: nowhere)
            case .flag(let flag):
                return Argument(tag: nil, value: nil, flag: flag, range: nowhere, valueRange: nowhere)
            }
        }
        return LayerCall(name: keyword, sharing: arguments.isEmpty ? nil : written, parsedAt: 0, range: nowhere, textID: -1)
    }
}

/// One argument of an imported call.
enum ImportedArgument: Hashable, Sendable {
    /// A positional number, or sizes one per spatial axis, width first (`[7, 1]` is `7x1`).
    case value([Int])
    /// `name=value`: a number or sizes, width first (`s2`, `p=3x3x1`).
    case tag(String, [Int])
    /// `name=word`: `p=same`.
    case word(String, String)
    /// A positional rate or slope, as its decimal digits: `0.01`.
    case decimal(String)
    /// A word given alone: `nobias`, `ceil`, `inplace`.
    case flag(String)

    /// A positional number.
    static func value(_ number: Int) -> ImportedArgument { .value([number]) }

    /// Positional sizes, width first; one number when they are all equal.
    static func sizes(_ widthFirst: [Int]) -> ImportedArgument { .value(uniform(widthFirst)) }

    /// `name=sizes`, width first; one number when they are all equal.
    static func tag(sizes name: String, _ widthFirst: [Int]) -> ImportedArgument { .tag(name, uniform(widthFirst)) }

    private static func uniform(_ sizes: [Int]) -> [Int] {
        guard let first = sizes.first, sizes.allSatisfy({ $0 == first }) else { return sizes }
        return [first]
    }

    /// The argument in the spec language: `64`, `7x1`, `s2`, `p=same`, `0.01`, `nobias`.
    var text: String {
        func sizes(_ values: [Int]) -> String { values.map(String.init).joined(separator: "x") }
        switch self {
        case .value(let values): return sizes(values)
        case .tag(let name, let values): return name.count == 1 ? name + sizes(values) : "\(name)=\(sizes(values))"
        case .word(let name, let word): return "\(name)=\(word)"
        case .decimal(let text): return text
        case .flag(let flag): return flag
        }
    }
}
