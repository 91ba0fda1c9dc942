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

/// Reads a file with POSIX calls, naming the reason when it cannot. Its kind is checked before a
/// byte is read: it is opened without waiting (a FIFO with no writer would block the open forever),
/// and only a regular file, a pipe netcalc was handed (`netcalc <(make_spec)`) or a terminal is read;
/// a named FIFO, a socket or a device is refused at once. A regular file's size is checked before
/// it is read (an ONNX model is mapped, anything else may have a spec's size). `rawPath`, when given,
/// is the path's own bytes (a name that is not UTF-8), opened as they are.
func readFile(_ fullPath: String, shownAs path: String, format: InputFormat? = nil,
              rawPath: [UInt8]? = nil) -> Result<LoadedInput, ReadError> {
    let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC
    let descriptor: Int32
    if let rawPath {
        descriptor = (rawPath + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, flags) }
        }
    } else {
        descriptor = open(fullPath, flags)
    }
    guard descriptor >= 0 else { return .failure(ReadError("cannot read '\(path)': \(errorText(errno))")) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { return .failure(ReadError("cannot read '\(path)': \(errorText(errno))")) }
    switch status.st_mode & S_IFMT {
    case S_IFREG, S_IFDIR:
        break
    case S_IFIFO where isHandedPipe(descriptor, path: path), S_IFCHR where isatty(descriptor) != 0:
        // A pipe a shell made for netcalc (its writer is there) or a terminal: read as standard input is.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    default:
        let kind = FileIdentity.kindIfNotRegular(status.st_mode) ?? "a special file"
        let advice = status.st_mode & S_IFMT == S_IFIFO ? "; to read from it, give it as standard input: netcalc - < '\(path)'" : ""
        return .failure(ReadError("cannot read '\(path)': it is \(kind), not a regular file\(advice)"))
    }
    return readOpened(descriptor, status: status, name: path, shownAs: "'\(path)'",
                      format: format ?? InputFormat.byExtension(path))
}

/// Reads standard input (the process's descriptor 0) as `readFile` reads a file: a regular file by its
/// size (an ONNX model mapped), anything else as a stream up to the limits.
func readStandardInput(format: InputFormat?) -> Result<LoadedInput, ReadError> {
    var status = stat()
    guard fstat(0, &status) == 0 else { return .failure(ReadError("cannot read \(standardInputName): \(errorText(errno))")) }
    return readOpened(0, status: status, name: standardInputName, shownAs: standardInputName, format: format)
}

/// Reads an open descriptor whose status is `status`. A regular file read from its start is checked
/// before it is read: its first bytes tell its format (unless `format` does), an ONNX model is mapped
/// and may have a model's size, anything else is refused at once past a spec's size. Anything else
/// (a pipe, a terminal, a file read from the middle) is read in chunks, up to a spec's size or, when
/// its first bytes are an ONNX model's, a model's.
private func readOpened(_ descriptor: Int32, status: stat, name: String, shownAs shown: String,
                        format: InputFormat?) -> Result<LoadedInput, ReadError> {
    let kind = status.st_mode & S_IFMT
    if kind == S_IFDIR { return .failure(ReadError("\(shown) is a directory, not a spec file")) }
    guard kind == S_IFREG, lseek(descriptor, 0, SEEK_CUR) == 0 else {
        return readStream(descriptor, shownAs: shown, modelsUpTo: maximumModelBytes, isModel: format == .onnx)
            .map { LoadedInput(name: name, bytes: $0.bytes, model: $0.model) }
    }
    let size = Int(status.st_size)
    var head = [UInt8](repeating: 0, count: formatTellingBytes)
    let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
    guard count >= 0 else { return .failure(ReadError("cannot read \(shown): \(errorText(errno))")) }
    head.removeLast(head.count - count)
    if (format ?? InputFormat.sniff(head)) == .onnx {
        guard size <= maximumModelBytes else {
            return .failure(ReadError("\(shown) is larger than \(maximumModelBytes >> 20) MiB, the most netcalc reads"))
        }
        if let mapped = ModelBytes(mapping: descriptor, size: size) {
            return .success(LoadedInput(name: name, bytes: head, model: mapped))
        }
        // Not mappable: read, up to a model's size.
        return readStream(descriptor, shownAs: shown, modelsUpTo: maximumModelBytes, isModel: true)
            .map { LoadedInput(name: name, bytes: $0.bytes, model: $0.model) }
    }
    // Refused by its size before anything past its first bytes is read (a 4 GiB file, at once).
    guard size <= maximumSpecBytes else {
        return .failure(ReadError("\(shown) is larger than \(maximumSpecBytes >> 20) MiB, the most netcalc reads"))
    }
    return readAll(descriptor, shownAs: shown).map { LoadedInput(name: name, bytes: $0) }
}

/// True for a pipe netcalc was handed by its shell (`netcalc <(make_spec)`, /dev/fd/63), whose writer
/// is there already; false for a named FIFO in a folder, which may have none.
private func isHandedPipe(_ descriptor: Int32, path: String) -> Bool {
    #if os(Linux)
    // Linux names an anonymous pipe's descriptor `pipe:[inode]`, a named FIFO's by its path.
    var target = [CChar](repeating: 0, count: 256)
    let length = readlink("/proc/self/fd/\(descriptor)", &target, target.count - 1)
    if length > 0 { return String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix("pipe:") }
    #endif
    return path.hasPrefix("/dev/fd/") || path.hasPrefix("/proc/self/fd/") || path == "/dev/stdin"
}

/// Reads everything from an open descriptor (a file, a pipe, standard input) up to the size limit.
/// `shownAs` names the input in messages: `'specs/x.net'` or `<stdin>`. With `modelsUpTo`, input
/// whose first bytes are an ONNX model's may grow to that size instead (a model on standard input).
func readAll(_ descriptor: Int32, shownAs shown: String, limit: Int = maximumSpecBytes,
             modelsUpTo modelLimit: Int? = nil) -> Result<[UInt8], ReadError> {
    var status = stat()
    if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
        return .failure(ReadError("\(shown) is a directory, not a spec file"))
    }
    return readStream(descriptor, shownAs: shown, limit: limit, modelsUpTo: modelLimit ?? limit).map { read in
        guard let model = read.model else { return read.bytes }
        return Array(model[0..<model.count])
    }
}

/// Reads a stream in chunks into memory that grows by doubling, up to `limit` bytes; past it only a
/// model (`isModel`, or first bytes that are an ONNX model's) may go on, up to `modelLimit`. Memory that
/// cannot be had is an error, not a trap. A read past `limit` gives the model's bytes (and its first
/// bytes as `bytes`); one within it gives the bytes alone.
private func readStream(_ descriptor: Int32, shownAs shown: String, limit: Int = maximumSpecBytes,
                        modelsUpTo modelLimit: Int, isModel: Bool = false) -> Result<(bytes: [UInt8], model: ModelBytes?), ReadError> {
    var memory: UnsafeMutableRawPointer?
    var capacity = 0
    var count = 0
    var currentLimit = limit
    var decided = false
    defer { free(memory) }
    let chunk = 1 << 16
    while true {
        if capacity - count < chunk {
            let wanted = max(capacity * 2, 1 << 16)
            guard let grown = realloc(memory, wanted) else {
                return .failure(ReadError("cannot read \(shown): no memory for more than \(count >> 20) MiB of it"))
            }
            memory = grown
            capacity = wanted
        }
        let got = read(descriptor, memory! + count, min(chunk, capacity - count))
        if got < 0 {
            if errno == EINTR { continue }
            return .failure(ReadError("cannot read \(shown): \(errorText(errno))"))
        }
        if got == 0 { break }
        count += got
        // Past a spec's size, only a model goes on: told once, by the first bytes.
        if count > currentLimit, !decided {
            decided = true
            let head = Array(UnsafeRawBufferPointer(start: memory, count: min(count, formatTellingBytes)))
            if modelLimit > currentLimit, isModel || InputFormat.sniff(head) == .onnx { currentLimit = modelLimit }
        }
        if count > currentLimit {
            return .failure(ReadError("\(shown) is larger than \(currentLimit >> 20) MiB, the most netcalc reads"))
        }
    }
    guard count > limit, let owned = memory else {
        return .success((Array(UnsafeRawBufferPointer(start: memory, count: count)), nil))
    }
    memory = nil  // the model's bytes own it now
    let model = ModelBytes(adopting: owned, count: count)
    return .success((model.prefix(formatTellingBytes), model))
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
        if invocation.readsProcessStandardInput { return readStandardInput(format: format) }
        return invocation.readStandardInput().map { LoadedInput(name: standardInputName, bytes: $0) }
    case .file(let path):
        return readFile(fullPath(path, invocation: invocation), shownAs: path, format: format,
                        rawPath: rawPath(path, invocation: invocation))
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

/// The bytes of a path given as an argument that is not UTF-8 (shown as `caf\xE9.net`), from the
/// invocation's directory as `fullPath` does; nil for any other path.
func rawPath(_ path: String, invocation: Invocation) -> [UInt8]? {
    guard let bytes = invocation.pathBytes[path] else { return nil }
    guard let directory = invocation.currentDirectory, bytes.first != UInt8(ascii: "/") else { return bytes }
    return Array(directory.utf8) + [UInt8(ascii: "/")] + bytes
}

/// The process's arguments after its name, as text: an argument that is not UTF-8 is shown with each
/// byte that is not part of a character as `\xE9`, and its bytes are kept by that text, so that a file
/// of such a name is opened by its own bytes. Where another argument is that very text, the bytes are
/// not kept (neither is opened as the other).
func processArguments(_ raw: [[UInt8]]) -> (arguments: [String], pathBytes: [String: [UInt8]]) {
    var arguments: [String] = []
    var pathBytes: [String: [UInt8]] = [:]
    var plain: Set<String> = []
    for bytes in raw {
        let text = String(decoding: bytes, as: UTF8.self)
        if Array(text.utf8) == bytes {
            arguments.append(text)
            plain.insert(text)
            continue
        }
        let shown = escapingInvalidUTF8(bytes)
        arguments.append(shown)
        pathBytes[shown] = bytes
    }
    for text in plain { pathBytes[text] = nil }
    return (arguments, pathBytes)
}

/// Bytes as text, each byte that is not part of a UTF-8 character written `\xE9`.
func escapingInvalidUTF8(_ bytes: [UInt8]) -> String {
    var text = ""
    var index = 0
    while index < bytes.count {
        let lead = bytes[index]
        let length = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
            : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0
        if length > 0, index + length <= bytes.count {
            let piece = Array(bytes[index..<(index + length)])
            let decoded = String(decoding: piece, as: UTF8.self)
            if Array(decoded.utf8) == piece {
                text += decoded
                index += length
                continue
            }
        }
        let hex = String(lead, radix: 16, uppercase: true)
        text += "\\x" + (hex.count < 2 ? "0" : "") + hex
        index += 1
    }
    return text
}
