/// An encoder-decoder drawn as the U its paper draws (U-Net's Fig. 1): the encoder going down on the
/// left, one row per level, the decoder coming back up on the right, and each level's skip connection
/// (a crop, or nothing) drawn straight across its row from the encoder's end to the decoder's merge.
///
/// A sequence is a U when it holds a merge of two lanes, one short (at most two units: the skip) and
/// one that goes down (a unit in it is smaller than the merge's output) and holds such a merge again,
/// at least two levels deep. Each level's row is its lane's items before the nested merge (left), the
/// skip, then the merge and the items after it (right); the deepest lane is the bottom row, centred.

extension Figure {
    /// Levels of a U drawn, at most (deeper ones are drawn inside the bottom row, as groups).
    static let maximumULevels = 12
    /// How far each level's row is set in from the one above it, on both sides.
    static let uIndent = 36.0

    /// A level of a U: the encoder's items, the skip lane, the merge and the decoder's items after it;
    /// the bottom level has only `left`.
    struct ULevel {
        var left: [FigureItem]
        var skip: [FigureItem] = []
        var merge: FigureUnit?
        var right: [FigureItem] = []
    }

    /// A level measured and, once placed, where its row is.
    final class ULevelBox {
        var left: [ItemBox] = []
        var skip: [ItemBox] = []
        var merge: UnitBox?
        var right: [ItemBox] = []
        var ascent = 0.0
        var descent = 0.0
        var baseline = 0.0
        /// The gutter above its row (where arrows down into it run) and below it (arrows up out of it).
        var gutterAbove = 0.0
        var gutterBelow = 0.0

        var all: [ItemBox] { left + skip + (merge.map { [.unit($0)] } ?? []) + right }

        /// The width of items laid side by side.
        static func width(_ items: [ItemBox]) -> Double {
            items.isEmpty ? 0 : items.reduce(0) { $0 + $1.width } + Figure.gap * Double(items.count - 1)
        }

        /// The narrowest its row can be: the parts with room between them for the skip's arrows.
        var minimumWidth: Double {
            let right = Self.width((merge.map { [.unit($0)] } ?? []) + self.right)
            guard merge != nil else { return Self.width(left) }
            return Self.width(left) + 2 * Figure.gap + max(Self.width(skip), 40) + 2 * Figure.gap + right
        }
    }

    /// The levels of a U in a sequence's items, top first, or nil when the items do not make one.
    func uLevels(_ items: [FigureItem]) -> [ULevel]? {
        var levels: [ULevel] = []
        var current = items
        while levels.count < Self.maximumULevels - 1 {
            guard let (index, group, skip, deep) = uMerge(in: current) else { break }
            levels.append(ULevel(left: Array(current[..<index]), skip: group.lanes[skip], merge: group.merge,
                                 right: Array(current[(index + 1)...])))
            current = group.lanes[deep]
        }
        guard levels.count >= 2 else { return nil }
        levels.append(ULevel(left: current))
        return levels
    }

    /// The first merge of two lanes in the items whose short lane skips across and whose other lane
    /// goes down: its position, and which lane is which.
    func uMerge(in items: [FigureItem]) -> (index: Int, group: FigureGroup, skip: Int, deep: Int)? {
        let rows = network.rows
        for (index, item) in items.enumerated() {
            guard case .group(let group) = item, group.lanes.count == 2 else { continue }
            let skip = group.lanes[1].count < group.lanes[0].count ? 1 : 0
            let deep = 1 - skip
            let isShort = group.lanes[skip].count <= 2 && group.lanes[skip].allSatisfy {
                if case .unit = $0 { return true } else { return false }
            }
            let mergeHeight = rows[group.merge.node.lastRow].output.height
            let goesDown = group.lanes[deep].contains { item in
                guard case .unit(let unit) = item, unit.lastRow < rows.count else { return false }
                let output = rows[unit.lastRow].output
                return output.height < mergeHeight && !(output.width == 1 && output.height == 1)
            }
            if isShort, goesDown { return (index, group, skip, deep) }
        }
        return nil
    }

    /// Measures a U's levels; its size is set on `sequence`.
    func measure(_ levels: [ULevel], into sequence: SequenceBox, width: Double) -> [ULevelBox] {
        func items(_ list: [FigureItem]) -> [ItemBox] {
            list.map { item in
                switch item {
                case .unit(let unit): return .unit(measure(unit))
                case .group(let group): return .group(measure(group, width: width))
                }
            }
        }
        let boxes = levels.map { level in
            let box = ULevelBox()
            box.left = items(level.left)
            box.skip = items(level.skip)
            box.merge = level.merge.map { measure($0) }
            box.right = items(level.right)
            box.ascent = box.all.map(\.ascent).max() ?? 7
            box.descent = box.all.map(\.descent).max() ?? 7
            return box
        }
        sequence.width = boxes.enumerated().map { 2 * Self.uIndent * Double($0.offset) + $0.element.minimumWidth }.max() ?? 0
        sequence.ascent = boxes.first?.ascent ?? 7
        sequence.height = boxes.reduce(0) { $0 + $1.ascent + $1.descent } + Self.runGap * 1.5 * Double(boxes.count - 1)
        return boxes
    }

    /// Places a U's levels from `top`: each row set in by its level on both sides, the encoder at its
    /// left, the decoder at its right, the skip centred between them, the bottom row centred.
    func place(_ levels: [ULevelBox], width: Double, x: Double, top: Double, gutter: Double,
               into placed: inout [UnitBox]) {
        var rowTop = top
        for (depth, level) in levels.enumerated() {
            level.baseline = rowTop + level.ascent
            level.gutterAbove = depth == 0 ? gutter : rowTop - Self.runGap * 0.75
            level.gutterBelow = level.baseline + level.descent + Self.runGap * 0.75
            let inset = Self.uIndent * Double(depth)
            if level.merge == nil {
                let start = x + (width - ULevelBox.width(level.left)) / 2
                place(level.left, x: start, level: level, into: &placed)
            } else {
                place(level.left, x: x + inset, level: level, into: &placed)
                let right = (level.merge.map { [ItemBox.unit($0)] } ?? []) + level.right
                let rightStart = x + width - inset - ULevelBox.width(right)
                let leftEnd = x + inset + ULevelBox.width(level.left)
                let skipWidth = ULevelBox.width(level.skip)
                place(level.skip, x: (leftEnd + rightStart - skipWidth) / 2, level: level, into: &placed)
                place(right, x: rightStart, level: level, into: &placed)
            }
            rowTop = level.baseline + level.descent + Self.runGap * 1.5
        }
    }

    /// Places items side by side on a level's row; its merge takes the gutter below (the arrow from the
    /// level under it comes up through there).
    func place(_ items: [ItemBox], x: Double, level: ULevelBox, into placed: inout [UnitBox]) {
        var cursor = x
        var previous: UnitBox?
        for item in items {
            switch item {
            case .unit(let box):
                box.x = cursor
                box.baseline = level.baseline
                box.gutter = box === level.merge ? level.gutterBelow : level.gutterAbove
                // Arrows into the merge turn left of its label, not through it.
                if box === level.merge { box.column = cursor - 4 }
                box.previous = previous
                placed.append(box)
                previous = box
            case .group(let group):
                place(group, x: cursor, baseline: level.baseline, gutter: level.gutterAbove, into: &placed)
                previous = nil
            }
            cursor += item.width + Self.gap
        }
    }
}
