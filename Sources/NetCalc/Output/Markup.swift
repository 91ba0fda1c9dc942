/// What the SVG and HTML outputs share: escaping for XML text and attributes, coordinates written
/// deterministically, text widths estimated for layout, and the colours of each kind of layer.

/// Escaping and number writing for SVG and HTML, both written as well-formed XML.
enum Markup {
    /// Text safe as XML character data and inside a double-quoted attribute: `& < > " '` become
    /// references, and characters XML cannot carry become visible stand-ins (control bytes their
    /// Control Pictures `␀`..`␟`, DEL `␡`, C1 controls, U+FFFE and U+FFFF the replacement character).
    /// In an attribute, tabs and newlines become references too, so that they survive as themselves.
    static func escape(_ text: String, attribute: Bool = false) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && !"&<>\"'".utf8.contains($0) }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&#39;"
            case 0x09: out += attribute ? "&#9;" : "\t"
            case 0x0A: out += attribute ? "&#10;" : "\n"
            case 0x00...0x1F: out.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: out += "\u{2421}"
            case 0x80...0x9F, 0xFFFE, 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Text for one line of a figure label: escaped, and cut with `…` past `limit` characters.
    static func label(_ text: String, limit: Int) -> String {
        escape(text.count > limit ? String(text.prefix(limit - 1)) + "…" : text)
    }

    /// A coordinate to a tenth of a pixel, without a trailing `.0`: `12`, `12.5`, `-3.2`.
    static func number(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let whole = tenths / 10
        let fraction = abs(tenths % 10)
        let sign = tenths < 0 && whole == 0 ? "-" : ""
        return fraction == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    /// The width of text in the figures' monospaced font at `size` pixels: 0.6 em a character (the
    /// fonts of the stack are 0.55 to 0.6 em wide), two for the wide characters of East Asian scripts.
    static func textWidth(_ text: String, size: Double = FigureStyle.fontSize) -> Double {
        var columns = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
                 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1FAFF, 0x20000...0x3FFFD:
                columns += 2
            case 0x0300...0x036F, 0x200B...0x200F:
                continue  // combining marks and zero-width characters take no room of their own
            default:
                columns += 1
            }
        }
        return Double(columns) * size * 0.6
    }

    /// `16 x log2(value)` in integers: the bit length and the next four bits, interpolated linearly.
    /// Figures scale sizes with it, so that the same input draws the same bytes on every machine.
    static func log2x16(_ value: Int) -> Int {
        guard value > 1 else { return 0 }
        let bits = Int.bitWidth - value.leadingZeroBitCount - 1
        let fraction = bits >= 4 ? (value >> (bits - 4)) & 15 : (value << (4 - bits)) & 15
        return bits * 16 + fraction
    }
}

/// What kind of layer a figure's box shows, for its colour and the legend.
enum FigureKind: String, CaseIterable, Sendable {
    case input, conv, upsampling, pool, fc, norm, activation, dropout, reshape, merge, other

    /// The kind of a row, from its role and its layer's `op`.
    static func of(_ row: LayerRow) -> FigureKind {
        switch row.role {
        case .input: return .input
        case .merge: return .merge
        case .block: return .other  // a block use folded by --depth: drawn as one box
        case .layer:
            switch row.op {
            case "conv", "dwconv": return .conv
            case "deconv", "upsample", "pixelshuffle": return .upsampling
            case "maxpool", "avgpool", "gap", "adaptivemaxpool", "adaptiveavgpool": return .pool
            case "fc": return .fc
            case "bn", "layernorm", "groupnorm", "instancenorm", "lrn", "scale": return .norm
            case "dropout", "droppath": return .dropout
            case "flatten", "pad", "crop", "slice", "shuffle": return .reshape
            case "prelu", "relu", "relu6", "leakyrelu", "sigmoid", "hardsigmoid", "tanh", "elu", "gelu", "silu",
                 "hardswish", "mish", "softmax":
                return .activation
            default: return .other
            }
        }
    }

    /// The legend's words for it.
    var legend: String {
        switch self {
        case .input: return "input"
        case .conv: return "convolution"
        case .upsampling: return "up-sampling"
        case .pool: return "pooling"
        case .fc: return "fully connected"
        case .norm: return "normalization"
        case .activation: return "activation"
        case .dropout: return "dropout"
        case .reshape: return "reshaping"
        case .merge: return "merge"
        case .other: return "other"
        }
    }

    /// The front face's colour, a mid tone that reads on white paper and on a dark screen alike.
    var color: UInt32 {
        switch self {
        case .input: return 0xA3B1C6
        case .conv: return 0xF2A65A
        case .upsampling: return 0x6FA8DC
        case .pool: return 0xE0715F
        case .fc: return 0xA48BD6
        case .norm: return 0x7CC4A4
        case .activation: return 0xF2D45C
        case .dropout: return 0xC4C4C4
        case .reshape: return 0xC8B08C
        case .merge: return 0x5CB8B2
        case .other: return 0xD0D0D0
        }
    }

    /// Whether a row of this kind is drawn as a thin slab glued to the box before it (when it keeps
    /// its input's shape): normalizations, activations and dropout change no size worth a box.
    var glues: Bool {
        switch self {
        case .norm, .activation, .dropout: return true
        case .input, .conv, .upsampling, .pool, .fc, .reshape, .merge, .other: return false
        }
    }
}

/// Sizes, fonts and colours of the figures, shared by the SVG and the HTML page.
enum FigureStyle {
    static let fontSize = 11.0
    static let lineHeight = 13.0
    static let fontStack = "'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono',monospace"
    static let titleFontStack = "'DejaVu Sans','Helvetica Neue',Helvetica,Arial,sans-serif"

    /// `#rrggbb` of a colour mixed with white (`amount` > 0) or black (`amount` < 0), in percent.
    static func hex(_ color: UInt32, mix amount: Int = 0) -> String {
        var out = "#"
        for shift in [16, 8, 0] {
            var channel = Int((color >> UInt32(shift)) & 0xFF)
            channel = amount >= 0 ? channel + (255 - channel) * amount / 100 : channel * (100 + amount) / 100
            let digits = String(channel, radix: 16)
            out += digits.count == 1 ? "0" + digits : digits
        }
        return out
    }

    /// The figure's style sheet: light colours, dark ones on a dark screen (never in print).
    /// `scope` prefixes every rule, so that several figures in a page share one sheet.
    static func css(scope: String) -> String {
        var out = ""
        out += "\(scope) .bg{fill:#ffffff}"
        out += "\(scope) text{font-family:\(fontStack);font-size:\(Int(fontSize))px;fill:#1f2328}"
        out += "\(scope) .title{font-family:\(titleFontStack);font-size:17px;font-weight:bold}"
        out += "\(scope) .sub{fill:#57606a}"
        out += "\(scope) .nm{font-weight:bold}"
        out += "\(scope) .dim{fill:#6e7781}"
        out += "\(scope) .e{fill:none;stroke:#6e7781;stroke-width:1.3}"
        out += "\(scope) .ah{fill:#6e7781}"
        out += "\(scope) .n path,\(scope) .n circle{stroke:#30363d;stroke-width:.7;stroke-linejoin:round}"
        out += "\(scope) .sym{stroke:#1f2328;stroke-width:1.6;fill:none}"
        out += "\(scope) .kw{fill:#1f6feb;fill-opacity:.35;stroke:#1f6feb;stroke-width:.9}"
        out += "\(scope) .kl{stroke:#1f6feb;stroke-width:.8;stroke-opacity:.75;fill:none}"
        out += "\(scope) .span path{stroke-dasharray:4 3}"
        for kind in FigureKind.allCases {
            out += "\(scope) .\(kind.rawValue) .f{fill:\(hex(kind.color))}"
            out += "\(scope) .\(kind.rawValue) .t{fill:\(hex(kind.color, mix: 45))}"
            out += "\(scope) .\(kind.rawValue) .s{fill:\(hex(kind.color, mix: -22))}"
        }
        out += "@media screen and (prefers-color-scheme:dark){"
        out += "\(scope) .bg{fill:#0d1117}"
        out += "\(scope) text{fill:#e6edf3}"
        out += "\(scope) .sub,\(scope) .dim{fill:#9da7b3}"
        out += "\(scope) .e{stroke:#9da7b3}"
        out += "\(scope) .ah{fill:#9da7b3}"
        out += "\(scope) .n path,\(scope) .n circle{stroke:#0d1117}"
        out += "\(scope) .kw{fill:#79c0ff;stroke:#79c0ff}"
        out += "\(scope) .kl{stroke:#79c0ff}"
        out += "}"
        return out
    }
}
