/// What the architecture figure draws and how it arranges it, worked out from a report's rows in
/// linear time, for a spec's nested branches and for any imported graph alike.
///
/// Each row's first input makes a tree. The figure walks it back from the last row (the main path),
/// then from each merge's other inputs (lanes, drawn beside the main path from the split they leave
/// to the merge), then from any row still undrawn (an output nothing reads). The first walk to reach
/// a row claims it, so every row is walked once; a lane that runs into a row drawn elsewhere starts
/// from there with an arrow. Past `maximumRows` rows the rest of the network is one dashed box, and
/// branches nested deeper than `maximumNesting` are drawn one after another.
///
/// A box is a `FigureNode`: one row, or consecutive rows drawn as one (`span`), which the renderer
/// draws as the last row's volume in dashes, with arrows from its first row's inputs. The tail past the
/// cap is a span today. `--depth N` (issue 11) can draw a block as one box the same way: a spec's block
/// call makes consecutive rows, and its items (units and whole groups, since a block holds its merges
/// with their branches) can be replaced after `emitAll()` by one `.unit(FigureUnit(node: .span(...)))`.

/// One thing drawn as a box: a row, or consecutive rows drawn as one box showing the last one's output.
enum FigureNode: Equatable, Sendable {
    case row(Int)
    case span(first: Int, last: Int)

    /// The first and the last row the node draws.
    var firstRow: Int {
        switch self {
        case .row(let row): return row
        case .span(let first, _): return first
        }
    }

    var lastRow: Int {
        switch self {
        case .row(let row): return row
        case .span(_, let last): return last
        }
    }
}

/// A box and the slabs glued to it: `CONV -> BN -> RELU` is one volume with two thin slabs.
struct FigureUnit: Sendable {
    var node: FigureNode
    /// Rows that keep the shape of the row before them, drawn as slabs after the box.
    var glued: [Int] = []

    /// The row whose output leaves the unit.
    var lastRow: Int { glued.last ?? node.lastRow }
}

/// A merge and its branches: lane `j` leads from the split to the merge's input `j`; an empty lane
/// is an identity branch (the split itself, or a row drawn elsewhere).
struct FigureGroup: Sendable {
    var lanes: [[FigureItem]]
    var merge: FigureUnit
}

/// An item of a drawn sequence: a unit, or branches side by side with their merge.
indirect enum FigureItem: Sendable {
    case unit(FigureUnit)
    case group(FigureGroup)
}

/// The figure's arrangement: the main sequence first, then sequences of rows that the main one does
/// not lead to (outputs nothing reads) or that sit too deep to nest.
struct FigureStructure: Sendable {
    /// Rows drawn one by one; past them, one dashed box.
    static let maximumRows = 1_000
    /// Branches inside branches drawn nested, at most.
    static let maximumNesting = 24
    /// Lanes drawn for one merge, at most (its other inputs are left out and counted).
    static let maximumLanes = 64

    var sequences: [[FigureItem]] = []
    /// Rows `0..<drawnRows` are drawn one by one.
    var drawnRows = 0
    var totalRows = 0
    /// Inputs of merges with more than `maximumLanes` inputs, not drawn.
    var droppedInputs = 0
    /// Whether a run of uses of one block was made one box.
    var collapsedRuns = false

    /// Consecutive uses of one block, at least, that `collapsingRuns` draws as one box.
    static let shortestRun = 3

    /// Arranges a network's rows: at most `maximumRows` of them, each walked once. With
    /// `collapsingRuns`, consecutive folded uses of one block on a sequence (DenseNet's 24 dense
    /// layers) are one box, a span of their rows.
    init(_ network: NetworkReport, collapsingRuns: Bool = false) {
        let rows = network.rows
        totalRows = rows.count
        guard !rows.isEmpty else { return }
        var cut = rows.count
        if rows.count > Self.maximumRows {
            // End on the main chain, so that no merge loses its branches (spec rows carry a depth).
            cut = Self.maximumRows
            var last = Self.maximumRows - 1
            while last > Self.maximumRows / 2, rows[last].depth > 0 { last -= 1 }
            if rows[last].depth == 0 { cut = last + 1 }
        }
        drawnRows = cut
        var builder = FigureBuilder(rows: rows, count: cut)
        builder.walkAll()
        sequences = builder.emitAll()
        droppedInputs = builder.droppedInputs
        if collapsingRuns {
            let before = sequences.map(\.count)
            sequences = sequences.map { Self.collapsingRuns($0, network: network) }
            collapsedRuns = sequences.map(\.count) != before
        }
        if cut < rows.count {
            sequences[0].append(.unit(FigureUnit(node: .span(first: cut, last: rows.count - 1))))
        }
    }

    /// The items with each run of `shortestRun` or more folded uses of one block, each reading the
    /// one before, replaced by one span.
    static func collapsingRuns(_ items: [FigureItem], network: NetworkReport) -> [FigureItem] {
        let rows = network.rows
        /// The block a unit is a folded use of, when it is one row with nothing glued.
        func block(_ item: FigureItem) -> (row: Int, name: String)? {
            guard case .unit(let unit) = item, unit.glued.isEmpty, case .row(let row) = unit.node,
                  case .block(let id) = rows[row].role, id > 0, id < network.blocks.count else { return nil }
            return (row, network.blocks[id].name)
        }
        var out: [FigureItem] = []
        var index = 0
        while index < items.count {
            guard let first = block(items[index]) else {
                out.append(items[index])
                index += 1
                continue
            }
            var end = index + 1
            var last = first.row
            while end < items.count, let next = block(items[end]), next.name == first.name, next.row == last + 1,
                  rows[next.row].firstInput == last {
                last = next.row
                end += 1
            }
            if end - index >= shortestRun {
                out.append(.unit(FigureUnit(node: .span(first: first.row, last: last))))
            } else {
                out.append(contentsOf: items[index..<end])
            }
            index = end
        }
        return out
    }
}

/// A merge's position on a path and where its branches split from: a position on the same path, or
/// -1 for the row the path starts from. Groups inside it are its children.
private final class GroupSpan {
    var split: Int
    let merge: Int
    var children: [GroupSpan] = []

    init(split: Int, merge: Int) {
        self.split = split
        self.merge = merge
    }
}

/// Walks the rows into paths, then turns each path into items with its merges' groups.
private struct FigureBuilder {
    let rows: [LayerRow]
    /// Rows `0..<count` are drawn.
    let count: Int
    /// The path that claimed each row (-1 none yet), and the row's position on it.
    var pathOf: [Int32]
    var positionOf: [Int32]
    /// Each path's rows, first to last, and the row its first row reads (-1 for none).
    var paths: [[Int]] = []
    var sources: [Int] = []
    /// Paths that end on no merge's input: the main path, then outputs nothing reads.
    var roots: [Int] = []
    /// For each merge row with lanes: the path of each input after the first, -1 for an empty lane.
    var lanePaths: [Int: [Int]] = [:]
    var droppedInputs = 0
    /// Paths of merges too deep to nest, emitted as sequences of their own.
    var deferred: [Int] = []

    init(rows: [LayerRow], count: Int) {
        self.rows = rows
        self.count = count
        pathOf = [Int32](repeating: -1, count: count)
        positionOf = [Int32](repeating: 0, count: count)
    }

    /// The inputs of a row that are drawn rows before it (a well-formed report has no others).
    func inputs(of row: Int) -> [Int] {
        rows[row].inputs.filter { $0 >= 0 && $0 < row }
    }

    /// Claims the rows from `end` back along first inputs until a claimed one; returns the path.
    mutating func walk(from end: Int) -> Int {
        let id = paths.count
        var list: [Int] = []
        var row = end
        while row >= 0, pathOf[row] < 0 {
            pathOf[row] = Int32(clamping: id)
            list.append(row)
            let next = rows[row].firstInput
            row = next < row ? next : -1
        }
        list.reverse()
        for (position, member) in list.enumerated() { positionOf[member] = Int32(clamping: position) }
        paths.append(list)
        sources.append(row)
        return id
    }

    /// Walks the main path, every merge's lanes, and every row left over, each row once.
    mutating func walkAll() {
        roots.append(walk(from: count - 1))
        var next = 0
        var unclaimed = count - 1
        while true {
            while next < paths.count {
                for row in paths[next] {
                    guard case .merge = rows[row].role else { continue }
                    let side = Array(inputs(of: row).dropFirst())
                    guard !side.isEmpty else { continue }
                    let kept = side.prefix(FigureStructure.maximumLanes - 1)
                    droppedInputs += side.count - kept.count
                    var lanes: [Int] = []
                    for input in kept {
                        lanes.append(pathOf[input] < 0 ? walk(from: input) : -1)
                    }
                    lanePaths[row] = lanes
                }
                next += 1
            }
            while unclaimed >= 0, pathOf[unclaimed] >= 0 { unclaimed -= 1 }
            guard unclaimed >= 0 else { break }
            roots.append(walk(from: unclaimed))
        }
    }

    /// The sequences to draw: each root path, then the paths deferred for nesting too deep.
    mutating func emitAll() -> [[FigureItem]] {
        var sequences: [[FigureItem]] = []
        for root in roots {
            sequences.append(items(of: root, depth: 0))
        }
        var index = 0
        while index < deferred.count {
            sequences.append(items(of: deferred[index], depth: 0))
            index += 1
        }
        return sequences
    }

    /// The merges of a path as groups, nested where one lies inside another; a group whose split lies
    /// inside an earlier group (branches that cross) widens to take that group in.
    func spans(of path: Int) -> [GroupSpan] {
        var stack: [GroupSpan] = []
        for (position, row) in paths[path].enumerated() {
            guard let lanes = lanePaths[row] else { continue }
            let side = Array(inputs(of: row).dropFirst().prefix(lanes.count))
            var split = position - 1
            for (lane, input) in zip(lanes, side) {
                let source = lane >= 0 ? sources[lane] : input
                guard source >= 0 else { continue }
                if Int(pathOf[source]) == path, Int(positionOf[source]) < position {
                    split = min(split, Int(positionOf[source]))
                } else if source == sources[path] {
                    split = -1
                }
            }
            let span = GroupSpan(split: split, merge: position)
            var inside: [GroupSpan] = []
            while let top = stack.last, top.merge > span.split {
                span.split = min(span.split, top.split)
                inside.append(top)
                stack.removeLast()
            }
            span.children = inside.reversed()
            stack.append(span)
        }
        return stack
    }

    /// A whole path as items.
    mutating func items(of path: Int, depth: Int) -> [FigureItem] {
        items(of: path, from: 0, to: paths[path].count, spans: spans(of: path), depth: depth)
    }

    /// The rows at positions `from..<to` of a path as items, its groups (`spans`) nested.
    mutating func items(of path: Int, from start: Int, to end: Int, spans: [GroupSpan], depth: Int) -> [FigureItem] {
        var made: [FigureItem] = []
        let members = paths[path]
        if depth >= FigureStructure.maximumNesting {
            for position in start..<end {
                let row = members[position]
                append(row, to: &made)
                for lane in lanePaths[row] ?? [] where lane >= 0 { deferred.append(lane) }
            }
            return made
        }
        var next = 0
        var position = start
        while position < end {
            if next < spans.count, position == spans[next].split + 1 {
                let span = spans[next]
                next += 1
                let mergeRow = members[span.merge]
                var lanes = [items(of: path, from: span.split + 1, to: span.merge, spans: span.children, depth: depth + 1)]
                for lane in lanePaths[mergeRow] ?? [] {
                    lanes.append(lane >= 0 ? items(of: lane, depth: depth + 1) : [])
                }
                made.append(.group(FigureGroup(lanes: lanes, merge: FigureUnit(node: .row(mergeRow)))))
                position = span.merge + 1
            } else {
                append(members[position], to: &made)
                position += 1
            }
        }
        return made
    }

    /// Appends a row: glued to the unit before it when it keeps that unit's shape and reads it.
    func append(_ row: Int, to items: inout [FigureItem]) {
        let layer = rows[row]
        if FigureKind.of(layer).glues, layer.role == .layer, layer.output == layer.input,
           case .unit(var unit)? = items.last, unit.lastRow == layer.firstInput,
           case .row(let main) = unit.node, FigureKind.of(rows[main]) != .merge {
            unit.glued.append(row)
            items[items.count - 1] = .unit(unit)
            return
        }
        items.append(.unit(FigureUnit(node: .row(row))))
    }
}
