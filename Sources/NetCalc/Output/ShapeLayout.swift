/// `--layout`: the order in which shapes are written. netcalc (and the lecture notes) write width x
/// height x depth; PyTorch writes channels, height, width; Keras and TensorFlow height, width, channels.
enum ShapeLayout: String, CaseIterable, Sendable {
    case whd, chw, hwc

    /// A shape in this order: `224x224x3`, `3x224x224`.
    func text(_ shape: Shape) -> String {
        array(shape).map(String.init).joined(separator: "x")
    }

    /// A shape's sizes in this order.
    func array(_ shape: Shape) -> [Int] {
        var sizes: [Int] = []
        sizes.reserveCapacity(shape.rank + 1)
        forEach(shape) { sizes.append($0) }
        return sizes
    }

    /// Calls `body` with each of a shape's sizes in this order, without allocating (the table writes a
    /// million of them): spatial sizes width first then channels (whd); channels then spatial sizes last
    /// axis first (chw: C x L, C x H x W, C x T x H x W); spatial sizes last axis first then channels (hwc).
    func forEach(_ shape: Shape, _ body: (Int) -> Void) {
        let rank = shape.rank
        switch self {
        case .whd:
            for axis in 0..<rank { body(shape[axis]) }
            body(shape.depth)
        case .chw:
            body(shape.depth)
            for axis in (0..<rank).reversed() { body(shape[axis]) }
        case .hwc:
            for axis in (0..<rank).reversed() { body(shape[axis]) }
            body(shape.depth)
        }
    }

    /// How the header names the order, when it is not netcalc's own.
    var note: String {
        switch self {
        case .whd: return ""
        case .chw: return ", shapes C x H x W"
        case .hwc: return ", shapes H x W x C"
        }
    }

    /// How the header names the order of a shape of a rank, when it is not netcalc's own.
    func note(rank: Int) -> String {
        switch (self, rank) {
        case (.whd, _): return ""
        case (.chw, 1): return ", shapes C x L"
        case (.chw, 3): return ", shapes C x T x H x W"
        case (.hwc, 1): return ", shapes L x C"
        case (.hwc, 3): return ", shapes T x H x W x C"
        case (.chw, _), (.hwc, _): return note
        }
    }
}
