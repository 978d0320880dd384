import Agent
import ArgumentParser
import Plant
import Support

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the agent's last status report: furnaces, collection, models, live errors, alarms, drift.",
        discussion:
            "Reads the report the running agent writes to its database every status_interval (also published, retained, on <topic_prefix>/<client_id>/status), and says how old it is."
    )

    @OptionGroup var location: DatabaseLocation

    @Flag(name: .long, help: "Print the report as JSON (the StatusReport document).")
    var json = false

    func run() async throws {
        let store = try location.open()
        guard let (_, bytes) = try await store.status() else {
            throw CommandFailure(
                "\(try location.path()) has no status report yet (the running agent writes one every status_interval)")
        }
        if json {
            print(String(decoding: bytes, as: UTF8.self))
            return
        }
        let report: StatusReport
        do {
            report = try JSONCoding.decode(StatusReport.self, from: bytes)
        } catch {
            throw CommandFailure("the status report in \(try location.path()) is of another version: \(error)")
        }
        for line in Self.lines(report, now: AcceleratedClock.realNow()) { print(line) }
    }

    /// The report for people.
    static func lines(_ report: StatusReport, now: Int64) -> [String] {
        var lines: [String] = []
        let age = Double(now - report.writtenAtRealMilliseconds) / 1000
        let stale = age > max(3 * report.intervalSeconds, 60)
        lines.append(
            "report of \(report.time) (plant time), written \(NumberFormat.fixed(age, decimals: 0)) s ago"
                + (stale ? " — STALE: the agent wrote none since; it may have stopped" : ""))
        let agent = report.agent
        let mib = 1_048_576.0
        lines.append(
            "agent \(agent.version): cpu \(NumberFormat.reading(agent.cpuSeconds)) s, memory "
                + "\(NumberFormat.fixed(Double(agent.residentBytes) / mib, decimals: 1)) MiB "
                + "(peak \(NumberFormat.fixed(Double(agent.peakResidentBytes) / mib, decimals: 1))), database "
                + "\(NumberFormat.fixed(Double(agent.databaseBytes) / mib, decimals: 1)) MiB, "
                + "\(NumberFormat.fixed(Double(agent.freeDiskBytes) / 1_073_741_824, decimals: 1)) GiB free")
        var outbox = "outbox: \(agent.outbox.pending) message\(agent.outbox.pending == 1 ? "" : "s") waiting"
        if let oldest = agent.outbox.oldestAgeSeconds { outbox += ", oldest \(duration(oldest)) old" }
        lines.append(outbox)
        if let broker = agent.broker {
            lines.append(
                "broker \(broker.address): \(broker.connected ? "connected" : "NOT connected")"
                    + (broker.lastError.map { " (\($0))" } ?? ""))
            if broker.clientIDClash {
                lines.append(
                    "  the broker keeps dropping this agent right after accepting it: most likely another client "
                        + "uses the same client_id")
            } else if let event = broker.lastEvent {
                lines.append("  last: \(event)")
            }
        } else {
            lines.append("broker: none configured (alarms are recorded, not published)")
        }
        for device in report.devices {
            lines.append("")
            var head = "\(device.id): \(device.predictionSource)"
            if !device.shadows.isEmpty {
                head += ", shadows " + device.shadows.map { "v\($0)" }.joined(separator: ", ")
            }
            if let watch = device.watch { head += ", watching against v\(watch)" }
            if device.onboarding { head += " (onboarding)" }
            lines.append(head)
            let collection = device.collection
            var read = "  \(collection.connection): "
            if collection.consecutiveFailures > 0 {
                read += "NOT READ for \(collection.consecutiveFailures) polls (\(collection.lastError ?? "no reason"))"
            } else {
                read += "read"
            }
            read += ", last good poll \(collection.lastGoodPoll ?? "never")"
            read +=
                "; last hour \(collection.lastHour.ok) ok, \(collection.lastHour.invalid) invalid, \(collection.lastHour.missing) missing"
            lines.append(read)
            let alarms = device.alarms
            lines.append(
                "  events \(alarms.events), failed \(alarms.failedEvents), alarms \(alarms.alarms) (confirmed \(alarms.confirmed), "
                    + "false \(alarms.falseAlarms), missed \(alarms.missed)), precision \(optional(alarms.precision)), "
                    + "recall \(optional(alarms.recall)), lead \(optional(alarms.meanLeadSeconds)) s")
            for model in device.liveMetrics {
                lines.append(
                    "  \(model.model == 0 ? "fallback rule" : "model v\(model.model)"): MAPE \(optional(model.mapePercent)) % "
                        + "from alarm_from (\(optional(model.mapeAllCheckpointsPercent)) % at all checkpoints), "
                        + "MAE \(optional(model.maeMbar)) mbar over \(model.events) events")
            }
            if let coverage = device.intervalCoverage, let share = coverage.coveredShare {
                lines.append(
                    "  \(NumberFormat.percent(100 * coverage.coverage)) intervals at \(coverage.checkpoint) s held in "
                        + "\(NumberFormat.percent(100 * share)) of \(coverage.events) events"
                        + (coverage.medianWidthFactor.map { " (median width ×\(NumberFormat.fixed($0, decimals: 1)))" }
                            ?? "")
                        + ((coverage.unboundedShare ?? 0) > 0
                            ? ", \(NumberFormat.percent(100 * (coverage.unboundedShare ?? 0))) unbounded" : "")
                        + (coverage.withoutInterval > 0 ? ", \(coverage.withoutInterval) without an interval" : ""))
            }
            if let event = device.event {
                lines.append(
                    "  event \(event.id) under way for \(NumberFormat.fixed(event.seconds, decimals: 0)) s"
                        + (event.alarm.map { ", alarm \($0.rawValue)" } ?? ""))
                if let prediction = event.prediction {
                    let source = prediction.model == 0 ? "fallback rule" : "model v\(prediction.model)"
                    let interval: String
                    if let low = prediction.lowMbar, let coverage = prediction.coverage {
                        interval =
                            ", \(NumberFormat.percent(100 * coverage)) interval \(NumberFormat.reading(low))–"
                            + "\(prediction.highMbar.map { NumberFormat.reading($0) } ?? "∞") mbar, failure probability "
                            + "\(prediction.failureProbability.map { NumberFormat.percent(100 * $0) } ?? "-")"
                            + " (\(prediction.calibrationEvents ?? 0) labeled events)"
                    } else {
                        interval =
                            ", no interval yet (fewer than \(PredictionUncertainty.minimumEvents) labeled events of this model to calibrate on)"
                    }
                    lines.append(
                        "    prediction at \(prediction.checkpoint) s: minimum "
                            + "\(NumberFormat.reading(prediction.predictedMinimumMbar)) mbar (\(source))\(interval)")
                }
                if let reasons = event.reasons, !reasons.isEmpty {
                    lines.append(
                        "    because: "
                            + reasons.map { reason in
                                "\(reason.feature) \(reason.value.map { NumberFormat.reading($0) } ?? "missing") "
                                    + "(\(reason.contributionMbar >= 0 ? "+" : "")\(NumberFormat.reading(reason.contributionMbar)) mbar)"
                            }.joined(separator: ", "))
                }
            }
            if let drift = device.drift, let last = drift.last {
                lines.append(
                    "  drift: \(drift.drifting ? "DRIFTING" : "no") (last check \(drift.checked ?? "-"): "
                        + "\(last.flagged ? "flagged" : "not flagged") against the \(last.reference) reference, "
                        + "classifier AUC \(NumberFormat.fixed(last.classifierAUC, decimals: 2)), "
                        + "MMD p \(NumberFormat.probability(last.mmdPValue)), α \(NumberFormat.exact(last.alpha)))")
            }
        }
        return lines
    }

    static func optional(_ value: Double?) -> String { value.map { NumberFormat.reading($0) } ?? "-" }

    static func duration(_ seconds: Double) -> String {
        seconds >= 3600
            ? "\(NumberFormat.fixed(seconds / 3600, decimals: 1)) h"
            : seconds >= 60
                ? "\(NumberFormat.fixed(seconds / 60, decimals: 0)) min"
                : "\(NumberFormat.fixed(seconds, decimals: 0)) s"
    }
}
