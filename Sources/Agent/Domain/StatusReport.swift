/// The agent's status report: written to the database and retained on `<prefix>/<client>/status` every
/// `status_interval`, printed by `hearth status` (the JSON with `--json`). Documented by this type and
/// docs/alarms.md.
public struct StatusReport: Codable, Sendable, Equatable {
    /// Plant time of the report, ISO 8601.
    public var time: String
    /// Real (wall-clock) time it was written, ms since the Unix epoch: how old it is, whatever the plant speed.
    public var writtenAtRealMilliseconds: Int64
    /// Real seconds between two reports: a report much older than this means the agent stopped.
    public var intervalSeconds: Double
    public var agent: AgentSection
    public var devices: [DeviceSection]
    public var models: [ModelSection]

    enum CodingKeys: String, CodingKey {
        case time
        case writtenAtRealMilliseconds = "written_at_real_ms"
        case intervalSeconds = "interval_seconds"
        case agent, devices, models
    }

    /// The agent process.
    public struct AgentSection: Codable, Sendable, Equatable {
        public var version: String
        public var uptimePlantSeconds: Double
        public var speed: Double
        public var cpuSeconds: Double
        public var residentBytes: Int
        public var peakResidentBytes: Int
        public var databaseBytes: Int
        public var freeDiskBytes: Int
        public var outbox: OutboxSection
        public var broker: BrokerSection?

        enum CodingKeys: String, CodingKey {
            case version
            case uptimePlantSeconds = "uptime_plant_seconds"
            case speed
            case cpuSeconds = "cpu_seconds"
            case residentBytes = "resident_bytes"
            case peakResidentBytes = "peak_resident_bytes"
            case databaseBytes = "database_bytes"
            case freeDiskBytes = "free_disk_bytes"
            case outbox, broker
        }
    }

    /// Messages waiting for the broker.
    public struct OutboxSection: Codable, Sendable, Equatable {
        public var pending: Int
        /// Plant seconds since the oldest waiting message was queued.
        public var oldestAgeSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case pending
            case oldestAgeSeconds = "oldest_age_seconds"
        }
    }

    /// The MQTT connection.
    public struct BrokerSection: Codable, Sendable, Equatable {
        /// `host:port`.
        public var address: String
        public var connected: Bool
        /// Why it last disconnected or failed to connect, if it did.
        public var lastError: String?
        /// The last change of the connection, in words (connected after N attempts, lost, retrying in 4 s).
        public var lastEvent: String?
        /// The broker keeps dropping the agent right after accepting it: most likely another client uses the same
        /// client id.
        public var clientIDClash: Bool

        public init(address: String, connected: Bool, lastError: String?, lastEvent: String?, clientIDClash: Bool) {
            self.address = address
            self.connected = connected
            self.lastError = lastError
            self.lastEvent = lastEvent
            self.clientIDClash = clientIDClash
        }

        enum CodingKeys: String, CodingKey {
            case address, connected
            case lastError = "last_error"
            case lastEvent = "last_event"
            case clientIDClash = "client_id_clash"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            address = try container.decode(String.self, forKey: .address)
            connected = try container.decode(Bool.self, forKey: .connected)
            lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
            lastEvent = try container.decodeIfPresent(String.self, forKey: .lastEvent)
            clientIDClash = try container.decodeIfPresent(Bool.self, forKey: .clientIDClash) ?? false
        }
    }

    /// One furnace.
    public struct DeviceSection: Codable, Sendable, Equatable {
        public var id: String
        public var champion: Int?
        /// `model vN` or `fallback rule`.
        public var predictionSource: String
        public var shadows: [Int]
        /// The champion a promotion replaced, predicting beside the new one during its watch.
        public var watch: Int?
        public var onboarding: Bool
        public var collection: CollectionSection
        public var liveMetrics: [ModelMetrics]
        public var alarms: AlarmPerformance
        public var event: EventSection?
        public var drift: DriftSection?
        /// How often the champion's 90 % intervals at `alarm_from` held on this furnace so far (replayed).
        public var intervalCoverage: IntervalCoverage?

        enum CodingKeys: String, CodingKey {
            case id, champion
            case predictionSource = "prediction_source"
            case shadows, watch, onboarding, collection
            case liveMetrics = "live_metrics"
            case alarms, event, drift
            case intervalCoverage = "interval_coverage"
        }
    }

    /// Whether a furnace is being read at all.
    public struct CollectionSection: Codable, Sendable, Equatable {
        /// `host:port unit N`, the serial line, or the MQTT topic.
        public var connection: String
        /// Plant time of the last poll with every signal valid, ISO 8601.
        public var lastGoodPoll: String?
        /// Polls in a row that read nothing valid.
        public var consecutiveFailures: Int
        /// The reason of the last failed poll.
        public var lastError: String?
        /// Readings of the last plant hour by kind of status.
        public var lastHour: CollectionCounts

        enum CodingKeys: String, CodingKey {
            case connection
            case lastGoodPoll = "last_good_poll"
            case consecutiveFailures = "consecutive_failures"
            case lastError = "last_error"
            case lastHour = "last_hour"
        }
    }

    /// A model's live error on a furnace.
    public struct ModelMetrics: Codable, Sendable, Equatable {
        public var model: Int
        public var events: Int
        /// From `alarm_from` on.
        public var mapePercent: Double?
        public var maeMbar: Double?
        public var mapeAllCheckpointsPercent: Double?

        enum CodingKeys: String, CodingKey {
            case model, events
            case mapePercent = "mape_percent"
            case maeMbar = "mae_mbar"
            case mapeAllCheckpointsPercent = "mape_all_checkpoints_percent"
        }
    }

    /// The event under way.
    public struct EventSection: Codable, Sendable, Equatable {
        public var id: Int64
        public var start: String
        public var seconds: Double
        public var alarm: AlarmState?
        /// Why its alarm was raised: the deciding prediction's largest feature contributions (see
        /// ``AlarmReason``); absent without an alarm.
        public var reasons: [AlarmReason]?
        /// Its latest deciding prediction with its interval; absent before the first one.
        public var prediction: PredictionSection?

        public init(
            id: Int64, start: String, seconds: Double, alarm: AlarmState?, reasons: [AlarmReason]?,
            prediction: PredictionSection? = nil
        ) {
            self.id = id
            self.start = start
            self.seconds = seconds
            self.alarm = alarm
            self.reasons = reasons
            self.prediction = prediction
        }
    }

    /// A deciding prediction of the event under way, with its conformal interval and failure probability (null
    /// while the model has fewer than 9 labeled events on the furnace at this checkpoint; `high_mbar` null alone:
    /// unbounded).
    public struct PredictionSection: Codable, Sendable, Equatable {
        /// The checkpoint, seconds into the event.
        public var checkpoint: Int
        /// The model that predicted; 0 for the fallback rule.
        public var model: Int
        public var predictedMinimumMbar: Double
        public var lowMbar: Double?
        public var highMbar: Double?
        public var failureProbability: Double?
        /// The nominal coverage of the interval (0.9), and the labeled events it was calibrated on.
        public var coverage: Double?
        public var calibrationEvents: Int?

        enum CodingKeys: String, CodingKey {
            case checkpoint = "checkpoint_s"
            case model
            case predictedMinimumMbar = "predicted_minimum_mbar"
            case lowMbar = "low_mbar"
            case highMbar = "high_mbar"
            case failureProbability = "failure_probability"
            case coverage
            case calibrationEvents = "calibration_events"
        }

        /// The section for a stored prediction.
        public init(_ prediction: StoredPrediction) {
            checkpoint = prediction.checkpoint
            model = prediction.modelVersion
            predictedMinimumMbar = prediction.predicted
            lowMbar = prediction.uncertainty?.lowMbar
            highMbar = prediction.uncertainty?.highMbar
            failureProbability = prediction.uncertainty?.failureProbability
            coverage = prediction.uncertainty?.coverage
            calibrationEvents = prediction.uncertainty?.calibrationEvents
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(checkpoint, forKey: .checkpoint)
            try container.encode(model, forKey: .model)
            try container.encode(predictedMinimumMbar, forKey: .predictedMinimumMbar)
            try container.encode(lowMbar, forKey: .lowMbar)
            try container.encode(highMbar, forKey: .highMbar)
            try container.encode(failureProbability, forKey: .failureProbability)
            try container.encode(coverage, forKey: .coverage)
            try container.encode(calibrationEvents, forKey: .calibrationEvents)
        }
    }

    /// The furnace's drift checks.
    public struct DriftSection: Codable, Sendable, Equatable {
        /// The verdict the agent acts on.
        public var drifting: Bool
        public var checked: String?
        public var consecutiveFlags: Int
        public var last: DriftSummary?

        enum CodingKeys: String, CodingKey {
            case drifting, checked
            case consecutiveFlags = "consecutive_flags"
            case last
        }
    }

    /// A registered model.
    public struct ModelSection: Codable, Sendable, Equatable {
        public var model: Int
        public var state: ModelState
        public var algorithm: String
        public var weighting: String
        public var targetDevice: String?
        public var parent: Int?
        public var created: String
        public var usable: Bool

        enum CodingKeys: String, CodingKey {
            case model, state, algorithm, weighting
            case targetDevice = "target_device"
            case parent, created, usable
        }
    }
}
