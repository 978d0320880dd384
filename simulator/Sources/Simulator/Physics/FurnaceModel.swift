import Glibc
import Support
import Synchronization

/// What a furnace's sensors show at one moment.
public struct FurnaceState: Sendable, Equatable {
    public var timeMilliseconds: Int64
    public var chamberPressureMbar: Double
    public var chamberTemperatureC: Double
    public var pumpCurrentA: Double
    public var coolingWaterTemperatureC: Double
    public var valvePositionPercent: Double
    public var eventRunning: Bool
    /// The last finished event's minimum pressure; NaN before the first event has finished.
    public var lastEventMinimumMbar: Double
    /// How many events have started (the running event's number while one runs).
    public var eventNumber: Int

    /// The simulated quantity a device-file signal name stands for, if any.
    public func quantity(named name: String) -> Double? {
        switch name {
        case "chamber_pressure": chamberPressureMbar
        case "chamber_temperature": chamberTemperatureC
        case "pump_current": pumpCurrentA
        case "cooling_water_temperature": coolingWaterTemperatureC
        case "valve_position": valvePositionPercent
        case "event_running": eventRunning ? 1 : 0
        case "last_event_minimum": lastEventMinimumMbar
        case "event_number": Double(eventNumber)
        default: nil
        }
    }

    /// The signal names the simulator knows how to fill.
    public static let quantityNames = [
        "chamber_pressure", "chamber_temperature", "pump_current", "cooling_water_temperature", "valve_position",
        "event_running", "last_event_minimum", "event_number",
    ]
}

/// One simulated furnace through time: its schedule of pumping events and the state of its sensors at any moment.
///
/// Every value is a pure function of (seed, furnace id, plant time): asking twice gives the same answer, and two
/// processes with the same seed simulate the same plant.
public final class FurnaceModel: Sendable {
    public let id: String
    public let physics: FurnacePhysics
    public let seed: UInt64
    /// Plant time at which the simulation begins, ms since the Unix epoch.
    public let origin: Int64
    private let key: UInt64
    private let cache = Mutex(Cache())

    /// One scheduled event.
    public struct ScheduledEvent: Sendable {
        public var index: Int
        /// Plant time the pump-down starts, ms.
        public var start: Int64
        /// Plant time it ends, ms.
        public var end: Int64
        public var simulation: PumpingEventSimulation
    }

    private struct Cache: ~Copyable {
        var starts: [Int64] = []
        var conditions: [PumpingEventConditions] = []
        var simulations: [Int: PumpingEventSimulation] = [:]
    }

    /// - Parameters:
    ///   - origin: plant time the simulation starts; the first event starts 0–5 minutes later (per furnace).
    public init(id: String, physics: FurnacePhysics, seed: UInt64, origin: Int64) {
        self.id = id
        self.physics = physics
        self.seed = seed
        self.origin = origin
        key = SeededGenerator.key(id)
    }

    /// The event with this index (0-based), simulated on first use.
    public func event(_ index: Int) -> ScheduledEvent {
        cache.withLock { cache in
            extend(&cache, through: index)
            let conditions = cache.conditions[index]
            let simulation: PumpingEventSimulation
            if let cached = cache.simulations[index] {
                simulation = cached
            } else {
                simulation = PumpingEventSimulation(physics: physics, conditions: conditions)
                if cache.simulations.count > 64 { cache.simulations.removeAll() }
                cache.simulations[index] = simulation
            }
            let start = cache.starts[index]
            return ScheduledEvent(
                index: index, start: start, end: start + Int64(conditions.durationS.rounded() * 1000),
                simulation: simulation)
        }
    }

    /// The index of the last event that started at or before `time`, or nil before the first.
    public func eventIndex(at time: Int64) -> Int? {
        cache.withLock { cache in
            if cache.starts.isEmpty { extend(&cache, through: 0) }
            while let last = cache.starts.last, last <= time { extend(&cache, through: cache.starts.count) }
            var low = 0
            var high = cache.starts.count - 1
            guard cache.starts[0] <= time else { return nil }
            while low < high {
                let middle = (low + high + 1) / 2
                if cache.starts[middle] <= time { low = middle } else { high = middle - 1 }
            }
            return low
        }
    }

    /// The true (noiseless) state at a plant time.
    public func trueState(at time: Int64) -> FurnaceState {
        guard let index = eventIndex(at: time) else {
            return idleState(at: time, after: nil, next: event(0))
        }
        let current = event(index)
        let previousMinimum = index > 0 ? event(index - 1).simulation.minimumPressureMbar : .nan
        if time <= current.end {
            let seconds = Double(time - current.start) / 1000
            let simulation = current.simulation
            return FurnaceState(
                timeMilliseconds: time, chamberPressureMbar: simulation.pressure(at: seconds),
                chamberTemperatureC: simulation.chamberTemperature(at: seconds),
                pumpCurrentA: simulation.pumpCurrent(at: seconds),
                coolingWaterTemperatureC: simulation.coolingWaterTemperature(at: seconds),
                valvePositionPercent: simulation.valvePosition(at: seconds), eventRunning: true,
                lastEventMinimumMbar: previousMinimum, eventNumber: index + 1)
        }
        return idleState(at: time, after: current, next: event(index + 1))
    }

    /// What the sensors read at a plant time: the true state plus deterministic measurement noise.
    public func measuredState(at time: Int64) -> FurnaceState {
        var state = trueState(at: time)
        var noise = SeededGenerator(seed: seed, key, UInt64(bitPattern: time / 1000), 0x6E6F_6973_65)
        state.chamberPressureMbar *= physics.pressureGaugeGain * max(0.5, 1 + physics.pressureNoise * noise.gaussian())
        state.lastEventMinimumMbar *= physics.pressureGaugeGain
        state.chamberTemperatureC += 0.15 * noise.gaussian()
        state.pumpCurrentA = max(0, state.pumpCurrentA + 0.25 * noise.gaussian())
        state.coolingWaterTemperatureC += 0.08 * noise.gaussian()
        return state
    }

    private func idleState(at time: Int64, after previous: ScheduledEvent?, next: ScheduledEvent) -> FurnaceState {
        let atmosphere = next.simulation.conditions.atmosphereMbar
        let nominalCurrent = 40 * physics.pumpNominalSpeedM3h / 2500
        guard let previous else {
            return FurnaceState(
                timeMilliseconds: time, chamberPressureMbar: atmosphere,
                chamberTemperatureC: next.simulation.conditions.startTemperatureC,
                pumpCurrentA: nominalCurrent * 0.3, coolingWaterTemperatureC: next.simulation.conditions.coolingWaterC,
                valvePositionPercent: 0, eventRunning: false, lastEventMinimumMbar: .nan, eventNumber: 0)
        }
        let sinceEnd = Double(time - previous.end) / 1000
        let idleLength = max(1, Double(next.start - previous.end) / 1000)
        let endPressure = previous.simulation.pressureMbar.last ?? atmosphere
        // Venting brings the chamber back to atmosphere within about a minute.
        let pressure = atmosphere - (atmosphere - endPressure) * exp(-sinceEnd / 12)
        let fraction = min(1, sinceEnd / idleLength)
        let endTemperature = previous.simulation.chamberTemperature(at: previous.simulation.conditions.durationS)
        let temperature = endTemperature + (next.simulation.conditions.startTemperatureC - endTemperature) * fraction
        let water =
            previous.simulation.conditions.coolingWaterC
            + (next.simulation.conditions.coolingWaterC - previous.simulation.conditions.coolingWaterC) * fraction
        return FurnaceState(
            timeMilliseconds: time, chamberPressureMbar: pressure, chamberTemperatureC: temperature,
            pumpCurrentA: nominalCurrent * 0.3, coolingWaterTemperatureC: water, valvePositionPercent: 0,
            eventRunning: false, lastEventMinimumMbar: previous.simulation.minimumPressureMbar,
            eventNumber: previous.index + 1)
    }

    /// Draws conditions and start times up to event `index`.
    private func extend(_ cache: inout Cache, through index: Int) {
        while cache.conditions.count <= index {
            let k = cache.conditions.count
            var random = SeededGenerator(seed: seed, key, UInt64(k), 0x6576_656E_74)
            let previousLeak = cache.conditions.last?.leakEpisode ?? false
            let leakChance = previousLeak ? physics.leakEpisodePersistence : physics.leakEpisodeOnset
            let leakEpisode = random.uniform() < leakChance
            let episode =
                leakEpisode
                ? random.uniform(physics.leakEpisodeMbarM3s.lowerBound, physics.leakEpisodeMbarM3s.upperBound) : 0
            let logLow = log(physics.outgassingMbarM3s.lowerBound)
            let logHigh = log(physics.outgassingMbarM3s.upperBound)
            let wet = random.uniform() < physics.wetChargeChance
            let wetness =
                wet ? random.uniform(physics.wetChargeFactor.lowerBound, physics.wetChargeFactor.upperBound) : 1
            let startTemperature = random.uniform(
                physics.startTemperatureC.lowerBound, physics.startTemperatureC.upperBound)
            let decay = physics.outgassingTimeConstantS * max(0.3, 1 - 0.01 * (startTemperature - 25))
            let conditions = PumpingEventConditions(
                index: k,
                durationS: random.uniform(physics.eventDurationS.lowerBound, physics.eventDurationS.upperBound),
                idleAfterS: random.uniform(physics.idleS.lowerBound, physics.idleS.upperBound),
                atmosphereMbar: 1000 + 15 * random.gaussian(),
                startTemperatureC: startTemperature,
                coolingWaterC: random.uniform(physics.coolingWaterC.lowerBound, physics.coolingWaterC.upperBound),
                outgassingMbarM3s: exp(random.uniform(logLow, logHigh)) * wetness,
                outgassingTimeConstantS: decay * random.uniform(0.9, 1.1),
                leakMbarM3s: physics.baseLeakMbarM3s * random.uniform(0.6, 1.4) + episode,
                leakEpisode: leakEpisode, valveOpeningS: random.uniform(10, 30),
                pumpFactor: physics.wearFactor * (1 + 0.04 * random.gaussian()))
            let start: Int64
            if let last = cache.conditions.last, let lastStart = cache.starts.last {
                start = lastStart + Int64(((last.durationS.rounded()) + last.idleAfterS) * 1000)
            } else {
                var offset = SeededGenerator(seed: seed, key, 0x6F66_6673_6574)
                start = origin + Int64(offset.uniform(0, 300) * 1000)
            }
            cache.conditions.append(conditions)
            cache.starts.append(start)
        }
    }
}
