#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading inputs: files, standard input and `-e` text, each failure a message that names the input
/// and the reason (exit status 2).

/// Why an input could not be read: a message naming it and the reason, shown `visible` (a file name
/// may hold control characters).
public struct ReadError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = visible(message) }
}

/// The most diagnostics shown for one file.
let maximumDiagnosticsShown = 100

/// The most bytes a spec file may have.
let maximumSpecBytes = 64 << 20

/// The most bytes an ONNX file may have: a model with its weights (VGG16's is 550 MB); only its
/// graph is read, the weights are skipped.
let maximumModelBytes = 4 << 30

/// How diagnostics and messages name standard input.
let standardInputName = "<stdin>"

/// The text of the reason in `errno`.
func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// How many first bytes tell a file's format.
let formatTellingBytes = 4096

/// Reads a file with POSIX calls, naming the reason when it cannot. Its first bytes are read first:
/// an ONNX model (by `format`, the extension, or those bytes) is mapped rather than read, so that only
/// its graph is ever read, and may be as large as a model; anything else is read whole, up to a
/// spec's limit. A mapped file's `bytes` are its first bytes only.
func readFile(_ fullPath: String, shownAs path: String, format: InputFormat? = nil) -> Result<LoadedInput, ReadError> {
    let descriptor = open(fullPath, O_RDONLY)
    guard descriptor >= 0 else { return .failure(ReadError("cannot read '\(path)': \(errorText(errno))")) }
    defer { close(descriptor) }
    var status = stat()
    var limit = maximumSpecBytes
    if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
        var head = [UInt8](repeating: 0, count: formatTellingBytes)
        let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        if count >= 0 {
            head.removeLast(head.count - count)
            if (format ?? InputFormat.byExtension(path) ?? InputFormat.sniff(head)) == .onnx {
                guard status.st_size <= maximumModelBytes else {
                    return .failure(ReadError("'\(path)' is larger than \(maximumModelBytes >> 20) MiB, the most netcalc reads"))
                }
                if let mapped = ModelBytes(mapping: descriptor, size: Int(status.st_size)) {
                    return .success(LoadedInput(name: path, bytes: head, model: mapped))
                }
                limit = maximumModelBytes  // not mappable: read it, up to a model's size
            }
        }
    }
    return readAll(descriptor, shownAs: "'\(path)'", limit: limit).map { LoadedInput(name: path, bytes: $0) }
}

/// Reads everything from an open descriptor (a file, a pipe, standard input) up to the size limit.
/// `shownAs` names the input in messages: `'specs/x.net'` or `<stdin>`. With `modelsUpTo`, input
/// whose first bytes are an ONNX model's may grow to that size instead (a model on standard input).
func readAll(_ descriptor: Int32, shownAs shown: String, limit: Int = maximumSpecBytes,
             modelsUpTo modelLimit: Int? = nil) -> Result<[UInt8], ReadError> {
    var limit = limit
    var status = stat()
    if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
        return .failure(ReadError("\(shown) is a directory, not a spec file"))
    }
    var bytes: [UInt8] = []
    // A file's size is known: room for it (and the read that finds its end) at once, not doubled as it grows.
    if (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0, status.st_size <= limit {
        bytes.reserveCapacity(Int(status.st_size) + 1)
    }
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            return .failure(ReadError("cannot read \(shown): \(errorText(errno))"))
        }
        if count == 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
        if bytes.count > limit, let modelLimit, modelLimit > limit, InputFormat.sniff(Array(bytes.prefix(formatTellingBytes))) == .onnx {
            limit = modelLimit
        }
        if bytes.count > limit {
            return .failure(ReadError("\(shown) is larger than \(limit >> 20) MiB, the most netcalc reads"))
        }
    }
    return .success(bytes)
}

/// Why an input could not become a source file.
enum LoadFailure: Error {
    /// The input cannot be read at all (exit status 2).
    case trouble(String)
    /// It was read but is not valid text (exit status 1).
    case invalid(DiagnosticList)
}

/// An input read: the name diagnostics show for it and its raw bytes (a byte-order mark included).
struct LoadedInput {
    var name: String
    /// The bytes; for a mapped model, its first bytes only (enough to tell its format).
    var bytes: [UInt8]
    /// A model file mapped rather than read.
    var model: ModelBytes? = nil
}

/// Reads an input's bytes and the name diagnostics show for it, or says why it cannot; `format` is
/// the format the command line gives, if any.
func loadBytes(_ input: InputSource, invocation: Invocation, standardInputUsed: inout Bool,
               expressionsRead: inout Int, format: InputFormat? = nil) -> Result<LoadedInput, ReadError> {
    switch input {
    case .expression(let text):
        // Several -e networks get distinct names: expr, expr-2, ...
        expressionsRead += 1
        return .success(LoadedInput(name: expressionsRead == 1 ? "<expr>" : "<expr-\(expressionsRead)>", bytes: Array(text.utf8)))
    case .standardInput:
        if standardInputUsed { return .failure(ReadError("standard input can be read only once")) }
        standardInputUsed = true
        return invocation.readStandardInput().map { LoadedInput(name: standardInputName, bytes: $0) }
    case .file(let path):
        return readFile(fullPath(path, invocation: invocation), shownAs: path, format: format)
    }
}

/// Reads an input and validates it as spec text.
func load(_ input: InputSource, invocation: Invocation,
          standardInputUsed: inout Bool) -> Result<(SourceFile, LoadedInput), LoadFailure> {
    var expressionsRead = 0
    switch loadBytes(input, invocation: invocation, standardInputUsed: &standardInputUsed, expressionsRead: &expressionsRead) {
    case .failure(let error):
        return .failure(.trouble(error.message))
    case .success(let loaded):
        return SourceFile.load(name: loaded.name, bytes: loaded.bytes).map { ($0, loaded) }.mapError { .invalid($0) }
    }
}

/// A path as the process opens it: relative paths from the invocation's directory, when it has one.
func fullPath(_ path: String, invocation: Invocation) -> String {
    guard let directory = invocation.currentDirectory, !path.hasPrefix("/") else { return path }
    return directory + "/" + path
}
