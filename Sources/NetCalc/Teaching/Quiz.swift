/// `netcalc quiz`: a fresh exercise sheet from a seed — a network whose sizes all fit, with an empty
/// answer list after every layer, or (`--key`) the same sheet answered.

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

/// What a quiz sheet asks.
struct QuizSettings: Sendable {
    var seed: UInt64 = 1
    /// Layers after INPUT.
    var layers = 4
    /// 1: shapes and parameters; 2: also memory, bytes and MACs; 3: also dilation, groups, non-square
    /// sizes, receptive fields and totals.
    var level = 1
    var key = false
    var template = QuizTemplate.any
    var format = QuizFormat.spec
}

/// The kinds of network a quiz can ask about.
enum QuizTemplate: String, CaseIterable, Sendable {
    /// Any of the others but `random`, chosen by the seed.
    case any
    /// Random layers that fit (the first quizzes').
    case random
}

/// How a quiz is printed.
enum QuizFormat: String, CaseIterable, Sendable {
    /// A spec with blank answers, to fill in and check.
    case spec
    /// A worksheet to hand out.
    case markdown, html
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
    func render() -> String { sheet() }

    /// The sheet: a spec with a header, blank answers or (with `key`) the answers filled in.
    func sheet() -> String {
        var rng = SeededGenerator(seed: settings.seed)
        let layers = makeLayers(&rng)
        let spec = "INPUT[\(layers.input.fullText)]"
        var text = """
            # netcalc quiz, seed \(settings.seed), level \(settings.level)\(settings.key ? " (answer key)" : "")
            # For each layer, fill in its answers: the output volume WxHxD, \(keys.dropFirst().map(\.rawValue).joined(separator: ", ")).
            # Sizes are W x H x D; every stride and padding fits. Check a sheet with: netcalc check FILE

            """
        text += "quiz = \(spec)\n"
        // The key's answers come from netcalc itself, so the key is right by construction.
        var filled: [String] = []
        var total = "params: _, memory: _, macs: _"
        if settings.key {
            let source = SourceFile(name: "<quiz>", text: "\(spec) -> " + layers.calls.joined(separator: " -> "))
            var parser = Parser(file: source)
            let (networks, _) = Analyzer(spec: parser.parse(), overrides: SettingsOverride()).analyze()
            if let network = networks.first {
                filled = network.rows.dropFirst().map { row in
                    keys.map { key in "\(key.rawValue): \(value(key, row))" }.joined(separator: ", ")
                }
                let totals = network.totals
                total = "params: \(formatCount(totals.params)), memory: \(formatCount(totals.activations)), macs: \(formatCount(totals.macs))"
            }
        }
        for (index, call) in layers.calls.enumerated() {
            let answers = index < filled.count ? filled[index] : keys.map { "\($0.rawValue): _" }.joined(separator: ", ")
            text += "  -> \(call) {\(answers)}\n"
        }
        if settings.level >= 3 { text += "total {\(total)}\n" }
        return text
    }

    private func value(_ key: AnswerKey, _ row: LayerRow) -> String {
        switch key {
        case .shape: return row.output.fullText
        case .params: return formatCount(row.params)
        case .weights: return formatCount(row.weights)
        case .memory: return formatCount(row.activations)
        case .bytes: return formatCount(row.forwardBytes)
        case .fwdBwd: return formatCount(row.forwardBytes * 2)
        case .macs: return formatCount(row.macs)
        case .rf: return "\(row.receptiveField.width)"
        case .note, .points: return ""
        }
    }

    /// A random network whose every layer fits exactly.
    private func makeLayers(_ rng: inout SeededGenerator) -> (input: Shape, calls: [String]) {
        let sizes = [28, 32, 32, 48, 64, 96, 112, 128, 224, 227]
        var width = sizes.randomElement(using: &rng)!
        var height = settings.level >= 3 && Bool.random(using: &rng) ? width / 2 : width
        var depth = [1, 3, 3, 16, 32].randomElement(using: &rng)!
        let input = Shape(width: width, height: height, depth: depth)
        var calls: [String] = []
        var flat = false
        for index in 0..<max(1, settings.layers) {
            let last = index == max(1, settings.layers) - 1
            if flat || (last && width * height * depth <= 200_000 && Bool.random(using: &rng)) {
                let k = [10, 100, 256, 512, 1000].randomElement(using: &rng)!
                calls.append("FC(\(k))")
                (width, height, depth, flat) = (1, 1, k, true)
                continue
            }
            if Int.random(in: 0..<3, using: &rng) == 0, width >= 2, height >= 2,
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
        return (input, calls)
    }
}
