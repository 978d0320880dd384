import Drift
import Glibc
import Support

/// Seeded normal draws (Box–Muller) for building test samples.
struct NormalSampler {
    var generator: SeededGenerator

    init(seed: UInt64) {
        generator = SeededGenerator(seed: seed)
    }

    mutating func next(mean: Double = 0, deviation: Double = 1) -> Double {
        let radius = (-2 * log(max(generator.uniform(), 1e-300))).squareRoot()
        return mean + deviation * radius * cos(2 * Double.pi * generator.uniform())
    }

    /// `rows` rows whose feature f is N(means[f], deviations[f]²).
    mutating func matrix(rows: Int, means: [Double], deviations: [Double], names: [String]? = nil) -> FeatureMatrix {
        var values: [Double] = []
        for _ in 0..<rows {
            for feature in means.indices { values.append(next(mean: means[feature], deviation: deviations[feature])) }
        }
        let names = names ?? means.indices.map { "x\($0)" }
        return try! FeatureMatrix(featureNames: names, values: values)
    }
}
