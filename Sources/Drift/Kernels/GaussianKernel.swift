import Glibc
import Support

/// The Gaussian (RBF) kernel k(x, x′) = exp(−γ‖x − x′‖²), the same parametrisation as scikit-learn's `rbf_kernel`.
///
/// In bandwidth terms γ = 1/(2σ²). The median heuristic sets σ² to half the median squared distance between rows,
/// so γ = 1/median‖xᵢ − xⱼ‖²: a typical pair of rows then has kernel value e⁻¹.
public struct GaussianKernel: Sendable, Equatable {
    /// The inverse squared length scale γ > 0.
    public let gamma: Double

    /// A kernel with a given γ.
    /// - Throws: ``DriftError/invalidParameter(name:value:requirement:)`` unless γ is finite and positive.
    public init(gamma: Double) throws(DriftError) {
        guard gamma.isFinite, gamma > 0 else {
            throw .invalidParameter(name: "gamma", value: gamma, requirement: "a finite number > 0")
        }
        self.gamma = gamma
    }

    init(uncheckedGamma gamma: Double) {
        self.gamma = gamma
    }

    /// The median heuristic on one sample: γ = 1 / median of ‖xᵢ − xⱼ‖² over pairs i < j.
    ///
    /// At most `maximumRows` rows, drawn with `seed`, take part, which keeps the cost at about half a million
    /// distances. If more than half the pairs coincide, the mean squared distance is used instead.
    public static func medianHeuristic(
        _ sample: FeatureMatrix, maximumRows: Int = 1000, seed: UInt64 = 0
    ) -> GaussianKernel {
        var rows = Array(0..<sample.rowCount)
        if rows.count > maximumRows {
            var generator = SeededGenerator(seed: seed)
            rows = generator.sample(maximumRows, from: sample.rowCount)
        }
        var distances: [Double] = []
        distances.reserveCapacity(rows.count * (rows.count - 1) / 2)
        sample.values.withUnsafeBufferPointer { values in
            let columns = sample.featureCount
            for (position, i) in rows.enumerated() {
                for j in rows[(position + 1)...] {
                    distances.append(
                        squaredDistance(values.baseAddress! + i * columns, values.baseAddress! + j * columns, columns))
                }
            }
        }
        guard !distances.isEmpty else { return GaussianKernel(uncheckedGamma: 1) }
        let middle = distances.count / 2
        let median = select(&distances, middle)
        if median > 0 { return GaussianKernel(uncheckedGamma: 1 / median) }
        let mean = distances.reduce(0, +) / Double(distances.count)
        return GaussianKernel(uncheckedGamma: mean > 0 ? 1 / mean : 1)
    }

    /// k(a, b) for two rows of `columns` values.
    @inline(__always)
    func callAsFunction(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ columns: Int) -> Double {
        exp(-gamma * squaredDistance(a, b, columns))
    }

    /// The k-th smallest value (0-based), by quickselect; reorders the array.
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        var low = 0
        var high = values.count - 1
        while low < high {
            let pivot = values[(low + high) / 2]
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return values[k]
            }
        }
        return values[k]
    }
}

/// ‖a − b‖² for two rows of `columns` values.
@inline(__always)
func squaredDistance(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ columns: Int) -> Double {
    var sum = 0.0
    for feature in 0..<columns {
        let difference = a[feature] - b[feature]
        sum += difference * difference
    }
    return sum
}
