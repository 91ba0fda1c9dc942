/// Caffe's blobs as the reader follows them: each blob's dims, batch first (`(1, 3, 224, 224)`), by
/// Caffe's own shape rules, so that the layers whose output depends on their input's dims (Reshape,
/// Permute, Slice, Crop, PriorBox, Flatten and InnerProduct on an axis, Concat on any axis) can be
/// sized. A blob whose size the file does not give (a Python layer's, a proposal's, ROIPooling's
/// boxes, a second input) is unsized, and so is everything computed from it: those layers are left
/// out of a partial analysis, which says so.
///
/// netcalc's shape of a blob: the dims without the batch, dim 1 as the channels and the others as
/// spatial axes, width first (`(N, C, H, W)` is `WxHxC`, `(N, C, L)` is `LxC`, `(N, F)` is `1x1xF`);
/// a blob of more than five dims has its leading spatial dims multiplied together, so volumes are exact.

/// The largest number of dims a blob may have (Caffe's own limit, kMaxBlobAxes).
let caffeMaximumAxes = 32

/// A layer the analysis leaves out because its output's size is not in the file.
struct LeftOutLayer: Hashable, Sendable {
    /// The layer's name in the file and its Caffe type.
    var name: String
    var type: String
    /// Why: the layer's own reason (`its output is whatever the Python code makes`), or the unsized
    /// blob it reads (`reads 'rois', which 'proposal' leaves unsized`).
    var reason: String
    /// True for the layers left out for their own type, false for those after them.
    var isCause: Bool
    /// Where the layer is in the file.
    var range: SourceRange
}

/// Caffe's blob dims and netcalc's shapes.
enum CaffeDims {
    /// netcalc's shape of a blob of `dims` (batch first), or nil for a blob of fewer than two dims.
    static func shape(_ dims: [Int]) -> Shape? {
        guard dims.count >= 2 else { return nil }
        let depth = dims[1]
        var spatial = Array(dims.dropFirst(2).reversed())
        if spatial.isEmpty { return Shape(width: 1, height: 1, depth: depth) }
        while spatial.count > 3 {
            let last = spatial.removeLast()
            let (product, overflow) = spatial[spatial.count - 1].multipliedReportingOverflow(by: last)
            if overflow { return nil }
            spatial[spatial.count - 1] = product
        }
        return Shape(spatial: spatial, depth: depth)
    }

    /// The dims of netcalc's output `shape` for a layer of Caffe's that keeps its input's rank
    /// (convolution, pooling, resampling): the batch, the channels, the spatial sizes height first.
    static func dims(_ shape: Shape, like input: [Int]) -> [Int] {
        if input.count == 2, shape.spatial.allSatisfy({ $0 == 1 }) { return [input[0], shape.depth] }
        return [input[0], shape.depth] + shape.spatial.reversed()
    }

    /// The number of values in `dims` from `start` to the end (Caffe's count(start)).
    static func count(_ dims: [Int], from start: Int, to end: Int? = nil) throws(ArgumentProblem) -> Int {
        let slice = Array(dims[start..<(end ?? dims.count)])
        do throws(Overflow) { return try checkedProduct(of: slice) } catch {
            throw ArgumentProblem("its output has more values than netcalc counts (\(Int.max))")
        }
    }

    /// A product of sizes, as an argument problem on overflow.
    static func product(_ values: Int...) throws(ArgumentProblem) -> Int {
        do throws(Overflow) { return try checkedProduct(of: values) } catch {
            throw ArgumentProblem("its counts overflow 64 bits")
        }
    }

    /// Caffe's CanonicalAxisIndex: `axis` of a blob of `rank` dims, negative from the end.
    static func axis(_ axis: Int, rank: Int, _ what: String = "axis") throws(ArgumentProblem) -> Int {
        guard axis >= -rank, axis < rank else {
            throw ArgumentProblem("its \(what) \(axis) is outside the input's \(rank) dims (\(-rank) to \(rank - 1))")
        }
        return axis < 0 ? axis + rank : axis
    }

    /// `(1, 3, 224, 224)`, for messages.
    static func text(_ dims: [Int]) -> String { "(" + dims.map(String.init).joined(separator: ", ") + ")" }
}

/// The number of priors SSD's PriorBox makes at each position: its aspect ratios (1 first, each new
/// ratio once, and its inverse when `flip`, the default) times its min sizes, plus its max sizes.
func priorBoxCount(_ parameters: TextMessage) throws(ArgumentProblem) -> Int {
    let minimums = try parameters.floats("min_size")
    let maximums = try parameters.floats("max_size")
    guard !minimums.isEmpty else { throw ArgumentProblem("a PriorBox needs min_size") }
    guard maximums.isEmpty || maximums.count == minimums.count else {
        throw ArgumentProblem("a PriorBox gives \(maximums.count) max_size for \(minimums.count) min_size",
                              hint: "SSD's PriorBox takes one max_size per min_size, or none")
    }
    let flip = try parameters.boolean("flip") ?? true
    var ratios: [Double] = [1]
    let given = try parameters.floats("aspect_ratio")
    guard given.count <= 1000 else { throw ArgumentProblem("a PriorBox with \(given.count) aspect ratios is more than netcalc reads (1,000)") }
    for ratio in given {
        guard ratio.isFinite, ratio > 0 else { throw ArgumentProblem("a PriorBox's aspect_ratio must be positive, not \(ratio)") }
        if ratios.contains(where: { abs($0 - ratio) < 1e-6 }) { continue }
        ratios.append(ratio)
        if flip { ratios.append(1 / ratio) }
    }
    return ratios.count * minimums.count + maximums.count
}

/// The output size along one axis of PSPNet's Interp (DeepLab's caffe): the input padded by
/// `pad_beg` and `pad_end` (zero or negative), shrunk by `shrink_factor` then zoomed by `zoom_factor`.
func interpSize(_ size: Int, padBegin: Int, padEnd: Int, shrink: Int?, zoom: Int?) throws(ArgumentProblem) -> Int {
    let (padded, overflowBegin) = size.addingReportingOverflow(padBegin)
    let (both, overflowEnd) = padded.addingReportingOverflow(padEnd)
    guard !overflowBegin, !overflowEnd else { throw ArgumentProblem("its pad_beg and pad_end overflow 64 bits") }
    var effective = both
    guard effective >= 1 else { throw ArgumentProblem("its pad_beg and pad_end leave no input (\(size) + \(padBegin) + \(padEnd))") }
    if let shrink {
        guard shrink >= 1 else { throw ArgumentProblem("its shrink_factor must be at least 1") }
        effective = (effective - 1) / shrink + 1
    }
    if let zoom {
        guard zoom >= 1 else { throw ArgumentProblem("its zoom_factor must be at least 1") }
        let grown = try CaffeDims.product(effective - 1, zoom - 1)
        guard grown <= Int.max - effective else { throw ArgumentProblem("its counts overflow 64 bits") }
        effective += grown
    }
    return effective
}
