import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import NetCalc

/// `--format svg` and `--format html` as a person sees them: both parsed as XML (well-formed, every
/// layer there, the text equal to the numbers), golden files for a few specs (same input, same bytes),
/// hostile layer names escaped, a million layers drawn in linear time, and a look through Chromium
/// when it is installed.
@Suite struct PictureTests {
    // MARK: Helpers

    /// The SVG of a run, parsed.
    func svg(_ arguments: [String], standardInput: String = "") throws -> ParsedElement {
        let outcome = runNetCalc(["--format", "svg"] + arguments, standardInput: standardInput)
        return try parseXML(outcome.standardOutput)
    }

    func report(_ path: String) throws -> NetworkReport {
        let bytes = Array(try String(contentsOfFile: packageRoot + "/" + path, encoding: .utf8).utf8)
        if path.hasSuffix(".prototxt") {
            return try #require(importModel(path, bytes, format: .prototxt, overrides: SettingsOverride()).report)
        }
        return try #require(network(String(decoding: bytes, as: UTF8.self)))
    }

    /// The network as the SVG draws it by default: folded by its block uses past 40 layers.
    func fitted(_ network: NetworkReport) -> NetworkReport {
        Figure.fitted(network, units: .iec, maxWidth: 1200).network
    }

    /// The rows a default figure draws inside a run of block uses made one box (all but the run's first).
    func hiddenInRuns(_ network: NetworkReport) -> Set<Int> {
        let fit = Figure.fitted(network, units: .iec, maxWidth: 1200)
        guard fit.collapsesRuns else { return [] }
        var hidden = Set<Int>()
        func walk(_ items: [FigureItem]) {
            for item in items {
                switch item {
                case .unit(let unit):
                    if case .span(let first, let last) = unit.node, last < fit.network.rows.count, first < last {
                        hidden.formUnion(first + 1...last)
                    }
                case .group(let group):
                    group.lanes.forEach(walk)
                }
            }
        }
        FigureStructure(fit.network, collapsingRuns: true).sequences.forEach(walk)
        return hidden
    }

    /// The rows of a spec file that must all be drawn, with the parsed figure.
    func checkFigure(_ figure: ParsedElement, _ network: NetworkReport, drawn: Int? = nil, hidden: Set<Int> = []) {
        let drawing = Figure(network: network, units: .iec, maxWidth: 1200, prefix: "", explainInTitles: false)
        let nodes = figure.all { $0.name == "g" && ($0["class"] ?? "").hasPrefix("n ") && $0["data-row"] != nil }
        var byRow: [Int: ParsedElement] = [:]
        for node in nodes {
            let row = Int(node["data-row"] ?? "") ?? -1
            #expect(byRow[row] == nil || node["id"] == nil, "row \(row) is drawn twice")
            if node["id"] != nil { byRow[row] = node }
        }
        let labels = figure.all { $0.name == "text" && $0["class"] == "lb" }
        var labelOf: [Int: ParsedElement] = [:]
        for label in labels { labelOf[Int(label["data-row"] ?? "") ?? -1] = label }
        for row in network.rows.prefix(drawn ?? network.rows.count) where !hidden.contains(row.index) {
            guard let node = byRow[row.index] else {
                Issue.record("\(network.name): row \(row.index) (\(row.name)) is not drawn")
                continue
            }
            #expect(node["id"] == "f0-r\(row.index)")
            let title = node.first { $0.name == "title" }?.text ?? ""
            #expect(title.hasPrefix(row.name), "\(row.name): \(title.prefix(40))")
            // A run of block uses drawn as one box shows the last use's output.
            let isRun = (node["class"] ?? "").contains("span")
            #expect(isRun || title.contains("-> \(row.output.fullText)"))
            if let label = labelOf[row.index], !isRun {
                let spans = label.children.filter { $0.name == "tspan" }
                #expect(spans.first { $0["class"] == "sz" }?.text == row.output.text, "\(row.name)")
                #expect(spans.first { $0["class"] == "nm" }?.text == drawing.shownName(row))
            }
        }
        // Every row drawn one by one is a box, and nothing else is.
        #expect(byRow.count == (drawn ?? network.rows.count) + (drawn == nil ? 0 : 1) - hidden.count)
    }

    // MARK: SVG

    static let figureSpecs = ["alexnet", "vgg16", "googlenet", "resnet50", "unet", "inception_module_reduced",
                              "densenet121", "mobilenet_v3_small", "shufflenet_v2_x0_5", "se_resnet50", "lenet5"]

    @Test(arguments: figureSpecs)
    func svgShowsEveryLayerWithItsNumbers(_ name: String) throws {
        let path = "specs/\(name).net"
        let outcome = runNetCalc(["--format", "svg", path])
        #expect(outcome.status == 0)
        #expect(outcome.standardError == "")
        let figure = try parseXML(outcome.standardOutput)
        #expect(figure.name == "svg")
        let network = try report(path)
        checkFigure(figure, fitted(network), hidden: hiddenInRuns(network))
        let subtitle = figure.first { $0.name == "text" && $0["class"] == "sub" }?.text ?? ""
        #expect(subtitle.contains("\(formatCount(network.totals.params)) params"))
        #expect(subtitle.contains("\(formatCount(network.totals.macs)) MACs"))
        #expect(subtitle.contains("input \(network.input.fullText)"))
        // The document's size holds every element drawn: no box ends outside it.
        let width = try #require(Double(figure["width"] ?? ""))
        for element in figure.all({ $0.name == "text" && $0["x"] != nil }) {
            #expect((Double(element["x"] ?? "") ?? 0) < width)
        }
    }

    /// Every spec's figure is well-formed and draws each row once: each row of the network as drawn
    /// (folded past 40 layers), and with `--depth 64` each row of the whole network.
    @Test func everySpecDrawsEveryRowOnce() throws {
        for name in GoldenTests.specNames {
            let network = try report("specs/\(name).net")
            let drawn = fitted(network).rows.count - hiddenInRuns(network).count
            for (arguments, expected) in [([String](), drawn), (["--depth", "64"], network.rows.count)] {
                let first = runNetCalc(["--format", "svg"] + arguments + ["specs/\(name).net"]).standardOutput
                let figure = try parseXML(first)
                let rows = figure.all { $0.name == "g" && $0["id"] != nil && ($0["class"] ?? "").hasPrefix("n ") }
                #expect(rows.count == expected, "\(name) \(arguments)")
                #expect(Set(rows.compactMap { $0["id"] }).count == expected, "\(name) \(arguments)")
            }
        }
    }

    @Test func caffeGraphIsDrawnWithItsBranches() throws {
        let path = "Tests/NetCalcTests/Fixtures/caffe/every_layer.prototxt"
        let figure = try svg([path])
        checkFigure(figure, try report(path))
        // Its three merges each draw their branches beside the main path.
        #expect(figure.all { $0.name == "circle" }.count == 3)
    }

    /// The arrangement: an inception module's four branches side by side, a residual block's identity
    /// branch as an empty lane, slabs glued to the box they follow.
    @Test func branchesAreLanesBetweenSplitAndMerge() throws {
        let inception = FigureStructure(try report("specs/inception_module_reduced.net"))
        #expect(inception.sequences.count == 1)
        guard case .group(let group)? = inception.sequences[0].last else {
            Issue.record("the module does not end with its merge")
            return
        }
        #expect(group.lanes.map(\.count) == [1, 2, 2, 2])
        #expect(group.merge.node == .row(8))

        let resnet = FigureStructure(try report("specs/resnet18.net"))
        let groups = resnet.sequences[0].compactMap { item -> FigureGroup? in
            if case .group(let group) = item { return group }
            return nil
        }
        #expect(groups.count == 8)
        #expect(groups.filter { $0.lanes.count == 2 && $0.lanes[1].isEmpty }.count == 5)  // identity shortcuts
        guard case .unit(let stem)? = resnet.sequences[0].dropFirst().first else { return }
        #expect(stem.glued.count == 2)  // CONV1 with BN1 and RELU1 glued on
    }

    @Test func kernelWindowsAreDrawnOnTheVolumeRead() throws {
        let figure = try svg(["specs/alexnet.net"])
        // CONV1..5 and POOL1..3 each read the box before them in their row.
        #expect(figure.all { $0["class"] == "kw" }.count == 8)
        let labels = figure.all { $0.name == "text" && $0["class"] == "lb" }.map(\.text)
        #expect(labels.contains { $0.contains("CONV 11x11 s4") && $0.contains("55x55x96") })
        #expect(labels.contains { $0.contains("POOL 3x3 s2") && $0.contains("+ NORM") })
    }

    @Test func standaloneTooltipsHoldTheWorkedFormulas() throws {
        let figure = try svg(["specs/alexnet.net"])
        let conv = try #require(figure.first { $0["id"] == "f0-r1" })
        let title = conv.first { $0.name == "title" }?.text ?? ""
        #expect(title.contains("W2 = (227 - 11 + 2*0)/4 + 1 = 55"))
        #expect(title.contains("params = (11*11*3)*96 + 96 = 34,944"))
    }

    @Test func severalNetworksStackInOneDocument() throws {
        let figure = try svg(["specs/lenet5.net", "specs/alexnet.net"])
        #expect(figure.all { $0["class"] == "title" }.map(\.text) == ["lenet5", "alexnet"])
        #expect(figure.all { $0.name == "marker" }.count == 2)
    }

    @Test func noNetworkStillMakesADocument() throws {
        let outcome = runNetCalc(["--format", "svg", "-e", "INPUT[7x7x1] -> CONV(1,3,s3)"])
        #expect(outcome.status == 1)
        let figure = try parseXML(outcome.standardOutput)
        #expect(figure.text.contains("no network to draw"))
    }

    /// A million layers: the first thousand drawn, the rest one dashed box, said so.
    @Test func hugeNetworksAreCappedAndSaySo() throws {
        let spec = "INPUT[8x8x3] -> [CONV(3,3,p1) -> RELU]*200000 -> FC(10)"
        let outcome = runNetCalc(["--format", "svg", "-e", spec])
        let figure = try parseXML(outcome.standardOutput)
        let drawn = figure.all { $0.name == "g" && $0["id"] != nil && ($0["class"] ?? "").hasPrefix("n ") }
        #expect(drawn.count <= FigureStructure.maximumRows + 1)
        #expect(figure.text.contains("the first 1,000 of 400,002 layers are drawn one by one"))
        #expect(figure.first { ($0["class"] ?? "").contains("span") } != nil)
        #expect(outcome.standardOutput.utf8.count < 2_000_000)
    }

    /// Merges nested deeper than the figure nests, and merges of more inputs than it draws lanes.
    @Test func deepAndWideMergesStayBounded() throws {
        var deep = "CONV(4,1)"
        for _ in 0..<60 { deep = "ADD(\(deep) | ID)" }
        let nested = try svg(["-e", "INPUT[4x4x4] -> \(deep)"])
        #expect(nested.all { $0.name == "circle" }.count == 60)
        let wide = "INPUT[4x4x4] -> CONCAT(" + (0..<80).map { _ in "CONV(1,1)" }.joined(separator: " | ") + ")"
        let figure = try svg(["-e", wide])
        #expect(figure.all { $0.name == "g" && $0["id"] != nil && ($0["class"] ?? "").hasPrefix("n ") }.count == 82)
        #expect(figure.text.contains("inputs of merges with more than 64 are not drawn"))
    }

    // MARK: Figures that teach (issue 23)

    /// Where a drawn row sits: its box's top left corner (a circle's centre), from its first shape.
    func position(_ figure: ParsedElement, row: Int) throws -> (x: Double, y: Double) {
        let node = try #require(figure.first { $0["id"] == "f0-r\(row)" })
        if let circle = node.first({ $0.name == "circle" }) {
            return (Double(circle["cx"] ?? "") ?? .nan, Double(circle["cy"] ?? "") ?? .nan)
        }
        let d = try #require(node.first { $0.name == "path" && $0["class"] == "f" }?["d"])
        let numbers = d.dropFirst().split(whereSeparator: { !"0123456789.-".contains($0) }).compactMap { Double($0) }
        return (numbers[0], numbers[1])
    }

    /// The height of a row's box: its front face's vertical side.
    func boxHeight(_ figure: ParsedElement, row: Int) throws -> Double {
        let node = try #require(figure.first { $0["id"] == "f0-r\(row)" })
        let d = try #require(node.first { $0.name == "path" && $0["class"] == "f" }?["d"])
        let side = try #require(d.split(separator: "v").dropFirst().first?.prefix { "0123456789.".contains($0) })
        return try #require(Double(side))
    }

    /// The index of the row with a name.
    func row(_ network: NetworkReport, _ name: String) throws -> Int {
        try #require(network.rows.firstIndex { $0.name == name }, "no row \(name)")
    }

    /// The last point of an arrow's path.
    func end(_ d: String) -> (x: Double, y: Double) {
        let last = d.split(whereSeparator: { "ML".contains($0) }).last.map(String.init) ?? ""
        let numbers = last.split(separator: " ").compactMap { Double($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (.nan, .nan)
    }

    /// ResNet-18: each identity shortcut is a skip arrow of its own, from where its block starts, over
    /// the branch, into the top of its ADD; the projection shortcuts stay lanes. Each ADD has two arrows in.
    @Test func identityShortcutsAreSkipArrows() throws {
        let figure = try svg(["specs/resnet18.net"])
        let network = try report("specs/resnet18.net")
        let skips = figure.all { $0.name == "path" && $0["class"] == "e sk" }
        #expect(skips.count == 5)
        let adds = network.rows.filter { $0.role == .merge(.add) }
        #expect(adds.count == 8)
        let arrows = figure.all { $0.name == "path" && ($0["class"] ?? "").hasPrefix("e") }.compactMap { $0["d"] }
        for add in adds {
            let (cx, cy) = try position(figure, row: add.index)
            // Every arrow in ends at the circle: at its left (the entry) or its top (a skip arrow).
            let into = arrows.filter { d in
                let (x, y) = end(d)
                return (abs(x - (cx - Figure.radius)) < 0.2 && abs(y - cy) < 0.2)
                    || (abs(x - cx) < 0.2 && abs(y - (cy - Figure.radius)) < 0.2)
            }
            #expect(into.count == 2, "\(add.name) has \(into.count) arrows in")
        }
        // A skip arrow rises over its block's boxes.
        for skip in skips {
            let ys = (skip["d"] ?? "").split(whereSeparator: { "ML".contains($0) })
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            #expect((ys.max() ?? 0) - (ys.min() ?? 0) > 20)
        }
    }

    /// U-Net as a U: the encoder's pools go down row by row, the decoder's up-convolutions come back
    /// up above the deepest row, each level's CONCAT on the row of the crop it reads, to its right.
    @Test func uNetIsDrawnAsAU() throws {
        let figure = try svg(["specs/unet.net"])
        let network = try report("specs/unet.net")
        func at(_ name: String) throws -> (x: Double, y: Double) { try position(figure, row: try row(network, name)) }
        let pools = try (1...4).map { try at("POOL\($0)") }
        let deconvs = try (1...4).map { try at("DECONV\($0)") }
        let crops = try (1...4).map { try at("CROP\($0)") }
        let concats = try (1...4).map { try at("CONCAT\($0)") }
        // The encoder goes down: POOL1 above POOL2 ... above POOL4, on the deepest row.
        #expect(zip(pools, pools.dropFirst()).allSatisfy { $0.y < $1.y })
        // The decoder comes up: DECONV1 on the deepest row, DECONV2..4 each a row higher.
        #expect(abs(deconvs[0].y - pools[3].y) < 40)
        #expect(zip(deconvs, deconvs.dropFirst()).allSatisfy { $0.y > $1.y })
        #expect(deconvs.dropFirst().allSatisfy { $0.y < pools[3].y - 40 })
        // Decoder right of the encoder; each skip straight across its row, the crop before the concat.
        // (CONCAT1 is the deepest level's: CROP4 feeds it.)
        for level in 0..<4 {
            #expect(deconvs[level].x > pools[level].x)
            let crop = crops[3 - level], concat = concats[level]
            #expect(concat.x > crop.x)
            #expect(concat.y > crop.y && concat.y < crop.y + 130)
        }
        #expect(concats[3].y < concats[0].y)
        // About as wide as it is tall: not a staircase.
        let width = try #require(Double(figure["width"] ?? "")), height = try #require(Double(figure["height"] ?? ""))
        #expect(height < 1.3 * width)
    }

    /// Only encoder-decoders are drawn as a U: not residual stages, dense blocks or inception modules.
    @Test func onlyEncoderDecodersAreUs() throws {
        var drawnAsU: [String] = []
        for name in GoldenTests.specNames {
            let network = fitted(try report("specs/\(name).net"))
            let figure = Figure(network: network, units: .iec, maxWidth: 1200, prefix: "", explainInTitles: false)
            if FigureStructure(network).sequences.contains(where: { figure.uLevels($0) != nil }) { drawnAsU.append(name) }
        }
        #expect(drawnAsU.allSatisfy { $0.hasPrefix("unet") }, "\(drawnAsU)")
        #expect(drawnAsU.contains("unet"))
    }

    /// The scale: heights follow the square root of the spatial size, the figure's largest 130 pixels.
    @Test func heightsFollowTheSquareRootScale() throws {
        #expect(Figure.spatial(224, largest: 224) == 130)
        #expect(Figure.spatial(56, largest: 224) == 65)
        #expect(Figure.spatial(14, largest: 224) == 32.5)
        #expect(Figure.spatial(1, largest: 1_000) == Figure.shortest)
        #expect(Figure.spatial(0, largest: 0) == Figure.shortest)
        #expect(Figure.spatial(Int.max, largest: Int.max) == 130)
        let vgg = try report("specs/vgg16.net")
        let figure = try svg(["specs/vgg16.net"])
        // VGG's pyramid: 224 -> 112 -> 56 -> 28 -> 14, each box 1/sqrt(2) as tall as the one before.
        let heights = try ["CONV1", "CONV3", "CONV5", "CONV8", "CONV11"].map { try boxHeight(figure, row: try row(vgg, $0)) }
        for (bigger, smaller) in zip(heights, heights.dropFirst()) {
            #expect(abs(bigger / smaller - 2.0.squareRoot()) < 0.02, "\(heights)")
        }
        // AlexNet's 227x227 input and its 6x6 POOL3 (a log scale drew them alike).
        let alexnet = try report("specs/alexnet.net")
        let drawn = try svg(["specs/alexnet.net"])
        let ratio = try boxHeight(drawn, row: 0) / boxHeight(drawn, row: try row(alexnet, "POOL3"))
        #expect(abs(ratio - (227.0 / 6).squareRoot()) < 0.05, "\(ratio)")
    }

    /// Inception modules named by the spec's block uses, drawn whole (`--depth 2`) or folded (the default).
    @Test func mergesAreNamedByTheirBlockUse() throws {
        let names = (1...9).map { "inception#\($0)" }
        for arguments in [["--depth", "2"], []] {
            let figure = try svg(arguments + ["specs/googlenet.net"])
            let shown = figure.all { $0.name == "tspan" && $0["class"] == "nm" }.map(\.text)
            #expect(names.allSatisfy(shown.contains), "\(arguments)")
            #expect(!shown.contains { $0.hasPrefix("CONCAT") }, "\(arguments)")
        }
        // A block use of two merges keeps its merges' own names; ResNet's ADDs are named by their blocks.
        let two = try svg(["-e", "b = ADD(CONV(4,1) | ID) -> ADD(CONV(4,1) | ID)\nn = INPUT[4x4x4] -> b"])
        let twoNames = two.all { $0.name == "tspan" && $0["class"] == "nm" }.map(\.text)
        #expect(twoNames.filter { $0.hasPrefix("ADD") } == ["ADD1", "ADD2"], "\(twoNames)")
        let resnet = try svg(["specs/resnet18.net"]).all { $0.name == "tspan" && $0["class"] == "nm" }.map(\.text)
        #expect(resnet.contains("basic#1") && resnet.contains("down#3") && !resnet.contains("ADD1"), "\(resnet)")
    }

    /// Past 40 layers the figure folds by blocks to fit a slide, and says so; `--depth` draws what it asks.
    @Test(arguments: ["resnet152", "googlenet", "resnet101", "densenet121", "inception_v3"])
    func bigNetworksFitASlide(_ name: String) throws {
        let figure = try svg(["specs/\(name).net"])
        let width = try #require(Double(figure["width"] ?? "")), height = try #require(Double(figure["height"] ?? ""))
        #expect(width <= Figure.slide.width && height <= Figure.slide.height, "\(name): \(width) x \(height)")
        #expect(figure.text.contains("drawn to fit a slide: each block use at depth"))
        let whole = try svg(["--depth", "64", "specs/\(name).net"])
        #expect(!whole.text.contains("fits a slide"))
        #expect((Double(whole["height"] ?? "") ?? 0) > Figure.slide.height)
    }

    @Test func smallNetworksAreDrawnWhole() throws {
        for name in ["alexnet", "vgg16", "resnet18", "unet"] {
            let network = try report("specs/\(name).net")
            #expect(Figure.namedLayers(network) <= Figure.foldingLayers, "\(name)")
            #expect(fitted(network).rows.count == network.rows.count)
        }
        #expect(Figure.namedLayers(try report("specs/resnet18.net")) == 21)  // 17 + 3 projections + FC
    }

    /// No text runs past the figure's edges: every label line, estimated as the renderer measures
    /// text, lies inside the viewBox; no label of a layer is cut with `…`.
    @Test(arguments: [["specs/alexnet.net"], ["specs/vgg16.net"], ["specs/resnet18.net"], ["specs/resnet152.net"],
                      ["specs/googlenet.net"], ["specs/unet.net"], ["--depth", "1", "specs/resnet152.net"],
                      ["--depth", "1", "specs/googlenet.net"], ["--depth", "2", "specs/resnet152.net"],
                      ["--depth", "2", "specs/googlenet.net"], ["specs/densenet121.net"]])
    func noTextOutsideTheViewBox(_ arguments: [String]) throws {
        let figure = try svg(arguments)
        let box = (figure["viewBox"] ?? "").split(separator: " ").compactMap { Double($0) }
        try #require(box.count == 4)
        let (width, height) = (box[2], box[3])
        for text in figure.all({ $0.name == "text" }) {
            let x = Double(text["x"] ?? "") ?? 0
            var y = Double(text["y"] ?? "") ?? 0
            let size = text["class"] == "title" ? 17.0 : FigureStyle.fontSize
            let lines = text.children.filter { $0.name == "tspan" }
            for (number, line) in (lines.isEmpty ? [text] : lines).enumerated() {
                if number > 0 { y += Double(line["dy"] ?? "") ?? 0 }
                let lineWidth = Markup.textWidth(line.text, size: size)
                let left = text["text-anchor"] == "middle" ? x - lineWidth / 2 : x
                #expect(left >= 0 && left + lineWidth <= width, "\(arguments): \(line.text) at x \(x)")
                #expect(y - size >= 0 && y + 3 <= height, "\(arguments): \(line.text) at y \(y)")
                if text["class"] == "lb" { #expect(!line.text.contains("…"), "\(arguments): \(line.text)") }
            }
        }
    }

    // MARK: HTML

    @Test(arguments: ["alexnet", "googlenet", "resnet50", "unet"])
    func htmlHasTheFigureTableTotalsAndChart(_ name: String) throws {
        let path = "specs/\(name).net"
        let outcome = runNetCalc(["--format", "html", path])
        #expect(outcome.status == 0)
        let page = try parseXML(outcome.standardOutput)
        #expect(page.name == "html")
        let network = try report(path)
        let section = try #require(page.first { $0.name == "section" && $0["id"] == "net0" })
        #expect(section.first { $0.name == "h2" }?.text == network.name)
        checkFigure(try #require(section.first { ($0["class"] ?? "") == "figure" }?.children.first), network)
        // The table: a row per layer with its numbers, its worked formulas as its tooltip.
        let header = section.all { $0.name == "th" && $0.parent?.parent?.name == "thead" }.map(\.text)
        #expect(header == Column.tableDefault.map(\.header))
        let rows = section.all { $0.name == "tr" && $0["data-row"] != nil }
        #expect(rows.count == network.rows.count)
        let explainer = Explainer(network: network)
        for (tr, row) in zip(rows, network.rows) {
            let cells = tr.children.map(\.text)
            #expect(cells[1].hasSuffix(row.name))
            #expect(cells[2] == row.output.fullText)
            #expect(cells[3] == formatCount(row.activations))
            #expect(cells[4].hasPrefix(share(row.activations, of: network.totals.activations, decimals: 1) + "%"))
            #expect(cells[6] == formatCount(row.params))
            #expect(cells[9] == formatCount(row.macs))
            for line in explainer.lines(for: row) { #expect(tr["title"]?.contains(line) == true) }
        }
        let totals = section.first { $0.name == "table" && $0["class"] == "totals" }
        for (label, value) in TotalsSummary(network: network, units: .iec).lines {
            #expect(totals?.all { $0.name == "tr" }.contains { $0.children.map(\.text) == [label, value] } == true)
        }
        // The chart: a bar of memory for every row that stores values, of parameters for every row that has some.
        let chart = try #require(section.first { $0["class"] == "chart" })
        #expect(chart.all { $0["class"] == "mem" }.count == network.rows.filter { $0.activations > 0 }.count)
        #expect(chart.all { $0["class"] == "par" }.count == network.rows.filter { $0.params > 0 }.count)
        // Self-contained: nothing is loaded from anywhere.
        #expect(page.all { $0["src"] != nil || $0.name == "link" }.isEmpty)
        let addresses = outcome.standardOutput.replacingOccurrences(of: "http://www.w3.org/", with: "")
        #expect(!addresses.contains("http://") && !addresses.contains("https://") && !addresses.contains("url(http"))
        #expect(!outcome.standardOutput.contains("@import"))
    }

    @Test func htmlShowsFitAndDiagnostics() throws {
        let fit = try parseXML(runNetCalc(["--format", "html", "--fit", "12GiB", "--memory", "notes", "specs/vgg16.net"]).standardOutput)
        let pre = fit.first { $0.name == "pre" && $0["class"] == "fit" }?.text ?? ""
        #expect(pre.contains("largest batch    92: 1,660,290,528 + 92 x 121,900,864"))
        #expect(fit.first { $0.name == "h3" && $0.text == "Will it fit in 12GiB?" } != nil)

        let broken = runNetCalc(["--format", "html", "-e", "INPUT[224x224x3] -> CONV(96,11,s4)", "specs/lenet5.net"])
        #expect(broken.status == 1)
        let page = try parseXML(broken.standardOutput)
        let diagnostics = page.first { $0.name == "pre" && $0["class"] == "diag" }?.text ?? ""
        #expect(diagnostics.contains("<expr>:1:21: error: CONV1 does not fit its 224x224x3 input"))
        #expect(diagnostics.contains("^~~~~~~~~~~~~~"))
        #expect(page.all { $0.name == "section" && $0["class"] == "network" }.count == 1)
    }

    @Test func htmlTablesAndChartsAreCapped() throws {
        let outcome = runNetCalc(["--format", "html", "-e", "INPUT[8x8x3] -> [CONV(3,3,p1)]*20000"])
        let page = try parseXML(outcome.standardOutput)
        #expect(page.all { $0.name == "tr" && $0["data-row"] != nil }.count == HTMLRenderer.maximumTableRows)
        #expect(page.text.contains("… 15,001 more rows not shown: --format csv lists every row"))
        #expect(page.all { $0["class"] == "mem" }.count <= HTMLRenderer.maximumBars)
        #expect(page.text.contains("each bar adds up 51 consecutive rows"))
    }

    // MARK: Escaping

    /// Layer names from a model file may hold anything: markup, quotes, a script's end, control bytes.
    static let hostile = #"""
        name: "<net> & \"co\"</script>"
        input: "in<put>"
        input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
        layer { name: "</script><script>alert(1)</script>" type: "Convolution" bottom: "in<put>" top: "a"
          convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
        layer { name: "x]]>y & 'z' \001\033[31m\177\302\205" type: "ReLU" bottom: "a" top: "b" }
        layer { name: "<!-- -->&amp;&#0;" type: "Pooling" bottom: "b" top: "c" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "\"quoted\"\n\ttabbed" type: "Eltwise" bottom: "c" bottom: "c" top: "d" }
        """#

    static let hostileNames = ["in<put>", "</script><script>alert(1)</script>",
                               "x]]>y & 'z' \u{2401}\u{241B}[31m\u{2421}\u{FFFD}", "<!-- -->&amp;&#0;",
                               "\"quoted\"\n\ttabbed"]

    @Test(arguments: ["svg", "html"])
    func hostileNamesAreEscaped(_ format: String) throws {
        let outcome = runNetCalc(["--format", format, "--input-format", "prototxt", "-"], standardInput: Self.hostile)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let document = try parseXML(outcome.standardOutput)
        let titles = document.all { $0.name == "title" }.map(\.text).joined(separator: "\n")
        let text = document.text + titles + document.all { _ in true }.compactMap { $0["title"] }.joined()
        for name in Self.hostileNames.dropLast() {
            #expect(text.contains(name), "\(name.debugDescription) is not shown as itself")
        }
        #expect(text.contains("\"quoted\""))
        if format == "html" {
            #expect(outcome.standardOutput.components(separatedBy: "</script>").count == 2)
            #expect(outcome.standardOutput.components(separatedBy: "<script>").count == 2)
            let rows = document.all { $0.name == "tr" && $0["data-row"] != nil }
            #expect(rows.last?["title"]?.hasPrefix("\"quoted\"\n\ttabbed") == true)  // tab and newline kept in the attribute
            #expect(document.first { $0.name == "title" }?.text.contains("<net> & \"co\"</script>") == true)
        }
        #expect(!outcome.standardOutput.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
    }

    @Test func escapingReplacesWhatXMLCannotHold() {
        #expect(Markup.escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(Markup.escape("\u{0}\u{1F}\u{7F}\u{85}\u{FFFE}") == "\u{2400}\u{241F}\u{2421}\u{FFFD}\u{FFFD}")
        #expect(Markup.escape("a\tb\nc", attribute: true) == "a&#9;b&#10;c")
        #expect(Markup.escape("a\tb\nc") == "a\tb\nc")
        #expect(Markup.escape("plain") == "plain")
        #expect(Markup.number(12.04) == "12" && Markup.number(-0.25) == "-0.3" && Markup.number(3.25) == "3.3")
        #expect(Markup.number(-1.5) == "-1.5" && Markup.number(0) == "0")
        #expect(Markup.log2x16(1) == 0 && Markup.log2x16(2) == 16 && Markup.log2x16(224) == 16 * 7 + 12)
        #expect(Markup.log2x16(Int.max) == 16 * 62 + 15)
    }

    // MARK: Golden files

    static let goldenRoot = packageRoot + "/Tests/NetCalcTests/Golden/figures"
    static let goldens: [(arguments: [String], file: String)] = [
        (["--format", "svg", "specs/alexnet.net"], "alexnet.svg"),
        (["--format", "svg", "specs/inception_module_reduced.net"], "inception_module_reduced.svg"),
        (["--format", "svg", "specs/resnet18.net"], "resnet18.svg"),
        (["--format", "svg", "docs/examples/tiny.prototxt"], "tiny.prototxt.svg"),
        (["--format", "svg", "specs/vgg16.net"], "vgg16.svg"),
        (["--format", "svg", "specs/resnet152.net"], "resnet152.svg"),
        (["--format", "svg", "--depth", "1", "specs/resnet152.net"], "resnet152.depth1.svg"),
        (["--format", "svg", "specs/googlenet.net"], "googlenet.svg"),
        (["--format", "svg", "specs/unet.net"], "unet.svg"),
        (["--format", "html", "specs/alexnet.net"], "alexnet.html"),
        (["--format", "html", "--fit", "8GiB", "specs/inception_module_reduced.net"], "inception_module_reduced.html"),
    ]

    /// The same input gives the same bytes; `NETCALC_RECORD=1 swift test` writes the files anew.
    @Test(arguments: goldens.indices)
    func goldenFigures(_ index: Int) throws {
        let (arguments, file) = Self.goldens[index]
        let output = runNetCalc(arguments).standardOutput
        #expect(runNetCalc(arguments).standardOutput == output)
        _ = try parseXML(output)
        GoldenTests().compare(output, "\(Self.goldenRoot)/\(file)")
    }

    // MARK: Chromium

    static let chromium: String? = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap { name in
        ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }.first

    /// Chromium draws the figure and the page without an error (skipped, and said so, without it:
    /// `apt-get install chromium`; tools/render_figures.py makes the PNGs to look at).
    @Test(.enabled(if: chromium != nil, "Chromium is not installed: apt-get install chromium"))
    func chromiumRendersTheFigureAndThePage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-chromium-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for format in ["svg", "html"] {
            let source = folder.appendingPathComponent("alexnet.\(format)")
            try runNetCalc(["--format", format, "specs/alexnet.net"]).standardOutput
                .write(to: source, atomically: true, encoding: .utf8)
            let png = folder.appendingPathComponent("alexnet.\(format).png")
            let (status, _) = try runProcess(Self.chromium!, [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=" + folder.appendingPathComponent("profile").path,
                "--window-size=1200,900", "--screenshot=" + png.path, source.absoluteString,
            ])
            #expect(status == 0)
            let bytes = try Data(contentsOf: png)
            #expect(bytes.count > 10_000)
            #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        }
    }

    // MARK: The XML checker

    /// The tests' own small parser agrees with Foundation's on well-formed and broken documents.
    @Test(arguments: [
        ("<a><b x='1'/>t&amp;<![CDATA[<x>]]></a>", true), ("<?xml version=\"1.0\"?>\n<!DOCTYPE html>\n<a/>", true),
        ("<a><b></a>", false), ("<a>&</a>", false), ("<a>x < y</a>", false), ("<a>\u{1}</a>", false),
        ("<a x=\"\"\"/>", false), ("<a></a><b/>", false), ("<a/>trailing", false), ("<a>&nbsp;</a>", false),
        ("<a x=\"1\" x=\"2\"/>", false), ("<a><!-- c -- d --></a>", false), ("<a>]]></a>", false),
    ])
    func xmlCheckerAgrees(_ document: String, _ wellFormed: Bool) {
        var parser = SmallXMLParser(document)
        #expect(((try? parser.parse()) != nil) == wellFormed)
        #if canImport(FoundationXML) || canImport(Darwin)
        #expect(((try? foundationParse(document)) != nil) == wellFormed)
        #endif
    }
}

// MARK: - Reading XML

/// An element of a parsed document.
final class ParsedElement {
    let name: String
    var attributes: [String: String] = [:]
    var children: [ParsedElement] = []
    /// Its own text and its children's, in order.
    var text = ""
    weak var parent: ParsedElement?

    init(name: String) { self.name = name }

    subscript(attribute: String) -> String? { attributes[attribute] }

    /// Every element under it (itself included) that matches, in document order.
    func all(_ matches: (ParsedElement) -> Bool) -> [ParsedElement] {
        var found: [ParsedElement] = []
        var stack: [ParsedElement] = [self]
        while let element = stack.popLast() {
            if matches(element) { found.append(element) }
            stack.append(contentsOf: element.children.reversed())
        }
        return found
    }

    func first(_ matches: (ParsedElement) -> Bool) -> ParsedElement? { all(matches).first }
}

struct XMLError: Error, CustomStringConvertible {
    var description: String
}

/// Parses a document with Foundation's parser where there is one (FoundationXML on Linux), else with
/// the tests' own; both must find it well-formed.
func parseXML(_ document: String) throws -> ParsedElement {
    var parser = SmallXMLParser(document)
    let root = try parser.parse()
    #if canImport(FoundationXML) || canImport(Darwin)
    let other = try foundationParse(document)
    guard other.all({ _ in true }).count == root.all({ _ in true }).count, other.text == root.text else {
        throw XMLError(description: "the two parsers read the document differently")
    }
    #endif
    return root
}

#if canImport(FoundationXML) || canImport(Darwin)
/// Builds the tree with `XMLParser`; an error or a document it stops reading is thrown.
func foundationParse(_ document: String) throws -> ParsedElement {
    final class Builder: NSObject, XMLParserDelegate {
        var stack: [ParsedElement] = [ParsedElement(name: "#document")]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            let element = ParsedElement(name: name)
            element.attributes = attributes
            element.parent = stack.last
            stack.last?.children.append(element)
            stack.append(element)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let element = stack.removeLast()
            stack.last?.text += element.text
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
        func parser(_ parser: XMLParser, foundCDATA block: Data) { stack.last?.text += String(decoding: block, as: UTF8.self) }
    }
    let parser = XMLParser(data: Data(document.utf8))
    let builder = Builder()
    parser.delegate = builder
    // Linux's parser can return true with an error set: both are checked.
    guard parser.parse(), parser.parserError == nil, builder.stack.count == 1,
          let root = builder.stack[0].children.first, builder.stack[0].children.count == 1 else {
        throw XMLError(description: "not well-formed: \(parser.parserError.map { "\($0)" } ?? "no single root") "
                       + "at line \(parser.lineNumber)")
    }
    root.parent = nil
    return root
}
#endif

/// A small well-formedness checker and tree builder for what the renderers write: the declaration,
/// a doctype without an internal subset, comments, CDATA, elements, attributes in quotes, the five
/// named references and numeric ones, and XML 1.0's characters.
struct SmallXMLParser {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ document: String) { scalars = Array(document.unicodeScalars) }

    func fail(_ message: String) -> XMLError {
        let line = scalars[..<min(index, scalars.count)].filter { $0 == "\n" }.count + 1
        return XMLError(description: "\(message) at line \(line)")
    }

    func at(_ text: String) -> Bool {
        var position = index
        for scalar in text.unicodeScalars {
            guard position < scalars.count, scalars[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    mutating func skip(_ text: String) throws {
        guard at(text) else { throw fail("expected \(text)") }
        index += text.unicodeScalars.count
    }

    mutating func skipSpace() {
        while index < scalars.count, [" ", "\n", "\t", "\r"].contains(scalars[index]) { index += 1 }
    }

    /// Skips to the end of `terminator`, returning what came before it.
    mutating func until(_ terminator: String) throws -> String {
        var out = String.UnicodeScalarView()
        while index < scalars.count, !at(terminator) {
            try checkCharacter(scalars[index])
            out.append(scalars[index])
            index += 1
        }
        try skip(terminator)
        return String(out)
    }

    func checkCharacter(_ scalar: Unicode.Scalar) throws {
        let value = scalar.value
        let allowed = value == 0x9 || value == 0xA || value == 0xD || (0x20...0xD7FF).contains(value)
            || (0xE000...0xFFFD).contains(value) || (0x10000...0x10FFFF).contains(value)
        if !allowed { throw fail("the character U+\(String(value, radix: 16)) is not allowed") }
    }

    /// Skips comments, processing instructions and white space between markup.
    mutating func misc() throws {
        while true {
            skipSpace()
            if at("<!--") {
                index += 4
                let body = try until("-->")
                if body.contains("--") { throw fail("-- inside a comment") }
            } else if at("<?") {
                index += 2
                _ = try until("?>")
            } else {
                return
            }
        }
    }

    mutating func parse() throws -> ParsedElement {
        try misc()
        if at("<!DOCTYPE") {
            index += 9
            let body = try until(">")
            if body.contains("[") { throw fail("internal subsets are not read") }
            try misc()
        }
        guard at("<") else { throw fail("no root element") }
        let root = try element()
        try misc()
        guard index == scalars.count else { throw fail("text after the root element") }
        return root
    }

    mutating func name() throws -> String {
        var out = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            let isNameCharacter = scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || ["-", "_", ":", "."].contains(scalar)
            guard isNameCharacter else { break }
            out.append(scalar)
            index += 1
        }
        guard !out.isEmpty else { throw fail("expected a name") }
        return String(out)
    }

    /// A reference after `&`, decoded.
    mutating func reference() throws -> String {
        let body = try until(";")
        switch body {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            let number = body.hasPrefix("#x") ? UInt32(body.dropFirst(2), radix: 16)
                : body.hasPrefix("#") ? UInt32(body.dropFirst(), radix: 10) : nil
            guard let number, let scalar = Unicode.Scalar(number) else { throw fail("unknown reference &\(body);") }
            try checkCharacter(scalar)
            return String(scalar)
        }
    }

    mutating func element() throws -> ParsedElement {
        try skip("<")
        let element = ParsedElement(name: try name())
        let parse = { (parser: inout SmallXMLParser) throws -> ParsedElement in try parser.element() }
        while true {
            let spaced = index < scalars.count && [" ", "\n", "\t", "\r"].contains(scalars[index])
            skipSpace()
            if at("/>") {
                index += 2
                return element
            }
            if at(">") {
                index += 1
                break
            }
            guard spaced else { throw fail("attributes must be separated by space") }
            let key = try name()
            skipSpace()
            try skip("=")
            skipSpace()
            guard index < scalars.count, scalars[index] == "\"" || scalars[index] == "'" else { throw fail("unquoted attribute") }
            let quote = scalars[index]
            index += 1
            var value = ""
            while index < scalars.count, scalars[index] != quote {
                let scalar = scalars[index]
                if scalar == "<" { throw fail("< in an attribute") }
                index += 1
                if scalar == "&" {
                    value += try reference()
                } else {
                    try checkCharacter(scalar)
                    // Attribute values normalize white space to spaces, as XML parsers do.
                    value.unicodeScalars.append(["\n", "\t", "\r"].contains(scalar) ? " " : scalar)
                }
            }
            try skip(String(quote))
            if element.attributes[key] != nil { throw fail("attribute \(key) given twice") }
            element.attributes[key] = value
        }
        while true {
            guard index < scalars.count else { throw fail("<\(element.name)> is not closed") }
            let scalar = scalars[index]
            if scalar != "<", scalar != "&", scalar != "]" {
                try checkCharacter(scalar)
                element.text.unicodeScalars.append(scalar)
                index += 1
            } else if at("</") {
                index += 2
                let closing = try name()
                guard closing == element.name else { throw fail("</\(closing)> closes <\(element.name)>") }
                skipSpace()
                try skip(">")
                return element
            } else if at("<!--") {
                index += 4
                if try until("-->").contains("--") { throw fail("-- inside a comment") }
            } else if at("<![CDATA[") {
                index += 9
                element.text += try until("]]>")
            } else if at("<?") {
                index += 2
                _ = try until("?>")
            } else if at("<") {
                let child = try parse(&self)
                child.parent = element
                element.children.append(child)
                element.text += child.text
            } else if at("]]>") {
                throw fail("]]> in text")
            } else if scalars[index] == "&" {
                index += 1
                element.text += try reference()
            } else {
                try checkCharacter(scalars[index])
                element.text.unicodeScalars.append(scalars[index])
                index += 1
            }
        }
    }
}
