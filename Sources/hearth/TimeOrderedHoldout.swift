import Trees

/// The rows of a history CSV kept back for evaluation, in time order: `hearth train --holdout-fraction F` trains on
/// the others, and `hearth evaluate --holdout-fraction F` scores only these, so a model is never scored on the
/// events it learned from.
///
/// With an `event` column (`hearth-sim history --ids`), the holdout is each furnace's (`device` column) last
/// fraction of events, whole events with all their checkpoints; without one, the file's rows are taken as in time
/// order and the holdout is its last fraction of rows.
struct TimeOrderedHoldout {
    /// Rows to train on, in file order.
    var training: [Int]
    /// Rows held out, in file order.
    var holdout: [Int]

    init(_ table: CSVTable, fraction: Double) {
        guard let eventColumn = table.columnIndex(named: "event") else {
            let held = Int((Double(table.rowCount) * fraction).rounded())
            training = Array(0..<(table.rowCount - held))
            holdout = Array((table.rowCount - held)..<table.rowCount)
            return
        }
        let deviceColumn = table.columnIndex(named: "device")
        var events: [String: [String]] = [:]
        var keys: [(device: String, event: String)] = []
        for row in 0..<table.rowCount {
            let device = deviceColumn.map { table.cell(row: row, column: $0) } ?? ""
            let event = table.cell(row: row, column: eventColumn)
            keys.append((device, event))
            if events[device]?.last != event, !(events[device]?.contains(event) ?? false) {
                events[device, default: []].append(event)
            }
        }
        var held: [String: Set<String>] = [:]
        for (device, list) in events {
            let count = Int((Double(list.count) * fraction).rounded())
            held[device] = Set(list.suffix(count))
        }
        training = []
        holdout = []
        for (row, key) in keys.enumerated() {
            if held[key.device]?.contains(key.event) == true { holdout.append(row) } else { training.append(row) }
        }
    }

    /// Checks a `--holdout-fraction`.
    static func validate(_ fraction: Double?) -> String? {
        guard let fraction else { return nil }
        return fraction > 0 && fraction < 1 ? nil : "--holdout-fraction must be between 0 and 1 (exclusive)"
    }
}
