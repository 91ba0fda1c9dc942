/// PLACEHOLDER for the layer reference `netcalc help layers` and `netcalc help LAYER` print: the
/// command line's side of issue 24 needs its two entry points; the real reference (from each kind's
/// definition, with its framework names) replaces this file.
enum LayerReference {
    /// Every layer keyword with its one-line usage.
    static func overview() -> String {
        "layers (netcalc help LAYER for one):\n"
            + LayerCatalog.definitions.map { "  \($0.keyword)  \($0.usage)" }.joined(separator: "\n") + "\n"
    }

    /// One layer's entry, by its keyword or an alias in any case; nil for a word that names no layer.
    static func entry(named name: String) -> String? {
        guard let definition = LayerCatalog.definition(for: name) else { return nil }
        let aliases = definition.aliases.isEmpty ? "" : " (also \(definition.aliases.joined(separator: ", ")))"
        return "\(definition.keyword)\(aliases)\n  \(definition.usage)\n"
    }
}
