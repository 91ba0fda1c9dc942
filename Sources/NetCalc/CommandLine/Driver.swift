#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The version `--version` prints.
let netcalcVersion = "0.1.0"

/// One run of netcalc, with its inputs given as values so that tests can run it in-process.
public struct Invocation: Sendable {
    /// The arguments after the program name.
    public var arguments: [String]
    /// Reads all of standard input, or says why it cannot; called only when a spec is read from it.
    public var readStandardInput: @Sendable () -> Result<[UInt8], ReadError>
    public var standardInputIsTerminal = false
    public var standardOutputIsTerminal = false
    public var standardErrorIsTerminal = false
    public var environment: [String: String] = [:]
    /// Where relative file paths are read from; nil for the process's working directory.
    public var currentDirectory: String?
    /// Where long output is written as it is made (standard output, when it is not a terminal); nil to
    /// return all of it in the outcome.
    public var standardOutputDescriptor: Int32?
    /// True when standard input is the process's own (descriptor 0): it is then read by its kind, as a
    /// file is (a model in a file mapped), rather than through `readStandardInput`.
    var readsProcessStandardInput = false
    /// The bytes of each argument that is not UTF-8, by the text `arguments` holds for it (`caf\xE9.net`):
    /// a file of such a name is opened by them.
    var pathBytes: [String: [UInt8]] = [:]
    /// The time in nanoseconds since a fixed moment, for Gradescope's `execution_time` (tests give a
    /// fixed one, so that results.json is the same on every run).
    var clock: @Sendable () -> UInt64 = monotonicNanoseconds

    public init(arguments: [String], standardInput: [UInt8] = []) {
        self.arguments = arguments
        self.readStandardInput = { .success(standardInput) }
    }
}

/// What a run printed, and its exit status.
public struct Outcome: Sendable {
    public var status: Int32
    /// What goes to standard output, as bytes: a million-layer table is not copied into a String.
    public var standardOutputBytes: [UInt8]
    public var standardError: String
    /// True for text a person reads (a table, check's verdicts, help): on a terminal, long output of
    /// it goes through the pager, as git does. Off for code, JSON, CSV and with `--no-pager`.
    public var pageable = false
    /// How writing the output streamed to `Invocation.standardOutputDescriptor` went; nil when none was.
    var streamResult: WriteResult?
    /// True when some output was streamed already (`standardOutputBytes` holds the rest).
    var streamedAnything = false

    public init(status: Int32, standardOutput: String, standardError: String) {
        self.status = status
        self.standardOutputBytes = Array(standardOutput.utf8)
        self.standardError = standardError
    }

    /// Standard output as text.
    public var standardOutput: String {
        get { String(decoding: standardOutputBytes, as: UTF8.self) }
        set { standardOutputBytes = Array(newValue.utf8) }
    }
}

/// Runs netcalc: parses the command line, reads every spec, analyzes, renders.
public func run(_ invocation: Invocation) -> Outcome {
    var outcome = Outcome(status: 0, standardOutput: "", standardError: "")
    let options: Options
    switch Options.parse(invocation.arguments) {
    case .success(let parsed): options = parsed
    case .failure(let error):
        outcome.standardError = "netcalc: error: \(error.message)\n" + (error.hint.map { "hint: \($0)\n" } ?? "")
        outcome.status = 2
        return outcome
    }
    guard let path = options.output, path != "-" else { return perform(options, invocation) }
    // --output FILE: the output is made whole, then written to the file whole or not at all.
    var whole = invocation
    whole.standardOutputDescriptor = nil
    return writeOutput(perform(options, whole), to: path, invocation: invocation)
}

/// Writes a run's standard output to `--output`'s file. A run that failed (status 2), or found errors
/// and printed nothing, leaves the file as it was, and says so.
private func writeOutput(_ made: Outcome, to path: String, invocation: Invocation) -> Outcome {
    var outcome = made
    outcome.standardOutputBytes = []
    outcome.pageable = false
    if made.status >= 2 || (made.status == 1 && made.standardOutputBytes.isEmpty) {
        outcome.standardError += "netcalc: '\(visible(path))' is left as it was: "
            + (made.status >= 2 ? "the run failed\n" : "there was nothing to write\n")
        return outcome
    }
    if invocation.pathBytes[path] != nil {
        outcome.standardError += "netcalc: error: cannot write '\(visible(path))': --output takes a name in UTF-8\n"
        outcome.status = 2
        return outcome
    }
    if let problem = FileRewrite.writeOutput(made.standardOutputBytes, to: fullPath(path, invocation: invocation)) {
        outcome.standardError += "netcalc: error: cannot write '\(visible(path))': \(problem)\n"
        outcome.status = 2
    }
    return outcome
}

/// Runs a parsed command line.
private func perform(_ options: Options, _ invocation: Invocation) -> Outcome {
    var outcome = Outcome(status: 0, standardOutput: "", standardError: "")
    outcome.pageable = !options.noPager && options.emit == nil && (options.format == .table || options.command == .help)
    switch options.command {
    case .help:
        let width = invocation.environment["COLUMNS"].flatMap(Int.init).flatMap { $0 >= 20 ? $0 : nil }
        switch options.helpTopic {
        case nil: outcome.standardOutput = HelpText.main(width: width)
        case .command(let command)?: outcome.standardOutput = HelpText.usage(of: command, width: width)
        case .layers?: outcome.standardOutput = wrappedLines(LayerReference.overview(), width: width)
        case .layer(let word)?:
            // The parser found the entry; a reference that loses it meanwhile says so rather than print nothing.
            guard let entry = LayerReference.entry(named: word) else { return trouble("no help for '\(word)'") }
            outcome.standardOutput = wrappedLines(entry, width: width)
        }
        return outcome
    case .version:
        outcome.standardOutput = "netcalc \(netcalcVersion)\n"
        return outcome
    case .completions:
        outcome.pageable = false
        outcome.standardOutput = options.completionShell.map { CompletionScript(shell: $0).render() } ?? ""
        return outcome
    case .man:
        outcome.pageable = false
        outcome.standardOutput = ManPage.render()
        return outcome
    case .quiz:
        // Without --seed, a fresh sheet each time. A student's sheet does not name its seed (that would
        // print its key), so the seed drawn goes to standard error, for the teacher; a key names it.
        var settings = options.quiz
        if !options.seedGiven {
            settings.seed = UInt64.random(in: 1...999_999)
            if !settings.key {
                outcome.standardError = "netcalc: quiz seed \(settings.seed); its key: \(QuizMaker(settings: settings).command(key: true))\n"
            }
        }
        outcome.standardOutput = QuizMaker(settings: settings).render()
        outcome.pageable = outcome.pageable && options.quiz.format == .spec  // a worksheet goes to a file
        return outcome
    case .check, .analyze, .fmt:
        break
    }
    if options.inference && options.fit == nil {
        return trouble("--inference goes with --fit", hint: "netcalc --fit 12GiB --inference FILE")
    }

    var inputs = options.inputs
    if inputs.isEmpty {
        if invocation.standardInputIsTerminal {
            return trouble("no spec given", hint: "netcalc FILE, netcalc -e 'INPUT[32x32x3] -> ...', or pipe a spec in; netcalc --help for more")
        }
        inputs = [.standardInput]
    }

    let colorAllowed = options.color == .always
        || (options.color == .auto && invocation.environment["NO_COLOR"].map(\.isEmpty) ?? true
            && invocation.environment["TERM"] != "dumb")
    let colorOut = options.color == .always || (colorAllowed && invocation.standardOutputIsTerminal)
    let colorErr = options.color == .always || (colorAllowed && invocation.standardErrorIsTerminal)
    let glyphs = Glyphs(environment: invocation.environment)  // ASCII bars under TERM=dumb or LC_ALL=C
    // Text wraps to the terminal's width (COLUMNS, which main() sets from a terminal); a pipe is not wrapped.
    let width = invocation.environment["COLUMNS"].flatMap(Int.init).flatMap { $0 >= 20 ? $0 : nil }
    var renderer = DiagnosticRenderer(color: colorErr)
    renderer.width = width

    if options.command == .fmt { return format(inputs, options: options, invocation: invocation, renderer: DiagnosticRenderer(color: colorErr)) }
    if options.command == .check {
        return check(inputs, options: options, invocation: invocation, colorOut: colorOut, renderer: renderer)
    }

    var networks: [NetworkReport] = []
    /// Each spec file's block definitions, by the file's name: `--emit pytorch` writes a class for each.
    var definitions: [String: [String: BlockDefinition]] = [:]
    var diagnostics: [Diagnostic] = []
    var standardInputUsed = false
    var expressionsRead = 0
    for input in inputs {
        let raw: LoadedInput
        switch loadBytes(input, invocation: invocation, standardInputUsed: &standardInputUsed,
                         expressionsRead: &expressionsRead, format: options.inputFormat) {
        case .success(let loaded): raw = loaded
        case .failure(let trouble):
            outcome.standardError += "netcalc: error: \(trouble.message)\n"
            diagnostics.append(Diagnostic(.error, trouble.message))  // JSON's errors list names it too
            outcome.status = max(outcome.status, 2)
            continue
        }
        let inputFormat = options.inputFormat ?? input.path.flatMap(InputFormat.byExtension)
            ?? (input == .standardInput || input.path != nil ? InputFormat.sniff(raw.bytes) : .spec)
        if inputFormat != .spec {
            switch importModel(raw.name, raw.bytes, model: raw.model, format: inputFormat, overrides: options.overrides) {
            case .analyzed(let imported, let found):
                let warnings = options.strict ? found.strict() : found
                // Under --strict a warning is an error: the model gives no numbers.
                if !(options.strict && warnings.hasErrors) { networks.append(imported) }
                diagnostics.append(contentsOf: firstDiagnostics(warnings, of: raw.name, renderer: renderer, into: &outcome))
                // A partial analysis's totals are not the model's: like an error, it is not a clean answer.
                if warnings.hasErrors || !imported.leftOut.isEmpty { outcome.status = max(outcome.status, 1) }
            case .failed(let failure):
                // Never silent: a failure holds at least one error (ImportFailure).
                diagnostics.append(contentsOf: firstDiagnostics(failure.diagnostics, of: raw.name, renderer: renderer, into: &outcome))
                outcome.status = max(outcome.status, 1)
            }
            continue
        }
        if options.overrides.inputShape != nil {
            outcome.standardError += renderer.render(Diagnostic(.error, "--input-shape sets a Caffe model's input; the spec \(raw.name) gives its own INPUT[...]"))
            outcome.status = max(outcome.status, 2)
            continue
        }
        let file: SourceFile
        switch SourceFile.load(name: raw.name, bytes: raw.bytes).mapError({ LoadFailure.invalid($0) }) {
        case .success(let loaded):
            file = loaded
        case .failure(.trouble(let message)):
            outcome.standardError += "netcalc: error: \(message)\n"
            outcome.status = max(outcome.status, 2)
            continue
        case .failure(.invalid(let list)):
            diagnostics.append(contentsOf: list.items)
            outcome.standardError += renderer.render(list)
            outcome.status = max(outcome.status, 1)
            continue
        }
        // --layout names the order shapes are written in: the output's, and the spec's INPUT's.
        var overrides = options.overrides
        overrides.inputLayout = options.layout
        let (found, analyzed) = Analyzer.analyze(file, overrides: overrides)
        let list = options.strict ? analyzed.strict() : analyzed
        let sorted = list.items.enumerated().sorted { a, b in
            let (x, y) = (a.element.range?.start ?? -1, b.element.range?.start ?? -1)
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        // A file with an error gives no numbers: a broken line changes what the rest of it means.
        if !list.hasErrors {
            networks.append(contentsOf: found.map(\.report))
            if let first = found.first { definitions[file.name] = first.source.definitions }
        }
        // Every error is counted; the first hundred of a file are shown, which is plenty to act on.
        let shown = sorted.prefix(maximumDiagnosticsShown)
        diagnostics.append(contentsOf: shown)
        for diagnostic in shown { outcome.standardError += renderer.render(diagnostic) }
        if list.dropped > 0 || list.isFull {
            outcome.standardError += "\(visible(file.name)): more errors not shown (netcalc shows the first \(maximumDiagnosticsShown) of a file and stops looking after \(DiagnosticList.limit))\n"
        } else if sorted.count > shown.count {
            outcome.standardError += "\(visible(file.name)): \(sorted.count - shown.count) more errors not shown (netcalc shows the first \(maximumDiagnosticsShown) of a file)\n"
        }
        if list.hasErrors { outcome.status = max(outcome.status, 1) }
    }
    let fit = options.fit.map { (size: $0, inference: options.inference) }
    if let fit, networks.contains(where: { FitPlanner(network: $0).plan(fit.size, inference: fit.inference).batch == 0 }) {
        outcome.status = max(outcome.status, 1)  // like diff: the answer to "does it fit?" is no
    }
    // The long outputs are streamed as they are made; the rest is written whole by the caller.
    let sink = invocation.standardOutputDescriptor.map(OutputSink.init(descriptor:))
    var buffer = TextBuffer(sink: sink)
    render(networks, definitions: definitions, options: options, fit: fit, diagnostics: diagnostics, colorOut: colorOut, width: width,
           terminal: invocation.standardOutputIsTerminal, glyphs: glyphs, renderer: renderer,
           into: &buffer, outcome: &outcome)
    outcome.standardOutputBytes = buffer.bytes
    outcome.streamResult = sink?.result
    outcome.streamedAnything = sink?.wroteAnything ?? false
    return outcome
}

/// Writes the networks in the output the options ask for into `buffer`; problems of `--emit spec` go to
/// the outcome's standard error and status. `terminal`: standard output is a terminal (CSV is then shown
/// `visible`).
private func render(_ networks: [NetworkReport], definitions: [String: [String: BlockDefinition]], options: Options, fit: (size: MemorySize, inference: Bool)?,
                    diagnostics: [Diagnostic], colorOut: Bool, width: Int?, terminal: Bool, glyphs: Glyphs,
                    renderer: DiagnosticRenderer,
                    into buffer: inout TextBuffer, outcome: inout Outcome) {
    switch options.emit {
    case .pytorch?:
        PyTorchEmitter().render(networks, definitions: definitions, into: &buffer)
        return
    case .spec?:
        let problems = SpecEmitter().render(networks, into: &buffer)
        outcome.standardError += renderer.render(problems)
        if problems.hasErrors { outcome.status = max(outcome.status, 1) }
        return
    case nil:
        break
    }
    // --depth: block uses folded into one row each; the totals stay the whole network's.
    let networks = options.depth.map { depth in networks.map { $0.folded(toDepth: depth) } } ?? networks
    if options.summary {
        var summary = SummaryRenderer(units: options.units)
        summary.fit = fit
        summary.layout = options.layout
        buffer.append(wrappedLines(summary.render(networks), width: width))
        return
    }
    switch options.format {
    case .json:
        JSONRenderer(fit: fit, layout: options.layout).render(networks, diagnostics: diagnostics, explain: options.explain,
                                                             into: &buffer)
    case .csv:
        CSVRenderer(columns: options.columns ?? Column.defaults(Column.csvDefault, for: networks), layout: options.layout,
                    visibly: terminal)
            .render(networks, into: &buffer)
    case .markdown:
        MarkdownRenderer(columns: options.columns ?? Column.defaults(Column.tableDefault, for: networks), units: options.units, fit: fit,
                         layout: options.layout).render(networks, into: &buffer)
    case .dot:
        DotRenderer().render(networks, into: &buffer)
    case .svg:
        buffer.append(SVGRenderer(units: options.units, foldsToFit: options.depth == nil).render(networks))
    case .html:
        buffer.append(HTMLRenderer(columns: options.columns ?? Column.defaults(Column.tableDefault, for: networks), units: options.units, fit: fit,
                                   layout: options.layout).render(networks, diagnostics: diagnostics))
    case .table:
        var table = TableRenderer(color: colorOut, explain: options.explain, units: options.units)
        table.columns = options.columns ?? Column.defaults(Column.tableDefault, for: networks)
        table.fit = fit
        table.layout = options.layout
        table.maxWidth = width
        table.glyphs = glyphs
        table.render(networks, into: &buffer)
    }
}

/// Renders the first `maximumDiagnosticsShown` diagnostics of a model file into the outcome's standard
/// error, with the note the spec path writes when there are more; returns those shown (JSON lists them).
private func firstDiagnostics(_ list: DiagnosticList, of name: String, renderer: DiagnosticRenderer,
                              into outcome: inout Outcome) -> [Diagnostic] {
    let shown = Array(list.items.prefix(maximumDiagnosticsShown))
    for diagnostic in shown { outcome.standardError += renderer.render(diagnostic) }
    if list.dropped > 0 || list.isFull {
        outcome.standardError += "\(visible(name)): more errors not shown (netcalc shows the first \(maximumDiagnosticsShown) of a file and stops looking after \(DiagnosticList.limit))\n"
    } else if list.items.count > shown.count {
        outcome.standardError += "\(visible(name)): \(list.items.count - shown.count) more errors not shown (netcalc shows the first \(maximumDiagnosticsShown) of a file)\n"
    }
    return shown
}

/// Reads a Caffe or ONNX model and analyzes its graph: its network, or at least one error.
func importModel(_ name: String, _ bytes: [UInt8], model: ModelBytes? = nil, format: InputFormat,
                 overrides: SettingsOverride) -> ModelAnalysis {
    let file: SourceFile
    let network: ImportedNetwork
    do throws(ImportFailure) {
        switch format {
        case .prototxt:
            switch SourceFile.load(name: name, bytes: bytes) {
            case .success(let text): file = text
            case .failure(let list): return .failed(ImportFailure(diagnostics: list))
            }
            network = try CaffeReader(file: file, inputShape: overrides.inputShape).read()
        case .onnx:
            if overrides.inputShape != nil {
                return .failed(ImportFailure(Diagnostic(.error, "--input-shape sets a Caffe prototxt's input; an ONNX file's is in the file",
                                                        in: SourceFile(binaryNamed: name))))
            }
            file = SourceFile(binaryNamed: name)
            network = try ONNXReader.read(model ?? ModelBytes(bytes), fileName: name)
        case .spec:
            return .failed(ImportFailure(Diagnostic(.error, "\(name) is a spec, not a model file", at: nil, in: nil,
                                                    hint: "this is netcalc's fault: please report it")))
        }
    } catch {
        return .failed(error)
    }
    return GraphAnalyzer(network: network, file: file, overrides: overrides).analyze()
}

private func trouble(_ message: String, hint: String? = nil) -> Outcome {
    Outcome(status: 2, standardOutput: "",
            standardError: "netcalc: error: \(message)\n" + (hint.map { "hint: \($0)\n" } ?? ""))
}

/// Runs netcalc as a process: real arguments, standard streams and environment. Returns the exit status.
public func main(arguments: [String] = CommandLine.arguments) -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    signal(SIGXFSZ, SIG_IGN)  // a file size limit makes writes fail with EFBIG, reported, not a silent kill
    var environment: [String: String] = [:]
    for name in ["NO_COLOR", "TERM", "PAGER", "LC_ALL", "LC_CTYPE", "LANG"] {
        if let value = getenv(name) { environment[name] = String(cString: value) }
    }
    if let value = getenv("COLUMNS") {
        environment["COLUMNS"] = String(cString: value)
    } else if isatty(1) != 0 {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { environment["COLUMNS"] = "\(size.ws_col)" }
    }
    var invocation = Invocation(arguments: Array(arguments.dropFirst()))
    if arguments == CommandLine.arguments {
        // The arguments as the process got them: a file name need not be UTF-8.
        let raw = (1..<Int(CommandLine.argc)).compactMap { index in
            CommandLine.unsafeArgv[index].map { Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self),
                                                                         count: strlen($0))) }
        }
        (invocation.arguments, invocation.pathBytes) = processArguments(raw)
    }
    // A terminal gets the output whole, for the pager; anywhere else it is written as it is made.
    if isatty(1) == 0 { invocation.standardOutputDescriptor = 1 }
    invocation.readStandardInput = { readAll(0, shownAs: standardInputName, modelsUpTo: maximumModelBytes) }
    invocation.readsProcessStandardInput = true
    invocation.standardInputIsTerminal = isatty(0) != 0
    invocation.standardOutputIsTerminal = isatty(1) != 0
    invocation.standardErrorIsTerminal = isatty(2) != 0
    invocation.environment = environment
    let outcome = run(invocation)
    if outcome.pageable, isatty(1) != 0, page(outcome.standardOutputBytes, environment: environment) {
        var shown = outcome
        shown.standardOutputBytes = []  // the pager showed it
        return deliver(shown, closing: true)
    }
    return deliver(outcome, closing: true)
}

/// Shows output longer than the terminal through `$PAGER` (else `less -FRX`); false when it is short
/// or no pager runs, and the caller writes it itself.
private func page(_ bytes: [UInt8], environment: [String: String]) -> Bool {
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return false }
    let lines = bytes.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    guard lines >= Int(size.ws_row) else { return false }
    let command = environment["PAGER"] ?? "less -FRX"
    guard !command.trimmingSpaces().isEmpty, command != "cat" else { return false }
    guard let pipe = popen(command, "w") else { return false }
    _ = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, pipe) }
    // A pager the reader quits early has read less: not an error. One that could not start (127)
    // leaves the output to be written plainly.
    return pclose(pipe) != 127 << 8
}
