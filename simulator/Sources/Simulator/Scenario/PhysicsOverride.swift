/// A scenario's changes to one furnace's physics: every field that is set replaces the value the device file's
/// attributes gave (see ``FurnacePhysics/from(attributes:)``); the others are left alone.
///
/// The scenario file's `physics.<device>` keys map to these fields; `docs/scenarios.md` lists them with units.
public struct PhysicsOverride: Sendable, Equatable {
    /// `chamber_volume`, m³.
    public var chamberVolumeM3: Double?
    /// `pump_speed`, the pump set's nominal speed, m³/h.
    public var pumpNominalSpeedM3h: Double?
    /// `pump_age`, years.
    public var pumpAgeYears: Double?
    /// `base_leak`, mbar·m³/s.
    public var baseLeakMbarM3s: Double?
    /// `leak_episode_onset`, a probability per event.
    public var leakEpisodeOnset: Double?
    /// `leak_episode_persistence`, a probability per event.
    public var leakEpisodePersistence: Double?
    /// `leak_episode`, mbar·m³/s.
    public var leakEpisodeMbarM3s: ClosedRange<Double>?
    /// `outgassing`, mbar·m³/s (drawn log-uniformly).
    public var outgassingMbarM3s: ClosedRange<Double>?
    /// `wet_charge_chance`, a probability per event.
    public var wetChargeChance: Double?
    /// `wet_charge_factor`: how many times more a wet charge outgasses.
    public var wetChargeFactor: ClosedRange<Double>?
    /// `outgassing_time_constant`, seconds (at 25 °C).
    public var outgassingTimeConstantS: Double?
    /// `start_temperature`, °C.
    public var startTemperatureC: ClosedRange<Double>?
    /// `cooling_water`, °C.
    public var coolingWaterC: ClosedRange<Double>?
    /// `event_duration`, seconds.
    public var eventDurationS: ClosedRange<Double>?
    /// `idle`, seconds between two events.
    public var idleS: ClosedRange<Double>?
    /// `pressure_noise`, the gauge's relative standard deviation.
    public var pressureNoise: Double?
    /// `gauge_gain`: how many times the true pressure the gauge reads.
    public var pressureGaugeGain: Double?

    /// An override that changes nothing; set the fields to change.
    public init() {}

    /// Whether the override changes nothing.
    public var isEmpty: Bool { self == PhysicsOverride() }

    /// `physics` with every set field replaced.
    public func applied(to physics: FurnacePhysics) -> FurnacePhysics {
        var result = physics
        if let chamberVolumeM3 { result.chamberVolumeM3 = chamberVolumeM3 }
        if let pumpNominalSpeedM3h { result.pumpNominalSpeedM3h = pumpNominalSpeedM3h }
        if let pumpAgeYears { result.pumpAgeYears = pumpAgeYears }
        if let baseLeakMbarM3s { result.baseLeakMbarM3s = baseLeakMbarM3s }
        if let leakEpisodeOnset { result.leakEpisodeOnset = leakEpisodeOnset }
        if let leakEpisodePersistence { result.leakEpisodePersistence = leakEpisodePersistence }
        if let leakEpisodeMbarM3s { result.leakEpisodeMbarM3s = leakEpisodeMbarM3s }
        if let outgassingMbarM3s { result.outgassingMbarM3s = outgassingMbarM3s }
        if let wetChargeChance { result.wetChargeChance = wetChargeChance }
        if let wetChargeFactor { result.wetChargeFactor = wetChargeFactor }
        if let outgassingTimeConstantS { result.outgassingTimeConstantS = outgassingTimeConstantS }
        if let startTemperatureC { result.startTemperatureC = startTemperatureC }
        if let coolingWaterC { result.coolingWaterC = coolingWaterC }
        if let eventDurationS { result.eventDurationS = eventDurationS }
        if let idleS { result.idleS = idleS }
        if let pressureNoise { result.pressureNoise = pressureNoise }
        if let pressureGaugeGain { result.pressureGaugeGain = pressureGaugeGain }
        return result
    }
}
