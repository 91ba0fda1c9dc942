import Foundation
import Testing
@testable import NetCalc

/// Hostile and careless input: every trap found so far is a diagnostic, and the inputs that used to
/// take minutes give their answer (their time is measured by bench/run.sh, not here).
@Suite struct HardeningTests {
    /// Each used to stop netcalc with a Swift runtime failure (exit 132).
    @Test(arguments: [
        (["-e", "INPUT[8x8x1] -> CONV((-9223372036854775807-1)/-1,1)"], "the expression overflows 64 bits"),
        (["-e", "f(a,b) = CONV(a/b,1)\nINPUT[8x8x1] -> f(0-9223372036854775807-1, 0-1)"], "the expression overflows 64 bits"),
        (["-e", "INPUT[32x32x1] -> CONV(1,1,s9223372036854775807)"], "is not a whole number"),
        (["-e", "INPUT[92233720368547759x1x1] -> CONV(1,1,s100000000000000000)"], "is not a whole number"),
        (["--emit", "pytorch", "-e", "INPUT[8x8x1] -> CONV(1,3,d4611686018427387903,p=same)"], ""),
        (["check", "-e", "@rounding floor\nINPUT[8x8x3] -> CONV(4,3,s4294967296) {2x2x4}"], ""),
    ])
    func formerTrapsAreDiagnostics(_ arguments: [String], _ message: String) {
        let outcome = runNetCalc(arguments)
        #expect(outcome.status <= 2)
        if !message.isEmpty { #expect(outcome.standardError.contains(message), "\(outcome.standardError)") }
    }

    /// A rounded quotient is never shown as if it were exact.
    @Test func aTinyRemainderIsShownAsAFraction() {
        let message = runNetCalc(["-e", "INPUT[32x32x1] -> CONV(1,1,s9223372036854775743)"]).standardError
        #expect(message.contains("= 1 + 31/9223372036854775743 is not a whole number"))
        #expect(WindowAxis.decimal(span: 213, stride: 4) == "54.25")
    }

    @Test func exactDivisionNeverTraps() {
        #expect(exactDivide(Int.min, -1) == .overflow)
        #expect(exactDivide(7, 0) == .byZero)
        #expect(exactDivide(7, 2) == .inexact)
        #expect(exactDivide(-8, -1) == .exact(8))
        #expect(exactDivide(Int.min, 2) == .exact(Int.min / 2))
        #expect((CheckedInt(Int.max) + 1).value == nil)
        #expect((CheckedInt(Int.max) * 2 - Int.max).value == nil)
        #expect((CheckedInt(6) * 7 - 2).value == 40)
    }

    /// Blocks that each use the previous one twice: the size is known before expanding, and the error
    /// points at the use that crosses the limit.
    @Test func doublingBlocksStopAtOnce() {
        var text = "b0 = RELU\n"
        for level in 1...60 { text += "b\(level) = b\(level - 1) -> b\(level - 1)\n" }
        text += "INPUT[8x8x1] -> b60\n"
        let messages = errors(text)
        #expect(messages == ["b60 expands to 1,152,921,504,606,846,976 layers, more than the 2,000,000 netcalc analyzes in a network"])
    }

    /// A million unknown names: the first hundred are shown, the work stops soon after.
    @Test func aFloodOfErrorsIsCappedInWork() {
        let text = "INPUT[8x8x1]" + String(repeating: " -> FOO", count: 200_000)
        let (_, diagnostics) = analyze(text)
        #expect(diagnostics.count <= DiagnosticList.limit)
        let outcome = runNetCalc(["-e", text])
        #expect(outcome.standardError.contains("more errors not shown"))
        #expect(outcome.standardError.components(separatedBy: "error: unknown layer").count - 1 == 100)
    }

    /// Columns on a long line are found without counting from the line's start each time.
    @Test func columnsOnLongLinesAreExact() {
        let text = String(repeating: "é", count: 10_000) + "x" + String(repeating: "a", count: 9_000) + "y"
        let file = SourceFile(name: "t", text: text)
        let x = Array(text.utf8).firstIndex(of: UInt8(ascii: "x"))!
        let y = Array(text.utf8).firstIndex(of: UInt8(ascii: "y"))!
        #expect(file.location(of: x) == (1, 10_001))
        #expect(file.location(of: y) == (1, 19_002))
        let window = file.lineWindow(around: y, radius: 10)
        #expect(window.text.hasSuffix("y"))
        #expect(window.firstColumn == 19_002 - window.text.count + 1)
        #expect(window.cutBefore && !window.cutAfter)
    }

    @Test func manyAnswersOnOneLineStayLinear() {
        let text = "INPUT[8x8x1]" + String(repeating: " -> RELU {8x8x1}", count: 20_000)
        let outcome = runNetCalc(["check", "-e", text])
        #expect(outcome.standardOutput.contains("20000 of 20000 answers right"))
    }
}
