#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replacing a file's text for `fmt -w` without harming the file: the new text goes to a temporary
/// file in the same folder, given the original's owner, group and mode, flushed, and renamed over the
/// original, so that a failure at any point leaves the original as it was. A file with more than one
/// hard link, or whose owner or group the new file cannot be given, or in a folder netcalc cannot
/// create files in, is written in place instead: space for the new text is reserved first, so that a
/// full disk leaves the file as it was; only a crash in the middle of the write could cut it short.

/// A file's identity on its file system: two names of one file (links) have the same.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    /// The identity of the file a status describes.
    init(_ status: stat) {
        device = UInt64(truncatingIfNeeded: status.st_dev)
        inode = UInt64(truncatingIfNeeded: status.st_ino)
    }

    /// What a file is when it is not a regular file (`a directory`, `a FIFO`), or nil for a regular file.
    static func kindIfNotRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
        }
    }
}

/// The steps of `fmt -w`'s rewrite of one file.
enum FileRewrite {
    /// A mode as `chmod` writes it: `0644`.
    static func modeText(_ mode: mode_t) -> String {
        let digits = String(UInt32(mode & 0o7777), radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// True when the file may be rewritten. The mode bits decide, as editors and formatters decide: a
    /// file that nobody may write (0444) is refused even by root, who the system would let write it.
    static func isWritable(_ path: String, _ status: stat) -> Bool {
        if geteuid() == 0 { return status.st_mode & 0o222 != 0 }
        return access(path, W_OK) == 0
    }

    /// The path of the file a name leads to, every symbolic link followed.
    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Reads the file at `path`, which must still be the file `identity` names (not swapped meanwhile).
    static func read(_ path: String, expecting identity: FileIdentity, shownAs shown: String) -> Result<[UInt8], ReadError> {
        // O_NONBLOCK: if the name now leads to a FIFO, opening it does not wait for a writer.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadError("cannot read '\(shown)': \(errorText(errno))")) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, FileIdentity(status) == identity,
              FileIdentity.kindIfNotRegular(status.st_mode) == nil else {
            return .failure(ReadError("cannot rewrite '\(shown)': it changed while netcalc was reading it"))
        }
        return readAll(descriptor, shownAs: "'\(shown)'")
    }

    /// Replaces the text of the file at `path` (no link: the file itself), whose status before reading
    /// was `original`; returns why it could not, or nil.
    static func replace(_ path: String, with bytes: [UInt8], original: stat) -> String? {
        if original.st_nlink > 1 { return writeInPlace(path, bytes, original: original) }
        switch writeBeside(path, bytes, original: original) {
        case .done: return nil
        case .failed(let problem): return problem
        case .inPlace: return writeInPlace(path, bytes, original: original)
        }
    }

    /// How writing a new file beside the original ended.
    private enum BesideResult {
        case done
        case failed(String)
        /// The new file could not be made as the original is (owner, group, folder): write in place.
        case inPlace
    }

    /// Writes a new file beside the original, made as the original is, and renames it over it; with
    /// no original, the new file is made as any new file is (mode 0666 less the umask) and renamed to `path`.
    private static func writeBeside(_ path: String, _ bytes: [UInt8], original: stat?) -> BesideResult {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        var temporary = ""
        var descriptor: Int32 = -1
        for _ in 0..<8 {  // a new random name each time one is taken
            temporary = folder + "/.netcalc-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16)).tmp"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, original == nil ? 0o666 : 0o600)
            if descriptor >= 0 || errno != EEXIST { break }
        }
        guard descriptor >= 0 else {
            let code = errno
            return code == EACCES || code == EPERM ? .inPlace : .failed(errorText(code))
        }
        var keep = false
        defer {
            if !keep { unlink(temporary) }
        }
        if case .failed(let code) = writeAll(descriptor, bytes) {
            close(descriptor)
            return .failed(errorText(code))
        }
        // The owner and group first (changing them clears set-user-ID bits), then the mode.
        if let original, original.st_uid != geteuid() || original.st_gid != getegid() {
            guard fchown(descriptor, original.st_uid, original.st_gid) == 0 else {
                close(descriptor)
                return .inPlace
            }
        }
        guard original.map({ fchmod(descriptor, $0.st_mode & 0o7777) == 0 }) ?? true, fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            return .failed(errorText(code))
        }
        guard close(descriptor) == 0 else { return .failed(errorText(errno)) }
        // The original must be the file that was read: not replaced or changed meanwhile.
        var now = stat()
        if let original {
            guard lstat(path, &now) == 0, unchanged(now, since: original) else {
                return .failed("it changed while netcalc was formatting it; it is left as it is now")
            }
        }
        guard rename(temporary, path) == 0 else { return .failed(errorText(errno)) }
        keep = true
        // Make the rename itself durable.
        let directory = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        return .done
    }

    /// Writes the new text over the old in the same file, keeping its links, owner, group, mode and
    /// everything else the file has. The space is reserved before the first byte changes.
    private static func writeInPlace(_ path: String, _ bytes: [UInt8], original: stat) -> String? {
        let descriptor = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return errorText(errno) }
        defer { close(descriptor) }
        var now = stat()
        guard fstat(descriptor, &now) == 0, unchanged(now, since: original) else {
            return "it changed while netcalc was formatting it; it is left as it is now"
        }
        let oldSize = Int(now.st_size)
        if bytes.count > oldSize {
            #if canImport(Glibc)
            let code = posix_fallocate(descriptor, 0, off_t(bytes.count))
            if code != 0 && code != EOPNOTSUPP && code != EINVAL {
                _ = ftruncate(descriptor, off_t(oldSize))  // only the reserved tail goes; the text is untouched
                return errorText(code)
            }
            #endif
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset, off_t(offset))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return "\(errorText(errno)) (while writing in place: the file may be cut short)"
            }
            if written == 0 { return "\(errorText(ENOSPC)) (while writing in place: the file may be cut short)" }
            offset += written
        }
        guard ftruncate(descriptor, off_t(bytes.count)) == 0, fsync(descriptor) == 0 else { return errorText(errno) }
        return nil
    }

    /// True when a file's status shows the same file with the same contents as before.
    private static func unchanged(_ now: stat, since before: stat) -> Bool {
        FileIdentity(now) == FileIdentity(before) && now.st_size == before.st_size
            && modificationTime(now) == modificationTime(before)
    }

    /// A status's modification time, seconds and nanoseconds.
    private static func modificationTime(_ status: stat) -> [Int] {
        #if canImport(Darwin)
        return [Int(status.st_mtimespec.tv_sec), Int(status.st_mtimespec.tv_nsec)]
        #else
        return [Int(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec)]
        #endif
    }

    /// Writes `--output`'s file whole or not at all: a new file in the same folder renamed into place
    /// (an existing file keeps its owner, group, mode and links, as `fmt -w` keeps them); a device or
    /// FIFO (`/dev/null`) is written directly. Returns why it could not, or nil.
    static func writeOutput(_ bytes: [UInt8], to path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            var link = stat()
            if code == ENOENT, lstat(path, &link) == 0 { return "it is a symbolic link to a file that does not exist" }
            guard code == ENOENT else { return errorText(code) }
            switch writeBeside(path, bytes, original: nil) {
            case .done: return nil
            case .failed(let problem): return problem
            case .inPlace: return errorText(EACCES)
            }
        }
        if status.st_mode & S_IFMT == S_IFDIR { return "it is a directory" }
        if FileIdentity.kindIfNotRegular(status.st_mode) != nil {
            let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard descriptor >= 0 else { return errorText(errno) }
            defer { close(descriptor) }
            if case .failed(let code) = writeAll(descriptor, bytes) { return errorText(code) }
            return nil
        }
        // A link is followed: its file is replaced, the link stays.
        guard let target = resolve(path) else { return errorText(errno) }
        guard isWritable(target, status) else { return "it is read-only (mode \(modeText(status.st_mode)))" }
        return replace(target, with: bytes, original: status)
    }
}
