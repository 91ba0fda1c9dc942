import Foundation
import Testing
@testable import NetCalc

/// `fmt -w` respects the file: links, owner, group and mode, read-only and special files, unchanged
/// files, line endings and byte-order marks. Each test works in a folder of its own.
@Suite struct FormatWriteTests {
    static let messy = "net = input[8x8x3]->conv(4,3)\n"
    static let canonical = "net = INPUT[8x8x3] -> CONV(4,3)\n"
    /// True where a character device can be made here: root, in a container that allows mknod.
    static let canMakeDevices: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "netcalc-mknod-\(UUID().uuidString)"
        defer { unlink(probe) }
        return mknod(probe, S_IFCHR | 0o600, dev_t(1 << 8 | 3)) == 0
    }()

    /// A fresh temporary folder, removed by `cleanup`.
    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "netcalc-fmtw-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func cleanup(_ folder: String) {
        _ = chmod(folder, 0o755)
        try? FileManager.default.removeItem(atPath: folder)
    }

    func write(_ text: String, _ path: String, mode: mode_t = 0o644) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, mode) == 0)
    }

    func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    func status(_ path: String) -> stat {
        var result = stat()
        _ = lstat(path, &result)
        return result
    }

    func fmtWrite(_ paths: [String]) -> Outcome {
        run(Invocation(arguments: ["fmt", "-w"] + paths))
    }

    /// No temporary file is ever left behind.
    func expectNoLeftovers(_ folder: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(!names.contains { $0.contains(".tmp") }, "\(names)")
    }

    @Test func aSymbolicLinkHasItsTargetRewrittenOnce() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        try write(Self.messy, dir + "/f.net")
        #expect(symlink("f.net", dir + "/link.net") == 0)
        let outcome = fmtWrite([dir + "/f.net", dir + "/link.net"])
        #expect(outcome.status == 0 && outcome.standardError == "", "\(outcome.standardError)")
        #expect(try read(dir + "/f.net") == Self.canonical)
        #expect(status(dir + "/link.net").st_mode & S_IFMT == S_IFLNK)
        // A file that cannot be formatted, named twice (once through a link), is reported once.
        try write("net = INPUT[8x8x3] -> CONV(4,3\n", dir + "/bad.net")
        #expect(symlink(dir + "/bad.net", dir + "/badlink.net") == 0)
        let bad = fmtWrite([dir + "/badlink.net", dir + "/bad.net"])
        #expect(bad.status == 1)
        #expect(bad.standardError.components(separatedBy: "not rewritten").count == 2, "\(bad.standardError)")
        try expectNoLeftovers(dir)
    }

    @Test func aLinkIntoAnotherFolderRewritesTheTargetThere() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        try write(Self.messy, dir + "/real/f.net")
        #expect(symlink("real/f.net", dir + "/link.net") == 0)
        #expect(fmtWrite([dir + "/link.net"]).status == 0)
        #expect(try read(dir + "/real/f.net") == Self.canonical)
        #expect(status(dir + "/link.net").st_mode & S_IFMT == S_IFLNK)
        try expectNoLeftovers(dir)
        try expectNoLeftovers(dir + "/real")
    }

    /// Hard links: written in place, so that every name still shows the one file.
    @Test func aHardLinkedFileIsWrittenInPlace() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        try write(Self.messy + "# a longer comment, so that the text grows when it is formatted\n", dir + "/a.net")
        #expect(link(dir + "/a.net", dir + "/b.net") == 0)
        let before = status(dir + "/a.net")
        #expect(fmtWrite([dir + "/a.net"]).status == 0)
        let after = status(dir + "/a.net")
        #expect(after.st_ino == before.st_ino)
        #expect(after.st_nlink == 2)
        #expect(try read(dir + "/b.net") == Self.canonical + "# a longer comment, so that the text grows when it is formatted\n")
        // Shorter text: the rest of the old text is cut off.
        try write("net   =   input[8x8x3]   ->   conv(4,3)   ->   relu\n\n\n\n", dir + "/a.net")
        #expect(fmtWrite([dir + "/b.net"]).status == 0)
        #expect(try read(dir + "/a.net") == "net = INPUT[8x8x3] -> CONV(4,3) -> RELU\n")
        try expectNoLeftovers(dir)
    }

    @Test(arguments: [0o664, 0o666, 0o600, 0o640, 0o755] as [mode_t])
    func theModeIsKept(_ mode: mode_t) throws {
        let dir = try folder()
        defer { cleanup(dir) }
        try write(Self.messy, dir + "/f.net", mode: mode)
        #expect(fmtWrite([dir + "/f.net"]).status == 0)
        #expect(try read(dir + "/f.net") == Self.canonical)
        #expect(status(dir + "/f.net").st_mode & 0o7777 == mode)
    }

    /// The same under the umasks of the issue, in a real process (the umask belongs to the process).
    @Test(.enabled(if: haveBinary, "needs the built binary: swift build"))
    func theModeIsKeptUnderAnyUmask() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        for (umask, mode) in [("022", "664"), ("077", "666")] {
            try write(Self.messy, dir + "/f.net")
            let (status, output) = try shell("umask \(umask) && chmod \(mode) '\(dir)/f.net' && $NETCALC fmt -w '\(dir)/f.net' && stat -c %a '\(dir)/f.net'")
            #expect(status == 0)
            #expect(output == mode + "\n")
        }
    }

    /// As root, a file of another user keeps its owner and group.
    @Test(.enabled(if: geteuid() == 0, "needs root: files of another owner"))
    func theOwnerAndGroupAreKept() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        try write(Self.messy, dir + "/f.net", mode: 0o664)
        #expect(chown(dir + "/f.net", 12345, 23456) == 0)
        #expect(fmtWrite([dir + "/f.net"]).status == 0)
        let after = status(dir + "/f.net")
        #expect(after.st_uid == 12345)
        #expect(after.st_gid == 23456)
        #expect(after.st_mode & 0o7777 == 0o664)
        #expect(try read(dir + "/f.net") == Self.canonical)
    }

    /// Read-only files are refused by their mode, even for root, whom the system would let write them.
    @Test func aReadOnlyFileIsRefused() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        try write(Self.messy, dir + "/f.net", mode: 0o444)
        let outcome = fmtWrite([dir + "/f.net"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.hasPrefix("netcalc: error: cannot rewrite '\(dir)/f.net': it is read-only (mode 0444)\n"))
        #expect(try read(dir + "/f.net") == Self.messy)
        #expect(status(dir + "/f.net").st_mode & 0o7777 == 0o444)
    }

    @Test func aFIFOAndAFolderAreRefused() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        #expect(mkfifo(dir + "/pipe.net", 0o644) == 0)
        let fifo = fmtWrite([dir + "/pipe.net"])
        #expect(fifo.status == 2)
        #expect(fifo.standardError.hasPrefix("netcalc: error: cannot rewrite '\(dir)/pipe.net': it is a FIFO, not a regular file\n"))
        #expect(status(dir + "/pipe.net").st_mode & S_IFMT == S_IFIFO)
        let folder = fmtWrite([dir])
        #expect(folder.status == 2)
        #expect(folder.standardError.contains("it is a directory, not a regular file"))
    }

    /// A character device made here (the null device's numbers), not /dev/null itself.
    @Test(.enabled(if: canMakeDevices, "needs root with the right to make device files (mknod)"))
    func aDeviceIsRefused() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        try #require(mknod(dir + "/null.net", S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0, "mknod: errno \(errno)")
        let outcome = fmtWrite([dir + "/null.net"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("it is a character device, not a regular file"))
        #expect(status(dir + "/null.net").st_mode & S_IFMT == S_IFCHR)
    }

    /// An unchanged file keeps its inode and modification time: no file watcher wakes up.
    @Test func anUnchangedFileIsLeftAlone() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        for text in [Self.canonical, "\u{FEFF}" + Self.canonical.replacingOccurrences(of: "\n", with: "\r\n")] {
            try write(text, dir + "/f.net")
            var times = [timeval(tv_sec: 1_000_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000_000, tv_usec: 0)]
            #expect(utimes(dir + "/f.net", &times) == 0)
            let before = status(dir + "/f.net")
            #expect(fmtWrite([dir + "/f.net"]).status == 0)
            let after = status(dir + "/f.net")
            #expect(after.st_ino == before.st_ino)
            #expect(after.st_mtim.tv_sec == 1_000_000_000)
        }
    }

    @Test func lineEndingsAndAByteOrderMarkAreKept() throws {
        let dir = try folder()
        defer { cleanup(dir) }
        let messy = "\u{FEFF}# a spec\r\nnet = input[8x8x3]->conv(4,3) {6x6x4,\r\n  params: 112}\r\n"
        try write(messy, dir + "/f.net")
        #expect(fmtWrite([dir + "/f.net"]).status == 0)
        let expected = "\u{FEFF}# a spec\r\nnet = INPUT[8x8x3] -> CONV(4,3) {6x6x4,\r\n  params: 112}\r\n"
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/f.net"))) == Array(expected.utf8))
        // Printed the same way.
        let printed = run(Invocation(arguments: ["fmt", "-"], standardInput: Array(messy.utf8)))
        #expect(printed.standardOutputBytes == Array(expected.utf8))
        // LF stays LF.
        #expect(keepingConventions("a\nb\n", of: Array("x\ny".utf8)) == Array("a\nb\n".utf8))
    }
}

/// `fmt -w` run by another user (root runs the binary as nobody): where the new file cannot be given
/// the owner, or cannot be made in the folder, the file is written in place and keeps its owner.
@Suite struct FormatWriteAsAnotherUserTests {
    static let canRun = geteuid() == 0 && haveBinary && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    func asNobody(_ arguments: String) throws -> (Int32, String) {
        try runProcess("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", builtBinary] + ["fmt", "-w", arguments])
    }

    func owner(_ path: String) -> uid_t {
        var status = stat()
        _ = stat(path, &status)
        return status.st_uid
    }

    @Test(.enabled(if: canRun, "needs root, the built binary and setpriv to run as another user"), arguments: [0o777, 0o755] as [mode_t])
    func anotherUsersFileIsWrittenInPlace(_ folderMode: mode_t) throws {
        let folder = NSTemporaryDirectory() + "netcalc-nobody-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/f.net"
        try Data(FormatWriteTests.messy.utf8).write(to: URL(fileURLWithPath: file))
        #expect(chmod(file, 0o666) == 0)
        #expect(chmod(folder, folderMode) == 0)
        let (status, output) = try asNobody(file)
        #expect(status == 0, "\(output)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == FormatWriteTests.canonical)
        #expect(owner(file) == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["f.net"])
        // A file the user may not write is refused, and says so.
        #expect(chmod(file, 0o644) == 0)
        try Data(FormatWriteTests.messy.utf8).write(to: URL(fileURLWithPath: file))
        let (refused, message) = try asNobody(file)
        #expect(refused == 2)
        #expect(message.hasPrefix("netcalc: error: cannot rewrite '\(file)': you may not write it (mode 0644)\n"), "\(message)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == FormatWriteTests.messy)
    }
}
