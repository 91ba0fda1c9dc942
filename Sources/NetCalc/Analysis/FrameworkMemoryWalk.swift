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
        let walked = try walk(recordingSteps: false)
        return (walked.totals, walked.keptByRow)
    }

    /// The bytes alive at every step of the training step (the forward rows, the backward rows, the
    /// optimizer's step) and of the inference pass: each is exactly affine in the batch, which is how
    /// `--fit` finds the largest batch from two walks.
    func steps() throws(Overflow) -> (training: [Int], inference: [Int]) {
        let walked = try walk(recordingSteps: true)
        return (walked.trainingSteps, walked.inferenceSteps)
    }

    private func walk(recordingSteps: Bool) throws(Overflow)
        -> (totals: FrameworkTotals, keptByRow: [Int], trainingSteps: [Int], inferenceSteps: [Int]) {
        var trainingSteps: [Int] = []
        var inferenceSteps: [Int] = []
        if recordingSteps {
            trainingSteps.reserveCapacity(2 * rows.count + 1)
            inferenceSteps.reserveCapacity(rows.count)
        }
        let count = rows.count
        guard count > 0 else { return (FrameworkTotals(), [], [], []) }
        let activation = settings.activationBytes
        let weight = settings.weightBytes
        let batch = settings.batch

        // One pass over the rows into flat arrays (a row is 256 bytes with references; every later pass
        // reads these): each row's facts, inputs, output bytes, and what it keeps and allocates besides.
        var graph = try FlatGraph(rows, walk: self)
        let facts = graph.facts
        let outputBytes = graph.outputBytes
        var readers = [Int32](repeating: 0, count: count)
        for input in graph.inputList { readers[Int(input)] &+= 1 }

        // Each row's storage, the row whose output memory it lives in (in 32 bits: a million rows), in
        // training and at inference (where dropout is a view too).
        var storage = (0..<count).map { Int32(clamping: $0) }
        var inferenceStorage = storage
        var runsInPlace = [Bool](repeating: false, count: count)
        for index in 1..<count {
            let input = graph.firstInput(index)
            let fact = facts[index]
            guard fact.present, input >= 0 else { continue }
            let shares: Bool
            switch fact.output {
            case .view: shares = true
            case .new: shares = graph.inPlace[index]
            case .inPlaceWhenSoleReader:
                let producerKeepsOutput: Bool
                switch facts[input].kept {
                case .output: producerKeepsOutput = true
                case .nothing, .input, .inputValues, .inputs: producerKeepsOutput = false
                }
                shares = graph.inPlace[index] || (readers[input] == 1 && storage[input] != 0 && !producerKeepsOutput)
                runsInPlace[index] = shares
            }
            if shares { storage[index] = storage[input] }
            if shares || fact.identityAtInference { inferenceStorage[index] = inferenceStorage[input] }
        }

        // Kept storages (released after the backward of their first keeper) and each row's kept values.
        var firstKeeper = [Int32](repeating: -1, count: count)
        // Taken from the graph, not copied: at the end it becomes each row's kept bytes.
        var keptValues = graph.keptValues
        graph.keptValues = []
        func keep(_ storage: Int32, by row: Int) {
            if firstKeeper[Int(storage)] < 0 { firstKeeper[Int(storage)] = Int32(clamping: row) }
        }
        for index in 0..<count {
            let fact = facts[index]
            guard fact.present else { continue }
            let input = graph.firstInput(index)
            switch fact.kept {
            case .nothing: break
            case .input: if input >= 0 { keep(storage[input], by: index) }
            case .output: keep(storage[index], by: index)
            case .inputValues:
                guard input >= 0 else { break }
                if runsInPlace[index] {
                    keptValues[index] = try checkedAdd(keptValues[index], outputBytes[input])
                } else {
                    keep(storage[input], by: index)
                }
            case .inputs: for input in graph.inputs(index) { keep(storage[Int(input)], by: index) }
            }
        }
        let scratch = graph.scratch
        let inferenceScratch = graph.inferenceScratch
        // Under mixed precision the input batch stays fp32 and its half copy is a storage of its own.
        let inputStorageBytes = settings.amp ? outputBytes[0] : 0
        func storageBytes(_ index: Int) -> Int { index == 0 ? inputStorageBytes : outputBytes[index] }

        var totals = FrameworkTotals()
        for bytes in keptValues { totals.keptBytes = try checkedAdd(totals.keptBytes, bytes) }
        // The kept storages, each given to its first keeper (the input batch at its full size).
        func keptStorageBytes(_ index: Int) -> Int { index == 0 && !settings.amp ? outputBytes[0] : storageBytes(index) }
        for index in 0..<count where firstKeeper[index] >= 0 && Int(storage[index]) == index {
            totals.keptBytes = try checkedAdd(totals.keptBytes, keptStorageBytes(index))
        }

        // What is always alive.
        let params = graph.totalParams
        let buffers = graph.totalBuffers
        totals.weightBytes = try checkedMultiply(params, weight)
        totals.optimizerBytes = try checkedProduct(params, weight, settings.optimizer.copiesPerParameter - 2)
        totals.bufferBytes = try checkedMultiply(buffers, weight)
        totals.inputBytes = try checkedProduct(try rows[0].output.volume(), batch, settings.amp ? 4 : activation)
        let persistent = try checkedAdd(try checkedAdd(totals.weightBytes, totals.optimizerBytes),
                                        try checkedAdd(totals.bufferBytes, totals.inputBytes))

        // The last forward step at which each storage is read: its readers, and the block uses it enters.
        let lastRead = lastReads(storage, graph)
        // Dropout is a view at inference only: the storages differ only in a network that has one.
        let inferenceLastRead = inferenceStorage == storage ? lastRead : lastReads(inferenceStorage, graph)

        // The storages of the network's outputs (rows nothing reads) live until the backward reaches them.
        var holdsOutput = [Bool](repeating: false, count: count)
        for index in 0..<count where readers[index] == 0 { holdsOutput[Int(storage[index])] = true }

        // Forward (training): storages appear at their row; those nothing keeps go after their last read.
        var change = [Int](repeating: 0, count: count + 1)
        for index in 0..<count where Int(storage[index]) == index {
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
            if recordingSteps { trainingSteps.append(try checkedAdd(persistent, now)) }
            if now > peakActivations || index == 0 {
                peakActivations = now
                totals.trainingPeakRow = index
            }
        }
        peak = peakActivations
        // What is alive when the forward pass ends: what is kept, and the outputs nothing reads.
        // The same memory, now the bytes each backward step frees (a million rows: one array, not two).
        var releaseAt = change
        change = []
        releaseAt.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        for index in 0..<count where Int(storage[index]) == index {
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
        for index in 1..<count {
            needsGradient[index] = graph.params[index] > 0 || graph.inputs(index).contains { needsGradient[Int($0)] }
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
            var passing = 0
            if buffer[index] >= 0, facts[index].present {
                let fact = facts[index]
                let weightGradient = try checkedMultiply(graph.params[index], weight)
                gradients = try checkedAdd(gradients, weightGradient)
                live = try checkedAdd(live, weightGradient)
                for input in graph.inputs(index).lazy.map(Int.init) where needsGradient[input] {
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
            let now = try checkedAdd(try checkedAdd(live, passing), graph.backwardScratch(index))
            if recordingSteps { trainingSteps.append(try checkedAdd(persistent, now)) }
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
        if recordingSteps { trainingSteps.append(try checkedAdd(persistent, gradients)) }
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
        var inferenceChange = releaseAt
        releaseAt = []
        inferenceChange.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        for index in 1..<max(1, count) where Int(inferenceStorage[index]) == index {
            inferenceChange[index] = try checkedAdd(inferenceChange[index], outputBytes[index])
            let end = readers[index] == 0 ? count : Int(inferenceLastRead[index]) + 1
            inferenceChange[end] = try checkedSubtract(inferenceChange[end], outputBytes[index])
        }
        let inferenceFixed = try checkedAdd(try checkedAdd(totals.weightBytes, totals.bufferBytes), totals.inputBytes)
        live = 0
        var inferencePeak = 0
        for index in 0..<count {
            live = try checkedAdd(live, inferenceChange[index])
            let now = try checkedAdd(live, inferenceScratch[index])
            if recordingSteps { inferenceSteps.append(try checkedAdd(inferenceFixed, now)) }
            if now > inferencePeak {
                inferencePeak = now
                totals.inferencePeakRow = index
            }
        }
        totals.inferencePeakBytes = try checkedAdd(inferenceFixed, inferencePeak)
        // Each row's kept bytes: its own kept values and the storages it keeps first.
        var keptByRow = keptValues
        keptValues = []
        for index in 0..<count where firstKeeper[index] >= 0 && Int(storage[index]) == index {
            let owner = Int(firstKeeper[index])
            keptByRow[owner] = try checkedAdd(keptByRow[owner], keptStorageBytes(index))
        }
        return (totals, keptByRow, trainingSteps, inferenceSteps)
    }

    /// The bytes of values a row keeps besides its tensors, at the batch: the row's input and output
    /// shapes, and the values it holds besides its output.
    func bytes(of values: ExtraValues, input: Shape, output: Shape, held: Int) throws(Overflow) -> Int {
        let batch = settings.batch
        let per: Int
        switch values.unit {
        case .inputValue: per = try checkedMultiply(try input.volume(), batch)
        case .outputValue: per = try checkedMultiply(try output.volume(), batch)
        case .position: per = try checkedMultiply(try output.spatialVolume(), batch)
        case .channel: per = output.depth
        case .channelPerImage: per = try checkedMultiply(output.depth, batch)
        case .image: per = batch
        case .group(let groups): per = try checkedMultiply(groups, batch)
        case .heldValue: per = try checkedMultiply(held, batch)
        }
        let size: Int
        switch values.type {
        case .activation: size = settings.activationBytes
        case .fp32: size = 4
        case .int64: size = 8
        case .mask: size = 1
        }
        return try checkedMultiply(try checkedMultiply(per, values.count), size)
    }

    /// The last row that reads each storage: the readers of every row that lives in it, and, for the
    /// input of a block use, the use's last row (its caller holds the input until the module returns).
    private func lastReads(_ storage: [Int32], _ graph: FlatGraph) -> [Int32] {
        let count = storage.count
        var last = (0..<count).map { Int32(clamping: $0) }
        for index in 0..<count {
            let reader = Int32(clamping: index)
            for input in graph.inputs(index) {
                last[Int(storage[Int(input)])] = max(last[Int(storage[Int(input)])], reader)
            }
            if Int(storage[index]) != index { last[Int(storage[index])] = max(last[Int(storage[index])], reader) }
        }
        // A concatenation's inputs stay alive while its output is first read: PyTorch code names them in the
        // call (`torch.cat([skip, x], 1)`), and the caller's variables hold them until the statement that
        // reads the result is done (U-Net's skip and upsampled map, a dense block's features).
        let direct = last
        for index in 0..<count where graph.isConcatenation[index] {
            let until = direct[Int(storage[index])]
            for input in graph.inputs(index) {
                last[Int(storage[Int(input)])] = max(last[Int(storage[Int(input)])], until)
            }
        }
        // Each block use's first and last rows, its nested uses' rows included (a use comes after its parent).
        var first = [Int32](repeating: Int32.max, count: blocks.count)
        var end = [Int32](repeating: -1, count: blocks.count)
        for index in 0..<count {
            let block = Int(graph.block[index])
            guard block > 0, block < blocks.count else { continue }
            first[block] = min(first[block], Int32(clamping: index))
            end[block] = max(end[block], Int32(clamping: index))
        }
        for use in stride(from: blocks.count - 1, through: 1, by: -1) {
            let parent = blocks[use].parent
            guard parent > 0, parent < use, end[use] >= 0 else { continue }
            first[parent] = min(first[parent], first[use])
            end[parent] = max(end[parent], end[use])
        }
        for use in 1..<max(1, blocks.count) where end[use] >= 0 {
            let opening = Int(first[use])
            for input in graph.inputs(opening) where Int(input) < opening {
                last[Int(storage[Int(input)])] = max(last[Int(storage[Int(input)])], end[use])
            }
        }
        return last
    }
}

/// The facts of a row the walk's later passes read, in a few bytes (a million rows' whole facts would take 48 MB).
private struct RowFacts {
    /// False for INPUT, which has none.
    var present: Bool
    var kept: FrameworkMemory.KeptTensors
    var output: FrameworkMemory.OutputStorage
    var passesGradient: Bool
    var identityAtInference: Bool
    var scratch: FrameworkMemory.Scratch

    init(_ facts: FrameworkMemory?) {
        present = facts != nil
        kept = facts?.kept ?? .nothing
        output = facts?.output ?? .new
        passesGradient = facts?.passesGradient ?? false
        identityAtInference = facts?.identityAtInference ?? false
        scratch = facts?.scratch ?? .none
    }
}

/// A network's rows as the framework walk reads them, in flat arrays, made in one pass: a row is 256
/// bytes with references, and each of the walk's passes reading whole rows cost more than the walk.
private struct FlatGraph {
    /// What the later passes read of each row's facts (the rest is in the byte arrays below).
    var facts: [RowFacts]
    /// Row i reads `inputList[inputStart[i]..<inputStart[i + 1]]`, its first input first.
    var inputStart: [Int32]
    var inputList: [Int32]
    var outputBytes: [Int]
    var params: [Int]
    var inPlace: [Bool]
    var block: [Int32]
    var isConcatenation: [Bool]
    /// Bytes each row keeps besides its tensors (indices, masks, statistics, half weights).
    var keptValues: [Int]
    /// Bytes each row allocates while it runs forward (training), and at inference.
    var scratch: [Int]
    var inferenceScratch: [Int]
    var totalParams = 0
    var totalBuffers = 0

    init(_ rows: [LayerRow], walk: FrameworkMemoryWalk) throws(Overflow) {
        let count = rows.count
        let settings = walk.settings
        let activation = settings.activationBytes
        facts = []
        facts.reserveCapacity(count)
        inputStart = [0]
        inputStart.reserveCapacity(count + 1)
        inputList = []
        inputList.reserveCapacity(count)
        outputBytes = [Int](repeating: 0, count: count)
        params = [Int](repeating: 0, count: count)
        inPlace = [Bool](repeating: false, count: count)
        block = [Int32](repeating: 0, count: count)
        isConcatenation = [Bool](repeating: false, count: count)
        keptValues = [Int](repeating: 0, count: count)
        scratch = [Int](repeating: 0, count: count)
        inferenceScratch = [Int](repeating: 0, count: count)
        for index in 0..<count {
            // The facts of the row's layer (read once per resolved layer) or merge; none for INPUT.
            let fact: FrameworkMemory?
            switch rows[index].role {
            case .input, .block: fact = nil
            case .layer: fact = rows[index].resolved?.framework
            case .merge(let kind): fact = kind.framework
            }
            facts.append(RowFacts(fact))
            let first = rows[index].firstInput
            if first >= 0 && first < index { inputList.append(Int32(clamping: first)) }
            for input in rows[index].moreInputs where input >= 0 && input < index { inputList.append(Int32(clamping: input)) }
            inputStart.append(Int32(clamping: inputList.count))
            outputBytes[index] = try checkedMultiply(try checkedMultiply(try rows[index].output.volume(), settings.batch), activation)
            params[index] = rows[index].params
            totalParams = try checkedAdd(totalParams, params[index])
            totalBuffers = try checkedAdd(totalBuffers, rows[index].nonTrainable)
            inPlace[index] = rows[index].inPlace
            block[index] = Int32(clamping: rows[index].block)
            if case .merge(.concat) = rows[index].role { isConcatenation[index] = true }
            guard let fact else { continue }
            func add(_ extra: ExtraValues?) throws(Overflow) {
                guard let extra else { return }
                let bytes = try walk.bytes(of: extra, input: rows[index].input, output: rows[index].output,
                                           held: rows[index].heldActivations)
                keptValues[index] = try checkedAdd(keptValues[index], bytes)
                if extra.alsoAtInference { inferenceScratch[index] = try checkedAdd(inferenceScratch[index], bytes) }
            }
            try add(fact.keptValues)
            try add(fact.statistics)
            // With mixed precision a layer keeps the half-precision copy of its weights for its backward; at
            // inference the copy lives while the layer runs.
            if settings.amp, params[index] > 0 {
                let copy = try checkedMultiply(params[index], activation)
                keptValues[index] = try checkedAdd(keptValues[index], copy)
                inferenceScratch[index] = try checkedAdd(inferenceScratch[index], copy)
            }
            let inputBytes = first >= 0 && first < index ? outputBytes[first] : 0
            let weightCopy = try checkedMultiply(rows[index].weights, activation)
            switch fact.scratch {
            case .none: break
            case .reorders:
                scratch[index] = try checkedAdd(max(inputBytes, outputBytes[index]), weightCopy)
                // The backward reorders both sides: checked here, so `backwardScratch` adds without a check.
                _ = try checkedAdd(scratch[index], min(inputBytes, outputBytes[index]))
            case .transposedReorders:
                scratch[index] = try checkedAdd(outputBytes[index], max(outputBytes[index], try checkedAdd(inputBytes, weightCopy)))
            }
            inferenceScratch[index] = try checkedAdd(inferenceScratch[index], scratch[index])
        }
    }

    /// The rows a row reads.
    func inputs(_ index: Int) -> ArraySlice<Int32> {
        inputList[Int(inputStart[index])..<Int(inputStart[index + 1])]
    }

    /// Bytes a row allocates while its backward runs: a convolution reorders its input, its output and its
    /// weights (its forward scratch and the smaller side); a transposed convolution as forward.
    func backwardScratch(_ index: Int) -> Int {
        switch facts[index].scratch {
        case .none, .transposedReorders: return scratch[index]
        case .reorders:
            let input = firstInput(index)
            return scratch[index] + min(input >= 0 ? outputBytes[input] : 0, outputBytes[index])
        }
    }

    /// The row a row reads first, or -1.
    func firstInput(_ index: Int) -> Int {
        inputStart[index + 1] > inputStart[index] ? Int(inputList[Int(inputStart[index])]) : -1
    }
}
