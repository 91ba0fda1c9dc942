/// Renders networks as the architecture figure the notes draw: each layer's output volume as a 3-D box
/// (depth along the flow on a log scale, height up and width receding on a square-root scale),
/// labelled with its name, kernel and size; a convolution's or pool's window drawn on the volume it
/// reads; fully connected layers as bars; normalizations and activations as slabs glued to the box
/// they follow; merges as circles with their branches side by side, identity shortcuts as skip arrows
/// into them; arrows between them; long chains wrapped onto rows; an encoder-decoder as a U
/// (FigureUShape.swift); a network of more than 40 layers folded by its block uses to fit a slide.
/// The same input always gives the same bytes.

/// `--format svg`: one SVG document holding every network's figure, one under the other.
struct SVGRenderer {
    var units = ByteUnits.iec
    /// How wide a row of boxes grows before it wraps, in pixels.
    var maxWidth = 1200.0
    /// Whether a network of many layers is folded by its block uses to fit a slide (not when `--depth`
    /// says how deep to draw).
    var foldsToFit = true

    /// The document: the figures stacked, each with its title.
    func render(_ networks: [NetworkReport]) -> String {
        var body = ""
        var width = 320.0
        var top = 0.0
        for (index, network) in networks.enumerated() {
            let fit = foldsToFit ? Figure.fitted(network, units: units, maxWidth: maxWidth) : Figure.Fit(network: network)
            var figure = Figure(network: fit.network, units: units, maxWidth: maxWidth, prefix: "f\(index)-",
                                explainInTitles: true)
            figure.foldedTo = fit.depth
            figure.collapsesRuns = fit.collapsesRuns
            let drawn = figure.draw()
            body += "<g transform=\"translate(0,\(Markup.number(top)))\">\n" + drawn.body + "</g>\n"
            width = max(width, drawn.width)
            top += drawn.height
        }
        if networks.isEmpty {
            body += "<text x=\"20\" y=\"34\">no network to draw</text>\n"
            top = 56
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"nc\" width=\"\(Markup.number(width))\" "
        out += "height=\"\(Markup.number(top))\" viewBox=\"0 0 \(Markup.number(width)) \(Markup.number(top))\">\n"
        out += "<style>" + FigureStyle.css(scope: ".nc") + "</style>\n"
        out += "<defs>" + (0..<networks.count).map { Figure.marker(id: "f\($0)-a") }.joined() + "</defs>\n"
        out += "<rect class=\"bg\" width=\"100%\" height=\"100%\"/>\n"
        return out + body + "</svg>\n"
    }
}

/// One network's figure: measured, placed, then written as SVG elements.
struct Figure {
    let network: NetworkReport
    let units: ByteUnits
    let maxWidth: Double
    /// Prefixes every id, so that several figures can share a page.
    let prefix: String
    /// Each box's tooltip holds its `--explain` lines (a standalone SVG), or only its name and size
    /// (the HTML page, whose script shows the lines from the table).
    let explainInTitles: Bool
    /// Whether the figure starts with the network's name (the page has it as a heading).
    var showsName = true
    /// The block depth the network was folded to so that its figure fits a slide (the header says so).
    var foldedTo: Int?
    /// Whether runs of uses of one block are drawn as one box each (to fit a slide: the header says so).
    var collapsesRuns = false

    /// Spacing in pixels: around the figure, between items of a row, between rows and lanes, before
    /// a group's lanes (where its arrows fan out) and before its merge (where they come together).
    static let margin = 20.0
    static let gap = 26.0
    static let runGap = 26.0
    static let laneGap = 18.0
    static let laneInset = 24.0
    static let mergeGap = 24.0
    /// Room above a group for each of its skip arrows.
    static let skipRise = 12.0
    /// A glued slab's thickness and a merge circle's radius.
    static let slab = 5.0
    static let radius = 11.0

    /// The largest spatial size of any volume drawn, which the scale draws 130 pixels tall.
    let largestSpatial: Int
    /// How many merges each block use holds directly (by block use).
    let mergesIn: [Int: Int]

    init(network: NetworkReport, units: ByteUnits, maxWidth: Double, prefix: String, explainInTitles: Bool) {
        self.network = network
        largestSpatial = network.rows.reduce(1) { max($0, $1.output.width, $1.output.height) }
        var merges: [Int: Int] = [:]
        for row in network.rows {
            if case .merge = row.role, row.block > 0 { merges[row.block, default: 0] += 1 }
        }
        mergesIn = merges
        self.units = units
        self.maxWidth = max(400, maxWidth)
        self.prefix = prefix
        self.explainInTitles = explainInTitles
    }

    /// The arrowhead every edge ends with.
    static func marker(id: String) -> String {
        "<marker id=\"\(id)\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" "
            + "orient=\"auto\"><path class=\"ah\" d=\"M0 0.5L8 4L0 7.5z\"/></marker>"
    }

    // MARK: Drawing

    /// The figure's elements (without the `<svg>` around them) and its size.
    mutating func draw() -> (body: String, width: Double, height: Double) {
        let structure = FigureStructure(network, collapsingRuns: collapsesRuns)
        let rows = network.rows
        var header = Header(network: network, structure: structure, units: units, foldedTo: foldedTo)
        header.showsName = showsName
        let sequences = structure.sequences.map { measure($0, width: maxWidth) }
        var top = Self.margin + header.height
        var placed: [UnitBox] = []
        var unitOf = [UnitBox?](repeating: nil, count: structure.drawnRows)
        var width = 0.0
        for sequence in sequences {
            place(sequence, x: Self.margin, top: top, gutter: top - Self.runGap / 2, into: &placed)
            top += sequence.height + Self.runGap * 1.5
            width = max(width, sequence.width)
        }
        // The rows of the tail's span are past `drawnRows`: only drawn rows are looked up. A run of
        // block uses drawn as one span stands for each of its rows.
        for box in placed {
            for row in [box.unit.node.firstRow] + box.unit.glued where row < unitOf.count {
                unitOf[row] = box
            }
            if case .span(let first, let last) = box.unit.node, last < unitOf.count {
                for row in first...last { unitOf[row] = box }
            }
        }
        width = max(width + 2 * Self.margin, header.width + 2 * Self.margin)
        let height = top - Self.runGap * 1.5 + Self.margin

        var out = header.svg(x: Self.margin, y: Self.margin)
        out += "<g class=\"edges\">\n"
        for box in placed { out += edges(into: box, unitOf: unitOf) }
        out += "</g>\n"
        for box in placed {
            if let previous = box.previous { out += window(from: previous, to: box) }
            out += unitSVG(box, rows: rows)
        }
        return (out, width, height)
    }

    /// The figure's size, measured without drawing it.
    func size() -> (width: Double, height: Double) {
        let structure = FigureStructure(network, collapsingRuns: collapsesRuns)
        var header = Header(network: network, structure: structure, units: units, foldedTo: foldedTo)
        header.showsName = showsName
        let sequences = structure.sequences.map { measure($0, width: maxWidth) }
        let width = max(sequences.map(\.width).max() ?? 0, header.width) + 2 * Self.margin
        let height = sequences.reduce(Self.margin + header.height) { $0 + $1.height + Self.runGap * 1.5 }
        return (width, height - Self.runGap * 1.5 + Self.margin)
    }

    // MARK: Folding to fit a slide

    /// A slide's room: a figure folded to fit is at most this tall (and, wrapped, this wide).
    static let slide = (width: 1280.0, height: 900.0)
    /// Networks of more layers than this (convolutions, up-samplings and fully connected ones, the
    /// layers a network's name counts) are folded by their block uses to fit a slide.
    static let foldingLayers = 40

    /// The layers a network's name counts: `ResNet-18` has 18 (plus its 3 projection shortcuts).
    static func namedLayers(_ network: NetworkReport) -> Int {
        network.rows.reduce(0) { count, row in
            switch FigureKind.of(row) {
            case .conv, .upsampling, .fc: return count + 1
            case .input, .pool, .norm, .activation, .dropout, .reshape, .merge, .other: return count
            }
        }
    }

    /// How a figure is fitted to a slide: the network as drawn, the block depth it was folded to, and
    /// whether runs of one block's uses are one box each.
    struct Fit {
        var network: NetworkReport
        var depth: Int?
        var collapsesRuns = false
    }

    /// The network as its figure draws it by default: whole up to `foldingLayers` layers; past that,
    /// folded by its block uses at the deepest depth whose figure fits `slide` (each block use one box,
    /// as `--depth N` draws it), at each depth first as it is, then with each run of three or more
    /// uses of one block as one box (ResNet-152's 35 bottlenecks of a stage, DenseNet's 24 dense
    /// layers); failing all, at depth 1 with runs as one box. A network without block uses is drawn whole.
    static func fitted(_ network: NetworkReport, units: ByteUnits, maxWidth: Double) -> Fit {
        let deepest = network.blocks.map(\.depth).max() ?? 0
        guard deepest > 0, namedLayers(network) > foldingLayers else { return Fit(network: network) }
        func fits(_ view: NetworkReport, _ depth: Int, _ collapsing: Bool) -> Bool {
            var figure = Figure(network: view, units: units, maxWidth: maxWidth, prefix: "", explainInTitles: false)
            figure.foldedTo = depth
            figure.collapsesRuns = collapsing
            let size = figure.size()
            return size.height <= slide.height && size.width <= slide.width
        }
        for depth in stride(from: deepest, through: 1, by: -1) {
            let view = network.folded(toDepth: depth)
            for collapsing in [false, true] where fits(view, depth, collapsing) {
                return Fit(network: view, depth: depth, collapsesRuns: collapsing)
            }
        }
        return Fit(network: network.folded(toDepth: 1), depth: 1, collapsesRuns: true)
    }

    // MARK: Measuring

    /// How a unit is drawn.
    enum Shape { case cuboid, bar, circle }

    /// A unit measured: its boxes' sizes, its label, and (once placed) where it is.
    final class UnitBox {
        let unit: FigureUnit
        let kind: FigureKind
        let shape: Shape
        /// The main box: along the flow, up, and the receding offset.
        var thickness = 0.0
        var height = 0.0
        var oblique = 0.0
        var drawWidth = 0.0
        var labels: [(text: String, style: String)] = []
        var width = 0.0
        var ascent = 0.0
        var descent = 0.0
        // Placed:
        var x = 0.0
        var baseline = 0.0
        var gutter = 0.0
        /// The unit before it in its row, when that is a unit (for a kernel's window).
        var previous: UnitBox?
        /// The group whose merge this is. Weak: the group holds its merge, and a strong reference back
        /// would keep both alive after the figure is drawn (a leak LeakSanitizer found while fuzzing).
        weak var group: GroupBox?
        /// Where arrows turn to come in, when the unit starts a lane (shared by the group's lanes).
        var column: Double?

        init(unit: FigureUnit, kind: FigureKind, shape: Shape) {
            self.unit = unit
            self.kind = kind
            self.shape = shape
        }

        var boxX: Double { x + (width - drawWidth) / 2 }
        var entry: (x: Double, y: Double) { (boxX, baseline) }
        var exit: (x: Double, y: Double) { (boxX + drawWidth, baseline) }
    }

    /// A sequence measured: its items wrapped into runs.
    final class SequenceBox {
        var items: [ItemBox] = []
        var runs: [(range: Range<Int>, width: Double, ascent: Double, descent: Double)] = []
        var width = 0.0
        var height = 0.0
        var ascent = 0.0
        /// Where its first run starts, once placed.
        var x = 0.0
        var baseline = 0.0
        /// The levels of the U it is drawn as, when it is an encoder-decoder (then it has no runs).
        var levels: [ULevelBox]?
    }

    /// A group measured: its lanes stacked under one another, its merge after them; its identity
    /// lanes (empty) are not stacked but drawn as skip arrows over the others, into the merge's top.
    final class GroupBox {
        var lanes: [SequenceBox] = []
        let merge: UnitBox
        var width = 0.0
        var ascent = 0.0
        var descent = 0.0
        /// The row its branches split from (what its first lane's first unit reads), when known.
        var split: Int?
        /// Where its lanes start (where the flow comes in) and the top of its boxes, once placed.
        var x = 0.0
        var top = 0.0

        init(merge: UnitBox) { self.merge = merge }
    }

    /// An item measured: a unit or a group.
    enum ItemBox {
        case unit(UnitBox)
        case group(GroupBox)

        var width: Double {
            switch self {
            case .unit(let box): return box.width
            case .group(let box): return box.width
            }
        }
        var ascent: Double {
            switch self {
            case .unit(let box): return box.ascent
            case .group(let box): return box.ascent
            }
        }
        var descent: Double {
            switch self {
            case .unit(let box): return box.descent
            case .group(let box): return box.descent
            }
        }
    }

    /// The tallest box a spatial size is drawn with, and the shortest.
    static let tallest = 130.0
    static let shortest = 8.0

    /// A spatial size in pixels on the figure's square-root scale: the figure's largest size
    /// (`largest`) is 130, a size 4 times smaller half as tall, 16 times smaller a quarter, never under 8.
    /// So a pyramid looks like one (VGG's 224, 112, 56, 28, 14, 7 are 130, 92, 65, 46, 33, 23 pixels)
    /// and a 6x6 map is still a box to see. The square root is exact in IEEE arithmetic: the same input
    /// draws the same bytes on every machine.
    static func spatial(_ value: Int, largest: Int) -> Double {
        guard value > 0, largest > 0 else { return shortest }
        let ratio = min(1, Double(value) / Double(largest))
        return max(shortest, tallest * ratio.squareRoot())
    }

    /// A depth in pixels: 3 for 1, 39 for 64, 57 for 512, at most 72.
    static func depth(_ value: Int) -> Double {
        min(72, 3 + 6 * Double(Markup.log2x16(value)) / 16)
    }

    /// A vector's length in pixels: 108 for 4096, at most 140.
    static func vector(_ value: Int) -> Double {
        min(140, max(14, 12 + 8 * Double(Markup.log2x16(value)) / 16))
    }

    /// Measures a sequence's items and wraps them into runs no wider than `width`.
    func measure(_ items: [FigureItem], width: Double) -> SequenceBox {
        let sequence = SequenceBox()
        if let levels = uLevels(items) {
            sequence.levels = measure(levels, into: sequence, width: width)
            return sequence
        }
        sequence.items = items.map { item in
            switch item {
            case .unit(let unit): return .unit(measure(unit))
            case .group(let group): return .group(measure(group, width: width))
            }
        }
        var start = 0
        var x = 0.0
        func close(_ end: Int) {
            guard end > start else { return }
            let slice = sequence.items[start..<end]
            sequence.runs.append((start..<end, x - Self.gap, slice.map(\.ascent).max() ?? 0, slice.map(\.descent).max() ?? 0))
            start = end
            x = 0
        }
        for (index, item) in sequence.items.enumerated() {
            if x > 0, x + item.width > width { close(index) }
            x += item.width + Self.gap
        }
        close(sequence.items.count)
        sequence.width = sequence.runs.map(\.width).max() ?? 0
        sequence.ascent = sequence.runs.first?.ascent ?? 7
        sequence.height = sequence.runs.isEmpty ? 14
            : sequence.runs.reduce(0) { $0 + $1.ascent + $1.descent } + Self.runGap * Double(sequence.runs.count - 1)
        return sequence
    }

    /// Measures a group: its lanes wrapped within what is left of `width`, stacked, the merge after them.
    func measure(_ group: FigureGroup, width: Double) -> GroupBox {
        let box = GroupBox(merge: measure(group.merge))
        box.merge.group = box
        let inner = max(300, width - Self.laneInset - Self.mergeGap - box.merge.width)
        box.lanes = group.lanes.map { measure($0, width: inner) }
        for lane in group.lanes {
            if case .unit(let unit)? = lane.first {
                let row = unit.node.firstRow
                if row < network.rows.count { box.split = network.rows[row].firstInput }
                break
            }
        }
        let lanesWidth = box.lanes.map(\.width).max() ?? 0
        box.width = Self.laneInset + lanesWidth + Self.mergeGap + box.merge.width
        // Identity lanes are skip arrows above the stacked lanes, not lanes of their own.
        let stacked = box.lanes.filter { !$0.items.isEmpty }
        let skips = box.lanes.count - stacked.count
        let first = stacked.first ?? SequenceBox()
        box.ascent = max(stacked.isEmpty ? 0 : first.ascent, box.merge.ascent) + Double(skips) * Self.skipRise
        var below = stacked.isEmpty ? 0 : first.height - first.ascent
        for lane in stacked.dropFirst() { below += Self.laneGap + lane.height }
        box.descent = max(below, box.merge.descent)
        return box
    }

    /// Measures a unit: its box's sizes from the volume it outputs, its slabs and its label.
    func measure(_ unit: FigureUnit) -> UnitBox {
        let rows = network.rows
        let main = rows[unit.node.lastRow]
        let kind: FigureKind
        let shape: Shape
        switch unit.node {
        case .row(let row):
            kind = FigureKind.of(rows[row])
            shape = kind == .merge ? .circle : main.output.width == 1 && main.output.height == 1 ? .bar : .cuboid
        case .span:
            kind = .other
            shape = main.output.width == 1 && main.output.height == 1 ? .bar : .cuboid
        }
        let box = UnitBox(unit: unit, kind: kind, shape: shape)
        let thin = kind.glues && main.role == .layer && main.output == main.input
        switch shape {
        case .cuboid:
            box.thickness = thin ? Self.slab : Self.depth(main.output.depth)
            box.height = Self.spatial(main.output.height, largest: largestSpatial)
            box.oblique = (Self.spatial(main.output.width, largest: largestSpatial) * 0.35).rounded()
        case .bar:
            box.thickness = thin ? Self.slab : 9
            box.height = Self.vector(main.output.depth)
            box.oblique = 5
        case .circle:
            box.thickness = 2 * Self.radius
            box.height = 2 * Self.radius
        }
        box.drawWidth = box.thickness + Double(unit.glued.count) * Self.slab + box.oblique
        box.labels = labels(unit)
        let labelWidth = box.labels.map { Markup.textWidth($0.text) }.max() ?? 0
        box.width = max(box.drawWidth, labelWidth).rounded(.up)
        box.ascent = box.height / 2 + box.oblique
        box.descent = box.height / 2 + 6 + Double(box.labels.count) * FigureStyle.lineHeight
        return box
    }

    /// The label under a unit: its name, its kind and kernel, its size, and the slabs glued to it.
    func labels(_ unit: FigureUnit) -> [(text: String, style: String)] {
        let rows = network.rows
        switch unit.node {
        case .row(let index):
            let row = rows[index]
            var lines = [(shownName(row), "nm")]
            if case .block(let id) = row.role, id >= 0, id < network.blocks.count {
                // A folded block use: its call whole, on up to three lines (its path is in its tooltip).
                let text = id == 0 ? row.text : network.blocks[id].text
                for line in wrapped(text, width: 24, indent: 0).prefix(3) { lines.append((Self.cut(line, 28), "")) }
            } else {
                let operation = Self.operation(row)
                if operation != row.name { lines.append((Self.cut(operation, 18), "")) }
            }
            lines.append((row.output.text, "sz"))
            if !unit.glued.isEmpty {
                // The kinds glued on (their rows' names are in their tooltips and the table).
                var kinds = "+"
                var shown = 0
                for row in unit.glued {
                    let keyword = Self.cut(rows[row].layer?.keyword ?? rows[row].name, 12)
                    if shown > 0, kinds.count + keyword.count + 1 > 18 { break }
                    kinds += " " + keyword
                    shown += 1
                }
                if shown < unit.glued.count { kinds += " +\(unit.glued.count - shown)" }
                lines.append((kinds, "dim"))
            }
            return lines
        case .span(let first, let last):
            if case .block(let id) = rows[first].role, case .block(let lastID) = rows[last].role,
               id > 0, id < network.blocks.count, lastID > 0, lastID < network.blocks.count {
                // A run of one block's uses: which uses, how many, the last one's output.
                let from = network.blocks[id], to = network.blocks[lastID]
                return [(Self.cut("\(from.pathComponent) to #\(to.ordinal)", 28), "nm"),
                        ("\(formatCount(last - first + 1)) uses of \(Self.cut(from.name, 16))", ""),
                        (rows[last].output.text, "sz")]
            }
            return [("+\(formatCount(last - first + 1)) layers", "nm"), ("not drawn", ""), (rows[last].output.text, "sz")]
        }
    }

    /// The name a box is labelled with: a folded block use's own use (`bottleneck#12`, the last part
    /// of its path); a merge that is the only merge its block use holds, that use (`inception#3` rather
    /// than `CONCAT3`: the module the spec wrote); any other row its name.
    func shownName(_ row: LayerRow) -> String {
        switch row.role {
        case .block(let id) where id > 0 && id < network.blocks.count:
            return Self.cut(network.blocks[id].pathComponent, 24)
        case .merge where row.block > 0 && row.block < network.blocks.count && mergesIn[row.block] == 1:
            return Self.cut(network.blocks[row.block].pathComponent, 24)
        case .input, .layer, .merge, .block:
            return Self.cut(row.name, 18)
        }
    }

    /// Text cut to a length with `…`.
    static func cut(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    /// `CONV 11x11 s4`: a window's size, stride and dilation; otherwise the layer as written.
    static func operation(_ row: LayerRow) -> String {
        switch row.role {
        case .input: return "INPUT"
        case .merge(let kind): return kind.keyword
        case .block: return cut(row.text, 18)
        case .layer:
            guard let layer = row.layer else { return row.text }
            func window(_ kernel: Sizes, _ stride: Sizes, _ dilation: Sizes) -> String {
                var text = "\(layer.keyword) \(kernel.width)x\(kernel.height)"
                if stride != Sizes(square: 1) { text += " s\(stride.text)" }
                if dilation != Sizes(square: 1) { text += " d\(dilation.text)" }
                return text
            }
            if let windowed = layer.operation as? any WindowedOperation {
                return window(windowed.window.kernel, windowed.window.stride, windowed.window.dilation)
            }
            if let transposed = layer.operation as? TransposedConvolution {
                return window(transposed.kernel, transposed.stride, Sizes(square: 1))
            }
            return row.text.count <= 18 ? row.text : layer.keyword
        }
    }

    // MARK: Placing

    /// Places a sequence's runs from `top`; units in its first run take the gutter of the run around
    /// it (where arrows that come back from the end of the row above run).
    func place(_ sequence: SequenceBox, x: Double, top: Double, gutter: Double, into placed: inout [UnitBox]) {
        var runTop = top
        sequence.x = x
        sequence.baseline = top + sequence.ascent
        if let levels = sequence.levels {
            place(levels, width: sequence.width, x: x, top: top, gutter: gutter, into: &placed)
            return
        }
        for (number, run) in sequence.runs.enumerated() {
            let baseline = runTop + run.ascent
            let runGutter = number == 0 ? gutter : runTop - Self.runGap / 2
            var cursor = x
            var previous: UnitBox?
            for item in sequence.items[run.range] {
                switch item {
                case .unit(let box):
                    box.x = cursor
                    box.baseline = baseline
                    box.gutter = runGutter
                    box.previous = previous
                    placed.append(box)
                    previous = box
                case .group(let group):
                    place(group, x: cursor, baseline: baseline, gutter: runGutter, into: &placed)
                    previous = nil
                }
                cursor += item.width + Self.gap
            }
            runTop = baseline + run.descent + Self.runGap
        }
    }

    /// Places a group with its first lane on `baseline`, the others under it, the merge at its right.
    func place(_ group: GroupBox, x: Double, baseline: Double, gutter: Double, into placed: inout [UnitBox]) {
        let stacked = group.lanes.filter { !$0.items.isEmpty }
        let skips = Double(group.lanes.count - stacked.count) * Self.skipRise
        group.x = x
        group.top = baseline - group.ascent + skips
        var top = baseline - (stacked.first?.ascent ?? 0)
        for lane in group.lanes {
            guard !lane.items.isEmpty else {
                // An identity lane: a skip arrow over the group from where the flow comes in.
                lane.x = x + Self.laneInset / 2
                lane.baseline = baseline
                continue
            }
            place(lane, x: x + Self.laneInset, top: top, gutter: gutter, into: &placed)
            if case .unit(let first)? = lane.items.first { first.column = x + Self.laneInset / 2 }
            top += lane.height + Self.laneGap
        }
        let merge = group.merge
        merge.x = x + group.width - merge.width
        merge.baseline = baseline
        merge.gutter = gutter
        placed.append(merge)
    }

    // MARK: Edges

    /// The arrows into a unit: from each input's unit; an empty lane runs along its own line.
    func edges(into box: UnitBox, unitOf: [UnitBox?]) -> String {
        let rows = network.rows
        var out = ""
        func source(_ row: Int) -> UnitBox? { row >= 0 && row < unitOf.count ? unitOf[row] : nil }
        switch box.unit.node {
        case .span(let first, _):
            var seen = Set<Int>()
            for input in rows[first].inputs where input < first {
                guard let from = source(input), seen.insert(ObjectIdentifier(from).hashValue).inserted else { continue }
                out += path(route(from: from, to: box.entry, column: box.column, gutter: box.gutter))
            }
        case .row(let row):
            let inputs = rows[row].inputs.prefix(FigureStructure.maximumLanes)
            var skips = 0
            for (lane, input) in inputs.enumerated() {
                guard let from = source(input), from !== box else { continue }
                if let group = box.group, lane < group.lanes.count, group.lanes[lane].items.isEmpty,
                   group.split == input, box.shape == .circle {
                    // The identity shortcut: from where the flow enters the group, over its lanes, down
                    // into the merge's top: the skip arrow of a residual block.
                    skips += 1
                    let start = (group.lanes[lane].x, group.lanes[lane].baseline)
                    let rise = group.top - Self.skipRise * Double(skips) + 4
                    let center = box.boxX + Self.radius
                    out += path([start, (start.0, rise), (center, rise), (center, box.baseline - Self.radius)],
                                skip: true)
                } else if let group = box.group, lane < group.lanes.count, group.lanes[lane].items.isEmpty {
                    // A lane that is a row drawn elsewhere: an arrow from it, along the gutter.
                    out += path(route(from: from, to: box.entry, column: box.entry.x - 10, gutter: box.gutter))
                } else {
                    out += path(route(from: from, to: box.entry, column: box.column, gutter: box.gutter))
                }
            }
        }
        return out
    }

    /// An arrow's corners from a unit to a point: across, then down the column before the point when
    /// the point is ahead; else out, along the gutter above the point's row, and down the column.
    func route(from box: UnitBox, to target: (x: Double, y: Double), column: Double?,
               gutter: Double) -> [(Double, Double)] {
        let start = box.exit
        let column = column ?? target.x - 10
        if column >= start.x + 4 {
            if abs(start.y - target.y) < 0.05 { return [start, target] }
            return [start, (column, start.y), (column, target.y), target]
        }
        let out = max(start.x + 8, box.x + box.width + 4)
        return [start, (out, start.y), (out, gutter), (column, gutter), (column, target.y), target]
    }

    /// An arrow through the points, repeated points left out; a skip arrow is drawn in its own style.
    func path(_ points: [(Double, Double)], skip: Bool = false) -> String {
        var kept: [(Double, Double)] = []
        for point in points {
            if let last = kept.last, abs(last.0 - point.0) < 0.05, abs(last.1 - point.1) < 0.05 { continue }
            kept.append(point)
        }
        guard kept.count >= 2 else { return "" }
        var d = "M\(Markup.number(kept[0].0)) \(Markup.number(kept[0].1))"
        for point in kept.dropFirst() { d += "L\(Markup.number(point.0)) \(Markup.number(point.1))" }
        return "<path class=\"\(skip ? "e sk" : "e")\" d=\"\(d)\" marker-end=\"url(#\(prefix)a)\"/>\n"
    }

    // MARK: Boxes

    /// A cuboid's visible faces: the front, the top and, `sideAfter` further on, the right side (the
    /// slabs glued to a box come between its front and its side, which stays the box's colour).
    func cuboid(x: Double, top: Double, thickness: Double, height: Double, oblique: Double,
                sideAfter: Double? = 0) -> String {
        let (n, t, h, o) = (Markup.number, Markup.number(thickness), Markup.number(height), Markup.number(oblique))
        let front = "<path class=\"f\" d=\"M\(n(x)) \(n(top))h\(t)v\(h)h-\(t)z\"/>"
        guard oblique > 0 else { return front }
        let topFace = "<path class=\"t\" d=\"M\(n(x)) \(n(top))l\(o) -\(o)h\(t)l-\(o) \(o)z\"/>"
        guard let sideAfter else { return front + topFace }
        let side = "<path class=\"s\" d=\"M\(n(x + thickness + sideAfter)) \(n(top))l\(o) -\(o)v\(h)l-\(o) \(o)z\"/>"
        return front + topFace + side
    }

    /// A unit: its box and slabs, each in a group naming its row, then its label.
    func unitSVG(_ box: UnitBox, rows: [LayerRow]) -> String {
        var out = ""
        let top = box.baseline - box.height / 2
        var x = box.boxX
        switch box.unit.node {
        case .row(let row):
            out += "<g class=\"n \(box.kind.rawValue)\" id=\"\(prefix)r\(row)\" data-row=\"\(row)\">"
            out += "<title>\(title(row))</title>"
            switch box.shape {
            case .circle:
                let cx = Markup.number(x + Self.radius)
                let cy = Markup.number(box.baseline)
                out += "<circle class=\"f\" cx=\"\(cx)\" cy=\"\(cy)\" r=\"\(Markup.number(Self.radius))\"/>"
                out += "<path class=\"sym\" d=\"\(symbol(rows[row].role, x: x + Self.radius, y: box.baseline))\"/>"
            case .cuboid, .bar:
                out += cuboid(x: x, top: top, thickness: box.thickness, height: box.height, oblique: box.oblique,
                              sideAfter: Double(box.unit.glued.count) * Self.slab)
            }
            out += "</g>\n"
            x += box.thickness
        case .span(let first, let last):
            out += "<g class=\"n other span\" id=\"\(prefix)r\(first)\" data-row=\"\(first)\">"
            if case .block = rows[first].role {
                let text = "\(rows[first].name) to \(rows[last].name): \(formatCount(last - first + 1)) uses of one block, drawn "
                    + "as one box  -> \(rows[last].output.fullText) (--depth 1 draws each; the table lists every layer)"
                out += "<title>\(Markup.escape(text))</title>"
            } else {
                out += "<title>\(Markup.escape("rows \(first) to \(last) (\(formatCount(last - first + 1)) layers), not drawn one by one; the table lists every layer"))</title>"
            }
            out += cuboid(x: x, top: top, thickness: box.thickness, height: box.height, oblique: box.oblique)
            out += "</g>\n"
            x += box.thickness
        }
        for row in box.unit.glued {
            out += "<g class=\"n \(FigureKind.of(rows[row]).rawValue)\" id=\"\(prefix)r\(row)\" data-row=\"\(row)\">"
            out += "<title>\(title(row))</title>"
            out += cuboid(x: x, top: top, thickness: Self.slab, height: box.height, oblique: box.oblique, sideAfter: nil)
            out += "</g>\n"
            x += Self.slab
        }
        let center = Markup.number(box.x + box.width / 2)
        let labelTop = box.baseline + box.height / 2 + 6 + FigureStyle.fontSize
        out += "<text class=\"lb\" data-row=\"\(box.unit.node.firstRow)\" x=\"\(center)\" y=\"\(Markup.number(labelTop))\" text-anchor=\"middle\">"
        for (number, line) in box.labels.enumerated() {
            let style = line.style.isEmpty ? "" : " class=\"\(line.style)\""
            let dy = number == 0 ? "" : " x=\"\(center)\" dy=\"\(Markup.number(FigureStyle.lineHeight))\""
            out += "<tspan\(style)\(dy)>\(Markup.escape(line.text))</tspan>"
        }
        return out + "</text>\n"
    }

    /// A merge's symbol: + for ADD, x for MUL, two bars for CONCAT (volumes stacked along the depth).
    func symbol(_ role: RowRole, x: Double, y: Double) -> String {
        let n = Markup.number
        switch role {
        case .merge(.add): return "M\(n(x - 5.5)) \(n(y))h11M\(n(x)) \(n(y - 5.5))v11"
        case .merge(.mul): return "M\(n(x - 4)) \(n(y - 4))l8 8M\(n(x + 4)) \(n(y - 4))l-8 8"
        case .merge(.concat): return "M\(n(x - 2.5)) \(n(y - 5.5))v11M\(n(x + 2.5)) \(n(y - 5.5))v11"
        case .input, .layer, .block: return ""
        }
    }

    /// A box's tooltip: its name and layer, and its `--explain` lines in a standalone figure.
    func title(_ index: Int) -> String {
        let row = network.rows[index]
        var text = row.name + (row.role == .input ? "" : "  " + row.text) + "  -> " + row.output.fullText
        if explainInTitles {
            for line in Explainer(network: network).lines(for: row) { text += "\n" + line }
        }
        return Markup.escape(text)
    }

    /// The kernel's window on the right face of the volume a layer reads, with lines to the layer's box.
    func window(from source: UnitBox, to box: UnitBox) -> String {
        guard case .row(let index) = box.unit.node, source.shape == .cuboid, box.shape != .circle,
              let windowed = network.rows[index].operation as? any WindowedOperation,
              network.rows[index].firstInput == source.unit.lastRow else { return "" }
        let input = network.rows[index].input
        let kernel = windowed.window.kernel
        let dilation = windowed.window.dilation
        let extentW = min(input.width, dilation.width * (kernel.width - 1) + 1)
        let extentH = min(input.height, dilation.height * (kernel.height - 1) + 1)
        let faceX = source.boxX + source.drawWidth - source.oblique
        let top = source.baseline - source.height / 2
        let o = source.oblique
        let h = source.height
        let u = max(min(1, 5 / max(o, 1)), Double(extentW) / Double(input.width))
        let v = max(min(1, 5 / h), Double(extentH) / Double(input.height))
        let u0 = (1 - u) * 0.45
        let v0 = (1 - v) * 0.35
        func point(_ a: Double, _ b: Double) -> (Double, Double) { (faceX + a * o, top + b * h - a * o) }
        let corners = [point(u0, v0), point(u0 + u, v0), point(u0 + u, v0 + v), point(u0, v0 + v)]
        let n = Markup.number
        var d = "M\(n(corners[0].0)) \(n(corners[0].1))"
        for corner in corners.dropFirst() { d += "L\(n(corner.0)) \(n(corner.1))" }
        var out = "<path class=\"kw\" d=\"\(d)z\"/>"
        let targetTop = box.baseline - box.height / 2
        let target = (box.boxX + 1, targetTop + (v0 + v / 2) * box.height)
        var lines = ""
        for corner in [corners[1], corners[2]] {
            lines += "M\(n(corner.0)) \(n(corner.1))L\(n(target.0)) \(n(target.1))"
        }
        out += "<path class=\"kl\" d=\"\(lines)\"/>\n"
        return out
    }
}

/// A figure's title, the network's totals, a legend of the kinds drawn, and what was left out.
struct Header {
    let network: NetworkReport
    let structure: FigureStructure
    let units: ByteUnits
    var lines: [String] = []
    var kinds: [FigureKind] = []
    var showsName = true

    init(network: NetworkReport, structure: FigureStructure, units: ByteUnits, foldedTo: Int? = nil) {
        self.network = network
        self.structure = structure
        self.units = units
        let totals = network.totals
        let settings = network.settings
        lines.append("\(Figure.cut(network.file, 60)) · input \(network.input.fullText) · \(formatCount(totals.params)) params · "
                     + "\(formatCount(totals.macs)) MACs · \(formatCount(totals.activations)) activations "
                     + "(\(formatBytes(totals.forwardBytes, units)) forward at batch \(settings.batch), \(settings.dataType.rawValue))")
        if let foldedTo {
            lines.append("drawn to fit a slide: each block use at depth \(foldedTo) as one box"
                         + (structure.collapsedRuns ? ", consecutive uses of one block as one dashed box" : "")
                         + " (--depth 64 draws every layer)")
        }
        if structure.drawnRows < structure.totalRows {
            lines.append("the first \(formatCount(structure.drawnRows)) of \(formatCount(structure.totalRows)) layers are drawn one by one; "
                         + "the dashed box stands for the rest (the table and the CSV list every layer)")
        }
        if structure.droppedInputs > 0 {
            lines.append("\(formatCount(structure.droppedInputs)) inputs of merges with more than \(FigureStructure.maximumLanes) are not drawn")
        }
        var seen = Set<FigureKind>()
        for row in network.rows.prefix(structure.drawnRows) { seen.insert(FigureKind.of(row)) }
        if structure.drawnRows < structure.totalRows { seen.insert(.other) }
        kinds = FigureKind.allCases.filter(seen.contains)
    }

    /// The title's line and a legend swatch's size, in pixels.
    static let titleHeight = 24.0
    static let legendSwatch = 10.0

    /// The legend's width, and the header's, estimated from its text.
    var legendWidth: Double {
        kinds.reduce(0) { $0 + Self.legendSwatch + 5 + Markup.textWidth($1.legend) + 16 }
    }

    var width: Double {
        max(Markup.textWidth(Figure.cut(network.name, 80), size: 17) * 1.05,
            lines.map { Markup.textWidth($0) }.max() ?? 0, legendWidth)
    }

    var height: Double { (showsName ? Self.titleHeight : 0) + Double(lines.count) * 15 + 20 + 26 }

    /// The header's elements, from its top left corner.
    func svg(x: Double, y: Double) -> String {
        let n = Markup.number
        var out = ""
        if showsName {
            out += "<text class=\"title\" x=\"\(n(x))\" y=\"\(n(y + 16))\">\(Markup.escape(Figure.cut(network.name, 80)))</text>\n"
        }
        var lineY = y + (showsName ? Self.titleHeight : 0) + 11
        for line in lines {
            out += "<text class=\"sub\" x=\"\(n(x))\" y=\"\(n(lineY))\">\(Markup.escape(line))</text>\n"
            lineY += 15
        }
        var legendX = x
        let legendY = lineY + 2
        out += "<g class=\"legend\">"
        for kind in kinds {
            out += "<g class=\"n \(kind.rawValue)\"><path class=\"f\" d=\"M\(n(legendX)) \(n(legendY))h10v10h-10z\"/></g>"
            out += "<text x=\"\(n(legendX + Self.legendSwatch + 5))\" y=\"\(n(legendY + 9))\">\(kind.legend)</text>"
            legendX += Self.legendSwatch + 5 + Markup.textWidth(kind.legend) + 16
        }
        return out + "</g>\n"
    }
}
