/// The framework memory model (`--memory pytorch`): what PyTorch really holds while it trains and runs a
/// network, walked layer by layer from each kind's `FrameworkMemory` facts. docs/memory.md describes it and
/// how it was checked against PyTorch (`tools/crosscheck_memory.py`).
///
/// - **Storages.** A row's output is memory of its own, a view of its input's (flatten, a crop), or its
///   input's overwritten (a ReLU run in place). Each storage is counted once.
/// - **Kept.** What autograd keeps for the backward pass: the tensors each kind names, once per storage,
///   and the values it keeps besides (indices, masks, statistics). A storage is freed after the backward
///   of the first layer (in forward order) that keeps it.
/// - **Forward.** A storage nothing keeps lives until its last reader has run, or, when it is the input of
///   a block use, until the use has run: the caller holds the module's input (a Python frame does).
///   A layer's scratch lives while it runs.
/// - **Backward.** The layers in reverse: each makes its weights' gradients (kept to the optimizer's
///   step) and the gradient of each input that needs one (ADD, CONCAT and views hand theirs on); an
///   input's gradient lives until the backward of the layer that made the input. Kept storages are freed
///   as described.
/// - **Always alive.** Weights, optimizer state, the model's buffers (batch-norm statistics) and the
///   input batch; gradients are set to None between steps (PyTorch's default), so they appear during
///   the backward pass.

/// The framework model's totals for one network at its batch.
struct FrameworkTotals: Sendable {
    /// Bytes autograd keeps between the forward and the backward pass, each storage once, the input
    /// batch included when a layer keeps it, batch-norm statistics included.
    var keptBytes = 0
    /// The most bytes alive at once in one training step: weights, gradients, optimizer state, the
    /// input batch and activations.
    var trainingPeakBytes = 0
    /// The row at whose forward (or backward) the training peak is reached.
    var trainingPeakRow = 0
    var trainingPeakInBackward = false
    /// The most bytes alive at once in an inference pass (no autograd): weights, buffers, the input
    /// batch, the outputs still to be read and the running layer's scratch.
    var inferencePeakBytes = 0
    var inferencePeakRow = 0
    /// What never changes in a step: the weights (with `--amp`, fp32), the optimizer's state, the model's
    /// buffers and the input batch.
    var weightBytes = 0
    var optimizerBytes = 0
    var bufferBytes = 0
    var inputBytes = 0
    /// The weights' gradients alive at the training peak.
    var gradientBytesAtPeak = 0
    /// Activations at the training peak: kept storages, outputs still to be read, activation gradients
    /// and scratch.
    var activationBytesAtPeak = 0
}

/// Walks a network's rows through the framework model.
struct FrameworkMemoryWalk: Sendable {
    let rows: [LayerRow]
    let blocks: [BlockInstance]
    let settings: Settings

    /// The totals, and the bytes each row keeps first (the storages of which it is the first keeper,
    /// and its own kept values), in row order.
    func run() throws(Overflow) -> (totals: FrameworkTotals, keptByRow: [Int]) {
        let count = rows.count
        guard count > 0 else { return (FrameworkTotals(), []) }
        let activation = settings.activationBytes
        let weight = settings.weightBytes
        let batch = settings.batch
        let facts = rows.map(Self.facts)

        // Bytes of every row's output at the batch.
        var outputBytes = [Int](repeating: 0, count: count)
        for row in rows {
            outputBytes[row.index] = try checkedProduct(try row.output.volume(), batch, activation)
        }
        var readers = [Int32](repeating: 0, count: count)
        for row in rows {
            for input in row.inputs where input >= 0 && input < count { readers[input] &+= 1 }
        }

        // Storages: training and inference (where dropout is a view too).
        var storage = Array(0..<count)
        var inferenceStorage = Array(0..<count)
        var runsInPlace = [Bool](repeating: false, count: count)
        for row in rows where row.role != .input {
            let index = row.index
            guard let fact = facts[index], row.firstInput >= 0 else { continue }
            let input = row.firstInput
            let shares: Bool
            switch fact.output {
            case .view: shares = true
            case .new: shares = row.inPlace
            case .inPlaceWhenSoleReader:
                let producerKeepsOutput: Bool
                switch facts[input]?.kept {
                case .output: producerKeepsOutput = true
                case .nothing, .input, .inputValues, .inputs, nil: producerKeepsOutput = false
                }
                shares = row.inPlace || (readers[input] == 1 && storage[input] != 0 && !producerKeepsOutput)
                runsInPlace[index] = shares
            }
            if shares { storage[index] = storage[input] }
            if shares || fact.identityAtInference { inferenceStorage[index] = inferenceStorage[input] }
        }

        // Kept storages (released after the backward of their first keeper) and each row's kept values.
        var firstKeeper = [Int32](repeating: -1, count: count)
        var keptValues = [Int](repeating: 0, count: count)
        var inferenceScratch = [Int](repeating: 0, count: count)
        var scratch = [Int](repeating: 0, count: count)
        var backwardScratch = [Int](repeating: 0, count: count)
        func keep(_ storage: Int, by row: Int) {
            if firstKeeper[storage] < 0 { firstKeeper[storage] = Int32(clamping: row) }
        }
        for row in rows {
            let index = row.index
            guard let fact = facts[index] else { continue }
            switch fact.kept {
            case .nothing: break
            case .input: if row.firstInput >= 0 { keep(storage[row.firstInput], by: index) }
            case .output: keep(storage[index], by: index)
            case .inputValues:
                guard row.firstInput >= 0 else { break }
                if runsInPlace[index] {
                    keptValues[index] = try checkedAdd(keptValues[index], outputBytes[row.firstInput])
                } else {
                    keep(storage[row.firstInput], by: index)
                }
            case .inputs: for input in row.inputs where input >= 0 { keep(storage[input], by: index) }
            }
            for extra in [fact.keptValues, fact.statistics].compactMap({ $0 }) {
                let bytes = try self.bytes(of: extra, row: row)
                keptValues[index] = try checkedAdd(keptValues[index], bytes)
                if extra.alsoAtInference { inferenceScratch[index] = try checkedAdd(inferenceScratch[index], bytes) }
            }
            // With mixed precision a layer keeps the half-precision copy of its weights for its backward.
            if settings.amp, row.params > 0 {
                keptValues[index] = try checkedAdd(keptValues[index], try checkedMultiply(row.params, activation))
            }
            let inputBytes = row.firstInput >= 0 ? outputBytes[row.firstInput] : 0
            let weightCopy = try checkedMultiply(row.weights, activation)
            switch fact.scratch {
            case .none: break
            case .reorders:
                scratch[index] = try checkedAdd(max(inputBytes, outputBytes[index]), weightCopy)
                backwardScratch[index] = try checkedAdd(try checkedAdd(inputBytes, outputBytes[index]), weightCopy)
            case .transposedReorders:
                scratch[index] = try checkedAdd(outputBytes[index], max(outputBytes[index], try checkedAdd(inputBytes, weightCopy)))
                backwardScratch[index] = scratch[index]
            }
            inferenceScratch[index] = try checkedAdd(inferenceScratch[index], scratch[index])
        }
        // Under mixed precision the input batch stays fp32 and its half copy is a storage of its own.
        let inputStorageBytes = settings.amp ? outputBytes[0] : 0
        func storageBytes(_ index: Int) -> Int { index == 0 ? inputStorageBytes : outputBytes[index] }

        var totals = FrameworkTotals()
        var keptByRow = keptValues
        for index in 0..<count where firstKeeper[index] >= 0 && storage[index] == index {
            let owner = Int(firstKeeper[index])
            let bytes = index == 0 && !settings.amp ? outputBytes[0] : storageBytes(index)
            keptByRow[owner] = try checkedAdd(keptByRow[owner], bytes)
        }
        for bytes in keptByRow { totals.keptBytes = try checkedAdd(totals.keptBytes, bytes) }

        // What is always alive.
        var params = 0
        var buffers = 0
        for row in rows {
            params = try checkedAdd(params, row.params)
            buffers = try checkedAdd(buffers, row.nonTrainable)
        }
        totals.weightBytes = try checkedMultiply(params, weight)
        totals.optimizerBytes = try checkedProduct(params, weight, settings.optimizer.copiesPerParameter - 2)
        totals.bufferBytes = try checkedMultiply(buffers, weight)
        totals.inputBytes = try checkedProduct(try rows[0].output.volume(), batch, settings.amp ? 4 : activation)
        let persistent = try checkedAdd(try checkedAdd(totals.weightBytes, totals.optimizerBytes),
                                        try checkedAdd(totals.bufferBytes, totals.inputBytes))

        // The last forward step at which each storage is read: its readers, and the block uses it enters.
        let lastRead = try lastReads(storage)
        let inferenceLastRead = try lastReads(inferenceStorage)

        // The storages of the network's outputs (rows nothing reads) live until the backward reaches them.
        var holdsOutput = [Bool](repeating: false, count: count)
        for index in 0..<count where readers[index] == 0 { holdsOutput[storage[index]] = true }

        // Forward (training): storages appear at their row; those nothing keeps go after their last read.
        var change = [Int](repeating: 0, count: count + 1)
        for index in 0..<count where storage[index] == index {
            let bytes = storageBytes(index)
            change[index] = try checkedAdd(change[index], bytes)
            if firstKeeper[index] < 0 && !holdsOutput[index] {
                let end = Int(lastRead[index]) + 1
                change[end] = try checkedSubtract(change[end], bytes)
            }
        }
        var live = 0
        var peak = 0
        var peakGradients = 0
        var peakActivations = 0
        for index in 0..<count {
            live = try checkedAdd(try checkedAdd(live, change[index]), keptValues[index])
            let now = try checkedAdd(live, scratch[index])
            if now > peakActivations || index == 0 {
                peakActivations = now
                totals.trainingPeakRow = index
            }
        }
        peak = peakActivations
        // What is alive when the forward pass ends: what is kept, and the outputs nothing reads.
        var releaseAt = [Int](repeating: 0, count: count)
        for index in 0..<count where storage[index] == index {
            if firstKeeper[index] >= 0 {
                let at = Int(firstKeeper[index])
                releaseAt[at] = try checkedAdd(releaseAt[at], storageBytes(index))
            } else if holdsOutput[index] {
                // An output, alive at the end of the forward pass: freed once the backward has passed its row.
                releaseAt[index] = try checkedAdd(releaseAt[index], storageBytes(index))
            }
        }
        live = 0
        for index in 0..<count {
            live = try checkedAdd(live, releaseAt[index])
            live = try checkedAdd(live, keptValues[index])
        }

        // Backward: gradients of weights and of the inputs that need them, in reverse.
        var needsGradient = [Bool](repeating: false, count: count)
        for row in rows where row.role != .input {
            needsGradient[row.index] = row.params > 0 || row.inputs.contains { $0 >= 0 && needsGradient[$0] }
        }
        var buffer = [Int32](repeating: -1, count: count)
        var bufferBytes: [Int] = []
        var bufferUsers: [Int32] = []
        func newBuffer(_ bytes: Int) -> Int32 {
            bufferBytes.append(bytes)
            bufferUsers.append(1)
            return Int32(clamping: bufferBytes.count - 1)
        }
        for index in 0..<count where readers[index] == 0 && needsGradient[index] {
            buffer[index] = newBuffer(outputBytes[index])
            live = try checkedAdd(live, outputBytes[index])
        }
        var gradients = 0
        for index in stride(from: count - 1, through: 1, by: -1) {
            let row = rows[index]
            var passing = 0
            if buffer[index] >= 0, let fact = facts[index] {
                let weightGradient = try checkedMultiply(row.params, weight)
                gradients = try checkedAdd(gradients, weightGradient)
                live = try checkedAdd(live, weightGradient)
                for input in row.inputs where input >= 0 && needsGradient[input] {
                    if buffer[input] >= 0 {
                        // A second gradient for the same tensor: summed into a new one.
                        passing = try checkedAdd(passing, outputBytes[input])
                    } else if fact.passesGradient {
                        buffer[input] = buffer[index]
                        bufferUsers[Int(buffer[index])] &+= 1
                    } else {
                        buffer[input] = newBuffer(outputBytes[input])
                        live = try checkedAdd(live, outputBytes[input])
                    }
                }
            }
            let now = try checkedAdd(try checkedAdd(live, passing), backwardScratch[index])
            if now > peak {
                peak = now
                totals.trainingPeakRow = index
                totals.trainingPeakInBackward = true
                peakGradients = gradients
                peakActivations = try checkedSubtract(now, gradients)
            }
            if buffer[index] >= 0 {
                let used = Int(buffer[index])
                bufferUsers[used] &-= 1
                if bufferUsers[used] == 0 { live = try checkedSubtract(live, bufferBytes[used]) }
            }
            live = try checkedSubtract(try checkedSubtract(live, releaseAt[index]), keptValues[index])
        }
        // The optimizer's step: every weight's gradient (SGD and Adam update in place).
        if gradients > peak {
            peak = gradients
            totals.trainingPeakRow = 0
            totals.trainingPeakInBackward = true
            peakGradients = gradients
            peakActivations = 0
        }
        totals.trainingPeakBytes = try checkedAdd(persistent, peak)
        totals.gradientBytesAtPeak = peakGradients
        totals.activationBytesAtPeak = peakActivations

        // Inference: outputs live until their last read (or their block use's end); scratch while a layer runs.
        var inferenceChange = [Int](repeating: 0, count: count + 1)
        for index in 1..<max(1, count) where inferenceStorage[index] == index {
            inferenceChange[index] = try checkedAdd(inferenceChange[index], outputBytes[index])
            let end = readers[index] == 0 ? count : Int(inferenceLastRead[index]) + 1
            inferenceChange[end] = try checkedSubtract(inferenceChange[end], outputBytes[index])
        }
        // Under mixed precision autocast caches a half copy of the weights for the whole pass.
        let inferenceFixed = try checkedAdd(try checkedAdd(totals.weightBytes, totals.bufferBytes),
                                            try checkedAdd(totals.inputBytes,
                                                           settings.amp ? try checkedMultiply(params, activation) : 0))
        live = 0
        var inferencePeak = 0
        for index in 0..<count {
            live = try checkedAdd(live, inferenceChange[index])
            let now = try checkedAdd(live, inferenceScratch[index])
            if now > inferencePeak {
                inferencePeak = now
                totals.inferencePeakRow = index
            }
        }
        totals.inferencePeakBytes = try checkedAdd(inferenceFixed, inferencePeak)
        return (totals, keptByRow)
    }

    /// The facts of a row's layer or merge; nil for INPUT and folded block rows.
    static func facts(_ row: LayerRow) -> FrameworkMemory? {
        switch row.role {
        case .input, .block: return nil
        case .layer: return row.operation?.framework
        case .merge(let kind): return kind.framework
        }
    }

    /// The bytes of values a row keeps besides its tensors, at the batch.
    func bytes(of values: ExtraValues, row: LayerRow) throws(Overflow) -> Int {
        let batch = settings.batch
        let per: Int
        switch values.unit {
        case .inputValue: per = try checkedMultiply(try row.input.volume(), batch)
        case .outputValue: per = try checkedMultiply(try row.output.volume(), batch)
        case .position: per = try checkedMultiply(try row.output.spatialVolume(), batch)
        case .channel: per = row.output.depth
        case .channelPerImage: per = try checkedMultiply(row.output.depth, batch)
        case .image: per = batch
        case .heldValue: per = try checkedMultiply(row.heldActivations, batch)
        }
        let size: Int
        switch values.type {
        case .activation: size = settings.activationBytes
        case .fp32: size = 4
        case .int64: size = 8
        case .mask: size = 1
        }
        return try checkedProduct(per, values.count, size)
    }

    /// The last row that reads each storage: the readers of every row that lives in it, and, for the
    /// input of a block use, the use's last row (its caller holds the input until the module returns).
    private func lastReads(_ storage: [Int]) throws(Overflow) -> [Int32] {
        let count = rows.count
        var last = (0..<count).map { Int32(clamping: $0) }
        for row in rows {
            let reader = Int32(clamping: row.index)
            for input in row.inputs where input >= 0 && input < count {
                last[storage[input]] = max(last[storage[input]], reader)
            }
            if storage[row.index] != row.index { last[storage[row.index]] = max(last[storage[row.index]], reader) }
        }
        // A concatenation's inputs stay alive while its output is first read: PyTorch code names them in the
        // call (`torch.cat([skip, x], 1)`), and the caller's variables hold them until the statement that
        // reads the result is done (U-Net's skip and upsampled map, a dense block's features).
        let direct = last
        for row in rows {
            guard case .merge(.concat) = row.role else { continue }
            let until = direct[storage[row.index]]
            for input in row.inputs where input >= 0 && input < count {
                last[storage[input]] = max(last[storage[input]], until)
            }
        }
        // Each block use's first and last rows, its nested uses' rows included (a use comes after its parent).
        var first = [Int32](repeating: Int32.max, count: blocks.count)
        var end = [Int32](repeating: -1, count: blocks.count)
        for row in rows where row.block > 0 && row.block < blocks.count {
            first[row.block] = min(first[row.block], Int32(clamping: row.index))
            end[row.block] = max(end[row.block], Int32(clamping: row.index))
        }
        for use in stride(from: blocks.count - 1, through: 1, by: -1) {
            let parent = blocks[use].parent
            guard parent > 0, parent < use, end[use] >= 0 else { continue }
            first[parent] = min(first[parent], first[use])
            end[parent] = max(end[parent], end[use])
        }
        for use in 1..<max(1, blocks.count) where end[use] >= 0 {
            let opening = rows[Int(first[use])]
            for input in opening.inputs where input >= 0 && input < Int(first[use]) {
                last[storage[input]] = max(last[storage[input]], end[use])
            }
        }
        return last
    }
}
