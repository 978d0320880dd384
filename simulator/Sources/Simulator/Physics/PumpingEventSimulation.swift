import Glibc

/// The random conditions of one pumping event, drawn from the furnace's physics and a seed.
public struct PumpingEventConditions: Sendable, Equatable {
    /// 0-based index of the event on its furnace.
    public var index: Int
    public var durationS: Double
    public var idleAfterS: Double
    public var atmosphereMbar: Double
    public var startTemperatureC: Double
    public var coolingWaterC: Double
    /// Moisture/outgassing load at the start, mbar·m³/s.
    public var outgassingMbarM3s: Double
    /// Time constant of the outgassing decay, s (a hot chamber gives its water up faster).
    public var outgassingTimeConstantS: Double
    /// Total leak throughput, mbar·m³/s (baseline plus any episode).
    public var leakMbarM3s: Double
    public var leakEpisode: Bool
    /// Seconds the main valve takes to open fully.
    public var valveOpeningS: Double
    /// This event's pump speed factor (wear and day-to-day variation).
    public var pumpFactor: Double
}

/// The noiseless course of one pumping event, second by second: what the furnace really does.
public struct PumpingEventSimulation: Sendable {
    public let conditions: PumpingEventConditions
    /// Chamber pressure at each whole second from the event start, mbar.
    public let pressureMbar: [Double]
    /// The event's true minimum pressure, mbar (what Hearth predicts).
    public let minimumPressureMbar: Double
    let physics: FurnacePhysics

    /// Integrates the pump-down: dP/dt = −S(P,t)·(P − P₀)/V + (Q_leak + Q_gas(t))/V.
    ///
    /// S is the effective speed: the nominal speed × wear × valve opening × a staging curve (backing pump alone at
    /// high pressure, the Roots booster multiplying it up to 3.5× below ~20 mbar); P₀ the pump's ultimate pressure;
    /// Q_gas the
    /// outgassing, decaying exponentially, rising with chamber temperature and fading in below ~200 mbar.
    public init(physics: FurnacePhysics, conditions: PumpingEventConditions) {
        self.physics = physics
        self.conditions = conditions
        let seconds = Int(conditions.durationS.rounded())
        let volume = physics.chamberVolumeM3
        let ultimate = 0.004 / conditions.pumpFactor
        var pressure = conditions.atmosphereMbar
        var course = [Double](repeating: 0, count: seconds + 1)
        course[0] = pressure
        var minimum = pressure
        let steps = 4
        let dt = 1.0 / Double(steps)
        for second in 1...max(seconds, 1) {
            for step in 0..<steps {
                let t = Double(second - 1) + Double(step) * dt
                let speed = Self.effectiveSpeed(
                    pressure: pressure, time: t, physics: physics, conditions: conditions)
                // Desorbing water matters in the vacuum regime; near atmosphere it is re-adsorbed as fast as it
                // leaves the walls, so its net load fades in above ~200 mbar.
                let desorption = 1 / (1 + pressure / 200)
                let gas =
                    conditions.leakMbarM3s
                    + desorption * Self.outgassing(time: t, physics: physics, conditions: conditions)
                let derivative = (-speed * (pressure - ultimate) + gas) / volume
                pressure = max(ultimate, pressure + derivative * dt)
            }
            if second <= seconds {
                course[second] = pressure
                minimum = min(minimum, pressure)
            }
        }
        pressureMbar = course
        minimumPressureMbar = minimum
    }

    /// Effective pumping speed at the chamber, m³/s.
    static func effectiveSpeed(
        pressure: Double, time: Double, physics: FurnacePhysics, conditions: PumpingEventConditions
    ) -> Double {
        let valve = valveFraction(time: time, conditions: conditions)
        // The backing pump's nominal speed at high pressure; the Roots booster multiplies it up to 3.5× below
        // ~20 mbar (its speed falls off above, where it is bypassed or overloaded).
        let staging = 1 + 2.5 / (1 + pow(pressure / 20, 2))
        return physics.nominalSpeedM3s * conditions.pumpFactor * valve * staging
    }

    /// Outgassing throughput, mbar·m³/s.
    static func outgassing(time: Double, physics: FurnacePhysics, conditions: PumpingEventConditions) -> Double {
        let temperature = conditions.startTemperatureC + 6 * min(time / 1200, 1)
        let thermal = 1 + 0.02 * (temperature - 25)
        return conditions.outgassingMbarM3s * thermal * exp(-time / conditions.outgassingTimeConstantS) + 0.02
    }

    /// How far the main valve is open (0...1) at a time into the event.
    static func valveFraction(time: Double, conditions: PumpingEventConditions) -> Double {
        min(1, max(0.15, time / conditions.valveOpeningS))
    }

    /// Pressure at a fractional second into the event (linear between whole seconds).
    public func pressure(at seconds: Double) -> Double {
        guard seconds > 0 else { return pressureMbar[0] }
        let lower = Int(seconds)
        guard lower + 1 < pressureMbar.count else { return pressureMbar[pressureMbar.count - 1] }
        let fraction = seconds - Double(lower)
        return pressureMbar[lower] * (1 - fraction) + pressureMbar[lower + 1] * fraction
    }

    /// Chamber temperature at a time into the event, °C.
    public func chamberTemperature(at seconds: Double) -> Double {
        conditions.startTemperatureC + 6 * min(seconds / 1200, 1)
    }

    /// Valve position at a time into the event, %.
    public func valvePosition(at seconds: Double) -> Double {
        100 * Self.valveFraction(time: seconds, conditions: conditions)
    }

    /// Pump motor current at a time into the event, A: grows with the gas throughput it handles and with wear.
    public func pumpCurrent(at seconds: Double) -> Double {
        let nominal = 40 * physics.pumpNominalSpeedM3h / 2500
        let load = pressure(at: seconds) / (pressure(at: seconds) + 40)
        let wearPenalty = 1 + 0.8 * (1 - conditions.pumpFactor)
        return nominal * (0.38 + 0.62 * load) * wearPenalty
    }

    /// Cooling water temperature at a time into the event, °C: inlet plus the heat the chamber gives off.
    public func coolingWaterTemperature(at seconds: Double) -> Double {
        conditions.coolingWaterC + 0.06 * (chamberTemperature(at: seconds) - 25) + 0.5 * min(seconds / 600, 1)
    }
}
