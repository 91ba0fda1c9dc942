/// The command line: what each option means, and how the arguments become `Options`.

/// Where a spec comes from.
enum InputSource: Equatable, Sendable {
    case file(String)
    case standardInput
    /// The text of a `-e` option.
    case expression(String)

    /// The file's path, for a file.
    var path: String? {
        switch self {
        case .file(let path): return path
        case .standardInput, .expression: return nil
        }
    }
}

/// The output formats.
enum OutputFormat: String, CaseIterable, Sendable {
    case table, json, csv, markdown, dot, svg, html
}

/// What `netcalc check` writes.
enum CheckFormat: String, CaseIterable, Sendable {
    /// The verdicts as text (for several sheets, a line per sheet and the class's summary).
    case text
    case json
    /// A gradebook: a row per sheet, a column per question.
    case csv
    /// Gradescope's autograder `results.json`.
    case gradescope
}

/// When Gradescope shows students a test or the autograder's output (its `visibility` and
/// `stdout_visibility` fields).
enum GradescopeVisibility: String, CaseIterable, Sendable {
    case hidden
    case afterDueDate = "after_due_date"
    case afterPublished = "after_published"
    case visible
}

/// Code that `--emit` writes instead of a report.
enum EmitTarget: String, CaseIterable, Sendable {
    case pytorch, spec
}

/// When to colour output.
enum ColorChoice: String, CaseIterable, Sendable {
    case auto, always, never
}

/// A parsed command line.
struct Options: Sendable {
    enum Command: Equatable, Sendable { case analyze, check, quiz, fmt, help, version }

    var command = Command.analyze
    var format = OutputFormat.table
    var explain = false
    var fit: MemorySize?
    /// `--inference`: `--fit` sizes the inference peak instead of training.
    var inference = false
    var units = ByteUnits.iec
    var columns: [Column]?
    var emit: EmitTarget?
    /// `--input-format`: how to read every input, instead of by its extension or content.
    var inputFormat: InputFormat?
    var color = ColorChoice.auto
    var overrides = SettingsOverride()
    var inputs: [InputSource] = []
    var quiz = QuizSettings()
    /// `fmt -w`: rewrite the files in place.
    var write = false
    /// `netcalc help COMMAND`: the command whose usage to show.
    var helpTopic: Command?
    /// `--no-pager`: never page long output on a terminal.
    var noPager = false
    /// `--strict`: a warning about a spec or model is an error (exit status 1, no numbers), for scripts.
    var strict = false
    /// True when `--seed` was given; a quiz without one draws a seed and prints it in its header.
    var seedGiven = false
    /// `--depth N`: rows for block uses down to depth N, each with the subtotal of what it holds.
    var depth: Int?
    /// `--summary`: the largest layers and the blocks' subtotals instead of every row.
    var summary = false
    /// `--layout`: the order shapes are written in.
    var layout = ShapeLayout.whd
    /// `netcalc check --format`.
    var checkFormat = CheckFormat.text
    /// `netcalc check --key FILE`: a teacher's answer key to grade the sheets against.
    var checkKey: String?
    /// `netcalc check --no-follow-through`: answers that follow from earlier wrong ones do not count.
    var noFollowThrough = false
    /// `netcalc check --units 1024|1000`: how KB, MB and GB are read first (the other sense is accepted).
    var checkUnits: ByteConvention?
    /// `netcalc check --tolerance 5%|written`: how close an approximate answer must be.
    var checkTolerance: Tolerance?
    /// `netcalc check --visibility`: when Gradescope shows the tests.
    var visibility: GradescopeVisibility?
    /// `netcalc check --stdout-visibility`: when Gradescope shows the autograder's output.
    var stdoutVisibility: GradescopeVisibility?
    /// `netcalc check --hide-answers`: verdicts without the right answers or the formulas that give them.
    var hideAnswers = false
    /// `netcalc check --feedback DIR`: a text file of verdicts per sheet, named by its student.
    var feedbackFolder: String?
}

/// A command line that cannot be run: a message, and advice.
struct UsageError: Error, Equatable {
    var message: String
    var hint: String?
}

extension Options {
    static let usage = """
        netcalc: sizes, parameters, MACs and memory of convolutional networks, layer by layer, exactly

        usage: netcalc [options] [FILE ...]     analyze specs, Caffe .prototxt or .onnx models; no FILE,
                                                or "-", reads standard input
               netcalc -e 'INPUT[32x32x3] -> CONV(12,3,p1) -> RELU -> POOL(2) -> FC(10)'
               netcalc check [options] FILE ...  grade the answers written in a spec (several: a class)
               netcalc quiz [--seed N] [--template T] [--level 1|2|3] [--key]   make an exercise sheet
               netcalc fmt [-w] FILE ...          print specs in canonical form; -w rewrites them in place

        options:
          -e, --expr SPEC        analyze SPEC given on the command line (may be repeated)
          --format FORMAT        table (default), json, csv, markdown, dot (a Graphviz graph),
                                 svg (the architecture figure) or html (one self-contained page)
          --columns LIST         choose and order the columns of table, csv and markdown output,
                                 from: index, layer, op, output, memory, mem%, bytes, bwdbytes,
                                 params, params%, weights, biases, nontrainable, macs, rf, spec,
                                 path (e.g. --columns layer,output,params)
          --units iec|si         byte figures in KiB, MiB, GiB (default) or KB, MB, GB
          --fit SIZE             the largest batch whose training memory fits in SIZE (12GiB, 16GB,
                                 80G = 80GiB, 24000MiB); with --inference, the inference peak
          --emit pytorch         print a runnable PyTorch module of the spec instead of a report
          --emit spec            print the network as a netcalc spec (for a Caffe or ONNX model)
          --input-format FMT     spec, prototxt or onnx (default: by the file's extension, or by
                                 its content on standard input)
          --input-shape N,C,H,W  a Caffe model's input dims, batch first, for a file that does
                                 not give them (a data layer) or sizes them at run time
          --explain              show every layer's worked formulas (W2 = (W - F + 2P)/S + 1 = ...)
          --depth N              a row per block use down to depth N, with its subtotals (0: the
                                 network as one row); paths such as bottleneck#2/CONV5 name rows
          --summary              the largest layers and each block's subtotal instead of every row
          --layout ORDER         shapes as whd (width x height x depth, the default), chw (PyTorch)
                                 or hwc (Keras, TensorFlow)
          --batch N              images per batch (default 1, or the spec's @batch)
          --dtype TYPE           fp32 (default), fp16, bf16, fp64, int8
          --optimizer NAME       sgd, momentum (default), adam: state kept per parameter
          --memory MODEL         notes (the CS231n notes' model, the default) or pytorch (what
                                 PyTorch keeps, the training and inference peaks); --fit uses
                                 pytorch unless given notes (docs/memory.md)
          --amp                  mixed precision: activations fp16, weights, gradients and
                                 optimizer state fp32 (--dtype fp16 is everything in fp16)
          --rounding MODE        strict (default: sizes must fit), floor (PyTorch), ceil (PyTorch's
                                 ceil_mode), caffe (Caffe's pooling)
          --color WHEN           auto (default), always, never; NO_COLOR turns auto off
          --strict               warnings are errors (a PyTorch order, a Linear on an image, ...):
                                 exit status 1 and no numbers, for scripts
          -h, --help             show this help
          --version              show the version

        exit status: 0 all well, 1 errors in a spec, 2 trouble (a bad option, an unreadable file)
        the spec language and how each number is counted: README.md; example specs: specs/
        """

    /// The usage of one command, for `netcalc help COMMAND`.
    static func usage(of command: Command) -> String {
        switch command {
        case .check:
            return """
                usage: netcalc check [options] FILE ...
                grades the answers written in braces after layers and merges ({55x55x96, params: 34944})
                and after a network (total {...}): right, wrong (with the worked formula and the mistake
                named), follow-through (wrong only because an earlier answer was), unanswered. `points: N`
                in an answer sets its weight. Several files: a line per sheet and the class's summary.
                options: --format text|json|csv|gradescope (csv: a gradebook, a row per student;
                         gradescope: the autograder's results.json for one sheet), --key KEY.net (grade
                         against a teacher's key: its networks, settings, questions, points and notes;
                         without it, each sheet's own), --no-follow-through (or @followthrough off in the
                         sheet or key), --hide-answers (text and gradescope: right or wrong and the mistake,
                         never the right answer), --visibility WHEN and --stdout-visibility WHEN
                         (gradescope: hidden, after_due_date, after_published, visible), --feedback DIR (a
                         text file of verdicts per student), --units 1024|1000 (how KB, MB, GB are
                         read first; both are accepted, or @units), --tolerance 5%|written (for 3.2M,
                         ~3M, 7.6e2; or @tolerance), --batch N,
                         --dtype TYPE, --optimizer NAME, --rounding MODE, --color WHEN, -e SPEC
                exit status: 0 every answer right, 1 a wrong answer or a spec error, 2 trouble
                """
        case .quiz:
            return """
                usage: netcalc quiz [--seed N] [--template T] [--layers N] [--level 1|2|3] [--key] [--format F]
                prints an exercise sheet: a network a course would show, with blank answers (or, with --key,
                the answers), which netcalc check grades; the same seed gives the same sheet.
                templates: \(QuizTemplate.allCases.map(\.rawValue).joined(separator: ", "))
                           (default: any of the networks, chosen by the seed)
                --format spec (default: a sheet to fill in and check), markdown or html (a worksheet to
                hand out, blanks as lines; with --key, the answers)
                """
        case .fmt:
            return """
                usage: netcalc fmt [-w] FILE ...
                prints each spec in canonical form (keywords in upper case, arguments in a fixed order),
                keeping every comment and answer; -w rewrites each file that parses, in place.
                """
        case .analyze, .help, .version:
            return usage
        }
    }

    /// Every option: whether it takes a value, and the commands it applies to (help and version
    /// take any option, and ignore it).
    static let optionTable: [String: (takesValue: Bool, commands: Set<Command>)] = {
        let analyzeAndCheck: Set<Command> = [.analyze, .check]
        var table: [String: (Bool, Set<Command>)] = [
            "--format": (true, [.analyze, .check, .quiz]), "--batch": (true, analyzeAndCheck),
            "--dtype": (true, analyzeAndCheck), "--optimizer": (true, analyzeAndCheck),
            "--rounding": (true, analyzeAndCheck), "--expr": (true, analyzeAndCheck),
            "--fit": (true, [.analyze]), "--inference": (false, [.analyze]), "--units": (true, [.analyze, .check]), "--tolerance": (true, [.check]),
            "--memory": (true, [.analyze]), "--amp": (false, [.analyze]),
            "--columns": (true, [.analyze]), "--emit": (true, [.analyze]), "--explain": (false, [.analyze]),
            "--input-format": (true, [.analyze]), "--depth": (true, [.analyze]), "--summary": (false, [.analyze]),
            "--layout": (true, [.analyze]), "--input-shape": (true, [.analyze]), "--strict": (false, [.analyze]),
            "--seed": (true, [.quiz]), "--layers": (true, [.quiz]), "--level": (true, [.quiz]), "--key": (false, [.quiz, .check]),
            "--template": (true, [.quiz]), "--no-follow-through": (false, [.check]),
            "--visibility": (true, [.check]), "--stdout-visibility": (true, [.check]),
            "--hide-answers": (false, [.check]), "--feedback": (true, [.check]),
            "--write": (false, [.fmt]),
        ]
        for name in ["--color", "--help", "--version", "--no-pager"] {
            table[name] = (name == "--color", [.analyze, .check, .quiz, .fmt])
        }
        return table
    }()

    /// Options that may be given more than once.
    static let repeatable: Set<String> = ["--expr"]

    /// The words that name a command: `netcalc check ...`; `help` and `help COMMAND` show usage.
    static let commandWords: [String: Command] = ["check": .check, "quiz": .quiz, "fmt": .fmt, "help": .help]

    /// Parses the arguments after the program name.
    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var options = Options()
        var index = 0
        var onlyFiles = false
        var given: [String] = []
        var commandWord: String?
        var formatText: String?
        // `--key` is a flag for quiz and takes the key's file for check, wherever the command is written.
        let checking = arguments.prefix { $0 != "--" }.first { commandWords[$0] != nil } == "check"

        func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ option: String, _: T.Type) throws(UsageError) -> T
            where T.RawValue == String {
            if let result = T(rawValue: value.lowercased()) { return result }
            let allowed = T.allCases.map(\.rawValue)
            throw UsageError(message: "'\(value)' is not a value for \(option)",
                             hint: didYouMean(value, allowed) ?? "\(option) takes \(allowed.joined(separator: ", "))")
        }

        do throws(UsageError) {
            while index < arguments.count {
                let argument = arguments[index]
                index += 1
                if onlyFiles || argument == "-" || !argument.hasPrefix("-") {
                    // The first word that names a command is the command, wherever the options put it.
                    if !onlyFiles, commandWord == nil, options.inputs.isEmpty, let command = commandWords[argument] {
                        commandWord = argument
                        options.command = command
                        continue
                    }
                    if options.command == .help {
                        guard options.helpTopic == nil, let topic = commandWords[argument], topic != .help else {
                            throw UsageError(message: "no help for '\(argument)'", hint: "netcalc help check, quiz or fmt")
                        }
                        options.helpTopic = topic
                        continue
                    }
                    options.inputs.append(argument == "-" && !onlyFiles ? .standardInput : .file(argument))
                    continue
                }
                if argument == "--" { onlyFiles = true; continue }
                var name = argument
                var value: String?
                if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                    name = String(argument[..<equals])
                    value = String(argument[argument.index(after: equals)...])
                }
                if name == "-e" { name = "--expr" }
                if name == "-h" { name = "--help" }
                if name == "-w" { name = "--write" }
                guard let option = optionTable[name] else {
                    throw UsageError(message: "unknown option '\(argument)'",
                                     hint: didYouMean(name, Array(optionTable.keys).sorted() + ["-e"])
                                         ?? "netcalc --help lists the options")
                }
                if option.takesValue || (name == "--key" && checking) {
                    if value == nil {
                        guard index < arguments.count else {
                            throw UsageError(message: "\(name) needs a value", hint: nil)
                        }
                        value = arguments[index]
                        index += 1
                    }
                } else if value != nil {
                    throw UsageError(message: "\(name) takes no value", hint: nil)
                }
                if given.contains(name), !repeatable.contains(name) {
                    throw UsageError(message: "\(name) is given twice", hint: "give each option once")
                }
                given.append(name)
                let text = value ?? ""
                switch name {
                case "--help": options.command = .help
                case "--version": options.command = .version
                case "--explain": options.explain = true
                case "--expr": options.inputs.append(.expression(text))
                case "--format": formatText = text  // its values depend on the command
                case "--dtype":
                    if given.contains("--amp") {
                        throw UsageError(message: "--amp and --dtype cannot be given together",
                                         hint: "--amp is fp16 activations with fp32 weights; --dtype fp16 is everything in fp16")
                    }
                    options.overrides.dataType = try choice(text, name, DataType.self)
                case "--optimizer": options.overrides.optimizer = try choice(text, name, Optimizer.self)
                case "--rounding": options.overrides.rounding = try choice(text, name, Rounding.self)
                case "--color": options.color = try choice(text, name, ColorChoice.self)
                case "--fit":
                    if !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "_" || $0 == "," || $0 == "." }) {
                        throw UsageError(message: "'\(text)' is not a memory size: it has no unit",
                                         hint: "\(text)GiB? sizes take a unit: GiB, GB, MiB, ... (a bare G means GiB)")
                    }
                    guard let size = MemorySize.parse(text) else {
                        throw UsageError(message: "'\(text)' is not a memory size",
                                         hint: "write a size such as 12GiB, 16GB, 80G (= 80GiB) or 24000MiB")
                    }
                    options.fit = size
                case "--inference": options.inference = true
                case "--memory": options.overrides.memory = try choice(text, name, MemoryModel.self)
                case "--amp":
                    if given.contains("--dtype") || options.overrides.dataType != nil {
                        throw UsageError(message: "--amp and --dtype cannot be given together",
                                         hint: "--amp is fp16 activations with fp32 weights; --dtype fp16 is everything in fp16")
                    }
                    options.overrides.amp = true
                case "--units" where checking:
                    guard let convention = ByteConvention.named(text) else {
                        throw UsageError(message: "'\(text)' is not a value for --units",
                                         hint: "check's --units takes 1024 (KB, MB, GB as the notes write them) or 1000 (SI)")
                    }
                    options.checkUnits = convention
                case "--units": options.units = try choice(text, name, ByteUnits.self)
                case "--tolerance":
                    guard let tolerance = Tolerance.named(text) else {
                        throw UsageError(message: "'\(text)' is not a value for --tolerance",
                                         hint: "--tolerance takes written (the precision the student wrote) or a percentage up to 100%, such as 5%")
                    }
                    options.checkTolerance = tolerance
                case "--emit": options.emit = try choice(text, name, EmitTarget.self)
                case "--input-format": options.inputFormat = try choice(text, name, InputFormat.self)
                case "--columns":
                    switch Column.list(text) {
                    case .success(let columns): options.columns = columns
                    case .failure(let error): throw error
                    }
                case "--key":
                    if checking { options.checkKey = text } else { options.quiz.key = true }
                case "--no-follow-through": options.noFollowThrough = true
                case "--visibility": options.visibility = try choice(text, name, GradescopeVisibility.self)
                case "--stdout-visibility": options.stdoutVisibility = try choice(text, name, GradescopeVisibility.self)
                case "--hide-answers": options.hideAnswers = true
                case "--feedback":
                    guard !text.isEmpty else { throw UsageError(message: "--feedback needs a folder", hint: "--feedback feedback/") }
                    options.feedbackFolder = text
                case "--template": options.quiz.template = try choice(text, name, QuizTemplate.self)
                case "--write": options.write = true
                case "--no-pager": options.noPager = true
                case "--strict": options.strict = true
                case "--summary": options.summary = true
                case "--layout": options.layout = try choice(text, name, ShapeLayout.self)
                case "--depth":
                    guard let depth = Int(text), depth >= 0, depth <= 64 else {
                        throw UsageError(message: "'\(text)' is not a value for --depth",
                                         hint: "--depth takes a whole number from 0 (the network as one row) to 64")
                    }
                    options.depth = depth
                case "--seed":
                    options.seedGiven = true
                    guard let seed = UInt64(text) else {
                        throw UsageError(message: "'\(text)' is not a value for --seed", hint: "--seed takes a whole number")
                    }
                    options.quiz.seed = seed
                case "--layers", "--level":
                    let range = name == "--layers" ? 1...50 : 1...3
                    guard let number = Int(text), range.contains(number) else {
                        throw UsageError(message: "'\(text)' is not a value for \(name)",
                                         hint: "\(name) takes a whole number from \(range.lowerBound) to \(range.upperBound)")
                    }
                    if name == "--layers" { options.quiz.layers = number } else { options.quiz.level = number }
                case "--input-shape":
                    let dims = text.split(separator: ",", omittingEmptySubsequences: false).map { Int(String($0.filter { $0 != " " })) }
                    guard (2...5).contains(dims.count), dims.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                        throw UsageError(message: "'\(text)' is not a value for --input-shape",
                                         hint: "--input-shape takes two to five positive whole numbers, batch first: 1,3,360,480")
                    }
                    options.overrides.inputShape = dims.compactMap { $0 }
                case "--batch":
                    guard let batch = Int(text), batch >= 1 else {
                        throw UsageError(message: "'\(text)' is not a value for --batch",
                                         hint: "--batch takes a whole number of at least 1")
                    }
                    options.overrides.batch = batch
                default: break
                }
            }
            if let formatText {
                switch options.command {
                case .check:
                    options.checkFormat = formatText.lowercased() == "table" ? .text : try choice(formatText, "--format", CheckFormat.self)
                case .quiz: options.quiz.format = try choice(formatText, "--format", QuizFormat.self)
                case .help, .version: break
                case .analyze, .fmt:
                    if CheckFormat(rawValue: formatText.lowercased()) == .gradescope {
                        throw UsageError(message: "--format gradescope goes with netcalc check",
                                         hint: "netcalc check --format gradescope SHEET.net writes Gradescope's results.json")
                    }
                    options.format = try choice(formatText, "--format", OutputFormat.self)
                }
            }
            try options.checkApplicable(given)
        } catch {
            return .failure(error)
        }
        return .success(options)
    }

    /// Rejects options that mean nothing for the command, naming it.
    private func checkApplicable(_ given: [String]) throws(UsageError) {
        guard command != .help, command != .version else { return }
        let commandName: String
        switch command {
        case .analyze: commandName = "analyzing a network"
        case .check: commandName = "netcalc check"
        case .quiz: commandName = "netcalc quiz"
        case .fmt: commandName = "netcalc fmt"
        case .help, .version: commandName = ""
        }
        for name in given {
            guard let option = Self.optionTable[name], !option.commands.contains(command) else { continue }
            let owners = option.commands.compactMap { owner -> String? in
                switch owner {
                case .analyze: return "analyzing (netcalc FILE)"
                case .check: return "netcalc check"
                case .quiz: return "netcalc quiz"
                case .fmt: return "netcalc fmt"
                case .help, .version: return nil
                }
            }.sorted()
            throw UsageError(message: "\(name) does not apply to \(commandName)",
                             hint: "\(name) goes with " + owners.joined(separator: " and "))
        }
        if explain, format != .table, format != .json {
            throw UsageError(message: "--explain goes with the table or json, not \(format.rawValue)",
                             hint: "the worked formulas are lines of text: in the table, or an explain array per layer in JSON")
        }
        if summary, format != .table {
            throw UsageError(message: "--summary is a text view; it does not go with --format \(format.rawValue)",
                             hint: "for scripts, --depth 1 --format \(format.rawValue) gives the blocks' subtotals")
        }
        for name in ["--visibility", "--stdout-visibility"] where given.contains(name) && checkFormat != .gradescope {
            throw UsageError(message: "\(name) is a Gradescope setting; it goes with --format gradescope",
                             hint: "netcalc check --format gradescope \(name) after_due_date SHEET.net")
        }
        if hideAnswers, checkFormat == .json || checkFormat == .csv {
            throw UsageError(message: "--hide-answers goes with the text or gradescope output, not \(checkFormat.rawValue)",
                             hint: "the JSON and the gradebook are the teacher's; students see the text, feedback files and Gradescope's tests")
        }
        if emit != nil, given.contains("--format") {
            throw UsageError(message: "--emit writes code instead of a report, so --format means nothing with it",
                             hint: "leave out --format")
        }
    }
}
