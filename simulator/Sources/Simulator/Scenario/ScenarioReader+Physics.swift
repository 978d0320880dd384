import Plant
import YAML

extension ScenarioReader {
    /// The keys of a `physics.<device>` mapping, each with the ``PhysicsOverride`` field it sets.
    static let physicsKeys = [
        "chamber_volume", "pump_speed", "pump_age", "base_leak", "leak_episode_onset", "leak_episode_persistence",
        "leak_episode", "outgassing", "wet_charge_chance", "wet_charge_factor", "outgassing_time_constant",
        "start_temperature", "cooling_water", "event_duration", "idle", "pressure_noise", "gauge_gain",
    ]

    /// The shortest event a scenario may ask for: the agent predicts at 30, 60, ..., 180 s into an event.
    static let shortestEventSeconds = 180.0

    /// Reads `physics:`, a mapping from device id to overrides.
    mutating func readPhysics(in fields: YAMLFields, known: KnownDevices) -> [String: PhysicsOverride] {
        guard let devices = yaml.mapping("physics", in: fields, keys: nil) else { return [:] }
        var result: [String: PhysicsOverride] = [:]
        for entry in devices.entries {
            let id = entry.key.text
            let field = devices.path(id)
            let keyNode = YAMLNode(.scalar(entry.key), at: entry.keyMark)
            _ = knownDevice(id, field: field, node: keyNode, known: known)
            guard let overrides = yaml.mapping(entry.value, field: field, keys: Self.physicsKeys) else { continue }
            result[id] = readOverride(overrides)
        }
        return result
    }

    private mutating func readOverride(_ fields: YAMLFields) -> PhysicsOverride {
        var override = PhysicsOverride()
        override.chamberVolumeM3 = number("chamber_volume", in: fields, "above 0") { $0 > 0 }
        override.pumpNominalSpeedM3h = number("pump_speed", in: fields, "above 0") { $0 > 0 }
        override.pumpAgeYears = number("pump_age", in: fields, "0 or more") { $0 >= 0 }
        override.baseLeakMbarM3s = number("base_leak", in: fields, "0 or more") { $0 >= 0 }
        override.leakEpisodeOnset = number("leak_episode_onset", in: fields, "within 0...1") { (0...1).contains($0) }
        override.leakEpisodePersistence = number("leak_episode_persistence", in: fields, "within 0...1") {
            (0...1).contains($0)
        }
        override.leakEpisodeMbarM3s = numberRange("leak_episode", in: fields, "0 or more") { $0 >= 0 }
        override.outgassingMbarM3s = numberRange("outgassing", in: fields, "above 0") { $0 > 0 }
        override.wetChargeChance = number("wet_charge_chance", in: fields, "within 0...1") { (0...1).contains($0) }
        override.wetChargeFactor = numberRange("wet_charge_factor", in: fields, "1 or more") { $0 >= 1 }
        override.outgassingTimeConstantS = yaml.positiveDuration("outgassing_time_constant", in: fields)
        override.startTemperatureC = numberRange("start_temperature", in: fields, "within -50...500 °C") {
            (-50...500).contains($0)
        }
        override.coolingWaterC = numberRange("cooling_water", in: fields, "within 0...100 °C") {
            (0...100).contains($0)
        }
        override.eventDurationS = durationRange(
            "event_duration", in: fields, "at least 3m (the agent predicts up to 180 s into an event)"
        ) { $0 >= Self.shortestEventSeconds }
        override.idleS = durationRange("idle", in: fields, "longer than 0") { $0 > 0 }
        override.pressureNoise = number("pressure_noise", in: fields, "within 0...0.5") { (0...0.5).contains($0) }
        override.pressureGaugeGain = number("gauge_gain", in: fields, "within 0.1...10") { (0.1...10).contains($0) }
        return override
    }

    // MARK: Values with bounds

    /// The number under `key`, which must satisfy `valid` (`requirement` says how, in a message).
    private mutating func number(
        _ key: String, in fields: YAMLFields, _ requirement: String, valid: (Double) -> Bool
    ) -> Double? {
        guard let node = fields[key] else { return nil }
        return bounded(
            yaml.number(node, field: fields.path(key)), node: node, field: fields.path(key), requirement, valid)
    }

    /// The number range under `key`: `[low, high]`, or one number for a fixed value.
    private mutating func numberRange(
        _ key: String, in fields: YAMLFields, _ requirement: String, valid: (Double) -> Bool
    ) -> ClosedRange<Double>? {
        range(key, in: fields, format: Self.numberText) { reader, node, field in
            reader.bounded(reader.yaml.number(node, field: field), node: node, field: field, requirement, valid)
        }
    }

    /// The duration range under `key`, in seconds: `[2m, 6m]`, or one duration for a fixed value.
    private mutating func durationRange(
        _ key: String, in fields: YAMLFields, _ requirement: String, valid: (Double) -> Bool
    ) -> ClosedRange<Double>? {
        range(key, in: fields, format: YAMLSchemaReader.format(seconds:)) { reader, node, field in
            reader.bounded(reader.yaml.duration(node, field: field), node: node, field: field, requirement, valid)
        }
    }

    private mutating func range(
        _ key: String, in fields: YAMLFields, format: (Double) -> String,
        read: (inout ScenarioReader, YAMLNode, String) -> Double?
    ) -> ClosedRange<Double>? {
        guard let node = fields[key] else { return nil }
        let field = fields.path(key)
        guard let items = node.sequence else {
            if node.mapping != nil {
                yaml.report("must be [low, high] or one value, found a mapping", field: field, node: node)
                return nil
            }
            return read(&self, node, field).map { $0...$0 }
        }
        guard items.count == 2 else {
            yaml.report("must be [low, high], found a list of \(items.count)", field: field, node: node)
            return nil
        }
        let low = read(&self, items[0], YAMLFields.item(field, 0))
        let high = read(&self, items[1], YAMLFields.item(field, 1))
        guard let low, let high else { return nil }
        guard low <= high else {
            yaml.report(
                "the low end \(format(low)) is above the high end \(format(high))", field: field, at: node.mark)
            return nil
        }
        return low...high
    }

    private mutating func bounded(
        _ value: Double?, node: YAMLNode, field: String, _ requirement: String, _ valid: (Double) -> Bool
    ) -> Double? {
        guard let value else { return nil }
        guard valid(value) else {
            yaml.report("\(node.scalar?.text ?? "") must be \(requirement)", field: field, node: node)
            return nil
        }
        return value
    }

    private static func numberText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
