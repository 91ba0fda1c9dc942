/// The `input` and `kernel` columns: the volume a row reads and the window its layer slides, written in
/// the order of `--layout` as the notes write a filter (`11x11x3 s4 p0`); JSON's `kernel` object.

/// The window a row's layer slides, as the notes write a filter: its extent on every spatial axis and,
/// for a convolution, the input depth each filter spans, then its stride, padding and dilation. Per kind:
/// - CONV: `F x F x D/G`, so a grouped convolution's filters span D/G (`5x5x48 s1 p2` for AlexNet's
///   CONV2 in two groups); DWCONV: `F x F x 1`, one channel each; DECONV: `F x F x D`.
/// - POOL, MAXPOOL, AVGPOOL: the window alone (`3x3 s2 p0`), which slides over each channel.
/// - GAP: the whole input, `7x7 global`; FC: the whole input each output reads (`6x6x256`, the CONV
///   it equals).
/// - Every other row (INPUT, merges, activations, normalizations, adaptive pools, whose windows differ
///   from place to place, folded blocks) has none: nil.
struct LayerWindow: Sendable {
    /// How the window moves over its input.
    enum Motion: Sendable {
        /// Slides with a stride, over padding, its taps `dilation` apart; each one axis by axis, width first.
        case sliding(stride: [Int], padding: Padding, dilation: [Int])
        /// Covers the whole input once per channel (GAP).
        case global
        /// Covers the whole input once per output (FC).
        case whole
    }

    /// The extent along each spatial axis, width first.
    var extent: [Int]
    /// The input channels each filter spans; nil for a pool, which works on each channel alone.
    var depth: Int?
    var motion: Motion

    /// The window of a row's layer; nil for a row with none.
    init?(_ row: LayerRow) {
        guard let operation = row.operation else { return nil }  // INPUT, merges and folded blocks
        let input = row.input
        let rank = input.rank
        func along(_ sizes: Sizes) -> [Int] { (0..<rank).map { sizes[$0] } }
        func sliding(_ window: SlidingWindow) -> Motion {
            .sliding(stride: along(window.stride), padding: window.padding, dilation: along(window.dilation))
        }
        // The layer kinds are types, not cases of one enum: the few that have a window are named here,
        // and any other kind has none.
        if let convolution = operation as? Convolution {
            (extent, depth, motion) = (along(convolution.window.kernel), input.depth / max(convolution.groups, 1),
                                       sliding(convolution.window))
        } else if let depthwise = operation as? DepthwiseConvolution {
            (extent, depth, motion) = (along(depthwise.window.kernel), 1, sliding(depthwise.window))
        } else if let pooling = operation as? Pooling {
            (extent, depth, motion) = (along(pooling.window.kernel), nil, sliding(pooling.window))
        } else if let transposed = operation as? TransposedConvolution {
            (extent, depth) = (along(transposed.kernel), input.depth)
            motion = .sliding(stride: along(transposed.stride), padding: transposed.padding,
                              dilation: Array(repeating: 1, count: rank))
        } else if operation is GlobalAveragePooling {
            (extent, depth, motion) = (input.spatial, nil, .global)
        } else if operation is FullyConnected {
            (extent, depth, motion) = (input.spatial, input.depth, .whole)
        } else {
            return nil
        }
    }

    /// `11x11x3 s4 p0` in `whd`, `3x11x11 s4 p0` in `chw` (PyTorch's weight without its output
    /// channels); a dilation that is not 1 adds ` d2`; `7x7 global`; `6x6x256`.
    func text(_ layout: ShapeLayout) -> String {
        let spatial = layout.spatialOrder(extent).map(String.init)
        var text: String
        if let depth {
            switch layout {
            case .whd, .hwc: text = (spatial + [String(depth)]).joined(separator: "x")
            case .chw: text = ([String(depth)] + spatial).joined(separator: "x")
            }
        } else {
            text = spatial.joined(separator: "x")
        }
        switch motion {
        case .sliding(let stride, let padding, let dilation):
            text += " s" + Self.sizes(stride, layout)
            switch padding {
            case .explicit(let sizes): text += " p" + Self.sizes((0..<extent.count).map { sizes[$0] }, layout)
            case .same: text += " same"
            case .valid: text += " valid"
            }
            if dilation.contains(where: { $0 != 1 }) { text += " d" + Self.sizes(dilation, layout) }
        case .global:
            text += " global"
        case .whole:
            break
        }
        return text
    }

    /// One number when every axis has it (`2`), else one per axis in the layout's order (`2x1`).
    private static func sizes(_ values: [Int], _ layout: ShapeLayout) -> String {
        guard let first = values.first, values.contains(where: { $0 != first }) else { return values.first.map(String.init) ?? "" }
        return layout.spatialOrder(values).map(String.init).joined(separator: "x")
    }
}

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

    /// The `kernel` column's text of a row (see `LayerWindow`); nil for a row with no window.
    func kernelText(_ row: LayerRow) -> String? {
        LayerWindow(row)?.text(self)
    }

    /// Spatial values, width first, in this layout's order: as they are for `whd`, last axis first for
    /// `chw` and `hwc` (H x W, T x H x W).
    func spatialOrder(_ values: [Int]) -> [Int] {
        switch self {
        case .whd: return values
        case .chw, .hwc: return values.reversed()
        }
    }
}
