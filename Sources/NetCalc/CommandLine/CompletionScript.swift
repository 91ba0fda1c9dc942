/// Shell completion scripts, made from the option table: each command's options, their values (the
/// choices, or files, or folders) and the commands themselves. Every word put into a script is quoted
/// for its shell.

/// The shells netcalc writes completions for.
enum Shell: String, CaseIterable, Sendable {
    case bash, zsh, fish

    /// A word quoted for this shell: in single quotes, with its single quotes (and, for fish, its
    /// backslashes) escaped.
    func quoted(_ word: String) -> String {
        switch self {
        case .bash, .zsh:
            return "'" + word.replacingAll("'", with: "'\\''") + "'"
        case .fish:
            return "'" + word.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
        }
    }
}

/// The completion script of one shell.
struct CompletionScript {
    var shell: Shell

    /// The commands whose options are completed; `analyze` is netcalc with no command word.
    private static let commands: [Options.Command] = [.analyze, .check, .quiz, .fmt]
    /// The words that name commands.
    private static let commandWords = ["check", "quiz", "fmt", "help", "completions", "man"]
    /// What `netcalc help` completes: the commands, `layers` and each layer keyword.
    private static var helpTopics: [String] {
        ["check", "quiz", "fmt", "completions", "man", "layers"] + LayerCatalog.allKeywords.map { $0.lowercased() }
    }

    /// A command's name in the scripts' state.
    private static func name(_ command: Options.Command) -> String {
        switch command {
        case .analyze: return "analyze"
        case .check: return "check"
        case .quiz: return "quiz"
        case .fmt: return "fmt"
        case .help: return "help"
        case .version: return "version"
        case .completions: return "completions"
        case .man: return "man"
        }
    }

    /// A short description of an option for the shells that show one: its help up to the first
    /// `;` or `(` (when that leaves a phrase), at most 60 characters.
    private static func describe(_ option: OptionDefinition) -> String {
        var text = option.help
        if let cut = text.firstIndex(where: { $0 == ";" || $0 == "(" }), text.distance(from: text.startIndex, to: cut) >= 12 {
            text = String(text[..<cut]).trimmingSpaces()
        }
        if text.count > 60 {
            text = String(text.prefix(57))
            if let space = text.lastIndex(of: " ") { text = String(text[..<space]) }
            text += "..."
        }
        return text
    }

    func render() -> String {
        switch shell {
        case .bash: return bash()
        case .zsh: return zsh()
        case .fish: return fish()
        }
    }

    /// The words quoted as one word-list argument.
    private func wordList(_ words: [String]) -> String {
        shell.quoted(words.joined(separator: " "))
    }

    /// The `case` arms that complete an option's value, by command and the option's name.
    private func valueArms(_ action: (OptionValue.Kind) -> String?) -> String {
        var arms = ""
        for command in Self.commands {
            for option in OptionDefinition.options(of: command) {
                guard let value = option.value, let body = action(value.kind) else { continue }
                let patterns = ([option.long] + (option.short.map { [$0] } ?? [])).map { shell.quoted("\(Self.name(command)):\($0)") }
                arms += "        \(patterns.joined(separator: "|"))) \(body); return ;;\n"
            }
        }
        return arms
    }

    private func bash() -> String {
        let arms = valueArms { kind in
            switch kind {
            case .choices(let words): return "_netcalc_reply -W \(wordList(words))"
            case .file: return "compopt -o filenames 2>/dev/null; _netcalc_reply -f"
            case .folder: return "compopt -o filenames 2>/dev/null; _netcalc_reply -d"
            case .text: return "COMPREPLY=()"
            }
        }
        var optionArms = ""
        for command in Self.commands {
            let names = OptionDefinition.options(of: command).flatMap { [$0.long] + ($0.short.map { [$0] } ?? []) }
            optionArms += "        \(shell.quoted(Self.name(command)))) _netcalc_reply -W \(wordList(names)) ;;\n"
        }
        return """
            # bash completion for netcalc: source <(netcalc completions bash)
            # made by netcalc completions bash from netcalc's option table

            _netcalc_reply() {
                mapfile -t COMPREPLY < <(compgen "$@" -- "$cur")
            }

            _netcalc() {
                local cur=${COMP_WORDS[COMP_CWORD]} prev= command=analyze i
                (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
                for (( i = 1; i < COMP_CWORD; i++ )); do
                    case ${COMP_WORDS[i]} in
                        \(Self.commandWords.map(shell.quoted).joined(separator: "|"))) command=${COMP_WORDS[i]}; break ;;
                        --) break ;;
                    esac
                done
                case $command in
                    help) _netcalc_reply -W \(wordList(Self.helpTopics)); return ;;
                    completions) _netcalc_reply -W \(wordList(Shell.allCases.map(\.rawValue))); return ;;
                    man) COMPREPLY=(); return ;;
                esac
                case "$command:$prev" in
            \(arms)    esac
                if [[ $cur == -* ]]; then
                    case $command in
            \(optionArms)        esac
                    return
                fi
                compopt -o filenames 2>/dev/null
                _netcalc_reply -f
                if [[ $command == analyze ]]; then
                    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W \(wordList(Self.commandWords)) -- "$cur")
                fi
            }

            complete -F _netcalc netcalc

            """
    }

    private func zsh() -> String {
        let arms = valueArms { kind in
            switch kind {
            case .choices(let words): return "compadd -- " + words.map(shell.quoted).joined(separator: " ")
            case .file: return "_files"
            case .folder: return "_files -/"
            case .text: return "_message 'a value'"
            }
        }
        var optionArms = ""
        for command in Self.commands {
            let entries = OptionDefinition.options(of: command).flatMap { option in
                ([option.long] + (option.short.map { [$0] } ?? [])).map { name in
                    shell.quoted(name.replacingAll(":", with: "\\:") + ":" + Self.describe(option))
                }
            }
            optionArms += "            \(shell.quoted(Self.name(command)))) options=(\(entries.joined(separator: " "))) ;;\n"
        }
        return """
            #compdef netcalc
            # zsh completion for netcalc: made by netcalc completions zsh from netcalc's option table.
            # In ~/.zshrc after compinit: source <(netcalc completions zsh); or save it as _netcalc in $fpath.

            _netcalc() {
                local command=analyze i
                local cur=${words[CURRENT]} prev=${words[CURRENT-1]}
                for (( i = 2; i < CURRENT; i++ )); do
                    case ${words[i]} in
                        \(Self.commandWords.map(shell.quoted).joined(separator: "|"))) command=${words[i]}; break ;;
                        --) break ;;
                    esac
                done
                case $command in
                    help) compadd -- \(Self.helpTopics.map(shell.quoted).joined(separator: " ")); return ;;
                    completions) compadd -- \(Shell.allCases.map { shell.quoted($0.rawValue) }.joined(separator: " ")); return ;;
                    man) return 1 ;;
                esac
                case "$command:$prev" in
            \(arms)    esac
                if [[ $cur == -* ]]; then
                    local -a options
                    case $command in
            \(optionArms)        esac
                    _describe -t options 'option' options
                    return
                fi
                if [[ $command == analyze ]]; then
                    compadd -- \(Self.commandWords.map(shell.quoted).joined(separator: " "))
                fi
                _files
            }

            if [[ ${funcstack[1]} == _netcalc ]]; then
                _netcalc "$@"
            else
                compdef _netcalc netcalc
            fi

            """
    }

    private func fish() -> String {
        var lines = [
            "# fish completion for netcalc: made by netcalc completions fish from netcalc's option table.",
            "# Save it as ~/.config/fish/completions/netcalc.fish, or: netcalc completions fish | source",
            "",
            "function __netcalc_command",
            "    for word in (commandline -opc)[2..-1]",
            "        switch $word",
            "            case " + Self.commandWords.map(shell.quoted).joined(separator: " "),
            "                echo $word",
            "                return",
            "            case --",
            "                break",
            "        end",
            "    end",
            "    echo analyze",
            "end",
            "",
            "complete -c netcalc -f",
            "complete -c netcalc -n " + shell.quoted("test (__netcalc_command) = analyze") + " -a "
                + wordList(Self.commandWords) + " -d " + shell.quoted("command"),
            "complete -c netcalc -n " + shell.quoted("test (__netcalc_command) = help") + " -a " + wordList(Self.helpTopics),
            "complete -c netcalc -n " + shell.quoted("test (__netcalc_command) = completions") + " -a "
                + wordList(Shell.allCases.map(\.rawValue)),
            "complete -c netcalc -n " + shell.quoted("contains -- (__netcalc_command) analyze check fmt") + " -F",
        ]
        for command in Self.commands {
            let condition = shell.quoted("test (__netcalc_command) = \(Self.name(command))")
            for option in OptionDefinition.options(of: command) {
                var line = "complete -c netcalc -n \(condition) -l \(shell.quoted(String(option.long.dropFirst(2))))"
                if let short = option.short { line += " -s \(shell.quoted(String(short.dropFirst())))" }
                switch option.value?.kind {
                case nil: break
                case .choices(let words)?: line += " -x -a \(wordList(words))"
                case .file?: line += " -r -F"
                case .folder?: line += " -x -a \(shell.quoted("(__fish_complete_directories)"))"
                case .text?: line += " -x"
                }
                line += " -d \(shell.quoted(Self.describe(option)))"
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

private extension String {
    /// The string with every occurrence of `target` replaced.
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
