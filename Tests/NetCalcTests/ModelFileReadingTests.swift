import Foundation
import Testing
@testable import NetCalc

/// Model files are mapped, not read: their format is told from their first bytes, the model size
/// limit applies to ONNX whatever the file is called or wherever it comes from, and a large file
/// reads as its graph does.
@Suite struct ModelFileReadingTests {
    /// The VGG11 fixture with 70 MB of an unknown field after its graph (protobuf readers skip it, as
    /// they skip weights): larger than a spec may be.
    static func largeModel() throws -> (folder: String, path: String) {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: packageRoot + "/Tests/NetCalcTests/Fixtures/onnx/vgg11.onnx")))
        let padding = 70 << 20
        // Field 1000, length-delimited: tag (1000 << 3 | 2) as a varint, then the length as a varint.
        var tag = (1000 << 3) | 2
        while tag >= 0x80 { bytes.append(UInt8(tag & 0x7F | 0x80)); tag >>= 7 }
        bytes.append(UInt8(tag))
        var length = padding
        while length >= 0x80 { bytes.append(UInt8(length & 0x7F | 0x80)); length >>= 7 }
        bytes.append(UInt8(length))
        bytes.append(contentsOf: [UInt8](repeating: 0, count: padding))
        let folder = NSTemporaryDirectory() + "netcalc-model-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/vgg11.weights.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (folder, path)
    }

    @Test func aLargeModelUnderAnyNameIsMappedAndRead() throws {
        let (folder, path) = try Self.largeModel()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard case .success(let loaded) = readFile(path, shownAs: "vgg11.weights.bin") else {
            Issue.record("a 70 MB ONNX file under another extension is refused")
            return
        }
        #expect(loaded.model != nil, "mapped, not read")
        #expect(loaded.bytes.count == formatTellingBytes, "only its first bytes are read")
        let outcome = run(Invocation(arguments: [path, "--format", "json"]))
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("\"params\" : 132863336"))
    }

    @Test func aLargeModelOnStandardInputIsReadUpToAModelsSize() throws {
        let (folder, path) = try Self.largeModel()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        guard case .success(let bytes) = readAll(descriptor, shownAs: standardInputName, modelsUpTo: maximumModelBytes) else {
            Issue.record("a 70 MB ONNX model on standard input is refused")
            return
        }
        #expect(bytes.count > maximumSpecBytes)
    }

    @Test func aLargeSpecIsStillRefused() throws {
        let folder = NSTemporaryDirectory() + "netcalc-model-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/big.bin"
        try Data(repeating: UInt8(ascii: "#"), count: maximumSpecBytes + 10).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        guard case .failure(let error) = readAll(descriptor, shownAs: standardInputName, modelsUpTo: maximumModelBytes) else {
            Issue.record("65 MB of text read as if it were a model")
            return
        }
        #expect(error.message == "<stdin> is larger than 64 MiB, the most netcalc reads")
        guard case .failure = readFile(path, shownAs: "big.bin") else {
            Issue.record("65 MB of text read as a file")
            return
        }
    }

    @Test func mappedBytesAreCheckedAndCopiedOut() {
        let bytes = ModelBytes([1, 2, 3, 4])
        #expect(bytes.count == 4 && bytes[2] == 3)
        #expect(Array(bytes[1..<3]) == [2, 3])
        #expect(bytes.prefix(10) == [1, 2, 3, 4])
        #expect(ModelBytes([]).count == 0)
    }
}
