public import Plant
import Support

/// Turns decoded raw values into readings: scale and offset, then NaN, valid range and stuck-sensor checks.
///
/// One per device: it remembers each signal's recent values to recognise a stuck sensor.
public struct SignalValidator: Sendable {
    public let device: String
    private var repeats: [String: (raw: Double, count: Int)] = [:]

    public init(device: String) { self.device = device }

    /// The reading for one signal's raw value.
    public mutating func reading(for signal: SignalDefinition, raw: Double, at time: Int64) -> Reading {
        guard raw.isFinite else {
            repeats[signal.name] = nil
            return .missing(
                device: device, signal: signal.name, at: time, status: .notANumber,
                detail: "device sent \(raw) for \(signal.name)", raw: raw)
        }
        let value = signal.engineeringValue(raw: raw)
        if let stuckAfter = signal.stuckAfter {
            let previous = repeats[signal.name]
            let count = previous?.raw == raw ? (previous?.count ?? 0) + 1 : 1
            repeats[signal.name] = (raw, count)
            if count >= stuckAfter {
                return .missing(
                    device: device, signal: signal.name, at: time, status: .stuck,
                    detail:
                        "\(signal.name) unchanged at \(format(value)) for \(count) readings (stuck_after: \(stuckAfter))",
                    raw: raw)
            }
        }
        if let range = signal.validRange, !range.contains(value) {
            return .missing(
                device: device, signal: signal.name, at: time, status: .outOfRange,
                detail: "\(format(value))\(signal.unit.map { " \($0)" } ?? "") outside the valid range "
                    + "\(format(range.lowerBound))...\(format(range.upperBound))",
                raw: raw)
        }
        return .ok(device: device, signal: signal.name, at: time, value: value, raw: raw)
    }

    /// A missing reading for a signal, with the reason it could not be read.
    public mutating func missing(
        _ signal: SignalDefinition, status: ReadingStatus, detail: String, at time: Int64
    )
        -> Reading
    {
        repeats[signal.name] = nil
        return .missing(device: device, signal: signal.name, at: time, status: status, detail: detail)
    }

    private func format(_ value: Double) -> String { NumberFormat.exact(value) }
}
