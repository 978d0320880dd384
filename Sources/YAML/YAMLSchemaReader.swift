/// Reads a YAML tree against an expected shape, recording every problem instead of stopping at the first.
///
/// Each accessor returns `nil` when the value is absent or wrong; a wrong value also adds a ``YAMLProblem`` with
/// the value's place, its dotted field path, the offending text and a message. Callers apply defaults with `??`
/// and, once the whole file is read, succeed only when ``problems`` is empty.
///
/// Value rules shared by every Hearth file:
/// - numbers, integers and bools must be plain (unquoted): `port: "502"` is text, and reported as such;
/// - integers are decimal, or hexadecimal `0x…`, octal `0o…`, binary `0b…`;
/// - numbers must be finite (`.inf`, `.nan` and overflowing literals are refused);
/// - bools are `true` or `false` (the YAML 1.1 words `yes`, `no`, `on`, `off` are refused as ambiguous);
/// - durations are a number and a unit, `ms`, `s`, `m`, `h` or `d` (`500ms`, `30s`, `1.5h`, `90d`),
///   or a bare number of seconds; never negative;
/// - a key with nothing after it (`port:`) is "no value", not a default.
public struct YAMLSchemaReader {
    /// The file name put into every problem.
    public let file: String
    /// Every problem found so far, in the order found.
    public private(set) var problems: [YAMLProblem] = []

    /// The problems in file order (by line, then column); problems at one place keep the order found.
    public var problemsInFileOrder: [YAMLProblem] {
        problems.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }
        .map(\.element)
    }

    /// Creates a reader whose problems name `file`.
    public init(file: String) {
        self.file = file
    }

    // MARK: Reporting

    /// Records a problem at `mark`.
    public mutating func report(_ message: String, field: String, at mark: YAMLMark?, value: String? = nil) {
        problems.append(YAMLProblem(file: file, at: mark, field: field, value: value, message: message))
    }

    /// Records a problem about `node`, quoting its text when it is a scalar.
    public mutating func report(_ message: String, field: String, node: YAMLNode) {
        report(message, field: field, at: node.mark, value: node.scalar?.text)
    }

    /// Records every problem of another reader (used when a part of a file is read on its own).
    public mutating func append(contentsOf other: [YAMLProblem]) {
        problems.append(contentsOf: other)
    }

    // MARK: Documents and mappings

    /// Parses a document, recording a syntax error, and an empty file unless `allowEmpty`, as a problem.
    ///
    /// - Returns: the root node, or `nil` when there is none (a problem says why, unless the file is empty and
    ///   that is allowed).
    public mutating func document(bytes: [UInt8], allowEmpty: Bool = false) -> YAMLNode? {
        do {
            if let root = try YAMLParser.parse(bytes: bytes) { return root }
            if !allowEmpty { report("the file is empty", field: "", at: YAMLMark(line: 1, column: 1)) }
        } catch {
            problems.append(YAMLProblem(file: file, error: error))
        }
        return nil
    }

    /// Reads `node` as a mapping whose keys must be among `keys`.
    ///
    /// Every other key is a problem: the message is `explanations[key]` when given (for keys that are known but
    /// wrong here, such as `password`), otherwise "unknown key" with the closest known key as a suggestion.
    ///
    /// - Parameters:
    ///   - keys: the accepted keys, or `nil` to accept any key (for free-form mappings such as attributes).
    /// - Returns: the known entries, or `nil` when the node is not a mapping.
    public mutating func mapping(
        _ node: YAMLNode, field: String, keys: [String]?, explanations: [String: String] = [:]
    ) -> YAMLFields? {
        guard let entries = node.mapping else {
            report("must be a mapping of `key: value` lines, found \(node.summary)", field: field, node: node)
            return nil
        }
        guard let keys else { return YAMLFields(field: field, mark: node.mark, entries: entries) }
        var known: [YAMLMappingEntry] = []
        for entry in entries {
            if keys.contains(entry.key.text) {
                known.append(entry)
            } else {
                let message =
                    explanations[entry.key.text]
                    ?? "unknown key" + SpellingSuggestion.hint(for: entry.key.text, among: keys)
                report(
                    message, field: YAMLFields.path(field, entry.key.text), at: entry.keyMark, value: entry.key.text)
            }
        }
        return YAMLFields(field: field, mark: node.mark, entries: known)
    }

    /// Reads the mapping under `key`, like ``mapping(_:field:keys:explanations:)``.
    public mutating func mapping(
        _ key: String, in fields: YAMLFields, keys: [String]?, explanations: [String: String] = [:],
        required: Bool = false
    ) -> YAMLFields? {
        value(key, in: fields, required: required) { reader, node, field in
            reader.mapping(node, field: field, keys: keys, explanations: explanations)
        }
    }

    /// Records a missing-key problem at the mapping when `key` is absent.
    ///
    /// - Returns: whether the key is present.
    @discardableResult
    public mutating func require(_ key: String, in fields: YAMLFields) -> Bool {
        if fields.contains(key) { return true }
        report("required key is missing", field: fields.path(key), at: fields.mark)
        return false
    }

    // MARK: Scalars

    /// Reads text: any scalar that is not null, including plain numbers (`unit: 1` is the text `1`).
    public mutating func string(_ node: YAMLNode, field: String) -> String? {
        scalar(node, field: field, expected: "text")?.text
    }

    /// Reads an integer, optionally within `range`.
    public mutating func integer(_ node: YAMLNode, field: String, in range: ClosedRange<Int>? = nil) -> Int? {
        guard let scalar = plainScalar(node, field: field, expected: "an integer") else { return nil }
        guard let value = Self.integerValue(scalar.text) else {
            let message: String
            if let number = Self.decimalValue(scalar.text), number.isFinite {
                message = number.rounded() == number ? "is too large" : "must be a whole number"
            } else {
                message = "must be an integer"
            }
            report("\(YAMLProblem.quote(scalar.text)) \(message)", field: field, node: node)
            return nil
        }
        if let range, !range.contains(value) {
            report("\(value) is outside \(range.lowerBound)...\(range.upperBound)", field: field, node: node)
            return nil
        }
        return value
    }

    /// Reads a finite number (integers included).
    public mutating func number(_ node: YAMLNode, field: String) -> Double? {
        guard let scalar = plainScalar(node, field: field, expected: "a number") else { return nil }
        let value = Self.integerValue(scalar.text).map(Double.init) ?? Self.decimalValue(scalar.text)
        guard let value else {
            report("\(YAMLProblem.quote(scalar.text)) must be a number", field: field, node: node)
            return nil
        }
        guard value.isFinite else {
            report("\(YAMLProblem.quote(scalar.text)) must be a finite number", field: field, node: node)
            return nil
        }
        return value
    }

    /// Reads `true` or `false`.
    public mutating func bool(_ node: YAMLNode, field: String) -> Bool? {
        guard let scalar = plainScalar(node, field: field, expected: "true or false") else { return nil }
        switch scalar.text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            report("\(YAMLProblem.quote(scalar.text)) must be true or false", field: field, node: node)
            return nil
        }
    }

    /// Reads a duration in seconds: `500ms`, `30s`, `2m`, `1h`, `90d`, or a bare number of seconds.
    public mutating func duration(_ node: YAMLNode, field: String) -> Double? {
        guard let scalar = scalar(node, field: field, expected: "a duration") else { return nil }
        guard let seconds = Self.durationValue(scalar.text, plain: scalar.isPlain) else {
            report(
                "\(YAMLProblem.quote(scalar.text)) is not a duration; write e.g. 500ms, 30s, 2m, 1h or 90d",
                field: field, node: node)
            return nil
        }
        guard seconds >= 0 else {
            report("\(YAMLProblem.quote(scalar.text)) is negative", field: field, node: node)
            return nil
        }
        return seconds
    }

    /// Reads one of a fixed set of words (an enumeration's raw values), listing them when the value is another.
    public mutating func choice<Value: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, field: String, as type: Value.Type = Value.self
    ) -> Value? where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue)
        guard let scalar = scalar(node, field: field, expected: "one of " + names.joined(separator: ", ")) else {
            return nil
        }
        if let value = Value(rawValue: scalar.text) { return value }
        report(
            "\(YAMLProblem.quote(scalar.text)) is not one of \(names.joined(separator: ", "))"
                + SpellingSuggestion.hint(for: scalar.text, among: names),
            field: field, node: node)
        return nil
    }

    // MARK: Lists

    /// Reads a list, giving each item with its path (`signals[2]`).
    public mutating func list(_ node: YAMLNode, field: String) -> [(field: String, node: YAMLNode)]? {
        guard let items = node.sequence else {
            report("must be a list, found \(node.summary)", field: field, node: node)
            return nil
        }
        return items.enumerated().map { (YAMLFields.item(field, $0.offset), $0.element) }
    }

    // MARK: Keyed access

    /// Reads the text under `key`; see ``string(_:field:)``.
    public mutating func string(_ key: String, in fields: YAMLFields, required: Bool = false) -> String? {
        value(key, in: fields, required: required) { $0.string($1, field: $2) }
    }

    /// Reads the integer under `key`; see ``integer(_:field:in:)``.
    public mutating func integer(
        _ key: String, in fields: YAMLFields, range: ClosedRange<Int>? = nil, required: Bool = false
    ) -> Int? {
        value(key, in: fields, required: required) { $0.integer($1, field: $2, in: range) }
    }

    /// Reads the number under `key`; see ``number(_:field:)``.
    public mutating func number(_ key: String, in fields: YAMLFields, required: Bool = false) -> Double? {
        value(key, in: fields, required: required) { $0.number($1, field: $2) }
    }

    /// Reads the bool under `key`; see ``bool(_:field:)``.
    public mutating func bool(_ key: String, in fields: YAMLFields, required: Bool = false) -> Bool? {
        value(key, in: fields, required: required) { $0.bool($1, field: $2) }
    }

    /// Reads the duration under `key`, in seconds; see ``duration(_:field:)``.
    public mutating func duration(_ key: String, in fields: YAMLFields, required: Bool = false) -> Double? {
        value(key, in: fields, required: required) { $0.duration($1, field: $2) }
    }

    /// Reads the word under `key`; see ``choice(_:field:as:)``.
    public mutating func choice<Value: RawRepresentable & CaseIterable>(
        _ key: String, in fields: YAMLFields, as type: Value.Type = Value.self, required: Bool = false
    ) -> Value? where Value.RawValue == String {
        value(key, in: fields, required: required) { $0.choice($1, field: $2, as: type) }
    }

    /// Reads the list under `key`; see ``list(_:field:)``.
    public mutating func list(
        _ key: String, in fields: YAMLFields, required: Bool = false
    ) -> [(field: String, node: YAMLNode)]? {
        value(key, in: fields, required: required) { $0.list($1, field: $2) }
    }

    /// Reads the text under `key`, which must not be empty or only blanks.
    public mutating func nonEmptyString(_ key: String, in fields: YAMLFields, required: Bool = false) -> String? {
        guard let text = string(key, in: fields, required: required), let node = fields[key] else { return nil }
        guard !text.allSatisfy(\.isWhitespace) else {
            report("must not be empty", field: fields.path(key), node: node)
            return nil
        }
        return text
    }

    /// Reads the number under `key`, which must be above 0.
    public mutating func positiveNumber(_ key: String, in fields: YAMLFields, required: Bool = false) -> Double? {
        guard let value = number(key, in: fields, required: required), let node = fields[key] else { return nil }
        guard value > 0 else {
            report("\(node.scalar?.text ?? "") must be above 0", field: fields.path(key), node: node)
            return nil
        }
        return value
    }

    /// Reads the duration under `key`, in seconds, which must be longer than 0.
    public mutating func positiveDuration(_ key: String, in fields: YAMLFields, required: Bool = false) -> Double? {
        guard let seconds = duration(key, in: fields, required: required), let node = fields[key] else { return nil }
        guard seconds > 0 else {
            report("\(node.scalar?.text ?? "") must be longer than 0", field: fields.path(key), node: node)
            return nil
        }
        return seconds
    }

    /// Reads the duration under `key`, in seconds, which must be longer than 0 and lie within `range`: a bound that
    /// keeps every later conversion to integer milliseconds or nanoseconds in range (`poll_interval: 1e19s` would
    /// trap one, `1e-9s` would poll in a busy loop).
    public mutating func positiveDuration(
        _ key: String, in fields: YAMLFields, within range: ClosedRange<Double>, required: Bool = false
    ) -> Double? {
        guard let seconds = positiveDuration(key, in: fields, required: required), let node = fields[key] else {
            return nil
        }
        let text = node.scalar?.text ?? ""
        if seconds < range.lowerBound {
            report(
                "\(text) is shorter than \(Self.format(seconds: range.lowerBound))", field: fields.path(key), node: node
            )
            return nil
        }
        if seconds > range.upperBound {
            report(
                "\(text) is longer than \(Self.format(seconds: range.upperBound))", field: fields.path(key), node: node)
            return nil
        }
        return seconds
    }

    /// Looks `key` up and reads it with `read`, recording a missing-key problem when it is required and absent.
    public mutating func value<Value>(
        _ key: String, in fields: YAMLFields, required: Bool,
        _ read: (inout YAMLSchemaReader, YAMLNode, String) -> Value?
    ) -> Value? {
        guard let node = fields[key] else {
            if required { require(key, in: fields) }
            return nil
        }
        return read(&self, node, fields.path(key))
    }

    // MARK: Helpers

    /// Writes seconds the way a file would: `500ms`, `30s`, `1.5s`, `2m`, `1h`, `90d`.
    public static func format(seconds: Double) -> String {
        let units: [(suffix: String, seconds: Double)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]
        for unit in units
        where seconds >= unit.seconds && seconds < 1e15 && (seconds / unit.seconds).rounded() == seconds / unit.seconds
        {
            return "\(Int(seconds / unit.seconds))\(unit.suffix)"
        }
        if seconds < 1, (seconds * 1000).rounded() == seconds * 1000 { return "\(Int(seconds * 1000))ms" }
        return "\(seconds)s"
    }

    private mutating func scalar(_ node: YAMLNode, field: String, expected: String) -> YAMLScalar? {
        guard let scalar = node.scalar, !scalar.isNull else {
            report("must be \(expected), found \(node.summary)", field: field, node: node)
            return nil
        }
        return scalar
    }

    private mutating func plainScalar(_ node: YAMLNode, field: String, expected: String) -> YAMLScalar? {
        guard let scalar = scalar(node, field: field, expected: expected) else { return nil }
        guard scalar.isPlain else {
            report(
                "\(YAMLProblem.quote(scalar.text)) is quoted text; write \(expected) without quotes",
                field: field, node: node)
            return nil
        }
        return scalar
    }

    /// Parses `12`, `-3`, `+7`, `0x1F`, `0o17`, `0b101`.
    static func integerValue(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            radix = base
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isHexDigit }), let magnitude = UInt(digits, radix: radix)
        else { return nil }
        if negative {
            return magnitude <= UInt(Int.max) + 1 ? Int(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt(Int.max) ? Int(magnitude) : nil
    }

    /// Parses decimal notation (`1.5`, `-2e-3`, `.5`) and YAML's `.inf`, `-.inf`, `.nan`.
    static func decimalValue(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let allowed = Set("0123456789+-.eE")
        guard text.contains(where: \.isNumber), text.allSatisfy(allowed.contains) else { return nil }
        return Double(text)
    }

    /// Parses a duration into seconds; `plain` allows a bare number.
    static func durationValue(_ text: String, plain: Bool) -> Double? {
        if plain, let seconds = integerValue(text).map(Double.init) ?? decimalValue(text) {
            return seconds.isFinite ? seconds : nil
        }
        let units: [(suffix: String, seconds: Double)] = [
            ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = String(text.dropLast(unit.suffix.count))
            guard let value = decimalValue(number), value.isFinite else { continue }
            let seconds = value * unit.seconds
            return seconds.isFinite ? seconds : nil
        }
        return nil
    }
}
