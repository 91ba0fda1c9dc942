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
        let (a, b, c) = ordered(shape)
        return [a, b, c]
    }

    /// A shape's sizes in this order, without allocating (the table writes a million of them).
    func ordered(_ shape: Shape) -> (Int, Int, Int) {
        switch self {
        case .whd: return (shape.width, shape.height, shape.depth)
        case .chw: return (shape.depth, shape.height, shape.width)
        case .hwc: return (shape.height, shape.width, shape.depth)
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
}
