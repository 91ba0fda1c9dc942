/// The importer's collections, each able to take back what changed since an attempt began: a node that
/// may start following ONNX's shape rules is first tried by the CNN mapping, and a failed try is taken
/// back (`ONNXImporter.beginAttempt`, `rollBackAttempt`). Each collection writes down a change only
/// while an attempt is open (the key or position and what it held before), so that taking an attempt
/// back costs what the attempt changed, not a copy of everything known (a copy of the importer's
/// state made every node's first change copy each dictionary whole: quadratic on a long chain).
/// Taking back restores the contents exactly; nothing reads the order a dictionary or set lists them in.

/// A dictionary whose changes since `begin()` can be taken back.
struct JournaledDictionary<Key: Hashable, Value> {
    /// The entries.
    private(set) var elements: [Key: Value] = [:]
    /// Each change since the attempt began, with the key's value before it; nil with no attempt open.
    private var journal: [(key: Key, old: Value?)]?

    subscript(key: Key) -> Value? {
        get { elements[key] }
        set {
            journal?.append((key, elements[key]))
            elements[key] = newValue
        }
    }

    /// Starts writing changes down.
    mutating func begin() { journal = [] }

    /// Keeps the changes and stops writing them down.
    mutating func commit() { journal = nil }

    /// Takes back every change written down, last first, and stops writing them down.
    mutating func rollBack() {
        guard let changes = journal else { return }
        journal = nil
        for change in changes.reversed() { elements[change.key] = change.old }
    }
}

/// A set whose insertions since `begin()` can be taken back (the importer only inserts).
struct JournaledSet<Element: Hashable> {
    /// The members.
    private(set) var elements: Set<Element> = []
    /// The members inserted since the attempt began; nil with no attempt open.
    private var journal: [Element]?

    func contains(_ member: Element) -> Bool { elements.contains(member) }

    @discardableResult
    mutating func insert(_ member: Element) -> (inserted: Bool, memberAfterInsert: Element) {
        let result = elements.insert(member)
        if result.inserted { journal?.append(member) }
        return result
    }

    mutating func formUnion(_ members: some Sequence<Element>) {
        for member in members { insert(member) }
    }

    /// Starts writing insertions down.
    mutating func begin() { journal = [] }

    /// Keeps the insertions and stops writing them down.
    mutating func commit() { journal = nil }

    /// Removes every member inserted since the attempt began and stops writing insertions down.
    mutating func rollBack() {
        guard let inserted = journal else { return }
        journal = nil
        for member in inserted { elements.remove(member) }
    }
}

/// An array whose appends and replaced elements since `begin()` can be taken back.
struct JournaledArray<Element>: RandomAccessCollection {
    /// One change to the array.
    private enum Change {
        case appended
        case replaced(Int, Element)
    }

    /// The elements.
    private(set) var elements: [Element] = []
    /// Each change since the attempt began; nil with no attempt open.
    private var journal: [Change]?

    var startIndex: Int { elements.startIndex }
    var endIndex: Int { elements.endIndex }

    subscript(position: Int) -> Element {
        get { elements[position] }
        set {
            journal?.append(.replaced(position, elements[position]))
            elements[position] = newValue
        }
    }

    mutating func append(_ element: Element) {
        journal?.append(.appended)
        elements.append(element)
    }

    /// Starts writing changes down.
    mutating func begin() { journal = [] }

    /// Keeps the changes and stops writing them down.
    mutating func commit() { journal = nil }

    /// Takes back every change written down, last first, and stops writing them down.
    mutating func rollBack() {
        guard let changes = journal else { return }
        journal = nil
        for change in changes.reversed() {
            switch change {
            case .appended: elements.removeLast()
            case .replaced(let position, let old): elements[position] = old
            }
        }
    }
}

/// What the importer knows of each tensor by name, with the names whose computed data stands for each
/// imported tensor (an alias's name stands for the tensor it aliases), kept as the values change: making
/// a tensor channels first again restates each name standing for it without going over every name.
struct ONNXValueTable {
    /// The values by tensor name.
    private var entries: [String: ONNXValue] = [:]
    /// The names whose value is data held by each imported tensor (`ONNXData.tensor`).
    private var namesByTensor: [String: Set<String>] = [:]
    /// Each change since the attempt began, with the name's value before it; nil with no attempt open.
    private var journal: [(name: String, old: ONNXValue?)]?

    subscript(name: String) -> ONNXValue? {
        get { entries[name] }
        set {
            journal?.append((name, entries[name]))
            place(newValue, at: name)
        }
    }

    /// The names whose value is data held by `tensor`.
    func names(standingFor tensor: String) -> Set<String> {
        namesByTensor[tensor] ?? []
    }

    /// Sets a name's value and keeps the names by tensor up to date.
    private mutating func place(_ value: ONNXValue?, at name: String) {
        if case .data(let old)? = entries[name] {
            namesByTensor[old.tensor]?.remove(name)
            if namesByTensor[old.tensor]?.isEmpty == true { namesByTensor[old.tensor] = nil }
        }
        entries[name] = value
        if case .data(let new)? = value { namesByTensor[new.tensor, default: []].insert(name) }
    }

    /// Starts writing changes down.
    mutating func begin() { journal = [] }

    /// Keeps the changes and stops writing them down.
    mutating func commit() { journal = nil }

    /// Takes back every change written down, last first, and stops writing them down.
    mutating func rollBack() {
        guard let changes = journal else { return }
        journal = nil
        for change in changes.reversed() { place(change.old, at: change.name) }
    }
}

/// The importer's counts and the calls resolved since an attempt began: what `ONNXImporter.rollBackAttempt`
/// restores besides the journaled collections.
struct ONNXAttempt {
    let elementwiseCount: Int
    let droppedConstantValues: CheckedInt
    /// The calls the resolver first resolved during the attempt, which it forgets when the attempt fails.
    var newCalls: [ImportedCall] = []
}

extension ONNXImporter {
    /// Opens an attempt: from here every change to the importer's state is written down. Attempts do not nest.
    mutating func beginAttempt() {
        assert(attempt == nil, "attempts do not nest")
        attempt = ONNXAttempt(elementwiseCount: elementwiseCount, droppedConstantValues: droppedConstantValues)
        values.begin()
        shapes.begin()
        layers.begin()
        layerWriting.begin()
        layerNames.begin()
        nameCounters.begin()
        tensorNames.begin()
        tensorCounters.begin()
        vectorSources.begin()
        claimed.begin()
        plainNorms.begin()
        notes.begin()
        countedTensors.begin()
    }

    /// Keeps what the open attempt changed.
    mutating func commitAttempt() {
        attempt = nil
        values.commit()
        shapes.commit()
        layers.commit()
        layerWriting.commit()
        layerNames.commit()
        nameCounters.commit()
        tensorNames.commit()
        tensorCounters.commit()
        vectorSources.commit()
        claimed.commit()
        plainNorms.commit()
        notes.commit()
        countedTensors.commit()
    }

    /// Takes back everything the open attempt changed: the state is the one `beginAttempt` found.
    mutating func rollBackAttempt() {
        guard let attempt else { return }
        self.attempt = nil
        elementwiseCount = attempt.elementwiseCount
        droppedConstantValues = attempt.droppedConstantValues
        for call in attempt.newCalls { resolver.forget(call) }
        values.rollBack()
        shapes.rollBack()
        layers.rollBack()
        layerWriting.rollBack()
        layerNames.rollBack()
        nameCounters.rollBack()
        tensorNames.rollBack()
        tensorCounters.rollBack()
        vectorSources.rollBack()
        claimed.rollBack()
        plainNorms.rollBack()
        notes.rollBack()
        countedTensors.rollBack()
    }

    /// Resolves a call as `ImportedCallResolver.resolve` does, at a layer of `node`; a call first resolved
    /// during an attempt is written down, for the resolver to forget if the attempt fails.
    mutating func resolve(_ call: ImportedCall, layer name: String, node: ONNXNode) throws(ImportFailure) -> ResolvedCall {
        let known = resolver.knows(call)
        switch resolver.resolve(call, layer: name, at: SourceRange(0, 0), node: place(node)) {
        case .success(let made):
            if !known { attempt?.newCalls.append(call) }
            return made
        case .failure(let list):
            throw ImportFailure(diagnostics: list)
        }
    }
}
