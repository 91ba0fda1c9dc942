/// `--fit SIZE`: the largest batch whose training memory (or, with `--inference`, inference peak) fits
/// in a memory size, with the breakdown that decides it. By PyTorch's model (the default, docs/memory.md)
/// the training peak of one step walked at each batch tried; by the notes' model (`--memory notes`,
/// README, "How each number is counted"): training = batch x (forward + backward bytes per image) +
/// param bytes x (1 + 1 + optimizer states). Each answer names the other model's.

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
    /// The memory model the answer follows.
    var model = MemoryModel.notes
    /// The other model's largest batch.
    var otherBatch = 0
    /// PyTorch's model: where the peak falls at the answer's batch, and what one image more adds there.
    var peakRow = 0
    var peakInBackward = false
    var nextImageBytes = 0
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

    /// The answer by the model chosen (`--memory`, `@memory`; PyTorch's when none is), with the other's batch.
    func plan(_ size: MemorySize, inference: Bool) -> FitResult {
        let notes = planByNotes(size, inference: inference)
        let framework = planByFramework(size, inference: inference)
        switch network.settings.memory ?? .pytorch {
        case .notes:
            var result = notes
            result.otherBatch = framework?.batch ?? 0
            return result
        case .pytorch:
            guard var result = framework else { return notes }
            result.otherBatch = notes.batch
            return result
        }
    }

    /// PyTorch's model: the largest batch whose peak (training or inference) fits; nil when the model
    /// cannot be walked. Every step's bytes are a + b x batch exactly (a storage's bytes are its values
    /// times the batch; weights, optimizer state and batch-norm statistics do not grow), so two walks, at
    /// batches 1 and 2, give each step's line, and the answer is the least batch any step allows.
    func planByFramework(_ size: MemorySize, inference: Bool) -> FitResult? {
        guard let walk = network.frameworkWalk, let single = network.totals.framework else { return nil }
        func at(_ batch: Int) -> FrameworkMemoryWalk {
            var settings = walk.settings
            settings.batch = batch
            return FrameworkMemoryWalk(rows: walk.rows, blocks: walk.blocks, settings: settings)
        }
        func bytes(_ totals: FrameworkTotals) -> Int { inference ? totals.inferencePeakBytes : totals.trainingPeakBytes }
        let gradients = inference ? 0 : single.weightBytes
        let fixed = inference ? saturatingAdd(single.weightBytes, single.bufferBytes)
            : saturatingAdd(saturatingAdd(single.weightBytes, single.bufferBytes), saturatingAdd(single.optimizerBytes, gradients))
        var result = FitResult(size: size, inference: inference, model: .pytorch, fixedBytes: fixed,
                               weightBytes: single.weightBytes, gradientBytes: gradients,
                               optimizerBytes: inference ? 0 : single.optimizerBytes, perImageBytes: 0,
                               forwardPerImage: 0, backwardPerImage: 0, batch: 0, usedBytes: fixed)
        guard fixed <= size.bytes else { return result }
        guard let one = try? at(1).steps(), let two = try? at(2).steps() else { return nil }
        let (first, second) = inference ? (one.inference, two.inference) : (one.training, two.training)
        var largest = Int.max
        for (a1, a2) in zip(first, second) {
            let perImage = a2 - a1  // both fit in 64 bits and a2 >= a1: no overflow
            let base = a1 - perImage
            guard base <= size.bytes else { largest = 0; break }
            if perImage > 0 { largest = min(largest, (size.bytes - base) / perImage) }
        }
        guard largest > 0, let peak = try? at(largest).run().totals else {
            result.usedBytes = (try? at(1).run().totals).map(bytes) ?? Int.max
            return result
        }
        result.batch = largest
        result.usedBytes = bytes(peak)
        result.peakRow = inference ? peak.inferencePeakRow : peak.trainingPeakRow
        result.peakInBackward = !inference && peak.trainingPeakInBackward
        if largest < Int.max, let next = try? at(largest + 1).run().totals { result.nextImageBytes = bytes(next) - result.usedBytes }
        result.perImageBytes = result.nextImageBytes
        return result
    }

    /// The notes' model: fixed bytes plus the batch times the bytes of one image.
    func planByNotes(_ size: MemorySize, inference: Bool) -> FitResult {
        let settings = network.settings
        let bytes = settings.activationBytes
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
        let precision = settings.amp ? "mixed precision" : settings.dataType.rawValue
        let model = result.model == .pytorch ? "PyTorch's memory (--memory pytorch)" : "the notes' memory model (--memory notes)"
        lines.append("will it fit in \(result.size.text) (\(formatCount(result.size.bytes)) bytes), \(mode), \(precision), by \(model)?")
        lines.append("  weights          \(amount(result.weightBytes))")
        if !result.inference {
            lines.append("  gradients        \(amount(result.gradientBytes))\(result.model == .pytorch ? ", all of them at the optimizer's step" : "")")
            let states = settings.optimizer.copiesPerParameter - 2
            lines.append("  optimizer state  \(amount(result.optimizerBytes)) (\(states) cop\(states == 1 ? "y" : "ies") of the weights for \(settings.optimizer.rawValue))")
        }
        switch result.model {
        case .notes:
            if !result.inference {
                lines.append("  per image        \(amount(result.perImageBytes)): \(formatCount(result.forwardPerImage)) forward + \(formatCount(result.backwardPerImage)) backward")
            } else {
                lines.append("  per image        \(amount(result.perImageBytes)): the largest set of activations alive at once")
            }
        case .pytorch: break
        }
        let peak = result.inference ? "inference peak" : "training peak"
        if !result.paramsFit {
            lines.append("  it does not fit: the \(result.inference ? "weights" : "weights, gradients and optimizer state") alone take \(amount(result.fixedBytes)), more than \(result.size.text)")
        } else if result.batch == 0 {
            switch result.model {
            case .notes:
                lines.append("  it does not fit: \(amount(result.fixedBytes)) fixed + one image \(amount(result.perImageBytes)) is more than \(result.size.text)")
            case .pytorch:
                lines.append("  it does not fit: the \(peak) of one image is \(amount(result.usedBytes)), more than \(result.size.text)")
            }
        } else {
            switch result.model {
            case .notes:
                lines.append("  largest batch    \(formatCount(result.batch)): \(formatCount(result.fixedBytes)) + \(formatCount(result.batch)) x \(formatCount(result.perImageBytes)) = \(amount(result.usedBytes)) of \(result.size.text)")
            case .pytorch:
                let place = network.rows.indices.contains(result.peakRow) && !(result.peakInBackward && result.peakRow == 0)
                    ? network.path(of: network.rows[result.peakRow]) + (result.peakInBackward ? "'s backward" : "")
                    : "the optimizer's step"
                lines.append("  largest batch    \(formatCount(result.batch)): \(peak) \(amount(result.usedBytes)) of \(result.size.text), at \(place); one image more adds \(formatBytes(result.nextImageBytes, units))")
            }
        }
        switch result.model {
        case .notes:
            lines.append("  PyTorch's model gives \(formatCount(result.otherBatch)) (what autograd keeps, walked to the \(peak): --memory pytorch)")
        case .pytorch:
            lines.append("  the notes' model gives \(formatCount(result.otherBatch)) (\(result.inference ? "every output alive until read" : "a gradient for every stored value"): --memory notes)")
        }
        return lines
    }
}
