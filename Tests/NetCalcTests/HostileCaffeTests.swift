import Foundation
import Testing
@testable import NetCalc

/// Issue 25, part A: model files under hostile input never lose a network silently, never misread a
/// value, never blame netcalc for a valid number, and are checked before they are read.
@Suite struct HostileCaffeTests {
    /// A small network whose ReLU takes `relu` as its parameters.
    static func network(relu: String = "", convolution: String = "stride: 2", pooling: String = "kernel_size: 2 stride: 2",
                        dropout: String = "") -> String {
        """
        name: "t"
        input: "data"
        input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 8 kernel_size: 3 pad: 1 \(convolution) } }
        layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" \(relu) }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { \(pooling) } }
        layer { name: "drop1" type: "Dropout" bottom: "pool1" top: "pool1" \(dropout) }

        """
    }

    /// `LINE:COL` of `needle` in `text` (1-based), `offset` characters into it: where a caret points.
    static func place(of needle: String, in text: String, offset: Int = 0) throws -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(lines.firstIndex { $0.contains(needle) })
        let start = try #require(lines[line].range(of: needle)).lowerBound
        return "\(line + 1):\(lines[line].distance(from: lines[line].startIndex, to: start) + offset + 1)"
    }

    /// The rows of a prototxt's analysis as `name output text` lines, or its standard error.
    static func rows(_ text: String) -> String {
        let outcome = run(text, ["--format", "csv", "--columns", "layer,output,text"])
        guard outcome.status == 0 else { return outcome.standardError }
        return outcome.standardOutput.split(whereSeparator: \.isNewline).dropFirst().map { line in
            line.split(separator: ",", maxSplits: 1).dropFirst().joined().replacingOccurrences(of: "\"", with: "")
        }.joined(separator: "\n")
    }

    /// Runs netcalc on prototxt text given on standard input.
    static func run(_ text: String, _ arguments: [String] = []) -> Outcome {
        runNetCalc(["--input-format", "prototxt"] + arguments + ["-"], standardInput: text)
    }

    // MARK: 2. Silent loss

    /// A failure cannot be made without an error: given none, it says netcalc has no reason, as its fault.
    @Test func aFailureAlwaysHoldsAnError() {
        let empty = ImportFailure(diagnostics: DiagnosticList())
        #expect(empty.diagnostics.hasErrors)
        #expect(empty.diagnostics.items.first?.hints == ["this is netcalc's fault: please report it"])
        var warnings = DiagnosticList()
        warnings.append(Diagnostic(.warning, "only a warning"))
        let warned = ImportFailure(diagnostics: warnings)
        #expect(warned.diagnostics.hasErrors)
        #expect(warned.diagnostics.items.count == 2)
        #expect(ImportFailure(Diagnostic(.note, "a note")).diagnostics.items.map(\.severity) == [.error])
    }

    /// An analysis is a network or a failure, and a failure shows: the analyzed case has its report.
    @Test func anAnalysisIsANetworkOrAnError() {
        let failed = importModel("n.prototxt", Array("input: \"data\"".utf8), format: .prototxt, overrides: SettingsOverride())
        #expect(failed.report == nil)
        #expect(failed.diagnostics.hasErrors)
        let spec = importModel("n.net", Array("INPUT[8x8x1] -> RELU".utf8), format: .spec, overrides: SettingsOverride())
        #expect(spec.report == nil && spec.diagnostics.hasErrors)
        let analyzed = importModel("n.prototxt", Array(Self.network().utf8), format: .prototxt, overrides: SettingsOverride())
        #expect(analyzed.report?.rows.count == 5)
        #expect(analyzed.diagnostics.isEmpty)
    }

    /// The slopes and ratios that made the network vanish (exit 0, `{"errors": [], "networks": []}`, a
    /// module whose main is `pass`): each is an error at the value now, in every mode.
    @Test(arguments: ["-inf", "-nan", "-infinity", "nan", "inf", "Infinity", "-INF", "NaN"])
    func nonFiniteValuesAreErrorsAtTheValue(_ value: String) throws {
        for (text, field) in [(Self.network(relu: "relu_param { negative_slope: \(value) }"), "negative_slope"),
                              (Self.network(dropout: "dropout_param { dropout_ratio: \(value) }"), "dropout_ratio")] {
            let table = Self.run(text)
            #expect(table.status == 1, "\(field): \(value)")
            #expect(table.standardError.contains("its \(field) must be"), "\(table.standardError)")
            #expect(table.standardError.hasPrefix("<stdin>:\(try Self.place(of: "\(field): \(value)", in: text, offset: field.count + 2)): error:"),
                    "\(table.standardError)")
            let json = Self.run(text, ["--format", "json"])
            #expect(json.status == 1)
            #expect(!json.standardOutput.contains("\"errors\" : []"))
            let module = Self.run(text, ["--emit", "pytorch"])
            #expect(module.status == 1)
            #expect(!module.standardError.isEmpty)
        }
    }

    // MARK: 3. Silent misread

    /// Enum values by their numbers, as Caffe reads them; each name and number means the same layer.
    @Test(arguments: [
        ("pool: 1", "AVGPOOL(2,caffe)"), ("pool: AVE", "AVGPOOL(2,caffe)"), ("pool: 0", "MAXPOOL(2,caffe)"),
        ("pool: MAX", "MAXPOOL(2,caffe)"), ("pool: 0x1", "AVGPOOL(2,caffe)"),
    ])
    func poolingMethodsByNameAndNumber(_ field: String, _ call: String) {
        let rows = Self.rows(Self.network(pooling: "kernel_size: 2 stride: 2 \(field)"))
        #expect(rows.contains("pool1 56x56x8 \(call)".replacingOccurrences(of: " ", with: ",")), "\(rows)")
    }

    /// An enum value Caffe does not have, or written as a string or in another case, is an error at it.
    @Test(arguments: [
        ("pool: 7", "pool is one of MAX (0), AVE (1) or STOCHASTIC (2), not 7", nil),
        ("pool: -1", "pool is one of MAX (0), AVE (1) or STOCHASTIC (2), not -1", nil),
        ("pool: max", "pool is one of MAX (0), AVE (1) or STOCHASTIC (2), not 'max'", "the names are written as caffe.proto spells them: MAX"),
        ("pool: \"AVE\"", "pool is one of MAX (0), AVE (1) or STOCHASTIC (2), not the string \"AVE\"", "an enum value is written without quotes: pool: AVE"),
        ("pool: 2", "STOCHASTIC pooling is not supported", "MAX and AVE are"),
        ("pool: 1.0", "pool is one of MAX (0), AVE (1) or STOCHASTIC (2), not 1.0", nil),
    ] as [(String, String, String?)])
    func badEnumValuesAreErrorsAtThem(_ field: String, _ message: String, _ hint: String?) throws {
        let text = Self.network(pooling: "kernel_size: 2 stride: 2 \(field)")
        let outcome = Self.run(text)
        #expect(outcome.status == 1)
        #expect(outcome.standardError.hasPrefix("<stdin>:\(try Self.place(of: field, in: text, offset: 6)): error: layer 'pool1' (Pooling): \(message)\n"),
                "\(outcome.standardError)")
        if let hint { #expect(outcome.standardError.contains("hint: \(hint)\n")) }
    }

    /// Eltwise's operation by its number: 0 is PROD, 1 SUM, 2 MAX.
    @Test func eltwiseOperationsByNumber() {
        func merge(_ operation: String) -> String {
            Self.rows("""
                input: "data"
                input_shape { dim: 1 dim: 2 dim: 4 dim: 4 }
                layer { name: "e" type: "Eltwise" bottom: "data" bottom: "data" top: "e" eltwise_param { \(operation) } }
                """)
        }
        #expect(merge("operation: 0").contains("e,4x4x2,MUL(data | data)"))
        #expect(merge("operation: PROD").contains("e,4x4x2,MUL(data | data)"))
        #expect(merge("operation: 1").contains("e,4x4x2,ADD(data | data)"))
        #expect(merge("").contains("e,4x4x2,ADD(data | data)"))
        #expect(merge("operation: 2").contains("e,4x4x2,TENSOROP"))
        #expect(merge("operation: 3").contains("operation is one of PROD (0), SUM (1) or MAX (2), not 3"))
        #expect(merge("operation: SUM coeff: 1 coeff: -1.5f").contains("e,4x4x2,ADD(data | data)"))
        #expect(merge("operation: SUM coeff: 1 coeff: \"2\"").contains("coeff is a float (a number such as 0.1, 1e-5, 2.5f or inf), not the string \"2\""))
    }

    /// Caffe's TEST net: a rule's phase by name or number; any include rule met includes, any exclude
    /// rule met excludes; both kinds at once are an error.
    @Test func phaseRulesAreReadAsCaffeReadsThem() {
        func rows(_ rules: String) -> String {
            Self.rows("""
                input: "data"
                input_shape { dim: 1 dim: 2 dim: 4 dim: 4 }
                layer { name: "r" type: "ReLU" bottom: "data" top: "r" \(rules) }
                """)
        }
        #expect(!rows("include { phase: 0 }").contains("r,"))
        #expect(!rows("include { phase: TRAIN }").contains("r,"))
        #expect(rows("include { phase: 1 }").contains("r,4x4x2,RELU"))
        #expect(rows("include { phase: TRAIN } include { phase: TEST }").contains("r,4x4x2,RELU"))
        #expect(rows("include { }").contains("r,4x4x2,RELU"))
        #expect(!rows("exclude { phase: 1 }").contains("r,"))
        #expect(rows("exclude { phase: 0 }").contains("r,4x4x2,RELU"))
        #expect(rows("include { phase: 0 } exclude { phase: 0 }").contains("the layer gives both include and exclude rules"))
        #expect(rows("include { phase: 2 }").contains("phase is one of TRAIN (0) or TEST (1), not 2"))
        #expect(rows("include { phase: \"TEST\" }").contains("phase is one of TRAIN (0) or TEST (1), not the string \"TEST\""))
    }

    /// A window field of the wrong kind, out of range or negative is an error at the value, never
    /// stride 1 (224x224 where Caffe gives 112x112).
    @Test(arguments: [
        ("stride: 2.0", "stride is a uint32 (a whole number from 0 to 4,294,967,295), not 2.0", "write stride: 2"),
        ("stride: \"2\"", "stride is a uint32 (a whole number from 0 to 4,294,967,295), not the string \"2\"", "write stride: 2"),
        ("stride: 2e0", "stride is a uint32 (a whole number from 0 to 4,294,967,295), not 2e0", "write stride: 2"),
        ("stride: 2f", "stride is a uint32 (a whole number from 0 to 4,294,967,295), not 2f", "write stride: 2"),
        ("stride: 4294967296", "stride is a uint32 (a whole number from 0 to 4,294,967,295); 4294967296 is out of its range", nil),
        ("stride: 99999999999999999999", "stride is a uint32 (a whole number from 0 to 4,294,967,295); 99999999999999999999 is out of its range", nil),
        ("stride: -2", "stride is a uint32 (a whole number from 0 to 4,294,967,295), not -2", nil),
        ("stride: two", "stride is a uint32 (a whole number from 0 to 4,294,967,295), not 'two'", nil),
        ("stride: 0", "its stride must be at least 1, not 0", "a stride of 0 would never move the window"),
        ("pad: 1.5", "pad is a uint32 (a whole number from 0 to 4,294,967,295), not 1.5", nil),
        ("dilation: 2.0", "dilation is a uint32 (a whole number from 0 to 4,294,967,295), not 2.0", "write dilation: 2"),
        ("dilation: 0", "its dilation must be at least 1, not 0", nil),
        ("kernel_size: 3.0", "kernel_size is a uint32 (a whole number from 0 to 4,294,967,295), not 3.0", "write kernel_size: 3"),
        ("group: -5", "group is a uint32 (a whole number from 0 to 4,294,967,295), not -5", nil),
        ("group: 0", "its group must be at least 1", nil),
        ("num_output: 8.0", "num_output is a uint32 (a whole number from 0 to 4,294,967,295), not 8.0", "write num_output: 8"),
        ("num_output: 9", "num_output is given twice, and it is not a repeated field",
         "protobuf's text format parser, which Caffe uses, refuses a second value of such a field: keep one"),
        ("bias_term: 2", "bias_term is a bool (true or false), not 2", nil),
        ("bias_term: yes", "bias_term is a bool (true or false), not 'yes'", nil),
        ("stride: 2 stride: 2 stride: 2", "it gives stride 3 times, for 2 spatial axes",
         "Caffe takes stride once, or once per spatial axis (depth, height, width)"),
        ("stride_h: 2", "it gives stride_h without stride_w", "Caffe needs both stride_h and stride_w"),
        ("stride: 2 stride_w: 2", "it gives both stride and stride_w", "Caffe takes stride, or stride_h and stride_w, not both"),
        ("kernel_w: 3", "it gives both kernel_size and kernel_w", "Caffe takes kernel_size, or kernel_h and kernel_w, not both"),
    ] as [(String, String, String?)])
    func convolutionFieldsOfTheWrongKindAreErrorsAtThem(_ field: String, _ message: String, _ hint: String?) throws {
        // num_output is given in place of the network's (given beside it, it is given twice).
        let text = field.hasPrefix("num_output: 8") ? Self.network(convolution: "").replacingOccurrences(of: "num_output: 8", with: field)
            : Self.network(convolution: field)
        let outcome = Self.run(text)
        #expect(outcome.status == 1)
        let (shown, offset): (String, Int) = {
            switch field {
            case "num_output: 9", "stride: 2 stride_w: 2", "kernel_w: 3": return (field.hasPrefix("stride: 2 ") ? "stride_w: 2" : field, 0)
            case "stride: 2 stride: 2 stride: 2": return ("stride: 2 }", 0)
            case "stride_h: 2": return (field, 0)
            default: return (field, field.distance(from: field.startIndex, to: field.firstIndex(of: ":")!) + 2)
            }
        }()
        #expect(outcome.standardError.hasPrefix("<stdin>:\(try Self.place(of: shown, in: text, offset: offset)): error: layer 'conv1' (Convolution): \(message)\n"),
                "\(outcome.standardError)")
        if let hint { #expect(outcome.standardError.contains("hint: \(hint)\n"), "\(outcome.standardError)") }
    }

    /// Hexadecimal and octal integers are read as protobuf reads them; a repeated stride gives one value
    /// per spatial axis, height then width (a half pair of pads defaults to 0 in a convolution).
    @Test(arguments: [
        ("stride: 2", "conv1,112x112x8,CONV(8,3,s2,p1)"), ("stride: 0x2", "conv1,112x112x8,CONV(8,3,s2,p1)"),
        ("stride: 02", "conv1,112x112x8,CONV(8,3,s2,p1)"), ("stride: 2 stride: 3", "conv1,75x112x8,CONV(8,3,s3x2,p1)"),
        ("stride: [2, 3]", "conv1,75x112x8,CONV(8,3,s3x2,p1)"), ("stride_h: 2 stride_w: 3", "conv1,75x112x8,CONV(8,3,s3x2,p1)"),
        ("stride: 2 pad: 1", "conv1,112x112x8,CONV(8,3,s2,p1)"),
        ("stride: 2 dilation: 0x2", "conv1,111x111x8,CONV(8,3,s2,p1,d2)"),
    ])
    func windowsAreReadAsCaffeReadsThem(_ field: String, _ expected: String) {
        // `pad` is repeated in ConvolutionParameter: the network's pad and a second are one per axis.
        let rows = Self.rows(Self.network(convolution: field))
        #expect(rows.contains(expected), "\(rows)")
    }

    /// A pad_h alone is a convolution's (pad_w defaults to 0) but not a pooling's (Caffe needs both).
    @Test func halfPairsOfPads() {
        let conv = Self.rows(Self.network(convolution: "pad_h: 1").replacingOccurrences(of: "pad: 1 ", with: ""))
        #expect(conv.contains("conv1,222x224x8,CONV(8,3,p0x1)"), "\(conv)")
        let pool = Self.run(Self.network(pooling: "kernel_size: 2 stride: 2 pad_h: 1"))
        #expect(pool.standardError.contains("error: layer 'pool1' (Pooling): it gives pad_h without pad_w"), "\(pool.standardError)")
        let global = Self.run(Self.network(pooling: "global_pooling: true kernel_size: 2"))
        #expect(global.standardError.contains("a global pooling takes no kernel_size: its window is the whole input"))
    }

    /// An input_dim that is not an int32 is an error at it, never skipped while the other four are used.
    @Test(arguments: ["224.5", "\"224\"", "2147483648", "224f"])
    func inputDimsOfTheWrongKind(_ value: String) throws {
        let text = "input: \"data\"\ninput_dim: 1\ninput_dim: 3\ninput_dim: \(value)\ninput_dim: 224\n"
            + "layer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"r\" }\n"
        let outcome = Self.run(text)
        #expect(outcome.status == 1)
        #expect(outcome.standardError.hasPrefix("<stdin>:4:12: error: input_dim is an int32"), "\(outcome.standardError)")
        #expect(Self.rows(text.replacingOccurrences(of: value, with: "0xE0")).contains("r,224x224x3,RELU"))
    }

    /// Strings are quoted and dims are int64: a bare word or a float is an error at it.
    @Test func namesAndShapesOfTheWrongKind() {
        let unquoted = Self.run(Self.network().replacingOccurrences(of: "top: \"conv1\"\n", with: "top: conv1\n"))
        #expect(unquoted.standardError.contains("error: top is a string (in quotes), not 'conv1'\n"), "\(unquoted.standardError)")
        #expect(unquoted.standardError.contains("hint: write top: \"conv1\"\n"))
        let shape = Self.run(Self.network().replacingOccurrences(of: "dim: 224 dim: 224", with: "dim: 224 dim: 2.24e2"))
        #expect(shape.standardError.contains("<stdin>:3:43: error: dim is an int64 (a whole number), not 2.24e2"), "\(shape.standardError)")
        let layerType = Self.run(Self.network().replacingOccurrences(of: "type: \"ReLU\"", with: "type: ReLU"))
        #expect(layerType.standardError.contains("error: type is a string (in quotes), not 'ReLU'"), "\(layerType.standardError)")
    }

    /// The old generation's type is an enum value: by name or by number (4 is CONVOLUTION), never a string.
    @Test func oldLayerTypesByNumber() {
        func old(_ type: String) -> String {
            Self.rows("input: \"data\"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 8\ninput_dim: 8\n"
                      + "layers { name: \"c\" type: \(type) bottom: \"data\" top: \"c\" convolution_param { num_output: 2 kernel_size: 3 } }\n"
                      + "layers { name: \"r\" type: 18 bottom: \"c\" top: \"c\" }\n")
        }
        #expect(old("CONVOLUTION") == old("4"))
        #expect(old("4").contains("c,6x6x2,CONV(2,3)") && old("4").contains("r,6x6x2,RELU(inplace)"))
        #expect(old("99").contains("type is a value of V1LayerParameter.LayerType, and 99 is not the number of one"))
        #expect(old("\"Convolution\"").contains("type in the old `layers` is a value of V1LayerParameter.LayerType, written without quotes"))
    }

    /// A layer with a top and no bottom is an error at its name (it trapped: found by the fuzzer's smoke run).
    @Test func aLayerWithoutABottomIsAnError() throws {
        let text = "input: \"data\"\ninput_shape { dim: 1 dim: 2 dim: 4 dim: 4 }\n"
            + "layer { name: \"r\" type: \"ReLU\" top: \"r\" }\nlayer { name: \"s\" type: \"Sigmoid\" bottom: \"r\" top: \"s\" }\n"
        let outcome = Self.run(text)
        #expect(outcome.status == 1)
        #expect(outcome.standardError == """
            <stdin>:3:15: error: layer 'r' (ReLU) has no bottom
            layer { name: "r" type: "ReLU" top: "r" }
                          ^~~
            hint: every layer but a data layer reads a blob: bottom: "data"

            """)
    }

    // MARK: 4. Valid numbers

    /// Every float spelling protobuf reads is read, and written in the spec as a plain decimal.
    @Test(arguments: [
        ("0.1f", "LEAKYRELU(0.1,inplace)"), ("1.", "LEAKYRELU(1,inplace)"), (".5", "LEAKYRELU(0.5,inplace)"),
        ("5e-1", "LEAKYRELU(0.5,inplace)"), ("2.5e-2F", "LEAKYRELU(0.025,inplace)"), ("1", "LEAKYRELU(1,inplace)"),
        ("0.01", "LEAKYRELU(0.01,inplace)"), ("1e-7", "LEAKYRELU(0.0000001,inplace)"),
        ("-0.0", "RELU(inplace)"), ("0", "RELU(inplace)"), ("0.0f", "RELU(inplace)"), ("-0", "RELU(inplace)"),
    ])
    func slopeSpellings(_ value: String, _ call: String) {
        let rows = Self.rows(Self.network(relu: "relu_param { negative_slope: \(value) }"))
        #expect(rows.contains("relu1,112x112x8,\(call)"), "\(rows)")
    }

    /// Slopes and ratios netcalc cannot write are errors at the value, in netcalc's words, never "this is
    /// netcalc's fault"; hex and octal are not floats to protobuf.
    @Test(arguments: [
        ("negative_slope: 1e5", "its negative_slope must be between 0 and 1 for netcalc's LEAKYRELU, not 1e5"),
        ("negative_slope: 2.5f", "its negative_slope must be between 0 and 1 for netcalc's LEAKYRELU, not 2.5f"),
        ("negative_slope: -0.5", "its negative_slope must be between 0 and 1 for netcalc's LEAKYRELU, not -0.5"),
        ("negative_slope: 0x10", "negative_slope is a float, which protobuf reads only in decimal, not 0x10"),
        ("negative_slope: 017", "negative_slope is a float, which protobuf reads only in decimal, not 017"),
        ("negative_slope: \"0.1\"", "negative_slope is a float (a number such as 0.1, 1e-5, 2.5f or inf), not the string \"0.1\""),
        ("negative_slope: 99999999999999999999", "negative_slope is a float, and the integer 99999999999999999999 is out of protobuf's range for one"),
    ])
    func slopesNetcalcCannotWrite(_ field: String, _ message: String) throws {
        let text = Self.network(relu: "relu_param { \(field) }")
        let outcome = Self.run(text)
        #expect(outcome.status == 1)
        #expect(outcome.standardError.hasPrefix("<stdin>:\(try Self.place(of: field, in: text, offset: 16)): error: layer 'relu1' (ReLU): \(message)\n"),
                "\(outcome.standardError)")
        #expect(!outcome.standardError.contains("netcalc's fault"))
    }

    /// Dropout ratios in every spelling; out of range is an error at the value.
    @Test func dropoutRatios() {
        #expect(Self.rows(Self.network(dropout: "dropout_param { dropout_ratio: .3f }")).contains("drop1,56x56x8,DROPOUT(0.3,inplace)"))
        #expect(Self.rows(Self.network(dropout: "dropout_param { dropout_ratio: 1e-1 }")).contains("drop1,56x56x8,DROPOUT(0.1,inplace)"))
        #expect(Self.rows(Self.network(dropout: "")).contains("drop1,56x56x8,DROPOUT(0.5,inplace)"))
        #expect(Self.rows(Self.network(dropout: "dropout_param { dropout_ratio: -0.0 }")).contains("drop1,56x56x8,DROPOUT(0,inplace)"))
        #expect(Self.rows(Self.network(dropout: "dropout_param { dropout_ratio: 1.5 }")).contains("its dropout_ratio must be between 0 and 1, not 1.5"))
    }

    /// Hexadecimal and octal sizes read as protobuf reads them (0x10 is 16, 010 is 8), never as a spec's size.
    @Test func hexadecimalAndOctalSizes() {
        let rows = Self.rows(Self.network(convolution: "stride: 2").replacingOccurrences(of: "num_output: 8", with: "num_output: 0x10")
            .replacingOccurrences(of: "kernel_size: 3", with: "kernel_size: 03"))
        #expect(rows.contains("conv1,112x112x16,CONV(16,3,s2,p1)"), "\(rows)")
        let octal = Self.rows(Self.network(convolution: "stride: 2").replacingOccurrences(of: "num_output: 8", with: "num_output: 010"))
        #expect(octal.contains("conv1,112x112x8,CONV(8,3,s2,p1)"), "\(octal)")
    }

    /// The decimals the reader writes into a spec: plain, with no exponent.
    @Test(arguments: [(0.5, "0.5"), (1.0, "1"), (1e-7, "0.0000001"), (0.025, "0.025"), (1e21, "1000000000000000000000"),
                      (-2.5e-3, "-0.0025"), (123.456, "123.456"), (0, "0"), (-0.0, "0")])
    func plainDecimals(_ value: Double, _ text: String) {
        #expect(TextNumber.plainDecimal(value) == text)
    }

    // MARK: 7. Reading before checking

    /// A folder of its own for a test's files, removed by the caller.
    static func folder() throws -> String {
        let folder = NSTemporaryDirectory() + "netcalc-hostile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A 4 GiB file (sparse: no disk) is refused by its size before it is read: at once, with no memory.
    @Test(arguments: ["huge.net", "huge.prototxt", "huge.bin"])
    func aHugeFileIsRefusedBeforeItIsRead(_ name: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/" + name
        #expect(FileManager.default.createFile(atPath: path, contents: Data("# a comment\n".utf8)))
        #expect(truncate(path, 4 << 30) == 0)
        let clock = ContinuousClock()
        let start = clock.now
        for arguments in [[path], ["check", path], ["fmt", path]] {
            let outcome = NetCalc.run(Invocation(arguments: arguments))
            #expect(outcome.status == 2)
            #expect(outcome.standardError.contains("'\(path)' is larger than 64 MiB, the most netcalc reads"), "\(outcome.standardError)")
        }
        #expect(clock.now - start < .seconds(2), "refused by its size, not read")
    }

    /// A device (a link to /dev/zero) and a FIFO with no writer are refused at once: nothing blocks,
    /// nothing is read, whichever command reads them.
    @Test func devicesAndFIFOsAreRefusedAtOnce() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(symlink("/dev/zero", folder + "/zero.net") == 0)
        #expect(symlink("/dev/zero", folder + "/zero.onnx") == 0)
        #expect(mkfifo(folder + "/pipe.net", 0o644) == 0)
        let cases = [("zero.net", "it is a character device, not a regular file"),
                     ("zero.onnx", "it is a character device, not a regular file"),
                     ("pipe.net", "it is a FIFO, not a regular file; to read from it, give it as standard input: netcalc - < '")]
        for (name, reason) in cases {
            for command in [[], ["check"], ["--input-format", "onnx"], ["--input-format", "prototxt"]] {
                let outcome = NetCalc.run(Invocation(arguments: command + [folder + "/" + name]))
                #expect(outcome.status == 2)
                #expect(outcome.standardError.hasPrefix("netcalc: error: cannot read '\(folder)/\(name)': \(reason)"),
                        "\(outcome.standardError)")
            }
        }
    }

    /// A pipe the shell hands netcalc (`<(...)`) is read, as standard input is; a model through a pipe
    /// may have a model's size, and memory that runs out is an error, not a trap.
    @Test(.enabled(if: haveBinary, "needs the built binary: swift build")) func pipesAreReadWithinTheirLimits() throws {
        let (status, output) = try shell("$NETCALC --format csv <(printf 'INPUT[8x8x1] -> RELU\\n')")
        #expect(status == 0, "\(output)")
        #expect(output.contains("8x8x1"))
        let (fifoStatus, fifoOutput) = try shell("d=$(mktemp -d) && mkfifo $d/p.net && (printf 'INPUT[8x8x1] -> RELU\\n' > $d/p.net &) && $NETCALC --format csv - < $d/p.net; s=$?; rm -rf $d; exit $s")
        #expect(fifoStatus == 0, "\(fifoOutput)")
        let (memoryStatus, memoryOutput) = try shell("(printf '\\010\\007\\072\\377\\377\\377\\377\\007'; head -c 1200000000 /dev/zero) | (ulimit -v 1000000; $NETCALC -)")
        #expect(memoryStatus == 2, "\(memoryOutput)")
        #expect(memoryOutput.hasPrefix("netcalc: error: cannot read <stdin>: no memory for more than "), "\(memoryOutput)")
    }

    /// A model larger than a spec may be, on standard input or under another name, is read as a model:
    /// mapped when standard input is the file, read in chunks through a pipe.
    @Test(.enabled(if: haveBinary, "needs the built binary: swift build")) func largeModelsOnStandardInput() throws {
        let (folder, path) = try ModelFileReadingTests.largeModel()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for script in ["$NETCALC --format json - < '\(path)'", "cat '\(path)' | $NETCALC --format json -",
                       "$NETCALC --format json --input-format onnx '\(path)'", "cat '\(path)' | $NETCALC --input-format onnx --format json -"] {
            let (status, output) = try shell(script)
            #expect(status == 0, "\(script): \(output.prefix(300))")
            #expect(output.contains("\"params\" : 132863336"), "\(script)")
        }
    }

    /// A file whose name is not UTF-8 is read by its own bytes, shown with the bytes that are not text
    /// escaped; a name that is that escape in text opens its own file, not the other.
    @Test func namesThatAreNotUTF8() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let raw = Array((folder + "/caf").utf8) + [0xE9] + Array(".net".utf8)
        let descriptor = (raw + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        #expect(descriptor >= 0)
        let text = Array("INPUT[8x8x1] -> RELU\n".utf8)
        #expect(write(descriptor, text, text.count) == text.count)
        close(descriptor)
        let (arguments, pathBytes) = processArguments([Array("--format".utf8), Array("csv".utf8), raw])
        #expect(arguments[2] == folder + "/caf\\xE9.net")
        var invocation = Invocation(arguments: arguments)
        invocation.pathBytes = pathBytes
        let outcome = NetCalc.run(invocation)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("caf\\xE9,0,INPUT,input,8x8x1"), "\(outcome.standardOutput)")
        // The same text given as text too: neither argument is opened as the other's file.
        let (both, kept) = processArguments([raw, Array((folder + "/caf\\xE9.net").utf8)])
        #expect(both[0] == both[1] && kept.isEmpty)
        #expect(escapingInvalidUTF8([0x61, 0xC3, 0xA9, 0xFF, 0xC3, 0x28, 0xF0, 0x9F, 0x98, 0x80]) == "aé\\xFF\\xC3(😀")
    }

    /// The real process reads the name from its own arguments' bytes.
    @Test(.enabled(if: haveBinary, "needs the built binary: swift build")) func theProcessOpensNamesThatAreNotUTF8() throws {
        let (status, output) = try shell("d=$(mktemp -d) && printf 'INPUT[8x8x1] -> CONV(2,3\\n' > $d/$'caf\\xe9.net' && $NETCALC $d/$'caf\\xe9.net'; s=$?; rm -rf $d; exit $s")
        #expect(status == 1, "\(output)")
        #expect(output.contains("caf\\xE9.net:2:1: error: expected ',' or ')' in the arguments of CONV"), "\(output)")
    }

    // MARK: 8. Smaller

    /// A model file's errors are capped as a spec's are: the first hundred shown, then how many more.
    @Test func importErrorsAreCappedAsSpecErrorsAre() {
        let header = "input: \"data\"\ninput_shape { dim: 1 dim: 2 dim: 4 dim: 4 }\n"
        let broken = (0..<150).map { "layer { name: \"l\($0)\" bottom: \"data\" top: \"t\($0)\" }\n" }.joined()
        let outcome = Self.run(header + broken)
        #expect(outcome.status == 1)
        let errors = outcome.standardError.components(separatedBy: ": error: ").count - 1
        #expect(errors == 100)
        #expect(outcome.standardError.hasSuffix("<stdin>: 50 more errors not shown (netcalc shows the first 100 of a file)\n"))
        let many = (0..<5000).map { "layer { name: \"l\($0)\" bottom: \"data\" top: \"t\($0)\" }\n" }.joined()
        let capped = Self.run(header + many)
        #expect(capped.standardError.components(separatedBy: ": error: ").count - 1 == 100)
        #expect(capped.standardError.hasSuffix("<stdin>: more errors not shown (netcalc shows the first 100 of a file and stops looking after 200)\n"))
        let json = Self.run(header + broken, ["--format", "json"])
        #expect(json.standardOutput.components(separatedBy: "\"severity\" : \"error\"").count - 1 == 100)
    }

    /// Standard input's format is told by its start: a prototxt with lists (`[`) is a prototxt, a spec
    /// whose comments colour the terminal (ESC bytes) is a spec, an ONNX model starts with its ir_version.
    @Test func standardInputFormats() {
        #expect(InputFormat.sniff(Array("name: \"n\"\ninput: \"data\"\ninput_shape { dim: [1, 3, 8, 8] }\n".utf8)) == .prototxt)
        #expect(InputFormat.sniff(Array("# Caffe [deploy]\n\nlayer {\n".utf8)) == .prototxt)
        #expect(InputFormat.sniff(Array("\u{FEFF}name: \"n\"".utf8)) == .prototxt)
        #expect(InputFormat.sniff(Array("\n# \u{1B}[31mred\u{1B}[0m\nINPUT[8x8x1] -> RELU\n".utf8)) == .spec)
        #expect(InputFormat.sniff(Array("\u{12}\u{1B} INPUT[8x8x1] -> RELU".utf8)) == .spec)
        #expect(InputFormat.sniff(Array("input = INPUT[8x8x1] -> RELU".utf8)) == .spec)
        #expect(InputFormat.sniff(Array("layer\n  = INPUT[8x8x1] -> RELU".utf8)) == .spec)
        #expect(InputFormat.sniff(Array(("resnet = INPUT[8x8x1] -> RELU # " + String(repeating: "r", count: 200)).utf8)) == .spec)
        #expect(InputFormat.sniff([0x08, 0x07, 0x12, 0x07, 0x70, 0x79]) == .onnx)
        #expect(InputFormat.sniff([0x08, 0x07, 0x3A, 0xFF, 0xFF, 0x01]) == .onnx)  // a graph longer than what was read
        #expect(InputFormat.sniff([0x08, 0x00]) == .spec)  // no ONNX has version 0
        #expect(InputFormat.sniff([0x08, 0x07, 0x0A, 0x01, 0x00]) == .spec)  // field 1 is no string
        for fixture in ["resnet18_bn", "vgg11", "tcn"] {
            let bytes = Array(FileManager.default.contents(atPath: packageRoot + "/Tests/NetCalcTests/Fixtures/onnx/\(fixture).onnx") ?? Data())
            #expect(InputFormat.sniff(bytes) == .onnx, "\(fixture)")
        }
        let coloured = runNetCalc(["--format", "csv", "-"], standardInput: "\n# \u{1B}[31mred\u{1B}[0m\nINPUT[8x8x1] -> RELU\n")
        #expect(coloured.status == 0, "\(coloured.standardError)")
        let listed = runNetCalc(["--format", "csv", "-"], standardInput: "input: \"data\"\ninput_shape { dim: [1, 3, 8, 8] }\nlayer { name: \"r\" type: \"ReLU\" bottom: \"data\" top: \"r\" }\n")
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.contains("8x8x3"))
    }

    /// A diagnostic echoes at most a thousand characters of what it read: a 1 MB name (50 MB took
    /// 100 MB of standard error) gives a short message, its start and end kept.
    @Test func echoedTextIsCropped() {
        let name = "A" + String(repeating: "B", count: 1 << 20) + "Z"
        let spec = runNetCalc(["-"], standardInput: "INPUT[8x8x1] -> \(name)\n")
        #expect(spec.status == 1)
        #expect(spec.standardError.utf8.count < 5_000, "\(spec.standardError.utf8.count) bytes")
        #expect(spec.standardError.contains("unknown layer or block 'ABBB"))
        #expect(spec.standardError.contains("characters left out)...BBB") && spec.standardError.contains("BBBZ'\n"))
        let model = Self.run("input: \"data\"\ninput_shape { dim: 1 dim: 2 dim: 4 dim: 4 }\nlayer { name: \"l\" type: \"\(name)\" bottom: \"data\" top: \"t\" }\n")
        #expect(model.status == 1)
        #expect(model.standardError.utf8.count < 5_000, "\(model.standardError.utf8.count) bytes")
        let json = Self.run("input: \"data\"\ninput_shape { dim: 1 dim: 2 dim: 4 dim: 4 }\nlayer { name: \"l\" type: \"\(name)\" bottom: \"data\" top: \"t\" }\n",
                            ["--format", "json"])
        #expect(json.standardOutput.utf8.count < 5_000)
        #expect(cropped(String(repeating: "é", count: 1_000)) == String(repeating: "é", count: 1_000))
        let long = cropped(String(repeating: "é", count: 1_001))
        #expect(long.hasPrefix(String(repeating: "é", count: 600) + "...(201 characters left out)..."))
        var diagnostic = Diagnostic(.error, "short")
        diagnostic.message = String(repeating: "x", count: 10_000)
        diagnostic.hints.append(String(repeating: "y", count: 10_000))
        #expect(diagnostic.message.count < 1_100 && diagnostic.hints[0].count < 1_100)
    }
}
