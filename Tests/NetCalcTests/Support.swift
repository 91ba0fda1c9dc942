@testable import NetCalc

/// The package's root folder, found from this file's path.
let packageRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/NetCalcTests/Support.swift
    return parts.joined(separator: "/")
}()

/// Runs netcalc in-process from the package root.
func runNetCalc(_ arguments: [String], standardInput: String = "") -> Outcome {
    var invocation = Invocation(arguments: arguments, standardInput: Array(standardInput.utf8))
    invocation.currentDirectory = packageRoot
    return run(invocation)
}

/// Parses and analyzes spec text, returning the networks and the diagnostics.
func analyze(_ text: String, overrides: SettingsOverride = SettingsOverride()) -> ([NetworkReport], [Diagnostic]) {
    let (networks, diagnostics) = Analyzer.analyze(SourceFile(name: "<test>", text: text), overrides: overrides)
    return (networks.map(\.report), diagnostics.items)
}

/// Analyzes spec text that must hold exactly one network and no errors.
func network(_ text: String, rounding: Rounding? = nil) -> NetworkReport? {
    var overrides = SettingsOverride()
    overrides.rounding = rounding
    let (networks, diagnostics) = analyze(text, overrides: overrides)
    guard diagnostics.isEmpty, networks.count == 1 else { return nil }
    return networks[0]
}

/// The messages of the errors that analyzing spec text gives.
func errors(_ text: String) -> [String] {
    analyze(text).1.filter { $0.severity == .error }.map(\.message)
}
