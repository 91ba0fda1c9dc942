import Foundation
import Testing
@testable import NetCalc

/// Quizzes a class can be given: every seed a sheet of its own, the notes' AlexNet question on many
/// inputs, and nothing on a student's sheet that prints its answers (the seed, the command).
@Suite struct QuizVarietyTests {
    /// The sheet a seed gives, as a student sees it.
    static func sheet(_ template: QuizTemplate, seed: UInt64, level: Int = 1, format: QuizFormat = .spec, key: Bool = false) -> String {
        var settings = QuizSettings()
        settings.template = template
        settings.seed = seed
        settings.level = level
        settings.format = format
        settings.key = key
        return QuizMaker(settings: settings).render()
    }

    /// Seeds 8 and 28 gave the same sheet; now no two of the first 1,000 seeds do, for any template.
    @Test(arguments: QuizTemplate.allCases)
    func theFirstThousandSeedsGiveThousandSheets(_ template: QuizTemplate) {
        var seen: [String: UInt64] = [:]
        for seed in UInt64(1)...1000 {
            let text = Self.sheet(template, seed: seed)
            if let other = seen[text] {
                Issue.record("\(template.rawValue): seeds \(other) and \(seed) give the same sheet")
                return
            }
            seen[text] = seed
        }
    }

    @Test(arguments: [2, 3])
    func everyLevelVaries(_ level: Int) {
        let sheets = Set((UInt64(1)...1000).map { Self.sheet(.any, seed: $0, level: level) })
        #expect(sheets.count == 1000)
    }

    /// 5 of 30 seeds were AlexNet's CONV1 on 235x235; now the input, kernel and stride vary: in 30
    /// seeds (of the template, or of any) no input comes up more than three times, and no kernel and
    /// stride on one input more than twice.
    @Test(arguments: [QuizTemplate.alexnetConv1, .any])
    func theAlexNetQuestionVaries(_ template: QuizTemplate) throws {
        var inputs: [String: Int] = [:]
        var questions: [String: Int] = [:]
        var windows = Set<String>()
        for seed in UInt64(1)...30 {
            let text = Self.sheet(template, seed: seed)
            guard text.contains("CONV1 (") else { continue }
            let header = try #require(text.split(separator: "\n").first)
            let input = try #require(header.components(separatedBy: " on a ").last)
            let window = try #require(header.components(separatedBy: " filters of ").last?.components(separatedBy: ")").first)
            inputs[input, default: 0] += 1
            questions[window + " " + input, default: 0] += 1
            windows.insert(window)
        }
        #expect(inputs.values.allSatisfy { $0 <= 3 }, "\(inputs)")
        #expect(questions.values.allSatisfy { $0 <= 2 }, "\(questions)")
        if template == .alexnetConv1 {
            #expect(inputs.count >= 20)
            #expect(windows.count == 4, "\(windows)")
        }
    }

    /// A student's sheet, as a spec, in Markdown or in HTML, carries no seed and no command that would
    /// print it (or its key) again; the key carries both, and its commands print the sheet and the key.
    @Test(arguments: QuizFormat.allCases)
    func aStudentsSheetDoesNotLeadToItsKey(_ format: QuizFormat) throws {
        for seed in UInt64(1)...40 {
            let template = QuizTemplate.allCases[Int(seed) % QuizTemplate.allCases.count]
            let text = Self.sheet(template, seed: seed, level: 1 + Int(seed % 3), format: format)
            #expect(!text.lowercased().contains("seed"), "seed \(seed):\n\(text)")
            #expect(!text.contains("netcalc quiz --"), "seed \(seed):\n\(text)")
            #expect(!text.contains("--key"), "seed \(seed):\n\(text)")
        }
        let key = Self.sheet(.lenet, seed: 77, level: 2, format: format, key: true)
        #expect(key.contains("seed 77") || key.contains("Seed 77"))
        let sheetCommand = "netcalc quiz --seed 77 --level 2 --template lenet"
        #expect(key.contains(sheetCommand))
        #expect(key.contains(sheetCommand + " --key"))
        let arguments = Array(sheetCommand.split(separator: " ").dropFirst().map(String.init))
        #expect(runNetCalc(arguments).standardOutput == Self.sheet(.lenet, seed: 77, level: 2))
        #expect(runNetCalc(arguments + ["--key"]).standardOutput == Self.sheet(.lenet, seed: 77, level: 2, key: true))
    }

    /// Combinations are a bijection of the first seeds: 2 x 3 x 5 choices, 30 seeds, 30 combinations,
    /// and consecutive seeds differ in more than their first choice.
    @Test func combinationsAreEachTakenOnce() {
        let counts = [2, 3, 5]
        let taken = (UInt64(0)..<30).map { QuizCombination(seed: $0, counts: counts).digits }
        #expect(Set(taken).count == 30)
        #expect(taken.allSatisfy { zip($0, counts).allSatisfy { $0 < $1 } })
        #expect(zip(taken, taken.dropFirst()).filter { $0.0.dropFirst() == $0.1.dropFirst() }.count < 5)
        #expect(QuizCombination(seed: 31, counts: counts).digits == QuizCombination(seed: 1, counts: counts).digits)
    }
}
