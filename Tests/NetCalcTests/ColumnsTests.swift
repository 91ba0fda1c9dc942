import Foundation
import Testing
@testable import NetCalc

/// The `input`, `kernel` and `macs%` columns, "largest by MACs" in `--summary`, and ASCII bars where the
/// terminal or the locale cannot show block characters.
@Suite struct ColumnsTests {
    /// Runs netcalc in process from the package root with an environment.
    static func run(_ arguments: [String], environment: [String: String] = [:]) -> Outcome {
        var invocation = Invocation(arguments: arguments)
        invocation.currentDirectory = packageRoot
        invocation.environment = environment
        return NetCalc.run(invocation)
    }

    /// The CSV field of one column for the row named `row`.
    static func csvField(_ column: String, row: String, _ arguments: [String]) -> String? {
        let csv = runNetCalc(["--format", "csv", "--columns", "name,\(column)"] + arguments).standardOutput
        for line in csv.split(separator: "\r\n").dropFirst() {
            let fields = line.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, fields[1] == row { return String(fields[2]) }
        }
        return nil
    }

    // MARK: Every column

    @Test func theReadmeNamesEveryColumn() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        for column in Column.allCases { #expect(readme.contains("`\(column.rawValue)`"), "\(column.rawValue)") }
    }

    @Test func everyColumnHasANameASummaryAndAHeader() throws {
        for column in Column.allCases {
            #expect(!column.summary.isEmpty, "\(column)")
            #expect(!column.summary.hasSuffix("."), "\(column): a summary is a phrase")
            #expect(!column.header.isEmpty && !column.csvHeader.isEmpty)
            #expect(try Column.list(column.rawValue).get() == [column])
        }
        #expect(Set(Column.allCases.map(\.csvHeader)).count == Column.allCases.count)
        #expect(Set(Column.allCases.map(\.header)).count == Column.allCases.count)
        #expect(!Column.tableDefault.contains(.macsShare), "the default table stays CS231n's")
        #expect(try Column.list("mac%,flops%,window").get() == [.macsShare, .macsShare, .kernel])
    }

    /// Every column, alone, in the table and in CSV: AlexNet's CONV1 on 227x227x3 (96 filters of 11x11x3,
    /// stride 4), its 105,415,200 MACs 9.3% of the network's (a bar of 7 eighths).
    @Test(arguments: [
        (Column.index, "1", "1"), (.layer, "CONV1", "CONV1"), (.op, "conv", "conv"), (.input, "227x227x3", "227x227x3"),
        (.output, "55x55x96", "55x55x96"), (.kernel, "11x11x3 s4 p0", "11x11x3 s4 p0"), (.memory, "290,400", "290400"),
        (.memoryShare, "27.7% ██▊", "27.6684"), (.bytes, "1.1 MiB", "1161600"), (.backwardBytes, "1.1 MiB", "1161600"),
        (.params, "34,944", "34944"), (.paramShare, "0.1% ▏", "0.0560"), (.weights, "34,848", "34848"), (.biases, "96", "96"),
        (.nonTrainable, "0", "0"), (.macs, "105,415,200", "105415200"), (.macsShare, "9.3% ▉", "9.2856"),
        (.rf, "11", "11"), (.spec, "CONV(96,11,s4,p0)", "\"CONV(96,11,s4,p0)\""), (.path, "CONV1", "CONV1"),
    ])
    func eachColumnShowsItsFigure(_ column: Column, _ human: String, _ exact: String) throws {
        let table = runNetCalc(["--columns", "layer,\(column.rawValue)", "specs/alexnet.net"])
        #expect(table.status == 0)
        let line = try #require(table.standardOutput.split(separator: "\n").first { $0.hasPrefix("CONV1 ") })
        #expect(line.hasSuffix(human), "\(line)")
        #expect(Self.csvField(column.rawValue, row: "CONV1", ["specs/alexnet.net"]) == exact)
    }

    @Test func alexNetSharesAddUp() throws {
        let csv = runNetCalc(["--format", "csv", "--columns", "macs%", "specs/alexnet.net"]).standardOutput
        let shares = csv.split(separator: "\r\n").dropFirst().compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        #expect(shares.count == 14)
        #expect(abs(shares.reduce(0, +) - 100) < 0.01)
    }

    /// Every column at once, on every spec and model file, in each format that takes columns: nothing
    /// fails, and every CSV row has a field per column.
    @Test(arguments: GoldenTests.specNames.map { "specs/\($0).net" } + GoldenTests.modelPaths)
    func everyColumnOnEveryNetwork(_ path: String) throws {
        let all = Column.allCases.map(\.rawValue).joined(separator: ",")
        for format in ["table", "markdown", "html"] {
            let outcome = runNetCalc(["--format", format, "--columns", all, "--memory", "pytorch", path])
            #expect(outcome.status == 0 && outcome.standardError == "", "\(path) \(format)")
        }
        let csv = runNetCalc(["--format", "csv", "--columns", all, "--memory", "pytorch", path])
        #expect(csv.status == 0 && csv.standardError == "", "\(path) csv")
        for line in csv.standardOutput.split(separator: "\r\n") {
            // Commas inside quotes are a field's own: only a merge's input list and a spec's arguments have them.
            var fields = 1
            var quoted = false
            for character in line {
                if character == "\"" { quoted.toggle() } else if character == ",", !quoted { fields += 1 }
            }
            #expect(fields == Column.allCases.count + 1, "\(path): \(line)")
        }
    }

    // MARK: input and kernel

    /// A spec whose INPUT (written in netcalc's order) is rewritten in a layout's order.
    static func written(_ spec: String, in layout: ShapeLayout) throws -> String {
        let open = try #require(spec.range(of: "INPUT["))
        let close = try #require(spec[open.upperBound...].firstIndex(of: "]"))
        let sizes = spec[open.upperBound..<close].split(separator: "x").compactMap { Int($0) }
        let shape = Shape(spatial: Array(sizes.dropLast()), depth: try #require(sizes.last))
        return String(spec[..<open.upperBound]) + layout.text(shape) + String(spec[close...])
    }

    /// The window of each kind, in the notes' order (`whd`) and PyTorch's (`chw`), in 1-D, 2-D and 3-D.
    @Test(arguments: [
        // 2-D: a filter spans the input's depth; grouped, D/G; depthwise, one channel; pools slide per channel.
        ("INPUT[227x227x3] -> CONV(96,11,s4)", "CONV1", "11x11x3 s4 p0", "3x11x11 s4 p0"),
        ("INPUT[27x27x96] -> CONV(256,5,p2,g2)", "CONV1", "5x5x48 s1 p2", "48x5x5 s1 p2"),
        ("INPUT[113x113x32] -> DWCONV(3,s2,p1)", "DWCONV1", "3x3x1 s2 p1", "1x3x3 s2 p1"),
        ("INPUT[32x32x8] -> DWCONV(3,p2,d2,m=2)", "DWCONV1", "3x3x1 s1 p2 d2", "1x3x3 s1 p2 d2"),
        ("INPUT[55x55x96] -> POOL(3,s2)", "POOL1", "3x3 s2 p0", "3x3 s2 p0"),
        ("INPUT[32x16x4] -> AVGPOOL(2x1)", "AVGPOOL1", "2x1 s2x1 p0", "1x2 s1x2 p0"),
        ("INPUT[32x32x8] -> CONV(8,3,p=same)", "CONV1", "3x3x8 s1 same", "8x3x3 s1 same"),
        ("INPUT[32x32x8] -> CONV(8,7x1,p3x0)", "CONV1", "7x1x8 s1 p3x0", "8x1x7 s1 p0x3"),
        ("INPUT[16x16x64] -> DECONV(32,4,s2,p1)", "DECONV1", "4x4x64 s2 p1", "64x4x4 s2 p1"),
        ("INPUT[7x7x512] -> GAP", "GAP1", "7x7 global", "7x7 global"),
        ("INPUT[6x6x256] -> FC(4096)", "FC1", "6x6x256", "256x6x6"),
        // Rows with no window.
        ("INPUT[8x8x3] -> RELU", "RELU1", "-", "-"),
        ("INPUT[8x8x3] -> BN", "BN1", "-", "-"),
        ("INPUT[8x8x3] -> ADAPTIVEAVGPOOL(2)", "ADAPTIVEAVGPOOL1", "-", "-"),
        ("INPUT[8x8x3] -> CONV(4,1)", "INPUT", "-", "-"),
        // 1-D: one extent, then the channels; 3-D: width, height, time.
        ("INPUT[100x1] -> CONV(8,80,s4,p38)", "CONV1", "80x1 s4 p38", "1x80 s4 p38"),
        ("INPUT[113x113x16x3] -> CONV(45,3x3x1,s2x2x1,p1x1x0)", "CONV1", "3x3x1x3 s2x2x1 p1x1x0", "3x1x3x3 s1x2x2 p0x1x1"),
        ("INPUT[8x8x8x4] -> POOL(2)", "POOL1", "2x2x2 s2 p0", "2x2x2 s2 p0"),
    ])
    func kernelIsTheWindowAsWritten(_ spec: String, _ row: String, _ whd: String, _ chw: String) throws {
        for (layout, expected) in [("whd", whd), ("chw", chw)] {
            // --layout reads the INPUT in its order too: the same network, written as PyTorch writes it.
            let spec = try Self.written(spec, in: try #require(ShapeLayout(rawValue: layout)))
            let outcome = runNetCalc(["--layout", layout, "--columns", "layer,kernel", "-e", spec])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let line = try #require(outcome.standardOutput.split(separator: "\n").first { $0.hasPrefix(row + " ") })
            #expect(line.split(separator: " ", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } == expected,
                    "\(spec) in \(layout)")
            // CSV leaves a row without a window empty.
            #expect(Self.csvField("kernel", row: row, ["--layout", layout, "-e", spec]) == (expected == "-" ? "" : expected))
        }
    }

    @Test func inputIsTheVolumeReadAndAMergeListsItsBranches() throws {
        let spec = "INPUT[28x28x64] -> CONCAT(CONV(32,1) | CONV(16,3,p1) -> POOL(3,s1,p1)) -> CONV(8,1)"
        let table = runNetCalc(["--columns", "layer,input,output", "-e", spec]).standardOutput
        #expect(table.contains("INPUT    -                   28x28x64\n"))
        #expect(table.contains("│ POOL1  28x28x16            28x28x16\n"))
        #expect(table.contains("CONCAT1  28x28x32, 28x28x16  28x28x48\n"))
        let csv = runNetCalc(["--format", "csv", "--columns", "name,input", "-e", spec]).standardOutput
        #expect(csv.contains("\r\nexpr,INPUT,\r\n"))
        #expect(csv.contains("\r\nexpr,CONCAT1,\"28x28x32, 28x28x16\"\r\n"))  // a comma: quoted
        let chw = runNetCalc(["--layout", "chw", "--columns", "layer,input", "-e", "INPUT[3x227x227] -> CONV(96,11,s4)"]).standardOutput
        #expect(chw.contains("CONV1  3x227x227\n"))
        // A folded block reads its first row's input, and has no one window.
        let folded = runNetCalc(["--depth", "1", "--columns", "layer,input,kernel", "specs/resnet18.net"]).standardOutput
        #expect(folded.contains("\nbasic#1  56x56x64    -\n"))
        #expect(folded.contains("\ndown#1   56x56x64    -\n"))
    }

    /// JSON's rows already say what each reads (`inputs`, the rows whose `output` they take), so only the
    /// window is added: `kernel`, its sizes width first like `receptiveField`'s.
    @Test func jsonRowsCarryTheKernel() throws {
        let text = runNetCalc(["--format", "json", "-e",
                               "INPUT[227x227x3] -> CONV(96,11,s4) -> POOL(3,s2) -> CONV(8,3x1,p=same,g=8) -> RELU -> GAP -> FC(10)"]).standardOutput
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let network = try #require((document["networks"] as? [[String: Any]])?.first)
        let layers = try #require(network["layers"] as? [[String: Any]])
        let kernels = layers.map { $0["kernel"] as? [String: Any] }
        #expect(kernels[0] == nil && kernels[4] == nil)  // INPUT and RELU have no window
        let conv = try #require(kernels[1])
        #expect(conv["size"] as? [Int] == [11, 11] && conv["depth"] as? Int == 3 && conv["stride"] as? [Int] == [4, 4])
        #expect(conv["padding"] as? [Int] == [0, 0] && conv["dilation"] as? [Int] == [1, 1])
        let pool = try #require(kernels[2])
        #expect(pool["depth"] == nil && pool["size"] as? [Int] == [3, 3] && pool["stride"] as? [Int] == [2, 2])
        let grouped = try #require(kernels[3])
        #expect(grouped["size"] as? [Int] == [3, 1] && grouped["depth"] as? Int == 12 && grouped["padding"] as? String == "same")
        #expect(kernels[5]?["global"] as? Bool == true && kernels[5]?["size"] as? [Int] == [27, 27])
        #expect(kernels[6]?["size"] as? [Int] == [1, 1] && kernels[6]?["depth"] as? Int == 8 && kernels[6]?["stride"] == nil)
        #expect(layers[1]["input"] == nil, "the input is the `output` of the rows in `inputs`, not said twice")
    }

    @Test func markdownAndHTMLShowTheNewColumns() {
        let markdown = runNetCalc(["--format", "markdown", "--columns", "layer,input,kernel,macs%", "specs/alexnet.net"]).standardOutput
        #expect(markdown.contains("| layer | input | kernel | MACs share |\n|---|---|---|---|\n| INPUT | - | - |   0.0%  |\n"))
        #expect(markdown.contains("| CONV1 | 227x227x3 | 11x11x3 s4 p0 |   9.3% ▉ |"))
        let html = runNetCalc(["--format", "html", "--columns", "layer,input,kernel,macs%", "specs/alexnet.net"]).standardOutput
        #expect(html.contains("<th class=\"txt\">input</th><th class=\"txt\">kernel</th><th class=\"txt\">MACs share</th>"))
        #expect(html.contains("<td class=\"txt\">227x227x3</td><td class=\"txt\">11x11x3 s4 p0</td>"
            + "<td class=\"share\"><span class=\"pct\">9.3%</span><span class=\"bar mac\"><span style=\"width:9.3%\"></span></span></td>"))
        #expect(html.contains(".bar.mac span{background:var(--mac)}"))
    }

    @Test func aNarrowTableGivesUpTheNewColumnsEarly() {
        let arguments = ["--columns", "layer,input,output,kernel,params,macs,macs%,spec", "specs/vgg16.net"]
        let wide = Self.run(arguments, environment: ["COLUMNS": "200"]).standardOutput
        #expect(wide.contains("  input  ") && wide.contains("  kernel  ") && wide.contains("MACs share"))
        // At 80 columns the input and the kernel go first (the row above and the spec say them), then the share.
        let narrow = Self.run(arguments, environment: ["COLUMNS": "80"]).standardOutput
        let header = narrow.split(separator: "\n")[1]
        #expect(header.split(separator: " ", omittingEmptySubsequences: true) == ["layer", "output", "params", "MACs", "MACs", "share", "spec"])
        for line in narrow.split(separator: "\n").prefix(20) { #expect(displayWidth(String(line)) <= 80) }
    }

    // MARK: --summary

    @Test func summaryListsTheLargestByMACs() throws {
        let text = runNetCalc(["--summary", "specs/vgg16.net"]).standardOutput
        let start = try #require(text.range(of: "largest by MACs (per image)\n"))
        let lines = text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).prefix(6)
        #expect(lines.count == 6 && lines[5] == "")
        // Five of VGG16's convolutions tie at 1,849,688,064 MACs (12.0%): the earliest rank first.
        #expect(lines[0] == "  CONV2  1,849,688,064 MACs   12.0%  224x224x64   CONV(64,3,p1)")
        #expect(lines[1].hasPrefix("  CONV4  1,849,688,064 MACs   12.0%  112x112x128"))
        #expect(text.range(of: "largest by parameters")!.lowerBound < start.lowerBound)
        // A network without MACs lists none.
        #expect(!runNetCalc(["--summary", "-e", "INPUT[8x8x3] -> RELU"]).standardOutput.contains("largest by MACs"))
    }

    // MARK: ASCII bars

    @Test(arguments: [
        ([:], Glyphs.unicode),
        (["TERM": "dumb"], .ascii),
        (["TERM": "dumb", "LC_ALL": "en_US.UTF-8"], .ascii),
        (["LC_ALL": "C"], .ascii),
        (["LC_ALL": "POSIX", "LANG": "en_US.UTF-8"], .ascii),
        (["LANG": "en_US.UTF-8"], .unicode),
        (["LANG": "en_US.utf8"], .unicode),
        (["LC_ALL": "C.UTF-8", "LANG": "C"], .unicode),
        (["LC_ALL": "", "LC_CTYPE": "C", "LANG": "en_US.UTF-8"], .ascii),
        (["LC_CTYPE": "de_DE.UTF-8@euro", "LANG": "C"], .unicode),
        (["LANG": "en_US.ISO-8859-1"], .ascii),
        (["LANG": "en_US"], .ascii),
        (["LANG": "UTF-8"], .ascii),
        (["TERM": "xterm-256color", "LANG": "C.utf-8"], .unicode),
    ])
    func glyphsFollowTheTerminalAndLocale(_ environment: [String: String], _ expected: Glyphs) {
        #expect(Glyphs(environment: environment) == expected)
    }

    @Test func asciiBarsCountTenths() {
        #expect(Glyphs.ascii.bar(1, of: 1) == "##########")
        #expect(Glyphs.ascii.bar(0, of: 1) == "")
        #expect(Glyphs.ascii.bar(1, of: 1_000_000) == "-")
        #expect(Glyphs.ascii.bar(35, of: 100) == "###+")
        #expect(Glyphs.ascii.bar(34, of: 100) == "###-")
        #expect(Glyphs.ascii.bar(30, of: 100) == "###")
        #expect(Glyphs.ascii.bar(999, of: 1000) == "#########+")
        #expect(Glyphs.ascii.bar(Int.max, of: Int.max) == "##########")
        for glyphs in [Glyphs.unicode, .ascii] {
            for (part, whole) in [(0, 5), (1, 3), (2, 3), (7, 8), (1, 1), (1, 1_000_000), (Int.max - 1, Int.max)] {
                #expect(glyphs.barWidth(part, of: whole) == glyphs.bar(part, of: whole).count)
            }
        }
    }

    /// The four cases of the issue through the in-process entry point: the table's bars (and its
    /// branch tree) in ASCII under TERM=dumb and LC_ALL=C, in blocks under a UTF-8 locale.
    @Test(arguments: [
        (["TERM": "dumb"], true),
        (["LC_ALL": "C", "LANG": "en_US.UTF-8"], true),
        (["LANG": "en_US.UTF-8"], false),
        (["LC_ALL": "C.UTF-8"], false),
    ])
    func tableBarsFollowTheEnvironment(_ environment: [String: String], _ ascii: Bool) {
        let vgg = Self.run(["--columns", "layer,params%,macs%", "specs/vgg16.net"], environment: environment).standardOutput
        // FC1 holds 74.3% of the params: seven tenths and less than half of the eighth.
        #expect(vgg.contains(ascii ? " 74.3% #######- " : " 74.3% ███████▍ "))
        let blocks = vgg.unicodeScalars.contains { (0x2580...0x259F).contains($0.value) }
        #expect(blocks != ascii)
        let inception = Self.run(["--columns", "layer,mem%", "specs/inception_module_reduced.net"], environment: environment).standardOutput
        #expect(inception.contains(ascii ? "|-CONV1  " : "├ CONV1  "))
        #expect(inception.unicodeScalars.allSatisfy(\.isASCII) == ascii)
        // Markdown and CSV are files, not the terminal: they keep their form.
        let markdown = Self.run(["--format", "markdown", "--columns", "layer,params%", "specs/vgg16.net"], environment: environment)
        #expect(markdown.standardOutput.contains("███████▍"))
    }

    /// A narrow dumb terminal gets `...` where names and specs are cut: the whole table is ASCII.
    @Test func asciiEllipses() {
        let path = "Tests/NetCalcTests/Fixtures/onnx/resnet50.onnx"
        let dumb = Self.run([path], environment: ["TERM": "dumb", "COLUMNS": "60"]).standardOutput
        #expect(dumb.contains("\n  4  .../layer1.0/conv1/Conv   "))
        #expect(dumb.unicodeScalars.allSatisfy { $0.isASCII })
        let utf8 = Self.run([path], environment: ["LANG": "C.UTF-8", "COLUMNS": "60"]).standardOutput
        #expect(utf8.contains("\n  4  …/layer1.0/conv1/Conv   "))
        #expect(TableRenderer.shortened("/layer1/layer1.0/conv1/Conv", to: 24, ellipsis: "...") == ".../layer1.0/conv1/Conv")
        #expect(TableRenderer.shortened("abcdefghijklmnopqrstuvwxyz", to: 10, ellipsis: "...") == "ab...vwxyz")
        let cut = Self.run(["-e", "INPUT[8x8x3] -> CONV(4,3,p1,nobias) -> CONV(4,3,p1,nobias)", "--columns", "layer,output,params,spec"],
                           environment: ["TERM": "dumb", "COLUMNS": "36"]).standardOutput
        #expect(cut.contains("\nCONV1  8x8x4      108  CONV(4,3,p...\n"))
    }

    @Test func asciiBarsAreColouredToo() {
        let outcome = Self.run(["--color", "always", "--columns", "layer,mem%,params%,macs%", "specs/vgg16.net"],
                               environment: ["LC_ALL": "C"])
        #expect(outcome.standardOutput.contains("\u{1B}[33m#######-\u{1B}[0m"))
        #expect(outcome.standardOutput.contains(" 12.0% \u{1B}[35m#-\u{1B}[0m"))  // VGG16's CONV2: 12.0% of its MACs
    }
}
