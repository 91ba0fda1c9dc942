/// The fuzz target: every input runs through the whole pipeline — parse, analyze, every output format,
/// --explain, --fit, --emit pytorch and spec, check mode, and the Caffe and ONNX readers — and every
/// result is used, so that the optimiser keeps every check.
///
/// Built by Fuzz/run.sh with `swift build --sanitize=fuzzer --product netcalc-fuzz -Xswiftc -DFUZZING`,
/// it is a libFuzzer binary. Built normally (as `swift build` and `swift test` do), it replays files:
/// `netcalc-fuzz FILE...` runs each through the same pipeline, which is how CI replays the corpus.
import NetCalc

#if canImport(Glibc)
import Glibc
#endif

/// Runs one input through one mode and set of options chosen by its first byte (so that the fuzzer
/// reaches every mode, each input quickly); the rest of the bytes are the input. Returns a digest.
func exerciseOne(_ bytes: [UInt8]) -> Int {
    guard let selector = bytes.first else { return 0 }
    let input = Array(bytes.dropFirst())
    var arguments = activeModes[Int(selector) % activeModes.count]
    // Higher bits add options a mode may take, so that their combinations are reached too.
    let extras: [[String]] = [[], ["--batch", "3"], ["--dtype", "fp16"], ["--rounding", "ceil"], ["--layout", "chw"],
                              ["--depth", "1"], ["--units", "si"], ["--rounding", "caffe"], ["--memory", "pytorch"],
                              ["--amp", "--memory", "pytorch"]]
    let extra = extras[Int(selector / UInt8(activeModes.count)) % extras.count]
    if arguments.first != "fmt", arguments.first != "check", !arguments.contains("--summary") || extra.first != "--units" {
        arguments += extra
    }
    let outcome = run(Invocation(arguments: arguments + ["-"], standardInput: input))
    return Int(outcome.status) &+ outcome.standardOutputBytes.count &* 31 &+ outcome.standardError.utf8.count
}

/// Every mode the target reaches: each output format, explain, fit, emit, check, fmt and the readers.
let modes: [[String]] = [
    [], ["--format", "json", "--explain"], ["--format", "csv"], ["--format", "markdown", "--units", "si"],
    ["--format", "dot"], ["--emit", "pytorch"], ["--fit", "12GiB"], ["--rounding", "floor", "--explain"],
    ["--memory", "pytorch", "--format", "json"], ["--memory", "pytorch", "--amp", "--fit", "1GiB"],
    ["--rounding", "ceil", "--fit", "1GiB", "--inference"], ["check"], ["check", "--format", "json"],
    ["fmt", "-"], ["--emit", "spec"], ["--format", "svg"], ["--format", "html"], ["--summary"],
    ["--depth", "0"], ["--columns", "layer,path,output,params"],
    ["--columns", "layer,input,output,kernel,macs%,mem%,params%", "--layout", "chw"],
    ["--input-format", "onnx", "--format", "csv", "--columns", "name,input,kernel,macs%"],
    ["--input-format", "prototxt", "--format", "json"], ["--input-format", "prototxt", "--emit", "spec"],
    ["--input-format", "onnx", "--format", "json"], ["--input-format", "onnx", "--emit", "spec"],
    ["--input-format", "onnx", "--format", "html"], ["--input-format", "prototxt", "--depth", "1"],
    ["--input-format", "onnx", "--memory", "pytorch", "--fit", "1GiB"],
    ["--input-format", "prototxt", "--memory", "pytorch", "--format", "csv"],
]

/// The modes a fuzzing run chooses from: every mode, or with `NETCALC_FUZZ_READER=prototxt` (or `onnx`) the
/// modes of that model reader only (`Fuzz/run.sh SECONDS fuzzer prototxt`), for a campaign on one reader.
let activeModes: [[String]] = {
    guard let value = getenv("NETCALC_FUZZ_READER") else { return modes }
    let reader = String(cString: value)
    let chosen = modes.filter { $0.contains(reader) }
    return chosen.isEmpty ? modes : chosen
}()

/// Runs one input through every mode (replaying a corpus); returns a digest of everything produced.
func exercise(_ bytes: [UInt8]) -> Int {
    var digest = 0
    // A spec that expands to a huge network (a million layers is legal) goes through the fast formats
    // only, so that one input does not take a minute; the slower formats are linear too.
    let table = run(Invocation(arguments: ["-"], standardInput: bytes))
    let huge = table.standardOutputBytes.count > 1 << 20
    for mode in modes where !huge || mode.isEmpty || mode.first == "fmt" || mode == ["check"] {
        let outcome = run(Invocation(arguments: mode + ["-"], standardInput: bytes))
        digest &+= Int(outcome.status) &+ outcome.standardOutput.utf8.count &* 31 &+ outcome.standardError.utf8.count
    }
    return digest
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let digest = exerciseOne(Array(UnsafeBufferPointer(start: data, count: size)))
    // Use the result, so nothing computed is optimised away.
    if digest == Int.min { print(digest) }
    return 0
}
#else
/// Replays files through the same pipeline: `netcalc-fuzz FILE...`.
@main
struct Replay {
    static func main() {
        var total = 0
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else {
                print("netcalc-fuzz: cannot read \(path)")
                exit(2)
            }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let read = fread(&buffer, 1, buffer.count, file)
                if read <= 0 { break }
                bytes.append(contentsOf: buffer[0..<read])
            }
            fclose(file)
            // Every mode over the whole file, and the fuzzer's own reading of it (a mode from the first byte),
            // so that a finding replays as it was found.
            total &+= exercise(bytes) &+ exerciseOne(bytes)
            count += 1
        }
        print("replayed \(count) inputs (digest \(total & 0xFFFF))")
    }
}
#endif
