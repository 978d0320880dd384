import YAML

extension DeviceFileReader {
    static let eventKeys = ["running_signal", "pressure_rule", "pressure_signal", "threshold", "minimum_signal"]
    static let pressureRuleKeys = ["start_below", "end_above", "max_duration"]

    /// Reads `event:`; `nil` when absent or wrong.
    mutating func readEvent(in fields: YAMLFields, signals: [SignalDraft]?) -> EventDefinition? {
        guard let event = yaml.mapping("event", in: fields, keys: Self.eventKeys) else { return nil }
        let detection = readDetection(event, signals: signals)
        let pressureSignal = readSignalReference("pressure_signal", in: event, signals: signals, required: true)
        if let pressureSignal { requireNumeric(pressureSignal, key: "pressure_signal", in: event) }
        let minimumSignal = readSignalReference("minimum_signal", in: event, signals: signals, required: false)
        if let minimumSignal { requireNumeric(minimumSignal, key: "minimum_signal", in: event) }
        let threshold = readThreshold(event, pressureSignal: pressureSignal, detection: detection)
        guard let detection, let pressureSignal = pressureSignal?.name, let threshold else { return nil }
        return EventDefinition(
            detection: detection, pressureSignal: pressureSignal, threshold: threshold,
            minimumSignal: minimumSignal?.name)
    }

    private mutating func readDetection(_ event: YAMLFields, signals: [SignalDraft]?) -> EventDetection? {
        switch (event.contains("running_signal"), event.contains("pressure_rule")) {
        case (true, true):
            yaml.report(
                "give either running_signal or pressure_rule, not both", field: event.path("pressure_rule"),
                at: event.keyMark("pressure_rule"), value: "pressure_rule")
            return nil
        case (false, false):
            yaml.report(
                "needs running_signal (a bool signal that is true while an event runs) or pressure_rule",
                field: event.field, at: event.mark)
            return nil
        case (true, false):
            guard let signal = readSignalReference("running_signal", in: event, signals: signals, required: true)
            else { return nil }
            if let type = signal.location?.type, type != .bool, let node = event["running_signal"] {
                yaml.report(
                    "\(YAMLProblem.quote(signal.name ?? "")) is \(type.rawValue); running_signal must be a bool signal",
                    field: event.path("running_signal"), node: node)
                return nil
            }
            return signal.name.map(EventDetection.runningSignal)
        case (false, true):
            return readPressureRule(event)
        }
    }

    private mutating func readPressureRule(_ event: YAMLFields) -> EventDetection? {
        guard let rule = yaml.mapping("pressure_rule", in: event, keys: Self.pressureRuleKeys) else { return nil }
        let startBelow = yaml.number("start_below", in: rule, required: true)
        let endAbove = yaml.number("end_above", in: rule, required: true)
        let maximumDuration =
            rule.contains("max_duration")
            ? yaml.positiveDuration("max_duration", in: rule, within: DeviceFile.maximumEventDurationRange) : nil
        guard let startBelow, let endAbove else { return nil }
        if endAbove <= startBelow, let node = rule["end_above"] {
            yaml.report(
                "\(Self.format(endAbove)) must be above start_below (\(Self.format(startBelow))), or an event would "
                    + "end as soon as it starts",
                field: rule.path("end_above"), node: node)
            return nil
        }
        return .pressureRule(startBelow: startBelow, endAbove: endAbove, maximumDurationSeconds: maximumDuration)
    }

    private mutating func readThreshold(
        _ event: YAMLFields, pressureSignal: SignalDraft?, detection: EventDetection?
    ) -> Double? {
        guard let threshold = yaml.positiveNumber("threshold", in: event, required: true), let node = event["threshold"]
        else { return nil }
        let field = event.path("threshold")
        if let range = pressureSignal?.definition?.validRange, !range.contains(threshold) {
            yaml.report(
                "\(Self.format(threshold)) lies outside \(pressureSignal?.name ?? "")'s valid range "
                    + "[\(Self.format(range.lowerBound)), \(Self.format(range.upperBound))]",
                field: field, node: node)
            return nil
        }
        if case .pressureRule(let startBelow, _, _)? = detection, threshold >= startBelow {
            yaml.report(
                "\(Self.format(threshold)) must be below pressure_rule.start_below (\(Self.format(startBelow))), "
                    + "or no event could fail",
                field: field, node: node)
            return nil
        }
        return threshold
    }

    /// Reads a signal name and finds its signal.
    private mutating func readSignalReference(
        _ key: String, in event: YAMLFields, signals: [SignalDraft]?, required: Bool
    ) -> SignalDraft? {
        guard let name = yaml.string(key, in: event, required: required), let node = event[key] else { return nil }
        // With an unreadable signal list every reference would be unknown; that list's problem is reported already.
        guard let signals else { return nil }
        guard let signal = signals.first(where: { $0.name == name }) else {
            let names = signals.compactMap(\.name)
            yaml.report(
                "no signal is named \(YAMLProblem.quote(name))" + SpellingSuggestion.hint(for: name, among: names),
                field: event.path(key), node: node)
            return nil
        }
        return signal
    }

    private mutating func requireNumeric(_ signal: SignalDraft, key: String, in event: YAMLFields) {
        guard signal.location?.type == .bool, let node = event[key] else { return }
        yaml.report(
            "\(YAMLProblem.quote(signal.name ?? "")) is a bool signal; \(key) needs a number", field: event.path(key),
            node: node)
    }
}
