/// One value of one signal at one moment, as collected — or the reason there is none.
public struct Reading: Sendable, Equatable {
    public var device: String
    public var signal: String
    /// Plant time of the poll or message, in milliseconds since the Unix epoch.
    public var timeMilliseconds: Int64
    /// The engineering value; present only when `status` is `.ok`.
    public var value: Double?
    /// The value decoded from the device before validation, when one was read (kept for diagnosis).
    public var raw: Double?
    public var status: ReadingStatus
    /// The reason in words: the library's message, the range that was violated, the missing field.
    public var detail: String?

    public init(
        device: String, signal: String, timeMilliseconds: Int64, value: Double?, raw: Double? = nil,
        status: ReadingStatus, detail: String? = nil
    ) {
        self.device = device
        self.signal = signal
        self.timeMilliseconds = timeMilliseconds
        self.value = status == .ok ? value : nil
        self.raw = raw
        self.status = status
        self.detail = detail
    }

    /// A valid reading.
    public static func ok(device: String, signal: String, at time: Int64, value: Double, raw: Double? = nil) -> Reading
    {
        Reading(device: device, signal: signal, timeMilliseconds: time, value: value, raw: raw, status: .ok)
    }

    /// A missing or invalid reading with its reason.
    public static func missing(
        device: String, signal: String, at time: Int64, status: ReadingStatus, detail: String, raw: Double? = nil
    ) -> Reading {
        Reading(
            device: device, signal: signal, timeMilliseconds: time, value: nil, raw: raw, status: status,
            detail: detail)
    }
}

/// Whether a reading holds a usable value, and if not, why.
public enum ReadingStatus: String, Sendable, CaseIterable, Equatable {
    /// A valid value within its range.
    case ok
    /// Decoded, but outside the signal's valid range.
    case outOfRange = "out_of_range"
    /// Decoded as NaN or infinity.
    case notANumber = "not_a_number"
    /// The same value too many polls in a row (`stuck_after`).
    case stuck
    /// The device did not answer within its timeout.
    case timeout
    /// The device answered with a Modbus exception.
    case exception
    /// No connection to the device (refused, lost, reconnecting).
    case disconnected
    /// The device's answer was malformed (CRC, length, unit).
    case invalidResponse = "invalid_response"
    /// No MQTT message arrived within the expected interval.
    case noData = "no_data"
    /// An MQTT payload that is not JSON, or a field of the wrong type.
    case invalidPayload = "invalid_payload"
    /// An MQTT payload without the signal's field.
    case missingField = "missing_field"

    /// Whether the reading carries a usable value.
    public var isValid: Bool { self == .ok }
}
