#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model file's bytes: a copy in memory, or the file mapped, so that reading its graph touches only
/// the pages that hold the graph. The weights, most of a file, are skipped by offset and never read:
/// a 500 MB file costs what its graph costs.

/// The bytes of a model file, read by index with every index checked (a bad one traps, as an array's
/// would, rather than read outside the file).
final class ModelBytes: @unchecked Sendable {
    /// How the bytes are let go.
    private enum Storage {
        /// Allocated here and copied in.
        case allocated
        /// Allocated with malloc by a stream's reader, and handed over.
        case adopted
        /// Mapped from a file.
        case mapped
        /// None at all (an empty file).
        case empty
    }

    private let base: UnsafeRawPointer?
    let count: Int
    private let storage: Storage

    /// A copy of bytes in memory (standard input, tests).
    init(_ bytes: [UInt8]) {
        count = bytes.count
        guard !bytes.isEmpty else {
            base = nil
            storage = .empty
            return
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 16)
        bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        base = UnsafeRawPointer(memory)
        storage = .allocated
    }

    /// Memory allocated with `malloc` holding `count` bytes (a model read from a stream), which the
    /// bytes now own and free.
    init(adopting memory: UnsafeMutableRawPointer, count: Int) {
        base = UnsafeRawPointer(memory)
        self.count = count
        storage = .adopted
    }

    /// A file open for reading, `size` bytes long, mapped read-only; nil when it cannot be mapped (the
    /// caller then reads it).
    init?(mapping descriptor: Int32, size: Int) {
        guard size > 0, let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
              address != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        // The graph is read front to back, the weights skipped: no read-ahead across them.
        _ = madvise(address, size, MADV_RANDOM)
        base = UnsafeRawPointer(address)
        count = size
        storage = .mapped
    }

    deinit {
        switch storage {
        case .allocated: UnsafeMutableRawPointer(mutating: base)?.deallocate()
        case .adopted: free(UnsafeMutableRawPointer(mutating: base))
        case .mapped: if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
        case .empty: break
        }
    }

    /// The byte at `index`.
    @inline(__always)
    subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < count, "a model byte outside the file")
        return base.unsafelyUnwrapped.load(fromByteOffset: index, as: UInt8.self)
    }

    /// A copy of the bytes in `range`.
    subscript(range: Range<Int>) -> ArraySlice<UInt8> {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "model bytes outside the file")
        guard !range.isEmpty, let base else { return ArraySlice() }
        return Array(UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count))[...]
    }

    /// The first bytes, at most `length`.
    func prefix(_ length: Int) -> [UInt8] {
        Array(self[0..<min(length, count)])
    }
}
