/// `--fit SIZE`: the largest batch whose training memory (or, with `--inference`, inference peak) fits
/// in a memory size, with the breakdown that decides it (README, "How each number is counted"):
/// training = batch x (forward + backward bytes per image) + param bytes x (1 + 1 + optimizer states).

/// A memory size given on the command line: `12GiB`, `16GB`, `80G` (= GiB), `24000MiB`, `1.5TiB`.
struct MemorySize: Equatable, Sendable {
    var bytes: Int
    /// As the user wrote it.
    var text: String

    static func parse(_ text: String) -> MemorySize? {
        let trimmed = text.trimmingSpaces()
        let digits = trimmed.prefix { $0.isNumber || $0 == "." || $0 == "_" || $0 == "," }
        let unit = trimmed.dropFirst(digits.count).trimmingSpaces()
        let number = digits.filter { $0 != "_" && $0 != "," }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard !number.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }),
              let whole = Int(parts[0].isEmpty ? "0" : String(parts[0])) else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 9 else { return nil }
        let powers = ["": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5]
        var base = 1024
        var power: Int
        let upper = unit.uppercased()
        if upper.isEmpty || upper == "B" {
            power = 0
        } else if upper.hasSuffix("IB"), let p = powers[String(upper.dropLast(2))], p > 0 {
            power = p
        } else if upper.hasSuffix("B"), let p = powers[String(upper.dropLast())], p > 0 {
            power = p
            base = 1000
        } else if let p = powers[upper], p > 0 {
            power = p  // a bare G means GiB, as free and nvidia-smi count
        } else {
            return nil
        }
        var multiplier = 1
        for _ in 0..<power {
            guard let next = try? checkedMultiply(multiplier, base) else { return nil }
            multiplier = next
        }
        guard let wholeBytes = try? checkedMultiply(whole, multiplier) else { return nil }
        var fractionBytes = 0
        if !fraction.isEmpty, let digits = Int(fraction) {
            var scale = 1
            for _ in 0..<fraction.count { scale *= 10 }
            // digits/scale of a unit, rounded down to whole bytes, in 128 bits.
            fractionBytes = Int((Int128(digits) * Int128(multiplier)) / Int128(scale))
        }
        guard let bytes = try? checkedAdd(wholeBytes, fractionBytes), bytes > 0 else { return nil }
        return MemorySize(bytes: bytes, text: trimmed)
    }
}

/// The answer to "will it fit?" for one network.
struct FitResult: Sendable {
    var size: MemorySize
    var inference: Bool
    /// Bytes that do not grow with the batch: weights (+ gradients + optimizer state when training).
    var fixedBytes: Int
    var weightBytes: Int
    var gradientBytes: Int
    var optimizerBytes: Int
    /// Bytes each image adds: forward + backward activations (training) or the live peak (inference).
    var perImageBytes: Int
    var forwardPerImage: Int
    var backwardPerImage: Int
    /// The largest batch that fits; 0 when not even one image does.
    var batch: Int
    /// Memory used at that batch.
    var usedBytes: Int

    var paramsFit: Bool { fixedBytes <= size.bytes }
}

/// Works out the largest batch for a network.
struct FitPlanner {
    let network: NetworkReport

    func plan(_ size: MemorySize, inference: Bool) -> FitResult {
        let settings = network.settings
        let bytes = settings.dataType.bytes
        let totals = network.totals
        // Per-image figures come from the totals at the network's batch (exact division: they were multiplied).
        let batch = max(1, totals.batch)
        let forward = totals.forwardBytes / batch
        let weightBytes = totals.paramBytes
        let gradientBytes = inference ? 0 : totals.paramBytes
        // Each of these is part of a total that was counted with checked arithmetic, so none overflows;
        // CheckedInt says so without a trap or a wrap (Int.max if it ever did).
        let optimizerBytes = inference ? 0
            : (CheckedInt(totals.paramBytes) * (settings.optimizer.copiesPerParameter - 2)).value ?? Int.max
        let fixed = inference ? totals.paramBytes : totals.trainingParamBytes
        let perImage = (inference ? CheckedInt(totals.peakLiveActivations) * bytes : CheckedInt(forward) * 2).value ?? Int.max
        var result = FitResult(size: size, inference: inference, fixedBytes: fixed, weightBytes: weightBytes,
                               gradientBytes: gradientBytes, optimizerBytes: optimizerBytes, perImageBytes: perImage,
                               forwardPerImage: forward, backwardPerImage: inference ? 0 : forward, batch: 0,
                               usedBytes: fixed)
        guard fixed <= size.bytes else { return result }
        result.batch = perImage > 0 ? (size.bytes - fixed) / perImage : Int.max
        result.usedBytes = (CheckedInt(fixed) + CheckedInt(result.batch) * perImage).value ?? Int.max
        return result
    }

    /// The breakdown, one line each, for the table and Markdown outputs.
    func lines(_ result: FitResult, units: ByteUnits) -> [String] {
        func amount(_ bytes: Int) -> String { "\(formatCount(bytes)) bytes (\(formatBytes(bytes, units)))" }
        let settings = network.settings
        var lines: [String] = []
        let mode = result.inference ? "inference" : "training with \(settings.optimizer.rawValue)"
        lines.append("will it fit in \(result.size.text) (\(formatCount(result.size.bytes)) bytes), \(mode), \(settings.dataType.rawValue)?")
        lines.append("  weights          \(amount(result.weightBytes))")
        if !result.inference {
            lines.append("  gradients        \(amount(result.gradientBytes))")
            let states = settings.optimizer.copiesPerParameter - 2
            lines.append("  optimizer state  \(amount(result.optimizerBytes)) (\(states) cop\(states == 1 ? "y" : "ies") of the weights for \(settings.optimizer.rawValue))")
            lines.append("  per image        \(amount(result.perImageBytes)): \(formatCount(result.forwardPerImage)) forward + \(formatCount(result.backwardPerImage)) backward")
        } else {
            lines.append("  per image        \(amount(result.perImageBytes)): the largest set of activations alive at once")
        }
        if !result.paramsFit {
            lines.append("  it does not fit: the \(result.inference ? "weights" : "weights, gradients and optimizer state") alone take \(amount(result.fixedBytes)), more than \(result.size.text)")
        } else if result.batch == 0 {
            lines.append("  it does not fit: \(amount(result.fixedBytes)) fixed + one image \(amount(result.perImageBytes)) is more than \(result.size.text)")
        } else {
            lines.append("  largest batch    \(formatCount(result.batch)): \(formatCount(result.fixedBytes)) + \(formatCount(result.batch)) x \(formatCount(result.perImageBytes)) = \(amount(result.usedBytes)) of \(result.size.text)")
        }
        return lines
    }
}
