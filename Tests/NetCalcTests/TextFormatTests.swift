import Foundation
import Testing
@testable import NetCalc

/// Parses protobuf text, returning the message, the diagnostics and the file.
private func parseText(_ text: String) -> (TextMessage, [Diagnostic], SourceFile) {
    let file = SourceFile(name: "<test>", text: text)
    var parser = TextFormatParser(file: file)
    let (message, diagnostics) = parser.parse()
    return (message, diagnostics.items, file)
}

/// Parses protobuf text that must have no errors.
private func parseClean(_ text: String) throws -> TextMessage {
    let (message, diagnostics, _) = parseText(text)
    #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
    return message
}

/// The one field of text that must parse cleanly to exactly one field.
private func onlyField(_ text: String) throws -> TextField {
    let message = try parseClean(text)
    #expect(message.fields.count == 1)
    return try #require(message.fields.first)
}

/// The text a range covers.
private func source(_ range: SourceRange, in file: SourceFile) -> String {
    String(decoding: file.bytes[range.start..<range.end], as: UTF8.self)
}

/// One error case: input, the message, its 1-based place, and the hint if the test checks one.
struct TextErrorCase: Sendable, CustomTestStringConvertible {
    var text: String
    var message: String
    var line: Int
    var column: Int
    var hint: String?

    init(_ text: String, _ message: String, _ line: Int, _ column: Int, hint: String? = nil) {
        self.text = text
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint
    }

    var testDescription: String { text.debugDescription }
}

/// The protobuf text format: fields, values, accessors, escapes, lists, errors, limits and real Caffe files.
@Suite struct TextFormatTests {
    // MARK: Caffe-style files

    @Test func caffeNewFormat() throws {
        let message = try parseClean("""
            name: "AlexNet"
            input_shape { dim: 1 dim: 3 dim: 224 dim: 224 }
            layer {
              name: "conv1"
              type: "Convolution"
              bottom: "data"
              top: "conv1"
              convolution_param {
                num_output: 96
                kernel_size: 11
                stride: 4
              }
            }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            """)
        #expect(message.fields.map(\.name) == ["name", "input_shape", "layer", "layer"])
        #expect(message.first("name")?.text == "AlexNet")
        let shape = try #require(message.first("input_shape")?.message)
        #expect(shape.all("dim").compactMap(\.int) == [1, 3, 224, 224])
        let layers = message.all("layer")
        #expect(layers.count == 2)
        let conv = try #require(layers[0].message)
        #expect(conv.fields.map(\.name) == ["name", "type", "bottom", "top", "convolution_param"])
        #expect(conv.first("type")?.text == "Convolution")
        let parameters = try #require(conv.first("convolution_param")?.message)
        #expect(parameters.first("num_output")?.int == 96)
        #expect(parameters.first("kernel_size")?.int == 11)
        #expect(parameters.first("stride")?.int == 4)
        #expect(parameters.first("pad") == nil)
        #expect(layers[1].message?.first("name")?.text == "relu1")
    }

    @Test func caffeOldFormat() throws {
        let message = try parseClean("""
            name: "AlexNet"
            input: "data"
            input_dim: 10
            input_dim: 3
            input_dim: 227
            input_dim: 227
            layers {
              name: "conv1"
              type: CONVOLUTION
              blobs_lr: 1
              blobs_lr: 2
              convolution_param { num_output: 96 kernel_size: 11 stride: 4 }
              bottom: "data"
              top: "conv1"
            }
            layers { name: "pool1" type: POOLING pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
            """)
        #expect(message.first("input")?.text == "data")
        #expect(message.all("input_dim").compactMap(\.int) == [10, 3, 227, 227])
        let layers = message.all("layers")
        #expect(layers.count == 2)
        let conv = try #require(layers[0].message)
        guard case .identifier("CONVOLUTION", _)? = conv.first("type")?.value else {
            Issue.record("type is not the identifier CONVOLUTION")
            return
        }
        #expect(conv.first("type")?.text == "CONVOLUTION")
        #expect(conv.all("blobs_lr").compactMap(\.double) == [1, 2])
        let pool = try #require(layers[1].message?.first("pooling_param")?.message)
        #expect(pool.first("pool")?.text == "MAX")
        #expect(pool.first("pool")?.int == nil)
    }

    @Test func fieldOrderAndRepeatedFields() throws {
        let message = try parseClean("b: 1 a: 2 b: 3 c { } b: 4")
        #expect(message.fields.map(\.name) == ["b", "a", "b", "c", "b"])
        #expect(message.all("b").compactMap(\.int) == [1, 3, 4])
        #expect(message.first("b")?.int == 1)
        #expect(message.all("missing").isEmpty)
        #expect(message.first("missing") == nil)
    }

    @Test func emptyInputGivesAnEmptyMessage() throws {
        for text in ["", "   \n\t\r\n", "# only a comment", "# one\n\n  # two\n"] {
            let message = try parseClean(text)
            #expect(message.fields.isEmpty)
        }
    }

    // MARK: Values and accessors

    /// A scalar's text and what each accessor gives.
    struct ScalarCase: Sendable, CustomTestStringConvertible {
        var value: String
        var int: Int?
        var double: Double?
        var text: String?
        var bool: Bool?
        var testDescription: String { value }
    }

    @Test(arguments: [
        ScalarCase(value: "64", int: 64, double: 64, text: nil, bool: nil),
        ScalarCase(value: "0", int: 0, double: 0, text: nil, bool: false),
        ScalarCase(value: "1", int: 1, double: 1, text: nil, bool: true),
        ScalarCase(value: "-1", int: -1, double: -1, text: nil, bool: nil),
        ScalarCase(value: "- 3", int: -3, double: -3, text: nil, bool: nil),
        ScalarCase(value: "0.0001", int: nil, double: 0.0001, text: nil, bool: nil),
        ScalarCase(value: "1e-5", int: nil, double: 1e-5, text: nil, bool: nil),
        ScalarCase(value: "1E+3", int: nil, double: 1000, text: nil, bool: nil),
        ScalarCase(value: "-2.5e2", int: nil, double: -250, text: nil, bool: nil),
        ScalarCase(value: ".5", int: nil, double: 0.5, text: nil, bool: nil),
        ScalarCase(value: "1.", int: nil, double: 1, text: nil, bool: nil),
        ScalarCase(value: "2.5f", int: nil, double: 2.5, text: nil, bool: nil),
        ScalarCase(value: "3F", int: nil, double: 3, text: nil, bool: nil),
        ScalarCase(value: "1.0", int: nil, double: 1, text: nil, bool: nil),
        ScalarCase(value: "0x10", int: 16, double: 16, text: nil, bool: nil),
        ScalarCase(value: "0XfF", int: 255, double: 255, text: nil, bool: nil),
        ScalarCase(value: "-0x10", int: -16, double: -16, text: nil, bool: nil),
        ScalarCase(value: "017", int: 15, double: 15, text: nil, bool: nil),
        ScalarCase(value: "0x1", int: 1, double: 1, text: nil, bool: true),
        ScalarCase(value: "9223372036854775807", int: Int.max, double: 9.223372036854775807e18, text: nil, bool: nil),
        ScalarCase(value: "-9223372036854775808", int: Int.min, double: -9.223372036854775808e18, text: nil, bool: nil),
        ScalarCase(value: "9223372036854775808", int: nil, double: 9.223372036854775808e18, text: nil, bool: nil),
        ScalarCase(value: "18446744073709551616", int: nil, double: 1.8446744073709551616e19, text: nil, bool: nil),
        ScalarCase(value: "-inf", int: nil, double: -.infinity, text: nil, bool: nil),
        ScalarCase(value: "-Infinity", int: nil, double: -.infinity, text: nil, bool: nil),
        ScalarCase(value: "inf", int: nil, double: .infinity, text: "inf", bool: nil),
        ScalarCase(value: "true", int: nil, double: nil, text: "true", bool: true),
        ScalarCase(value: "True", int: nil, double: nil, text: "True", bool: true),
        ScalarCase(value: "t", int: nil, double: nil, text: "t", bool: true),
        ScalarCase(value: "false", int: nil, double: nil, text: "false", bool: false),
        ScalarCase(value: "False", int: nil, double: nil, text: "False", bool: false),
        ScalarCase(value: "f", int: nil, double: nil, text: "f", bool: false),
        ScalarCase(value: "TRUE", int: nil, double: nil, text: "TRUE", bool: nil),
        ScalarCase(value: "MAX", int: nil, double: nil, text: "MAX", bool: nil),
        ScalarCase(value: "_private9", int: nil, double: nil, text: "_private9", bool: nil),
        ScalarCase(value: "\"Convolution\"", int: nil, double: nil, text: "Convolution", bool: nil),
        ScalarCase(value: "\"true\"", int: nil, double: nil, text: "true", bool: nil),
        ScalarCase(value: "\"64\"", int: nil, double: nil, text: "64", bool: nil),
        ScalarCase(value: "{ a: 1 }", int: nil, double: nil, text: nil, bool: nil),
    ])
    func scalarAccessors(_ scalar: ScalarCase) throws {
        let field = try onlyField("v: \(scalar.value)")
        #expect(field.name == "v")
        #expect(field.int == scalar.int)
        #expect(field.double == scalar.double)
        #expect(field.text == scalar.text)
        #expect(field.bool == scalar.bool)
        #expect((field.message != nil) == scalar.value.hasPrefix("{"))
    }

    @Test func nanIsADouble() throws {
        for text in ["v: nan", "v: NaN", "v: -nan"] {
            let field = try onlyField(text)
            #expect(field.double?.isNaN == true)
            #expect(field.int == nil)
        }
    }

    @Test func valueKindsKeepTheirTextAndRange() throws {
        let text = "a: -1e-5 b: CONVOLUTION c: 'x' \"y\" d { e: 1 } f: - 2"
        let (message, diagnostics, file) = parseText(text)
        #expect(diagnostics.isEmpty)
        let fields = message.fields
        #expect(fields.count == 5)
        guard fields.count == 5 else { return }
        guard case .number("-1e-5", let numberRange) = fields[0].value,
              case .identifier("CONVOLUTION", let identifierRange) = fields[1].value,
              case .string("xy", let stringRange) = fields[2].value,
              case .message(let nested, let messageRange) = fields[3].value,
              case .number("-2", let negativeRange) = fields[4].value else {
            Issue.record("unexpected values: \(fields.map(\.value))")
            return
        }
        #expect(source(numberRange, in: file) == "-1e-5")
        #expect(source(identifierRange, in: file) == "CONVOLUTION")
        #expect(source(stringRange, in: file) == "'x' \"y\"")
        #expect(source(messageRange, in: file) == "{ e: 1 }")
        #expect(source(negativeRange, in: file) == "- 2")
        #expect(nested.first("e")?.int == 1)
        #expect(source(fields[3].nameRange, in: file) == "d")
        #expect(source(fields[3].range, in: file) == "d { e: 1 }")
        #expect(source(fields[0].range, in: file) == "a: -1e-5")
        #expect(fields[2].valueRange == stringRange)
        #expect(fields[3].valueRange == messageRange)
    }

    @Test(arguments: [
        ("\"plain\"", "plain"),
        ("'single quotes'", "single quotes"),
        ("\"a\\\"b\"", "a\"b"),
        ("'it\\'s'", "it's"),
        ("\"it's\"", "it's"),
        ("'say \"hi\"'", "say \"hi\""),
        ("\"\\n\\t\\r\\\\\"", "\n\t\r\\"),
        ("\"\\a\\b\\f\\v\\?\"", "\u{07}\u{08}\u{0C}\u{0B}?"),
        ("\"\\101\\60\\0\"", "A0\u{0}"),
        ("\"\\1012\"", "A2"),
        ("\"\\x41\\x4a\\xA\"", "AJ\n"),
        ("\"\\x414\"", "A4"),
        ("\"\\u00e9\\U0001F600\"", "é😀"),
        ("\"\\ud83d\\ude00\"", "😀"),
        ("\"\\303\\251\"", "é"),
        ("\"\\xff\"", "\u{FFFD}"),
        ("\"héllo → ✓\"", "héllo → ✓"),
        ("\"a\" 'b' \"c\"", "abc"),
        ("\"a\"\n  # between\n  \"b\"", "ab"),
        ("\"\"", ""),
        ("\"#not a comment\"", "#not a comment"),
        ("\"tab\there\"", "tab\there"),
    ])
    func stringEscapes(_ written: String, _ decoded: String) throws {
        let field = try onlyField("s: \(written)")
        #expect(field.text == decoded)
    }

    @Test func comments() throws {
        let message = try parseClean("""
            # a comment
            a: 1 # after a value
            #b: 2
            c { # after a brace
              d: "x#y" # the # in a string is not a comment
            } # after a message
            e # between a name
            : # and its value
            3
            """)
        #expect(message.fields.map(\.name) == ["a", "c", "e"])
        #expect(message.first("c")?.message?.first("d")?.text == "x#y")
        #expect(message.first("e")?.int == 3)
    }

    @Test func separatorsAndMessageSpellings() throws {
        let message = try parseClean("a: 1, b: 2; c { x: 1; y: 2, } d: { } e < z: 3 > f: < >, g {}")
        #expect(message.fields.map(\.name) == ["a", "b", "c", "d", "e", "f", "g"])
        #expect(message.first("c")?.message?.fields.map(\.name) == ["x", "y"])
        #expect(message.first("d")?.message?.fields.isEmpty == true)
        #expect(message.first("e")?.message?.first("z")?.int == 3)
        #expect(message.first("f")?.message?.fields.isEmpty == true)
        #expect(message.first("g")?.message?.fields.isEmpty == true)
    }

    @Test func listsExpandToOneFieldPerElement() throws {
        let (message, diagnostics, file) = parseText(
            "dim: [1, 2, -3] e: [] s: ['a', \"b\" 'c'] m: [{ x: 1 }, < x: 2 >] n [{ y: 3 }] z: [A, 0.5]; w: 9")
        #expect(diagnostics.isEmpty)
        #expect(message.fields.map(\.name) == ["dim", "dim", "dim", "s", "s", "m", "m", "n", "z", "z", "w"])
        #expect(message.all("dim").compactMap(\.int) == [1, 2, -3])
        #expect(message.all("s").compactMap(\.text) == ["a", "bc"])
        #expect(message.all("m").compactMap { $0.message?.first("x")?.int } == [1, 2])
        #expect(message.first("n")?.message?.first("y")?.int == 3)
        #expect(message.all("z").map(\.text) == ["A", nil])
        #expect(message.all("z").map(\.double) == [nil, 0.5])
        #expect(message.first("w")?.int == 9)
        let dims = message.all("dim")
        #expect(dims.map { source($0.nameRange, in: file) } == ["dim", "dim", "dim"])
        #expect(dims.map { source($0.valueRange, in: file) } == ["1", "2", "-3"])
        #expect(source(dims[1].range, in: file) == "dim: [1, 2")
    }

    @Test func extensionNamesAreKept() throws {
        let message = try parseClean("[my.ext] { a: 1 } [type.googleapis.com/foo.Bar]: { b: 2 } [ x . y ]: 3")
        #expect(message.fields.map(\.name) == ["[my.ext]", "[type.googleapis.com/foo.Bar]", "[x.y]"])
        #expect(message.first("[x.y]")?.int == 3)
    }

    @Test func lineEndingsAndWhiteSpace() throws {
        let message = try parseClean("a: 1\r\nb {\r\n\tc: \"x\"\r\n}\r\n\u{0B}\u{0C}d: 2")
        #expect(message.fields.map(\.name) == ["a", "b", "d"])
        #expect(message.first("b")?.message?.first("c")?.text == "x")
    }

    // MARK: Errors

    @Test(arguments: [
        TextErrorCase("name: \"abc", "unterminated string", 1, 7, hint: "close the string with \""),
        TextErrorCase("a: 1\nname: 'abc", "unterminated string", 2, 7, hint: "close the string with '"),
        TextErrorCase("a: \"x\\", "unterminated string", 1, 4),
        TextErrorCase("a: 1\nname: \"abc\nb: 2", "newline inside a string", 2, 7),
        TextErrorCase("a: \"abc\r\n\"", "newline inside a string", 1, 4),
        TextErrorCase("a: \"x\\\ny\"", "newline inside a string", 1, 4),
        TextErrorCase("layer {\n  name: \"x\"\n", "the message 'layer' is not closed at the end of the file", 1, 7,
                      hint: "this { is not closed"),
        TextErrorCase("a { b { }\n", "the message 'a' is not closed at the end of the file", 1, 3,
                      hint: "this { is not closed"),
        TextErrorCase("a {\n  b {", "the message 'b' is not closed at the end of the file", 2, 5),
        TextErrorCase("a < b: 1", "the message 'a' is not closed at the end of the file", 1, 3,
                      hint: "this < is not closed"),
        TextErrorCase("m: [{ x: 1 }, { x: 2", "the message 'm' is not closed at the end of the file", 1, 15),
        TextErrorCase("a: 1\n}", "unexpected '}'", 2, 1,
                      hint: "no message is open here: is there one } too many, or a { missing before it?"),
        TextErrorCase("a { } }", "unexpected '}'", 1, 7),
        TextErrorCase("a: 1 >", "unexpected '>'", 1, 6),
        TextErrorCase("a < b: 1 }", "expected '>' to close the message 'a', found '}'", 1, 10),
        TextErrorCase("a { b: 1 >", "expected '}' to close the message 'a', found '>'", 1, 10),
        TextErrorCase("num_output 96", "missing ':' after the field name 'num_output'", 1, 12,
                      hint: "a value that is not a message follows a colon: num_output: 96"),
        TextErrorCase("type \"Convolution\"", "missing ':' after the field name 'type'", 1, 6,
                      hint: "a value that is not a message follows a colon: type: \"Convolution\""),
        TextErrorCase("pool MAX", "missing ':' after the field name 'pool'", 1, 6),
        TextErrorCase("pad -1", "missing ':' after the field name 'pad'", 1, 5),
        TextErrorCase("dim [1, 2]", "missing ':' after the field name 'dim'", 1, 5,
                      hint: "a value that is not a message follows a colon: dim: [...]"),
        TextErrorCase("m [{ a: 1 }, 2]", "missing ':' after the field name 'm'", 1, 3),
        TextErrorCase("a: 1 @", "unexpected character '@'", 1, 6),
        TextErrorCase("a: \u{07}", "unexpected character U+0007", 1, 4, hint: nil),
        TextErrorCase("a: 1\n\u{0}", "unexpected character U+0000", 2, 1),
        TextErrorCase("x: \u{7F}", "unexpected character U+007F", 1, 4),
        TextErrorCase("a: \u{201C}x\u{201D}", "unexpected character '\u{201C}' (U+201C)", 1, 4),
        TextErrorCase("é: 1", "unexpected character 'é' (U+00E9)", 1, 1),
        TextErrorCase("a: 1\n  b = 2", "unexpected character '='", 2, 5, hint: "a field is written name: value"),
        TextErrorCase("a: \"\\q\"", "invalid escape '\\q' in a string", 1, 5),
        TextErrorCase("a: \"ab\\é\"", "invalid escape '\\é' in a string", 1, 7),
        TextErrorCase("a: \"\\x\"", "the escape \\x needs a hexadecimal digit", 1, 5),
        TextErrorCase("a: \"\\400\"", "the octal escape \\400 is larger than a byte", 1, 5),
        TextErrorCase("a: \"\\u12\"", "the escape \\u needs 4 hexadecimal digits", 1, 5),
        TextErrorCase("a: \"\\U00110000\"", "the escape \\U00110000 is beyond the last Unicode character", 1, 5),
        TextErrorCase("a: \"\\ud800\"", "the escape \\ud800 is not a Unicode character", 1, 5),
        TextErrorCase("a: 08", "invalid number '08'", 1, 4, hint: "a number starting with 0 is octal, with the digits 0-7"),
        TextErrorCase("a: 3x", "invalid number '3x'", 1, 4),
        TextErrorCase("a: 1e", "invalid number '1e'", 1, 4),
        TextErrorCase("a: 1.5.3", "invalid number '1.5.3'", 1, 4),
        TextErrorCase("a: 0x", "invalid number '0x'", 1, 4),
        TextErrorCase("a: 0xg", "invalid number '0xg'", 1, 4),
        TextErrorCase("a: 01.5", "invalid number '01.5'", 1, 4),
        TextErrorCase("a: -x", "expected a number after '-', found 'x'", 1, 5),
        TextErrorCase("a: --1", "expected a number after '-', found '-'", 1, 5),
        TextErrorCase("a:", "expected a value for 'a', found the end of the file", 1, 3),
        TextErrorCase("a: }", "expected a value for 'a', found '}'", 1, 4),
        TextErrorCase("a: :", "expected a value for 'a', found ':'", 1, 4),
        TextErrorCase("a", "expected ':' or '{' after the field name 'a', found the end of the file", 1, 2),
        TextErrorCase("a }", "expected ':' or '{' after the field name 'a', found '}'", 1, 3),
        TextErrorCase(": 1", "expected a field name, found ':'", 1, 1),
        TextErrorCase("5: 1", "expected a field name, found the number 5", 1, 1),
        TextErrorCase("\"a\": 1", "expected a field name, found a string", 1, 1),
        TextErrorCase("// comment", "expected a field name, found '/'", 1, 1, hint: "a comment starts with #"),
        TextErrorCase("a: 1,, b: 2", "expected a field name, found ','", 1, 6),
        TextErrorCase("a: 1 -2", "expected a field name, found '-'", 1, 6),
        TextErrorCase("a: [1 2]", "expected ',' or ']' in the list of 'a', found the number 2", 1, 7),
        TextErrorCase("a: [1,]", "expected a value in the list of 'a', found ']'", 1, 7),
        TextErrorCase("a: [1", "expected ',' or ']' in the list of 'a', found the end of the file", 1, 6),
        TextErrorCase("a: [[1]]", "expected a value in the list of 'a', found '['", 1, 5),
        TextErrorCase("m: [{ } { }]", "expected ',' or ']' in the list of 'm', found '{'", 1, 9),
        TextErrorCase("[foo.bar: 1", "expected '.', '/' or ']' in the extension name, found ':'", 1, 9),
        TextErrorCase("[]: 1", "expected a name in the extension name, found ']'", 1, 2),
    ])
    func errors(_ error: TextErrorCase) throws {
        let (_, diagnostics, file) = parseText(error.text)
        #expect(diagnostics.count == 1)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.message == error.message)
        let range = try #require(diagnostic.range)
        let place = file.location(of: range.start)
        #expect(place.line == error.line)
        #expect(place.column == error.column)
        if let hint = error.hint {
            #expect(diagnostic.hints == [hint])
        }
        // Every diagnostic renders, caret and all.
        #expect(!DiagnosticRenderer(color: false).render(diagnostic).isEmpty)
    }

    @Test func unterminatedStringAndNewlineRangesCoverTheString() throws {
        let (_, diagnostics, file) = parseText("a: \"abc\nb: 1")
        let range = try #require(diagnostics.first?.range)
        #expect(source(range, in: file) == "\"abc")
        let (_, more, moreFile) = parseText("a: 1\nb: 'xy")
        let quote = try #require(more.first?.range)
        #expect(source(quote, in: moreFile) == "'")
    }

    @Test func whatWasReadBeforeAnErrorIsKept() throws {
        let (message, diagnostics, file) = parseText("""
            name: "net"
            layer { name: "a" top: "a" }
            layer {
              name: "b"
              param { lr_mult: 1
              bad @
            """)
        #expect(diagnostics.map(\.message) == ["unexpected character '@'"])
        #expect(message.fields.map(\.name) == ["name", "layer", "layer"])
        let open = try #require(message.all("layer").last)
        #expect(open.message?.fields.map(\.name) == ["name", "param"])
        #expect(open.message?.first("param")?.message?.first("lr_mult")?.int == 1)
        // A message left open ends where reading stopped.
        #expect(source(open.range, in: file).hasSuffix("bad"))
    }

    // MARK: Limits

    @Test func nestingUpToTheMaximumDepthIsAccepted() throws {
        let depth = TextFormatParser.maximumDepth
        let text = String(repeating: "a { ", count: depth) + "x: 1" + String(repeating: " }", count: depth)
        var message = try parseClean(text)
        for _ in 0..<depth {
            message = try #require(message.first("a")?.message)
        }
        #expect(message.first("x")?.int == 1)
    }

    @Test func oneLevelDeeperIsAnError() throws {
        let depth = TextFormatParser.maximumDepth + 1
        let text = String(repeating: "a { ", count: depth) + "x: 1" + String(repeating: " }", count: depth)
        let (message, diagnostics, file) = parseText(text)
        #expect(diagnostics.map(\.message) == ["the message 'a' is nested too deeply (more than 64 levels)"])
        let range = try #require(diagnostics.first?.range)
        let place = file.location(of: range.start)
        #expect(place.line == 1)
        #expect(place.column == 4 * TextFormatParser.maximumDepth + 3)
        #expect(message.fields.count == 1)
    }

    @Test func hundredThousandLevelsGiveAnErrorWithoutCrashing() throws {
        for text in [String(repeating: "a{", count: 100_000),
                     String(repeating: "a{", count: 100_000) + String(repeating: "}", count: 100_000),
                     "m: " + String(repeating: "[{a:", count: 100_000),
                     String(repeating: "a<", count: 100_000)] {
            let (message, diagnostics, _) = parseText(text)
            #expect(diagnostics.count == 1)
            #expect(diagnostics.first?.message.contains("nested too deeply") == true)
            #expect(message.fields.count == 1)
        }
        // Many closers at the top level, or many list brackets, are a single error too.
        let (_, closers, _) = parseText(String(repeating: "}", count: 100_000))
        #expect(closers.map(\.message) == ["unexpected '}'"])
    }

    @Test func manyLayersParseInOnePass() throws {
        let layer = """
            layer { name: "conv" type: "Convolution" bottom: "x" top: "x"
              convolution_param { num_output: 64 kernel_size: 3 pad: 1 weight_filler { type: "xavier" } } }

            """
        let count = 5_000
        let message = try parseClean("name: \"big\"\n" + String(repeating: layer, count: count))
        #expect(message.all("layer").count == count)
        #expect(message.all("layer").last?.message?.first("convolution_param")?.message?.first("pad")?.int == 1)
    }

    @Test func everyPrefixOfAFileGivesAResultOrAnError() throws {
        let text = """
            name: "n" # comment
            layer { name: 'a\\x41' type: CONVOLUTION dim: [1, -2, 0x3] p < q: 1.5e-3f > }
            [ext.x]: { s: "\\u00e9" } t: -inf
            """
        let bytes = Array(text.utf8)
        for end in 0...bytes.count {
            // Cut only between characters, as the file stays valid UTF-8.
            guard end == bytes.count || bytes[end] & 0xC0 != 0x80 else { continue }
            let file = SourceFile(name: "<prefix>", validBytes: Array(bytes[..<end]))
            var parser = TextFormatParser(file: file)
            let (_, diagnostics) = parser.parse()
            #expect(diagnostics.items.count <= 1)
            for diagnostic in diagnostics.items {
                let range = try #require(diagnostic.range)
                #expect(range.start >= 0 && range.end <= end)
            }
        }
    }

    @Test func randomInputNeverCrashes() throws {
        let pieces = ["a", "layer", ":", "{", "}", "<", ">", "[", "]", ",", ";", "-", ".", "/", "1", "0x", "07",
                      "1e", "5.", "\"", "'", "\\", "\\x", "\\u12", "\n", " ", "#", "inf", "@", "\u{0}", "é", "\r"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<3_000 {
            var text = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 58)
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text += pieces[Int(state >> 33) % pieces.count]
            }
            let (_, diagnostics, _) = parseText(text)
            #expect(diagnostics.count <= 1)
        }
    }

    @Test func bytesThatAreNotUTF8AreOneError() throws {
        // SourceFile.load refuses such files, but a parser handed them must not trap either.
        for bytes: [UInt8] in [[0xFF], [0x61, 0x3A, 0x20, 0x80], [0xE2, 0x82], [0x61, 0x3A, 0x22, 0xC3, 0x22],
                               [0x61, 0x3A, 0x22, 0x5C, 0xF0, 0x9F]] {
            let file = SourceFile(name: "<bytes>", validBytes: bytes)
            var parser = TextFormatParser(file: file)
            let (_, diagnostics) = parser.parse()
            #expect(diagnostics.items.count <= 1)
        }
    }

    // MARK: Real files

    @Test(.enabled(if: FileManager.default.fileExists(atPath: packageRoot + "/../shared/caffe"),
                   "needs ../shared/caffe, the real Caffe deploy files beside the repository"))
    func realCaffeFilesParse() throws {
        let folder = packageRoot + "/../shared/caffe"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".prototxt") }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let data = try #require(FileManager.default.contents(atPath: folder + "/" + name))
            let file = try SourceFile.load(name: name, bytes: Array(data)).get()
            var parser = TextFormatParser(file: file)
            let (message, diagnostics) = parser.parse()
            #expect(diagnostics.isEmpty, "\(name): \(diagnostics.items.map(\.message))")
            // Each layer starts a line of its own in these files.
            let text = String(decoding: data, as: UTF8.self)
            let expected = text.split(separator: "\n", omittingEmptySubsequences: false).filter {
                $0.hasPrefix("layer {") || $0.hasPrefix("layers {") || $0.hasPrefix("layer{") || $0.hasPrefix("layers{")
            }.count
            let layers = message.all("layer") + message.all("layers")
            #expect(layers.count == expected, "\(name)")
            #expect(layers.count >= 20, "\(name)")
            // Every layer has a name and a type, as a string or (old files) an identifier.
            for layer in layers {
                let body = try #require(layer.message, "\(name)")
                #expect(body.first("name")?.text != nil, "\(name)")
                #expect(body.first("type")?.text != nil, "\(name)")
            }
        }
    }
}
