/// The characters the table draws its share bars, branch tree and ellipses with: Unicode blocks, box
/// lines and `…`, or plain ASCII where the terminal or the locale cannot show them (`TERM=dumb`, `LC_ALL=C`).

/// Which characters the table may draw with, read once from the environment by the driver.
enum Glyphs: Sendable, Equatable {
    /// Block characters for bars (`██▍`) and box lines for the branch tree (`├ `, `│ `).
    case unicode
    /// ASCII alone: a `#` per tenth of a bar, and `+` or `-` for the rest; `|-` and `| ` for the tree;
    /// `...` for what is left out.
    case ascii

    /// The glyphs the environment allows. `TERM=dumb` is ASCII; otherwise the locale decides, looked up
    /// as the C library does: the first of `LC_ALL`, `LC_CTYPE` and `LANG` that is set and not empty.
    /// A locale that names UTF-8 (`en_US.UTF-8`, `C.utf8`) is Unicode; any other (`C`, `POSIX`,
    /// `en_US.ISO-8859-1`, `en_US`) is ASCII. No locale at all keeps Unicode: an environment that names
    /// none (a container, a test) says nothing about the terminal, and netcalc has always written UTF-8.
    init(environment: [String: String]) {
        if environment["TERM"] == "dumb" {
            self = .ascii
            return
        }
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        guard let locale else {
            self = .unicode
            return
        }
        self = Self.namesUTF8(locale) ? .unicode : .ascii
    }

    /// True when a locale's name gives UTF-8 as its character set: `en_US.UTF-8`, `C.utf8`,
    /// `de_DE.utf-8@euro`.
    static func namesUTF8(_ locale: String) -> Bool {
        let codeset = locale.split(separator: ".", maxSplits: 1).dropFirst().first.map { $0.prefix { $0 != "@" } }
        guard let codeset else { return false }
        let folded = codeset.lowercased().filter { $0 != "-" && $0 != "_" }
        return folded == "utf8"
    }

    /// A bar `width` characters long at 100%. Unicode draws it in eighths of a character (`██▍`), and
    /// any share that is not zero gets at least `▏`. ASCII draws a `#` per whole tenth, then `+` when
    /// what is left is at least half a tenth and `-` when it is less but not nothing: `###+` is 35% to
    /// 40%, `-` under 5%.
    func bar(_ part: Int, of whole: Int, width: Int = 10) -> String {
        guard whole > 0, part > 0 else { return "" }
        switch self {
        case .unicode:
            let eighths = Int((Int128(part) * Int128(width * 8) + Int128(whole) / 2) / Int128(whole))
            let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
            let text = String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
            return text.isEmpty ? "▏" : text
        case .ascii:
            let scaled = Int128(part) * Int128(width)
            let tenths = Int(min(scaled / Int128(whole), Int128(width)))
            let rest = scaled - Int128(tenths) * Int128(whole)
            let tail = tenths == width || rest == 0 ? "" : rest * 2 >= Int128(whole) ? "+" : "-"
            return String(repeating: "#", count: tenths) + tail
        }
    }

    /// The number of characters `bar(part, of: whole)` is, worked out without making it.
    func barWidth(_ part: Int, of whole: Int, width: Int = 10) -> Int {
        guard whole > 0, part > 0 else { return 0 }
        switch self {
        case .unicode:
            let eighths = Int((Int128(part) * Int128(width * 8) + Int128(whole) / 2) / Int128(whole))
            return max(1, eighths / 8 + (eighths % 8 > 0 ? 1 : 0))
        case .ascii:
            let scaled = Int128(part) * Int128(width)
            let tenths = Int(min(scaled / Int128(whole), Int128(width)))
            return tenths + (tenths == width || scaled == Int128(tenths) * Int128(whole) ? 0 : 1)
        }
    }

    /// The branch tree drawn before a row's name: `├ ` starts a branch and `│ ` continues one
    /// (`|-` and `| ` in ASCII), two columns a level either way.
    func tree(depth: Int, startsBranch: Bool) -> String {
        guard depth > 0 else { return "" }
        let (continues, starts) = self == .unicode ? ("│ ", "├ ") : ("| ", "|-")
        return String(repeating: continues, count: depth - 1) + (startsBranch ? starts : continues)
    }

    /// What marks the part of a name or spec left out to fit the terminal: `…`, or `...` in ASCII.
    var ellipsis: String {
        switch self {
        case .unicode: return "…"
        case .ascii: return "..."
        }
    }

    /// True for the characters a bar is drawn with, where a coloured bar starts.
    func isBarCharacter(_ character: Character) -> Bool {
        switch self {
        case .unicode: return "█▉▊▋▌▍▎▏".contains(character)
        case .ascii: return "#+-".contains(character)
        }
    }
}

/// A bar ten characters long at 100%, in eighths of a character: `██▏`.
func bar(_ part: Int, of whole: Int, width: Int = 10) -> String {
    Glyphs.unicode.bar(part, of: whole, width: width)
}
