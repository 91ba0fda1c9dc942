#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing a run's output to the real standard streams. Output is never lost without a word: a write
/// to standard output that fails (a full disk, `/dev/full`, a closed descriptor) is an error naming
/// standard output and the reason, exit status 2. Only a closed pipe (`netcalc big.net | head -1`)
/// ends the writing quietly, as the reader asked for no more.

/// How writing to a descriptor ended.
enum WriteResult: Equatable, Sendable {
    case written
    /// The reader went away (EPIPE): not an error.
    case closedPipe
    /// The write failed, with this `errno`.
    case failed(Int32)
}

/// Writes all bytes to a descriptor, retrying after signals and short writes.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> WriteResult {
    bytes.withUnsafeBufferPointer { buffer -> WriteResult in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno == EPIPE ? .closedPipe : .failed(errno)
            }
            // A write of nothing to a regular file means it cannot grow: report it as a full disk.
            if written == 0 { return .failed(ENOSPC) }
            offset += written
        }
        return .written
    }
}

/// Writes an outcome to standard output, then standard error, and returns the exit status. A failed
/// write of standard output adds `netcalc: error: cannot write to standard output: REASON` to standard
/// error and makes the status 2. With `closing`, standard output is closed after writing, so that a
/// failure the system reports only then (a file system that writes late) is caught as well.
func deliver(_ outcome: Outcome, standardOutput: Int32 = 1, standardError: Int32 = 2, closing: Bool = false) -> Int32 {
    var status = outcome.status
    var errors = outcome.standardError
    var failure: Int32?
    if case .failed(let code)? = outcome.streamResult { failure = code }
    if outcome.streamResult ?? .written == .written, !outcome.standardOutputBytes.isEmpty {
        switch writeAll(standardOutput, outcome.standardOutputBytes) {
        case .written: break
        case .closedPipe: break
        case .failed(let code): failure = code
        }
    }
    if closing, close(standardOutput) != 0, failure == nil {
        // A descriptor closed from the start (`>&-`) with nothing to write loses nothing.
        let code = errno
        if code != EINTR, code != EBADF || !outcome.standardOutputBytes.isEmpty || outcome.streamedAnything { failure = code }
    }
    if let failure {
        errors += "netcalc: error: cannot write to standard output: \(errorText(failure))\n"
        status = max(status, 2)
    }
    if !errors.isEmpty, case .failed = writeAll(standardError, Array(errors.utf8)) {
        status = max(status, 2)  // nowhere left to say why; the status still says something went wrong
    }
    return status
}

/// Standard output written while the output is made: renderers hand it chunks through a `TextBuffer`.
/// The first failed write ends the writing; what happened is kept for `deliver` to report.
final class OutputSink {
    let descriptor: Int32
    /// How the writing has gone so far.
    private(set) var result = WriteResult.written
    /// True once any bytes were handed on.
    private(set) var wroteAnything = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// True once the reader has gone or a write failed.
    var isClosed: Bool { result != .written }

    /// Writes a chunk, unless an earlier write ended the writing.
    func write(_ bytes: [UInt8]) {
        guard result == .written, !bytes.isEmpty else { return }
        wroteAnything = true
        result = writeAll(descriptor, bytes)
    }
}
