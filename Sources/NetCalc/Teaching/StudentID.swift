/// Who a sheet is: the student id that the gradebook's `student` column and the feedback files give
/// each sheet of a class, taken from the sheets' paths.

enum StudentID {
    /// One id per sheet, in order: the file's name without its folders and `.net` (`alice` for
    /// `sheets/alice.net`); when two sheets share it, their folder's name (`alice` for
    /// `submissions/alice/hw.net`, as a course's downloaded submissions are laid out); when that does
    /// not tell them apart either, the path without `.net`. Standard input is `stdin`.
    static func ids(_ names: [String]) -> [String] {
        let components = names.map { name -> [Substring] in
            name == "<stdin>" ? ["stdin"] : name.split(separator: "/")
        }
        let stems = components.map { parts in stem(parts.last.map(String.init) ?? "") }
        if Set(stems).count == stems.count { return stems }
        let folders = components.map { parts in parts.count >= 2 ? String(parts[parts.count - 2]) : stem(parts.last.map(String.init) ?? "") }
        if Set(folders).count == folders.count { return folders }
        return names.map(stem)
    }

    /// The name without a final `.net`.
    private static func stem(_ name: String) -> String {
        name.hasSuffix(".net") && name.count > 4 ? String(name.dropLast(4)) : name
    }

    /// File names for ids, one each, safe in any folder: letters, digits, `.`, `-` and `_` kept, any
    /// other character `_`, no leading dot, never empty; a name that two ids would share is told apart
    /// by `-2`, `-3`, ...
    static func fileNames(_ ids: [String], suffix: String) -> [String] {
        var taken = Set<String>()
        return ids.map { id in
            var base = String(id.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            }.prefix(100))
            if base.hasPrefix(".") { base = "_" + base.dropFirst() }
            if base.isEmpty { base = "sheet" }
            var name = base + suffix
            var number = 1
            while !taken.insert(name.lowercased()).inserted {
                number += 1
                name = "\(base)-\(number)\(suffix)"
            }
            return name
        }
    }
}
