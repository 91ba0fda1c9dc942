/// A network's totals: the rows' counts added up, memory for training and inference, and the live
/// activations at each step, from which the inference peak comes.

extension Totals {
    /// The totals of a network's rows under its settings.
    init(rows: [LayerRow], settings: Settings) throws(Overflow) {
        self.init()
        batch = settings.batch
        bytesPerValue = settings.activationBytes
        // The last row that reads each row's output, in 32 bits (a network has at most a few million rows).
        var lastUse = (0..<rows.count).map { Int32(clamping: $0) }
        for row in rows {
            weights = try checkedAdd(weights, row.weights)
            biases = try checkedAdd(biases, row.biases)
            nonTrainable = try checkedAdd(nonTrainable, row.nonTrainable)
            macs = try checkedAdd(macs, row.macs)
            activations = try checkedAdd(activations, row.activations)
            forwardBytes = try checkedAdd(forwardBytes, row.forwardBytes)
            let reader = Int32(clamping: row.index)
            if row.firstInput >= 0 { lastUse[row.firstInput] = max(lastUse[row.firstInput], reader) }
            for input in row.moreInputs { lastUse[input] = max(lastUse[input], reader) }
        }
        params = try checkedAdd(weights, biases)
        backwardBytes = forwardBytes
        paramBytes = try checkedMultiply(params, settings.weightBytes)
        trainingParamBytes = try checkedMultiply(paramBytes, settings.optimizer.copiesPerParameter)
        trainingBytes = try checkedAdd(try checkedAdd(forwardBytes, backwardBytes), trainingParamBytes)
        // Inference peak: each output lives from its layer until the last layer that reads it; what a
        // layer holds besides (an attention map) only while it runs.
        var change = Array(repeating: 0, count: rows.count + 1)
        for row in rows {
            change[row.index] += row.activations
            change[row.index + 1] -= row.heldActivations
            change[Int(lastUse[row.index]) + 1] -= row.activations - row.heldActivations
        }
        var live = 0
        var peak = 0
        for step in 0..<rows.count {
            live = try checkedAdd(live, change[step])
            if live > peak {
                peak = live
                peakRow = step
            }
        }
        peakLiveActivations = peak
        let peakBytes = try checkedProduct(peak, settings.batch, settings.activationBytes)
        inferencePeakBytes = try checkedAdd(paramBytes, peakBytes)
    }
}
