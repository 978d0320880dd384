import Support

/// Metrics in the Prometheus text exposition format (version 0.0.4): one `# HELP` and `# TYPE` line per family,
/// then its samples.
struct PrometheusExposition {
    enum Kind: String {
        case counter
        case gauge
    }

    private(set) var text = ""
    private var families: Set<String> = []

    /// Starts a family; a name given twice is written once.
    mutating func family(_ name: String, _ kind: Kind, _ help: String) {
        guard families.insert(name).inserted else { return }
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample of the current family.
    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        let labelText =
            labels.isEmpty
            ? "" : "{" + labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
        text += "\(name)\(labelText) \(Self.value(value))\n"
    }

    static func value(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return NumberFormat.exact(value)
    }

    /// A label value with `\`, `"` and line feeds escaped.
    static func escapeLabel(_ text: String) -> String { escape(text, quote: true) }

    /// Help text with `\` and line feeds escaped.
    static func escapeHelp(_ text: String) -> String { escape(text, quote: false) }

    private static func escape(_ text: String, quote: Bool) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quote: escaped += "\\\""
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
