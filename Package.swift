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
        .testTarget(
            name: "NetCalcTests",
            dependencies: ["NetCalc"],
            exclude: ["Golden"]
        ),
    ]
)
