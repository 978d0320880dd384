@preconcurrency import Glibc
public import Logging
import Plant
import Synchronization

/// How `hearth run` writes its log lines (`--log-format`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-23T07:36:30+0000 info hearth: device=furnace-a [Agent] collecting`: swift-log's stream format.
    case text
    /// One JSON object per line: `time`, `level`, `label`, `source`, `message`, and `metadata` when there is some.
    case json
    /// `time=… level=info source=Agent msg=collecting device=furnace-a`: logfmt, one record per line.
    case logfmt
}

/// Writes each log record as one line on standard error, in a ``LogFormat``.
///
/// A warning repeated with the same message for the same device is written at most once a minute, the next line
/// carrying `repeated=N more in the last minute`.
///
/// Under systemd (standard error connected to the journal, which systemd says in `JOURNAL_STREAM`) each line
/// starts with its syslog priority, `<3>` for an error, which journald takes as the entry's priority and strips:
/// `journalctl -u hearth -p warning` then shows warnings and worse.
public struct LogLineHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public let label: String
    let format: LogFormat
    let priorityPrefix: Bool

    /// - Parameters:
    ///   - priorityPrefix: start each line with `<priority>`; by default when standard error is the journal.
    public init(label: String, format: LogFormat, priorityPrefix: Bool = LogLineHandler.standardErrorIsJournal()) {
        self.label = label
        self.format = format
        self.priorityPrefix = priorityPrefix
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        // A warning that repeats (a poll overrunning its interval at every poll of a slow link) is written at most
        // once a minute per message and device, with how many were left out since.
        if event.level == .warning {
            let key = "\(event.message)|\(merged["device"].map { "\($0)" } ?? "")"
            let now = Self.monotonicSeconds()
            let suppressed = Self.repeats.withLock { $0.admit(key, at: now) }
            guard let suppressed else { return }
            if suppressed > 0 { merged["repeated"] = "\(suppressed) more in the last minute" }
        }
        let line =
            (priorityPrefix ? "<\(Self.priority(event.level))>" : "")
            + Self.line(
                format: format, time: Self.timestamp(utc: format != .text), level: event.level, label: label,
                source: event.source, message: "\(event.message)", metadata: merged)
        Self.output.withLock { _ in
            fputs(line + "\n", stderr)
            fflush(stderr)
        }
    }

    /// One record, formatted.
    public static func line(
        format: LogFormat, time: String, level: Logger.Level, label: String, source: String, message: String,
        metadata: Logger.Metadata
    ) -> String {
        let fields = metadata.keys.sorted().map { ($0, "\(metadata[$0]!)") }
        switch format {
        case .text:
            let pairs = fields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            return "\(time) \(level) \(label):\(pairs.isEmpty ? "" : " " + pairs) [\(source)] \(message)"
        case .json:
            var object: [String: JSONValue] = [
                "time": .string(time), "level": .string(level.rawValue), "label": .string(label),
                "source": .string(source), "message": .string(message),
            ]
            if !fields.isEmpty {
                object["metadata"] = .object(Dictionary(fields.map { ($0.0, JSONValue.string($0.1)) }) { a, _ in a })
            }
            return JSONValue.object(object).serialized
        case .logfmt:
            let head = [("time", time), ("level", level.rawValue), ("source", source), ("msg", message)]
            return (head + fields).map { "\($0.0)=\(logfmtValue($0.1))" }.joined(separator: " ")
        }
    }

    /// syslog's priority of a level: 7 debug ... 2 critical.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Whether standard error is the journal: systemd sets `JOURNAL_STREAM` to the device and inode of the stream
    /// it connected, which a redirected standard error no longer matches.
    public static func standardErrorIsJournal() -> Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        var status = stat()
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]),
            fstat(STDERR_FILENO, &status) == 0
        else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    private static let output = Mutex<Void>(())
    /// Real seconds between two lines of one repeated warning.
    public static let repeatIntervalSeconds = 60.0
    private static let repeats = Mutex(RepeatedLineLimiter(intervalSeconds: repeatIntervalSeconds))

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" }
        guard !plain else { return value }
        var escaped = ""
        for character in value {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return "\"" + escaped + "\""
    }

    /// Now, as `2026-11-23T07:36:30+0000` (local time, as swift-log's stream handler) or, for the machine-read
    /// formats, `2026-11-23T07:36:30.123Z`.
    private static func timestamp(utc: Bool) -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        if utc { gmtime_r(&seconds, &parts) } else { localtime_r(&seconds, &parts) }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, utc ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%dT%H:%M:%S%z", &parts)
        let text = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard utc else { return text }
        let milliseconds = now.tv_nsec / 1_000_000
        return text + "." + (milliseconds < 10 ? "00" : milliseconds < 100 ? "0" : "") + "\(milliseconds)Z"
    }
}

/// Lets a repeated line through at most once per interval, counting the ones it holds back.
public struct RepeatedLineLimiter: Sendable {
    /// Seconds between two lines with one key.
    public let intervalSeconds: Double
    private var entries: [String: (written: Double, suppressed: Int)] = [:]

    public init(intervalSeconds: Double) { self.intervalSeconds = intervalSeconds }

    /// Whether a line with `key` may be written at `seconds` (any monotonic clock): `nil` when it is held back,
    /// else how many were held back since the last one written.
    public mutating func admit(_ key: String, at seconds: Double) -> Int? {
        if let entry = entries[key], seconds - entry.written < intervalSeconds {
            entries[key] = (entry.written, entry.suppressed + 1)
            return nil
        }
        let held = entries[key]?.suppressed ?? 0
        entries[key] = (seconds, 0)
        return held
    }
}
