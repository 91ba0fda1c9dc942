import Testing
@testable import NetCalc

/// Every numeric position of every layer kind (from the catalog's schemas), of INPUT, of the
/// directives, options, block arguments and answers, given each boundary number, through every mode:
/// a result or a diagnostic, never a trap (a trap would stop the test process) and never silence.
@Suite struct ExtremeValueTests {
    static let values = ["0", "1", "-1", "2147483648", "4294967296", "9007199254740992", "4611686018427387904",
                         "9223372036854775806", "9223372036854775807", "(-9223372036854775807-1)",
                         "123456789012345678901234567890"]

    static let modes: [[String]] = [
        [], ["--format", "json", "--explain"], ["--emit", "pytorch"], ["--emit", "spec"], ["--rounding", "floor"],
        ["--rounding", "ceil"], ["--rounding", "caffe"], ["--format", "svg"], ["--format", "html"],
        ["--fit", "1GiB"], ["--summary"], ["--depth", "0", "--format", "csv"], ["--format", "markdown"],
        ["--format", "dot"],
    ]

    /// One layer call per numeric parameter of every keyword, the others at small working values.
    static let layerCalls: [String] = LayerCatalog.definitions.flatMap { definition -> [String] in
        let parameters = definition.schema.parameters
        return parameters.indices.flatMap { index -> [String] in
            let spec = parameters[index]
            guard spec.type != .fraction else { return [] }
            return values.map { value in
                var arguments: [String] = []
                for (other, otherSpec) in parameters.enumerated() where other < definition.schema.required || other == index {
                    arguments.append(other == index ? "\(otherSpec.name)=\(value)" : "\(otherSpec.name)=2")
                }
                return "\(definition.keyword)(\(arguments.joined(separator: ",")))"
            }
        }
    }

    static func survives(_ arguments: [String], _ spec: String) {
        let outcome = runNetCalc(arguments + ["-e", spec])
        #expect([0, 1, 2].contains(outcome.status), "\(arguments) \(spec)")
        if outcome.status != 0 {
            #expect(!outcome.standardError.isEmpty || !outcome.standardOutput.isEmpty, "\(arguments) \(spec): failed silently")
        }
    }

    @Test(arguments: layerCalls)
    func everyLayerArgument(_ call: String) {
        for mode in Self.modes { Self.survives(mode, "INPUT[8x8x4] -> \(call) -> FC(2)") }
        Self.survives(["check"], "INPUT[8x8x4] -> \(call) {params: 1, 8x8x4, macs: 9223372036854775807}")
    }

    @Test(arguments: values)
    func everyInputDirectiveOptionAndAnswer(_ value: String) {
        let specs = [
            "INPUT[\(value)x8x1] -> CONV(4,3) -> POOL(2,ceil) -> FC(2)",
            "INPUT[8x\(value)x1] -> DWCONV(3,p1) -> GAP",
            "INPUT[8x8x\(value)] -> BN -> FC(3)",
            "INPUT[\(value)] -> FC(2)",
            "@batch \(value)\nINPUT[8x8x1] -> CONV(2,3)",
            "b(c) = CONV(c,1) -> [RELU]*c\nINPUT[8x8x1] -> b(\(value))",
            "b(c) = CONV(4,3,s=c,p=c/2)\nINPUT[8x8x1] -> b(\(value))",
            "INPUT[8x8x1] -> [RELU]*\(value) -> FC(2)",
        ]
        for spec in specs {
            for mode in Self.modes { Self.survives(mode, spec) }
        }
        for option in [["--batch", value], ["--fit", "\(value)GiB"], ["--depth", value], ["--columns", value]] {
            Self.survives(option, "INPUT[8x8x1] -> CONV(2,3) -> FC(2)")
        }
        for key in ["params", "weights", "memory", "bytes", "fwd+bwd", "macs", "rf"] {
            Self.survives(["check"], "INPUT[8x8x1] -> CONV(2,3) {\(key): \(value)} -> FC(2) {\(key): \(value)K}\ntotal {\(key): \(value)}")
            Self.survives(["check", "--batch", "4611686018427387904"], "INPUT[8x8x1] -> CONV(2,3) {\(key): \(value)}")
        }
        Self.survives(["check"], "INPUT[8x8x1] -> CONV(2,3) {\(value)x\(value)x\(value)}")
    }
}
