import Foundation
import Testing
@testable import NetCalc

/// The built binary, when `swift build` has made it: tests that need a real process use it.
let builtBinary = packageRoot + "/.build/debug/netcalc"
let haveBinary = FileManager.default.isExecutableFile(atPath: builtBinary)

/// Runs a shell command line with `NETCALC` set to the built binary, from the package root; returns
/// its status and everything it printed.
func shell(_ script: String) throws -> (Int32, String) {
    try runProcess("bash", ["-c", "cd '\(packageRoot)' && NETCALC='\(builtBinary)' && \(script)"])
}

/// Output and input that fail: every failed write of standard output is an error naming it and the
/// reason (exit status 2) except a closed pipe, and every failed read of standard input names `<stdin>`.
@Suite struct StreamTests {
    /// Every mode's output, written where it cannot go, with what reached standard error.
    static let modes: [[String]] = [
        ["specs/vgg16.net"], ["--format", "json", "specs/resnet18.net"], ["--format", "csv", "specs/vgg16.net"],
        ["--emit", "pytorch", "specs/vgg16.net"], ["check", "specs/homework/alexnet_conv1.net"],
        ["fmt", "specs/vgg16.net"], ["quiz", "--seed", "3"], ["--help"], ["--version"],
    ]

    /// Delivers an outcome with standard output on `descriptor`; returns the status and standard error.
    func deliverTo(_ descriptor: Int32, _ outcome: Outcome) throws -> (Int32, String) {
        let errorPath = NSTemporaryDirectory() + "netcalc-stderr-\(UUID().uuidString)"
        let errorDescriptor = open(errorPath, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        #expect(errorDescriptor >= 0)
        defer { unlink(errorPath) }
        let status = deliver(outcome, standardOutput: descriptor, standardError: errorDescriptor)
        close(errorDescriptor)
        return (status, try String(contentsOfFile: errorPath, encoding: .utf8))
    }

    @Test(arguments: modes)
    func aFullDeviceIsAnError(_ arguments: [String]) throws {
        let outcome = runNetCalc(arguments)
        #expect(!outcome.standardOutputBytes.isEmpty)
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        let (status, errors) = try deliverTo(full, outcome)
        #expect(status == 2)
        #expect(errors.hasSuffix("netcalc: error: cannot write to standard output: No space left on device\n"), "\(errors)")
    }

    @Test(arguments: modes)
    func aClosedDescriptorIsAnError(_ arguments: [String]) throws {
        let (status, errors) = try deliverTo(-1, runNetCalc(arguments))
        #expect(status == 2)
        #expect(errors.hasSuffix("netcalc: error: cannot write to standard output: Bad file descriptor\n"))
    }

    /// A reader that has gone away asked for no more: quiet, and the status stays.
    @Test func aClosedPipeIsQuiet() throws {
        signal(SIGPIPE, SIG_IGN)
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        close(ends[0])
        defer { close(ends[1]) }
        let (status, errors) = try deliverTo(ends[1], runNetCalc(["specs/vgg16.net"]))
        #expect(status == 0)
        #expect(errors == "")
    }

    @Test func nothingToWriteIsNoError() throws {
        let outcome = Outcome(status: 0, standardOutput: "", standardError: "")
        #expect(try deliverTo(-1, outcome) == (0, ""))
    }

    @Test func aDirectoryOnStandardInputIsNamed() throws {
        let directory = open(NSTemporaryDirectory(), O_RDONLY)
        try #require(directory >= 0)
        defer { close(directory) }
        #expect(readAll(directory, shownAs: standardInputName) == .failure(ReadError("<stdin> is a directory, not a spec file")))
        #expect(readAll(-1, shownAs: standardInputName) == .failure(ReadError("cannot read <stdin>: Bad file descriptor")))
    }

    @Test func aStandardInputReadErrorExitsTwoInEveryMode() {
        for arguments in [[], ["-"], ["check"], ["fmt"], ["fmt", "-"], ["--emit", "spec"]] {
            var invocation = Invocation(arguments: arguments)
            invocation.readStandardInput = { .failure(ReadError("cannot read <stdin>: Bad file descriptor")) }
            let outcome = run(invocation)
            #expect(outcome.status == 2, "\(arguments)")
            #expect(outcome.standardError == "netcalc: error: cannot read <stdin>: Bad file descriptor\n", "\(arguments)")
        }
    }

    /// Output written as it is made: what reached the descriptor, then the rest kept in the outcome,
    /// is exactly the output made whole, in every streamed format.
    @Test(arguments: ["table", "json", "csv", "markdown", "dot"])
    func streamedOutputIsTheWholeOutput(_ format: String) throws {
        let arguments = ["--format", format, "-e", "INPUT[8x8x1] -> [CONV(2,3,p1) -> RELU]*3000"]
        let whole = runNetCalc(arguments).standardOutputBytes
        let path = NSTemporaryDirectory() + "netcalc-stream-\(UUID().uuidString)"
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor); unlink(path) }
        var invocation = Invocation(arguments: arguments)
        invocation.standardOutputDescriptor = descriptor
        let outcome = run(invocation)
        #expect(outcome.streamResult == .written)
        #expect(outcome.streamedAnything)
        #expect(outcome.standardOutputBytes.count < TextBuffer.chunkSize + 4096)
        let written = try #require(FileManager.default.contents(atPath: path))
        #expect(Array(written) + outcome.standardOutputBytes == whole)
    }

    /// A streamed write that fails stops the writing, and is reported like any failed write.
    @Test func aFailedStreamedWriteIsAnError() throws {
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        var invocation = Invocation(arguments: ["-e", "INPUT[8x8x1] -> [RELU]*5000"])
        invocation.standardOutputDescriptor = full
        let outcome = run(invocation)
        #expect(outcome.streamResult == .failed(ENOSPC))
        let (status, errors) = try deliverTo(full, outcome)
        #expect(status == 2)
        #expect(errors == "netcalc: error: cannot write to standard output: No space left on device\n")
    }

    /// The real process: `> /dev/full`, `>&-`, a file cut off by a size limit, `< /tmp`, `<&-`, `| head`.
    @Test(.enabled(if: haveBinary && FileManager.default.fileExists(atPath: "/dev/full"), "needs the built binary and /dev/full"))
    func theProcessReportsEveryFailedStream() throws {
        let cases: [(String, Int32, String)] = [
            ("$NETCALC specs/vgg16.net > /dev/full", 2, "netcalc: error: cannot write to standard output: No space left on device\n"),
            ("$NETCALC fmt specs/vgg16.net > /dev/full", 2, "netcalc: error: cannot write to standard output: No space left on device\n"),
            ("$NETCALC --help > /dev/full", 2, "netcalc: error: cannot write to standard output: No space left on device\n"),
            ("$NETCALC specs/vgg16.net >&-", 2, "netcalc: error: cannot write to standard output: Bad file descriptor\n"),
            ("$NETCALC < /tmp", 2, "netcalc: error: <stdin> is a directory, not a spec file\n"),
            ("$NETCALC fmt - < /tmp", 2, "netcalc: error: <stdin> is a directory, not a spec file\n"),
            ("$NETCALC fmt <&-", 2, "netcalc: error: cannot read <stdin>: Bad file descriptor\n"),
            ("$NETCALC specs/resnet152.net | head -c 10 > /dev/null", 0, ""),
            // Streamed: the reader leaves after a line, and netcalc stops quietly.
            ("$NETCALC -e 'INPUT[8x8x1] -> [RELU]*1000000' | head -n 1 > /dev/null", 0, ""),
            ("$NETCALC --format json -e 'INPUT[8x8x1] -> [RELU]*100000' > /dev/full", 2,
             "netcalc: error: cannot write to standard output: No space left on device\n"),
            ("out=$(mktemp) && (ulimit -f 8; $NETCALC --format json specs/resnet152.net > $out); s=$?; rm -f $out; exit $s",
             2, "netcalc: error: cannot write to standard output: File too large\n"),
        ]
        for (script, expected, message) in cases {
            // Standard output goes where the script sends it; what is captured is standard error.
            let (status, errors) = try shell("set -o pipefail; \(script)")
            #expect(status == expected, "\(script): \(errors)")
            #expect(errors == message, "\(script)")
        }
    }
}
