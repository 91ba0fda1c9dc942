/// The command line: the parsed `Options`, and how the arguments become them by the option table (OptionTable.swift).

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
    enum Command: Equatable, Sendable {
        case analyze, check, quiz, fmt, help, version
        /// `netcalc completions SHELL`: a completion script.
        case completions
        /// `netcalc man`: the manual page.
        case man
    }

    /// What `netcalc help TOPIC` (or `netcalc COMMAND --help`) shows.
    enum HelpTopic: Equatable, Sendable {
        /// A command's usage and options; `.analyze` is the main usage.
        case command(Command)
        /// `help layers`: every layer keyword.
        case layers
        /// `help conv`: one layer's entry, by the word written.
        case layer(String)
    }

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
    /// `netcalc help TOPIC`: what to show; nil for the main usage.
    var helpTopic: HelpTopic?
    /// `netcalc completions SHELL`: the shell whose script to print.
    var completionShell: Shell?
    /// `--output FILE`: where the output goes, written whole or not at all; nil or `-` for standard output.
    var output: String?
    /// True when `--format` was given (with `--emit` it means nothing).
    var formatGiven = false
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
    /// The words that name a command: `netcalc check ...`; `help` and `help TOPIC` show usage.
    static let commandWords: [String: Command] = [
        "check": .check, "quiz": .quiz, "fmt": .fmt, "help": .help, "completions": .completions, "man": .man,
    ]

    /// Parses the arguments after the program name. Each option is looked up in `OptionDefinition.all`
    /// and applied by its definition for the command; the rules that join options are checked after.
    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var options = Options()
        var index = 0
        var onlyFiles = false
        var given: [(name: String, value: String)] = []
        /// The options and files in the order given: `-e` and files are read in that order.
        var steps: [Step] = []
        var commandWord: String?
        /// True once a file was named: a command word after it is a file's name.
        var sawInput = false
        /// Words after `help`, `completions` or `man`: their topic.
        var topicWords: [String] = []
        // Whether an option takes a value can depend on the command (`--key` is a flag for quiz and takes
        // the key's file for check), wherever the command is written: the first word naming one decides.
        let likely = arguments.prefix { $0 != "--" }.lazy.compactMap { commandWords[$0] }.first ?? .analyze

        do throws(UsageError) {
            while index < arguments.count {
                let argument = arguments[index]
                index += 1
                if onlyFiles || argument == "-" || !argument.hasPrefix("-") {
                    // The first word that names a command is the command, wherever the options put it.
                    if !onlyFiles, commandWord == nil, !sawInput, let command = commandWords[argument] {
                        commandWord = argument
                        options.command = command
                        continue
                    }
                    switch options.command {
                    case .help, .completions, .man:
                        topicWords.append(argument)
                    case .analyze, .check, .quiz, .fmt, .version:
                        steps.append(.input(argument == "-" && !onlyFiles ? .standardInput : .file(argument)))
                        sawInput = true
                    }
                    continue
                }
                if argument == "--" { onlyFiles = true; continue }
                var name = argument
                var value: String?
                if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                    name = String(argument[..<equals])
                    value = String(argument[argument.index(after: equals)...])
                }
                guard let long = OptionDefinition.longName(of: name) else {
                    throw UsageError(message: "unknown option '\(argument)'", hint: OptionDefinition.hint(forUnknown: name))
                }
                let meanings = OptionDefinition.named(long)
                let meaning = meanings.first { $0.applies(to: likely) }
                if takesValue(long, likely) {
                    if value == nil {
                        guard index < arguments.count else {
                            throw UsageError(message: "\(long) needs a value",
                                             hint: (meaning ?? meanings[0]).value.map { "\(long) \($0.name)" })
                        }
                        value = arguments[index]
                        index += 1
                    }
                } else if value != nil {
                    throw UsageError(message: "\(long) takes no value", hint: nil)
                }
                if given.contains(where: { $0.name == long }), !(meaning ?? meanings[0]).repeatable {
                    throw UsageError(message: "\(long) is given twice", hint: "give each option once")
                }
                given.append((long, value ?? ""))
                steps.append(.option(long, value ?? "", written: name))
            }
            // What the help, the version, the completions and the man page print goes where --output says.
            if let output = given.last(where: { $0.name == "--output" }), let definition = OptionDefinition.named("--output").first {
                try definition.apply(&options, output.value)
            }
            if given.contains(where: { $0.name == "--version" }) {
                options.command = .version
                return .success(options)
            }
            if given.contains(where: { $0.name == "--help" }) {
                // `netcalc check --help` is `netcalc help check`.
                if options.command != .help, options.command != .analyze { options.helpTopic = .command(options.command) }
                options.command = .help
            }
            switch options.command {
            case .help:
                // `netcalc help conv`; `netcalc completions bash --help` is completions' help.
                if commandWord == "help" { options.helpTopic = try helpTopic(topicWords) }
                return .success(options)
            case .version:
                return .success(options)
            case .completions, .man:
                if let first = given.first(where: { $0.name != "--output" }) {
                    throw UsageError(message: "\(first.name) does not apply to netcalc \(commandWord ?? "")",
                                     hint: "netcalc \(commandWord ?? "") takes no options but -o FILE")
                }
                if options.command == .man {
                    if let word = topicWords.first {
                        throw UsageError(message: "netcalc man takes nothing after it, not '\(word)'",
                                         hint: "netcalc man > netcalc.1, or man -l <(netcalc man)")
                    }
                    return .success(options)
                }
                let names = Shell.allCases.map(\.rawValue)
                guard topicWords.count == 1, let shell = Shell(rawValue: topicWords[0]) else {
                    throw UsageError(message: topicWords.isEmpty ? "netcalc completions needs a shell"
                                         : "no completions for '\(topicWords.joined(separator: " "))'",
                                     hint: topicWords.first.flatMap { didYouMean($0, names) }
                                         ?? "netcalc completions \(names.joined(separator: "|"))")
                }
                options.completionShell = shell
                return .success(options)
            case .analyze, .check, .quiz, .fmt:
                break
            }
            for step in steps {
                guard case .option(let name, let value, let written) = step else {
                    if case .input(let input) = step { options.inputs.append(input) }
                    continue
                }
                guard let definition = OptionDefinition.definition(name, for: options.command) else {
                    throw notApplicable(name, written: written, to: options.command)
                }
                // An option whose value was read by another command's meaning: `netcalc x.net check --key`.
                if (definition.value != nil) != takesValue(name, likely) {
                    throw UsageError(message: "\(name) means something else for \(Self.commandName(options.command))",
                                     hint: "write the command first: netcalc check ... or netcalc quiz ...")
                }
                try definition.apply(&options, value)
            }
            try options.checkCombinations(given.map(\.name))
        } catch {
            return .failure(error)
        }
        return .success(options)
    }

    /// One option or file of a command line, kept in order until the command is known.
    private enum Step {
        /// An option's long name, its value (empty for a flag) and its name as written (`-w`).
        case option(String, String, written: String)
        case input(InputSource)
    }

    /// Whether an option takes a value on a command line whose first command word is `command`: as its
    /// meaning for the command does; one that does not apply takes a value if each of its meanings does
    /// (the error then says it does not apply).
    private static func takesValue(_ long: String, _ command: Command) -> Bool {
        let meanings = OptionDefinition.named(long)
        return meanings.first { $0.applies(to: command) }.map { $0.value != nil } ?? meanings.allSatisfy { $0.value != nil }
    }

    /// What `netcalc help WORD` asks for: a command, the layer reference, or a layer.
    private static func helpTopic(_ words: [String]) throws(UsageError) -> HelpTopic? {
        guard let word = words.first else { return nil }
        let hint = "netcalc help check, quiz, fmt, completions, man, layers, or a layer (netcalc help conv)"
        guard words.count == 1 else {
            throw UsageError(message: "no help for '\(words.joined(separator: " "))'", hint: hint)
        }
        if let command = commandWords[word] {
            guard command != .help else { throw UsageError(message: "no help for '\(word)'", hint: hint) }
            return .command(command)
        }
        if word.lowercased() == "layers" { return .layers }
        if LayerReference.entry(named: word) != nil { return .layer(word) }
        throw UsageError(message: "no help for '\(word)'",
                         hint: didYouMean(word, LayerCatalog.allKeywords + ["layers", "check", "quiz", "fmt"]) ?? hint)
    }

    /// How the messages name a command.
    static func commandName(_ command: Command) -> String {
        switch command {
        case .analyze: return "analyzing a network"
        case .check: return "netcalc check"
        case .quiz: return "netcalc quiz"
        case .fmt: return "netcalc fmt"
        case .help: return "netcalc help"
        case .version: return "netcalc --version"
        case .completions: return "netcalc completions"
        case .man: return "netcalc man"
        }
    }

    /// The error for an option that means nothing for the command, naming the commands it goes with.
    private static func notApplicable(_ name: String, written: String, to command: Command) -> UsageError {
        let owners = OptionDefinition.named(name).flatMap(\.commands).map { owner -> String in
            owner == .analyze ? "analyzing (netcalc FILE)" : commandName(owner)
        }
        var seen = Set<String>()
        let unique = owners.filter { seen.insert($0).inserted }.sorted()
        return UsageError(message: "\(written) does not apply to \(commandName(command))",
                          hint: "\(name) goes with " + unique.joined(separator: " and "))
    }

    /// Rejects options that each apply but mean nothing together.
    private func checkCombinations(_ given: [String]) throws(UsageError) {
        if given.contains("--amp"), given.contains("--dtype") {
            throw UsageError(message: "--amp and --dtype cannot be given together",
                             hint: "--amp is fp16 activations with fp32 weights; --dtype fp16 is everything in fp16")
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
        if emit != nil, formatGiven {
            throw UsageError(message: "--emit writes code instead of a report, so --format means nothing with it",
                             hint: "leave out --format")
        }
        if write, output != nil {
            throw UsageError(message: "fmt -w rewrites each file in place, so --output means nothing with it",
                             hint: "netcalc fmt -o FILE writes the formatted spec to FILE; -w rewrites the specs themselves")
        }
    }
}
