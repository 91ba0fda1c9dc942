/// Overflows the batch causes. A layer's bytes are its values times the batch times the bytes of a
/// value; when the values fit and only the batch makes the product overflow, the message names the
/// batch (and where it was set), not the sizes of the layer.

/// The message and hint for a row whose bytes overflow at this batch, when the batch is the cause;
/// nil when the row's values overflow by themselves. `origin` says where the batch was set
/// (`@batch on line 2`, `--batch`).
func batchOverflow(_ name: String, row: LayerRow, settings: Settings, origin: String?) -> (message: String, hint: String)? {
    guard settings.batch > 1, let values = try? row.output.volume(),
          (try? checkedMultiply(values, settings.dataType.bytes)) != nil else { return nil }
    return ("the bytes of \(name) overflow 64 bits at batch \(formatCount(settings.batch)): \(formatCount(values)) values"
                + " x \(formatCount(settings.batch)) images x \(settings.dataType.bytes) bytes",
            batchHint(origin))
}

/// The message and hint for totals that overflow at this batch and fit at batch 1; nil otherwise.
func batchOverflow(totalsOf rows: [LayerRow], settings: Settings, origin: String?) -> (message: String, hint: String)? {
    guard settings.batch > 1 else { return nil }
    var single = settings
    single.batch = 1
    var perImage = rows
    for index in perImage.indices {
        guard (try? perImage[index].countMemory(single)) != nil else { return nil }
    }
    guard (try? Totals(rows: perImage, settings: single)) != nil else { return nil }
    return ("the network's bytes overflow 64 bits at batch \(formatCount(settings.batch))", batchHint(origin))
}

/// Where the batch came from, and what to do.
private func batchHint(_ origin: String?) -> String {
    "the batch is set by \(origin ?? "the model file"); netcalc counts bytes exactly up to \(formatCount(Int.max)): lower the batch"
}
