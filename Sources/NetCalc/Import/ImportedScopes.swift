/// The scopes a model file's layer names carry, as block uses: `/layer1/layer1.0/conv1/Conv` (PyTorch's
/// exporter names a node after the modules it ran in) sits in `layer1`, then `layer1.0`, then `conv1`;
/// Caffe's `inception_3a/1x1` in `inception_3a`. `--depth N` and `--summary` then fold an imported
/// model by its modules, as torchinfo's `depth` does, the way they fold a spec's blocks.

/// Groups an imported network's rows by the scopes of their names.
enum ImportedScopes {
    /// The block uses the names make (the network itself first) and each name's block use: the
    /// deepest scope of its name, 0 for a name with none. A scope's uses are numbered 0: a file's
    /// scope is named once in its parent, so its path needs no `#2`.
    /// `recorded` gives the scopes of names that do not carry them (a dynamo export's `node_Conv_12`).
    static func blocks(of names: [String], recorded: [String: [String]] = [:]) -> (blocks: [BlockInstance], nameBlocks: [Int]) {
        var blocks = [BlockInstance.network]
        var children: [Int: [Substring: Int]] = [:]
        var nameBlocks: [Int] = []
        nameBlocks.reserveCapacity(names.count)
        var rowCounts = [0]
        for name in names {
            var components: [Substring]
            if let scopes = recorded[name] {
                components = scopes.map { Substring($0) }
            } else {
                components = name.split(separator: "/")
                components.removeLast(min(1, components.count))  // the node's own name
            }
            var current = 0
            for component in components.prefix(Analyzer.maximumCallDepth) {
                if let known = children[current]?[component] {
                    current = known
                    continue
                }
                let id = blocks.count
                blocks.append(BlockInstance(name: String(component), ordinal: 0, parent: current,
                                            depth: blocks[current].depth + 1, text: ""))
                rowCounts.append(0)
                children[current, default: [:]][component] = id
                current = id
            }
            nameBlocks.append(current)
            var ancestor = current
            while ancestor > 0 {
                rowCounts[ancestor] += 1
                ancestor = blocks[ancestor].parent
            }
        }
        for id in blocks.indices.dropFirst() {
            blocks[id].text = rowCounts[id] == 1 ? "1 layer" : "\(formatCount(rowCounts[id])) layers"
        }
        return (blocks, nameBlocks)
    }
}
