public import Agent
import Foundation
public import Plant
public import Simulator
public import Trees

/// A kind of new furnace the adaptation and interval benchmarks serve with a model trained on furnaces A–C: its
/// device file (the attributes the model sees) and its physics (what really happens), both from the repository's
/// device files and the onboarding scenario.
public struct ShiftFamily: Sendable {
    public var name: String
    public var summary: String
    public var device: DeviceFile
    public var physics: FurnacePhysics

    /// The plant time every benchmark furnace starts at.
    public static let origin: Int64 = 1_767_225_600_000

    /// The history furnaces A, B and C, as their device files describe them.
    public let history: [DeviceFile]

    /// The model's features: the agent's dynamic features and the four static attributes.
    public static let featureNames = PumpingEventFeatures.names(
        attributes: ["chamber_volume_m3", "leak_class", "pump_age_years", "pump_nominal_speed_m3h"])

    init(name: String, summary: String, device: DeviceFile, physics: FurnacePhysics, history: [DeviceFile]) {
        self.name = name
        self.summary = summary
        self.device = device
        self.physics = physics
        self.history = history
    }

    /// The seven shifts, in the order the results list them: none (the control), a mix within A–C's ranges,
    /// other hardware, furnace D of the onboarding scenario, outside A–C's ranges, a recalibrated gauge, a worn pump.
    /// - Parameter root: the repository's folder.
    public static func all(repository root: URL) throws -> [ShiftFamily] {
        func device(_ path: String) throws -> DeviceFile {
            try DeviceFileLoader.load(path: root.appendingPathComponent(path).path)
        }
        let a = try device("devices/furnace-a.yaml")
        let b = try device("devices/furnace-b.yaml")
        let c = try device("devices/furnace-c.yaml")
        let scenario = try Scenario.load(path: root.appendingPathComponent("simulator/scenarios/onboarding.yaml").path)
        guard var d = scenario.allDevices.first(where: { $0.id == "furnace-d" }) else {
            throw ShiftFamilyError(message: "no furnace-d in simulator/scenarios/onboarding.yaml")
        }
        let dPhysics = scenario.physics(for: d)
        d.id = "furnace-n"
        let history = [a, b, c]
        func family(
            _ name: String, _ summary: String, _ device: DeviceFile, _ physics: FurnacePhysics? = nil
        )
            -> ShiftFamily
        {
            ShiftFamily(
                name: name, summary: summary, device: device, physics: physics ?? Self.physics(of: device),
                history: history)
        }
        let sameAsA = withAttributes(a, [:])
        var recalibrated = Self.physics(of: a)
        recalibrated.pressureGaugeGain = 1.3
        var worn = Self.physics(of: a)
        worn.pumpAgeYears = 10
        worn.baseLeakMbarM3s *= 2
        return [
            family("none", "another furnace built like A", sameAsA),
            family(
                "mix", "a different mix within A–C's ranges",
                withAttributes(
                    c, ["chamber_volume_m3": 10, "pump_nominal_speed_m3h": 2400, "leak_class": 2, "pump_age_years": 3])),
            family(
                "hardware", "other chamber and pump hardware",
                withAttributes(a, ["chamber_volume_m3": 14, "pump_nominal_speed_m3h": 3400, "pump_age_years": 0])),
            family("furnace-d", "furnace D of the onboarding scenario (hotter charges)", d, dPhysics),
            family(
                "outside", "outside A–C's ranges",
                withAttributes(
                    c, ["chamber_volume_m3": 30, "pump_nominal_speed_m3h": 5000, "leak_class": 4, "pump_age_years": 10])
            ),
            family("recalibration", "a gauge recalibrated 30 % high", sameAsA, recalibrated),
            family(
                "pump-wear", "a worn pump and seals the device file does not know of (p(y|x) changes)", sameAsA, worn),
        ]
    }

    /// The history furnaces on a seed of their own.
    public func historyFurnaces(seed: UInt64) -> [SimulatedFurnace] {
        history.map {
            SimulatedFurnace(
                device: $0,
                model: FurnaceModel(id: $0.id, physics: Self.physics(of: $0), seed: seed, origin: Self.origin))
        }
    }

    /// The new furnace on a seed.
    public func newFurnace(seed: UInt64) -> SimulatedFurnace {
        SimulatedFurnace(
            device: device, model: FurnaceModel(id: device.id, physics: physics, seed: seed, origin: Self.origin))
    }

    /// A device file's physics from its attributes alone.
    public static func physics(of file: DeviceFile) -> FurnacePhysics {
        FurnacePhysics.from(attributes: Dictionary(uniqueKeysWithValues: file.attributes.map { ($0.name, $0.value) }))
    }

    /// A copy of a device file as `furnace-n` with some attributes changed.
    static func withAttributes(_ base: DeviceFile, _ values: [String: Double]) -> DeviceFile {
        var file = base
        file.id = "furnace-n"
        for (index, attribute) in file.attributes.enumerated() {
            if let value = values[attribute.name] { file.attributes[index].value = value }
        }
        return file
    }

    /// The model the agent would start from: trained on a sample of the history, unweighted, as its first model.
    /// - Returns: the sampled rows and the model.
    public static func originalModel(
        trainedOn history: [LabeledRow], policy: AgentPolicy, trainer: CandidateTrainer
    ) async throws -> (source: [LabeledRow], model: TreeModel) {
        let source = CandidateBuilder.sample(history, count: CandidateBuilder.sourceRows, seed: policy.seed)
        let model = try await trainer.train(
            CandidateRequest(
                source: source, target: [], own: [], featureNames: featureNames, weighting: .none, policy: policy,
                createdAt: "benchmark")
        ).model
        return (source, model)
    }

    /// Training rows: each event's features at every checkpoint with its true minimum.
    public static func rows(_ events: [HistoryGenerator.Event]) -> [LabeledRow] {
        events.flatMap { event in
            event.features.map { LabeledRow(features: $0, minimum: event.minimumPressure, origin: event.device) }
        }
    }
}

/// A benchmark input that is not where it should be.
public struct ShiftFamilyError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
