import Glibc

/// The features a minimum-pressure model sees, computed the same way for training (`hearth-sim history`, the
/// agent's own labeled events) and for serving (the agent during an event): one function, so they cannot disagree.
///
/// At a checkpoint `s` seconds into an event (30, 60, ..., 180) only polls at 0...s are used. Missing values become
/// NaN, which the tree models route by their learned default direction.
public enum PumpingEventFeatures {
    /// Identifies this feature definition in model files; a model trained on another schema is refused.
    public static let schema = "pumping-event-v1"

    /// Seconds into an event at which the agent predicts.
    public static let checkpoints: [Double] = [30, 60, 90, 120, 150, 180]

    /// The name of the training target column: the event's true minimum pressure.
    public static let target = "min_pressure_mbar"

    /// The signal names the features are computed from (besides the device's pressure signal).
    public enum Signal {
        public static let temperature = "chamber_temperature"
        public static let pumpCurrent = "pump_current"
        public static let coolingWater = "cooling_water_temperature"
        public static let valve = "valve_position"
    }

    /// The dynamic feature names, in order; static attributes follow them (see ``names(attributes:)``).
    public static let dynamicNames = [
        "seconds_into_event", "pressure_mbar", "log_pressure", "log_pressure_slope", "log_pressure_slope_60s",
        "log_pressure_rate", "log_pressure_curvature", "pressure_start_mbar", "chamber_temperature_c",
        "chamber_temperature_start_c",
        "pump_current_a", "pump_current_mean_a", "cooling_water_temperature_c", "valve_position_pct",
        "valve_position_mean_pct", "previous_event_minimum_mbar",
    ]

    /// All feature names for a set of static attribute names (sorted, so every device agrees on the order).
    public static func names(attributes: [String]) -> [String] {
        dynamicNames + attributes.sorted()
    }

    /// One poll of a running event: seconds since the event's start, and the valid values by signal name.
    public struct Sample: Sendable, Equatable {
        public var seconds: Double
        public var values: [String: Double]

        public init(seconds: Double, values: [String: Double]) {
            self.seconds = seconds
            self.values = values
        }
    }

    /// The features at `checkpoint` seconds into the event.
    /// - Parameters:
    ///   - samples: the event's polls so far, from its start (time 0); those after the checkpoint are ignored.
    ///   - pressureSignal: the device's pressure signal name.
    ///   - attributes: the device's static attributes.
    ///   - previousMinimum: the previous event's minimum pressure, when known.
    /// - Returns: a value for each name of ``names(attributes:)`` (NaN where unknown).
    public static func compute(
        samples: [Sample], checkpoint: Double, pressureSignal: String, attributes: [StaticAttribute],
        previousMinimum: Double?
    ) -> [String: Double] {
        let window = samples.filter { $0.seconds <= checkpoint + 1e-6 }.sorted { $0.seconds < $1.seconds }
        func value(_ signal: String, near seconds: Double) -> Double {
            // The poll closest to the wanted time, within half a poll interval.
            guard let sample = window.min(by: { abs($0.seconds - seconds) < abs($1.seconds - seconds) }),
                abs(sample.seconds - seconds) <= 15, let value = sample.values[signal]
            else { return .nan }
            return value
        }
        func mean(_ signal: String) -> Double {
            let values = window.compactMap { $0.values[signal] }
            return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        }
        func logarithm(_ value: Double) -> Double { value > 0 ? log(value) : .nan }

        let now = value(pressureSignal, near: checkpoint)
        let before = value(pressureSignal, near: checkpoint - 30)
        let earlier = value(pressureSignal, near: checkpoint - 60)
        let start = value(pressureSignal, near: 0)
        let slope = (logarithm(now) - logarithm(before)) / 30
        let previousSlope = (logarithm(before) - logarithm(earlier)) / 30
        var features: [String: Double] = [
            "seconds_into_event": checkpoint,
            "pressure_mbar": now,
            "log_pressure": logarithm(now),
            "log_pressure_slope": slope,
            // Over a minute the gas load's decay (wet walls) stands out from a constant leak above gauge noise.
            "log_pressure_slope_60s": checkpoint >= 60 ? (logarithm(now) - logarithm(earlier)) / 60 : .nan,
            "log_pressure_rate": (logarithm(start) - logarithm(now)) / checkpoint,
            "log_pressure_curvature": checkpoint >= 60 ? slope - previousSlope : .nan,
            "pressure_start_mbar": start,
            "chamber_temperature_c": value(Signal.temperature, near: checkpoint),
            "chamber_temperature_start_c": value(Signal.temperature, near: 0),
            "pump_current_a": value(Signal.pumpCurrent, near: checkpoint),
            "pump_current_mean_a": mean(Signal.pumpCurrent),
            "cooling_water_temperature_c": value(Signal.coolingWater, near: checkpoint),
            "valve_position_pct": value(Signal.valve, near: checkpoint),
            "valve_position_mean_pct": mean(Signal.valve),
            "previous_event_minimum_mbar": previousMinimum ?? .nan,
        ]
        for attribute in attributes { features[attribute.name] = attribute.value }
        return features.mapValues { $0.isFinite ? $0 : .nan }
    }

    /// Features in the order of `names`, NaN for any the device does not have.
    public static func vector(_ features: [String: Double], names: [String]) -> [Double] {
        names.map { features[$0] ?? .nan }
    }
}
