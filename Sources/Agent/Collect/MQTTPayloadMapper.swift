public import Plant

/// Turns one MQTT device's JSON payloads into readings, by the dotted paths its device file gives.
public struct MQTTPayloadMapper: Sendable {
    public let device: DeviceFile
    private let timestampPath: String?
    private var validator: SignalValidator

    public init(device: DeviceFile) {
        self.device = device
        if case .mqtt(let subscription) = device.connection {
            timestampPath = subscription.timestampPath
        } else {
            timestampPath = nil
        }
        validator = SignalValidator(device: device.id)
    }

    /// The plant time a payload speaks of: its timestamp field (seconds, or milliseconds when above 1e11),
    /// or the arrival time when it has none.
    public func time(of payload: JSONValue, receivedAt: Int64) -> Int64 {
        guard let timestampPath, case .number(let stamp) = payload.value(atPath: timestampPath), stamp.isFinite,
            stamp > 0
        else { return receivedAt }
        return stamp > 1e11 ? Int64(stamp.rounded()) : Int64((stamp * 1000).rounded())
    }

    /// One reading per signal of the device, in device-file order.
    public mutating func readings(from payload: [UInt8], receivedAt: Int64) -> [Reading] {
        let document: JSONValue
        do {
            document = try JSONValue.parse(payload)
        } catch {
            return device.signals.map {
                validator.missing($0, status: .invalidPayload, detail: error.reason, at: receivedAt)
            }
        }
        let time = self.time(of: document, receivedAt: receivedAt)
        return device.signals.map { signal in
            guard case .json(let path) = signal.source else {
                return validator.missing(signal, status: .missingField, detail: "signal has no JSON path", at: time)
            }
            switch document.value(atPath: path) {
            case nil:
                return validator.missing(
                    signal, status: .missingField, detail: "payload has no field \(path)", at: time)
            case .number(let raw):
                return validator.reading(for: signal, raw: raw, at: time)
            case .bool(let flag):
                return validator.reading(for: signal, raw: flag ? 1 : 0, at: time)
            case .null:
                return validator.missing(signal, status: .notANumber, detail: "\(path) is null", at: time)
            case .string(let text):
                if let raw = Double(text) { return validator.reading(for: signal, raw: raw, at: time) }
                return validator.missing(
                    signal, status: .invalidPayload, detail: "\(path) is the text \"\(text.prefix(40))\", not a number",
                    at: time)
            case .array, .object:
                return validator.missing(
                    signal, status: .invalidPayload, detail: "\(path) is an object or array, not a number", at: time)
            }
        }
    }

    /// Readings saying that no message arrived in time.
    public mutating func silence(at time: Int64, since last: Int64?) -> [Reading] {
        let detail =
            last.map { "no message on the device's topic for \((time - $0) / 1000) s" }
            ?? "no message on the device's topic since collection started"
        return device.signals.map { validator.missing($0, status: .noData, detail: detail, at: time) }
    }
}
