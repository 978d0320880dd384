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

    /// How far a payload's timestamp may lie ahead of its arrival (clock skew between the sender and this box).
    public static let maximumLeadSeconds: Double = 600
    /// How far a payload's timestamp may lie behind its arrival (a broker redelivering after an outage).
    public static let maximumAgeSeconds: Double = 7 * 86_400

    /// When a payload says it was measured.
    public enum Stamp: Sendable, Equatable {
        /// The payload's own timestamp, in plant milliseconds.
        case payload(Int64)
        /// The payload has no timestamp field: its arrival time.
        case arrival(Int64)
        /// The timestamp field is there but unusable (not a number, or not a plausible time near the arrival):
        /// the arrival time, with the reason.
        case implausible(Int64, reason: String)

        /// The time the readings are stored under.
        public var milliseconds: Int64 {
            switch self {
            case .payload(let time), .arrival(let time), .implausible(let time, _): time
            }
        }
    }

    /// The plant time a payload speaks of: its timestamp field (seconds, or milliseconds when above 1e11) when it
    /// lies between ``maximumAgeSeconds`` before and ``maximumLeadSeconds`` after the arrival, else the arrival.
    /// Never traps, whatever the number (a value from outside the process).
    public func stamp(of payload: JSONValue, receivedAt: Int64) -> Stamp {
        guard let timestampPath else { return .arrival(receivedAt) }
        let field = payload.value(atPath: timestampPath)
        guard let field else { return .arrival(receivedAt) }
        guard case .number(let stamp) = field else {
            return .implausible(receivedAt, reason: "timestamp \(timestampPath) is not a number")
        }
        let milliseconds = stamp > 1e11 ? stamp : stamp * 1000
        let arrival = Double(receivedAt)
        guard milliseconds.isFinite, milliseconds >= arrival - Self.maximumAgeSeconds * 1000,
            milliseconds <= arrival + Self.maximumLeadSeconds * 1000
        else {
            return .implausible(
                receivedAt,
                reason:
                    "timestamp \(timestampPath) = \(stamp) is not within \(Int(Self.maximumAgeSeconds / 86_400)) days "
                    + "before or \(Int(Self.maximumLeadSeconds / 60)) minutes after the message's arrival at "
                    + PlantTime.iso8601(receivedAt))
        }
        // Within a few days of an Int64 arrival time: the conversion cannot overflow.
        return .payload(Int64(milliseconds.rounded()))
    }

    /// The largest payload read, in bytes: sensor payloads are a few hundred bytes, and parsing time grows with the
    /// size (a megabyte of numbers took seconds), so a larger one is refused before it is parsed.
    public static let maximumPayloadBytes = 64 * 1024

    /// One reading per signal of the device, in device-file order.
    public mutating func readings(from payload: [UInt8], receivedAt: Int64) -> [Reading] {
        guard payload.count <= Self.maximumPayloadBytes else {
            let detail = "payload of \(payload.count) bytes is larger than \(Self.maximumPayloadBytes / 1024) KiB"
            return device.signals.map {
                validator.missing($0, status: .invalidPayload, detail: detail, at: receivedAt)
            }
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(payload)
        } catch {
            return device.signals.map {
                validator.missing($0, status: .invalidPayload, detail: error.reason, at: receivedAt)
            }
        }
        let stamp = self.stamp(of: document, receivedAt: receivedAt)
        let time = stamp.milliseconds
        if case .implausible(_, let reason) = stamp {
            // Values without a trustworthy time are kept as evidence but not used.
            return device.signals.map { validator.missing($0, status: .invalidPayload, detail: reason, at: time) }
        }
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
