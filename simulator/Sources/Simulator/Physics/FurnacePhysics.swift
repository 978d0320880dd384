/// The physical make-up of one simulated ESR furnace and its vacuum system.
///
/// Furnaces differ in these, which is what shifts their data against each other (the covariate shift Hearth
/// adapts to). Defaults come from the device file's attributes; a scenario may override any of them.
public struct FurnacePhysics: Sendable, Equatable {
    /// Chamber volume, m³.
    public var chamberVolumeM3: Double
    /// Nominal pumping speed of the pump set, m³/h.
    public var pumpNominalSpeedM3h: Double
    /// Pump age, years; wear lowers the effective speed and raises the current drawn.
    public var pumpAgeYears: Double
    /// Baseline leak throughput of the chamber's seals, mbar·m³/s.
    public var baseLeakMbarM3s: Double
    /// Chance that an event starts a leak episode (a damaged seal) when there is none.
    public var leakEpisodeOnset: Double
    /// Chance that a leak episode carries over to the next event (until maintenance fixes it).
    public var leakEpisodePersistence: Double
    /// Extra leak throughput during an episode, mbar·m³/s, drawn uniformly in this range.
    public var leakEpisodeMbarM3s: ClosedRange<Double>
    /// Moisture/outgassing load at the start of an event, mbar·m³/s, drawn log-uniformly in this range.
    public var outgassingMbarM3s: ClosedRange<Double>
    /// Chance that a charge comes in wet (slag or electrode stored in humid air).
    public var wetChargeChance: Double
    /// How much more a wet charge outgasses, drawn uniformly in this range.
    public var wetChargeFactor: ClosedRange<Double>
    /// Time constant of the outgassing decay at 25 °C, s; it shortens by 1 % per °C of chamber temperature above.
    public var outgassingTimeConstantS: Double
    /// Chamber temperature at event start, °C, drawn uniformly in this range (hot after a melt).
    public var startTemperatureC: ClosedRange<Double>
    /// Cooling water inlet temperature, °C (ambient), drawn uniformly in this range.
    public var coolingWaterC: ClosedRange<Double>
    /// Duration of the pump-down event, s, drawn uniformly in this range.
    public var eventDurationS: ClosedRange<Double>
    /// Idle time between two events, s, drawn uniformly in this range.
    public var idleS: ClosedRange<Double>
    /// Relative standard deviation of the pressure gauge (a capacitance manometer reads to about ±0.3 %).
    public var pressureNoise: Double
    /// How many times the true pressure the gauge reads (1: calibrated; 1.3: a gauge recalibrated 30 % high). The
    /// furnace's own minimum is read off the same gauge.
    public var pressureGaugeGain: Double

    public init(
        chamberVolumeM3: Double = 12, pumpNominalSpeedM3h: Double = 2500, pumpAgeYears: Double = 2,
        baseLeakMbarM3s: Double = 0.05, leakEpisodeOnset: Double = 0.05, leakEpisodePersistence: Double = 0.6,
        leakEpisodeMbarM3s: ClosedRange<Double> = 2...6, outgassingMbarM3s: ClosedRange<Double> = 0.25...1.3,
        wetChargeChance: Double = 0.08, wetChargeFactor: ClosedRange<Double> = 5...12,
        outgassingTimeConstantS: Double = 1500, startTemperatureC: ClosedRange<Double> = 25...85,
        coolingWaterC: ClosedRange<Double> = 18...32, eventDurationS: ClosedRange<Double> = 1140...1260,
        idleS: ClosedRange<Double> = 300...1500, pressureNoise: Double = 0.003,
        pressureGaugeGain: Double = 1
    ) {
        self.chamberVolumeM3 = chamberVolumeM3
        self.pumpNominalSpeedM3h = pumpNominalSpeedM3h
        self.pumpAgeYears = pumpAgeYears
        self.baseLeakMbarM3s = baseLeakMbarM3s
        self.leakEpisodeOnset = leakEpisodeOnset
        self.leakEpisodePersistence = leakEpisodePersistence
        self.leakEpisodeMbarM3s = leakEpisodeMbarM3s
        self.outgassingMbarM3s = outgassingMbarM3s
        self.wetChargeChance = wetChargeChance
        self.wetChargeFactor = wetChargeFactor
        self.outgassingTimeConstantS = outgassingTimeConstantS
        self.startTemperatureC = startTemperatureC
        self.coolingWaterC = coolingWaterC
        self.eventDurationS = eventDurationS
        self.idleS = idleS
        self.pressureNoise = pressureNoise
        self.pressureGaugeGain = pressureGaugeGain
    }

    /// Physics for a furnace described only by its device file attributes (`chamber_volume_m3`,
    /// `pump_nominal_speed_m3h`, `pump_age_years`, `leak_class` 1 = tight ... 3 = leak-prone).
    public static func from(attributes: [String: Double]) -> FurnacePhysics {
        var physics = FurnacePhysics()
        if let volume = attributes["chamber_volume_m3"] { physics.chamberVolumeM3 = volume }
        if let speed = attributes["pump_nominal_speed_m3h"] { physics.pumpNominalSpeedM3h = speed }
        if let age = attributes["pump_age_years"] { physics.pumpAgeYears = age }
        if let leakClass = attributes["leak_class"] {
            let level = max(1, min(leakClass, 5))
            physics.baseLeakMbarM3s = 0.03 * level
            physics.leakEpisodeOnset = 0.035 * level
        }
        return physics
    }

    /// Fraction of the nominal speed a pump of this age still delivers.
    public var wearFactor: Double { max(0.55, 1 - 0.035 * pumpAgeYears) }

    /// Nominal speed in m³/s.
    var nominalSpeedM3s: Double { pumpNominalSpeedM3h / 3600 }
}
