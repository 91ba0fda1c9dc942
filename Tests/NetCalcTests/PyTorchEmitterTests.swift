import Foundation
import Testing
@testable import NetCalc

/// True when python3 can import torch: the tests that run emitted modules need it, CI does not.
let torchImportable: Bool = {
    guard hasProgram("python3") else { return false }
    return (try? runProcess("python3", ["-c", "import torch"]))?.0 == 0
}()

/// `--emit pytorch`: a class per block definition constructed with its arguments, chains as
/// `nn.Sequential`, linear layers on flattened inputs, padding in the module where PyTorch's rounding
/// allows, escaped names — and a module that reproduces netcalc's numbers for every spec.
@Suite struct PyTorchEmitterTests {
    static let goldenFolder = GoldenTests.goldenRoot + "/pytorch"
    /// Specs whose emitted modules are golden files, and the golden folder's own inputs.
    static let goldenSpecs = ["resnet50", "densenet161", "inception_v3", "se_resnet50", "shufflenet_v2_x1_0", "unet",
                              "lenet5", "efficientnet_b0"].map { "specs/\($0).net" }
        + GoldenTests.files(in: goldenFolder, ending: ".net").map { "Tests/NetCalcTests/Golden/pytorch/\($0)" }

    func emit(_ arguments: [String], standardInput: String = "") -> String {
        let outcome = runNetCalc(["--emit", "pytorch"] + arguments, standardInput: standardInput)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return outcome.standardOutput
    }

    @Test(arguments: goldenSpecs)
    func goldenModules(_ path: String) {
        let name = String(path.split(separator: "/").last ?? "").replacingOccurrences(of: ".net", with: "")
        GoldenTests().compare(emit([path]), "\(Self.goldenFolder)/\(name).py")
    }

    /// ResNet-50 as torchvision writes it: a class per block, `Stage(64, 64, 256, 1, 3)` for
    /// `stage(64, 256, 1, 3)` on 64 channels, a comprehension for `[bottleneck(w, c)]*(n-1)`.
    @Test func resnet50ReadsLikeHandWrittenCode() {
        let code = emit(["specs/resnet50.net"])
        for line in [
            "class Bottleneck(nn.Module):",
            "    def __init__(self, in_channels, w, c):",
            "        self.conv1 = nn.Conv2d(in_channels, w, 1, bias=False)",
            "        self.conv2 = nn.Conv2d(w, w, 3, stride=s, padding=1, bias=False)",
            "        self.conv4 = nn.Conv2d(in_channels, c, 1, stride=s, bias=False)",
            "class Stage(nn.Sequential):",
            "            *[Bottleneck(c, w, c) for _ in range(n - 1)],",
            "        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)",
            "        self.pool1 = nn.MaxPool2d(3, stride=2, padding=1)",
            "        self.stage1 = Stage(64, 64, 256, 1, 3)",
            "        self.stage4 = Stage(1024, 512, 2048, 2, 3)",
            "        self.fc1 = nn.Linear(2048, 1000)",
            "        x = torch.flatten(x, 1)",
            "    summarize(\"resnet50\", Resnet50(), (3, 224, 224))",
        ] {
            #expect(code.contains(line + "\n"), "\(line)")
        }
        #expect(!code.contains("ConstantPad2d"))
        #expect(code.components(separatedBy: "\nclass ").count - 1 == 4)  // First, Bottleneck, Stage, Resnet50
    }

    /// DenseNet's block: copies whose inputs grow by k are one comprehension; the network's equal
    /// consecutive uses one nn.Sequential.
    @Test func repetitionsAsComprehensions() {
        let dense161 = emit(["specs/densenet161.net"])
        #expect(dense161.contains("*[Dense(in_channels + i * k, k) for i in range(n)],"))
        #expect(dense161.contains("self.transition1 = Transition(384, 192)"))
        let dense121 = emit(["specs/densenet121.net"])
        #expect(dense121.contains("""
                    self.dense1 = nn.Sequential(
                        Dense(64),
                        Dense(96),
                        Dense(128),
                        Dense(160),
                        Dense(192),
                        Dense(224),
                    )
            """))
        // Alike after the first (for any count); one after another where the copies hold merges.
        let code = emit(["-e", """
            grow(k, n) = [CONCAT(ID | CONV(k,1))]*n
            same(c, n) = [CONV(c,3,p1) -> RELU]*n
            INPUT[8x8x4] -> same(4, 3) -> same(8, 2) -> grow(2, 2)
            """])
        #expect(code.contains("""
                        nn.Conv2d(in_channels, c, 3, padding=1),
                        nn.ReLU(),
                        *[nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU()) for _ in range(n - 1)],
            """))
        #expect(!code.contains("class Same_2"))  // same(4, 3) and same(8, 2) share their class
        #expect(code.contains("self.conv2 = nn.Conv2d(in_channels + k, k, 1)"))
    }

    /// Padding goes in the module where PyTorch's own rounding gives netcalc's size, else before it.
    @Test func paddingWrittenInTheModuleWhereEquivalent() {
        func module(_ spec: String, rounding: String = "floor") -> String {
            emit(["--rounding", rounding, "-e", spec]).split(separator: "\n").filter { $0.contains("self.") && $0.contains(" = nn.") }
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "; ")
        }
        // Floor with the spec's padding: PyTorch's padding=P rounds the same way.
        #expect(module("INPUT[224x224x3] -> CONV(64,7,s2,p3)") == "self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3)")
        // Ceil: a pool's ceil_mode; a convolution has none, so its padding is explicit.
        #expect(module("INPUT[8x8x3] -> POOL(3,s2)", rounding: "ceil") == "self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)")
        #expect(module("INPUT[8x8x3] -> CONV(4,3,s2,p1)", rounding: "ceil")
            == "self.conv1_pad = nn.ConstantPad2d((1, 2, 1, 2), 0.0); self.conv1 = nn.Conv2d(3, 4, 3, stride=2)")
        // TensorFlow's SAME: symmetric when the total is even, explicit (extra at the end) when odd.
        #expect(module("INPUT[8x8x3] -> CONV(4,3,p=same)") == "self.conv1 = nn.Conv2d(3, 4, 3, padding=1)")
        #expect(module("INPUT[8x8x3] -> CONV(4,3,s2,p=same)")
            == "self.conv1_pad = nn.ConstantPad2d((0, 1, 0, 1), 0.0); self.conv1 = nn.Conv2d(3, 4, 3, stride=2)")
        // Non-square values are (height, width), as PyTorch takes them.
        #expect(module("INPUT[8x8x3] -> CONV(4,7x1,p=3x0)") == "self.conv1 = nn.Conv2d(3, 4, (1, 7), padding=(0, 3))")
        // Caffe's rounding keeps a last window PyTorch's ceil_mode drops: explicit -inf padding.
        #expect(module("INPUT[6x6x3] -> POOL(1,s2,caffe)").hasPrefix("self.pool1_pad = nn.ConstantPad2d((0, 1, 0, 1), float('-inf'))"))
    }

    /// A linear layer reads a flattened input and gives (N, K); a layer needing 4-D views it back.
    @Test func linearLayersGiveTwoDimensions() {
        let code = emit(["-e", "INPUT[4x4x8] -> FC(16) -> BN -> RELU -> FC(10) -> CONV(5,1) -> MUL(ID | GAP -> FC(5) -> SIGMOID)"])
        for line in ["self.fc1 = nn.Linear(8 * 4 * 4, 16)", "self.bn1 = nn.BatchNorm1d(16)", "x = torch.flatten(x, 1)",
                     "x = x[:, :, None, None]", "y = y[:, :, None, None]", "x = x * y"] {
            #expect(code.contains(line), "\(line)")
        }
    }

    /// Uses of one block that need different code (a padding only some of their inputs need written
    /// out) get a class each.
    @Test func usesThatDifferGetClassesOfTheirOwn() {
        let code = emit(["-e", "same(c) = CONV(c,3,s2,p=same) -> RELU\nINPUT[32x32x3] -> same(8) -> same(8) -> same(8) -> same(8)"])
        #expect(code.contains("class Same(nn.Sequential):"))
        #expect(!code.contains("class Same_2("))
        let odd = emit(["-e", "same(c) = CONV(c,3,s2,p=same) -> RELU\nINPUT[34x34x3] -> same(8) -> same(8)"])
        #expect(odd.contains("class Same(nn.Sequential):") && odd.contains("class Same_2(nn.Sequential):"))
    }

    /// Names from specs and files become identifiers; texts become escaped literals.
    @Test func pythonSyntax() {
        #expect(PythonSyntax.identifier("conv1/7x7_s2") == "conv1_7x7_s2")
        #expect(PythonSyntax.identifier("3a") == "n3a")
        #expect(PythonSyntax.identifier("lambda") == "lambda_")
        #expect(PythonSyntax.identifier("") == "n")
        #expect(PythonSyntax.identifier("größe") == "gr__e")
        #expect(PythonSyntax.className("inception_a") == "InceptionA")
        #expect(PythonSyntax.className("none") == "None_")
        #expect(PythonSyntax.className("2x") == "Net2x")
        #expect(PythonSyntax.className("expr-2") == "Expr2")
        #expect(PythonSyntax.stringLiteral("a\"b\\c\nd\u{7}") == "\"a\\\"b\\\\c\\nd\\x07\"")
        #expect(PythonSyntax.docstring("x\"\"\"y\\") == "\"\"\"x\\\"\\\"\\\"y\\\\\"\"\"")
        #expect(PythonSyntax.floatLiteral("0.5") == "0.5")
        #expect(PythonSyntax.floatLiteral(".2") == ".2")
        #expect(PythonSyntax.floatLiteral("1e5)") == "float(\"1e5)\")")
        var names = PythonNames(reserved: ["x"])
        #expect(names.claim("x") == "x_2")
        #expect(names.claim("x") == "x_3")
        #expect(names.claim("y") == "y")
    }

    /// The modules of hostile names: parameters named like Python's keywords, builtins or the
    /// constructor's own names, a block named `none`, a network named `class`; and a file name with quotes
    /// and a newline (written in `folder`, which the caller removes).
    func hostileModules(in folder: URL) throws -> (names: String, file: String) {
        let spec = """
            none(in_channels, self, range, i, lambda, W, w, _) = CONV(in_channels,1) -> CONV(self,1) -> CONV(range,1)
              -> [CONV(i,1)]*lambda -> CONV(W+w+_,1)
            class = INPUT[8x8x3] -> none(4, 5, 6, 7, 3, 1, 2, 3)
            """
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("a \"q\" \\ b\n%d.net").path
        try "INPUT[8x8x3] -> CONV(4,3)\n".write(toFile: path, atomically: true, encoding: .utf8)
        return (emit(["-"], standardInput: spec), emit([path]))
    }

    /// Hostile names give valid Python all the same: renamed where they clash, quoted where they are text.
    @Test func hostileNamesStayValidPython() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-hostile-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (code, hostile) = try hostileModules(in: folder)
        #expect(code.contains("class None_(nn.Sequential):"))
        #expect(code.contains("def __init__(self, in_channels, in_channels_2, self_2, range_2, i, lambda_, w, w_2, __2):"))
        #expect(code.contains("summarize(\"class\", Class(), (3, 8, 8))"))
        #expect(hostile.contains("summarize(\"a \\\"q\\\" \\\\ b\\n%d\", "))
    }

    /// The same modules compile in Python.
    @Test(.enabled(if: hasProgram("python3"), "needs python3"))
    func hostileNamesCompileInPython() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-hostile-py-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (code, hostile) = try hostileModules(in: folder)
        let modules = [("names.py", code), ("file.py", hostile)]
        for (name, text) in modules {
            try text.write(toFile: folder.appendingPathComponent(name).path, atomically: true, encoding: .utf8)
        }
        let (status, output) = try runProcess("python3", ["-m", "py_compile"] + modules.map { folder.appendingPathComponent($0.0).path })
        #expect(status == 0, "\(output)")
    }

    /// Every spec's module (and the golden inputs' and the Caffe fixtures') runs in PyTorch and prints
    /// netcalc's output volume and parameter count for each network.
    @Test(.enabled(if: torchImportable, "needs python3 with PyTorch"))
    func emittedModulesReproduceNetcalc() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-torch-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs = GoldenTests.specNames.map { "specs/\($0).net" }
            + GoldenTests.files(in: Self.goldenFolder, ending: ".net").map { "Tests/NetCalcTests/Golden/pytorch/\($0)" }
            // The vision transformers' TENSOROP rows have no PyTorch module (theirs raises NotImplementedError).
            // So have the Caffe layers netcalc's kinds cannot express (wild_layers.prototxt).
            + GoldenTests.modelPaths.filter { path in
                !(ONNXTransformerTests.models + ONNXModelsTests.tensorModels).contains { path.hasSuffix("/\($0).onnx") }
            }
                .filter { !$0.hasSuffix("/wild_layers.prototxt") }
        var expected: [String: [String]] = [:]
        var paths: [String] = []
        for (number, input) in inputs.enumerated() {
            let path = folder.appendingPathComponent("m\(number).py").path
            try emit([input]).write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
            let report = runNetCalc(["--format", "json", input]).standardOutput
            let document = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
            let networks = try #require(document["networks"] as? [[String: Any]])
            expected[path] = try networks.map { network in
                let layers = try #require(network["layers"] as? [[String: Any]])
                let output = try #require(layers.last?["output"] as? [Int])
                let params = try #require((network["totals"] as? [String: Any])?["params"] as? Int)
                return "\(network["name"] as? String ?? ""): output \(output.map(String.init).joined(separator: "x")), params \(params)"
            }
        }
        // One Python process runs every module as __main__ and prints what each printed.
        let runner = folder.appendingPathComponent("runner.py").path
        try """
            import contextlib, io, json, runpy, sys, warnings
            warnings.filterwarnings("ignore")
            results = {}
            for path in sys.argv[1:]:
                printed = io.StringIO()
                try:
                    with contextlib.redirect_stdout(printed):
                        runpy.run_path(path, run_name="__main__")
                    results[path] = printed.getvalue().strip().splitlines()
                except Exception as e:
                    results[path] = ["raised %s: %s" % (type(e).__name__, e)]
            print(json.dumps(results))
            """.write(toFile: runner, atomically: true, encoding: .utf8)
        let (status, output) = try runProcess("python3", [runner] + paths)
        #expect(status == 0, "\(output.suffix(2000))")
        let printed = try #require(try JSONSerialization.jsonObject(with: Data((output.split(separator: "\n").last ?? "").utf8)) as? [String: [String]])
        var reproduced = 0
        for (path, input) in zip(paths, inputs) {
            #expect(printed[path] == expected[path], "\(input)")
            if printed[path] == expected[path] { reproduced += 1 }
        }
        #expect(reproduced == inputs.count)
    }
}
