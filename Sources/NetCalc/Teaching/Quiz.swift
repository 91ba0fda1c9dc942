/// `netcalc quiz`: a fresh exercise sheet from a seed — a network a course would show (conv-relu-pool
/// stages, a LeNet or AlexNet stem, a residual block, an inception module) or one of the lecture notes'
/// own questions with new numbers, with blank answers; `--key` fills them in, from netcalc's own
/// grading, so that every key passes `netcalc check`. As a spec (to fill in and check) or as a
/// worksheet to hand out (Worksheet.swift).

/// A small, seedable random number generator (SplitMix64), the same on every platform.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The main choices of a quiz template, drawn so that different seeds make different sheets: the
/// combinations of the choices (each with `counts[i]` options) are numbered, and seed s takes the
/// combination a permutation of those numbers gives s mod their number, so that the first
/// `combinations` seeds each take another one, and consecutive seeds differ in their choices without
/// a pattern (no choice that repeats every fourth seed). Choices that vary in number (a third stage)
/// are drawn from the seeded generator as before.
struct QuizCombination {
    /// The number of combinations.
    let combinations: UInt64
    /// The option chosen for each choice.
    private(set) var digits: [Int] = []

    init(seed: UInt64, counts: [Int]) {
        var total: UInt64 = 1
        for count in counts {
            let (product, overflow) = total.multipliedReportingOverflow(by: UInt64(max(count, 1)))
            total = overflow ? total : product  // the templates' counts multiply to a few thousand
        }
        combinations = total
        // A step near the golden section of the number, prime to it: a bijection of 0..<total.
        var step = max(1, total * 5 / 8)
        while Self.gcd(step, total) != 1 { step += 1 }
        let (scaled, overflow) = (seed % total).multipliedReportingOverflow(by: step)
        var index = ((overflow ? seed % total : scaled % total) + total / 3) % total
        // Then a mix of all the bits (each step invertible on the k-bit numbers that hold 0..<total),
        // repeated until the number is below total again: still a permutation of 0..<total.
        let bits = max(1, UInt64.bitWidth - (total - 1).leadingZeroBitCount)
        let mask: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
        let shift = UInt64((bits + 1) / 2)
        repeat {
            index = (index &* 0x9E37_79B9_7F4A_7C15) & mask
            index ^= index >> shift
            index = (index &* 0xBF58_476D_1CE4_E5B9) & mask
            index ^= index >> shift
        } while index >= total
        for count in counts {
            let radix = UInt64(max(count, 1))
            digits.append(Int(index % radix))
            index /= radix
        }
    }

    /// The option of `options` chosen for choice `position`.
    func choose<T>(_ options: [T], _ position: Int) -> T {
        options[digits[position] % options.count]
    }

    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
}

/// What a quiz sheet asks.
struct QuizSettings: Sendable {
    var seed: UInt64 = 1
    /// Layers after INPUT for the random template, stages for the stages template; nil: the template's choice.
    var layers: Int?
    /// 1: shapes and parameters; 2: also memory, bytes and MACs; 3: also weights, forward and backward
    /// bytes, receptive fields and totals (and, in random networks, dilation, groups, non-square sizes).
    var level = 1
    var key = false
    var template = QuizTemplate.any
    var format = QuizFormat.spec
}

/// The kinds of network a quiz asks about.
enum QuizTemplate: String, CaseIterable, Sendable {
    /// Any of the templates below but `random`, chosen by the seed.
    case any
    /// Conv-relu-pool stages with 3x3 and 5x5 kernels and SAME-style padding, then FC.
    case stages
    /// A LeNet-like network.
    case lenet
    /// An AlexNet-like stem.
    case alexnet
    /// A residual block (identity, projection or bottleneck).
    case resnet
    /// An inception module.
    case inception
    /// The notes' AlexNet CONV1 and POOL1 on another input, and an input that does not fit.
    case alexnetConv1 = "alexnet-conv1"
    /// A VGG stage: the notes' table, another stage.
    case vggStage = "vgg-stage"
    /// The notes' output-size exercises with new numbers, some of which do not fit.
    case outputSizes = "output-sizes"
    /// A stack of 3x3 convolutions' receptive field against one large filter's.
    case receptiveField = "receptive-field"
    /// Random layers that fit.
    case random

    /// The templates `any` chooses from.
    static let realistic: [QuizTemplate] = [.stages, .lenet, .alexnet, .resnet, .inception, .alexnetConv1, .vggStage,
                                            .outputSizes, .receptiveField]
}

/// How a quiz is printed.
enum QuizFormat: String, CaseIterable, Sendable {
    /// A spec with blank answers, to fill in and check.
    case spec
    /// A worksheet to hand out: a table per network, blanks as lines.
    case markdown, html
}

/// A quiz before it is printed: its spec with blank answers, and what it says to the student.
struct QuizSheet: Sendable {
    var template: QuizTemplate
    /// What it asks, in a line: `AlexNet's CONV1 on a 195x195x3 input`.
    var title: String
    /// What to do, a sentence each.
    var instructions: [String]
    /// The networks as a spec, each answer `_`.
    var text: String
}

/// Makes quiz sheets.
struct QuizMaker {
    let settings: QuizSettings

    /// The answer keys asked at the sheet's level.
    var keys: [AnswerKey] {
        switch settings.level {
        case ...1: return [.shape, .params]
        case 2: return [.shape, .params, .memory, .bytes, .macs]
        default: return [.shape, .params, .weights, .memory, .bytes, .fwdBwd, .macs, .rf]
        }
    }

    /// The quiz in its format.
    func render() -> String {
        switch settings.format {
        case .spec: return sheet()
        case .markdown: return Worksheet(quiz: blank(), settings: settings).markdown()
        case .html: return Worksheet(quiz: blank(), settings: settings).html()
        }
    }

    /// The sheet as a spec: a header, the networks, blank answers or (with `key`) the answers. Only
    /// the key carries the seed and the command that makes the sheet again: a student's sheet does
    /// not tell how to print its answers.
    func sheet() -> String {
        let quiz = blank()
        var text = "# netcalc quiz, level \(settings.level), \(quiz.template.rawValue)\(settings.key ? " (answer key)" : ""): \(quiz.title)\n"
        for line in quiz.instructions { text += "# \(line)\n" }
        if settings.key {
            text += "# Seed \(settings.seed); the students' sheet: \(command(key: false)); this key: \(command(key: true))\n"
            text += "# Grade the students' sheets with: netcalc check --key KEY.net SHEET.net ...\n\n"
        } else {
            text += "# Check a sheet with: netcalc check FILE\n\n"
        }
        return text + (settings.key ? Self.filled(quiz.text) : quiz.text)
    }

    /// The command that prints this sheet (or, with `key`, its key) again.
    func command(key: Bool) -> String {
        var words = ["netcalc quiz --seed \(settings.seed) --level \(settings.level)"]
        if settings.template != .any { words.append("--template \(settings.template.rawValue)") }
        if let layers = settings.layers { words.append("--layers \(layers)") }
        if settings.format != .spec { words.append("--format \(settings.format.rawValue)") }
        if key { words.append("--key") }
        return words.joined(separator: " ")
    }

    /// The quiz with blank answers. `any` takes the templates in turn (seed mod their number) and
    /// gives the template the rest of the seed, so that different seeds give different sheets.
    func blank() -> QuizSheet {
        var rng = SeededGenerator(seed: settings.seed)
        var template = settings.template
        var seed = settings.seed
        if template == .any {
            let count = UInt64(QuizTemplate.realistic.count)
            template = QuizTemplate.realistic[Int(settings.seed % count)]
            seed = settings.seed / count
        }
        var builder = QuizBuilder(keys: keys, level: settings.level)
        switch template {
        case .any, .stages: stages(&builder, seed, &rng)
        case .lenet: lenet(&builder, seed)
        case .alexnet: alexnet(&builder, seed)
        case .resnet: resnet(&builder, seed)
        case .inception: inception(&builder, seed)
        case .alexnetConv1: alexnetConv1(&builder, seed)
        case .vggStage: vggStage(&builder, seed)
        case .outputSizes: outputSizes(&builder, &rng)
        case .receptiveField: receptiveField(&builder, seed, &rng)
        case .random: random(&builder, &rng)
        }
        let general = "Sizes are W x H x D (width x height x depth); write a 1x1xK volume as 1x1xK or K."
        return QuizSheet(template: template, title: builder.title, instructions: builder.instructions + [general],
                         text: builder.text)
    }

    /// The text with every blank answer filled with netcalc's: the truth, or `invalid` where the sizes do
    /// not fit. The values come from `netcalc check`'s own grading, so the key passes it.
    static func filled(_ text: String) -> String {
        let file = SourceFile(name: "<quiz>", text: text)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        let (answered, _) = Checker(file: file, syntax: syntax).read(networks)
        var replacements: [(SourceRange, String)] = []
        for network in answered {
            for question in network.questions where question.item.value == .blank {
                replacements.append((question.item.range, answer(question, in: network.grading)))
            }
        }
        var bytes = file.bytes
        for (range, value) in replacements.sorted(by: { $0.0.start > $1.0.start }) {
            bytes.replaceSubrange(range.start..<range.end, with: Array(value.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// netcalc's answer to a question: the value, or `invalid` where it depends on sizes that do not fit.
    static func answer(_ question: Question, in grading: GradingNetwork) -> String {
        let truth: Candidate?
        switch question.target {
        case .row(let index): truth = grading.truth(question.item.key, at: index)
        case .total: truth = grading.totalTruth(question.item.key)
        case .nowhere: truth = nil
        }
        switch truth {
        case .count(let value)?: return formatCount(value)
        case .shape(let shape)?: return shape.fullText
        case .tooLarge?: return "too large to count"
        case .invalid?, .nonzero?, nil: return "invalid"
        }
    }

    // MARK: Templates

    /// Conv-relu-pool stages: 3x3 or 5x5 kernels padded to keep the size, a 2x2 pool halving it.
    private func stages(_ b: inout QuizBuilder, _ seed: UInt64, _ rng: inout SeededGenerator) {
        let counts = [2, 3], widths = [32, 64, 96, 128, 160, 192, 224], depths = [1, 3], firsts = [8, 16, 32, 64]
        let kernels = [3, 5], convolutionCounts = [1, 2], hiddens = [0, 128, 256, 512], classes = [10, 100]
        let c = QuizCombination(seed: seed, counts: [settings.layers == nil ? counts.count : 1, widths.count, depths.count, firsts.count,
                                                     kernels.count, convolutionCounts.count, kernels.count, convolutionCounts.count,
                                                     hiddens.count, classes.count])
        let count = min(max(settings.layers ?? c.choose(counts, 0), 1), 4)
        // Every width is a multiple of 16: four 2x2 pools fit.
        let width = c.choose(widths, 1)
        let depth = c.choose(depths, 2)
        var filters = c.choose(firsts, 3)
        b.title = "\(count) conv-relu-pool stage\(count == 1 ? "" : "s") on a \(width)x\(width)x\(depth) input"
        b.instructions = ["Each CONV is padded to keep its input's size (SAME-style, P = (F - 1)/2); each POOL(2) halves it."]
        var chain: [String] = []
        for stage in 0..<count {
            // The first two stages' kernels are main choices; later ones are drawn.
            let kernel = stage < 2 ? c.choose(kernels, 4 + 2 * stage) : kernels.randomElement(using: &rng)!
            let convolutions = stage < 2 ? c.choose(convolutionCounts, 5 + 2 * stage) : convolutionCounts.randomElement(using: &rng)!
            for _ in 0..<convolutions {
                chain.append(b.ask("CONV(\(filters),\(kernel),p\(kernel / 2))"))
                chain.append("RELU")
            }
            chain.append(b.ask("POOL(2)"))
            filters = min(filters * 2, 512)
        }
        let hidden = c.choose(hiddens, 8)
        if hidden > 0 { chain.append(b.ask("FC(\(hidden))")) }
        chain.append(b.ask("FC(\(c.choose(classes, 9)))"))
        b.network("stages", input: Shape(width: width, height: width, depth: depth), chain)
        b.totals(["params", "memory", "macs"])
    }

    /// A LeNet: two 5x5 conv-activation-pool stages and three FC layers, with new numbers.
    private func lenet(_ b: inout QuizBuilder, _ seed: UInt64) {
        let widths = [32, 28], depths = [1, 3], firsts = [4, 6, 8, 10], seconds = [12, 16, 20, 24]
        let hiddens = [[120, 84], [100, 64], [128, 64], [256, 128]], classes = [10, 26, 43, 100], activations = ["TANH", "RELU"]
        let c = QuizCombination(seed: seed, counts: [widths.count, depths.count, firsts.count, seconds.count, hiddens.count,
                                                     classes.count, activations.count])
        let width = c.choose(widths, 0)
        let depth = c.choose(depths, 1)
        let first = c.choose(firsts, 2)
        let second = c.choose(seconds, 3)
        let hidden = c.choose(hiddens, 4)
        let activation = c.choose(activations, 6)
        let pad = width == 28 ? ",p2" : ""
        b.title = "a LeNet-5 on a \(width)x\(width)x\(depth) input"
        b.instructions = ["LeNet-5's layout (conv, \(activation.lowercased()), pool twice, then three fully connected layers), with other sizes."]
        b.network("lenet", input: Shape(width: width, height: width, depth: depth), [
            b.ask("CONV(\(first),5\(pad))"), activation, b.ask("POOL(2)"), b.ask("CONV(\(second),5)"), activation, b.ask("POOL(2)"),
            b.ask("FC(\(hidden[0]))"), activation, b.ask("FC(\(hidden[1]))"), activation, b.ask("FC(\(c.choose(classes, 5)))"),
        ])
        b.totals(["params", "memory", "macs"])
    }

    /// An AlexNet stem: CONV 11x11 stride 4, overlapping 3x3 stride-2 pools, local response norms.
    private func alexnet(_ b: inout QuizBuilder, _ seed: UInt64) {
        // W = 16m + 3 makes 11x11/4 and both 3x3/2 pools fit: 4m - 1, 2m - 1, m - 1 (227 -> 55 -> 27 -> 13).
        let widths = (4...18).map { 16 * $0 + 3 }, firsts = [48, 64, 96, 128], seconds = [128, 192, 256, 384]
        let classes = [10, 100, 200, 1000], secondKernels = ["5,p2", "3,p1"]
        let c = QuizCombination(seed: seed, counts: [widths.count, firsts.count, seconds.count, classes.count, secondKernels.count])
        let width = c.choose(widths, 0)
        b.title = "an AlexNet stem on a \(width)x\(width)x3 input"
        b.instructions = ["AlexNet's first layers (CONV 11x11 at stride 4, overlapping 3x3 pools at stride 2), with other sizes."]
        b.network("alexnet", input: Shape(width: width, height: width, depth: 3), [
            b.ask("CONV(\(c.choose(firsts, 1)),11,s4)"), "RELU", b.ask("POOL(3,s2)"), "NORM",
            b.ask("CONV(\(c.choose(seconds, 2)),\(c.choose(secondKernels, 4)))"), "RELU", b.ask("POOL(3,s2)"), "NORM",
            b.ask("FC(\(c.choose(classes, 3)))"),
        ])
        b.totals(["params", "memory", "macs"])
    }

    /// A residual block: ADD of two 3x3 convolutions (or a 1x1-3x3-1x1 bottleneck) and a shortcut,
    /// sometimes followed by a second, identity block.
    private func resnet(_ b: inout QuizBuilder, _ seed: UInt64) {
        let widths = [7, 8, 14, 16, 28, 32, 56, 64], depths = [16, 32, 64, 128, 256, 512], kinds = [0, 1, 2]
        let classes = [10, 100, 200, 1000], blockCounts = [1, 2]
        let c = QuizCombination(seed: seed, counts: [widths.count, depths.count, kinds.count, classes.count, blockCounts.count])
        let width = c.choose(widths, 0)
        let depth = c.choose(depths, 1)
        let blocks = c.choose(blockCounts, 4)
        var chain: [String] = []
        let out: Int
        let plural = blocks == 2 ? "two residual blocks" : "a residual block"
        switch c.choose(kinds, 2) {
        case 0:
            out = depth
            b.title = "\(plural) on a \(width)x\(width)x\(depth) input"
            chain.append("ADD(\(b.ask("CONV(\(depth),3,p1,nobias)")) -> BN -> RELU -> \(b.ask("CONV(\(depth),3,p1,nobias)")) -> BN\n         | ID)")
        case 1:
            out = depth * 2
            b.title = blocks == 2 ? "two residual blocks on a \(width)x\(width)x\(depth) input, the first widening it to \(out) channels"
                : "a residual block that widens \(width)x\(width)x\(depth) to \(out) channels"
            chain.append("ADD(\(b.ask("CONV(\(out),3,p1,nobias)")) -> BN -> RELU -> \(b.ask("CONV(\(out),3,p1,nobias)")) -> BN\n         | \(b.ask("CONV(\(out),1,nobias)")) -> BN)")
        default:
            out = depth
            let inner = depth / 4
            b.title = "\(blocks == 2 ? "a bottleneck block and a residual block" : "a bottleneck residual block") on a \(width)x\(width)x\(depth) input"
            chain.append("ADD(\(b.ask("CONV(\(inner),1,nobias)")) -> BN -> RELU -> \(b.ask("CONV(\(inner),3,p1,nobias)")) -> BN -> RELU\n             -> \(b.ask("CONV(\(depth),1,nobias)")) -> BN\n         | ID)")
        }
        if blocks == 2 {
            chain.append(b.ask("RELU", only: [.shape]))
            chain.append("ADD(\(b.ask("CONV(\(out),3,p1,nobias)")) -> BN -> RELU -> \(b.ask("CONV(\(out),3,p1,nobias)")) -> BN\n         | ID)")
        }
        b.instructions = ["A ResNet block: the branches' outputs are added value by value, so their shapes must agree; its convolutions have no bias (BN follows)."]
        b.network("block", input: Shape(width: width, height: width, depth: depth),
                  chain + [b.ask("RELU", only: [.shape]), b.ask("GAP"), b.ask("FC(\(c.choose(classes, 3)))")])
        b.totals(["params", "memory", "macs"])
    }

    /// An inception module: four branches concatenated along the depth.
    private func inception(_ b: inout QuizBuilder, _ seed: UInt64) {
        let widths = [7, 14, 28, 56], depths = [192, 256, 480, 512, 528, 832]
        let ones = [64, 128], reduces3 = [96, 128], threes = [128, 192], reduces5 = [16, 32], fives = [32, 96], pools = [32, 64]
        let c = QuizCombination(seed: seed, counts: [widths.count, depths.count, 2, 2, 2, 2, 2, 2])
        let width = c.choose(widths, 0)
        let depth = c.choose(depths, 1)
        b.title = "an inception module on a \(width)x\(width)x\(depth) input"
        b.instructions = ["GoogLeNet's module: four branches on the same input, concatenated along the depth; 1x1 convolutions reduce the depth first."]
        let module = "CONCAT(\(b.ask("CONV(\(c.choose(ones, 2)),1)"))\n"
            + "          | \(b.ask("CONV(\(c.choose(reduces3, 3)),1)")) -> \(b.ask("CONV(\(c.choose(threes, 4)),3,p1)"))\n"
            + "          | \(b.ask("CONV(\(c.choose(reduces5, 5)),1)")) -> \(b.ask("CONV(\(c.choose(fives, 6)),5,p2)"))\n"
            + "          | \(b.ask("POOL(3,s1,p1)")) -> \(b.ask("CONV(\(c.choose(pools, 7)),1)")))"
        b.network("inception", input: Shape(width: width, height: width, depth: depth), [module])
        b.totals(["shape", "params", "macs"], always: ["shape", "macs"])
    }

    /// The notes' AlexNet question with new numbers: CONV1 and POOL1 on another input, and an input
    /// that does not fit (as the paper's 224 does not). The kernel and stride vary too (11x11 at 4 as
    /// AlexNet's, 9x9 at 4, 7x7 at 2, 9x9 at 3); the input is 2pS + F, so that CONV1 gives 2p + 1 and
    /// POOL1 (3x3 at 2) gives p, for one of 20 values of p that put it between about 80 and 235.
    private func alexnetConv1(_ b: inout QuizBuilder, _ seed: UInt64) {
        let windows = [(11, 4), (9, 4), (7, 2), (9, 3)], positions = Array(0..<20), filterCounts = [32, 48, 64, 96, 128]
        let c = QuizCombination(seed: seed, counts: [windows.count, positions.count, filterCounts.count, 3])
        let (kernel, stride) = c.choose(windows, 0)
        let pooled = (85 - kernel) / (2 * stride) + c.choose(positions, 1)
        let width = 2 * pooled * stride + kernel
        let filters = c.choose(filterCounts, 2)
        // An input that does not fit: off by a number of pixels that is not a multiple of the stride.
        let unfit = width - c.choose((1...6).filter { $0 % stride != 0 }, 3)
        let notes = kernel == 11 && stride == 4
        b.title = "\(notes ? "AlexNet's" : "an AlexNet-style") CONV1 (\(filters) filters of \(kernel)x\(kernel) at stride \(stride)) and POOL1 on a \(width)x\(width)x3 input"
        b.instructions = ["As the notes ask of AlexNet: the output volume and the parameters of CONV1 and POOL1.",
                          "Write invalid when the sizes do not fit (AlexNet's 224x224 input does not)."]
        let call = "CONV(\(filters),\(kernel),s\(stride))"
        b.network("alexnet", input: Shape(width: width, height: width, depth: 3), [b.ask(call), b.ask("POOL(3,s2)")])
        b.network("other", input: Shape(width: unfit, height: unfit, depth: 3), [b.ask(call, only: [.shape])])
    }

    /// The notes' VGG table for another stage: the output volume, memory and weights of each layer.
    private func vggStage(_ b: inout QuizBuilder, _ seed: UInt64) {
        let widths = [224, 192, 160, 128, 112, 96, 64, 56, 48, 32, 28, 14], depths = [3, 16, 32, 64, 128, 256, 512]
        let filterCounts = [32, 64, 128, 256, 512], convolutionCounts = [2, 3, 4]
        let c = QuizCombination(seed: seed, counts: [widths.count, depths.count, filterCounts.count, convolutionCounts.count])
        let width = c.choose(widths, 0)
        let depth = c.choose(depths, 1)
        let filters = c.choose(filterCounts, 2)
        let count = c.choose(convolutionCounts, 3)
        b.title = "a VGG stage of \(count) convolutions on a \(width)x\(width)x\(depth) input"
        b.instructions = ["As the notes' VGG16 table: each layer's output volume, memory (activation values) and weights (no biases).",
                          "CONV is 3x3 at stride 1 with padding 1; POOL is 2x2 at stride 2."]
        var table: [AnswerKey] = [.shape, .memory, .weights]
        if settings.level >= 2 { table += [.params, .macs] }
        if settings.level >= 3 { table += [.bytes, .rf] }
        var chain: [String] = []
        for _ in 0..<count { chain.append(b.ask("CONV(\(filters),3,p1)", only: table)) }
        chain.append(b.ask("POOL(2)", only: table))
        b.network("vgg", input: Shape(width: width, height: width, depth: depth), chain)
        b.totals(["memory", "weights"], always: ["memory", "weights"])
    }

    /// The notes' output-size exercises, (W - F + 2P)/S + 1, with new numbers; some do not fit.
    private func outputSizes(_ b: inout QuizBuilder, _ rng: inout SeededGenerator) {
        b.title = "output sizes, (W - F + 2P)/S + 1"
        b.instructions = ["Each network is one layer on a small input: give its output volume, or invalid when the sizes do not fit."]
        let count = 5
        var fits = 0
        for index in 1...count {
            let width = Int.random(in: 5...15, using: &rng)
            let depth = [1, 3, 14].randomElement(using: &rng)!
            let filters = [1, 2, 4, 8].randomElement(using: &rng)!
            var kernel = [1, 3, 5, 7].randomElement(using: &rng)!
            let stride = [1, 2, 2, 3].randomElement(using: &rng)!
            var padding = [0, 0, 1, 2].randomElement(using: &rng)!
            if kernel > width + 2 * padding { kernel = 3 }
            padding = min(padding, kernel / 2)
            // Keep some of them fitting: the last ones are made to fit if too few do.
            let fitsNow = (width + 2 * padding - kernel) % stride == 0
            var input = width
            if !fitsNow, fits < 2, count - index < 2 - fits {
                input += stride - (width + 2 * padding - kernel) % stride
            }
            if (input + 2 * padding - kernel) % stride == 0 { fits += 1 }
            var call = "CONV(\(filters),\(kernel)"
            if stride != 1 { call += ",s\(stride)" }
            if padding != 0 { call += ",p\(padding)" }
            call += ")"
            b.network("size\(index)", input: Shape(width: input, height: input, depth: depth),
                      [b.ask(call, only: index == count ? [.shape, .params] : [.shape])])
        }
    }

    /// The notes' point about stacks of 3x3 convolutions: N of them see as far as one (2N+1)x(2N+1)
    /// filter, with fewer parameters (and N 5x5 ones as far as one (4N+1)x(4N+1)).
    private func receptiveField(_ b: inout QuizBuilder, _ seed: UInt64, _ rng: inout SeededGenerator) {
        let counts = [2, 3, 4, 5], widths = [28, 32, 48, 56, 64, 96, 112], depths = [3, 8, 16, 32, 64]
        let filterCounts = [16, 32, 64, 128], kernels = [3, 5]
        let c = QuizCombination(seed: seed, counts: [counts.count, widths.count, depths.count, filterCounts.count, kernels.count])
        let count = c.choose(counts, 0)
        let width = c.choose(widths, 1)
        let depth = c.choose(depths, 2)
        let filters = c.choose(filterCounts, 3)
        let kernel = c.choose(kernels, 4)
        let pooled = settings.level >= 2 && Bool.random(using: &rng)
        let extent = (kernel - 1) * count + 1
        b.title = "the receptive field of \(count) stacked \(kernel)x\(kernel) convolutions\(pooled ? " around a pool" : "") and of one \(extent)x\(extent)"
        b.instructions = ["rf: how many input pixels (along a side) one output value sees, rf = rf1 + (F - 1)*jump1.",
                          "Compare the parameters of the stack (its total) with the single large filter's."]
        var chain: [String] = []
        for index in 0..<count {
            chain.append(b.ask("CONV(\(filters),\(kernel),p\(kernel / 2))", only: [.rf]))
            chain.append("RELU")
            if pooled, index == 0 { chain.append(b.ask("POOL(2)", only: [.shape, .rf])) }
        }
        b.network("stack", input: Shape(width: width, height: width, depth: depth), chain)
        b.totals(["params"], always: ["params"])
        b.network("single", input: Shape(width: width, height: width, depth: depth),
                  [b.ask("CONV(\(filters),\(extent),p\(extent / 2))", only: [.rf, .params])])
    }

    /// Random layers that fit (the first quizzes'): convolutions with any filter, stride and padding that
    /// fit, pools, and an FC layer to end.
    private func random(_ b: inout QuizBuilder, _ rng: inout SeededGenerator) {
        let layerCount = settings.layers ?? 4
        let sizes = [28, 32, 32, 48, 64, 96, 112, 128, 224, 227]
        var width = sizes.randomElement(using: &rng)!
        var height = settings.level >= 3 && Bool.random(using: &rng) ? width / 2 : width
        var depth = [1, 3, 3, 16, 32].randomElement(using: &rng)!
        let input = Shape(width: width, height: height, depth: depth)
        var calls: [String] = []
        var flat = false
        for index in 0..<max(1, layerCount) {
            let last = index == max(1, layerCount) - 1
            if flat || (last && width * height * depth <= 200_000 && Bool.random(using: &rng)) {
                let k = [10, 100, 256, 512, 1000].randomElement(using: &rng)!
                calls.append("FC(\(k))")
                (width, height, depth, flat) = (1, 1, k, true)
                continue
            }
            // A pool only after a convolution: a stack of pools on the input asks nothing (and made seeds alike).
            if calls.last?.hasPrefix("CONV") == true, Int.random(in: 0..<3, using: &rng) == 0, width >= 2, height >= 2,
               let (f, s) = [(2, 2), (3, 2), (3, 3), (2, 1)].shuffled(using: &rng).first(where: {
                   (width - $0.0) % $0.1 == 0 && (height - $0.0) % $0.1 == 0 && width >= $0.0 && height >= $0.0 }) {
                calls.append(s == f ? "POOL(\(f))" : "POOL(\(f),s\(s))")
                width = (width - f) / s + 1
                height = (height - f) / s + 1
                continue
            }
            // A convolution: try filter sizes and strides until one fits with some padding.
            let filters = [8, 16, 32, 48, 64, 96, 128].randomElement(using: &rng)!
            var options: [(f: Int, s: Int, p: Int, d: Int)] = []
            for f in [1, 3, 5, 7, 11] where f <= min(width, height) + 2 {
                for s in [1, 2, 4] where s <= f || f == 1 {
                    for p in 0...(f / 2) {
                        let dilation = settings.level >= 3 && f == 3 && Int.random(in: 0..<4, using: &rng) == 0 ? 2 : 1
                        let extent = dilation * (f - 1) + 1
                        let spanW = width + 2 * p - extent
                        let spanH = height + 2 * p - extent
                        if spanW >= 0, spanH >= 0, spanW % s == 0, spanH % s == 0 { options.append((f, s, p, dilation)) }
                    }
                }
            }
            guard let choice = options.randomElement(using: &rng) else {
                calls.append("RELU")
                continue
            }
            var groups = 1
            if settings.level >= 3, depth % 2 == 0, filters % 2 == 0, Int.random(in: 0..<4, using: &rng) == 0 { groups = 2 }
            var call = "CONV(\(filters),\(choice.f)"
            if choice.s != 1 { call += ",s\(choice.s)" }
            call += ",p\(choice.p)"
            if choice.d != 1 { call += ",d\(choice.d)" }
            if groups != 1 { call += ",g\(groups)" }
            calls.append(call + ")")
            let extent = choice.d * (choice.f - 1) + 1
            width = (width + 2 * choice.p - extent) / choice.s + 1
            height = (height + 2 * choice.p - extent) / choice.s + 1
            depth = filters
        }
        b.title = "\(calls.count) random layer\(calls.count == 1 ? "" : "s") on a \(input.fullText) input"
        b.instructions = ["For each layer, fill in its answers: the output volume WxHxD, \(keys.dropFirst().map(\.rawValue).joined(separator: ", ")).",
                          "Every stride and padding fits."]
        b.network("quiz", input: input, calls.map { b.ask($0) })
        b.totals(["params", "memory", "macs"])
    }
}

/// Writes a quiz's networks as a spec with blank answers.
struct QuizBuilder {
    /// The keys asked of a layer unless a template says otherwise.
    let keys: [AnswerKey]
    let level: Int
    var title = ""
    var instructions: [String] = []
    private(set) var text = ""

    init(keys: [AnswerKey], level: Int) {
        self.keys = keys
        self.level = level
    }

    /// A layer with a blank answer for each key it asks: `CONV(8,3) {shape: _, params: _}`.
    func ask(_ call: String, only: [AnswerKey]? = nil) -> String {
        let asked = only ?? keys
        return asked.isEmpty ? call : "\(call) {\(asked.map { "\($0.rawValue): _" }.joined(separator: ", "))}"
    }

    /// Adds a network: `name = INPUT[WxHxD]`, then a line per element.
    mutating func network(_ name: String, input: Shape, _ chain: [String]) {
        if !text.isEmpty, !text.hasSuffix("\n\n") { text += "\n" }
        text += "\(name) = INPUT[\(input.fullText)]\n"
        for element in chain { text += "  -> \(element)\n" }
    }

    /// Asks the last network's totals: the named keys at level 3, the `always` ones at every level.
    mutating func totals(_ names: [String], always: [String] = []) {
        let asked = names.filter { level >= 3 || always.contains($0) }
        guard !asked.isEmpty else { return }
        text += "total {\(asked.map { "\($0): _" }.joined(separator: ", "))}\n"
    }
}
