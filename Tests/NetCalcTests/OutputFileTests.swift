import Foundation
import Testing
@testable import NetCalc

/// `--output FILE` writes the output whole or not at all: a new file renamed into place, an old file
/// kept when the run or the write fails, exit status 2 and a message for a failed write.
@Suite struct OutputFileTests {
    static let spec = "INPUT[8x8x1] -> FC(2)"

    /// A fresh temporary folder.
    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "netcalc-output-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func cleanup(_ folder: String) {
        _ = chmod(folder, 0o755)
        try? FileManager.default.removeItem(atPath: folder)
    }

    func read(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The names in a folder, to see that no temporary file was left.
    func names(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test(arguments: [["-e", spec], ["--format", "json", "-e", spec], ["check", "specs/homework/alexnet_conv1.net"],
                      ["quiz", "--seed", "4"], ["fmt", "specs/cifar10.net"]])
    func theOutputGoesToTheFile(_ arguments: [String]) throws {
        let folder = try folder()
        defer { cleanup(folder) }
        let expected = runNetCalc(arguments)
        let written = runNetCalc(arguments + ["-o", folder + "/out.txt"])
        #expect(written.status == expected.status)
        #expect(written.standardOutput.isEmpty)
        #expect(written.standardError == expected.standardError)
        #expect(read(folder + "/out.txt") == expected.standardOutput)
        #expect(names(folder) == ["out.txt"])
        // `-o -` is standard output.
        #expect(runNetCalc(["--output=-", "-e", Self.spec]).standardOutput == runNetCalc(["-e", Self.spec]).standardOutput)
    }

    @Test func aRelativeNameIsFromTheInvocationsFolder() throws {
        let folder = try folder()
        defer { cleanup(folder) }
        var invocation = Invocation(arguments: ["-e", Self.spec, "-o", "relative.txt"])
        invocation.currentDirectory = folder
        #expect(run(invocation).status == 0)
        #expect(read(folder + "/relative.txt") == runNetCalc(["-e", Self.spec]).standardOutput)
    }

    @Test(arguments: [["man"], ["completions", "fish"], ["help", "check"], ["--version"]])
    func everyCommandsOutputGoesToTheFile(_ arguments: [String]) throws {
        let folder = try folder()
        defer { cleanup(folder) }
        let written = runNetCalc(arguments + ["-o", folder + "/out"])
        #expect(written.status == 0)
        #expect(written.standardOutput.isEmpty)
        #expect(read(folder + "/out") == runNetCalc(arguments).standardOutput)
    }

    @Test func anExistingFileIsReplacedKeepingItsMode() throws {
        let folder = try folder()
        defer { cleanup(folder) }
        let path = folder + "/report.txt"
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0o640) == 0)
        let outcome = runNetCalc(["-e", Self.spec, "--output", path])
        #expect(outcome.status == 0)
        #expect(read(path) == runNetCalc(["-e", Self.spec]).standardOutput)
        var status = stat()
        #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o640)
        #expect(names(folder) == ["report.txt"])
    }

    @Test func aFolderThatDoesNotExistIsTrouble() throws {
        let folder = try folder()
        defer { cleanup(folder) }
        let outcome = runNetCalc(["-e", Self.spec, "-o", folder + "/missing/out.txt"])
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.isEmpty)
        #expect(outcome.standardError == "netcalc: error: cannot write '\(folder)/missing/out.txt': No such file or directory\n")
        let directory = runNetCalc(["-e", Self.spec, "-o", folder])
        #expect(directory.status == 2)
        #expect(directory.standardError.contains("it is a directory"))
    }

    /// Root writes into any folder, so this needs an ordinary user.
    @Test(.enabled(if: geteuid() != 0, "root may write into a read-only folder"))
    func aReadOnlyFolderIsTroubleAndKeepsTheOldFile() throws {
        let folder = try folder()
        defer { cleanup(folder) }
        let path = folder + "/out.txt"
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(folder, 0o555) == 0)
        let outcome = runNetCalc(["-e", Self.spec, "-o", path])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("cannot write"))
        #expect(read(path) == "old\n")
        #expect(names(folder) == ["out.txt"])
    }

    @Test(arguments: [
        (["-e", "INPUT[8x8x1] -> FC("], "there was nothing to write"),
        (["-e", spec, "nosuch.net"], "the run failed"),
        (["--format", "json", "nosuch.net"], "the run failed"),
    ])
    func theOldFileSurvivesAFailedRun(_ arguments: [String], _ why: String) throws {
        let folder = try folder()
        defer { cleanup(folder) }
        let path = folder + "/out.txt"
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        let outcome = runNetCalc(arguments + ["-o", path])
        #expect(outcome.status != 0)
        #expect(outcome.standardOutput.isEmpty)
        #expect(outcome.standardError.contains("netcalc: '\(path)' is left as it was: \(why)"), "\(outcome.standardError)")
        #expect(read(path) == "old\n")
        #expect(names(folder) == ["out.txt"])
    }

    /// A write that fails half way (a file size limit: `ulimit -f`, so even root cannot write) leaves
    /// the old file whole and no temporary file behind.
    @Test(.enabled(if: haveBinary && hasProgram("bash"), "needs the built netcalc and bash"))
    func aFailedWriteKeepsTheOldFile() throws {
        let folder = try folder()
        defer { cleanup(folder) }
        let path = folder + "/out.txt"
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        let (_, output) = try runProcess("bash", ["-c", "cd '\(packageRoot)' && ulimit -f 1; '\(builtBinary)' --no-pager specs/vgg16.net -o '\(path)'; echo \"status $?\""])
        #expect(output.contains("netcalc: error: cannot write '\(path)': File too large"), "\(output)")
        #expect(output.hasSuffix("status 2\n"), "\(output)")
        #expect(read(path) == "old\n")
        #expect(names(folder) == ["out.txt"])
    }

    @Test func aDeviceIsWrittenDirectly() {
        let outcome = runNetCalc(["-e", Self.spec, "-o", "/dev/null"])
        #expect(outcome.status == 0)
        #expect(outcome.standardError.isEmpty)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full"))
    func aFullDeviceIsTrouble() {
        let outcome = runNetCalc(["-e", Self.spec, "-o", "/dev/full"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError == "netcalc: error: cannot write '/dev/full': No space left on device\n")
    }
}
