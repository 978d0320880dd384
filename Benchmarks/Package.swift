// swift-tools-version:6.1
import PackageDescription

// Benchmarks of Hearth's pure modules against reference libraries; built in release mode, never shipped.

// SwiftPM names a path dependency after its directory, which differs between checkouts.
let rootPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "hearth").lowercased()

let package = Package(
    name: "HearthBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "..")
    ],
    targets: [
        .executableTarget(
            name: "TreesBenchmark",
            dependencies: [.product(name: "Trees", package: rootPackage)],
            path: "trees/Sources/TreesBenchmark"
        ),
        // The new furnaces both the adaptation and the interval benchmarks serve.
        .target(
            name: "ShiftFamilies",
            dependencies: [
                .product(name: "Agent", package: rootPackage), .product(name: "Plant", package: rootPackage),
                .product(name: "Simulator", package: rootPackage), .product(name: "Trees", package: rootPackage),
            ],
            path: "shared/Sources/ShiftFamilies"
        ),
        .executableTarget(
            name: "AdaptationBenchmark",
            dependencies: [
                "ShiftFamilies",
                .product(name: "Agent", package: rootPackage), .product(name: "Plant", package: rootPackage),
                .product(name: "Simulator", package: rootPackage), .product(name: "Trees", package: rootPackage),
            ],
            path: "adaptation/Sources/AdaptationBenchmark"
        ),
        .executableTarget(
            name: "ConformalBenchmark",
            dependencies: [
                "ShiftFamilies",
                .product(name: "Agent", package: rootPackage), .product(name: "Drift", package: rootPackage),
                .product(name: "Plant", package: rootPackage), .product(name: "Simulator", package: rootPackage),
                .product(name: "Trees", package: rootPackage),
            ],
            path: "conformal/Sources/ConformalBenchmark"
        ),
    ]
)
