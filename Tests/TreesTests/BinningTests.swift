import Support
import Testing

@testable import Trees

@Suite("Quantile bins")
struct BinningTests {
    static func bins(
        _ values: [Float], weights: [Float]? = nil, maxBins: Int = 256, placement: BoundaryPlacement
    )
        -> (FeatureBins, [UInt8])
    {
        var codes = [UInt8](repeating: 0, count: values.count)
        let bins = values.withUnsafeBufferPointer { values in
            codes.withUnsafeMutableBufferPointer { codes in
                if let weights {
                    return weights.withUnsafeBufferPointer { weights in
                        FeatureBins(
                            values: values, weights: weights, maxBins: maxBins, placement: placement,
                            codes: codes.baseAddress!)
                    }
                }
                return FeatureBins(
                    values: values, weights: nil, maxBins: maxBins, placement: placement, codes: codes.baseAddress!)
            }
        }
        return (bins, codes)
    }

    @Test("Few distinct values: one bin each, XGBoost's cuts at the upper value")
    func distinctValues() {
        let (bins, codes) = Self.bins([3, 1, 2, 2, .nan, 3, -0.0, 0], placement: .upperValue)
        #expect(bins.boundaries == [1, 2, 3])
        #expect(bins.hasMissing)
        #expect(codes == [3, 1, 2, 2, FeatureBins.missingCode, 3, 0, 0])
        #expect(bins.threshold(lastLeftBin: 1) == 2)
        #expect(bins.threshold(lastLeftBin: -1) == 0)
        #expect(bins.threshold(lastLeftBin: 3) > 3)
        let (middle, _) = Self.bins([3, 1, 2], placement: .midpoint)
        #expect(middle.boundaries == [1.5, 2.5])
    }

    @Test("Many values: at most 256 weighted quantile bins (255 with missing values), codes agree with thresholds")
    func quantiles() {
        var random = SeededGenerator(seed: 12)
        var values = (0..<5000).map { _ in Float(random.uniform() * 100 - 50) }
        let weights = (0..<5000).map { $0 < 2500 ? Float(3) : Float(random.uniform()) }
        for withMissing in [false, true] {
            if withMissing { values[17] = .nan }
            for placement in [BoundaryPlacement.upperValue, .midpoint] {
                let (bins, codes) = Self.bins(values, weights: weights, placement: placement)
                #expect(bins.binCount == (withMissing ? 255 : 256))
                #expect(zip(bins.boundaries, bins.boundaries.dropFirst()).allSatisfy { $0 < $1 })
                let disagreements = zip(values, codes).filter { value, code in
                    code != bins.code(of: value)
                        || (!value.isNaN
                            && !(value < bins.threshold(lastLeftBin: Int(code))
                                && !(value < bins.threshold(lastLeftBin: Int(code) - 1))))
                }
                #expect(disagreements.isEmpty)
                // The heavier first half of the rows holds most of the weight, so it gets most of the bins.
                let heavyBins = Set(codes.prefix(2500)).count
                #expect(heavyBins > 180)
            }
        }
    }

    @Test("Radix sort orders floats like <, negative and positive, zero and infinity")
    func radixSort() {
        var random = SeededGenerator(seed: 3)
        let values: [Float] =
            (0..<3000).map { _ in Float((random.uniform() - 0.5) * 1e6) } + [
                -.infinity, .infinity, -0.0, 0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude,
            ]
        var keys = values.map(RadixSort.key)
        var order = Array(0..<values.count)
        RadixSort.sort(keys: &keys, payload: &order)
        let sorted = keys.map(RadixSort.value)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(order.map { values[$0] } == sorted)
    }
}
