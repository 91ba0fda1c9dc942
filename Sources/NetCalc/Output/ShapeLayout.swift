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

    /// A shape's sizes written in this order, put in netcalc's own (spatial sizes width first, then the
    /// depth): the inverse of `array`, for an `INPUT[...]` read under `--layout`. One size (a vector) and
    /// an empty list come back as they are.
    func netcalcOrder(_ written: [Int]) -> [Int] {
        guard written.count >= 2 else { return written }
        switch self {
        case .whd: return written
        case .chw: return written.dropFirst().reversed() + [written[0]]
        case .hwc: return written.dropLast().reversed() + [written[written.count - 1]]
        }
    }

    /// The axes of a shape of a rank in this order, as letters: `C x H x W`, `W x H x D`.
    func axisLetters(rank: Int) -> String {
        letters(rank: rank).joined(separator: " x ")
    }

    /// The axes of a shape of a rank in this order, as words: `channels x height x width`.
    func axisWords(rank: Int) -> String {
        let words = ["L": "length", "C": "channels", "D": "depth", "W": "width", "H": "height", "T": "time"]
        return letters(rank: rank).map { words[$0] ?? $0 }.joined(separator: " x ")
    }

    /// The letters of each axis, in this order.
    private func letters(rank: Int) -> [String] {
        let spatial: [String]
        switch rank {
        case 1: spatial = ["L"]
        case 3: spatial = ["W", "H", "T"]
        default: spatial = ["W", "H"]
        }
        let channels = rank == 2 ? "D" : "C"
        switch self {
        case .whd: return spatial + [channels]
        case .chw: return ["C"] + spatial.reversed()
        case .hwc: return spatial.reversed() + [channels == "D" ? "C" : channels]
        }
    }

    /// How the header names the order of a shape of a rank, when it is not netcalc's own: the shapes
    /// shown, and the spec's INPUT when it was read in this order too.
    func note(rank: Int, inputRead: Bool = false) -> String {
        self == .whd ? "" : inputRead ? ", INPUT read and shapes written \(axisLetters(rank: rank))" : ", shapes \(axisLetters(rank: rank))"
    }
}
