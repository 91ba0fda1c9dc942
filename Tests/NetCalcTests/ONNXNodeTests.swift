import Foundation
import Testing
@testable import NetCalc

/// The ONNX backend node tests (the `onnx` package's per-operator test cases) that use only netcalc's CNN
/// operators: each model, and `manifest.json` with its expected output dims and netcalc's status when the
/// manifest was written. `python3 tools/onnx_node_tests.py --write-fixtures` writes them (its docstring says
/// how the tests are chosen and compared); these tests check the same things without Python.
let onnxNodeFixtures = "Tests/NetCalcTests/Fixtures/onnx-node/"

/// One node test of the manifest.
struct ONNXNodeCase: Decodable, Sendable, CustomTestStringConvertible {
    let test: String
    let file: String
    let operators: [String]
    let attributes: [String]
    /// The graph outputs' dims in ONNX's order, batch first; nil when neither the test data nor the graph
    /// gives them.
    let outputs: [[Int]?]
    /// The row netcalc names after the node writing the first graph output, if a node writes it.
    let finalRow: String?
    /// The rows named after a node (or the graph input) and the dims of the tensor each holds.
    let rows: [String: [Int]]
    /// `agree`, `refused` or `disagree`, with today's netcalc.
    let status: String
    /// A refusal's first error, without the file name.
    let message: String?
    /// False for a refusal whose message names none of the test's operators and attributes.
    let namesOperatorOrAttribute: Bool?

    var testDescription: String { test }
}

struct ONNXNodeManifest: Decodable {
    let onnx: String
    let tests: [ONNXNodeCase]
}

/// What netcalc makes of a node test.
enum ONNXNodeVerdict {
    case agree
    case refused(String)
    case disagree([String])
}

@Suite struct ONNXNodeTests {
    static let manifest: ONNXNodeManifest? = {
        guard let data = FileManager.default.contents(atPath: packageRoot + "/" + onnxNodeFixtures + "manifest.json") else {
            return nil
        }
        return try? JSONDecoder().decode(ONNXNodeManifest.self, from: data)
    }()

    static let cases: [ONNXNodeCase] = manifest?.tests ?? []

    /// An ONNX tensor (N, C, S1, ..., Sk) in netcalc's order [Sk, ..., S1, C] for k from 1 to 3; (N, C) is
    /// [1, 1, C]; nil below rank 2 and above rank 5, which netcalc refuses (a rank-1 input has no batch and
    /// channels to tell apart from its length) and its order cannot write.
    static func netcalcOrder(_ dims: [Int]) -> [Int]? {
        guard (2...5).contains(dims.count) else { return nil }
        if dims.count == 2 { return [1, 1, dims[1]] }
        return Array(dims[2...].reversed()) + [dims[1]]
    }

    /// A shape with the 1s at the end of its spatial part dropped: netcalc writes a vector at its network's
    /// rank ([1, C], [1, 1, C], [1, 1, 1, C]), all of them the (N, C) of ONNX.
    static func canonical(_ shape: [Int]) -> [Int] {
        guard let channels = shape.last else { return [] }
        var spatial = Array(shape.dropLast())
        while spatial.last == 1 { spatial.removeLast() }
        return spatial + [channels]
    }

    static func sameShape(_ got: [Int]?, _ dims: [Int]?) -> Bool {
        guard let got, !got.isEmpty, let dims, let expected = netcalcOrder(dims) else { return false }
        return canonical(got) == canonical(expected)
    }

    /// True when the message names one of the test's operators or attributes, as a whole word.
    static func namesOperatorOrAttribute(_ message: String, _ test: ONNXNodeCase) -> Bool {
        var words: Set<String> = []
        var word = ""
        for character in message + " " {
            if character.isASCII, character.isLetter || character.isNumber || character == "_" {
                word.append(character)
            } else {
                if let first = word.first, !first.isNumber { words.insert(word) }
                word = ""
            }
        }
        return !words.isDisjoint(with: test.operators + test.attributes)
    }

    /// Runs `netcalc --format json` on the fixture in-process and compares its rows with the test's dims.
    static func verdict(_ test: ONNXNodeCase) -> ONNXNodeVerdict {
        let path = onnxNodeFixtures + test.file
        let outcome = runNetCalc(["--format", "json", path])
        let document = (try? JSONSerialization.jsonObject(with: Data(outcome.standardOutputBytes))) as? [String: Any]
        let errors = document?["errors"] as? [[String: Any]] ?? []
        let networks = document?["networks"] as? [[String: Any]] ?? []
        // The message with the node it is about, as the manifest records it: `node 'sum' (Add) reads ...`.
        let firstError = errors.first { $0["severity"] as? String == "error" }.map { error -> String in
            let message = error["message"] as? String ?? ""
            guard let node = error["node"] as? [String: Any] else { return message }
            return "node '\(node["name"] as? String ?? "")' (\(node["op"] as? String ?? "")) " + message
        }
        if outcome.status != 0 || firstError != nil || networks.isEmpty {
            var message = firstError
                ?? outcome.standardError.split(separator: "\n").first.map(String.init)
                ?? "exit status \(outcome.status) and no message"
            if message.hasPrefix("netcalc: error: ") { message.removeFirst("netcalc: error: ".count) }
            if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
            return .refused(message)
        }
        let network = networks[0]
        let layers = network["layers"] as? [[String: Any]] ?? []
        guard let last = layers.last else { return .disagree(["netcalc succeeded with no rows"]) }
        var byName: [String: [String: Any]] = [:]
        for layer in layers {
            if let name = layer["name"] as? String, byName[name] == nil { byName[name] = layer }
        }
        var mismatches: [String] = []
        let expected = test.outputs.first ?? nil
        let final = test.finalRow.flatMap { byName[$0] } ?? last
        let finalShape = final["output"] as? [Int]
        if !sameShape(finalShape, expected) {
            mismatches.append("final output: row '\(final["name"] as? String ?? "?")' is \(finalShape ?? []), the test expects \(expected.map { "\($0)" } ?? "no dims")")
        }
        let batch = (network["settings"] as? [String: Any])?["batch"] as? Int
        if let expected, expected.count >= 2, batch != expected[0] {
            mismatches.append("batch: netcalc's is \(batch.map(String.init) ?? "none"), the output's N is \(expected[0])")
        }
        for (name, dims) in test.rows.sorted(by: { $0.key < $1.key }) {
            guard let layer = byName[name] else { continue }
            let shape = layer["output"] as? [Int]
            if !sameShape(shape, dims) { mismatches.append("row '\(name)' is \(shape ?? []), the tensor is \(dims)") }
        }
        return mismatches.isEmpty ? .agree : .disagree(mismatches)
    }

    /// The manifest is there, lists every model of the folder, and records no disagreement.
    @Test func manifestListsEveryFixture() throws {
        let manifest = try #require(Self.manifest, "no readable \(onnxNodeFixtures)manifest.json")
        let files = try FileManager.default.contentsOfDirectory(atPath: packageRoot + "/" + onnxNodeFixtures)
        #expect(Set(files.filter { $0.hasSuffix(".onnx") }) == Set(manifest.tests.map(\.file)))
        #expect(!manifest.tests.isEmpty)
        #expect(Set(manifest.tests.map(\.status)).isSubset(of: ["agree", "refused", "disagree"]))
        #expect(manifest.tests.filter { $0.status == "disagree" }.map(\.test) == [])
    }

    /// Every refusal names one of the test's operators or attributes: the manifest's refusals that name
    /// neither are one known issue, listed.
    @Test func refusalsNameAnOperatorOrAttribute() {
        let unnamed = Self.cases.filter { $0.status == "refused" && $0.namesOperatorOrAttribute == false }
        for test in Self.cases where test.status == "refused" && test.namesOperatorOrAttribute != false {
            #expect(test.message.map { Self.namesOperatorOrAttribute($0, test) } == true, "\(test.test): \(test.message ?? "no message")")
        }
        guard !unnamed.isEmpty else { return }
        let reasons = Dictionary(grouping: unnamed) { $0.message.map(Self.withoutNames) ?? "" }
        withKnownIssue("refusals that name none of the test's operators or attributes") {
            Issue.record(Comment(rawValue: "\(unnamed.count) refusals name none of their test's operators or attributes:\n"
                + reasons.sorted { $0.value.count > $1.value.count }
                    .map { "\($0.value.count) x \($0.key) (\($0.value.prefix(3).map(\.test).joined(separator: ", "))\($0.value.count > 3 ? ", ..." : ""))" }
                    .joined(separator: "\n")))
        }
    }

    /// A message with its quoted names replaced by `_`, to group refusals.
    static func withoutNames(_ message: String) -> String {
        var result = ""
        var quoted = false
        var previous: Character = " "
        for character in message {
            if character == "'" && (quoted || !previous.isLetter) {
                if !quoted { result += "'_'" }
                quoted.toggle()
            } else if !quoted {
                result.append(character)
            }
            previous = character
        }
        return result
    }

    /// An `agree` test gives exactly its shapes; a `refused` one is refused naming one of its operators or
    /// attributes (or, for today's refusals that name neither, with today's message); none disagrees. A change of status
    /// fails here: rerun `python3 tools/onnx_node_tests.py --write-fixtures` to record the new ones.
    @Test(arguments: cases) func nodeTest(_ test: ONNXNodeCase) {
        let verdict = Self.verdict(test)
        switch (test.status, verdict) {
        case (_, .disagree(let mismatches)):
            Issue.record("\(test.test) disagrees: \(mismatches.joined(separator: "; "))")
        case ("agree", .agree):
            break
        case ("agree", .refused(let message)):
            Issue.record("\(test.test) agreed and is now refused: \(message)")
        case ("refused", .agree):
            Issue.record("\(test.test) now agrees: record it (python3 tools/onnx_node_tests.py --write-fixtures)")
        case ("refused", .refused(let message)):
            if test.namesOperatorOrAttribute == false {
                // A known issue (see refusalsNameAnOperatorOrAttribute): held to today's message, so that a
                // better one is noticed and recorded.
                #expect(message == test.message, "\(test.test)'s refusal changed: record it (python3 tools/onnx_node_tests.py --write-fixtures)")
            } else {
                #expect(Self.namesOperatorOrAttribute(message, test),
                        "\(test.test)'s refusal names none of \(test.operators + test.attributes): \(message)")
            }
        default:
            Issue.record("\(test.test) has the status \(test.status) in the manifest, and netcalc's verdict is \(verdict)")
        }
    }
}
