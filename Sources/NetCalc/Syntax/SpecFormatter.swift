/// `netcalc fmt`: prints a spec in canonical form — keywords in upper case, arguments positional then
/// tagged in a fixed order (`CONV(96,11,s4,p2)`), one space around arrows, a chain on one line when it
/// fits in 100 columns and otherwise one `-> layer` per line, merges that do not fit with a branch per
/// line — keeping every comment and answer. The canonical form depends on the syntax alone, so `fmt` of
/// `fmt` is unchanged.
struct SpecFormatter {
    static let width = 100

    let syntax: SpecSyntax
    let comments: [SourceRange]
    private var file: SourceFile { syntax.file }

    /// The parameters of the block being printed: a bare word that names one is a value, not a flag.
    private let parameters: Set<String>

    init(syntax: SpecSyntax, comments: [SourceRange], parameters: Set<String> = []) {
        self.syntax = syntax
        self.comments = comments
        self.parameters = parameters
    }

    func format() -> String {
        var out = ""
        var nextComment = 0
        var previousEnd = 0
        for statement in syntax.statements {
            let range = statement.range
            // Comments before the statement, each on its line, keeping one blank line where there was one.
            while nextComment < comments.count, comments[nextComment].start < range.start {
                let comment = comments[nextComment]
                if !out.isEmpty && blankLine(between: previousEnd, and: comment.start) { out += "\n" }
                out += text(comment) + "\n"
                previousEnd = comment.end
                nextComment += 1
            }
            if !out.isEmpty && blankLine(between: previousEnd, and: range.start) { out += "\n" }
            let inside = comments[nextComment...].prefix { $0.start < range.end }
            nextComment += inside.count
            out += format(statement, comments: Array(inside))
            previousEnd = range.end
            // A comment on the statement's last line stays at its end.
            if nextComment < comments.count, sameLine(range.end, comments[nextComment].start) {
                out.removeLast()
                out += "  " + text(comments[nextComment]) + "\n"
                previousEnd = comments[nextComment].end
                nextComment += 1
            }
        }
        while nextComment < comments.count {
            if !out.isEmpty && blankLine(between: previousEnd, and: comments[nextComment].start) { out += "\n" }
            out += text(comments[nextComment]) + "\n"
            previousEnd = comments[nextComment].end
            nextComment += 1
        }
        return out
    }

    // MARK: Statements

    private func format(_ statement: Statement, comments: [SourceRange]) -> String {
        switch statement {
        case .directive(let name, let value, _, _):
            return "@\(name.lowercased()) \(value.lowercased())\n"
        case .block(let block):
            let parameters = block.parameters.isEmpty ? "" : "(" + block.parameters.map(\.name).joined(separator: ", ") + ")"
            return chain(block.body, prefix: "\(block.name)\(parameters) = ", comments: comments,
                         parameters: Set(block.parameters.map(\.name)))
        case .network(let name, _, let body, let total):
            var out = chain(body, prefix: name.map { "\($0) = " } ?? "", comments: comments)
            if let total { out += "total " + answer(total) + "\n" }
            return out
        }
    }

    /// A chain on one line when it fits and holds no comment, else one `-> element` per line; comments
    /// stay where they were written: before the element they came before, at the end of the line of the
    /// element they followed on its line, and inside merges, repetitions and arguments (see `commented`).
    private func chain(_ chain: Chain, prefix: String, comments: [SourceRange], parameters: Set<String> = []) -> String {
        let printer = SpecFormatter(syntax: syntax, comments: self.comments, parameters: parameters)
        return printer.layout(chain, prefix: prefix, comments: comments)
    }

    /// A statement's chain after `prefix` (`name = `), with the comments written inside the statement.
    private func layout(_ chain: Chain, prefix: String, comments: [SourceRange]) -> String {
        if comments.isEmpty {
            let oneLine = prefix + joined(chain.elements)
            if !oneLine.contains("\n"), displayWidth(oneLine) <= Self.width { return oneLine + "\n" }
        }
        let placed = Placement(comments[...], around: chain.elements.map(\.range))
        // Comments between the statement's name and its first element go on their own lines before it.
        var out = placed.leading.map { text($0) + "\n" }.joined()
        var lastLineIsElement = false  // no comment was written after the last element
        for (index, item) in chain.elements.enumerated() {
            let lead = index == 0 ? prefix : "  -> "
            if case .name = item, lastLineIsElement {
                // `as NAME` stays on the line of the element it names, before that line's comment.
                out.removeLast()
                out += " " + element(item, column: 0, inline: true)
            } else if case .name = item {
                out += "  " + element(item, column: 0, inline: true)
            } else {
                out += lead + element(item, column: displayWidth(lead), inline: false, comments: placed.inside(index))
            }
            let (trailing, ownLines) = split(placed.after(index), following: item.range)
            if let trailing { out += "  " + text(trailing) }
            out += "\n"
            for comment in ownLines { out += "  " + text(comment) + "\n" }
            lastLineIsElement = trailing == nil && ownLines.isEmpty
        }
        return out
    }

    // MARK: Comments inside elements

    /// Comments placed around a sequence of items (chain elements, branches, arguments): before the
    /// first, inside one, or after one (up to the next). Made in one pass: both lists are in file order.
    private struct Placement {
        var leading: [SourceRange] = []
        private var insideItems: [Int: [SourceRange]] = [:]
        private var afterItems: [Int: [SourceRange]] = [:]

        /// Places comments, in file order, around items in file order.
        init(_ comments: ArraySlice<SourceRange>, around ranges: [SourceRange]) {
            var item = 0
            for comment in comments {
                while item < ranges.count, comment.start >= ranges[item].end { item += 1 }
                if item < ranges.count, comment.start >= ranges[item].start {
                    insideItems[item, default: []].append(comment)
                } else if item == 0 {
                    leading.append(comment)
                } else {
                    afterItems[item - 1, default: []].append(comment)
                }
            }
        }

        /// The comments inside an item.
        func inside(_ item: Int) -> ArraySlice<SourceRange> { insideItems[item]?[...] ?? [] }
        /// The comments after an item, up to the next one.
        func after(_ item: Int) -> [SourceRange] { afterItems[item] ?? [] }
    }

    /// The comments after an item: the first stays at the end of the item's line when it was written
    /// on that line (or inside the item); the others go on lines of their own.
    private func split(_ comments: [SourceRange], following item: SourceRange) -> (SourceRange?, ArraySlice<SourceRange>) {
        guard let first = comments.first, first.start < item.end || sameLine(item.end, first.start) else {
            return (nil, comments[...])
        }
        return (first, comments.dropFirst())
    }

    /// Spaces up to a column.
    private func pad(_ column: Int) -> String { String(repeating: " ", count: column) }

    /// Comments between an opening bracket and the first item: the first stays on the bracket's line
    /// when it was written there; each other one gets a line at `column`. The text ends where the first
    /// item goes (on a new line at `column` when there were comments).
    private func leading(_ comments: [SourceRange], openedAt opening: Int, column: Int) -> String {
        guard !comments.isEmpty else { return "" }
        var out = ""
        for (index, comment) in comments.enumerated() {
            out += index == 0 && sameLine(opening, comment.start) ? "  " + text(comment) : "\n" + pad(column) + text(comment)
        }
        return out + "\n" + pad(column)
    }

    /// The comments after an item inside brackets, each but a trailing one on a line at `column`.
    private func following(_ comments: [SourceRange], item: SourceRange, column: Int) -> String {
        let (trailing, ownLines) = split(comments, following: item)
        var out = trailing.map { "  " + text($0) } ?? ""
        for comment in ownLines { out += "\n" + pad(column) + text(comment) }
        return out
    }

    /// An element with comments inside it, each kept in place: a merge a branch per line, a repetition
    /// or a branch an element per line, a layer's arguments as written and in written order (so that
    /// each comment stays by the argument it follows), a bracket closing on a line of its own after a
    /// comment.
    private func commented(_ element: ChainElement, column: Int, comments: ArraySlice<SourceRange>) -> String {
        switch element {
        case .merge(let kind, let branches, let keywordRange, _, let answer):
            let keyword = kind.rawValue.uppercased()
            let answered = answer.map { " " + self.answer($0) } ?? ""
            let bar = column + keyword.count
            let placed = Placement(comments, around: branches.map(\.range))
            var out = keyword + "(" + leading(placed.leading, openedAt: keywordRange.end, column: bar + 1)
            for (index, item) in branches.enumerated() {
                let at = bar + (index == 0 ? 1 : 2)
                if index > 0 { out += "\n" + pad(bar) + "| " }
                let inner = placed.inside(index)
                out += inner.isEmpty ? branch(item, column: at, inline: false) : commentedChain(item, column: at, comments: inner)
                out += following(placed.after(index), item: item.range, column: at)
            }
            return out + (placed.after(branches.count - 1).isEmpty ? ")" : "\n" + pad(bar) + ")") + answered
        case .repetition(let inner, let count, let range):
            let placed = Placement(comments, around: [inner.range])
            var out = "[" + leading(placed.leading, openedAt: range.start + 1, column: column + 1)
            out += commentedChain(inner, column: column + 1, comments: placed.inside(0))
            out += following(placed.after(0), item: inner.range, column: column + 1)
            return out + (placed.after(0).isEmpty ? "" : "\n" + pad(column)) + "]*" + atom(count)
        case .layer(let call, let answer):
            let inCall = comments.prefix { $0.start < call.range.end }
            var out = inCall.isEmpty ? layer(call) : commentedCall(call, column: column, comments: inCall)
            if let answer {
                let before = Array(comments.dropFirst(inCall.count))
                out += following(before, item: call.range, column: column)
                out += (before.isEmpty ? " " : "\n" + pad(column)) + self.answer(answer)
            }
            return out
        case .input(let dimensions, let range, let answer):
            // Comments can stand after the `[`, before the `]` and before the answer.
            let sizes = dimensions.map { expression($0) }.joined(separator: "x")
            let placed = Placement(comments, around: [dimensions[0].range.union(dimensions[dimensions.count - 1].range)])
            let inBrackets = placed.after(0).prefix { $0.start < range.end }
            var out = "INPUT[" + leading(placed.leading, openedAt: range.start, column: column + 6) + sizes
            out += following(Array(inBrackets), item: dimensions[dimensions.count - 1].range, column: column + 6)
            out += (inBrackets.isEmpty ? "" : "\n" + pad(column + 5)) + "]"
            if let answer {
                let before = Array(placed.after(0).dropFirst(inBrackets.count))
                out += following(before, item: range, column: column)
                out += (before.isEmpty ? " " : "\n" + pad(column)) + self.answer(answer)
            }
            return out
        case .identity:
            return "ID"
        case .name, .reference:
            return self.element(element, column: column, inline: true)
        }
    }

    /// A chain inside a merge or a repetition, with comments: one element per line from `column`.
    private func commentedChain(_ chain: Chain, column: Int, comments: ArraySlice<SourceRange>) -> String {
        let placed = Placement(comments, around: chain.elements.map(\.range))
        var out = ""
        for (index, item) in chain.elements.enumerated() {
            if case .name = item, index > 0, !out.hasSuffix("\n") {
                out += " "  // `as NAME` stays by the element it names
            } else if index > 0 {
                out += "\n" + pad(column) + "-> "
            }
            out += element(item, column: column + (index == 0 ? 0 : 3), inline: false, comments: placed.inside(index))
            out += following(placed.after(index), item: item.range, column: column)
        }
        return out
    }

    /// A layer or block call with comments among its arguments: the arguments as written, in written
    /// order, a line break after each comment.
    private func commentedCall(_ call: LayerCall, column: Int, comments: ArraySlice<SourceRange>) -> String {
        let name = LayerCatalog.definition(for: call.name) != nil ? call.name.uppercased() : call.name
        let arguments = call.arguments ?? []
        let at = column + displayWidth(name) + 1
        let placed = Placement(comments, around: arguments.map(\.range))
        var out = name + "(" + leading(placed.leading, openedAt: call.nameRange.end, column: at)
        var endsWithComment = !placed.leading.isEmpty && arguments.isEmpty
        for (index, item) in arguments.enumerated() {
            out += argument(item) + (index + 1 < arguments.count ? "," : "")
            let after = Array(placed.inside(index)) + placed.after(index)
            out += following(after, item: item.range, column: at)
            endsWithComment = !after.isEmpty
            if endsWithComment, index + 1 < arguments.count { out += "\n" + pad(at) }
        }
        return out + (endsWithComment ? "\n" + pad(at - 1) + ")" : ")")
    }

    // MARK: Elements

    /// An element of a network's chain laid out an element per line, as `layout` writes it after
    /// `  -> `: from column 5, with no comment inside.
    func chainElement(_ element: ChainElement) -> String {
        self.element(element, column: 5, inline: false)
    }

    /// An element printed from `column`; `inline` forbids line breaks inside it. An element with
    /// comments inside is laid out around them instead.
    private func element(_ element: ChainElement, column: Int, inline: Bool,
                         comments: ArraySlice<SourceRange> = []) -> String {
        if !comments.isEmpty { return commented(element, column: column, comments: comments) }
        switch element {
        case .input(let dimensions, _, let answer):
            let sizes = dimensions.map { expression($0) }.joined(separator: "x")
            return "INPUT[\(sizes)]" + (answer.map { " " + self.answer($0) } ?? "")
        case .identity:
            return "ID"
        case .name(let name, _):
            return "as \(name)"
        case .reference(let name, _):
            return "@\(name)"
        case .layer(let call, let answer):
            return layer(call) + (answer.map { " " + self.answer($0) } ?? "")
        case .repetition(let inner, let count, _):
            let body = joined(inner.elements)
            return "[\(body)]*" + atom(count)
        case .merge(let kind, let branches, _, _, let answer):
            let keyword = kind.rawValue.uppercased()
            let answered = answer.map { " " + self.answer($0) } ?? ""
            let flat = branches.map { branch($0, column: 0, inline: true) }
            let oneLine = "\(keyword)(\(flat.joined(separator: " | ")))" + answered
            if inline || (!oneLine.contains("\n") && column + displayWidth(oneLine) <= Self.width) { return oneLine }
            // A branch per line, the bars under the opening parenthesis.
            let bar = column + keyword.count
            var out = keyword + "("
            for (index, item) in branches.enumerated() {
                if index > 0 { out += "\n" + String(repeating: " ", count: bar) + "| " }
                out += branch(item, column: bar + (index == 0 ? 1 : 2), inline: false)
            }
            return out + ")" + answered
        }
    }

    /// What stands between two elements: an arrow, or a space before `as NAME`.
    private static func separator(before item: ChainElement) -> String {
        if case .name = item { return " " }
        return " -> "
    }

    /// Elements on one line: `CONV(64,3) as stem -> RELU`.
    private func joined(_ elements: [ChainElement]) -> String {
        var out = ""
        for (index, item) in elements.enumerated() {
            if index > 0 { out += Self.separator(before: item) }
            out += element(item, column: 0, inline: true)
        }
        return out
    }

    private func branch(_ chain: Chain, column: Int, inline: Bool) -> String {
        var out = ""
        var current = column
        for (index, item) in chain.elements.enumerated() {
            if index > 0 {
                let separator = Self.separator(before: item)
                out += separator
                current += separator.count
            }
            let text = element(item, column: current, inline: inline)
            out += text
            current = text.contains("\n") ? displayWidth(String(text.split(separator: "\n").last ?? "")) : current + displayWidth(text)
        }
        return out
    }

    /// A layer call with canonical arguments, bound as analysis binds them: the leading ones by
    /// position, then tags in the schema's order (glued when their value is a number), arguments that
    /// bind to nothing as written, then flags.
    private func layer(_ call: LayerCall) -> String {
        guard let definition = LayerCatalog.definition(for: call.name) else {
            // A block use: its arguments as written, tidied.
            guard let arguments = call.arguments else { return call.name }
            return call.name + "(" + arguments.map(argument).joined(separator: ",") + ")"
        }
        let keyword = call.name.uppercased()
        guard call.arguments != nil else { return keyword }
        let schema = definition.schema
        let bound = ArgumentBinder(definition: definition, isParameter: { parameters.contains($0) }).bind(call)
        var parts: [String] = []
        var positionalRun = true
        for (index, entry) in bound.values.enumerated() {
            if positionalRun, entry.spec.positional, index < schema.bareCount, entry.spec.name == schema.parameters[index].name {
                parts.append(value(entry.value))
            } else {
                positionalRun = false
                parts.append(tagged(entry.spec, entry.value))
            }
        }
        parts += bound.leftovers.map(argument)
        parts += bound.flags
        if bound.inPlace { parts.append(inPlaceFlag) }
        return parts.isEmpty ? keyword : "\(keyword)(\(parts.joined(separator: ",")))"
    }

    /// `s4`, `s2x1` or `s=expr`; `p=same`.
    private func tagged(_ spec: ParameterSpec, _ value: ArgumentValue) -> String {
        let name = spec.names[0]
        switch value {
        case .scalar(.literal(let number, _)) where spec.glued && number >= 0:
            return "\(name)\(number)"
        case .size(let axes) where spec.glued && axes.allSatisfy({ ($0.literalValue ?? -1) >= 0 }):
            return name + axes.map { "\($0.literalValue ?? 0)" }.joined(separator: "x")
        default:
            return "\(name)=\(self.value(value))"
        }
    }

    private func argument(_ item: Argument) -> String {
        if let flag = item.flag { return flag }
        let value = item.value.map(self.value) ?? ""
        return item.tag.map { "\($0)=\(value)" } ?? value
    }

    private func value(_ value: ArgumentValue) -> String {
        switch value {
        case .scalar(let expression): return self.expression(expression)
        case .size(let axes):
            let literal = axes.allSatisfy { $0.literalValue != nil }
            return axes.map(expression).joined(separator: literal ? "x" : " x ")
        case .word(let word): return ["same", "valid"].contains(word.lowercased()) ? word.lowercased() : word
        case .decimal(let text): return text
        }
    }

    // MARK: Expressions

    private func precedence(_ expression: Expression) -> Int {
        switch expression {
        case .literal, .name: return 4
        case .negate: return 3
        case .binary(let op, _, _, _): return op == .add || op == .subtract ? 1 : 2
        }
    }

    /// An expression with the parentheses its tree needs and no more.
    private func expression(_ expression: Expression) -> String {
        switch expression {
        case .literal(let value, _): return "\(value)"
        case .name(let name, _): return name
        case .negate(let inner, _):
            return "-" + (precedence(inner) < 3 ? "(\(self.expression(inner)))" : self.expression(inner))
        case .binary(let op, let lhs, let rhs, _):
            let mine = precedence(expression)
            let left = precedence(lhs) < mine ? "(\(self.expression(lhs)))" : self.expression(lhs)
            let right = precedence(rhs) <= mine ? "(\(self.expression(rhs)))" : self.expression(rhs)
            return left + op.rawValue + right
        }
    }

    private func atom(_ expression: Expression) -> String {
        precedence(expression) >= 4 ? self.expression(expression) : "(\(self.expression(expression)))"
    }

    // MARK: Text

    private func answer(_ answer: AnswerSyntax) -> String {
        let inner = SourceRange(answer.range.start + 1, max(answer.range.start + 1, answer.range.end - 1))
        let raw = String(decoding: file.bytes[inner.start..<inner.end], as: UTF8.self)
        return "{" + raw.trimmingSpaces().trimmingCharacters(in: "\n") + "}"
    }

    private func text(_ range: SourceRange) -> String {
        var text = String(decoding: file.bytes[range.start..<range.end], as: UTF8.self)
        while text.hasSuffix(" ") || text.hasSuffix("\t") { text.removeLast() }
        return text
    }

    private func sameLine(_ a: Int, _ b: Int) -> Bool {
        let low = min(a, b)
        let high = min(max(a, b), file.bytes.count)
        return !file.bytes[low..<high].contains(UInt8(ascii: "\n"))
    }

    /// True when an empty line separates the two offsets.
    private func blankLine(between a: Int, and b: Int) -> Bool {
        guard a < b else { return false }
        var newlines = 0
        for byte in file.bytes[a..<min(b, file.bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                newlines += 1
                if newlines >= 2 { return true }
            } else if byte != 0x20 && byte != 0x09 && byte != 0x0D {
                newlines = 0
            }
        }
        return false
    }
}
