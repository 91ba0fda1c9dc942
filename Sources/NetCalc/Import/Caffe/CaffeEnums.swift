/// The enums of Caffe's `caffe.proto` (BVLC/caffe, src/caffe/proto/caffe.proto) that the reader reads,
/// with their numbers: a prototxt may name a value (`pool: AVE`) or give its number (`pool: 1`), and
/// both mean what they mean to Caffe.

/// `Phase`: the phase a `NetStateRule` asks for. netcalc reads a file as Caffe's deploy net, TEST.
enum CaffePhase: ProtobufEnum, CaseIterable {
    case train, test

    var protobufName: String {
        switch self {
        case .train: return "TRAIN"
        case .test: return "TEST"
        }
    }

    var number: Int {
        switch self {
        case .train: return 0
        case .test: return 1
        }
    }
}

/// `PoolingParameter.PoolMethod`.
enum CaffePoolMethod: ProtobufEnum, CaseIterable {
    case max, average, stochastic

    var protobufName: String {
        switch self {
        case .max: return "MAX"
        case .average: return "AVE"
        case .stochastic: return "STOCHASTIC"
        }
    }

    var number: Int {
        switch self {
        case .max: return 0
        case .average: return 1
        case .stochastic: return 2
        }
    }
}

/// `EltwiseParameter.EltwiseOp`.
enum CaffeEltwiseOperation: ProtobufEnum, CaseIterable {
    case product, sum, maximum

    var protobufName: String {
        switch self {
        case .product: return "PROD"
        case .sum: return "SUM"
        case .maximum: return "MAX"
        }
    }

    var number: Int {
        switch self {
        case .product: return 0
        case .sum: return 1
        case .maximum: return 2
        }
    }
}

/// `V1LayerParameter.LayerType`, the old generation's `layers { type: CONVOLUTION }`: each value's
/// name by its number, so that `type: 4` reads as CONVOLUTION does.
enum CaffeV1LayerType {
    /// Every value of the enum, by number.
    static let names: [Int: String] = [
        0: "NONE", 35: "ABSVAL", 1: "ACCURACY", 30: "ARGMAX", 2: "BNLL", 3: "CONCAT", 37: "CONTRASTIVE_LOSS",
        4: "CONVOLUTION", 5: "DATA", 39: "DECONVOLUTION", 6: "DROPOUT", 32: "DUMMY_DATA", 7: "EUCLIDEAN_LOSS",
        25: "ELTWISE", 38: "EXP", 8: "FLATTEN", 9: "HDF5_DATA", 10: "HDF5_OUTPUT", 28: "HINGE_LOSS", 11: "IM2COL",
        12: "IMAGE_DATA", 13: "INFOGAIN_LOSS", 14: "INNER_PRODUCT", 15: "LRN", 29: "MEMORY_DATA",
        16: "MULTINOMIAL_LOGISTIC_LOSS", 34: "MVN", 17: "POOLING", 26: "POWER", 18: "RELU", 19: "SIGMOID",
        27: "SIGMOID_CROSS_ENTROPY_LOSS", 36: "SILENCE", 20: "SOFTMAX", 21: "SOFTMAX_LOSS", 22: "SPLIT", 33: "SLICE",
        23: "TANH", 24: "WINDOW_DATA", 31: "THRESHOLD",
    ]
}
