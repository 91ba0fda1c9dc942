/// netcalc's manual page, in roff, made from the command and option tables (docs/netcalc.1 is its
/// output; a test keeps them the same). Every text is escaped for roff: backslashes, hyphens (`\-`, so
/// that option names copy as typed), a leading `.` or `'`, and characters outside ASCII.

enum ManPage {
    /// The page.
    static func render() -> String {
        var page = [
            ".\\\" The manual page of netcalc, made by netcalc man from its option table: do not edit.",
            ".TH NETCALC 1 \"\" \(macroArgument("netcalc " + netcalcVersion)) \"User Commands\"",
            ".\\\" Left-aligned and not hyphenated: option names and specs stay whole.",
            ".ad l",
            ".nh",
            ".SH NAME",
            "netcalc \\- " + text("sizes, parameters, MACs and memory of convolutional networks, layer by layer, exactly"),
            ".SH SYNOPSIS",
        ]
        for (index, help) in CommandHelp.all.enumerated() {
            if index > 0 { page.append(".br") }
            page.append(synopsis(help.synopsis))
        }
        page += [
            ".SH DESCRIPTION",
            text("netcalc reads networks written in its spec language (a chain such as INPUT[227x227x3] -> CONV(96,11,s4) -> POOL(3,s2)), "
                + "Caffe .prototxt and ONNX models, and prints each layer's output volume, parameters, multiply-accumulates (MACs) "
                + "and memory, with the totals, in exact integer arithmetic. It grades the answers a student writes in a spec, "
                + "makes exercise sheets, and formats specs."),
            ".PP",
            text("The spec language and how each number is counted are in the README; specs/ holds examples."),
            ".SH COMMANDS",
        ]
        for help in CommandHelp.all {
            page += [".TP", synopsis(help.synopsis), text(help.description)]
        }
        page.append(".SH OPTIONS")
        for command in [Options.Command.analyze, .check, .quiz, .fmt] {
            let options = OptionDefinition.all.filter { $0.commands.first == command && $0.commands.count < 4 }
            guard !options.isEmpty else { continue }
            page.append(".SS " + macroArgument(command == .analyze ? "Analyzing (netcalc FILE)" : Options.commandName(command)))
            for option in options { page += entry(option) }
        }
        page.append(".SS \"Every command\"")
        for option in OptionDefinition.all where option.commands.count == 4 { page += entry(option) }
        page.append(".SH \"EXIT STATUS\"")
        for help in CommandHelp.all where help.command != .completions && help.command != .man {
            page += [".TP", synopsis(help.synopsis), text(help.exitStatus)]
        }
        page.append(".SH EXAMPLES")
        let examples: [(String, String)] = [
            ("netcalc specs/alexnet.net", "AlexNet's table: every layer's output, memory, parameters and MACs."),
            ("netcalc -e 'INPUT[32x32x3] -> CONV(12,3,p1) -> RELU -> POOL(2) -> FC(10)'", "A network written on the command line."),
            ("netcalc --format json -o resnet50.json specs/resnet50.net", "The figures as JSON, written to a file whole or not at all."),
            ("netcalc --fit 12GiB specs/vgg16.net", "The largest batch whose training memory fits in 12 GiB."),
            ("netcalc check --key key.net sheets/*.net", "Grades a class's sheets against a teacher's key."),
            ("netcalc quiz --seed 4 --level 2", "An exercise sheet; the same seed gives the same sheet."),
            ("netcalc fmt -w specs/*.net", "Rewrites specs in canonical form."),
            ("source <(netcalc completions bash)", "Completes netcalc's options in bash."),
        ]
        for (command, what) in examples {
            page += [".TP", "\\fB" + text(command) + "\\fR", text(what)]
        }
        page += [
            ".SH FILES",
            ".TP",
            text("*.net"), text("netcalc's specs (the spec language)."),
            ".TP",
            text("*.prototxt, *.onnx"), text("Caffe and ONNX models, read by their extension or content (--input-format)."),
            ".SH ENVIRONMENT",
            ".TP", "NO_COLOR", text("when set and not empty, --color auto does not colour."),
            ".TP", "PAGER", text("the pager for long output on a terminal (default: less -FRX)."),
            ".TP", "COLUMNS", text("the width text is wrapped to."),
            ".SH \"SEE ALSO\"",
            text("netcalc help layers (the layer keywords), netcalc help LAYER, README.md, docs/memory.md"),
        ]
        return page.joined(separator: "\n") + "\n"
    }

    /// One option: its names in bold and its value in italics, then its help.
    private static func entry(_ option: OptionDefinition) -> [String] {
        var names = (option.short.map { ["\\fB" + text($0) + "\\fR"] } ?? []) + ["\\fB" + text(option.long) + "\\fR"]
        if let value = option.value { names[names.count - 1] += " \\fI" + text(value.name) + "\\fR" }
        var help = option.help
        let others = option.commands.dropFirst().map(Options.commandName)
        if !others.isEmpty, option.commands.count < 4 { help += "; also for " + others.joined(separator: " and ") }
        return [".TP", names.joined(separator: ", "), text(help)]
    }

    /// A command's synopsis: `netcalc` and the command word in bold, the rest as written.
    private static func synopsis(_ line: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        let bold = words.prefix { $0 == "netcalc" || Options.commandWords[$0] != nil }
        return "\\fB" + text(bold.joined(separator: " ")) + "\\fR" + (bold.count < words.count ? " " + text(words.dropFirst(bold.count).joined(separator: " ")) : "")
    }

    /// Text for a line of roff: backslashes and hyphens escaped, characters outside ASCII by their
    /// code point, and a leading `.` or `'` (which would make the line a request) guarded.
    static func text(_ raw: String) -> String {
        var out = ""
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case "\n", "\r": out += " "
            default:
                if scalar.isASCII && (scalar.value >= 0x20 && scalar.value < 0x7F) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += " "
                } else {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
                }
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    /// Text as one argument of a request (`.SS`), in double quotes.
    private static func macroArgument(_ raw: String) -> String {
        "\"" + text(raw).split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\\(dq") + "\""
    }
}
