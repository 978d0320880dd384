import Agent
import Foundation
import Support
import TestSupport
import Testing

@Suite("Calibration weighted toward a furnace")
struct FurnaceCalibrationTests {
    /// A labeled prediction whose log error has a spread that grows with the chamber temperature: a furnace that
    /// runs hotter than the fleet is predicted worse than the fleet's own errors say.
    static func sample(temperature: Double, random: inout SeededGenerator) -> CalibrationSample {
        let spread = 0.05 + 0.02 * abs(temperature - 15)
        let predicted = exp(random.gaussian() * 0.3)
        return CalibrationSample(
            checkpoint: 150, predicted: predicted, minimum: predicted * exp(random.gaussian() * spread),
            features: ["chamber_temperature_c": temperature, "pump_current_a": 40 + random.gaussian()])
    }

    static func furnace(
        mean: Double, spread: Double, count: Int, random: inout SeededGenerator
    ) -> [CalibrationSample] {
        (0..<count).map { _ in sample(temperature: mean + spread * random.gaussian(), random: &random) }
    }

    @Test(
        "A hotter furnace's 90 % intervals hold in about 90 % from its first events, where the fleet's errors alone miss"
    )
    func coverageUnderShift() throws {
        var random = SeededGenerator(seed: 11)
        let fleet = Self.furnace(mean: 20, spread: 5, count: 900, random: &random)
        // What the ratio points at: the new furnace's first ten events' rows, unlabeled.
        let seen = Self.furnace(mean: 28, spread: 3, count: 60, random: &random).map(\.features)
        let test = Self.furnace(mean: 28, spread: 3, count: 1000, random: &random)
        let weighted = try #require(
            CheckpointCalibration.byCheckpoint(own: [], fleet: fleet, furnaceRows: seen)[150])
        #expect(weighted.shift != nil && weighted.fleetEvents == 900 && weighted.ownEvents == 0)
        let unweighted = try #require(
            CheckpointCalibration(
                own: fleet.map {
                    CalibrationSample(checkpoint: 150, predicted: $0.predicted, minimum: $0.minimum, features: [:])
                }))
        func share(_ calibration: CheckpointCalibration) -> (covered: Double, unbounded: Double) {
            var covered = 0
            var unbounded = 0
            for row in test {
                guard
                    let interval = PredictionUncertainty(
                        prediction: row.predicted, threshold: 1, calibration: calibration, features: row.features)
                else { continue }
                if interval.highMbar == nil { unbounded += 1 }
                if interval.contains(row.minimum) { covered += 1 }
            }
            return (Double(covered) / Double(test.count), Double(unbounded) / Double(test.count))
        }
        let (plain, _) = share(unweighted)
        let (shifted, unbounded) = share(weighted)
        print("hotter furnace: fleet errors alone held \(plain), weighted \(shifted) with \(unbounded) unbounded")
        #expect(plain < 0.8, "the fleet's errors alone held in \(plain)")
        #expect(shifted > 0.86 && shifted < 0.96, "weighted intervals held in \(shifted)")
        #expect(unbounded < 0.2, "\(unbounded) unbounded")
    }

    @Test("A furnace unlike the fleet gets unbounded intervals until its own events carry the calibration")
    func outsideTheFleet() throws {
        var random = SeededGenerator(seed: 12)
        let fleet = Self.furnace(mean: 20, spread: 2, count: 600, random: &random)
        let far = Self.furnace(mean: 60, spread: 1, count: 400, random: &random)
        let seen = far.prefix(60).map(\.features)
        let alone = try #require(CheckpointCalibration.byCheckpoint(own: [], fleet: fleet, furnaceRows: seen)[150])
        let test = far.last!
        let before = try #require(
            PredictionUncertainty(prediction: test.predicted, threshold: 1, calibration: alone, features: test.features)
        )
        #expect(before.highMbar == nil, "no part of the fleet looks like this furnace: unbounded")
        #expect(before.failureProbability > 0.5, "the unknown event's own mass counts as failing")
        // With 200 labeled events of its own the furnace's rows weigh up to 1 ÷ π_o each, the fleet's next to
        // nothing: a finite interval from its own errors.
        let own = Array(far[100..<300])
        let later = try #require(
            CheckpointCalibration.byCheckpoint(own: own, fleet: fleet, furnaceRows: seen)[150])
        #expect(later.ownEvents == 200 && later.fleetEvents == 600)
        let weight = try #require(later.testWeight(test.features))
        #expect(weight <= 800.0 / 200.0 + 1e-9, "the new point weighs at most 1 ÷ π_o")
        let after = try #require(
            PredictionUncertainty(prediction: test.predicted, threshold: 1, calibration: later, features: test.features)
        )
        #expect(after.highMbar != nil && after.calibrationEvents == 800)
        let ownOnly = try #require(CheckpointCalibration(own: own))
        let reference = try #require(
            PredictionUncertainty(prediction: test.predicted, threshold: 1, calibration: ownOnly, features: [:]))
        #expect(abs(log(after.highMbar! / after.lowMbar) - log(reference.highMbar! / reference.lowMbar)) < 0.3)
    }

    @Test("Without a fleet, or without features to weight by, a furnace's own errors alone, unweighted")
    func ownAlone() throws {
        var random = SeededGenerator(seed: 13)
        let own = Self.furnace(mean: 20, spread: 2, count: 30, random: &random)
        let alone = try #require(
            CheckpointCalibration.byCheckpoint(own: own, fleet: [], furnaceRows: own.map(\.features))[150])
        #expect(alone.shift == nil && alone.ownEvents == 30 && alone.fleetEvents == 0)
        #expect(alone.testWeight([:]) == 1)
        let stripped = own.map {
            CalibrationSample(checkpoint: $0.checkpoint, predicted: $0.predicted, minimum: $0.minimum, features: [:])
        }
        let fleet = Self.furnace(mean: 20, spread: 2, count: 100, random: &random)
        let unfeatured = try #require(
            CheckpointCalibration.byCheckpoint(own: stripped, fleet: fleet, furnaceRows: own.map(\.features))[150])
        #expect(unfeatured.shift == nil && unfeatured.ownEvents == 30, "own rows without features are not weighted")
        // Other checkpoints come from the fleet alone where the furnace has none of its own.
        let elsewhere = fleet.map {
            CalibrationSample(checkpoint: 180, predicted: $0.predicted, minimum: $0.minimum, features: $0.features)
        }
        let both = CheckpointCalibration.byCheckpoint(own: own, fleet: elsewhere, furnaceRows: own.map(\.features))
        #expect(both[180]?.fleetEvents == 100 && both[180]?.ownEvents == 0 && both[150]?.fleetEvents == 0)
        #expect(CheckpointCalibration.byCheckpoint(own: [], fleet: [], furnaceRows: []).isEmpty)
    }
}
