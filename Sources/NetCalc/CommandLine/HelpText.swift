/// The help netcalc prints: the main usage and each command's, made from the option table, so that
/// the help lists exactly the options each command parses.

/// A command as its help describes it.
struct CommandHelp: Sendable {
    var command: Options.Command
    /// How it is called: `netcalc check [options] FILE ...`.
    var synopsis: String
    /// One line for the main usage.
    var summary: String
    /// What it does, for its own help and the man page.
    var description: String
    /// What its exit status means.
    var exitStatus: String

    /// The commands, in the order the main usage lists them (`.analyze` first: `netcalc FILE`).
    static let all: [CommandHelp] = [
        CommandHelp(command: .analyze, synopsis: "netcalc [options] [FILE ...]",
                    summary: "analyze specs, Caffe .prototxt or .onnx models; no FILE, or \"-\", reads standard input",
                    description: "prints each network's layers with their output volume, parameters, MACs and memory, and the totals; "
                        + "e.g. netcalc -e 'INPUT[32x32x3] -> CONV(12,3,p1) -> RELU -> POOL(2) -> FC(10)'",
                    exitStatus: "0 all well, 1 errors in a spec (or --fit finds no batch that fits), 2 trouble (a bad option, an unreadable file, a failed write)"),
        CommandHelp(command: .check, synopsis: "netcalc check [options] FILE ...",
                    summary: "grade the answers written in a spec (several: a class)",
                    description: "grades the answers written in braces after layers and merges ({55x55x96, params: 34944}) and after a network (total {...}): "
                        + "right, wrong (with the worked formula and the mistake named), follow-through (wrong only because an earlier answer was), unanswered. "
                        + "`points: N` in an answer sets its weight. Several files: a line per sheet and the class's summary.",
                    exitStatus: "0 every answer right, 1 a wrong answer or a spec error, 2 trouble"),
        CommandHelp(command: .quiz, synopsis: "netcalc quiz [options]",
                    summary: "make an exercise sheet (with --key, its answers)",
                    description: "prints an exercise sheet: a network a course would show, with blank answers (or, with --key, the answers), "
                        + "which netcalc check grades; the same seed gives the same sheet.",
                    exitStatus: "0, or 2 for a bad option"),
        CommandHelp(command: .fmt, synopsis: "netcalc fmt [-w] FILE ...",
                    summary: "print specs in canonical form; -w rewrites them in place",
                    description: "prints each spec in canonical form (keywords in upper case, arguments in a fixed order), "
                        + "keeping every comment and answer; -w rewrites each file that parses, in place.",
                    exitStatus: "0 all formatted, 1 a spec that does not parse (left as it was), 2 trouble"),
        CommandHelp(command: .help, synopsis: "netcalc help [TOPIC]",
                    summary: "TOPIC: a command (its options), layers (the layer keywords) or a layer (help conv)",
                    description: "netcalc help check shows check's options (as netcalc check --help does); netcalc help layers lists the layer keywords; "
                        + "netcalc help conv shows one layer's arguments.",
                    exitStatus: "0, or 2 for a topic netcalc has no help for"),
        CommandHelp(command: .completions, synopsis: "netcalc completions bash|zsh|fish",
                    summary: "print a shell completion script (README: Shell completions)",
                    description: "prints a script that completes netcalc's commands, options, their values and files: "
                        + "source <(netcalc completions bash) in ~/.bashrc; make install puts it where each shell finds it. -o FILE writes it to FILE.",
                    exitStatus: "0, or 2 for a shell netcalc has no script for"),
        CommandHelp(command: .man, synopsis: "netcalc man",
                    summary: "print the manual page, as roff: man -l <(netcalc man)",
                    description: "prints netcalc's manual page in roff (docs/netcalc.1 is the same); make install puts it in share/man/man1. -o FILE writes it to FILE.",
                    exitStatus: "0"),
    ]

    /// The help of a command.
    static func of(_ command: Options.Command) -> CommandHelp? {
        all.first { $0.command == command }
    }
}

enum HelpText {
    /// The widest the help is written, on a wide terminal or a pipe.
    static let maximumWidth = 100

    /// The main usage: every command in a line, and the options of analyzing a network.
    static func main(width: Int? = nil) -> String {
        let width = min(width ?? maximumWidth, maximumWidth)
        var out = lines("netcalc: sizes, parameters, MACs and memory of convolutional networks, layer by layer, exactly", indent: 9, width: width) + "\n"
        let column = min((CommandHelp.all.map(\.synopsis.count).max() ?? 0) + 9, 44)
        for (index, help) in CommandHelp.all.enumerated() {
            out += entry((index == 0 ? "usage: " : "       ") + help.synopsis, help.summary, column: column, width: width)
            if help.command == .analyze {
                out += entry("       netcalc -e SPEC", "analyze a spec written on the command line", column: column, width: width)
            }
        }
        out += "\n" + lines("options (analyzing; netcalc help check, quiz or fmt for theirs):", indent: 4, width: width)
        out += options(of: .analyze, width: width)
        out += "\n" + lines("exit status: " + (CommandHelp.of(.analyze)?.exitStatus ?? ""), indent: 4, width: width)
        out += lines("the spec language and how each number is counted: README.md or netcalc man; example specs: specs/", indent: 4, width: width)
        return out
    }

    /// A command's own usage: what it does and its options only.
    static func usage(of command: Options.Command, width: Int? = nil) -> String {
        guard command != .analyze, let help = CommandHelp.of(command) else { return main(width: width) }
        let width = min(width ?? maximumWidth, maximumWidth)
        var out = lines("usage: " + help.synopsis, indent: 7, width: width)
        out += lines(help.description, indent: 0, width: width)
        let options = OptionDefinition.options(of: command)
        if !options.isEmpty {
            out += "\noptions:\n" + Self.options(of: command, width: width)
        }
        out += "\n" + lines("exit status: " + help.exitStatus, indent: 4, width: width)
        return out
    }

    /// The options of a command, a line or more each.
    static func options(of command: Options.Command, width: Int) -> String {
        let options = OptionDefinition.options(of: command)
        let column = min((options.map(\.synopsis.count).max() ?? 0) + 4, 28)
        return options.map { entry("  " + $0.synopsis, $0.help, column: column, width: width) }.joined()
    }

    /// A label and its text, the text from `column` on, wrapped under itself.
    private static func entry(_ label: String, _ text: String, column: Int, width: Int) -> String {
        let indent = width - column >= 30 ? column : 6
        let pad = label.count + 2 <= indent ? String(repeating: " ", count: indent - label.count) : "  "
        if label.count + 2 > indent && indent == 6 {
            return label + "\n" + lines(String(repeating: " ", count: indent) + text, indent: indent, width: width)
        }
        return lines(label + pad + text, indent: indent, width: width)
    }

    /// Text wrapped to the width, later lines indented.
    private static func lines(_ text: String, indent: Int, width: Int) -> String {
        wrapped(text, width: width, indent: indent).joined(separator: "\n") + "\n"
    }
}
