/// A block definition written back as spec text, for the docstring of its emitted class:
/// `bottleneck(w, c) = ADD(CONV(w,1,nobias) -> BN -> RELU | ID) -> RELU`, wrapped before an arrow
/// where a line would pass 92 columns.
enum SpecText {
    static let width = 92

    /// `name(a, b) = chain`.
    static func definition(_ definition: BlockDefinition) -> String {
        let signature = definition.parameters.isEmpty ? definition.name
            : definition.name + "(" + definition.parameters.map(\.name).joined(separator: ", ") + ")"
        let pieces = chain(definition.body)
        var lines: [String] = []
        var line = signature + " = "
        for (index, piece) in pieces.enumerated() {
            let part = index == 0 ? piece : " -> " + piece
            if index > 0, displayWidth(line) + displayWidth(part) > width {
                lines.append(line)
                line = "    -> " + piece
            } else {
                line += part
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// A chain as pieces joined by arrows, nested arrows split too (so that lines may break there).
    private static func chain(_ chain: Chain) -> [String] {
        var pieces: [String] = []
        for element in chain.elements {
            // `as NAME` belongs to the piece before it, not after an arrow.
            if case .name(let name, _) = element, !pieces.isEmpty {
                pieces[pieces.count - 1] += " as \(name)"
                continue
            }
            let parts = self.element(element)
            guard let first = parts.first else { continue }
            pieces.append(first)
            pieces += parts.dropFirst()
        }
        return pieces.isEmpty ? ["ID"] : pieces
    }

    /// An element's text, in pieces that arrows join: a merge's branches keep their inner arrows as
    /// piece boundaries, so `ADD(a -> b | c)` is `["ADD(a", "b | c)"]`.
    private static func element(_ element: ChainElement) -> [String] {
        switch element {
        case .input(let dimensions, _, _):
            return ["INPUT[" + dimensions.map { expression($0) }.joined(separator: "x") + "]"]
        case .identity:
            return ["ID"]
        case .name(let name, _):
            return ["as \(name)"]
        case .reference(let name, _):
            return ["@\(name)"]
        case .layer(let call, _):
            guard let arguments = call.arguments else { return [call.name] }
            // Layers as netcalc writes them (`CONV(64,3,p1)`), block uses as calls (`stage(64, 256)`).
            let separator = LayerCatalog.definition(for: call.name) == nil ? ", " : ","
            return [call.name + "(" + arguments.map(argument).joined(separator: separator) + ")"]
        case .repetition(let inner, let count, _):
            var pieces = chain(inner)
            pieces[0] = "[" + pieces[0]
            pieces[pieces.count - 1] += "]*" + atom(count)
            return pieces
        case .merge(let kind, let branches, _, _, _):
            var pieces: [String] = []
            var pending = kind.keyword + "("
            for (index, branch) in branches.enumerated() {
                let parts = chain(branch)
                pending += (index == 0 ? "" : " | ") + parts[0]
                for part in parts.dropFirst() {
                    pieces.append(pending)
                    pending = part
                }
            }
            pieces.append(pending + ")")
            return pieces
        }
    }

    private static func argument(_ argument: Argument) -> String {
        guard let value = argument.value else { return argument.flag ?? "" }
        let text: String
        switch value {
        case .scalar(let expression): text = self.expression(expression)
        case .size(let axes):
            let literal = axes.allSatisfy { $0.literalValue != nil }
            text = axes.map { self.expression($0) }.joined(separator: literal ? "x" : " x ")
        case .word(let word): text = word
        case .decimal(let number): text = number
        }
        return argument.tag.map { "\($0)=\(text)" } ?? text
    }

    private static func atom(_ value: Expression) -> String {
        if case .binary = value { return "(" + expression(value) + ")" }
        return expression(value)
    }

    private static func expression(_ value: Expression, context: Int = 0) -> String {
        switch value {
        case .literal(let number, _): return "\(number)"
        case .name(let name, _): return name
        case .negate(let inner, _): return "-" + expression(inner, context: 3)
        case .binary(let op, let lhs, let rhs, _):
            let precedence = op == .add || op == .subtract ? 1 : 2
            let text = expression(lhs, context: precedence) + op.rawValue + expression(rhs, context: precedence + 1)
            return precedence < context ? "(" + text + ")" : text
        }
    }
}
