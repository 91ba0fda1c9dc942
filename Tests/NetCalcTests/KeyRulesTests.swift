import Foundation
import Testing
@testable import NetCalc

/// `netcalc check --key`: the key's networks, settings, points and notes grade a sheet; a sheet's network
/// is found by name, then by INPUT and layers, never by position; what a sheet changes is said.
@Suite struct KeyRulesTests {
    static let key = """
        first = INPUT[32x32x3] -> CONV(8,5,s1,p2) {32x32x8, points: 2, note: "P = (F - 1)/2"} -> POOL(2) {16x16x8}
        second = INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 156} -> POOL(2) {12x12x6, points: 2}
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var sheet: String
        /// The summary line the sheet ends with.
        var summary: String
        /// Fragments its standard error holds.
        var said: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the sheet's points, note and rounding are not the key's",
             sheet: """
                 @rounding floor
                 first = INPUT[32x32x3] -> CONV(8,5,s1,p2) {32x32x8, points: 1000, note: "full marks"} -> POOL(2) {16x16x8}
                 second = INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 156} -> POOL(2) {12x12x6}
                 """,
             summary: "5 of 5 answers right; 7 of 7 points (100%)\n",
             said: ["warning: points: 1000 is not the key's: CONV1 shape is worth 2 points",
                    "warning: a note on a sheet is not the key's", "error: the network 'first' is set up unlike the key's: rounding floor here, strict in the key"]),
        Case(name: "an edited layer is reported and graded on the key's",
             sheet: """
                 first = INPUT[32x32x3] -> CONV(8,5,s1,p0) {28x28x8} -> POOL(2) {14x14x8}
                 second = INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 156} -> POOL(2) {12x12x6}
                 """,
             summary: "4 of 5 answers right (1 by follow-through); 5 of 7 points (71%)\n",
             said: ["error: the network 'first' differs from the key's: CONV1 is CONV(8,5) here, CONV(8,5,p2) in the key"]),
        Case(name: "a sheet answering only the second network is graded against the second",
             sheet: "INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 156} -> POOL(2) {12x12x6}",
             summary: "3 of 5 answers right (2 unanswered); 4 of 7 points (57%)\n",
             said: ["error: the key's network 'first' is not on this sheet"]),
        Case(name: "unnamed networks in the other order are found by INPUT and layers",
             sheet: """
                 INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 156} -> POOL(2) {12x12x6}
                 INPUT[32x32x3] -> CONV(8,5,s1,p2) {32x32x8} -> POOL(2) {16x16x8}
                 """,
             summary: "5 of 5 answers right; 7 of 7 points (100%)\n",
             said: []),
        Case(name: "a name finds a network even with another INPUT",
             sheet: """
                 second = INPUT[30x30x1] -> CONV(6,5) {26x26x6, params: 156} -> POOL(2) {13x13x6}
                 first = INPUT[32x32x3] -> CONV(8,5,s1,p2) {32x32x8} -> POOL(2) {16x16x8}
                 """,
             summary: "4 of 5 answers right (1 by follow-through); 6 of 7 points (86%)\n",
             said: ["error: the network 'second' differs from the key's: INPUT[30x30x1] here, INPUT[28x28x1] in the key"]),
        Case(name: "a network that is none of the key's is said to be left ungraded",
             sheet: """
                 first = INPUT[32x32x3] -> CONV(8,5,s1,p2) {32x32x8} -> POOL(2) {16x16x8}
                 second = INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 156} -> POOL(2) {12x12x6}
                 INPUT[8x8x1] -> FC(2) {params: 18}
                 """,
             summary: "5 of 5 answers right; 7 of 7 points (100%)\n",
             said: ["warning: the network 'sheet' is none of the key's ('first', 'second'); its 1 answer is not graded"]),
        Case(name: "an answer the key does not ask for is a note",
             sheet: """
                 first = INPUT[32x32x3] -> CONV(8,5,s1,p2) {32x32x8, params: 608} -> POOL(2) {16x16x8}
                 second = INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 156} -> POOL(2) {12x12x6}
                 """,
             summary: "5 of 5 answers right; 7 of 7 points (100%)\n",
             said: ["note: the key does not ask for CONV1 params; that answer is not graded"]),
        Case(name: "the sheet's units and tolerance are not how it is read (its 50% would take 100 for 156)",
             sheet: """
                 @units 1000
                 @tolerance 50%
                 first = INPUT[32x32x3] -> CONV(8,5,s1,p2) {32x32x8} -> POOL(2) {16x16x8}
                 second = INPUT[28x28x1] -> CONV(6,5) {24x24x6, params: 100} -> POOL(2) {12x12x6}
                 """,
             summary: "4 of 5 answers right; 6 of 7 points (86%)\n",
             said: ["warning: @units 1000 is not the key's, and is not how this sheet is read",
                    "warning: @tolerance 50% is not the key's, and is not how this sheet is read"]),
    ]

    @Test(arguments: cases)
    func aSheetIsGradedOnTheKeysTerms(_ test: Case) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-keyrules-\(getpid())-\(abs(test.name.hashValue))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.net").path
        try Self.key.write(toFile: key, atomically: true, encoding: .utf8)
        let sheet = directory.appendingPathComponent("sheet.net").path
        try test.sheet.write(toFile: sheet, atomically: true, encoding: .utf8)
        let outcome = runNetCalc(["check", "--key", key, sheet])
        #expect(outcome.standardOutput.hasSuffix(test.summary), "\(outcome.standardOutput)")
        #expect(!outcome.standardOutput.hasPrefix("no key"))
        for fragment in test.said {
            #expect(outcome.standardError.contains(fragment), "\(outcome.standardError)")
        }
        if test.said.isEmpty { #expect(outcome.standardError == "") }
    }

    /// An edit that stops the sheet's analysis (the branch cannot be added to the identity): the network
    /// is still found, read beside the key's place by place, and every answer graded against the key.
    @Test func aSheetThatCannotBeAnalyzedIsGradedPlaceByPlace() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netcalc-keyrules-broken-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.net").path
        try "INPUT[8x8x4] -> CONV(4,3,p1) {8x8x4} -> ADD(CONV(4,3,p1) {8x8x4} | ID) {8x8x4, points: 2}".write(toFile: key, atomically: true, encoding: .utf8)
        let sheet = directory.appendingPathComponent("sheet.net").path
        try "INPUT[8x8x4] -> CONV(4,3,p1) {8x8x4} -> ADD(CONV(2,3,p1) {8x8x2} | ID) {8x8x4}".write(toFile: sheet, atomically: true, encoding: .utf8)
        let outcome = runNetCalc(["check", "--key", key, sheet])
        #expect(outcome.standardOutput.hasSuffix("2 of 3 answers right; 3 of 4 points (75%)\n"), "\(outcome.standardOutput)")
        #expect(outcome.standardError.contains("note: the network 'key' cannot be analyzed as this sheet writes it"))
        #expect(outcome.standardError.contains("error: the network 'key' differs from the key's: CONV2 is CONV(2,3,p1) here, CONV(4,3,p1) in the key"))
        #expect(!outcome.standardError.contains("is not on this sheet"))
    }

    @Test func withoutAKeyTheFirstLineSaysWhatTheGradesRestOn() {
        let outcome = runNetCalc(["check", "-"], standardInput: "INPUT[8x8x1] -> CONV(1,3) {6x6x1, points: 1000}")
        #expect(outcome.standardOutput.hasPrefix("no key: graded against the sheet's own network, settings and points"))
        #expect(outcome.standardOutput.hasSuffix("1,000 of 1,000 points (100%)\n"))
        let json = runNetCalc(["check", "--format", "json", "-"], standardInput: "INPUT[8x8x1] -> CONV(1,3) {6x6x1}")
        #expect(json.standardOutput.hasPrefix("{"))
    }

    @Test(arguments: [
        ("INPUT[32x32x3] -> CONV(8,3) -> POOL(2)", "INPUT[32x32x3] -> CONV(8,5) -> FC(2)", 1 as Int?),
        ("INPUT[32x32x3] -> CONV(8,3) -> POOL(2)", "INPUT[16x16x3] -> CONV(8,3) -> POOL(2)", 2),
        ("INPUT[32x32x3] -> CONV(8,3) -> POOL(2)", "INPUT[16x16x3] -> CONV(8,5) -> FC(2)", nil),
        ("INPUT[32x32x3] -> CONV(8,3) -> POOL(2)", "INPUT[32x32x3] -> CONV(8,3) -> POOL(2)", 3),
    ])
    func likenessCountsTheInputAndEachLayerAlike(_ key: String, _ sheet: String, _ likeness: Int?) throws {
        func network(_ text: String) throws -> GradingNetwork {
            let file = SourceFile(name: "x.net", text: text)
            var parser = Parser(file: file)
            let syntax = parser.parse()
            let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
            let (answered, _) = Checker(file: file, syntax: syntax).read(networks)
            return try #require(answered.first).grading
        }
        #expect(NetworkPairing.likeness(try network(key), try network(sheet)) == likeness)
    }
}
