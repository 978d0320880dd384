import Glibc
import Testing

@testable import Drift

@Suite("Population Stability Index and multiple-testing corrections")
struct PopulationStabilityIndexTests {
    @Test("Two bins at the reference median: shares ½,½ against ¼,¾ give ¼ ln 2 + ¼ ln 1.5")
    func handChecked() throws {
        let reference = (0..<10).map(Double.init)
        // Edge at the median 4.5: one current value below it, three above.
        let current: [Double] = [1, 6, 7, 8]
        let index = try PopulationStabilityIndex(reference: reference, current: current, bins: 2)
        #expect(index.edges == [4.5])
        #expect(index.referenceShares == [0.5, 0.5])
        #expect(index.currentShares == [0.25, 0.75])
        let expected = (0.25 - 0.5) * log(0.25 / 0.5) + (0.75 - 0.5) * log(0.75 / 0.5)
        #expect(abs(index.value - expected) < 1e-15)
        #expect(abs(index.value - 0.274653) < 1e-6)
    }

    @Test("Identical samples score zero; an empty current bin is floored at 1e-4, not infinite")
    func floors() throws {
        let reference = (0..<100).map(Double.init)
        #expect(try PopulationStabilityIndex(reference: reference, current: reference).value == 0)
        // Everything above the top decile edge: nine reference-decile bins are empty in the current sample.
        let current = [Double](repeating: 1000, count: 50)
        let index = try PopulationStabilityIndex(reference: reference, current: current)
        #expect(index.edges.count == 9)
        let empty = (1e-4 - 0.1) * log(1e-4 / 0.1)
        let full = (1 - 0.1) * log(1 / 0.1)
        #expect(abs(index.value - (9 * empty + full)) < 1e-12)
    }

    @Test("Repeated quantiles merge into one bin")
    func ties() throws {
        let reference: [Double] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 2]
        let index = try PopulationStabilityIndex(reference: reference, current: [0, 1, 2], bins: 5)
        // Quantiles at 0.2, 0.4 and 0.6 are all 0; the one at 0.8 interpolates to 0.2.
        #expect(index.edges.count == 2 && index.edges[0] == 0 && abs(index.edges[1] - 0.2) < 1e-15)
        #expect(index.referenceShares == [0.8, 0, 0.2])
        #expect(index.currentShares == [1.0 / 3, 0, 2.0 / 3])
    }

    @Test("Bonferroni multiplies by the number of tests; Benjamini–Hochberg steps up from the largest")
    func corrections() {
        let pValues = [0.01, 0.04, 0.03, 0.005]
        let bonferroni = MultipleTestingCorrection.bonferroni.adjust(pValues)
        for (value, expected) in zip(bonferroni, [0.04, 0.16, 0.12, 0.02]) { #expect(abs(value - expected) < 1e-15) }
        // Sorted: 0.005, 0.01, 0.03, 0.04 → ×4/rank: 0.02, 0.02, 0.04, 0.04, then running minima from the top.
        let hochberg = MultipleTestingCorrection.benjaminiHochberg.adjust(pValues)
        for (value, expected) in zip(hochberg, [0.02, 0.04, 0.04, 0.02]) { #expect(abs(value - expected) < 1e-15) }
        #expect(MultipleTestingCorrection.bonferroni.adjust([0.5, 0.9]) == [1, 1])
    }

    @Test("A constant reference (a furnace's static attribute) against another value: a large index, not 0")
    func constantReference() throws {
        let moved = try PopulationStabilityIndex(
            reference: [Double](repeating: 12, count: 500), current: [Double](repeating: 16, count: 300))
        // Everything moved from the middle bin to the upper one: 2 × (1 − 1e-4) ln(1/1e-4).
        #expect(abs(moved.value - 2 * (1 - 1e-4) * log(1e4)) < 1e-9)
        #expect(moved.edges == [Double(12).nextDown, 12])
        let below = try PopulationStabilityIndex(reference: [12, 12, 12], current: [8, 8])
        #expect(below.value > 18)
        #expect(try PopulationStabilityIndex(reference: [12, 12], current: [12, 12, 12]).value == 0)
    }

    @Test("Bad input names the problem")
    func badInput() {
        #expect(throws: DriftError.emptySample(sample: "current")) {
            try PopulationStabilityIndex(reference: [1, 2], current: [])
        }
        #expect(throws: DriftError.invalidParameter(name: "bins", value: 1, requirement: "at least 2")) {
            try PopulationStabilityIndex(reference: [1, 2], current: [1], bins: 1)
        }
    }
}
