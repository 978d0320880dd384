/// The Prometheus text exposition format (0.0.4), parsed strictly enough to catch what a scraper would refuse: names,
/// one TYPE per family before its samples, label syntax and escapes, numeric values, no duplicate series.
struct PrometheusTextParser {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample] = []
    }

    struct Failure: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static func isMetricName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" || first == ":" else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == ":" }
    }

    static func parse(_ text: String) throws -> [String: Family] {
        var families: [String: Family] = [:]
        var seen: Set<String> = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = Substring(rawLine)
            if line.isEmpty { continue }
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1)
                guard let name = parts.first, isMetricName(name) else {
                    throw Failure(line: number, reason: "bad metric name in \(line)")
                }
                let rest = parts.count > 1 ? String(parts[1]) : ""
                if line.hasPrefix("# TYPE ") {
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(rest) else {
                        throw Failure(line: number, reason: "unknown type \(rest)")
                    }
                    guard families[String(name)]?.samples.isEmpty ?? true else {
                        throw Failure(line: number, reason: "TYPE of \(name) after its samples")
                    }
                    families[String(name), default: Family(name: String(name), type: rest)].type = rest
                } else {
                    families[String(name), default: Family(name: String(name), type: "untyped")].help = rest
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            let sample = try parseSample(line, number: number)
            guard families[sample.name] != nil else {
                throw Failure(line: number, reason: "sample of \(sample.name) without a TYPE line")
            }
            let key =
                sample.name + "|"
                + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ",")
            guard seen.insert(key).inserted else { throw Failure(line: number, reason: "duplicate series \(key)") }
            families[sample.name]?.samples.append(sample)
        }
        return families
    }

    private static func parseSample(_ line: Substring, number: Int) throws -> Sample {
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        let name = line[..<index]
        guard isMetricName(name) else { throw Failure(line: number, reason: "bad metric name \(name)") }
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while index < line.endIndex, line[index] != "}" {
                let nameStart = index
                while index < line.endIndex, line[index] != "=" { index = line.index(after: index) }
                let labelName = line[nameStart..<index]
                guard isMetricName(labelName), !labelName.contains(":") else {
                    throw Failure(line: number, reason: "bad label name \(labelName)")
                }
                index = line.index(after: index)
                guard index < line.endIndex, line[index] == "\"" else {
                    throw Failure(line: number, reason: "label value of \(labelName) not quoted")
                }
                index = line.index(after: index)
                var value = ""
                while index < line.endIndex, line[index] != "\"" {
                    if line[index] == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { throw Failure(line: number, reason: "escape at the end") }
                        switch line[index] {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: throw Failure(line: number, reason: "unknown escape \\\(line[index])")
                        }
                    } else {
                        value.append(line[index])
                    }
                    index = line.index(after: index)
                }
                guard index < line.endIndex else { throw Failure(line: number, reason: "unterminated label value") }
                guard labels.updateValue(value, forKey: String(labelName)) == nil else {
                    throw Failure(line: number, reason: "label \(labelName) given twice")
                }
                index = line.index(after: index)
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
            guard index < line.endIndex else { throw Failure(line: number, reason: "unterminated labels") }
            index = line.index(after: index)
        }
        let fields = line[index...].split(separator: " ")
        guard fields.count == 1 || fields.count == 2 else {
            throw Failure(line: number, reason: "expected a value (and a time stamp) after \(name)")
        }
        let text = String(fields[0])
        let value: Double? =
            switch text {
            case "NaN": .nan
            case "+Inf": .infinity
            case "-Inf": -.infinity
            default: Double(text)
            }
        guard let value else { throw Failure(line: number, reason: "value \(text) is not a number") }
        return Sample(name: String(name), labels: labels, value: value)
    }
}
