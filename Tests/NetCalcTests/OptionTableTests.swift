import Foundation
import Testing
@testable import NetCalc

/// The option table is the one place an option is declared: every option in it is parsed for its
/// commands and refused for the others, listed in the help of each of its commands and nowhere else,
/// and present in the completions and the man page.
@Suite struct OptionTableTests {
    static let commands: [Options.Command] = [.analyze, .check, .quiz, .fmt]

    /// A value each free-text option accepts; a new one needs an entry here.
    static let sampleValues: [String: String] = [
        "--expr": "INPUT[8x8x1] -> FC(2)", "--fit": "12GiB", "--input-shape": "1,3,8,8", "--depth": "1",
        "--batch": "2", "--seed": "3", "--layers": "3", "--output": "out.txt", "--key": "key.net",
        "--feedback": "feedback", "--tolerance": "5%",
    ]

    /// Options another option must come with for the command line to be whole.
    static let companions: [String: [String]] = [
        "--visibility": ["--format", "gradescope"], "--stdout-visibility": ["--format", "gradescope"],
    ]

    /// The arguments that give an option (with a value, and what it needs) to a command.
    static func arguments(_ option: OptionDefinition, for command: Options.Command) -> [String]? {
        var arguments: [String] = []
        switch command {
        case .analyze: break
        case .check: arguments.append("check")
        case .quiz: arguments.append("quiz")
        case .fmt: arguments.append("fmt")
        case .help, .version, .completions, .man: return nil
        }
        arguments.append(option.long)
        switch option.value?.kind {
        case nil: break
        case .choices(let words)?: arguments.append(sampleValues[option.long] ?? words[0])
        case .file?, .folder?, .text?:
            guard let sample = sampleValues[option.long] else { return nil }
            arguments.append(sample)
        }
        return arguments + (companions[option.long] ?? [])
    }

    /// The synopses in the options section of a help text: its lines that start `  -`.
    static func listed(in help: String) -> Set<String> {
        Set(help.split(separator: "\n").filter { $0.hasPrefix("  -") }.map { line in
            let text = line.dropFirst(2)
            return String(text.range(of: "  ").map { text[..<$0.lowerBound] } ?? text)
        })
    }

    @Test func everyOptionIsParsedForItsCommandsAndRefusedForTheOthers() throws {
        for long in Set(OptionDefinition.all.map(\.long)) {
            for command in Self.commands {
                let meaning = OptionDefinition.definition(long, for: command)
                let applies = meaning != nil
                let option = meaning ?? OptionDefinition.named(long)[0]
                guard let arguments = Self.arguments(option, for: command) else {
                    Issue.record("\(option.long) needs a sample value in OptionTableTests.sampleValues")
                    continue
                }
                let parsed = Options.parse(arguments)
                if applies {
                    if case .failure(let error) = parsed { Issue.record("\(arguments): \(error.message)") }
                } else {
                    guard case .failure(let error) = parsed else { Issue.record("\(arguments) was accepted"); continue }
                    #expect(error.message.contains("does not apply"), "\(arguments): \(error.message)")
                }
            }
        }
    }

    @Test func eachCommandsHelpListsExactlyItsOptions() {
        for command in Self.commands {
            let help = HelpText.usage(of: command)
            let expected = Set(OptionDefinition.options(of: command).map(\.synopsis))
            #expect(Self.listed(in: help) == expected, "\(command)")
        }
        // Each option's values are named in its help.
        for option in OptionDefinition.all {
            guard case .choices(let words)? = option.value?.kind else { continue }
            for word in words {
                #expect(option.help.contains(word), "\(option.long)'s help does not name \(word)")
            }
        }
    }

    @Test func subcommandsHaveTheirOwnHelp() {
        for (word, title) in [("check", "usage: netcalc check"), ("quiz", "usage: netcalc quiz"), ("fmt", "usage: netcalc fmt"),
                              ("completions", "usage: netcalc completions"), ("man", "usage: netcalc man")] {
            let asked = runNetCalc([word, "--help"])
            #expect(asked.status == 0)
            #expect(asked.standardOutput.hasPrefix(title), "\(word) --help")
            #expect(asked.standardOutput == runNetCalc(["help", word]).standardOutput, "\(word)")
            #expect(asked.standardOutput == runNetCalc(["-h", word]).standardOutput, "\(word)")
            #expect(asked.standardOutput == runNetCalc([word, "bash", "--help"]).standardOutput, "\(word)")
        }
        let main = runNetCalc(["--help"]).standardOutput
        #expect(main.contains("--no-pager"))
        #expect(main.contains("netcalc help [TOPIC]"))
        #expect(!runNetCalc(["fmt", "--help"]).standardOutput.contains("--batch"))
        #expect(runNetCalc(["quiz", "--help"]).standardOutput.contains("--template NAME"))
    }

    @Test func helpLayersAndOneLayer() {
        let layers = runNetCalc(["help", "layers"])
        #expect(layers.status == 0)
        #expect(layers.standardOutput.contains("CONV"))
        let conv = runNetCalc(["help", "conv"])
        #expect(conv.status == 0)
        #expect(conv.standardOutput.contains("CONV"))
        let wrong = runNetCalc(["help", "cnov"])
        #expect(wrong.status == 2)
        #expect(wrong.standardError.contains("no help for 'cnov'"))
        #expect(wrong.standardError.contains("did you mean 'CONV'?"), "\(wrong.standardError)")
    }

    @Test(arguments: [
        (["-v"], "unknown option '-v'", "did you mean '--version'?"),
        (["-V"], "unknown option '-V'", "did you mean '--version'?"),
        (["-explain", "x.net"], "unknown option '-explain'", "did you mean '--explain'?"),
        (["-format", "json"], "unknown option '-format'", "did you mean '--format'?"),
        (["--formt", "json"], "unknown option '--formt'", "did you mean '--format'?"),
        (["-x"], "unknown option '-x'", "netcalc --help lists the options"),
        (["-o"], "--output needs a value", "--output FILE"),
        (["--colour", "never"], "unknown option '--colour'", "did you mean '--color'?"),
        (["-w", "x.net"], "-w does not apply to analyzing a network", "--write goes with netcalc fmt"),
        (["--key", "k.net", "x.net"], "--key does not apply to analyzing a network", "--key goes with netcalc check and netcalc quiz"),
        (["help", "check", "quiz"], "no help for 'check quiz'", "netcalc help check, quiz, fmt, completions, man, layers, or a layer (netcalc help conv)"),
        (["completions", "--batch", "2", "bash"], "--batch does not apply to netcalc completions", "netcalc completions takes no options but -o FILE"),
        (["man", "page"], "netcalc man takes nothing after it, not 'page'", "netcalc man > netcalc.1, or man -l <(netcalc man)"),
        (["fmt", "-w", "-o", "x.txt", "x.net"], "fmt -w rewrites each file in place, so --output means nothing with it",
         "netcalc fmt -o FILE writes the formatted spec to FILE; -w rewrites the specs themselves"),
    ])
    func unknownOptionsGetHintsFromTheTable(_ arguments: [String], _ message: String, _ hint: String) {
        guard case .failure(let error) = Options.parse(arguments) else { Issue.record("accepted \(arguments)"); return }
        #expect(error.message == message)
        #expect(error.hint == hint)
    }

    @Test func everyOptionIsInTheCompletionsAndTheManPage() {
        let scripts = Shell.allCases.map { ($0, CompletionScript(shell: $0).render()) }
        let page = ManPage.render()
        for option in OptionDefinition.all {
            for (shell, script) in scripts {
                let name = shell == .fish ? "-l '\(option.long.dropFirst(2))'" : option.long
                #expect(script.contains(name), "\(shell) lacks \(option.long)")
            }
            #expect(page.contains("\\fB" + ManPage.text(option.long) + "\\fR"), "the man page lacks \(option.long)")
        }
        for word in ["check", "quiz", "fmt", "layers"] {
            #expect(scripts.allSatisfy { $0.1.contains(word) })
        }
    }

    @Test(arguments: [
        ("it's", Shell.bash, "'it'\\''s'"), ("a b", .zsh, "'a b'"), ("it's \\", .fish, "'it\\'s \\\\'"),
        ("$(rm -rf ~)", .bash, "'$(rm -rf ~)'"),
    ])
    func wordsAreQuotedForTheShell(_ word: String, _ shell: Shell, _ quoted: String) {
        #expect(shell.quoted(word) == quoted)
    }

    @Test(arguments: [
        ("-rf", "\\-rf"), (".TH x", "\\&.TH x"), ("'quote", "\\&'quote"), ("a\\b", "a\\eb"), ("é", "\\[u00E9]"), ("a\nb", "a b"),
    ])
    func manTextIsEscapedForRoff(_ raw: String, _ escaped: String) {
        #expect(ManPage.text(raw) == escaped)
    }

    @Test func theCommittedManPageIsCurrent() throws {
        let committed = try String(contentsOfFile: packageRoot + "/docs/netcalc.1", encoding: .utf8)
        #expect(committed == ManPage.render(), "docs/netcalc.1 is out of date: swift build && .build/debug/netcalc man > docs/netcalc.1")
        #expect(runNetCalc(["man"]).standardOutput == committed)
    }
}

/// The scripts and the page load in the real programs (each skipped, saying why, where it is missing).
@Suite struct ShellIntegrationTests {
    /// Writes a text to a temporary file and returns its path.
    static func file(_ text: String, _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "netcalc-\(UUID().uuidString)-\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs a shell command line and returns its status, standard output and standard error apart.
    static func shell(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = environment.map { "\($0.key)=\($0.value)" } + [program] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test(.enabled(if: hasProgram("bash"), "needs bash"))
    func bashLoadsAndCompletes() throws {
        let script = try Self.file(CompletionScript(shell: .bash).render(), "netcalc.bash")
        defer { try? FileManager.default.removeItem(atPath: script) }
        func complete(_ words: [String]) throws -> [String] {
            let quoted = words.map { Shell.bash.quoted($0) }.joined(separator: " ")
            let (status, out, err) = try Self.shell("bash", ["-c", "source '\(script)' && complete -p netcalc >/dev/null && "
                + "COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); _netcalc; printf '%s\\n' \"${COMPREPLY[@]}\""])
            #expect(status == 0, "\(err)")
            #expect(err.isEmpty, "\(err)")
            return out.split(separator: "\n").map(String.init)
        }
        #expect(try complete(["netcalc", "--for"]) == ["--format"])
        #expect(try complete(["netcalc", "--format", ""]) == OutputFormat.allCases.map(\.rawValue))
        #expect(try complete(["netcalc", "check", "--format", "g"]) == ["gradescope"])
        #expect(try complete(["netcalc", "quiz", "--te"]) == ["--template"])
        #expect(try complete(["netcalc", "help", "lay"]).contains("layers"))
        #expect(try complete(["netcalc", "help", "co"]).contains("conv"))
        #expect(try complete(["netcalc", "completions", "z"]) == ["zsh"])
        #expect(try complete(["netcalc", "fmt", "--b"]).isEmpty)  // --batch is not fmt's
    }

    @Test(.enabled(if: hasProgram("zsh"), "needs zsh"))
    func zshLoads() throws {
        let script = try Self.file(CompletionScript(shell: .zsh).render(), "_netcalc")
        defer { try? FileManager.default.removeItem(atPath: script) }
        let (status, out, err) = try Self.shell("zsh", ["-fc", "autoload -Uz compinit; compinit -u -D; source '\(script)'; print -r -- $_comps[netcalc]"])
        #expect(status == 0, "\(err)")
        #expect(err.isEmpty, "\(err)")
        #expect(out == "_netcalc\n")
    }

    @Test(.enabled(if: hasProgram("fish"), "needs fish"))
    func fishLoadsAndCompletes() throws {
        let script = try Self.file(CompletionScript(shell: .fish).render(), "netcalc.fish")
        defer { try? FileManager.default.removeItem(atPath: script) }
        let (status, out, err) = try Self.shell("fish", ["--no-config", "-c", "source '\(script)'; complete -C 'netcalc --for'; complete -C 'netcalc check --format g'"])
        #expect(status == 0, "\(err)")
        #expect(err.isEmpty, "\(err)")
        #expect(out.hasPrefix("--format\t"), "\(out)")
        #expect(out.contains("gradescope"), "\(out)")
    }

    @Test(.enabled(if: hasProgram("man"), "needs man"))
    func manRendersTheManPage() throws {
        let (status, out, err) = try Self.shell("man", ["-l", packageRoot + "/docs/netcalc.1"], environment: ["MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"])
        #expect(status == 0)
        #expect(err.isEmpty, "\(err)")
        #expect(out.contains("EXIT STATUS"))
        #expect(out.contains("--format"))
    }

    @Test(.enabled(if: hasProgram("groff"), "needs groff"))
    func groffFindsNothingToWarnAbout() throws {
        let (status, _, err) = try Self.shell("groff", ["-man", "-ww", "-z", packageRoot + "/docs/netcalc.1"])
        #expect(status == 0)
        #expect(err.isEmpty, "\(err)")
    }
}
