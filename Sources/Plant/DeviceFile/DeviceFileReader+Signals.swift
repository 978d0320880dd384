import Fieldbus
import Support
import YAML

/// A signal as read, with what later checks (duplicates, overlaps, event references) need even when the signal
/// itself has a problem.
struct SignalDraft {
    var field: String
    var name: String?
    var nameMark: YAMLMark?
    /// The Modbus location, when the signal has one and it is sound.
    var location: RegisterLocation?
    var addressMark: YAMLMark?
    /// The finished definition, when the signal has no problem of its own.
    var definition: SignalDefinition?
}

extension DeviceFileReader {
    static let commonSignalKeys = ["name", "unit", "scale", "offset", "range", "stuck_after"]
    static let modbusSignalKeys = ["table", "address", "type", "order"]
    static let mqttSignalKeys = ["path"]

    /// Reads `signals:`; `nil` when the key is missing or not a list.
    mutating func readSignals(in fields: YAMLFields, transport: Transport?) -> [SignalDraft]? {
        guard let items = yaml.list("signals", in: fields, required: true) else { return nil }
        guard !items.isEmpty else {
            yaml.report("needs at least one signal", field: "signals", at: fields["signals"]?.mark)
            return nil
        }
        var drafts: [SignalDraft] = []
        var firstByName: [String: SignalDraft] = [:]
        for item in items {
            let draft = readSignal(item.node, field: item.field, transport: transport)
            if let name = draft.name {
                if let first = firstByName[name] {
                    yaml.report(
                        "\(YAMLProblem.quote(name)) is already the name of \(first.field)"
                            + (first.nameMark.map { " (line \($0.line))" } ?? ""),
                        field: item.field + ".name", at: draft.nameMark, value: name)
                } else {
                    firstByName[name] = draft
                }
            }
            drafts.append(draft)
        }
        reportOverlaps(drafts)
        return drafts
    }

    private mutating func readSignal(_ node: YAMLNode, field: String, transport: Transport?) -> SignalDraft {
        var draft = SignalDraft(field: field)
        let keys: [String]
        var explanations: [String: String] = [:]
        switch transport {
        case .mqtt?:
            keys = Self.commonSignalKeys + Self.mqttSignalKeys
            for key in Self.modbusSignalKeys {
                explanations[key] = "`\(key)` is for Modbus devices; an mqtt signal names its JSON field with `path`"
            }
        case let modbus?:
            keys = Self.commonSignalKeys + Self.modbusSignalKeys
            explanations["path"] =
                "`path` is for mqtt devices; a \(modbus.rawValue) signal names `table` and `address`"
        case nil:
            keys = Self.commonSignalKeys + Self.modbusSignalKeys + Self.mqttSignalKeys
        }
        guard let fields = yaml.mapping(node, field: field, keys: keys, explanations: explanations) else {
            return draft
        }

        draft.name = readSignalName(fields)
        draft.nameMark = fields["name"]?.mark
        // With an unreadable connection type, a signal is still checked by the keys it has.
        let readsRegisters = transport.map(\.isModbus) ?? Self.modbusSignalKeys.contains(where: fields.contains)
        let readsPath = transport.map { !$0.isModbus } ?? fields.contains("path")
        var source: SignalSource?
        if readsRegisters {
            let (location, sound) = readLocation(fields)
            draft.location = location
            draft.addressMark = fields["address"]?.mark
            source = sound ? location.map(SignalSource.register) : nil
        }
        if readsPath {
            source = readJSONPath("path", in: fields, required: true).map { SignalSource.json(path: $0) }
        }
        let isBool = draft.location?.type == .bool
        if isBool {
            for key in ["scale", "offset", "range"] where fields.contains(key) {
                yaml.report(
                    "a bool signal is 0 or 1; `\(key)` does not apply", field: fields.path(key),
                    at: fields.keyMark(key), value: key)
            }
        }
        let scale = readScale(fields)
        let offset = yaml.number("offset", in: fields)
        let unit = yaml.nonEmptyString("unit", in: fields)
        let range = readRange(fields)
        let stuckAfter = readStuckAfter(fields)
        guard let name = draft.name, let source else { return draft }
        draft.definition = SignalDefinition(
            name: name, source: source, scale: scale ?? 1, offset: offset ?? 0, unit: unit, validRange: range,
            stuckAfter: stuckAfter)
        return draft
    }

    private mutating func readSignalName(_ fields: YAMLFields) -> String? {
        guard let name = yaml.string("name", in: fields, required: true), let node = fields["name"] else {
            return nil
        }
        guard Self.isSnakeCaseName(name) else {
            yaml.report(
                "\(YAMLProblem.quote(name)) is not a valid signal name; use lowercase letters, digits and _, "
                    + "starting with a letter (at most 64 characters)",
                field: fields.path("name"), node: node)
            return nil
        }
        return name
    }

    /// Reads `table`, `address`, `type` and `order`, and checks that they fit together.
    ///
    /// - Returns: the location when table, address and type are readable (overlaps are checked even when the
    ///   order is wrong), and whether it is sound.
    private mutating func readLocation(_ fields: YAMLFields) -> (location: RegisterLocation?, sound: Bool) {
        let table = yaml.choice("table", in: fields, as: RegisterTable.self, required: true)
        let address = yaml.integer("address", in: fields, range: 0...65535, required: true)
        let type = yaml.choice("type", in: fields, as: ValueType.self)
        let order = yaml.choice("order", in: fields, as: WordOrder.self)
        guard let table, let address, !fields.contains("type") || type != nil else { return (nil, false) }
        let location = RegisterLocation(
            table: table, address: address, type: type ?? (table.isBitTable ? .bool : .uint16), order: order ?? .abcd)

        var sound = true
        if table.isBitTable, location.type != .bool, let node = fields["type"] {
            yaml.report(
                "\(YAMLProblem.quote(location.type.rawValue)) is impossible in the \(table.rawValue) table, which "
                    + "holds single bits; use bool",
                field: fields.path("type"), node: node)
            sound = false
        }
        // A bool has no bytes to order: any `order`, even the default ABCD, says the file means something else.
        if location.type == .bool, order != nil, let node = fields["order"] {
            yaml.report(
                "a bool has no byte order (found \(location.order.rawValue)); remove `order`",
                field: fields.path("order"), node: node)
            sound = false
        } else if !location.type.allowedOrders.contains(location.order), let node = fields["order"] {
            yaml.report(
                "\(YAMLProblem.quote(location.order.rawValue)) is impossible for \(location.type.rawValue) (one "
                    + "register); use " + location.type.allowedOrders.map(\.rawValue).joined(separator: " or "),
                field: fields.path("order"), node: node)
            sound = false
        }
        if location.addresses.upperBound - 1 > 65535, let node = fields["address"] {
            yaml.report(
                "\(location.type.rawValue) at \(address) needs addresses \(address)...\(location.addresses.upperBound - 1),"
                    + " past the last address 65535",
                field: fields.path("address"), node: node)
            sound = false
        }
        if fields.contains("order") && order == nil { sound = false }
        return (location, sound)
    }

    private mutating func readScale(_ fields: YAMLFields) -> Double? {
        guard let scale = yaml.number("scale", in: fields), let node = fields["scale"] else { return nil }
        guard scale != 0 else {
            yaml.report(
                "must not be 0, which would turn every reading into the offset", field: fields.path("scale"), node: node
            )
            return nil
        }
        return scale
    }

    private mutating func readRange(_ fields: YAMLFields) -> ClosedRange<Double>? {
        guard let items = yaml.list("range", in: fields), let node = fields["range"] else { return nil }
        guard items.count == 2 else {
            yaml.report(
                "must be two numbers, [minimum, maximum], found \(items.count)", field: fields.path("range"),
                node: node)
            return nil
        }
        guard let low = yaml.number(items[0].node, field: items[0].field),
            let high = yaml.number(items[1].node, field: items[1].field)
        else { return nil }
        guard low < high else {
            yaml.report(
                "the minimum \(Self.format(low)) must be below the maximum \(Self.format(high))",
                field: fields.path("range"), node: node)
            return nil
        }
        return low...high
    }

    private mutating func readStuckAfter(_ fields: YAMLFields) -> Int? {
        guard let count = yaml.integer("stuck_after", in: fields), let node = fields["stuck_after"] else {
            return nil
        }
        guard count >= 2 else {
            yaml.report(
                "\(count) must be at least 2 (consecutive identical readings)", field: fields.path("stuck_after"),
                node: node)
            return nil
        }
        return count
    }

    /// A number as a person would write it: `1100`, not `1100.0`.
    static func format(_ value: Double) -> String { NumberFormat.exact(value) }

    /// Reports registers that two signals of the same table both claim, at the signal written later.
    private mutating func reportOverlaps(_ drafts: [SignalDraft]) {
        let placed = drafts.enumerated().compactMap { index, draft in
            draft.location.map { (index: index, location: $0) }
        }
        for table in RegisterTable.allCases {
            let inTable = placed.filter { $0.location.table == table }
                .sorted { ($0.location.address, $0.index) < ($1.location.address, $1.index) }
            var widest: (index: Int, location: RegisterLocation)?
            for current in inTable {
                if let previous = widest, current.location.address < previous.location.addresses.upperBound {
                    let (earlier, later) = previous.index < current.index ? (previous, current) : (current, previous)
                    let laterDraft = drafts[later.index]
                    let earlierDraft = drafts[earlier.index]
                    yaml.report(
                        "\(describe(laterDraft, later.location)) overlaps \(describe(earlierDraft, earlier.location))"
                            + (earlierDraft.nameMark.map { " (line \($0.line))" } ?? ""),
                        field: laterDraft.field + ".address", at: laterDraft.addressMark,
                        value: String(later.location.address))
                }
                if current.location.addresses.upperBound > (widest?.location.addresses.upperBound ?? 0) {
                    widest = current
                }
            }
        }
    }

    private func describe(_ draft: SignalDraft, _ location: RegisterLocation) -> String {
        let name = draft.name.map(YAMLProblem.quote) ?? draft.field
        let last = location.addresses.upperBound - 1
        let span = last == location.address ? "\(location.address)" : "\(location.address)...\(last)"
        return "\(name) (\(location.table.rawValue) \(span))"
    }
}
