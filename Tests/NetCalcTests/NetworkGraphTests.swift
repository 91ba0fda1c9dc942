import Testing
@testable import NetCalc

/// The one evaluation every network goes through, fed graph nodes by hand: the rows a spec's lowering
/// and a model file's graph would give.
@Suite struct NetworkGraphTests {
    static let file = SourceFile(name: "graph", text: "")
    static let nowhere = SourceRange(0, 0)

    static func layer(_ call: ImportedCall) -> ResolvedLayer {
        var resolver = ImportedCallResolver(file: file)
        guard case .success(let resolved) = resolver.resolve(call, layer: "test", at: nowhere) else {
            fatalError("\(call.text) does not resolve")
        }
        return resolved.layer
    }

    static func evaluation(_ settings: Settings = Settings()) -> NetworkEvaluation {
        NetworkEvaluation(Evaluator(settings: settings))
    }

    @Test func nodesBecomeRowsNamedByKeywordReadingTheRowsTheyName() throws {
        var graph = Self.evaluation()
        let input = try graph.add(GraphNode(.input(Shape(width: 8, height: 8, depth: 3), text: "INPUT[8x8x3]"), range: Self.nowhere))
        let conv = try graph.add(GraphNode(.layer(Self.layer(ImportedCall("CONV", .value(4), .value(3), .tag("p", [1]))), reading: input),
                                           range: Self.nowhere))
        let relu = try graph.add(GraphNode(.layer(Self.layer(ImportedCall("RELU")), reading: conv), range: Self.nowhere))
        var merge = GraphNode(.merge(.concat, reading: [conv, relu], text: "CONCAT(conv | relu)"), range: Self.nowhere)
        merge.branchedFrom = input
        let concat = try graph.add(merge)
        #expect([input, conv, relu, concat] == [0, 1, 2, 3])
        #expect(graph.rows.map(\.name) == ["INPUT", "CONV1", "RELU1", "CONCAT1"])
        #expect(graph.rows.map(\.inputs) == [[], [0], [1], [1, 2]])
        #expect(graph[concat].output == Shape(width: 8, height: 8, depth: 8))
        // A spec's merge shows the tensor its branches started from as its input.
        #expect(graph[concat].input == Shape(width: 8, height: 8, depth: 3))
        #expect(graph[conv].weights == 3 * 3 * 3 * 4)
        #expect(graph[conv].activations == 8 * 8 * 4)
        #expect(try graph.totals().params == 3 * 3 * 3 * 4 + 4)
    }

    @Test func aModelFileNamesItsRowsAndItsLayersWriteInPlace() throws {
        var graph = Self.evaluation()
        let data = try graph.add(GraphNode(.input(Shape(width: 4, height: 4, depth: 2), text: "INPUT[4x4x2]"), name: "data",
                                           range: Self.nowhere))
        var relu = GraphNode(.layer(Self.layer(ImportedCall("RELU")), reading: data), name: "relu1", range: Self.nowhere)
        relu.inPlace = true
        _ = try graph.add(relu)
        #expect(graph.rows.map(\.name) == ["data", "relu1"])
        #expect(graph.rows[1].inPlace && graph.rows[1].activations == 0)
    }

    @Test func aFailureNamesTheRowItWouldHaveMadeAndWhatItRead() throws {
        var graph = Self.evaluation()
        let input = try graph.add(GraphNode(.input(Shape(width: 8, height: 8, depth: 1), text: "INPUT[8x8x1]"), range: Self.nowhere))
        _ = try graph.add(GraphNode(.layer(Self.layer(ImportedCall("POOL", .value(2))), reading: input), range: Self.nowhere))
        do throws(NodeFailure) {
            _ = try graph.add(GraphNode(.layer(Self.layer(ImportedCall("CONV", .value(4), .value(3), .tag("s", [2]))), reading: 1),
                                        range: Self.nowhere))
            Issue.record("a 3x3 window at stride 2 does not fit 4x4 strictly")
        } catch {
            guard case .layer(.notWhole, let name, let read) = error else { Issue.record("\(error)"); return }
            #expect(name == "CONV1")
            #expect(read == Shape(width: 4, height: 4, depth: 1))
        }
        #expect(graph.count == 2)
    }

    @Test func anOverflowAtTheBatchIsACountingFailure() throws {
        var settings = Settings()
        settings.batch = Int.max / 2
        var graph = Self.evaluation(settings)
        do throws(NodeFailure) {
            _ = try graph.add(GraphNode(.input(Shape(width: 64, height: 64, depth: 3), text: "INPUT[64x64x3]"), range: Self.nowhere))
            Issue.record("the input's bytes overflow at this batch")
        } catch {
            guard case .counting(let failure) = error else { Issue.record("\(error)"); return }
            #expect(failure.message.contains("at batch"))
        }
    }
}
