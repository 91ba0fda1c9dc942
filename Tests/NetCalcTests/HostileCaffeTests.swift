import Foundation
import Testing
@testable import NetCalc

/// Issue 25, part A: model files under hostile input never lose a network silently, never misread a
/// value, never blame netcalc for a valid number, and are checked before they are read.
@Suite struct HostileCaffeTests {
    /// A small network whose ReLU takes `relu` as its parameters.
    static func network(relu: String = "", convolution: String = "stride: 2", pooling: String = "kernel_size: 2 stride: 2",
                        dropout: String = "") -> String {
        """
        name: "t"
        input: "data"
        input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 8 kernel_size: 3 pad: 1 \(convolution) } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" \(relu) }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { \(pooling) } }
        layer { name: "drop1" type: "Dropout" bottom: "pool1" top: "pool1" \(dropout) }

        """
    }

    /// Runs netcalc on prototxt text given on standard input.
    static func run(_ text: String, _ arguments: [String] = []) -> Outcome {
        runNetCalc(["--input-format", "prototxt"] + arguments + ["-"], standardInput: text)
    }

    // MARK: 2. Silent loss

    /// A failure cannot be made without an error: given none, it says netcalc has no reason, as its fault.
    @Test func aFailureAlwaysHoldsAnError() {
        let empty = ImportFailure(diagnostics: DiagnosticList())
        #expect(empty.diagnostics.hasErrors)
        #expect(empty.diagnostics.items.first?.hints == ["this is netcalc's fault: please report it"])
        var warnings = DiagnosticList()
        warnings.append(Diagnostic(.warning, "only a warning"))
        let warned = ImportFailure(diagnostics: warnings)
        #expect(warned.diagnostics.hasErrors)
        #expect(warned.diagnostics.items.count == 2)
        #expect(ImportFailure(Diagnostic(.note, "a note")).diagnostics.items.map(\.severity) == [.error])
    }

    /// An analysis is a network or a failure, and a failure shows: the analyzed case has its report.
    @Test func anAnalysisIsANetworkOrAnError() {
        let failed = importModel("n.prototxt", Array("input: \"data\"".utf8), format: .prototxt, overrides: SettingsOverride())
        #expect(failed.report == nil)
        #expect(failed.diagnostics.hasErrors)
        let spec = importModel("n.net", Array("INPUT[8x8x1] -> RELU".utf8), format: .spec, overrides: SettingsOverride())
        #expect(spec.report == nil && spec.diagnostics.hasErrors)
        let analyzed = importModel("n.prototxt", Array(Self.network().utf8), format: .prototxt, overrides: SettingsOverride())
        #expect(analyzed.report?.rows.count == 5)
        #expect(analyzed.diagnostics.isEmpty)
    }
}
