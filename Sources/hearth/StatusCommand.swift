import Agent
import ArgumentParser
import Plant
import SQLite

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the agent's last status report: furnaces, models, live errors, alarms, drift, resources.",
        discussion:
            "Reads the report the running agent writes to its database every status_interval (also published, retained, on <topic_prefix>/<client_id>/status)."
    )

    @Option(name: .long, help: "SQLite database file.")
    var database = "hearth.db"

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let store = try openDatabase(database)
        guard let row = try? store.query("SELECT time_ms, report FROM agent_status WHERE id = 1").first,
            let text = row[1].text, let report = try? JSONValue.parse(Array(text.utf8))
        else {
            throw ValidationError("\(database) has no status report yet (the agent writes one every status_interval)")
        }
        if json {
            print(text)
            return
        }
        func number(_ value: JSONValue?) -> Double? {
            if case .number(let number)? = value { return number }
            return nil
        }
        func string(_ value: JSONValue?) -> String {
            switch value {
            case .string(let text)?: text
            case .number(let number)?: ReadingPrinter.format(number)
            case .bool(let flag)?: flag ? "yes" : "no"
            default: "-"
            }
        }
        let agent = report.value(atPath: "agent")
        print("report of \(string(report.value(atPath: "time")))")
        let rss = (number(agent?.value(atPath: "resident_bytes")) ?? 0) / 1_048_576
        let peak = (number(agent?.value(atPath: "peak_resident_bytes")) ?? 0) / 1_048_576
        let disk = (number(agent?.value(atPath: "database_bytes")) ?? 0) / 1_048_576
        let free = (number(agent?.value(atPath: "free_disk_bytes")) ?? 0) / 1_073_741_824
        print(
            "agent: cpu \(ReadingPrinter.format(number(agent?.value(atPath: "cpu_seconds")) ?? 0)) s, memory "
                + "\(ReadingPrinter.format(rss)) MB (peak \(ReadingPrinter.format(peak)) MB), database \(ReadingPrinter.format(disk)) MB, "
                + "\(ReadingPrinter.format(free)) GB free, outbox \(string(agent?.value(atPath: "outbox_pending"))) pending, "
                + "broker \(string(agent?.value(atPath: "broker_connected")))")
        if case .array(let devices)? = report.value(atPath: "devices") {
            for device in devices {
                let id = string(device.value(atPath: "id"))
                var shadows = ""
                if case .array(let list)? = device.value(atPath: "shadows"), !list.isEmpty {
                    shadows = ", shadows " + list.map { "v" + string($0) }.joined(separator: ", ")
                }
                print(
                    "\n\(id): \(string(device.value(atPath: "prediction_source")))\(shadows)"
                        + (device.value(atPath: "onboarding") == .bool(true) ? " (onboarding)" : "")
                        + (device.value(atPath: "training") == .bool(true) ? " (training a candidate)" : ""))
                let alarms = device.value(atPath: "alarms")
                print(
                    "  events \(string(alarms?.value(atPath: "events"))), failed \(string(alarms?.value(atPath: "failed_events"))), "
                        + "alarms \(string(alarms?.value(atPath: "alarms"))) (confirmed \(string(alarms?.value(atPath: "confirmed"))), "
                        + "false \(string(alarms?.value(atPath: "false_alarms"))), missed \(string(alarms?.value(atPath: "missed")))), "
                        + "precision \(string(alarms?.value(atPath: "precision"))), recall \(string(alarms?.value(atPath: "recall"))), "
                        + "lead \(string(alarms?.value(atPath: "mean_lead_seconds"))) s")
                if case .array(let models)? = device.value(atPath: "live_metrics") {
                    for model in models {
                        let version = string(model.value(atPath: "model"))
                        print(
                            "  \(version == "0" ? "fallback rule" : "model v\(version)"): MAPE \(string(model.value(atPath: "mape_percent"))) % "
                                + "from alarm_from (\(string(model.value(atPath: "mape_all_checkpoints_percent"))) % at all checkpoints), "
                                + "MAE \(string(model.value(atPath: "mae_mbar"))) mbar over \(string(model.value(atPath: "events"))) events"
                        )
                    }
                }
                if let drift = device.value(atPath: "drift") {
                    print(
                        "  drift: \(string(drift.value(atPath: "drift"))) at \(string(drift.value(atPath: "checked"))) "
                            + "(classifier AUC \(string(drift.value(atPath: "classifier_auc"))), MMD p \(string(drift.value(atPath: "mmd_p_value"))))"
                    )
                }
            }
        }
    }
}

/// Opens the agent's database for reading.
func openDatabase(_ path: String, readOnly: Bool = true) throws -> Database {
    do {
        return try Database(path: path, readOnly: readOnly)
    } catch {
        throw ValidationError("cannot open \(path): \(error.message)")
    }
}
