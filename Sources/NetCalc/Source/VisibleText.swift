/// Text made safe for a terminal, and characters named by code point.
///
/// netcalc echoes what it read — source lines, file names, a Caffe model's layer names, a teacher's
/// notes — and a terminal obeys control characters in it (`ESC ]0;...BEL` retitles the window,
/// `ESC [2J` clears it). Everything written as text for people goes through `visible`: control
/// characters are shown in caret notation (`^[` for ESC, `^@` for NUL, `^M` for CR, `^?` for DEL),
/// other invisible characters by code point (`<U+2028>`, `<U+FEFF>`, `<U+202E>`).

extension Unicode.Scalar {
    /// True for a character a terminal would not show as itself: a control character, a format
    /// character (a byte-order mark, a zero-width space, a bidirectional override) or a line or
    /// paragraph separator.
    var isInvisible: Bool {
        if value < 0x20 || (0x7F...0x9F).contains(value) { return true }
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate: return true
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol,
             .modifierSymbol, .otherSymbol, .spaceSeparator, .privateUse, .unassigned:
            return false
        @unknown default:
            return false
        }
    }

    /// `U+2028 LINE SEPARATOR`, `U+0000 NULL`: the code point and, where Unicode gives one, its name.
    var codePointName: String {
        var digits = String(value, radix: 16, uppercase: true)
        if digits.count < 4 { digits = String(repeating: "0", count: 4 - digits.count) + digits }
        let name = properties.name ?? controlName
        return "U+" + digits + (name.map { " " + $0 } ?? "")
    }

    /// The names of the control characters, which Unicode gives only as aliases.
    private var controlName: String? {
        let names = ["NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY",
                     "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION",
                     "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE",
                     "DEVICE CONTROL TWO", "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
                     "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
                     "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO",
                     "INFORMATION SEPARATOR ONE"]
        switch value {
        case 0..<0x20: return names[Int(value)]
        case 0x7F: return "DELETE"
        case 0x85: return "NEXT LINE"
        case 0x80...0x9F: return "a C1 control character"
        default: return nil
        }
    }

    /// How `visible` shows the character: itself, `^[` for a C0 control or DEL, `<U+2028>` otherwise.
    var visibleText: String {
        if value < 0x20 { return "^" + String(Unicode.Scalar(UInt8(value) + 0x40)) }
        if value == 0x7F { return "^?" }
        guard isInvisible else { return String(self) }
        var digits = String(value, radix: 16, uppercase: true)
        if digits.count < 4 { digits = String(repeating: "0", count: 4 - digits.count) + digits }
        return "<U+" + digits + ">"
    }
}

/// Text safe to write to a terminal: every invisible character shown (`^[`, `<U+2028>`); tabs are
/// kept when `keepingTabs` (a source line keeps its tabs, so that the caret stays aligned under it).
func visible(_ text: String, keepingTabs: Bool = false) -> String {
    // Nearly all text is printable ASCII: pass it through without building a new string.
    if text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || (keepingTabs && $0 == 0x09) }) { return text }
    var out = ""
    for scalar in text.unicodeScalars {
        if keepingTabs && scalar == "\t" { out.unicodeScalars.append(scalar); continue }
        out += scalar.visibleText
    }
    return out
}
