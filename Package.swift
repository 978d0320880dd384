// swift-tools-version:6.1
import PackageDescription

// Hearth links only FoundationEssentials (never full Foundation) to keep the shipped agent small;
// see docs/architecture.md, "Footprint decisions".
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Hearth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hearth", targets: ["hearth"]),
        .executable(name: "hearth-sim", targets: ["hearth-sim"]),
        .executable(name: "hearth-dashboard", targets: ["hearth-dashboard"]),
        .library(name: "Trees", targets: ["Trees"]),
        .library(name: "Drift", targets: ["Drift"]),
        // For the benchmarks package: the agent's adaptation and the simulator's plant, measured outside the tests.
        .library(name: "Agent", targets: ["Agent"]),
        .library(name: "Plant", targets: ["Plant"]),
        .library(name: "Simulator", targets: ["Simulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Only the dashboard links it (see docs/architecture.md, "Footprint decisions"); no traits: neither full
        // Foundation nor swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0", traits: []),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(
            name: "CModbus", path: "Sources/CModbus", pkgConfig: "libmodbus",
            providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(
            name: "CMosquitto", path: "Sources/CMosquitto", pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CYAML", path: "Sources/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        // C library calls the Glibc module leaves out (not named CSystem: swift-system, under the dashboard's server, has one).
        .systemLibrary(name: "CHearthSystem", path: "Sources/CHearthSystem"),

        // What every module shares: one seeded generator, one parallel helper, one file reader and durable writer,
        // the dedicated-thread executor and shutdown signals.
        .target(name: "Support", swiftSettings: strict),

        // Pure modules: no I/O, no clock.
        .target(name: "Trees", dependencies: ["Support"], swiftSettings: strict),
        .target(name: "Drift", dependencies: ["Support"], swiftSettings: strict),

        // Thin, safe wrappers over the C libraries.
        .target(name: "Fieldbus", dependencies: ["CModbus", "CMosquitto", "Support"], swiftSettings: strict),
        .target(name: "SQLite", dependencies: ["CSQLite", "Support"], swiftSettings: strict),
        .target(name: "YAML", dependencies: ["CYAML", "Support"], swiftSettings: strict),

        // The plant as Hearth sees it: device files, pumping events, features.
        .target(name: "Plant", dependencies: ["Fieldbus", "YAML", "Support"], swiftSettings: strict),

        // The agent: collect, predict, decide, monitor, adapt.
        .target(
            name: "Agent",
            dependencies: [
                "Plant", "Fieldbus", "SQLite", "YAML", "Trees", "Drift", "Support", "CHearthSystem",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "hearth",
            dependencies: [
                "Agent", "Plant", "Trees", "Drift", "Support", "YAML",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict, plugins: ["BuildCommit"]),
        // `hearth --version`'s commit: `git rev-parse` at build time, `unknown` outside a git checkout.
        .plugin(name: "BuildCommit", capability: .buildTool()),

        // The read-only web dashboard and Prometheus metrics: its own executable, so `hearth run` links no HTTP server.
        .target(
            name: "Dashboard",
            dependencies: [
                "Agent", "Plant", "Support",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "hearth-dashboard",
            dependencies: [
                "Dashboard", "Agent", "Support",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // The furnace simulator.
        .target(
            name: "Simulator", dependencies: ["Plant", "Fieldbus", "YAML", "Support"],
            path: "simulator/Sources/Simulator",
            swiftSettings: strict),
        .executableTarget(
            name: "hearth-sim",
            dependencies: [
                "Simulator", "Plant", "Fieldbus", "Support",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "simulator/Sources/hearth-sim",
            swiftSettings: strict),

        // Tests.
        .target(
            name: "TestSupport", dependencies: ["Fieldbus", "Plant", "Simulator", "Support"], path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(name: "SupportTests", dependencies: ["Support"], swiftSettings: strict),
        .testTarget(
            name: "TreesTests", dependencies: ["Trees", "Support"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "DriftTests", dependencies: ["Drift", "Trees", "Support", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "FieldbusTests", dependencies: ["Fieldbus", "Simulator", "Support", "TestSupport"],
            swiftSettings: strict),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: strict),
        .testTarget(name: "YAMLTests", dependencies: ["YAML", "Support"], swiftSettings: strict),
        .testTarget(name: "PlantTests", dependencies: ["Plant", "Fieldbus", "YAML", "Support"], swiftSettings: strict),
        .testTarget(
            name: "AgentTests", dependencies: ["Agent", "Plant", "Support", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "SimulatorTests", dependencies: ["Simulator", "Plant", "Fieldbus", "Support", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CollectTests",
            dependencies: ["Agent", "Simulator", "Plant", "Fieldbus", "SQLite", "Support", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["Dashboard", "Agent", "Simulator", "Plant", "Fieldbus", "SQLite", "Support", "TestSupport"],
            swiftSettings: strict),
        // Bad input from outside the agent, mutated by the thousand: no trap, a typed error with its place, bounded time.
        .testTarget(
            name: "ProbeTests",
            dependencies: [
                "Agent", "Plant", "Fieldbus", "YAML", "Trees", "SQLite", "Simulator", "Support", "TestSupport",
            ],
            swiftSettings: strict),
    ]
)
