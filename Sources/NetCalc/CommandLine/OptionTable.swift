/// Every option of netcalc, each meaning declared once, in the order the help lists them. Rules that
/// join two options (`--explain` with csv, `--amp` with `--dtype`) are checks in `Options.parse`.

extension OptionDefinition {
    /// Every option, in the order the help lists them.
    static let all: [OptionDefinition] = analysis + grading + quizzing + formatting + common

    private static let analyzeAndCheck: [Options.Command] = [.analyze, .check]
    private static let everyCommand: [Options.Command] = [.analyze, .check, .quiz, .fmt]

    /// Analyzing a network (and, for the settings, grading one).
    private static let analysis: [OptionDefinition] = [
        OptionDefinition(long: "--expr", short: "-e", value: OptionValue(name: "SPEC", kind: .text),
                         help: "analyze SPEC given on the command line (may be repeated)",
                         commands: analyzeAndCheck, repeatable: true) { options, text throws(UsageError) in
            options.inputs.append(.expression(text))
        },
        OptionDefinition(long: "--format", value: .choosing("FORMAT", OutputFormat.self),
                         help: "table (default), json, csv, markdown, dot (a Graphviz graph), svg (the architecture figure) or html (one self-contained page)",
                         commands: [.analyze]) { options, text throws(UsageError) in
            if CheckFormat(rawValue: text.lowercased()) == .gradescope {
                throw UsageError(message: "--format gradescope goes with netcalc check",
                                 hint: "netcalc check --format gradescope SHEET.net writes Gradescope's results.json")
            }
            options.format = try choice(text, "--format", OutputFormat.self)
            options.formatGiven = true
        },
        OptionDefinition(long: "--columns", value: OptionValue(name: "LIST", kind: .choices(Column.allCases.map(\.rawValue))),
                         help: "choose and order the columns of table, csv and markdown output, from: "
                             + Column.allCases.map(\.rawValue).joined(separator: ", ") + " (e.g. --columns layer,output,params)",
                         commands: [.analyze]) { options, text throws(UsageError) in
            switch Column.list(text) {
            case .success(let columns): options.columns = columns
            case .failure(let error): throw error
            }
        },
        OptionDefinition(long: "--units", value: .choosing("UNITS", ByteUnits.self),
                         help: "iec: byte figures in KiB, MiB, GiB (default); si: in KB, MB, GB",
                         commands: [.analyze]) { options, text throws(UsageError) in
            options.units = try choice(text, "--units", ByteUnits.self)
        },
        OptionDefinition(long: "--fit", value: OptionValue(name: "SIZE", kind: .text),
                         help: "the largest batch whose training memory fits in SIZE (12GiB, 16GB, 80G = 80GiB, 24000MiB); with --inference, the inference peak",
                         commands: [.analyze]) { options, text throws(UsageError) in
            if !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "_" || $0 == "," || $0 == "." }) {
                throw UsageError(message: "'\(text)' is not a memory size: it has no unit",
                                 hint: "\(text)GiB? sizes take a unit: GiB, GB, MiB, ... (a bare G means GiB)")
            }
            guard let size = MemorySize.parse(text) else {
                throw UsageError(message: "'\(text)' is not a memory size",
                                 hint: "write a size such as 12GiB, 16GB, 80G (= 80GiB) or 24000MiB")
            }
            options.fit = size
        },
        OptionDefinition(long: "--inference", help: "with --fit: size the inference peak instead of training",
                         commands: [.analyze]) { options, _ throws(UsageError) in
            options.inference = true
        },
        OptionDefinition(long: "--emit", value: .choosing("CODE", EmitTarget.self),
                         help: "pytorch: print a runnable PyTorch module of the spec instead of a report; spec: print the network as a netcalc spec (for a Caffe or ONNX model)",
                         commands: [.analyze]) { options, text throws(UsageError) in
            options.emit = try choice(text, "--emit", EmitTarget.self)
        },
        OptionDefinition(long: "--input-format", value: .choosing("FMT", InputFormat.self),
                         help: "spec, prototxt or onnx (default: by the file's extension, or by its content on standard input)",
                         commands: [.analyze]) { options, text throws(UsageError) in
            options.inputFormat = try choice(text, "--input-format", InputFormat.self)
        },
        OptionDefinition(long: "--input-shape", value: OptionValue(name: "N,C,H,W", kind: .text),
                         help: "a Caffe model's input dims, batch first, for a file that does not give them (a data layer) or sizes them at run time",
                         commands: [.analyze]) { options, text throws(UsageError) in
            let dims = text.split(separator: ",", omittingEmptySubsequences: false).map { Int(String($0.filter { $0 != " " })) }
            guard (2...5).contains(dims.count), dims.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw UsageError(message: "'\(text)' is not a value for --input-shape",
                                 hint: "--input-shape takes two to five positive whole numbers, batch first: 1,3,360,480")
            }
            options.overrides.inputShape = dims.compactMap { $0 }
        },
        OptionDefinition(long: "--explain", help: "show every layer's worked formulas (W2 = (W - F + 2P)/S + 1 = ...)",
                         commands: [.analyze]) { options, _ throws(UsageError) in
            options.explain = true
        },
        OptionDefinition(long: "--depth", value: OptionValue(name: "N", kind: .text),
                         help: "a row per block use down to depth N, with its subtotals (0: the network as one row); paths such as bottleneck#2/CONV5 name rows",
                         commands: [.analyze]) { options, text throws(UsageError) in
            guard let depth = Int(text), depth >= 0, depth <= 64 else {
                throw UsageError(message: "'\(text)' is not a value for --depth",
                                 hint: "--depth takes a whole number from 0 (the network as one row) to 64")
            }
            options.depth = depth
        },
        OptionDefinition(long: "--summary", help: "the largest layers and each block's subtotal instead of every row",
                         commands: [.analyze]) { options, _ throws(UsageError) in
            options.summary = true
        },
        OptionDefinition(long: "--layout", value: .choosing("ORDER", ShapeLayout.self),
                         help: "the order of shapes, the spec's INPUT read in it too: whd (width x height x depth, the default), chw (PyTorch) or hwc (Keras, TensorFlow)",
                         commands: [.analyze]) { options, text throws(UsageError) in
            options.layout = try choice(text, "--layout", ShapeLayout.self)
        },
        OptionDefinition(long: "--batch", value: OptionValue(name: "N", kind: .text),
                         help: "images per batch (default 1, or the spec's @batch)",
                         commands: analyzeAndCheck) { options, text throws(UsageError) in
            guard let batch = Int(text), batch >= 1 else {
                throw UsageError(message: "'\(text)' is not a value for --batch",
                                 hint: "--batch takes a whole number of at least 1")
            }
            options.overrides.batch = batch
        },
        OptionDefinition(long: "--dtype", value: .choosing("TYPE", DataType.self),
                         help: "fp32 (default), fp16, bf16, fp64, int8",
                         commands: analyzeAndCheck) { options, text throws(UsageError) in
            options.overrides.dataType = try choice(text, "--dtype", DataType.self)
        },
        OptionDefinition(long: "--optimizer", value: .choosing("NAME", Optimizer.self),
                         help: "sgd, momentum (default), adam: state kept per parameter",
                         commands: analyzeAndCheck) { options, text throws(UsageError) in
            options.overrides.optimizer = try choice(text, "--optimizer", Optimizer.self)
        },
        OptionDefinition(long: "--memory", value: .choosing("MODEL", MemoryModel.self),
                         help: "notes (the CS231n notes' model, the default) or pytorch (what PyTorch keeps, the training and inference peaks); --fit uses pytorch unless given notes (docs/memory.md)",
                         commands: [.analyze]) { options, text throws(UsageError) in
            options.overrides.memory = try choice(text, "--memory", MemoryModel.self)
        },
        OptionDefinition(long: "--amp", help: "mixed precision: activations fp16, weights, gradients and optimizer state fp32 (--dtype fp16 is everything in fp16)",
                         commands: [.analyze]) { options, _ throws(UsageError) in
            options.overrides.amp = true
        },
        OptionDefinition(long: "--rounding", value: .choosing("MODE", Rounding.self),
                         help: "strict (default: sizes must fit), floor (PyTorch), ceil (PyTorch's ceil_mode), caffe (Caffe's pooling)",
                         commands: analyzeAndCheck) { options, text throws(UsageError) in
            options.overrides.rounding = try choice(text, "--rounding", Rounding.self)
        },
        OptionDefinition(long: "--strict", help: "warnings are errors (a PyTorch order, a Linear on an image, ...): exit status 1 and no numbers, for scripts",
                         commands: [.analyze]) { options, _ throws(UsageError) in
            options.strict = true
        },
    ]

    /// `netcalc check`.
    private static let grading: [OptionDefinition] = [
        OptionDefinition(long: "--format", value: .choosing("FORMAT", CheckFormat.self),
                         help: "text (default), json, csv (a gradebook, a row per student) or gradescope (the autograder's results.json for one sheet)",
                         commands: [.check]) { options, text throws(UsageError) in
            options.checkFormat = text.lowercased() == "table" ? .text : try choice(text, "--format", CheckFormat.self)
            options.formatGiven = true
        },
        OptionDefinition(long: "--key", value: OptionValue(name: "FILE", kind: .file),
                         help: "grade against a teacher's key: its networks, settings, questions, points and notes (without it, each sheet's own)",
                         commands: [.check]) { options, text throws(UsageError) in
            options.checkKey = text
        },
        OptionDefinition(long: "--no-follow-through",
                         help: "answers that follow from earlier wrong ones do not count (or @followthrough off in the sheet or key)",
                         commands: [.check]) { options, _ throws(UsageError) in
            options.noFollowThrough = true
        },
        OptionDefinition(long: "--hide-answers",
                         help: "text and gradescope: right or wrong and the mistake, never the right answer",
                         commands: [.check]) { options, _ throws(UsageError) in
            options.hideAnswers = true
        },
        OptionDefinition(long: "--visibility", value: .choosing("WHEN", GradescopeVisibility.self),
                         help: "with --format gradescope: when Gradescope shows the tests (hidden, after_due_date, after_published, visible)",
                         commands: [.check]) { options, text throws(UsageError) in
            options.visibility = try choice(text, "--visibility", GradescopeVisibility.self)
        },
        OptionDefinition(long: "--stdout-visibility", value: .choosing("WHEN", GradescopeVisibility.self),
                         help: "with --format gradescope: when Gradescope shows the autograder's output (hidden, after_due_date, after_published, visible)",
                         commands: [.check]) { options, text throws(UsageError) in
            options.stdoutVisibility = try choice(text, "--stdout-visibility", GradescopeVisibility.self)
        },
        OptionDefinition(long: "--feedback", value: OptionValue(name: "DIR", kind: .folder),
                         help: "a text file of verdicts per student in DIR, named by the student",
                         commands: [.check]) { options, text throws(UsageError) in
            guard !text.isEmpty else { throw UsageError(message: "--feedback needs a folder", hint: "--feedback feedback/") }
            options.feedbackFolder = text
        },
        OptionDefinition(long: "--units", value: OptionValue(name: "UNITS", kind: .choices(["1024", "1000"])),
                         help: "1024 or 1000: how KB, MB and GB in answers are read first (both are accepted; or @units)",
                         commands: [.check]) { options, text throws(UsageError) in
            guard let convention = ByteConvention.named(text) else {
                throw UsageError(message: "'\(text)' is not a value for --units",
                                 hint: "check's --units takes 1024 (KB, MB, GB as the notes write them) or 1000 (SI)")
            }
            options.checkUnits = convention
        },
        OptionDefinition(long: "--tolerance", value: OptionValue(name: "TOL", kind: .choices(["written", "5%"])),
                         help: "how close an approximate answer (3.2M, ~3M, 7.6e2) must be: written (the precision the student wrote) or a percentage such as 5% (or @tolerance)",
                         commands: [.check]) { options, text throws(UsageError) in
            guard let tolerance = Tolerance.named(text) else {
                throw UsageError(message: "'\(text)' is not a value for --tolerance",
                                 hint: "--tolerance takes written (the precision the student wrote) or a percentage up to 100%, such as 5%")
            }
            options.checkTolerance = tolerance
        },
    ]

    /// `netcalc quiz`.
    private static let quizzing: [OptionDefinition] = [
        OptionDefinition(long: "--seed", value: OptionValue(name: "N", kind: .text),
                         help: "the sheet's seed: the same seed gives the same sheet (default: a new one, printed)",
                         commands: [.quiz]) { options, text throws(UsageError) in
            options.seedGiven = true
            guard let seed = UInt64(text) else {
                throw UsageError(message: "'\(text)' is not a value for --seed", hint: "--seed takes a whole number")
            }
            options.quiz.seed = seed
        },
        OptionDefinition(long: "--template", value: .choosing("NAME", QuizTemplate.self),
                         help: "the network asked about: " + QuizTemplate.allCases.map(\.rawValue).joined(separator: ", ")
                             + " (default: any of the networks, chosen by the seed)",
                         commands: [.quiz]) { options, text throws(UsageError) in
            options.quiz.template = try choice(text, "--template", QuizTemplate.self)
        },
        OptionDefinition(long: "--layers", value: OptionValue(name: "N", kind: .text),
                         help: "layers after INPUT (1 to 50) for the random template, stages for the stages template",
                         commands: [.quiz]) { options, text throws(UsageError) in
            options.quiz.layers = try number(text, "--layers", in: 1...50)
        },
        OptionDefinition(long: "--level", value: OptionValue(name: "LEVEL", kind: .choices(["1", "2", "3"])),
                         help: "1: shapes and parameters (default); 2: also memory, bytes and MACs; 3: also weights, backward bytes, receptive fields and totals",
                         commands: [.quiz]) { options, text throws(UsageError) in
            options.quiz.level = try number(text, "--level", in: 1...3)
        },
        OptionDefinition(long: "--key", help: "print the sheet's answers (the key netcalc check --key grades against)",
                         commands: [.quiz]) { options, _ throws(UsageError) in
            options.quiz.key = true
        },
        OptionDefinition(long: "--format", value: .choosing("FORMAT", QuizFormat.self),
                         help: "spec (default: a sheet to fill in and check), markdown or html (a worksheet to hand out, blanks as lines; with --key, the answers)",
                         commands: [.quiz]) { options, text throws(UsageError) in
            options.quiz.format = try choice(text, "--format", QuizFormat.self)
            options.formatGiven = true
        },
    ]

    /// `netcalc fmt`.
    private static let formatting: [OptionDefinition] = [
        OptionDefinition(long: "--write", short: "-w", help: "rewrite each file that parses, in place",
                         commands: [.fmt]) { options, _ throws(UsageError) in
            options.write = true
        },
    ]

    /// Every command's.
    private static let common: [OptionDefinition] = [
        OptionDefinition(long: "--output", short: "-o", value: OptionValue(name: "FILE", kind: .file),
                         help: "write the output to FILE, whole or not at all (a new file renamed into place); - is standard output",
                         commands: everyCommand) { options, text throws(UsageError) in
            guard !text.isEmpty else { throw UsageError(message: "--output needs a file name", hint: "--output report.txt, or - for standard output") }
            options.output = text
        },
        OptionDefinition(long: "--color", value: .choosing("WHEN", ColorChoice.self),
                         help: "auto (default), always, never; NO_COLOR turns auto off",
                         commands: everyCommand, suggestedFor: ["--colour"]) { options, text throws(UsageError) in
            options.color = try choice(text, "--color", ColorChoice.self)
        },
        OptionDefinition(long: "--no-pager", help: "never page long output on a terminal (else $PAGER, or less -FRX)",
                         commands: everyCommand) { options, _ throws(UsageError) in
            options.noPager = true
        },
        OptionDefinition(long: "--help", short: "-h", help: "show this help (netcalc help COMMAND: a command's)",
                         commands: everyCommand, suggestedFor: ["-?", "-help"]) { options, _ throws(UsageError) in
            // `Options.parse` reads --help before it applies any option: the command's help is shown instead.
            _ = options
        },
        OptionDefinition(long: "--version", help: "show the version",
                         commands: everyCommand, suggestedFor: ["-v", "-V", "-version"]) { options, _ throws(UsageError) in
            // `Options.parse` reads --version before it applies any option.
            _ = options
        },
    ]
}
