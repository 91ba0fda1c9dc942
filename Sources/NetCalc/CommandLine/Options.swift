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
               netcalc check [options] FILE ...  grade the answers written in a spec
               netcalc quiz [--seed N] [--layers N] [--level 1|2|3] [--key]   make an exercise sheet
               netcalc fmt [-w] FILE ...          print specs in canonical form; -w rewrites them in place

        options:
          -e, --expr SPEC        analyze SPEC given on the command line (may be repeated)
          --format FORMAT        table (default), json, csv, markdown, dot (a Graphviz graph),
                                 svg (the architecture figure) or html (one self-contained page)
          --columns LIST         choose and order the columns of table, csv and markdown output:
                                 index,layer,op,output,memory,mem%,bytes,bwdbytes,params,params%,
                                 weights,biases,nontrainable,macs,rf,spec
          --units iec|si         byte figures in KiB, MiB, GiB (default) or KB, MB, GB
          --fit SIZE             the largest batch whose training memory fits in SIZE (12GiB, 16GB,
                                 80G = 80GiB, 24000MiB); with --inference, the inference peak
          --emit pytorch         print a runnable PyTorch module of the spec instead of a report
          --emit spec            print the network as a netcalc spec (for a Caffe or ONNX model)
          --input-format FMT     spec, prototxt or onnx (default: by the file's extension, or by
                                 its content on standard input)
          --explain              show every layer's worked formulas (W2 = (W - F + 2P)/S + 1 = ...)
          --batch N              images per batch (default 1, or the spec's @batch)
          --dtype TYPE           fp32 (default), fp16, bf16, fp64, int8
          --optimizer NAME       sgd, momentum (default), adam: state kept per parameter
          --rounding MODE        strict (default: sizes must fit), floor (PyTorch), ceil (PyTorch's
                                 ceil_mode), caffe (Caffe's pooling)
          --color WHEN           auto (default), always, never; NO_COLOR turns auto off
          -h, --help             show this help
          --version              show the version

        exit status: 0 all well, 1 errors in a spec, 2 trouble (a bad option, an unreadable file)
        the spec language and how each number is counted: README.md; example specs: specs/
        """

    /// Parses the arguments after the program name.
    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var options = Options()
        var index = 0
        var onlyFiles = false
        let valueOptions = ["--format", "--batch", "--dtype", "--optimizer", "--rounding", "--color", "--fit", "--expr",
                            "--seed", "--layers", "--level", "--units", "--columns", "--emit", "--input-format"]
        let flagOptions = ["--help", "--version", "--explain", "--key", "--inference", "--write"]

        func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ option: String, _: T.Type) throws(UsageError) -> T
            where T.RawValue == String {
            if let result = T(rawValue: value.lowercased()) { return result }
            let allowed = T.allCases.map(\.rawValue)
            throw UsageError(message: "'\(value)' is not a value for \(option)",
                             hint: didYouMean(value, allowed) ?? "\(option) takes \(allowed.joined(separator: ", "))")
        }

        do throws(UsageError) {
            if let first = arguments.first, ["check", "quiz", "fmt"].contains(first) {
                options.command = first == "check" ? .check : first == "quiz" ? .quiz : .fmt
                index = 1
            }
            while index < arguments.count {
                let argument = arguments[index]
                index += 1
                if onlyFiles || argument == "-" || !argument.hasPrefix("-") {
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
                if valueOptions.contains(name) {
                    if value == nil {
                        guard index < arguments.count else {
                            throw UsageError(message: "\(name) needs a value", hint: nil)
                        }
                        value = arguments[index]
                        index += 1
                    }
                } else if flagOptions.contains(name) {
                    if value != nil { throw UsageError(message: "\(name) takes no value", hint: nil) }
                } else {
                    throw UsageError(message: "unknown option '\(argument)'",
                                     hint: didYouMean(name, valueOptions + flagOptions + ["-e"])
                                         ?? "netcalc --help lists the options")
                }
                let text = value ?? ""
                switch name {
                case "--help": options.command = .help
                case "--version": options.command = .version
                case "--explain": options.explain = true
                case "--expr": options.inputs.append(.expression(text))
                case "--format": options.format = try choice(text, name, OutputFormat.self)
                case "--dtype": options.overrides.dataType = try choice(text, name, DataType.self)
                case "--optimizer": options.overrides.optimizer = try choice(text, name, Optimizer.self)
                case "--rounding": options.overrides.rounding = try choice(text, name, Rounding.self)
                case "--color": options.color = try choice(text, name, ColorChoice.self)
                case "--fit":
                    guard let size = MemorySize.parse(text) else {
                        throw UsageError(message: "'\(text)' is not a memory size",
                                         hint: "write a size such as 12GiB, 16GB, 80G (= 80GiB) or 24000MiB")
                    }
                    options.fit = size
                case "--inference": options.inference = true
                case "--units": options.units = try choice(text, name, ByteUnits.self)
                case "--emit": options.emit = try choice(text, name, EmitTarget.self)
                case "--input-format": options.inputFormat = try choice(text, name, InputFormat.self)
                case "--columns":
                    switch Column.list(text) {
                    case .success(let columns): options.columns = columns
                    case .failure(let error): throw error
                    }
                case "--key": options.quiz.key = true
                case "--write": options.write = true
                case "--seed":
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
                case "--batch":
                    guard let batch = Int(text), batch >= 1 else {
                        throw UsageError(message: "'\(text)' is not a value for --batch",
                                         hint: "--batch takes a whole number of at least 1")
                    }
                    options.overrides.batch = batch
                default: break
                }
            }
        } catch {
            return .failure(error)
        }
        return .success(options)
    }
}
