/// The body of one emitted class as a small graph (`PyNode`s: modules, block instances, repetitions,
/// merges and the views between (N, C, H, W) and (N, K)), and how it is written: as an `nn.Sequential`
/// subclass when it is a chain, else as an `nn.Module` with a named attribute per module and a
/// `forward` that follows the graph.

/// A tensor flowing through a class body: the node that makes it, its channels and its form.
struct PyFlow {
    var node: Int
    var channels: PyValue
    var flat: Bool
}

/// How an attribute is named: after a kind (`conv` numbered `conv1`, `conv2`, ...) or as given (a
/// model file's layer name).
struct AttributeHint: Hashable {
    var text: String
    var numbered = true
}

/// What one node of a class body computes.
enum PyNodeKind {
    /// The class's input, `x`.
    case input
    case layer(AttributeHint, PyTorchModule)
    /// A block's class, instantiated: `Bottleneck(256, 64, 256)`; `group` (the use's text) lets
    /// consecutive equal uses of the network become one `nn.Sequential`.
    case instance(AttributeHint, PyCall, group: String?)
    /// Modules applied in turn (a repetition): items of the class itself when it is a chain, else an
    /// `nn.Sequential` attribute.
    case sequence(AttributeHint, [PySequenceItem])
    /// (N, C, H, W) to (N, C*H*W), before a linear layer.
    case flatten
    /// (N, K) to (N, K, 1, 1) (one 1 per spatial axis of the rank), before a layer that needs them.
    case unflatten(PyValue, rank: Int)
    case merge(MergeKind)
}

/// One node: what it computes, the nodes it reads, and names it replaces when written (a
/// repetition's placeholder for its copy's input channels).
struct PyNode {
    var kind: PyNodeKind
    var inputs: [Int]
    var substitution: [String: PyExpr] = [:]

    /// True for a node that can stand in a chain (one input, one output, written as modules).
    var chains: Bool {
        switch kind {
        case .input, .merge: return false
        case .layer, .instance, .sequence, .flatten, .unflatten: return true
        }
    }
}

/// An element of a sequence: one copy of a repetition's body (its nodes in order), or many copies
/// written as a comprehension, `*[Bottleneck(c, w, c) for _ in range(n - 1)]`.
enum PySequenceItem {
    case copy([PyNode], substitution: [String: PyExpr])
    case loop([PyNode], variable: String, count: PyExpr, substitution: [String: PyExpr])
}

/// Writes class bodies as Python.
enum PyTorchClassWriter {
    static let width = 100

    // MARK: Values

    /// An expression with every substitution applied, innermost first.
    static func text(_ expression: PyExpr, _ substitutions: [[String: PyExpr]]) -> String {
        var result = expression
        for substitution in substitutions { result = result.substituting(substitution) }
        return result.python
    }

    /// An argument as Python.
    static func text(_ argument: PyArgument, _ substitutions: [[String: PyExpr]]) -> String {
        switch argument {
        case .value(let value): return text(value.expression, substitutions)
        case .sizes(let sizes):
            let axes = sizes.axes.reversed().map { text($0.expression, substitutions) }
            return axes.dropFirst().allSatisfy({ $0 == axes.first }) ? axes.first ?? "1" : "(" + axes.joined(separator: ", ") + ")"
        case .bool(let flag): return flag ? "True" : "False"
        case .float(let number): return PythonSyntax.floatLiteral(number)
        case .string(let string): return PythonSyntax.stringLiteral(string)
        case .code(let code): return code
        // A tuple of one is `(197,)` in Python; `(197)` is a number.
        case .tuple(let items): return "(" + items.map { text($0, substitutions) }.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        }
    }

    /// A call as Python: positional arguments, then `label=value`.
    static func text(_ call: PyCall, _ substitutions: [[String: PyExpr]]) -> String {
        let arguments = call.arguments.map { ($0.label.map { $0 + "=" } ?? "") + text($0.value, substitutions) }
        return call.function + "(" + arguments.joined(separator: ", ") + ")"
    }

    // MARK: Sequential items

    /// The modules a chain node stands for, as items of an `nn.Sequential`.
    static func items(_ node: PyNode, _ outer: [[String: PyExpr]]) -> [String] {
        let substitutions = [node.substitution] + outer
        switch node.kind {
        case .input, .merge: return []
        case .layer(_, let module):
            return (module.padding.map { [text($0, substitutions)] } ?? []) + [text(module.call, substitutions)]
        case .instance(_, let call, _): return [text(call, substitutions)]
        case .sequence(_, let elements): return elements.flatMap { items($0, substitutions) }
        case .flatten: return ["nn.Flatten()"]
        case .unflatten(let channels, let rank):
            return ["nn.Unflatten(1, (\(text(channels.expression, substitutions))\(String(repeating: ", 1", count: rank))))"]
        }
    }

    /// The modules of a sequence's element: a copy's, or a comprehension.
    static func items(_ item: PySequenceItem, _ outer: [[String: PyExpr]]) -> [String] {
        switch item {
        case .copy(let nodes, let substitution):
            return nodes.flatMap { items($0, [substitution] + outer) }
        case .loop(let nodes, let variable, let count, let substitution):
            let modules = nodes.flatMap { items($0, [substitution] + outer) }
            let element = modules.count == 1 ? modules[0] : "nn.Sequential(" + modules.joined(separator: ", ") + ")"
            return ["*[\(element) for \(variable) in range(\(text(count, outer)))]"]
        }
    }

    /// `prefix(a, b, c)` on one line when it fits, else one item a line.
    static func call(_ prefix: String, _ items: [String], indent: String) -> String {
        let line = indent + prefix + "(" + items.joined(separator: ", ") + ")"
        if displayWidth(line) <= width || items.count < 2 { return line }
        return indent + prefix + "(\n" + items.map { indent + "    " + $0 + ",\n" }.joined() + indent + ")"
    }

    // MARK: Classes

    /// True when the body is a chain from the input to `output`: it can be an `nn.Sequential`.
    static func isChain(_ graph: ClassGraph, output: Int) -> Bool {
        guard output == graph.count - 1 else { return false }
        for index in 1..<max(graph.count, 1) {
            let inputs = graph.inputs(of: index)
            guard graph.nodes[index].kind.chains, inputs.count == 1, inputs.first == Int32(clamping: index - 1) else { return false }
        }
        return true
    }

    /// The constructor's body and `forward` of a class (everything after its `__init__` line's
    /// `super().__init__`), or its Sequential items; `sequential` says which.
    static func body(_ graph: ClassGraph, output: Int, sequential: Bool) -> ClassBodyText {
        if sequential {
            let all = graph.nodes.indices.flatMap { graph.items($0) }
            let initialization = all.isEmpty ? "        super().__init__()\n"
                : "        super().__init__(\n" + all.map { "            \($0),\n" }.joined() + "        )\n"
            return ClassBodyText(initialization: initialization, forward: nil)
        }
        var initialization = TextBuffer()
        let attributes = writeInitialization(graph, into: &initialization)
        var forward = TextBuffer()
        writeForward(graph, output: output, attributes: attributes, into: &forward)
        return ClassBodyText(initialization: initialization.string, forward: forward.string)
    }

    /// Writes an `nn.Module` class's constructor body, a blank line and its `forward`, a line at a time.
    static func write(_ graph: ClassGraph, output: Int, into buffer: inout TextBuffer) {
        let attributes = writeInitialization(graph, into: &buffer)
        if buffer.isClosed { return }
        buffer.append("\n")
        writeForward(graph, output: output, attributes: attributes, into: &buffer)
    }

    /// The attribute names the constructor gave each node's module (and its padding), for `forward`.
    struct Attributes {
        /// Every name the constructor took, by number (its table of them let go before `forward`).
        var claimed: [String]
        /// Each node's attribute's number in `claimed`; -1 for a node without one.
        var names: [Int32]
        var paddings: [Int: Int32] = [:]

        /// A node's attribute.
        func name(_ node: Int) -> String { names[node] >= 0 ? claimed[Int(names[node])] : "" }

        /// A node's padding's attribute, if it has one.
        func padding(_ node: Int) -> String? { paddings[node].map { claimed[Int($0)] } }
    }

    /// Writes the constructor's statements after `def __init__(...)`, from `super().__init__()` on;
    /// returns the attributes it named.
    private static func writeInitialization(_ graph: ClassGraph, into buffer: inout TextBuffer) -> Attributes {
        var table = PythonNames(reserved: PythonSyntax.moduleAttributes, capacity: graph.count)
        var numbers = [Int32](repeating: -1, count: graph.count)
        var paddings: [Int: Int32] = [:]
        var counters: [String: Int] = [:]
        // Each hint's identifier, made once.
        var bases = [String?](repeating: nil, count: graph.hints.count)
        func attribute(_ number: Int32) -> Int32 {
            let hint = graph.hint(number)
            var base: String
            if let known = bases[Int(number)] {
                base = known
            } else {
                base = PythonSyntax.identifier(hint.text, prefix: "layer")
                if base.hasPrefix("_") { base = "layer" + base }
                bases[Int(number)] = base
            }
            if hint.numbered {
                let count = (counters[base] ?? 0) + 1
                counters[base] = count
                base += (base.last?.isNumber == true ? "_" : "") + "\(count)"
            }
            if PythonSyntax.moduleAttributes.contains(base) { base += "_" }
            return table.claimNumber(base)
        }
        buffer.append("        super().__init__()\n")
        for index in 1..<max(graph.count, 1) {
            let node = graph.nodes[index]
            switch node.kind {
            case .input, .flatten, .unflatten, .merge:
                continue
            case .layer:
                let number = attribute(node.hint)
                let name = table.name(number)
                if node.padding >= 0 {
                    let padNumber = table.claimNumber(name + "_pad")
                    paddings[index] = padNumber
                    buffer.append("        self.")
                    buffer.append(table.name(padNumber))
                    buffer.append(" = ")
                    buffer.append(graph.text(node.padding))
                    buffer.append("\n")
                }
                buffer.append("        self.")
                buffer.append(name)
                buffer.append(" = ")
                buffer.append(graph.text(node.text))
                buffer.append("\n")
                numbers[index] = number
            case .instance:
                let number = attribute(node.hint)
                buffer.append("        self.")
                buffer.append(table.name(number))
                buffer.append(" = ")
                buffer.append(graph.text(node.text))
                buffer.append("\n")
                numbers[index] = number
            case .sequence:
                let number = attribute(node.hint)
                let name = table.name(number)
                buffer.append(call("self.\(name) = nn.Sequential", graph.items(ofSequence: node.text), indent: "        ") + "\n")
                numbers[index] = number
            }
            buffer.flushIfFull()
            if buffer.isClosed { break }
        }
        return Attributes(claimed: table.takeNames(), names: numbers, paddings: paddings)
    }

    /// Writes `forward`, its variables reused as their values are read for the last time.
    private static func writeForward(_ graph: ClassGraph, output: Int, attributes: Attributes, into buffer: inout TextBuffer) {
        buffer.append("    def forward(self, x):\n")
        var variables = VariableAllocator(graph: graph, output: output)
        for index in 1..<max(graph.count, 1) {
            let node = graph.nodes[index]
            let reads = graph.inputs(of: index)
            let first = reads.first.map { variables.name(of: Int($0)) } ?? "x"
            // A merge's inputs by name, read before its result takes one of them over.
            var merged: [String] = []
            if case .merge = node.kind { merged = reads.map { variables.name(of: Int($0)) } }
            let result = variables.assign(index, reading: reads)
            if case .input = node.kind { continue }  // nothing to write, its name given out all the same
            let name = attributes.name(index)
            buffer.append("        ")
            buffer.append(result)
            buffer.append(" = ")
            switch node.kind {
            case .input:
                continue  // met above
            case .layer:
                var argument = first
                if let pad = attributes.padding(index) {
                    buffer.append("self.\(pad)(\(first))\n        \(result) = ")
                    argument = result
                }
                buffer.append("self.")
                buffer.append(name)
                buffer.append("(")
                buffer.append(argument)
                buffer.append(")\n")
            case .instance, .sequence:
                buffer.append("self.")
                buffer.append(name)
                buffer.append("(")
                buffer.append(first)
                buffer.append(")\n")
            case .flatten:
                buffer.append("torch.flatten(\(first), 1)\n")
            case .unflatten:
                // One None per spatial axis: the node's text is `K, 1, 1` for an image.
                var shape = Substring(graph.text(node.text))
                var axes = 0
                while shape.hasSuffix(", 1") {
                    shape = shape.dropLast(3)
                    axes += 1
                }
                buffer.append("\(first)[:, :\(String(repeating: ", None", count: axes))]\n")
            case .merge(let kind):
                switch kind {
                case .add where merged.count > 8: buffer.append("torch.stack([\(merged.joined(separator: ", "))]).sum(0)\n")
                case .add: buffer.append(merged.joined(separator: " + ") + "\n")
                case .mul: buffer.append(merged.joined(separator: " * ") + "\n")
                case .concat: buffer.append("torch.cat([\(merged.joined(separator: ", "))], 1)\n")
                }
            }
            buffer.flushIfFull()
            if buffer.isClosed { return }
        }
        buffer.append("        return \(variables.name(of: output))\n")
    }
}

/// A class's text apart from its name and constructor's signature.
struct ClassBodyText: Hashable {
    /// The constructor's statements.
    var initialization: String
    /// `forward`, for an `nn.Module`; nil for an `nn.Sequential`.
    var forward: String?

    /// True when the constructor reads `in_channels`.
    var readsInputChannels: Bool {
        let word = Array(PyTorchWriter.inputChannels.utf8)
        let text = Array(initialization.utf8)
        func isPart(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte >= 0x80
        }
        var start = 0
        while start + word.count <= text.count {
            if text[start] == word[0], Array(text[start..<start + word.count]) == word,
               start == 0 || !isPart(text[start - 1]),
               start + word.count == text.count || !isPart(text[start + word.count]) {
                return true
            }
            start += 1
        }
        return false
    }
}

/// Python variable names for a `forward`: `x` first, a node's result taking over the name of an input
/// read for the last time (`x` preferred), so that a chain reads `x = self.conv1(x)`; a name comes
/// back when its value is read no more.
struct VariableAllocator {
    private var readers: [Int32]
    /// Each node's variable number; -1 before it is assigned (the input's is 0, `x`).
    private var names: [Int32]
    private var free = MinimumHeap()
    private var fresh = 1

    /// Counts each node's readers (the output's include the `return`).
    init(graph: ClassGraph, output: Int) {
        readers = graph.readerCounts(output: output)
        names = [Int32](repeating: -1, count: graph.count)
        if !names.isEmpty { names[0] = 0 }
    }

    /// `x`, `y`, `z`, `x2`, `y2`, ...
    static func text(_ number: Int) -> String {
        let letters = ["x", "y", "z"]
        let round = number / 3
        return letters[number % 3] + (round == 0 ? "" : "\(round + 1)")
    }

    /// The number of the name holding a node's result, if it has one.
    private func number(of node: Int) -> Int? {
        node >= 0 && node < names.count && names[node] >= 0 ? Int(names[node]) : nil
    }

    /// The name holding a node's result.
    func name(of node: Int) -> String { Self.text(number(of: node) ?? 0) }

    /// The name for a node's result, once its inputs are read. A merge of 400,000 branches frees as many
    /// names: past a few, each is looked up in a set, not in the list of those freed before it.
    mutating func assign(_ node: Int, reading inputs: ArraySlice<Int32>) -> String {
        var dying: [Int] = []
        var freed: Set<Int> = []  // the same numbers as `dying`, once it holds more than a few
        for read in inputs where read >= 0 && Int(read) < readers.count {
            let input = Int(read)
            readers[input] -= 1
            guard readers[input] == 0, let number = number(of: input) else { continue }
            if dying.count < 16 {
                if !dying.contains(number) { dying.append(number) }
                continue
            }
            if freed.isEmpty { freed = Set(dying) }
            if freed.insert(number).inserted { dying.append(number) }
        }
        let number: Int
        if let kept = dying.contains(0) ? 0 : dying.first {
            number = kept
            for other in dying where other != kept { free.push(other) }
        } else if let popped = free.pop() {
            number = popped
        } else {
            number = fresh
            fresh += 1
        }
        if node >= 0 && node < names.count { names[node] = Int32(truncatingIfNeeded: number) }
        if node < readers.count, readers[node] == 0 { free.push(number) }  // never read: the name is free again
        return Self.text(number)
    }
}

/// A binary min-heap of small integers (free variable numbers).
struct MinimumHeap {
    private var items: [Int] = []

    /// Adds a value.
    mutating func push(_ value: Int) {
        items.append(value)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    /// Removes and returns the smallest value.
    mutating func pop() -> Int? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count, items[left] < items[smallest] { smallest = left }
                if right < items.count, items[right] < items[smallest] { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
