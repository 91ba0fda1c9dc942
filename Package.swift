// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "NetCalc",
    products: [
        .executable(name: "netcalc", targets: ["netcalc"]),
        .library(name: "NetCalc", targets: ["NetCalc"]),
    ],
    targets: [
        .target(name: "NetCalc"),
        .executableTarget(name: "netcalc", dependencies: ["NetCalc"]),
        // Fuzz/run.sh builds this as a libFuzzer target; built normally it replays a corpus.
        .executableTarget(name: "netcalc-fuzz", dependencies: ["NetCalc"], path: "Fuzz/NetCalcFuzz"),
        .testTarget(
            name: "NetCalcTests",
            dependencies: ["NetCalc"],
            exclude: ["Golden", "Fixtures"]
        ),
        // The public API alone, as a Swift tool that imports NetCalc sees it.
        .testTarget(name: "NetCalcAPITests", dependencies: ["NetCalc"]),
    ]
)
