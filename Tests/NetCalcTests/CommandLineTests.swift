import Foundation
import Testing
@testable import NetCalc

/// The command line: inputs, options, exit statuses and JSON.
@Suite struct CommandLineTests {
    @Test func standardInputIsNamedStdin() {
        let outcome = runNetCalc([], standardInput: "INPUT[7x7x1] -> CONV(1,3,s3)")
        #expect(outcome.status == 1)
        #expect(outcome.standardError.hasPrefix("<stdin>:1:17: error: CONV1 does not fit its 7x7x1 input: (7 - 3 + 2*0)/3 + 1 = 2.33"))
        #expect(outcome.standardError.contains("\n                ^~~~~~~~~~~~\n"))
        #expect(outcome.standardError.contains("hint: settings that fit:"))
    }

    @Test func floorRoundingFromTheCommandLine() {
        let outcome = runNetCalc(["--rounding", "floor", "-"], standardInput: "INPUT[7x7x1] -> CONV(1,3,s3)")
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("2x2x1"))
    }

    @Test func expressionOption() {
        let outcome = runNetCalc(["-e", "INPUT[32x32x3] -> CONV(12,3,p1) -> RELU -> POOL(2) -> FC(10)"])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("31,066"))
    }

    @Test(arguments: [
        (["--formt", "json"], "unknown option '--formt'"),
        (["--format", "yaml"], "'yaml' is not a value for --format"),
        (["--batch", "0"], "'0' is not a value for --batch"),
        (["--batch"], "--batch needs a value"),
        (["no/such/file.net"], "cannot read 'no/such/file.net': No such file or directory"),
        (["specs"], "'specs' is a directory, not a spec file"),
    ])
    func troubleExitsTwo(_ arguments: [String], _ message: String) {
        let outcome = runNetCalc(arguments)
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
    }

    @Test func severalFilesTakeTheHighestStatus() {
        let outcome = runNetCalc(["specs/cifar10.net", "-e", "INPUT[7x7x1] -> CONV(1,3,s3)", "missing.net"])
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.contains("cifar10"))
        let spec = runNetCalc(["specs/cifar10.net", "-e", "INPUT[7x7x1] -> CONV(1,3,s3)"])
        #expect(spec.status == 1)
    }

    @Test func helpAndVersion() {
        #expect(runNetCalc(["--help"]).standardOutput.contains("usage: netcalc"))
        #expect(runNetCalc(["--version"]).standardOutput.hasPrefix("netcalc "))
    }

    @Test func colorOnlyWhenAsked() {
        let plain = runNetCalc(["-e", "INPUT[8x8x3] -> CONVV"])
        #expect(!plain.standardError.contains("\u{1B}["))
        let colored = runNetCalc(["--color", "always", "-e", "INPUT[8x8x3] -> CONVV"])
        #expect(colored.standardError.contains("\u{1B}[1;31merror:"))
    }

    @Test func jsonHasTheContractKeys() throws {
        let outcome = runNetCalc(["--format", "json", "specs/alexnet.net"])
        let object = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        let networks = try #require(object?["networks"] as? [[String: Any]])
        let alexnet = try #require(networks.first)
        #expect(alexnet["name"] as? String == "alexnet")
        #expect(alexnet["file"] as? String == "specs/alexnet.net")
        #expect(alexnet["input"] as? [Int] == [227, 227, 3])
        let layers = try #require(alexnet["layers"] as? [[String: Any]])
        let input = layers[0]
        for key in ["index", "name", "op", "text", "output", "params", "weights", "biases", "nonTrainable", "macs",
                    "activations", "forwardBytes", "backwardBytes", "receptiveField", "jump"] {
            #expect(input[key] != nil, "layer key \(key)")
        }
        #expect(input["activations"] as? Int == 154_587)
        #expect(input["forwardBytes"] as? Int == 618_348)
        #expect(input["text"] as? String == "INPUT[227x227x3]")
        #expect(layers[1]["op"] as? String == "conv")
        #expect(layers[2]["op"] as? String == "maxpool")
        #expect(layers[3]["op"] as? String == "lrn")
        let totals = try #require(alexnet["totals"] as? [String: Any])
        for key in ["params", "weights", "biases", "nonTrainable", "macs", "activations", "forwardBytes", "backwardBytes",
                    "paramBytes", "trainingBytes", "inferencePeakBytes", "batch", "bytesPerValue"] {
            #expect(totals[key] != nil, "totals key \(key)")
        }
        #expect(totals["params"] as? Int == 62_378_344)
        #expect((object?["errors"] as? [Any])?.isEmpty == true)
    }

    @Test func jsonListsErrors() throws {
        let outcome = runNetCalc(["--format", "json", "-e", "INPUT[7x7x1] -> CONV(1,3,s3)"])
        #expect(outcome.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        let errors = try #require(object?["errors"] as? [[String: Any]])
        #expect(errors.first?["line"] as? Int == 1)
        #expect(errors.first?["column"] as? Int == 17)
        #expect(errors.first?["file"] as? String == "<expr>")
    }
}

/// Input hygiene and limits that need real files or a real process.
@Suite struct HygieneTests {
    @Test func filesPastTheSizeLimitAreRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-big-\(getpid()).net").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(maximumSpecBytes + 1))  // sparse: no disk used
        try handle.close()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = run(Invocation(arguments: [path]))
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("is larger than 64 MiB, the most netcalc reads"))
    }

    @Test func byteOrderMarkAndCRLFAreAccepted() {
        let outcome = runNetCalc(["-"], standardInput: "\u{FEFF}INPUT[8x8x3]\r\n  -> CONV(4,3)\r\n")
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("6x6x4"))
    }

    /// `netcalc big.net | head -1` ends quietly: no error, no trace.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: packageRoot + "/.build/debug/netcalc"),
                   "needs the debug build of netcalc"))
    func aClosedPipeEndsQuietly() throws {
        let binary = packageRoot + "/.build/debug/netcalc"
        let (status, output) = try runProcess("bash", ["-c", "set -o pipefail; '\(binary)' '\(packageRoot)/specs/resnet152.net' 2>&1 | head -1; echo \"status ${PIPESTATUS[0]}\""])
        #expect(status == 0)
        #expect(output == "resnet152  (\(packageRoot)/specs/resnet152.net; input 224x224x3; batch 1, fp32, rounding floor)\nstatus 0\n")
    }
}
