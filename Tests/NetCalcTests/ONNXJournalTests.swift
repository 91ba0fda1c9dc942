import Testing
@testable import NetCalc

/// The ONNX importer's attempts (ONNXJournal.swift): a node the CNN mapping refuses is taken back by a
/// journal of what the attempt changed, which must restore everything, resolver included.
@Suite struct ONNXJournalTests {
    /// Each journaled collection, changed inside an attempt: rolled back it holds what it held before,
    /// committed it keeps the change; outside an attempt nothing is written down.
    @Test(arguments: [false, true])
    func collectionsTakeBackOrKeep(_ commit: Bool) {
        var dictionary = JournaledDictionary<String, Int>()
        var set = JournaledSet<String>()
        var array = JournaledArray<String>()
        dictionary["kept"] = 1
        dictionary["changed"] = 2
        set.insert("kept")
        array.append("kept")
        array.append("changed")
        dictionary.begin(); set.begin(); array.begin()
        dictionary["changed"] = 20
        dictionary["changed"] = 200
        dictionary["added"] = 3
        dictionary["kept"] = nil
        #expect(set.insert("kept").inserted == false)
        #expect(set.insert("added").inserted)
        set.formUnion(["added", "more"])
        array[1] = "replaced"
        array.append("appended")
        array[2] = "appended and replaced"
        if commit {
            dictionary.commit(); set.commit(); array.commit()
            #expect(dictionary.elements == ["changed": 200, "added": 3])
            #expect(set.elements == ["kept", "added", "more"])
            #expect(array.elements == ["kept", "replaced", "appended and replaced"])
        } else {
            dictionary.rollBack(); set.rollBack(); array.rollBack()
            #expect(dictionary.elements == ["kept": 1, "changed": 2])
            #expect(set.elements == ["kept"])
            #expect(array.elements == ["kept", "changed"])
        }
        // No attempt open: rolling back takes nothing back.
        dictionary["after"] = 4
        set.insert("after")
        array.append("after")
        dictionary.rollBack(); set.rollBack(); array.rollBack()
        #expect(dictionary["after"] == 4 && set.contains("after") && array.last == "after")
    }

    /// The value table's names by tensor follow every change, and a rollback.
    @Test func valueTableKeepsTheNamesStandingForATensor() {
        func data(_ tensor: String) -> ONNXValue { .data(ONNXData(tensor: tensor, dims: [1, 2], layout: .flat)) }
        var values = ONNXValueTable()
        values["t"] = data("t")
        values["alias"] = data("t")
        values["c"] = .constant(ONNXConstant(dims: [], dataType: ONNXDataType.int64, values: .ints([1])))
        #expect(values.names(standingFor: "t") == ["t", "alias"])
        values.begin()
        values["alias"] = data("u")
        values["other"] = data("t")
        values["t"] = nil
        #expect(values.names(standingFor: "t") == ["other"])
        #expect(values.names(standingFor: "u") == ["alias"])
        values.rollBack()
        #expect(values.names(standingFor: "t") == ["t", "alias"])
        #expect(values.names(standingFor: "u").isEmpty)
        #expect(values["other"] == nil)
        if case .constant? = values["c"] {} else { Issue.record("the constant was lost") }
    }

    /// An importer whose state is changed in every part an attempt may change, then taken back.
    @Test func aFailedAttemptIsTakenBackWhole() throws {
        var model = ModelBuilder()
        model.inputDims = [1, 2, 4, 4]
        model.node("Relu", "relu", ["input"], ["output"])
        var importer = try ONNXImporter(model: try ONNXModel(bytes: ModelBytes(model.bytes)), fileName: "test.onnx")
        let node = importer.graph.nodes[0]
        let data = ONNXData(tensor: "input", dims: [1, 2, 4, 4], layout: .nchw)
        importer.values["input"] = .data(data)
        importer.shapes["input"] = Shape(spatial: [4, 4], depth: 2)
        let before = importer.uniqueLayerName("relu")
        #expect(before == "relu")
        let call = ImportedCall("RELU")

        importer.beginAttempt()
        #expect(importer.uniqueLayerName("relu") == "relu#2")
        #expect(importer.freshTensorName("made") == "made")
        _ = try importer.resolve(call, layer: "relu#2", node: node)
        importer.appendLayer(ImportedLayer(name: "relu#2", computation: .merge(.add), inputs: ["input"], output: "made",
                                           range: SourceRange(0, 0), node: nil))
        importer.values["made"] = .data(data)
        importer.values["input"] = nil
        importer.shapes["made"] = Shape(spatial: [4, 4], depth: 2)
        importer.vectorSources["made"] = data
        importer.claimed.insert(0)
        importer.plainNorms.append("relu")
        importer.notes.append("a note")
        importer.countedTensors.insert("w")
        importer.elementwiseCount += 1
        importer.droppedConstantValues = importer.droppedConstantValues + 5
        importer.rollBackAttempt()

        #expect(importer.attempt == nil)
        #expect(!importer.resolver.knows(call))
        #expect(importer.layers.isEmpty && importer.layerWriting.elements.isEmpty)
        #expect(importer.layerNames.elements == ["relu"])
        #expect(importer.nameCounters.elements == ["relu": 2])
        #expect(!importer.tensorNames.contains("made") && importer.tensorCounters["made"] == nil)
        #expect(importer.values["made"] == nil && importer.values.names(standingFor: "input") == ["input"])
        #expect(importer.shapes.elements.keys.sorted() == ["input"])
        #expect(importer.vectorSources.elements.isEmpty && importer.claimed.elements.isEmpty)
        #expect(importer.plainNorms.isEmpty && importer.notes.isEmpty && importer.countedTensors.elements.isEmpty)
        #expect(importer.elementwiseCount == 0 && importer.droppedConstantValues.value == 0)
        // The same again, kept: the resolver knows the call made in the attempt.
        importer.beginAttempt()
        _ = try importer.resolve(call, layer: "relu#2", node: node)
        importer.commitAttempt()
        #expect(importer.resolver.knows(call))
    }

    /// Every stored property of the importer is journaled, saved in `ONNXAttempt`, or wiring set up before
    /// the first node: a property added later fails here until an attempt takes it back.
    @Test func everyPartOfTheStateIsTakenBack() throws {
        var model = ModelBuilder()
        model.node("Relu", "relu", ["input"], ["output"])
        let importer = try ONNXImporter(model: try ONNXModel(bytes: ModelBytes(model.bytes)), fileName: "test.onnx")
        let constant: Set = ["fileName", "model", "graph", "opset", "file"]
        let setUpBeforeNodes: Set = ["consumers", "producers", "graphOutputs", "followedInput", "otherInputs",
                                     "followsTensors", "initializerIndex"]
        let savedByAttempt: Set = ["resolver", "elementwiseCount", "droppedConstantValues", "attempt"]
        for child in Mirror(reflecting: importer).children {
            let label = child.label ?? ""
            let type = String(describing: Swift.type(of: child.value))
            let journaled = type.hasPrefix("Journaled") || type == "ONNXValueTable"
            #expect(journaled || constant.contains(label) || setUpBeforeNodes.contains(label) || savedByAttempt.contains(label),
                    "the importer's '\(label)' (\(type)) is not taken back by a failed attempt")
        }
    }
}
