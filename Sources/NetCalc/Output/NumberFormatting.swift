/// Number formatting shared by the renderers: thousands separators and human units, exact to the digit shown.

/// `138357544` -> `138,357,544`.
func formatCount(_ value: Int) -> String {
    withDecimalText(value, separators: true) { String(decoding: $0, as: UTF8.self) }
}

/// Hands `body` a whole number's decimal text as UTF-8 (`-138,357,544`, or without the commas), made
/// in place, back to front: the one place numbers become digits, for strings and output bytes alike.
func withDecimalText<Result>(_ value: Int, separators: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
    // At most 19 digits, 6 commas and a sign.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { text in
        var start = text.count
        var rest = value.magnitude
        var written = 0
        repeat {
            if separators, written > 0, written % 3 == 0 {
                start -= 1
                text[start] = UInt8(ascii: ",")
            }
            start -= 1
            text[start] = UInt8(rest % 10) + 0x30
            rest /= 10
            written += 1
        } while rest > 0
        if value < 0 {
            start -= 1
            text[start] = UInt8(ascii: "-")
        }
        return body(UnsafeBufferPointer(rebasing: text[start...]))
    }
}

/// `value / unit` with one decimal, rounded half up, computed in integers.
private func scaled(_ value: Int, by unit: Int, decimals: Int) -> String {
    let whole = value / unit
    let remainder = value % unit
    var scale = 1
    for _ in 0..<decimals { scale *= 10 }
    // remainder * scale + unit / 2 must not overflow; past that, a Double is exact enough for the digits shown.
    let fits = remainder <= (Int.max - unit / 2) / scale
    var fraction = fits ? (remainder * scale + unit / 2) / unit
        : Int((Double(remainder) / Double(unit) * Double(scale)).rounded())
    var wholePart = whole
    if fraction >= scale {
        wholePart += 1
        fraction -= scale
    }
    guard decimals > 0 else { return "\(wholePart)" }
    let text = String(fraction)
    return "\(wholePart).\(String(repeating: "0", count: decimals - text.count))\(text)"
}

/// How byte figures are shown: 1024-based (KiB, MiB, GiB) or 1000-based (KB, MB, GB).
enum ByteUnits: String, CaseIterable, Sendable {
    case iec, si

    var base: Int { self == .iec ? 1024 : 1000 }
    var names: [String] { self == .iec ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] : ["KB", "MB", "GB", "TB", "PB", "EB"] }
    var description: String { self == .iec ? "KiB, MiB, GiB are 1024-based" : "KB, MB, GB are 1000-based" }
}

/// Bytes with one decimal in the chosen units: `58.1 MiB` (or `61.0 MB`); below one unit, `512 B`.
func formatBytes(_ bytes: Int, _ units: ByteUnits = .iec) -> String {
    let names = units.names
    let base = units.base
    guard bytes >= base else { return "\(bytes) B" }
    var unit = base
    var index = 0
    while index < names.count - 1, bytes / unit >= base {
        unit *= base
        index += 1
    }
    var text = scaled(bytes, by: unit, decimals: 1)
    if text.hasPrefix("\(base).") || text.hasPrefix("\(base)"), text.split(separator: ".").first == Substring("\(base)"),
       index < names.count - 1 {
        unit *= base
        index += 1
        text = scaled(bytes, by: unit, decimals: 1)
    }
    return "\(text) \(names[index])"
}

/// A count with three significant digits and a 1000-based suffix: `138M`, `15.5G`, `34.9K`, `512`.
func formatApproximate(_ value: Int) -> String {
    let suffixes = ["", "K", "M", "G", "T", "P", "E"]
    var unit = 1
    var index = 0
    while index < suffixes.count - 1, value / unit >= 1000 {
        unit *= 1000
        index += 1
    }
    if index == 0 { return "\(value)" }
    let leading = value / unit
    let decimals = leading >= 100 ? 0 : leading >= 10 ? 1 : 2
    var text = scaled(value, by: unit, decimals: decimals)
    if text.hasPrefix("1000"), index < suffixes.count - 1 {
        unit *= 1000
        index += 1
        text = scaled(value, by: unit, decimals: 2)
    }
    return text + suffixes[index]
}

/// Pads a string on the left to a width, in characters (UTF-8 bytes for ASCII text, which is cheaper).
func padLeft(_ text: String, _ width: Int) -> String {
    let count = displayWidth(text)
    return count >= width ? text : String(repeating: " ", count: width - count) + text
}

/// Pads a string on the right to a width, in characters.
func padRight(_ text: String, _ width: Int) -> String {
    let count = displayWidth(text)
    return count >= width ? text : text + String(repeating: " ", count: width - count)
}

/// The number of characters of a string, counted fast when it is ASCII.
func displayWidth(_ text: String) -> Int {
    let bytes = text.utf8.count
    return text.utf8.allSatisfy { $0 < 0x80 } ? bytes : text.count
}

/// `1,300 (1.30K)`, or just `20` when the short form says nothing more.
func withApproximate(_ value: Int) -> String {
    let exact = formatCount(value)
    let short = formatApproximate(value)
    return short == exact || short == "\(value)" ? exact : "\(exact) (\(short))"
}

/// `1 bias`, `20 biases`.
func counted(_ value: Int, _ singular: String, _ plural: String) -> String {
    "\(formatCount(value)) \(value == 1 ? singular : plural)"
}

