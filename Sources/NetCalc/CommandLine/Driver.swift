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
    /// Reads all of standard input; called only when a spec is read from it.
    public var readStandardInput: @Sendable () -> [UInt8]
    public var standardInputIsTerminal = false
    public var standardOutputIsTerminal = false
    public var standardErrorIsTerminal = false
    public var environment: [String: String] = [:]
    /// Where relative file paths are read from; nil for the process's working directory.
    public var currentDirectory: String?

    public init(arguments: [String], standardInput: [UInt8] = []) {
        self.arguments = arguments
        self.readStandardInput = { standardInput }
    }
}

/// What a run printed, and its exit status.
public struct Outcome: Sendable {
    public var status: Int32
    /// What goes to standard output, as bytes: a million-layer table is not copied into a String.
    public var standardOutputBytes: [UInt8]
    public var standardError: String

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
    switch options.command {
    case .help:
        outcome.standardOutput = (options.helpTopic.map(Options.usage(of:)) ?? Options.usage) + "\n"
        return outcome
    case .version:
        outcome.standardOutput = "netcalc \(netcalcVersion)\n"
        return outcome
    case .quiz:
        outcome.standardOutput = QuizMaker(settings: options.quiz).render()
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
        || (options.color == .auto && invocation.environment["NO_COLOR"].map(\.isEmpty) ?? true)
    let colorOut = options.color == .always || (colorAllowed && invocation.standardOutputIsTerminal)
    let colorErr = options.color == .always || (colorAllowed && invocation.standardErrorIsTerminal)
    let renderer = DiagnosticRenderer(color: colorErr)

    if options.command == .fmt { return format(inputs, options: options, invocation: invocation, renderer: DiagnosticRenderer(color: colorErr)) }
    if options.write { return trouble("-w goes with netcalc fmt", hint: "netcalc fmt -w FILE") }
    if options.command == .check {
        return check(inputs, options: options, invocation: invocation, colorOut: colorOut, renderer: renderer)
    }

    var networks: [NetworkReport] = []
    var diagnostics: [Diagnostic] = []
    var standardInputUsed = false
    var expressionsRead = 0
    for input in inputs {
        let raw: (name: String, bytes: [UInt8])
        switch loadBytes(input, invocation: invocation, standardInputUsed: &standardInputUsed,
                         expressionsRead: &expressionsRead) {
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
            let (imported, importDiagnostics) = importModel(raw.name, raw.bytes, format: inputFormat, overrides: options.overrides)
            if let imported { networks.append(imported) }
            diagnostics.append(contentsOf: importDiagnostics.items)
            outcome.standardError += renderer.render(importDiagnostics)
            if importDiagnostics.hasErrors { outcome.status = max(outcome.status, 1) }
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
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (found, analysisDiagnostics) = Analyzer(spec: syntax, overrides: options.overrides,
                                                   syntaxErrors: parser.diagnostics.hasErrors).analyze()
        var list = parser.diagnostics
        list.append(contentsOf: analysisDiagnostics)
        let sorted = list.items.enumerated().sorted { a, b in
            let (x, y) = (a.element.range?.start ?? -1, b.element.range?.start ?? -1)
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        // A file with an error gives no numbers: a broken line changes what the rest of it means.
        if !list.hasErrors { networks.append(contentsOf: found) }
        // Every error is counted; the first hundred of a file are shown, which is plenty to act on.
        let shown = sorted.prefix(maximumDiagnosticsShown)
        diagnostics.append(contentsOf: shown)
        for diagnostic in shown { outcome.standardError += renderer.render(diagnostic) }
        if sorted.count > shown.count {
            outcome.standardError += "\(file.name): \(sorted.count - shown.count) more errors not shown (netcalc shows the first \(maximumDiagnosticsShown) of a file)\n"
        }
        if list.hasErrors { outcome.status = max(outcome.status, 1) }
    }
    let fit = options.fit.map { (size: $0, inference: options.inference) }
    if let fit, networks.contains(where: { FitPlanner(network: $0).plan(fit.size, inference: fit.inference).batch == 0 }) {
        outcome.status = max(outcome.status, 1)  // like diff: the answer to "does it fit?" is no
    }
    for index in networks.indices { networks[index].layout = options.layout }
    switch options.emit {
    case .pytorch?:
        outcome.standardOutput = PyTorchEmitter().render(networks)
        return outcome
    case .spec?:
        let (text, problems) = SpecEmitter().render(networks)
        outcome.standardOutput = text
        outcome.standardError += renderer.render(problems)
        if problems.hasErrors { outcome.status = max(outcome.status, 1) }
        return outcome
    case nil:
        break
    }
    // --depth: block uses folded into one row each; the totals stay the whole network's.
    if let depth = options.depth { networks = networks.map { $0.folded(toDepth: depth) } }
    if options.summary {
        var summary = SummaryRenderer(units: options.units)
        summary.fit = fit
        outcome.standardOutput = summary.render(networks)
        return outcome
    }
    switch options.format {
    case .json:
        outcome.standardOutputBytes = JSONRenderer(fit: fit).render(networks, diagnostics: diagnostics, explain: options.explain)
    case .csv:
        outcome.standardOutput = CSVRenderer(columns: options.columns ?? Column.csvDefault).render(networks)
    case .markdown:
        outcome.standardOutput = MarkdownRenderer(columns: options.columns ?? Column.tableDefault, units: options.units,
                                                  fit: fit).render(networks)
    case .dot:
        outcome.standardOutput = DotRenderer().render(networks)
    case .table:
        var table = TableRenderer(color: colorOut, explain: options.explain, units: options.units)
        table.columns = options.columns ?? Column.tableDefault
        table.fit = fit
        table.maxWidth = invocation.environment["COLUMNS"].flatMap(Int.init).flatMap { $0 >= 20 ? $0 : nil }
        outcome.standardOutputBytes = table.renderBytes(networks)
    }
    return outcome
}

/// `netcalc fmt`: prints each spec in canonical form, or with `-w` rewrites each file that parses,
/// atomically (a temporary file renamed over it), so that a failed run leaves the file as it was.
private func format(_ inputs: [InputSource], options: Options, invocation: Invocation,
                    renderer: DiagnosticRenderer) -> Outcome {
    var outcome = Outcome(status: 0, standardOutput: "", standardError: "")
    var standardInputUsed = false
    for input in inputs {
        let file: SourceFile
        switch load(input, invocation: invocation, standardInputUsed: &standardInputUsed) {
        case .success(let loaded): file = loaded
        case .failure(.trouble(let message)):
            outcome.standardError += "netcalc: error: \(message)\n"
            outcome.status = max(outcome.status, 2)
            continue
        case .failure(.invalid(let list)):
            outcome.standardError += renderer.render(list)
            outcome.status = max(outcome.status, 1)
            continue
        }
        var parser = Parser(file: file)
        let syntax = parser.parse()
        guard !parser.diagnostics.hasErrors else {
            outcome.standardError += renderer.render(parser.diagnostics)
            if options.write { outcome.standardError += "\(file.name): not rewritten: it does not parse\n" }
            outcome.status = max(outcome.status, 1)
            continue
        }
        let text = SpecFormatter(syntax: syntax, comments: parser.comments).format()
        guard options.write, case .file(let path) = input else {
            outcome.standardOutput += text
            continue
        }
        var fullPath = path
        if let directory = invocation.currentDirectory, !path.hasPrefix("/") { fullPath = directory + "/" + path }
        if let problem = writeAtomically(Array(text.utf8), to: fullPath) {
            outcome.standardError += "netcalc: error: cannot rewrite '\(path)': \(problem)\n"
            outcome.status = max(outcome.status, 2)
        }
    }
    return outcome
}

/// Writes a file by writing a temporary file beside it and renaming it over the original, keeping the
/// original's permissions; returns why it could not, or nil.
func writeAtomically(_ bytes: [UInt8], to path: String) -> String? {
    let temporary = path + ".netcalc-\(getpid()).tmp"
    var mode: mode_t = 0o644
    var status = stat()
    if stat(path, &status) == 0 { mode = status.st_mode & 0o7777 }
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
    guard descriptor >= 0 else { return String(cString: strerror(errno)) }
    var offset = 0
    var failure: String?
    bytes.withUnsafeBytes { buffer in
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                return
            }
            offset += written
        }
    }
    if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    close(descriptor)
    if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
    if failure != nil { unlink(temporary) }
    return failure
}

/// Why an input could not become a source file.
private enum LoadFailure: Error {
    /// The file cannot be read at all (exit status 2).
    case trouble(String)
    /// It was read but is not valid text (exit status 1).
    case invalid(DiagnosticList)
}

/// Reads a Caffe or ONNX model and analyzes its graph.
func importModel(_ name: String, _ bytes: [UInt8], format: InputFormat,
                 overrides: SettingsOverride) -> (NetworkReport?, DiagnosticList) {
    let file: SourceFile
    let network: ImportedNetwork
    do throws(ImportFailure) {
        switch format {
        case .prototxt:
            switch SourceFile.load(name: name, bytes: bytes) {
            case .success(let text): file = text
            case .failure(let list): return (nil, list)
            }
            network = try CaffeReader(file: file).read()
        case .onnx:
            file = SourceFile(name: name, text: "")
            network = try ONNXReader.read(bytes, fileName: name)
        case .spec:
            return (nil, DiagnosticList())
        }
    } catch {
        return (nil, error.diagnostics)
    }
    return GraphAnalyzer(network: network, file: file, overrides: overrides).analyze()
}

/// Reads an input's bytes and the name diagnostics show for it, or says why it cannot.
func loadBytes(_ input: InputSource, invocation: Invocation, standardInputUsed: inout Bool,
               expressionsRead: inout Int) -> Result<(name: String, bytes: [UInt8]), TroubleMessage> {
    switch input {
    case .expression(let text):
        // Several -e networks get distinct names: expr, expr-2, ...
        expressionsRead += 1
        return .success((expressionsRead == 1 ? "<expr>" : "<expr-\(expressionsRead)>", Array(text.utf8)))
    case .standardInput:
        if standardInputUsed { return .failure(TroubleMessage("standard input can be read only once")) }
        standardInputUsed = true
        return .success(("<stdin>", invocation.readStandardInput()))
    case .file(let path):
        var fullPath = path
        if let directory = invocation.currentDirectory, !path.hasPrefix("/") { fullPath = directory + "/" + path }
        switch readFile(fullPath, shownAs: path) {
        case .success(let read): return .success((path, read))
        case .failure(let error): return .failure(TroubleMessage(error.message))
        }
    }
}

/// A reason to exit with status 2, as a message.
struct TroubleMessage: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

private func load(_ input: InputSource, invocation: Invocation,
                  standardInputUsed: inout Bool) -> Result<SourceFile, LoadFailure> {
    let name: String
    let bytes: [UInt8]
    switch input {
    case .expression(let text):
        name = "<expr>"
        bytes = Array(text.utf8)
    case .standardInput:
        if standardInputUsed { return .failure(.trouble("standard input can be read only once")) }
        standardInputUsed = true
        name = "<stdin>"
        bytes = invocation.readStandardInput()
    case .file(let path):
        name = path
        var fullPath = path
        if let directory = invocation.currentDirectory, !path.hasPrefix("/") { fullPath = directory + "/" + path }
        switch readFile(fullPath, shownAs: path) {
        case .success(let read): bytes = read
        case .failure(let error): return .failure(.trouble(error.message))
        }
    }
    return SourceFile.load(name: name, bytes: bytes).mapError { .invalid($0) }
}

/// Why a file could not be read.
struct ReadError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The most diagnostics shown for one file.
let maximumDiagnosticsShown = 100

/// The most bytes a spec file may have.
let maximumSpecBytes = 64 << 20

/// Reads a whole file with POSIX calls, naming the reason when it cannot.
func readFile(_ fullPath: String, shownAs path: String) -> Result<[UInt8], ReadError> {
    let descriptor = open(fullPath, O_RDONLY)
    guard descriptor >= 0 else { return .failure(ReadError("cannot read '\(path)': \(String(cString: strerror(errno)))")) }
    defer { close(descriptor) }
    var status = stat()
    if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
        return .failure(ReadError("'\(path)' is a directory, not a spec file"))
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            return .failure(ReadError("cannot read '\(path)': \(String(cString: strerror(errno)))"))
        }
        if count == 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
        if bytes.count > maximumSpecBytes {
            return .failure(ReadError("'\(path)' is larger than \(maximumSpecBytes >> 20) MiB, the most netcalc reads"))
        }
    }
    return .success(bytes)
}

private func trouble(_ message: String, hint: String? = nil) -> Outcome {
    Outcome(status: 2, standardOutput: "",
            standardError: "netcalc: error: \(message)\n" + (hint.map { "hint: \($0)\n" } ?? ""))
}

/// Runs netcalc as a process: real arguments, standard streams and environment. Returns the exit status.
public func main(arguments: [String] = CommandLine.arguments) -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    var environment: [String: String] = [:]
    if let value = getenv("NO_COLOR") { environment["NO_COLOR"] = String(cString: value) }
    if let value = getenv("COLUMNS") {
        environment["COLUMNS"] = String(cString: value)
    } else if isatty(1) != 0 {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { environment["COLUMNS"] = "\(size.ws_col)" }
    }
    var invocation = Invocation(arguments: Array(arguments.dropFirst()))
    invocation.readStandardInput = {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= maximumSpecBytes {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return bytes
    }
    invocation.standardInputIsTerminal = isatty(0) != 0
    invocation.standardOutputIsTerminal = isatty(1) != 0
    invocation.standardErrorIsTerminal = isatty(2) != 0
    invocation.environment = environment
    let outcome = run(invocation)
    writeAll(1, outcome.standardOutputBytes)
    writeAll(2, outcome.standardError)
    return outcome.status
}

/// Writes all of a string to a file descriptor; a closed pipe ends the writing quietly.
private func writeAll(_ descriptor: Int32, _ text: String) {
    writeAll(descriptor, Array(text.utf8))
}

/// Writes all bytes to a file descriptor; a closed pipe ends the writing quietly.
private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
