public import Logging
public import SQLite
import Support
import YAML

/// The agent's configuration file (`hearth run --config hearth.yaml`): where the device files, database and models
/// are, how long readings are kept, how fast time runs, how much to log, and the MQTT broker.
///
/// Every key is optional; the defaults run the local demo. Relative paths resolve against the configuration
/// file's folder. The keys are documented with their types and defaults in `docs/configuration.md`.
public struct AgentConfiguration: Sendable, Equatable {
    /// `devices`: folder of device files; only its top-level `*.yaml` files are loaded. Default `devices`.
    public var devicesFolder: String
    /// `database`: the SQLite file. Default `hearth.db`.
    public var databasePath: String
    /// `retention`: readings older than this are deleted, in seconds. Default 90 days.
    public var retentionSeconds: Double
    /// `models`: folder of model files (the agent writes every model it trains here). Default `models` beside the
    /// database, so that it lies in the agent's writable state folder.
    public var modelsFolder: String
    /// `speed`: simulated seconds per real second (1 on a real plant; more to replay a simulation faster).
    /// Default 1.
    public var speed: Double
    /// `log_level`: the least severe level logged. Default `info`.
    public var logLevel: Logger.Level
    /// `broker`: the MQTT broker, needed for MQTT devices and for publishing; `nil` when not configured.
    public var broker: BrokerConfiguration?
    /// `training_data`: a labeled history CSV (`hearth-sim history`, or exported plant data): the first model is
    /// trained from it when the registry is empty, and adaptation reweights it toward new furnaces. Optional.
    public var trainingData: String?
    /// `durability`: `full` (default) fsyncs every commit; `normal` survives a crash of the agent but maybe not a power
    /// cut, for far fewer disk writes.
    public var durability: Database.Durability = .full
    /// `status_interval`: real seconds between status reports (database and retained MQTT topic). Default 30 s.
    public var statusIntervalSeconds: Double = 30
    /// `policy`: how the agent decides and adapts.
    public var policy = AgentPolicy()

    /// The `retention` a configuration may give, in seconds: a minute to 100 years (the sweep runs every tenth of
    /// it, and the cutoff is computed in integer milliseconds).
    public static let retentionRange: ClosedRange<Double> = 60...(100 * 365 * 86_400)
    /// The `status_interval` a configuration may give, in seconds: 100 ms to a day.
    public static let statusIntervalRange: ClosedRange<Double> = 0.1...86_400
    /// The largest `speed` (and `hearth run --speed`): plant time is real time × speed in integer milliseconds.
    public static let maximumSpeed: Double = 100_000

    /// The defaults, with relative paths resolved against `folder` (the current folder when `.`).
    public init(relativeTo folder: String = ".") {
        self.init(
            devicesFolder: TextFile.join(folder, "devices"), databasePath: TextFile.join(folder, "hearth.db"),
            retentionSeconds: 90 * 86_400, modelsFolder: TextFile.join(folder, "models"), speed: 1, logLevel: .info,
            broker: nil)
    }

    /// The default models folder for a database: `models` in the database's folder (its state folder).
    public static func defaultModelsFolder(database: String) -> String {
        TextFile.join(TextFile.folder(of: database), "models")
    }

    /// Creates a configuration from its values; paths are used as given.
    public init(
        devicesFolder: String, databasePath: String, retentionSeconds: Double, modelsFolder: String, speed: Double,
        logLevel: Logger.Level, broker: BrokerConfiguration?
    ) {
        self.devicesFolder = devicesFolder
        self.databasePath = databasePath
        self.retentionSeconds = retentionSeconds
        self.modelsFolder = modelsFolder
        self.speed = speed
        self.logLevel = logLevel
        self.broker = broker
    }
}

/// The MQTT broker Hearth connects to.
public struct BrokerConfiguration: Sendable, Equatable {
    /// `host`: the broker's host name or address. Default `127.0.0.1`.
    public var host: String
    /// `port`: default 1883, or 8883 when `tls` is given.
    public var port: Int
    /// `client_id`: this agent's MQTT client id. Default `hearth-<hostname>`.
    public var clientID: String
    /// `keepalive`: seconds between keep-alive pings, 5...65535. Default 30.
    public var keepaliveSeconds: Int
    /// `topic_prefix`: the first levels of every topic Hearth publishes. Default `hearth`.
    public var topicPrefix: String
    /// `username`: optional.
    public var username: String?
    /// Where the password comes from (`password_env` or `password_file`); `nil` without a password.
    public var password: SecretSource?
    /// `tls`: TLS settings; `nil` for a plain connection.
    public var tls: TLSConfiguration?

    /// Creates a broker configuration.
    public init(
        host: String = "127.0.0.1", port: Int = 1883, clientID: String, keepaliveSeconds: Int = 30,
        topicPrefix: String = "hearth", username: String? = nil, password: SecretSource? = nil,
        tls: TLSConfiguration? = nil
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.keepaliveSeconds = keepaliveSeconds
        self.topicPrefix = topicPrefix
        self.username = username
        self.password = password
        self.tls = tls
    }

    /// The topics the agent publishes on (docs/alarms.md).
    public var topics: MessageTopics { MessageTopics(prefix: topicPrefix, clientID: clientID) }
}

/// TLS settings for the broker connection.
public struct TLSConfiguration: Sendable, Equatable {
    /// `ca_file`: PEM file of the certificate authorities to trust; `nil` trusts the system's (`/etc/ssl/certs`).
    public var caFile: String?
    /// `cert_file`: PEM client certificate, for brokers that require one (with `keyFile`).
    public var certFile: String?
    /// `key_file`: PEM private key of the client certificate.
    public var keyFile: String?
    /// `insecure`: skip verifying the broker's host name against its certificate. For tests only. Default false.
    public var insecure: Bool

    /// Creates TLS settings.
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
    }
}
