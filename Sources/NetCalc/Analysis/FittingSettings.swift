/// The strict-rounding error of a window that does not tile its input: the arithmetic, then the
/// nearest settings that fit — an input size for the whole network, a padding, a stride — and what
/// floor or ceil rounding would give.

extension NetworkWalker {
    /// The strict-mode error: the arithmetic, and the nearest settings that fit.
    func reportNotWhole(name: String, axes: [WindowAxis], call: LayerCall, input: Shape, firstHint: String? = nil) {
        guard !quiet else { return }
        let failing = axes.indices.filter { (try? axes[$0].outcome(.strict)).map { if case .notWhole = $0 { true } else { false } } ?? false }
        let square = axes.dropFirst().allSatisfy { $0 == axes[0] }
        let axisNames = axes.count == 1 ? ["length"] : ["width", "height", "time"]
        func arithmetic(_ axis: WindowAxis) -> String {
            let effective = (try? axis.effectiveKernel()) ?? axis.kernel
            let span = axis.input + 2 * axis.padding - effective
            return "\(axis.formula) = \(WindowAxis.decimal(span: span, stride: axis.stride))"
        }
        var message = "\(name) does not fit its \(input.fullText) input: "
        if square {
            message += arithmetic(axes[failing[0]]) + " is not a whole number"
        } else {
            message += failing.map { axisNames[$0] + " " + arithmetic(axes[$0]) }.joined(separator: ", ")
                + (failing.count == 1 ? " is not a whole number" : "; neither is a whole number")
        }
        var diagnostic = Diagnostic(.error, message, at: call.range, in: file, hint: firstHint)

        // Other settings of this layer that fit, with the output each gives.
        func output(_ changed: [WindowAxis]) -> String {
            let sizes = changed.map { axis -> Int in
                if case .output(let size)? = try? axis.outcome(.strict) { return size }
                if case .output(let size)? = try? axis.outcome(.floor) { return size }
                return 0
            }
            return sizes.map(String.init).joined(separator: "x")
        }
        func tag(_ letter: String, _ values: [Int]) -> String {
            values.dropFirst().allSatisfy({ $0 == values[0] }) ? "\(letter)\(values[0])"
                : "\(letter)=" + values.map(String.init).joined(separator: "x")
        }
        var suggestions: [String] = []
        if let inputSize = fittingInputSize(failingAxes: failing) {
            suggestions.append("INPUT[\(inputSize.fullText)]")
        }
        let paddingChoices = failing.map { axes[$0].fittingPaddings() }
        if paddingChoices.allSatisfy({ !$0.isEmpty }) {
            for choice in 0..<(paddingChoices.map(\.count).min() ?? 0) {
                var changed = axes
                for (slot, index) in failing.enumerated() { changed[index].padding = paddingChoices[slot][choice] }
                suggestions.append("\(tag("p", changed.map(\.padding))) (\(output(changed)))")
            }
        }
        let strideChoices = failing.map { index -> [Int] in
            let axis = axes[index]
            guard let padded = try? checkedAdd(axis.input, try checkedMultiply(2, axis.padding)),
                  let effective = try? axis.effectiveKernel() else { return [] }
            return axis.fittingStrides(span: padded - effective)
        }
        if strideChoices.allSatisfy({ !$0.isEmpty }) {
            for choice in 0..<(strideChoices.map(\.count).min() ?? 0) {
                var changed = axes
                for (slot, index) in failing.enumerated() { changed[index].stride = strideChoices[slot][choice] }
                suggestions.append("\(tag("s", changed.map(\.stride))) (\(output(changed)))")
            }
        }
        if !suggestions.isEmpty {
            diagnostic.hints.append("settings that fit: " + suggestions.joined(separator: ", "))
        }
        let floorSize = output(axes.map { var axis = $0; axis.mode = .explicit; return axis })
        let ceilSizes = axes.map { axis -> Int in
            if case .output(let size)? = try? axis.outcome(.ceil) { return size }
            return 0
        }
        diagnostic.hints.append("or round: --rounding floor gives \(floorSize) (PyTorch), ceil gives \(ceilSizes.map(String.init).joined(separator: "x")) (Caffe pooling); a floor or ceil tag rounds this layer alone")
        record(diagnostic)
    }

    /// The input size nearest the network's that makes the whole network fit, if one is close.
    private func fittingInputSize(failingAxes: [Int]) -> Shape? {
        guard !quiet, let chain = networkChain, rows.count < 20_000, let original = rows.first?.output else { return nil }
        let spatial = original.spatial
        let square = spatial.dropFirst().allSatisfy { $0 == spatial[0] }
        guard spatial.allSatisfy({ $0 < Int.max / 2 }) else { return nil }
        for distance in 1...32 {
            var found: [Shape] = []
            for delta in [-distance, distance] {
                var candidate = original
                for axis in 0..<original.rank where square || failingAxes.contains(axis) { candidate[axis] += delta }
                guard candidate.spatial.allSatisfy({ $0 >= 1 }) else { continue }
                let trial = NetworkWalker(file: file, blocks: blocks, settings: settings, quiet: true)
                trial.inputOverride = candidate
                trial.rowBudget = 20_000
                if trial.run(chain) != nil { found.append(candidate) }
            }
            if let best = found.last { return best }  // prefer the larger of two equally near sizes
        }
        return nil
    }
}
