#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `netcalc check`: reads each sheet (and a teacher's key), grades it, and writes the verdicts, a
/// class's summary, a CSV gradebook or Gradescope's results.json, and with `--feedback` a file of
/// verdicts per student.

/// Runs `netcalc check` on the inputs.
func check(_ inputs: [InputSource], options: Options, invocation: Invocation, colorOut: Bool,
           renderer: DiagnosticRenderer) -> Outcome {
    let started = invocation.clock()
    var outcome = Outcome(status: 0, standardOutput: "", standardError: "")
    var gradescope = GradescopeSettings(visibility: options.visibility, stdoutVisibility: options.stdoutVisibility,
                                        hideAnswers: options.hideAnswers)
    // Text pages and wraps on a terminal, as analysis does; JSON, CSV and Gradescope's file do not.
    outcome.pageable = !options.noPager && options.checkFormat == .text
    let width = invocation.environment["COLUMNS"].flatMap(Int.init).flatMap { $0 >= 20 ? $0 : nil }
    var diagnostics: [Diagnostic] = []
    var key: AnswerKeySheet?
    if let path = options.checkKey {
        switch readKey(path, options: options, invocation: invocation) {
        case .success(let (read, warnings)):
            key = read
            outcome.standardError += renderer.render(warnings)
            for wrong in read.wrongAnswers {
                outcome.standardError += renderer.render(Diagnostic(
                    .warning, "the key's answer \(wrong.answer) for \(wrong.layer) \(wrong.key.rawValue) is not netcalc's \(wrong.expected)",
                    at: wrong.range, in: wrong.file, hint: "sheets are graded against netcalc's value; the key gives the questions and points"))
            }
        case .failure(let trouble):
            // Rendered as any diagnostics are (they were one line of `^J`s: the rendered text went through
            // a ReadError, which shows line breaks visibly).
            outcome.standardError += renderer.render(trouble.diagnostics)
                + renderer.render(Diagnostic(.error, trouble.message, hint: trouble.hint))
            outcome.status = 2
            if options.checkFormat == .gradescope {
                // Gradescope shows the student this, not an empty file; the key's text (its answers) stays out.
                gradescope.executionTime = seconds(since: started, invocation: invocation)
                outcome.standardOutput = CheckRenderer().gradescopeFailure(
                    "The autograder cannot grade: \(trouble.message). Tell the course staff.", maxScore: 0, settings: gradescope)
            }
            return outcome
        }
    }
    // Gradescope's result is one student's: a submission of several sheets is not graded as one.
    if options.checkFormat == .gradescope, inputs.count != 1 {
        let names = inputs.map { $0.path ?? ($0 == .standardInput ? "<stdin>" : "-e") }
        let message = "This submission has \(inputs.count) sheets (\(names.joined(separator: ", "))); "
            + "the autograder grades exactly one. Submit your answers as one .net file."
        outcome.standardError += "netcalc: error: --format gradescope grades one sheet; \(inputs.count) were given\n"
        gradescope.executionTime = seconds(since: started, invocation: invocation)
        let maxScore = key.map { Score($0.unansweredVerdicts(countsFollowThrough: !options.noFollowThrough)).maxPoints } ?? 0
        outcome.standardOutput = CheckRenderer().gradescopeFailure(message, maxScore: maxScore, settings: gradescope)
        outcome.status = max(outcome.status, 1)
        return outcome
    }
    var sheets: [GradedSheet] = []
    var standardInputUsed = false
    var expressionsRead = 0
    // A sheet named twice (`a.net ./a.net`, a link to it) is graded once: the class would count it twice.
    var sheetsSeen: [SheetIdentity: String] = [:]
    for input in inputs {
        if case .file(let path) = input {
            let identity = SheetIdentity(path, invocation: invocation)
            if let first = sheetsSeen[identity] {
                let note = Diagnostic(.note, "\(path) is the sheet \(first) again; it is graded once")
                outcome.standardError += renderer.render(note)
                diagnostics.append(note)
                continue
            }
            sheetsSeen[identity] = path
        }
        let raw: LoadedInput
        switch loadBytes(input, invocation: invocation, standardInputUsed: &standardInputUsed, expressionsRead: &expressionsRead) {
        case .success(let loaded): raw = loaded
        case .failure(let trouble):
            outcome.standardError += "netcalc: error: \(trouble.message)\n"
            diagnostics.append(Diagnostic(.error, trouble.message))
            sheets.append(GradedSheet(name: input.path ?? "<stdin>", verdicts: key?.unansweredVerdicts(countsFollowThrough: !options.noFollowThrough) ?? [],
                                      errors: [Diagnostic(.error, trouble.message)]))
            outcome.status = max(outcome.status, 2)
            continue
        }
        let inputFormat = options.inputFormat ?? input.path.flatMap(InputFormat.byExtension)
            ?? (input == .standardInput || input.path != nil ? InputFormat.sniff(raw.bytes) : .spec)
        if inputFormat != .spec {
            let message = "check grades specs; \(visible(raw.name)) is a \(inputFormat.rawValue) model"
            outcome.standardError += "netcalc: error: \(message)\n"
                + "hint: write it as a spec with netcalc --emit spec \(visible(raw.name)), then add answers\n"
            sheets.append(GradedSheet(name: raw.name, verdicts: key?.unansweredVerdicts(countsFollowThrough: !options.noFollowThrough) ?? [],
                                      errors: [Diagnostic(.error, message)]))
            outcome.status = max(outcome.status, 2)
            continue
        }
        let file: SourceFile
        switch SourceFile.load(name: raw.name, bytes: raw.bytes) {
        case .success(let loaded): file = loaded
        case .failure(let list):
            diagnostics.append(contentsOf: list.items)
            outcome.standardError += renderer.render(list)
            sheets.append(GradedSheet(name: raw.name, verdicts: key?.unansweredVerdicts(countsFollowThrough: !options.noFollowThrough) ?? [],
                                      errors: list.items.filter { $0.severity == .error }))
            outcome.status = max(outcome.status, 1)
            continue
        }
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (found, analysisDiagnostics) = Analyzer(spec: syntax, overrides: options.overrides,
                                                   syntaxErrors: parser.diagnostics.hasErrors, checkMode: true).analyze()
        var list = parser.diagnostics
        list.append(contentsOf: analysisDiagnostics)
        var checker = Checker(file: file, syntax: syntax)
        // Follow-through counts unless the teacher says not: on the command line, in the key, or (without
        // a key) in the sheet.
        checker.countsFollowThrough = !options.noFollowThrough
            && (key.map { $0.followThrough != false } ?? (checker.followThroughDirective != false))
        // KB/MB/GB's preferred sense and an approximate answer's tolerance: the option, the key, the sheet.
        checker.units = options.checkUnits ?? key.map { $0.units ?? .binary } ?? checker.unitsDirective ?? .binary
        checker.tolerance = options.checkTolerance ?? key.map { $0.tolerance ?? .written } ?? checker.toleranceDirective ?? .written
        let (graded, answerDiagnostics) = key.map { checker.grade(found, against: $0) } ?? checker.grade(found)
        list.append(contentsOf: answerDiagnostics)
        if graded.isEmpty && !list.hasErrors {
            list.append(Diagnostic(.error, "there are no answers to check", at: SourceRange(0, 0), in: file,
                                   hint: "write answers in braces after a layer: CONV(96,11,s4) {55x55x96, params: 34944}"))
        }
        let sorted = list.items.enumerated().sorted { a, b in
            let (x, y) = (a.element.range?.start ?? -1, b.element.range?.start ?? -1)
            return x != y ? x < y : a.offset < b.offset
        }.map(\.element)
        let shown = sorted.prefix(maximumDiagnosticsShown)
        diagnostics.append(contentsOf: shown)
        for diagnostic in shown { outcome.standardError += renderer.render(diagnostic) }
        if list.dropped > 0 || list.isFull {
            outcome.standardError += "\(visible(file.name)): more errors not shown (netcalc shows the first \(maximumDiagnosticsShown) of a file and stops looking after \(DiagnosticList.limit))\n"
        } else if sorted.count > shown.count {
            outcome.standardError += "\(visible(file.name)): \(sorted.count - shown.count) more errors not shown (netcalc shows the first \(maximumDiagnosticsShown) of a file)\n"
        }
        if list.hasErrors { outcome.status = max(outcome.status, 1) }
        sheets.append(GradedSheet(name: file.name, verdicts: graded, errors: sorted.filter { $0.severity == .error }))
    }
    let report = CheckRenderer(color: colorOut)
    switch options.checkFormat {
    case .text:
        // Without a key, the first line says what the grades rest on: a teacher must not take them for a key's.
        let withoutKey = key == nil ? CheckRenderer.withoutKeyLine(sheets: sheets.count) + "\n" : ""
        outcome.standardOutput = wrappedLines(withoutKey + (sheets.count > 1 ? report.classReport(sheets)
                                                            : report.text(sheets.flatMap(\.verdicts), hideAnswers: options.hideAnswers)),
                                              width: width)
    case .json:
        outcome.standardOutput = report.json(sheets, diagnostics: diagnostics)
    case .csv:
        outcome.standardOutput = report.gradebook(sheets, visibly: invocation.standardOutputIsTerminal)
    case .gradescope:
        let plain = DiagnosticRenderer(color: false)
        gradescope.executionTime = seconds(since: started, invocation: invocation)
        let sheet = sheets.first ?? GradedSheet(name: "", verdicts: [])
        outcome.standardOutput = report.gradescope(sheet, diagnostics: diagnostics.map { plain.render($0) }.joined(), settings: gradescope)
    }
    if let folder = options.feedbackFolder {
        let plain = CheckRenderer()
        let texts = sheets.map { sheet in
            "netcalc check: \(visible(sheet.name))\n\n" + sheet.errors.map { DiagnosticRenderer(color: false).render($0) }.joined()
                + plain.text(sheet.verdicts, hideAnswers: options.hideAnswers)
        }
        let names = StudentID.fileNames(StudentID.ids(sheets.map(\.name)), suffix: ".txt")
        if let trouble = writeFeedback(folder, zip(names, texts).map { ($0, $1) }, invocation: invocation) {
            outcome.standardError += "netcalc: error: \(trouble)\n"
            outcome.status = 2
        }
    }
    if sheets.contains(where: { $0.verdicts.contains { !$0.earns } }) { outcome.status = max(outcome.status, 1) }
    return outcome
}

/// Whole seconds since `started` (by the invocation's clock), rounded to the nearest.
private func seconds(since started: UInt64, invocation: Invocation) -> Int {
    let now = invocation.clock()
    let elapsed = now >= started ? now - started : 0
    return Int(clamping: (elapsed / 500_000_000 + 1) / 2)
}

/// The time in nanoseconds by the monotonic clock (never set back).
@Sendable func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(clamping: time.tv_sec) &* 1_000_000_000 &+ UInt64(clamping: time.tv_nsec)
}

/// Writes each feedback file (a name made by `StudentID.fileNames`, and its text) into `folder`,
/// which is made if it is missing (with the folders above it); returns what went wrong, or nil. An
/// existing file of the name is replaced (a class is graded again after a fix); a link in its place
/// is not followed.
private func writeFeedback(_ folder: String, _ files: [(String, String)], invocation: Invocation) -> String? {
    let full = fullPath(folder, invocation: invocation)
    // The folder and any folders above it that are missing, as `mkdir -p` makes them.
    var path = full.hasPrefix("/") ? "" : "."
    for component in full.split(separator: "/") {
        path += "/" + component
        if mkdir(path, 0o755) != 0, errno != EEXIST {
            return "cannot make the feedback folder '\(visible(folder))': \(errorText(errno))"
        }
    }
    for (name, text) in files {
        let shown = visible(folder.hasSuffix("/") ? folder + name : folder + "/" + name)
        let descriptor = open(full + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return "cannot write the feedback file '\(shown)': \(errorText(errno))" }
        let result = writeAll(descriptor, Array(text.utf8))
        let closed = close(descriptor) == 0 ? nil : errno
        switch result {
        case .written:
            if let closed { return "cannot write the feedback file '\(shown)': \(errorText(closed))" }
        case .closedPipe: return "cannot write the feedback file '\(shown)': \(errorText(EPIPE))"
        case .failed(let code): return "cannot write the feedback file '\(shown)': \(errorText(code))"
        }
    }
    return nil
}

/// What makes two names of a sheet the same sheet: the file's device and inode when it can be looked at
/// (so a link, `./a.net` and `a.net` are one), else its path made absolute with `.` and `..` taken out.
private enum SheetIdentity: Hashable {
    case file(FileIdentity)
    case path(String)

    init(_ path: String, invocation: Invocation) {
        let full = fullPath(path, invocation: invocation)
        var status = stat()
        if stat(full, &status) == 0 {
            self = .file(FileIdentity(status))
            return
        }
        var base = ""
        if !full.hasPrefix("/") {  // relative to the process's directory
            var buffer = [CChar](repeating: 0, count: 4096)
            if getcwd(&buffer, buffer.count) != nil {
                base = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        var components: [Substring] = []
        for component in (base + "/" + full).split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        self = .path("/" + components.joined(separator: "/"))
    }
}

/// Why a teacher's key cannot grade: the diagnostics of the key, if any, then the error that ends them.
private struct KeyTrouble: Error {
    var diagnostics = DiagnosticList()
    var message: String
    var hint: String?
}

/// Reads, analyzes and checks a teacher's key; a key that cannot be read or has errors is trouble.
private func readKey(_ path: String, options: Options,
                     invocation: Invocation) -> Result<(AnswerKeySheet, DiagnosticList), KeyTrouble> {
    let bytes: [UInt8]
    switch readFile(fullPath(path, invocation: invocation), shownAs: path, format: .spec) {
    case .success(let read): bytes = read.bytes
    case .failure(let error): return .failure(KeyTrouble(message: "the key: \(error.message)"))
    }
    let file: SourceFile
    switch SourceFile.load(name: path, bytes: bytes) {
    case .success(let loaded): file = loaded
    case .failure(let list):
        return .failure(KeyTrouble(diagnostics: list, message: "the key \(path) cannot be read as a spec"))
    }
    var parser = Parser(file: file)
    let syntax = parser.parse()
    let (networks, analysisDiagnostics) = Analyzer(spec: syntax, overrides: options.overrides,
                                                  syntaxErrors: parser.diagnostics.hasErrors, checkMode: true).analyze()
    var list = parser.diagnostics
    list.append(contentsOf: analysisDiagnostics)
    let key = AnswerKeySheet(file: file, syntax: syntax, networks: networks)
    list.append(contentsOf: key.diagnostics)
    if list.hasErrors {
        return .failure(KeyTrouble(diagnostics: list, message: "the key \(path) has errors; fix them before grading with it"))
    }
    if key.questionCount == 0 {
        return .failure(KeyTrouble(message: "the key \(path) asks no questions",
                                   hint: "write answers in braces after the layers to ask about (blank ones do: {shape: _, params: _, points: 2})"))
    }
    return .success((key, list))
}
