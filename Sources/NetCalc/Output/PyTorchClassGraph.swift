/// A class body as it is written: each node's module texts with its substitutions applied, kept
/// compactly — a text or hint stored once however often it comes, inputs as 32-bit node numbers in one
/// shared list — so that a network of two million layers takes some tens of bytes a layer until its
/// class is written. Node numbers fit in 32 bits: more nodes than that (at 32 bytes each) would need
/// 64 GiB.
struct ClassGraph {
    /// What a node computes; its texts are in the graph, by number.
    enum Kind {
        case input
        case layer
        case instance
        case sequence
        case flatten
        case unflatten
        case merge(MergeKind)

        /// True for a node that can stand in a chain (one input, one output, written as modules).
        var chains: Bool {
            switch self {
            case .input, .merge: return false
            case .layer, .instance, .sequence, .flatten, .unflatten: return true
            }
        }
    }

    /// One node, its texts by number (-1: none).
    struct Node {
        var kind: Kind
        /// Its attribute's hint, in `hints` (a layer, instance or sequence).
        var hint: Int32 = -1
        /// A layer's or instance's call, in `texts`; a sequence's items, in `sequences`; an unflatten's
        /// channels, in `texts`.
        var text: Int32 = -1
        /// A layer's explicit padding call, or an instance's group (its use's text), in `texts`.
        private var extra: Int32 = -1
        /// How many inputs it reads, from `inputStart` in the graph's `inputList` (which may hold the
        /// inputs of nodes gone since, grouped into a sequence). The list holds fewer than 2^31: a
        /// network's rows would not fit in memory long before.
        var inputCount: Int32 = 0
        var inputStart: Int32 = 0

        init(kind: Kind, hint: Int32 = -1, text: Int32 = -1) {
            self.kind = kind
            self.hint = hint
            self.text = text
        }

        /// A layer's explicit padding call, in `texts`; -1 for none.
        var padding: Int32 {
            get { if case .layer = kind { return extra } else { return -1 } }
            set { extra = newValue }
        }

        /// An instance's group (its use's text), in `texts`; -1 for none.
        var group: Int32 {
            get { if case .instance = kind { return extra } else { return -1 } }
            set { extra = newValue }
        }
    }

    private(set) var nodes: [Node] = []
    private(set) var inputList: [Int32] = []
    private(set) var texts: [String] = []
    private var textNumbers: [String: Int32] = [:]
    private(set) var hints: [AttributeHint] = []
    private var hintNumbers: [AttributeHint: Int32] = [:]
    /// The items of each sequence node.
    private(set) var sequences: [[String]] = []

    /// A graph holding the class's input, `x`.
    init() {
        nodes.append(Node(kind: .input))
    }

    /// The graph of nodes built with their substitutions: each text written as it will be.
    init(_ built: [PyNode]) {
        self.init()
        for node in built.dropFirst() { add(node.kind, node.inputs, substitution: node.substitution) }
    }

    var count: Int { nodes.count }

    /// Makes room for `count` nodes of one input each.
    mutating func reserve(_ count: Int) {
        nodes.reserveCapacity(count)
        inputList.reserveCapacity(count)
    }

    /// The nodes a node reads.
    func inputs(of node: Int) -> ArraySlice<Int32> {
        let start = Int(nodes[node].inputStart)
        return inputList[start..<start + Int(nodes[node].inputCount)]
    }

    /// A text by number.
    func text(_ number: Int32) -> String { texts[Int(number)] }

    /// The hint by number.
    func hint(_ number: Int32) -> AttributeHint { hints[Int(number)] }

    /// A sequence node's items.
    func items(ofSequence number: Int32) -> [String] { sequences[Int(number)] }

    /// Adds a node reading `inputs`, its texts written with the substitution applied; returns its number.
    @discardableResult
    mutating func add(_ kind: PyNodeKind, _ inputs: [Int], substitution: [String: PyExpr] = [:]) -> Int {
        let substitutions = [substitution]
        var node: Node
        switch kind {
        case .input:
            node = Node(kind: .input)
        case .layer(let hint, let module):
            node = Node(kind: .layer, hint: number(hint), text: number(PyTorchClassWriter.text(module.call, substitutions)))
            if let padding = module.padding { node.padding = number(PyTorchClassWriter.text(padding, substitutions)) }
        case .instance(let hint, let call, let group):
            node = Node(kind: .instance, hint: number(hint), text: number(PyTorchClassWriter.text(call, substitutions)))
            if let group { node.group = number(group) }
        case .sequence(let hint, let elements):
            sequences.append(elements.flatMap { PyTorchClassWriter.items($0, substitutions) })
            node = Node(kind: .sequence, hint: number(hint), text: Int32(clamping: sequences.count - 1))
        case .flatten:
            node = Node(kind: .flatten)
        case .unflatten(let channels, let rank):
            // The node's text is the shape after the batch: `512, 1, 1`.
            node = Node(kind: .unflatten, text: number(PyTorchClassWriter.text(channels.expression, substitutions)
                                                        + String(repeating: ", 1", count: rank)))
        case .merge(let merge):
            node = Node(kind: .merge(merge))
        }
        node.inputStart = Int32(truncatingIfNeeded: inputList.count)
        node.inputCount = Int32(clamping: inputs.count)
        for input in inputs { inputList.append(Int32(truncatingIfNeeded: input)) }
        nodes.append(node)
        return nodes.count - 1
    }

    /// A text's number, the text stored the first time.
    private mutating func number(_ text: String) -> Int32 {
        if let known = textNumbers[text] { return known }
        texts.append(text)
        textNumbers[text] = Int32(clamping: texts.count - 1)
        return Int32(clamping: texts.count - 1)
    }

    /// A hint's number, the hint stored the first time.
    private mutating func number(_ hint: AttributeHint) -> Int32 {
        if let known = hintNumbers[hint] { return known }
        hints.append(hint)
        hintNumbers[hint] = Int32(clamping: hints.count - 1)
        return Int32(clamping: hints.count - 1)
    }

    /// The modules a chain node stands for, as items of an `nn.Sequential`.
    func items(_ index: Int) -> [String] {
        let node = nodes[index]
        switch node.kind {
        case .input, .merge: return []
        case .layer: return (node.padding >= 0 ? [text(node.padding)] : []) + [text(node.text)]
        case .instance: return [text(node.text)]
        case .sequence: return items(ofSequence: node.text)
        case .flatten: return ["nn.Flatten()"]
        case .unflatten: return ["nn.Unflatten(1, (\(text(node.text))))"]
        }
    }

    /// How many nodes read each node (the output's count includes the `return` when `output` is given).
    func readerCounts(output: Int? = nil) -> [Int32] {
        var readers = [Int32](repeating: 0, count: nodes.count)
        for node in nodes.indices {
            for input in inputs(of: node) where input >= 0 && Int(input) < readers.count { readers[Int(input)] += 1 }
        }
        if let output, output >= 0 && output < readers.count { readers[output] += 1 }
        return readers
    }

    /// Consecutive uses of one block with the same arguments, each reading the one before and read by
    /// nothing else, made one `nn.Sequential` (DenseNet's `[dense]*6`), in place; returns the output's
    /// new number.
    mutating func groupConsecutiveUses(output: Int) -> Int {
        let readers = readerCounts()
        var moved = [Int32](repeating: 0, count: nodes.count)
        var kept = 0  // the nodes kept so far, at the front of `nodes`
        var run: [Int32] = []  // the calls of the group being gathered, the first use being the last kept node
        var runGroup: Int32 = -1
        func close() {
            guard run.count > 1 else { return }
            sequences.append(run.map { texts[Int($0)] })
            nodes[kept - 1].group = -1
            nodes[kept - 1].kind = .sequence
            nodes[kept - 1].text = Int32(clamping: sequences.count - 1)
        }
        for index in nodes.indices {
            let node = nodes[index]
            if case .instance = node.kind, node.group >= 0, !run.isEmpty, node.group == runGroup, index > 0,
               node.inputCount == 1, inputList[Int(node.inputStart)] == Int32(clamping: index - 1), readers[index - 1] == 1,
               index - 1 != output {
                run.append(node.text)
                moved[index] = Int32(clamping: kept - 1)
                continue
            }
            close()
            run = []
            runGroup = -1
            if case .instance = node.kind {
                run = [node.text]
                runGroup = node.group
            }
            for slot in Int(node.inputStart)..<Int(node.inputStart) + Int(node.inputCount) {
                let input = Int(inputList[slot])
                inputList[slot] = input >= 0 && input < moved.count ? moved[input] : 0
            }
            nodes[kept] = node
            moved[index] = Int32(clamping: kept)
            kept += 1
        }
        close()
        nodes.removeSubrange(kept...)
        return output >= 0 && output < moved.count ? Int(moved[output]) : 0
    }
}
