import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import NetCalc

/// `netcalc check`, `--explain` and `netcalc quiz`.
@Suite struct TeachingTests {
    /// Grades one answer list written after the last layer of `spec`; returns the verdicts.
    func check(_ spec: String) -> [Verdict] {
        let file = SourceFile(name: "<test>", text: spec)
        var parser = Parser(file: file)
        let syntax = parser.parse()
        let (networks, _) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
        return Checker(file: file, syntax: syntax).grade(networks).verdicts
    }

    @Test(arguments: [
        ("34944", true), ("34,944", true), ("34_944", true), ("35K", true), ("34.9K", true), ("(11*11*3)*96 + 96", true),
        ("34848", false), ("35000", false), ("34.8K", false), ("0.03M", true), ("35k", true),
    ])
    func numbersAreJudgedToTheirPrecision(_ answer: String, _ right: Bool) {
        let verdicts = check("INPUT[227x227x3] -> CONV(96,11,s4) {params: \(answer)}")
        #expect(verdicts.first?.outcome == (right ? .right : .wrong), "\(answer)")
    }

    @Test(arguments: [
        ("memory: 3.2M", true), ("memory: 3,211,264", true), ("memory: 224*224*64", true), ("memory: 224x224x64", true),
        ("memory: 3M", true), ("memory: 3.21M", true), ("memory: 3.3M", false), ("bytes: 12.8MB", true),
        ("bytes: 12.25MiB", true), ("bytes: 12MiB", true), ("bytes: 13MiB", false), ("bytes: 12845056", true),
    ])
    func abbreviationsAndUnits(_ answer: String, _ right: Bool) {
        let verdicts = check("INPUT[224x224x3] -> CONV(64,3,p1) {\(answer)}")
        #expect(verdicts.first?.outcome == (right ? .right : .wrong), "\(answer)")
    }

    @Test func theNotesTotalOf24MIsWrong() {
        let vgg = ReferenceTests.vgg16.replacingOccurrences(of: "FC(1000)", with: "FC(1000)\ntotal {memory: 24M, params: 138M}")
        let verdicts = check(vgg)
        #expect(verdicts.map(\.outcome) == [.wrong, .right])
        #expect(verdicts[0].expected == "15,237,608")
        #expect(verdicts[0].formula.hasPrefix("memory = the sum of the rows: 150,528 + 3,211,264"))
    }

    /// Every recognised mistake, named in the verdict; the answer stays wrong.
    @Test(arguments: [
        ("INPUT[227x227x3] -> CONV(96,11,s4) {params: 34848}", "the biases are left out"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {params: 11*11*96 + 96}", "the input depth is left out"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {weights: 34944}", "the biases are counted"),
        ("INPUT[7x7x1] -> CONV(1,3,p1) {5x5x1}", "the padding is left out"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {54x54x96}", "the +1 is forgotten"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {14x14x96}", "the stride is applied twice"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {217x217x96}", "the stride is not applied"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {55x55x3}", "the depth is the number of filters"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {bytes: 290400}", "values given where bytes were asked"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {memory: 1161600}", "bytes given where values were asked"),
        ("INPUT[224x224x3] -> CONV(64,3,p1) {bytes: 12.8MiB}", "1024 for 1000"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {fwd+bwd: 1161600}", "forward only"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {macs: 105705600}", "the bias additions are counted"),
        ("INPUT[227x227x3] -> CONV(96,11,s4) {macs: 210830400}", "FLOPs (2 x MACs)"),
        ("INPUT[7x7x1] -> CONV(1,3,s3) {2x2x1}", "is the floor (PyTorch) result"),
        ("INPUT[7x7x1] -> CONV(1,3,s3) {3x3x1}", "is the ceil (Caffe pooling) result"),
        ("INPUT[8x8x16] -> BN {params: 64}", "running mean and variance are counted"),
    ])
    func mistakesAreNamed(_ spec: String, _ mistake: String) throws {
        let verdict = try #require(check(spec).first)
        #expect(verdict.outcome == .wrong)
        #expect(verdict.mistake?.contains(mistake) == true, "\(verdict.mistake ?? "no mistake named")")
    }

    @Test func layersThatDoNotFitAreAnsweredInvalid() {
        #expect(check("INPUT[7x7x1] -> CONV(1,3,s3) {invalid}").map(\.outcome) == [.right])
        #expect(check("INPUT[7x7x1] -> CONV(1,3,s2) {invalid}").map(\.outcome) == [.wrong])
        // After a layer that does not fit, sizes are invalid too; a size answered there is wrong.
        #expect(check("INPUT[7x7x1] -> CONV(1,3,s3) {invalid} -> RELU {2x2x1}").map(\.outcome) == [.right, .wrong])
        #expect(check("INPUT[7x7x1] -> CONV(1,3,s3) {invalid} -> RELU {invalid}").map(\.outcome) == [.right, .right])
    }

    @Test func checkCommandExitsAndSummarises() {
        let spec = "INPUT[227x227x3] -> CONV(96,11,s4) {55x55x96, params: 34848}"
        let outcome = runNetCalc(["check", "-"], standardInput: spec)
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains("<stdin>:1:37: right: CONV1 shape 55x55x96"))
        #expect(outcome.standardOutput.contains("wrong: CONV1 params 34848; the answer is 34,944"))
        #expect(outcome.standardOutput.contains("  params = (11*11*3)*96 + 96 = 34,944"))
        #expect(outcome.standardOutput.hasSuffix("1 of 2 answers right\n"))
        let allRight = runNetCalc(["check", "-"], standardInput: "INPUT[7x7x1] -> CONV(1,3,s2) {3x3x1}")
        #expect(allRight.status == 0)
        let none = runNetCalc(["check", "-"], standardInput: "INPUT[7x7x1] -> CONV(1,3,s2)")
        #expect(none.status == 1)
        #expect(none.standardError.contains("there are no answers to check"))
    }

    @Test func checkJSONForAutoGraders() throws {
        let outcome = runNetCalc(["check", "--format", "json", "-"],
                                 standardInput: "INPUT[227x227x3] -> CONV(96,11,s4) {55x55x96, params: 34848}")
        let object = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        #expect(object?["right"] as? Int == 1)
        #expect(object?["total"] as? Int == 2)
        let answers = try #require(object?["answers"] as? [[String: Any]])
        #expect(answers[1]["verdict"] as? String == "wrong")
        #expect(answers[1]["expected"] as? String == "34,944")
        #expect((answers[1]["mistake"] as? String)?.contains("biases") == true)
        #expect(answers[1]["column"] as? Int == 55)
    }

    @Test func misspelledKeysAreReadAsTheClosestAndUnknownOnesAreErrors() {
        let outcome = runNetCalc(["check", "-"], standardInput: "INPUT[8x8x3] -> CONV(4,3) {paramz: 112, 6x6}")
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.contains("right: CONV1 params 112\n  'paramz' read as params\n"))
        let unknown = runNetCalc(["check", "-"], standardInput: "INPUT[8x8x3] -> CONV(4,3) {colour: 112, 6x6x4}")
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("unknown answer key 'colour'"))
    }

    @Test func explainShowsTheNotesFormulas() throws {
        let outcome = runNetCalc(["--explain", "specs/alexnet.net"])
        let text = outcome.standardOutput
        #expect(text.contains("W2 = (227 - 11 + 2*0)/4 + 1 = 55; H2 the same; D2 = K = 96"))
        #expect(text.contains("params = (11*11*3)*96 + 96 = 34,944"))
        #expect(text.contains("memory = 55*55*96 = 290,400 values"))
        #expect(text.contains("bytes = 290,400 values x 4 bytes (fp32) = 1,161,600 bytes"))
        #expect(text.contains("MACs = 55*55*96 outputs x (11*11*3) = 105,415,200"))
        #expect(text.contains("im2col: input columns 363 x 3025 (11*11*3 by 55*55), weights 96 x 363, product 96 x 3025"))
        #expect(text.contains("rf = rf1 + (F - 1)*jump1 = 1 + (11 - 1)*1 = 11; jump = 1*4 = 4"))
        let json = runNetCalc(["--explain", "--format", "json", "specs/alexnet.net"])
        #expect(json.standardOutput.contains("\"im2col: input columns 363 x 3025"))
    }

    @Test func explainSaysHowSizesWereRounded() {
        let text = runNetCalc(["--explain", "--rounding", "floor", "-e", "INPUT[224x224x3] -> CONV(96,11,s4)"]).standardOutput
        #expect(text.contains("W2 = (224 - 11 + 2*0)/4 + 1 = 54.25, rounded down to 54"))
    }

    /// Every generated key passes its own check, and every blank sheet is all unanswered: 1,000 seeds over
    /// every template and the three levels.
    @Test func quizKeysPassTheirOwnCheck() {
        let templates = QuizTemplate.allCases
        var seen = Set<QuizTemplate>()
        for seed in 1...1000 {
            var settings = QuizSettings()
            settings.seed = UInt64(seed)
            settings.level = 1 + seed % 3
            settings.template = templates[seed % templates.count]
            if seed % 7 == 0 { settings.layers = 1 + seed % 6 }
            let blank = QuizMaker(settings: settings).sheet()
            settings.key = true
            let sheet = QuizMaker(settings: settings).sheet()
            let file = SourceFile(name: "<test>", text: sheet)
            var parser = Parser(file: file)
            let syntax = parser.parse()
            let (networks, analysis) = Analyzer(spec: syntax, overrides: SettingsOverride(), checkMode: true).analyze()
            let (verdicts, answers) = Checker(file: file, syntax: syntax).grade(networks)
            let wrong = verdicts.filter { $0.outcome != .right }
            let problems = parser.diagnostics.items + analysis.items + answers.items
            #expect(!verdicts.isEmpty && wrong.isEmpty && problems.isEmpty,
                    "seed \(seed): \(wrong.first.map { "\($0.layer) \($0.key) \($0.answer) vs \($0.expected)" } ?? problems.first?.message ?? "no answers")\n\(sheet)")
            let unanswered = check(blank)
            #expect(unanswered.count == verdicts.count && unanswered.allSatisfy { $0.outcome == .unanswered }, "seed \(seed)\n\(blank)")
            seen.insert(QuizMaker(settings: settings).blank().template)
            if !wrong.isEmpty || verdicts.isEmpty || !problems.isEmpty { break }
        }
        #expect(seen == Set(templates.filter { $0 != .any }), "every template is drawn")
    }

    /// The worksheets: a blank line for every question, the key's values in the same places, and HTML
    /// that parses as XML.
    @Test(arguments: QuizTemplate.allCases)
    func worksheetsHoldEveryQuestion(_ template: QuizTemplate) throws {
        var settings = QuizSettings()
        settings.template = template
        settings.level = 2
        settings.seed = 11
        let spec = QuizMaker(settings: settings).sheet()
        let questions = spec.components(separatedBy: ": _").count - 1
        settings.format = .markdown
        let markdown = QuizMaker(settings: settings).render()
        let cells = markdown.split(separator: "\n").filter { !$0.hasPrefix("Name:") }.joined(separator: "\n")
        #expect(cells.components(separatedBy: "\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_").count - 1 == questions)
        settings.format = .html
        let html = QuizMaker(settings: settings).render()
        #expect(html.components(separatedBy: "class=\"blank\"").count - 1 == questions)
        let parser = XMLParser(data: Data(html.replacingOccurrences(of: "<!DOCTYPE html>", with: "").utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        settings.key = true
        let key = QuizMaker(settings: settings).render()
        #expect(key.components(separatedBy: "class=\"answer\"").count - 1 == questions)
        settings.format = .spec
        let answers = QuizMaker(settings: settings).sheet()
        #expect(!answers.contains(": _"))
    }

    @Test func quizSheetsAreBlankAndReproducible() {
        let first = runNetCalc(["quiz", "--seed", "42", "--level", "2"])
        #expect(first.status == 0)
        #expect(first.standardOutput == runNetCalc(["quiz", "--seed", "42", "--level", "2"]).standardOutput)
        #expect(first.standardOutput.contains(": _"))
        let graded = runNetCalc(["check", "-"], standardInput: first.standardOutput)
        #expect(graded.status == 1)
        #expect(graded.standardOutput.contains("unanswered"))
        #expect(runNetCalc(["quiz", "--level", "4"]).status == 2)
    }
}

/// Answers that must not crash: deep parentheses, numbers past 128 bits, division by zero.
@Suite struct AnswerHardeningTests {
    @Test(arguments: [
        String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
        "99999999999999999999999999999999999999999999", "1/0", "9999999999999999999*9999999999999999999*99999999999",
        "170141183460469231731687303715884105727K", "1.5.5", "--1", "(", ")", "K", "MiB",
    ])
    func badNumbersAreErrorsOrWrong(_ answer: String) {
        let outcome = runNetCalc(["check", "-"], standardInput: "INPUT[8x8x3] -> CONV(4,3) {params: \(answer)}")
        #expect(outcome.status == 1)
    }
}
