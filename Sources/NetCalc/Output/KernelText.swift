/// The `input` and `kernel` columns: the volume a row reads and the window its layer slides, written in
/// the order of `--layout` as the notes write a filter (`11x11x3 s4 p0`).

extension ShapeLayout {
    /// The volume a row reads, in this order: `227x227x3`; a merge's inputs one after another
    /// (`28x28x64, 28x28x32`); nil for INPUT, which reads nothing.
    func inputText(_ row: LayerRow, in network: NetworkReport) -> String? {
        switch row.role {
        case .input:
            return nil
        case .layer, .block:
            return text(row.input)
        case .merge:
            let shapes = row.inputs.map { network.rows.indices.contains($0) ? network.rows[$0].output : row.input }
            return shapes.isEmpty ? text(row.input) : shapes.map(text).joined(separator: ", ")
        }
    }

    /// The window a row's layer slides, as the notes write a filter: its extent on every spatial axis
    /// and, for a convolution, the input depth each filter spans (`11x11x3` in `whd`, `3x11x11` in
    /// `chw`: PyTorch's weight without its output channels), then the stride and padding (`s4 p0`,
    /// `same`, `valid`) and a dilation that is not 1 (`d2`). Per kind:
    /// - CONV: `F x F x D/G`, so a grouped convolution's filters span D/G (`5x5x48 s1 p2` for AlexNet's
    ///   CONV2 in two groups); DWCONV: `F x F x 1`, one channel each; DECONV: `F x F x D`.
    /// - POOL, MAXPOOL, AVGPOOL: the window alone (`3x3 s2 p0`), which slides over each channel.
    /// - GAP: the whole input, `7x7 global`; FC: the whole input each output reads (`6x6x256`, the
    ///   CONV it equals).
    /// - Every other row (INPUT, merges, activations, normalizations, adaptive pools, whose windows
    ///   differ from place to place, folded blocks): nil, shown `-`.
    func kernelText(_ row: LayerRow) -> String? {
        guard let operation = row.operation else { return nil }  // INPUT, merges and folded blocks
        let input = row.input
        // The layer kinds are types, not cases of one enum: the few that slide a window are named
        // here, and any other kind has no window.
        if let convolution = operation as? Convolution {
            let groups = max(convolution.groups, 1)
            return window(convolution.window, rank: input.rank, depth: input.depth / groups)
        }
        if let depthwise = operation as? DepthwiseConvolution {
            return window(depthwise.window, rank: input.rank, depth: 1)
        }
        if let pooling = operation as? Pooling {
            return window(pooling.window, rank: input.rank, depth: nil)
        }
        if let transposed = operation as? TransposedConvolution {
            return sizes(transposed.kernel, rank: input.rank, depth: input.depth) + " s" + stride(transposed.stride, rank: input.rank)
                + " " + padding(transposed.padding, rank: input.rank)
        }
        if operation is GlobalAveragePooling {
            return (0..<input.rank).map { String(input[$0]) }.reordered(self).joined(separator: "x") + " global"
        }
        if operation is FullyConnected {
            return text(input)
        }
        return nil
    }

    /// `11x11x3 s4 p0`, with ` d2` when the dilation is not 1.
    private func window(_ window: SlidingWindow, rank: Int, depth: Int?) -> String {
        var text = sizes(window.kernel, rank: rank, depth: depth) + " s" + stride(window.stride, rank: rank)
            + " " + padding(window.padding, rank: rank)
        if (0..<rank).contains(where: { window.dilation[$0] != 1 }) { text += " d" + stride(window.dilation, rank: rank) }
        return text
    }

    /// Sizes on every spatial axis, with the depth where this layout puts channels: `11x11x3`, `3x11x11`.
    private func sizes(_ sizes: Sizes, rank: Int, depth: Int?) -> String {
        let spatial = (0..<rank).map { String(sizes[$0]) }.reordered(self)
        guard let depth else { return spatial.joined(separator: "x") }
        switch self {
        case .whd, .hwc: return (spatial + [String(depth)]).joined(separator: "x")
        case .chw: return ([String(depth)] + spatial).joined(separator: "x")
        }
    }

    /// A stride or dilation: one number when every axis has it (`2`), else one per axis (`2x1`).
    private func stride(_ sizes: Sizes, rank: Int) -> String {
        let values = (0..<rank).map { sizes[$0] }
        return values.allSatisfy { $0 == values[0] } ? String(values[0]) : values.map(String.init).reordered(self).joined(separator: "x")
    }

    /// `p1`, `p1x0`, `same` or `valid`.
    private func padding(_ padding: Padding, rank: Int) -> String {
        switch padding {
        case .explicit(let sizes): return "p" + stride(sizes, rank: rank)
        case .same: return "same"
        case .valid: return "valid"
        }
    }
}

extension Array {
    /// Spatial values, width first, put in a layout's order: as they are for `whd`, last axis first
    /// for `chw` and `hwc` (H x W, T x H x W).
    fileprivate func reordered(_ layout: ShapeLayout) -> [Element] {
        switch layout {
        case .whd: return self
        case .chw, .hwc: return reversed()
        }
    }
}
