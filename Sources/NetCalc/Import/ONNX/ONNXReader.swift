/// ONNX files: not read yet.
enum ONNXReader {
    /// Reads an ONNX model; for now, says that it cannot.
    static func read(_ bytes: [UInt8], fileName: String) throws(ImportFailure) -> ImportedNetwork {
        var list = DiagnosticList()
        list.append(Diagnostic(.error, "\(fileName): reading ONNX files is not available yet"))
        throw ImportFailure(diagnostics: list)
    }
}
