/// One option of the command line, declared once: its names, its value, its help, the commands it
/// applies to and how it is parsed. The usage texts, each command's help, the applicability check, the
/// shell completions and the man page are all made from `OptionDefinition.all` (OptionTable.swift).

/// What an option's value is: its name in the help, and what completes it.
struct OptionValue: Sendable {
    /// What a shell offers for the value.
    enum Kind: Sendable, Equatable {
        /// One of these words.
        case choices([String])
        /// A file's path.
        case file
        /// A folder's path.
        case folder
        /// Free text (a number, a size, a spec): nothing to offer.
        case text
    }

    /// The value's name in the help: `FORMAT`, `FILE`.
    var name: String
    var kind: Kind

    /// A value that is one of an enumeration's raw values.
    static func choosing<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) -> OptionValue where T.RawValue == String {
        OptionValue(name: name, kind: .choices(T.allCases.map(\.rawValue)))
    }
}

/// One meaning of an option. An option that means different things for different commands (`--key`
/// is a flag for quiz and takes a file for check) has one definition per meaning, each with its commands.
struct OptionDefinition: Sendable {
    /// The long name with its dashes: `--format`.
    var long: String
    /// The one-letter name with its dash, if any: `-e`.
    var short: String?
    /// The value it takes; nil for a flag.
    var value: OptionValue?
    /// What it does, one sentence or two, for the help and the man page.
    var help: String
    /// The commands it applies to, in the order the help names them.
    var commands: [Options.Command]
    /// True when it may be given more than once.
    var repeatable = false
    /// Mistyped spellings that mean this option, for the hint of an unknown option: `-v` for `--version`.
    var suggestedFor: [String] = []
    /// Sets what the option means in `Options`, from its value (empty for a flag).
    var apply: @Sendable (inout Options, String) throws(UsageError) -> Void

    /// The names as the help writes them: `-e, --expr SPEC`.
    var synopsis: String {
        (short.map { "\($0), " } ?? "") + long + (value.map { " \($0.name)" } ?? "")
    }

    /// True when it applies to the command.
    func applies(to command: Options.Command) -> Bool {
        commands.contains(command)
    }
}

extension OptionDefinition {
    /// The definitions of an option's long name, every meaning.
    static func named(_ long: String) -> [OptionDefinition] {
        all.filter { $0.long == long }
    }

    /// The long name a written name stands for: `-e` is `--expr`; nil for a name no option has.
    static func longName(of written: String) -> String? {
        if let definition = all.first(where: { $0.long == written || $0.short == written }) { return definition.long }
        return nil
    }

    /// The definition of an option for a command, if it applies to it.
    static func definition(_ long: String, for command: Options.Command) -> OptionDefinition? {
        all.first { $0.long == long && $0.applies(to: command) }
    }

    /// The options of a command, in the table's order, one entry per long name.
    static func options(of command: Options.Command) -> [OptionDefinition] {
        all.filter { $0.applies(to: command) }
    }

    /// The hint for an option no definition has: the one it is a misspelling of, by the table.
    static func hint(forUnknown written: String) -> String {
        let fallback = "netcalc --help lists the options"
        if let meant = all.first(where: { $0.suggestedFor.contains(written) }) {
            return "did you mean '\(meant.long)'?"
        }
        // `-explain`: a long name written with one dash.
        if written.hasPrefix("-"), !written.hasPrefix("--"), written.count > 2,
           let meant = all.first(where: { $0.long == "-" + written }) {
            return "did you mean '\(meant.long)'?"
        }
        // A single letter is too short to guess from.
        if written.count <= 2 { return fallback }
        let names = Array(Set(all.map(\.long))).sorted()
        let bare = written.drop { $0 == "-" }
        return didYouMean(written, names) ?? didYouMean("--" + bare, names) ?? fallback
    }

    /// Parses one of an enumeration's raw values, any case, or says which values the option takes.
    static func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ option: String, _: T.Type) throws(UsageError) -> T
        where T.RawValue == String {
        if let result = T(rawValue: value.lowercased()) { return result }
        let allowed = T.allCases.map(\.rawValue)
        throw UsageError(message: "'\(value)' is not a value for \(option)",
                         hint: didYouMean(value, allowed) ?? "\(option) takes \(allowed.joined(separator: ", "))")
    }

    /// Parses a whole number in a range, or says which numbers the option takes.
    static func number(_ value: String, _ option: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let number = Int(value), range.contains(number) else {
            throw UsageError(message: "'\(value)' is not a value for \(option)",
                             hint: "\(option) takes a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
