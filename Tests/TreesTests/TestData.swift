import Foundation
import Support

@testable import Trees

/// Shared helpers for the Trees tests.
enum TestData {
    /// The directory of committed fixtures.
    static let fixtures = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Fixtures")

    static func fixturePath(_ name: String) -> String {
        fixtures.appending(path: name).path(percentEncoded: false)
    }

    /// A committed fixture's bytes.
    static func fixtureBytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appending(path: name)))
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "hearth-trees-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A seeded regression dataset resembling Friedman's #1: y = 10 sin(π x0 x1) + 20 (x2 − ½)² + 10 x3 + 5 x4 + ε,
    /// with optional missing values and weights.
    static func friedman(
        rows: Int, features: Int = 6, seed: UInt64, missingShare: Double = 0, weighted: Bool = false
    ) -> Dataset {
        var random = SeededGenerator(seed: seed)
        var columns = [[Float]](repeating: [], count: features)
        var targets: [Float] = []
        var weights: [Float] = []
        for _ in 0..<rows {
            var x = [Double](repeating: 0, count: features)
            for feature in 0..<features { x[feature] = random.uniform() }
            let noise = (random.uniform() - 0.5) * 0.5
            let y = 10 * sin(Double.pi * x[0] * x[1]) + 20 * (x[2] - 0.5) * (x[2] - 0.5) + 10 * x[3] + 5 * x[4] + noise
            for feature in 0..<features {
                let missing = random.uniform() < missingShare
                columns[feature].append(missing ? .nan : Float(x[feature]))
            }
            targets.append(Float(y))
            weights.append(Float(0.5 + 1.5 * random.uniform()))
        }
        return try! Dataset(
            featureNames: (0..<features).map { "x\($0)" }, columns: columns, targets: targets, targetName: "y",
            weights: weighted ? weights : nil)
    }

    /// Reads a one-column CSV of numbers.
    static func numbers(csv name: String) throws -> [Float] {
        let table = try CSVTable(contentsOfFile: fixturePath(name))
        return try table.numbers(column: 0)
    }
}
