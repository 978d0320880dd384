import Glibc
import Logging
public import Plant
import Support
public import YAML

extension AgentConfiguration {
    static let keys = [
        "devices", "database", "durability", "retention", "models", "speed", "log_level", "broker", "training_data",
        "status_interval", "policy",
    ]
    static let policyKeys = [
        "alarm_margin", "alarm_confirmations", "alarm_from", "alarm_on", "alarm_failure_probability", "fallback_factor",
        "algorithm", "weighting", "trees",
        "max_depth", "learning_rate", "adapt",
        "onboarding_events", "retrain_growth", "drift_window", "shadow_events", "max_shadow_events", "min_improvement",
        "promotion_alpha", "rollback_events", "rollback_alpha", "missed_failure_cost", "false_alarm_cost",
        "drift_alpha", "drift_confirmations", "concept_drift_threshold", "own_event_share", "weight_bound",
        "min_effective_share", "continue_below_events", "backtest_events", "seed",
    ]
    static let brokerKeys = [
        "host", "port", "client_id", "keepalive", "topic_prefix", "username", "password_env", "password_file", "tls",
    ]
    static let tlsKeys = ["ca_file", "cert_file", "key_file", "insecure"]
    static let secretExplanation =
        "secrets never go into the configuration; name an environment variable with `password_env` "
        + "or a file with `password_file`"

    /// Reads and checks a configuration file.
    ///
    /// - Throws: ``ConfigurationError`` when the file cannot be read or has problems.
    public static func load(path: String) throws(ConfigurationError) -> AgentConfiguration {
        let bytes: [UInt8]
        do {
            bytes = try TextFile.read(path: path)
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(unreadable: error)])
        }
        return try parse(bytes: bytes, file: path)
    }

    /// Parses a configuration's text; relative paths resolve against the folder of `file`.
    ///
    /// - Parameters:
    ///   - file: the configuration's path, named in problems and used to resolve relative paths.
    ///   - hostname: the host name behind the default client id; the machine's own by default.
    /// - Throws: ``ConfigurationError`` with every problem of the file.
    public static func parse(
        _ text: String, file: String, hostname: String? = nil
    ) throws(ConfigurationError)
        -> AgentConfiguration
    {
        try parse(bytes: Array(text.utf8), file: file, hostname: hostname)
    }

    /// Parses a configuration's raw bytes; see ``parse(_:file:hostname:)``.
    public static func parse(
        bytes: [UInt8], file: String, hostname: String? = nil
    ) throws(ConfigurationError)
        -> AgentConfiguration
    {
        var reader = ConfigurationReader(file: file, hostname: hostname ?? systemHostname())
        guard let configuration = reader.read(bytes: bytes) else {
            throw ConfigurationError(problems: reader.yaml.problemsInFileOrder)
        }
        return configuration
    }

    /// Problems between this configuration and the devices it will poll: an MQTT device needs a broker.
    ///
    /// - Parameter file: the configuration's path, named in the problems.
    public func problems(with devices: [DeviceFile], file: String) -> [ConfigurationProblem] {
        guard broker == nil else { return [] }
        return devices.filter { if case .mqtt = $0.connection { true } else { false } }.map { device in
            ConfigurationProblem(
                file: file, at: nil, field: "broker",
                message: "\(device.id) receives its readings over MQTT; add a `broker` section")
        }
    }

    /// The machine's host name, or `localhost` when it cannot be read.
    static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Reads a configuration's YAML tree, recording every problem.
struct ConfigurationReader {
    var yaml: YAMLSchemaReader
    let folder: String
    let hostname: String

    init(file: String, hostname: String) {
        yaml = YAMLSchemaReader(file: file)
        folder = TextFile.folder(of: file)
        self.hostname = hostname
    }

    mutating func read(bytes: [UInt8]) -> AgentConfiguration? {
        let document = yaml.document(bytes: bytes, allowEmpty: true)
        guard yaml.problems.isEmpty else { return nil }
        // A file of comments only is the defaults.
        guard let root = document else { return AgentConfiguration(relativeTo: folder) }
        guard
            let fields = yaml.mapping(
                root, field: "", keys: AgentConfiguration.keys,
                explanations: [
                    "mqtt": "unknown key; the MQTT broker is configured under `broker`",
                    "password": AgentConfiguration.secretExplanation,
                ])
        else { return nil }
        var configuration = AgentConfiguration(relativeTo: folder)
        if let path = readPath("devices", in: fields) { configuration.devicesFolder = path }
        if let path = readPath("database", in: fields) { configuration.databasePath = path }
        if let durability = yaml.choice("durability", in: fields, as: DurabilityChoice.self) {
            configuration.durability = durability == .full ? .full : .normal
        }
        // Models are state, like the database: beside it by default, so a read-only configuration folder
        // (`/etc/hearth` under `ProtectSystem=strict`) never has to be written.
        configuration.modelsFolder =
            readPath("models", in: fields)
            ?? AgentConfiguration.defaultModelsFolder(database: configuration.databasePath)
        if let retention = yaml.positiveDuration("retention", in: fields, within: AgentConfiguration.retentionRange) {
            configuration.retentionSeconds = retention
        }
        if let speed = yaml.positiveNumber("speed", in: fields), let node = fields["speed"] {
            if speed <= AgentConfiguration.maximumSpeed {
                configuration.speed = speed
            } else {
                yaml.report(
                    "\(node.scalar?.text ?? "") is above \(NumberFormat.exact(AgentConfiguration.maximumSpeed))",
                    field: "speed", node: node)
            }
        }
        if let level = yaml.choice("log_level", in: fields, as: Logger.Level.self) { configuration.logLevel = level }
        configuration.broker = yaml.mapping(
            "broker", in: fields, keys: AgentConfiguration.brokerKeys,
            explanations: ["password": AgentConfiguration.secretExplanation]
        ).map { readBroker($0) }
        configuration.trainingData = readPath("training_data", in: fields)
        if let interval = yaml.positiveDuration(
            "status_interval", in: fields, within: AgentConfiguration.statusIntervalRange)
        {
            configuration.statusIntervalSeconds = interval
        }
        if let policy = yaml.mapping("policy", in: fields, keys: AgentConfiguration.policyKeys) {
            configuration.policy = readPolicy(policy)
        }
        return yaml.problems.isEmpty ? configuration : nil
    }

    private mutating func readPolicy(_ fields: YAMLFields) -> AgentPolicy {
        var policy = AgentPolicy()
        func fraction(_ key: String, _ range: ClosedRange<Double>, into value: inout Double) {
            guard let number = yaml.number(key, in: fields), let node = fields[key] else { return }
            guard range.contains(number) else {
                yaml.report(
                    "\(number) is outside \(range.lowerBound)...\(range.upperBound)", field: fields.path(key),
                    node: node)
                return
            }
            value = number
        }
        fraction("alarm_margin", 0...10, into: &policy.alarmMargin)
        let alarmOn = yaml.choice("alarm_on", in: fields, as: AgentPolicy.AlarmOn.self)
        if let alarmOn { policy.alarmOn = alarmOn }
        if let number = yaml.number("alarm_failure_probability", in: fields),
            let node = fields["alarm_failure_probability"]
        {
            if number > 0, number < 1 {
                policy.alarmFailureProbability = number
                // Without alarm_on: failure_probability the threshold would be read and never used.
                // (An alarm_on that is not a choice has its own error.)
                if fields["alarm_on"] == nil || alarmOn == .minimum {
                    yaml.report(
                        "set without alarm_on: failure_probability (alarm_on is \(policy.alarmOn.rawValue)), so it "
                            + "would never be used; set alarm_on: failure_probability or remove it",
                        field: fields.path("alarm_failure_probability"), node: node)
                }
            } else {
                yaml.report(
                    "\(number) is not a probability strictly between 0 and 1",
                    field: fields.path("alarm_failure_probability"), node: node)
            }
        }
        fraction("fallback_factor", 0.01...10, into: &policy.fallbackFactor)
        if let seconds = yaml.duration("alarm_from", in: fields), let node = fields["alarm_from"] {
            let checkpoints = PumpingEventFeatures.checkpoints.map { Int($0) }
            // Compared as numbers, never converted: `1e19s` would trap an integer conversion, `30.5s` round to 30.
            if let checkpoint = checkpoints.first(where: { Double($0) == seconds }) {
                policy.alarmFromSeconds = checkpoint
            } else {
                yaml.report(
                    "\(YAMLSchemaReader.format(seconds: seconds)) is not a checkpoint; use one of "
                        + checkpoints.map { "\($0)s" }.joined(separator: ", "), field: fields.path("alarm_from"),
                    node: node)
            }
        }
        fraction("learning_rate", 0.001...1, into: &policy.learningRate)
        fraction("min_improvement", 0...1, into: &policy.minimumImprovement)
        fraction("promotion_alpha", 0.0001...0.5, into: &policy.promotionAlpha)
        fraction("rollback_alpha", 0.0001...0.5, into: &policy.rollbackAlpha)
        fraction("missed_failure_cost", 0...100, into: &policy.missedFailureCost)
        fraction("false_alarm_cost", 0...100, into: &policy.falseAlarmCost)
        fraction("drift_alpha", 0.0001...0.5, into: &policy.driftAlpha)
        fraction("concept_drift_threshold", 0.01...1000, into: &policy.conceptDriftThreshold)
        fraction("own_event_share", 0...0.95, into: &policy.ownEventShare)
        fraction("weight_bound", 1...1000, into: &policy.weightBound)
        fraction("min_effective_share", 0...1, into: &policy.minimumEffectiveShare)
        if let value = yaml.integer("alarm_confirmations", in: fields, range: 1...6) {
            policy.alarmConfirmations = value
        }
        if let value = yaml.choice("algorithm", in: fields, as: AgentPolicy.Algorithm.self) { policy.algorithm = value }
        if let value = yaml.choice("weighting", in: fields, as: AgentPolicy.Weighting.self) { policy.weighting = value }
        if let value = yaml.integer("trees", in: fields, range: 1...5000) { policy.trees = value }
        if let value = yaml.integer("max_depth", in: fields, range: 1...16) { policy.maxDepth = value }
        if let value = yaml.bool("adapt", in: fields) { policy.adapt = value }
        if let value = yaml.integer("continue_below_events", in: fields, range: 0...100_000) {
            policy.continueBelowEvents = value
        }
        if let value = yaml.integer("backtest_events", in: fields, range: 0...100) { policy.backtestEvents = value }
        if let value = yaml.integer("onboarding_events", in: fields, range: 2...1000) {
            policy.onboardingEvents = value
        }
        if let value = yaml.integer("drift_window", in: fields, range: 5...1000) { policy.driftWindow = value }
        fraction("retrain_growth", 1.1...100, into: &policy.retrainGrowth)
        if let value = yaml.integer("shadow_events", in: fields, range: 1...1000) { policy.shadowEvents = value }
        if let value = yaml.integer("rollback_events", in: fields, range: 1...1000) { policy.rollbackEvents = value }
        if let value = yaml.integer("max_shadow_events", in: fields, range: 1...10_000) {
            policy.maximumShadowEvents = value
        }
        if let value = yaml.integer("drift_confirmations", in: fields, range: 1...10) {
            policy.driftConfirmations = value
        }
        if let value = yaml.integer("seed", in: fields, range: 0...Int.max) { policy.seed = UInt64(value) }
        return policy
    }

    private mutating func readBroker(_ fields: YAMLFields) -> BrokerConfiguration {
        let host = yaml.nonEmptyString("host", in: fields)
        let port = yaml.integer("port", in: fields, range: 1...65535)
        let clientID = readTopicLevel("client_id", in: fields)
        var keepalive = yaml.duration("keepalive", in: fields)
        if let seconds = keepalive, let node = fields["keepalive"], !(5...65535).contains(seconds) {
            // Refused, and never converted to whole seconds: `1e19s` would trap the conversion.
            keepalive = nil
            yaml.report(
                "\(YAMLSchemaReader.format(seconds: seconds)) is outside 5s...65535s, what MQTT brokers accept",
                field: fields.path("keepalive"), node: node)
        }
        let topicPrefix = readTopicPrefix(fields)
        let username = yaml.nonEmptyString("username", in: fields)
        let password = readPassword(fields, username: username)
        let tls = yaml.mapping("tls", in: fields, keys: AgentConfiguration.tlsKeys).map { readTLS($0) }
        return BrokerConfiguration(
            host: host ?? "127.0.0.1", port: port ?? (tls == nil ? 1883 : 8883),
            clientID: clientID ?? "hearth-\(hostname)", keepaliveSeconds: Int((keepalive ?? 30).rounded()),
            topicPrefix: topicPrefix ?? "hearth", username: username, password: password, tls: tls)
    }

    private mutating func readPassword(_ fields: YAMLFields, username: String?) -> SecretSource? {
        var source: SecretSource?
        if let name = yaml.nonEmptyString("password_env", in: fields), let node = fields["password_env"] {
            if Self.isEnvironmentName(name) {
                source = .environment(name)
            } else {
                yaml.report(
                    "\(YAMLProblem.quote(name)) is not an environment variable name (letters, digits and _)",
                    field: fields.path("password_env"), node: node)
            }
        }
        if let path = readPath("password_file", in: fields), let node = fields["password_file"] {
            if fields.contains("password_env") {
                yaml.report(
                    "give either password_env or password_file, not both", field: fields.path("password_file"),
                    node: node)
            }
            source = .file(path)
        }
        if source != nil, username == nil, let key = ["password_env", "password_file"].first(where: fields.contains) {
            yaml.report("a password needs a `username`", field: fields.path(key), at: fields.keyMark(key), value: key)
        }
        return source
    }

    private mutating func readTLS(_ fields: YAMLFields) -> TLSConfiguration {
        let tls = TLSConfiguration(
            caFile: readPath("ca_file", in: fields), certFile: readPath("cert_file", in: fields),
            keyFile: readPath("key_file", in: fields), insecure: yaml.bool("insecure", in: fields) ?? false)
        for (given, missing) in [("cert_file", "key_file"), ("key_file", "cert_file")]
        where fields.contains(given) && !fields.contains(missing) {
            yaml.report(
                "a client certificate needs both cert_file and key_file; `\(missing)` is missing",
                field: fields.path(given), at: fields.keyMark(given), value: given)
        }
        return tls
    }

    private mutating func readTopicPrefix(_ fields: YAMLFields) -> String? {
        guard let prefix = yaml.nonEmptyString("topic_prefix", in: fields), let node = fields["topic_prefix"] else {
            return nil
        }
        let levels = prefix.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.allSatisfy({ !$0.isEmpty && Self.isTopicLevel($0) }) else {
            yaml.report(
                "\(YAMLProblem.quote(prefix)) must be topic levels joined by /, without wildcards (+ #) or empty levels",
                field: fields.path("topic_prefix"), node: node)
            return nil
        }
        return prefix
    }

    private mutating func readTopicLevel(_ key: String, in fields: YAMLFields) -> String? {
        guard let text = yaml.nonEmptyString(key, in: fields), let node = fields[key] else { return nil }
        guard Self.isTopicLevel(Substring(text)), !text.contains("/") else {
            yaml.report(
                "\(YAMLProblem.quote(text)) must not contain /, + or #: it becomes one level of the status topic",
                field: fields.path(key), node: node)
            return nil
        }
        return text
    }

    private static func isTopicLevel(_ level: Substring) -> Bool {
        !level.contains { $0 == "+" || $0 == "#" || $0 == "\u{0}" }
    }

    private static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Reads a path and resolves it against the configuration's folder.
    private mutating func readPath(_ key: String, in fields: YAMLFields) -> String? {
        yaml.nonEmptyString(key, in: fields).map { TextFile.join(folder, $0) }
    }
}

/// The words `durability` accepts.
enum DurabilityChoice: String, CaseIterable {
    case full
    case normal
}
