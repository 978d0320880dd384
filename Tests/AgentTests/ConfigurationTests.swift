import Agent
import Glibc
import Logging
import Plant
import Testing

@Suite("Agent configuration")
struct ConfigurationTests {
    func problems(_ text: String) -> [String] {
        do {
            _ = try AgentConfiguration.parse(text, file: "/etc/hearth/hearth.yaml", hostname: "box1")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test("a file of comments only gives the defaults, relative to its folder")
    func defaults() throws {
        let configuration = try AgentConfiguration.parse("# all defaults\n", file: "/etc/hearth/hearth.yaml")
        #expect(configuration == AgentConfiguration(relativeTo: "/etc/hearth"))
        #expect(configuration.devicesFolder == "/etc/hearth/devices")
        #expect(configuration.databasePath == "/etc/hearth/hearth.db")
        #expect(configuration.modelsFolder == "/etc/hearth/models")
        #expect(configuration.retentionSeconds == 90 * 86_400)
        #expect(configuration.speed == 1)
        #expect(configuration.logLevel == .info)
        #expect(configuration.broker == nil)
        #expect(AgentConfiguration().devicesFolder == "devices")
    }

    @Test("models default to a folder beside the database: the state folder, never the configuration folder")
    func modelsBesideDatabase() throws {
        let configuration = try AgentConfiguration.parse(
            "devices: devices\ndatabase: /var/lib/hearth/hearth.db\n", file: "/etc/hearth/hearth.yaml")
        #expect(configuration.devicesFolder == "/etc/hearth/devices")
        #expect(configuration.modelsFolder == "/var/lib/hearth/models")
        let relative = try AgentConfiguration.parse("database: state/hearth.db\n", file: "/etc/hearth/hearth.yaml")
        #expect(relative.modelsFolder == "/etc/hearth/state/models")
        let explicit = try AgentConfiguration.parse(
            "database: /var/lib/hearth/hearth.db\nmodels: /srv/models\n", file: "/etc/hearth/hearth.yaml")
        #expect(explicit.modelsFolder == "/srv/models")
    }

    @Test("every key read into the model")
    func everyKey() throws {
        let configuration = try AgentConfiguration.parse(
            """
            devices: /srv/hearth/devices
            database: data/hearth.db
            retention: 30d
            models: models
            speed: 60
            log_level: debug
            broker:
              host: broker.plant.local
              port: 8884
              client_id: hearth-hall2
              keepalive: 1m
              topic_prefix: plant/hearth
              username: hearth
              password_file: secrets/mqtt-password
              tls:
                ca_file: /etc/hearth/ca.pem
                cert_file: client.pem
                key_file: client.key
                insecure: true
            """, file: "/etc/hearth/hearth.yaml")
        let expected = AgentConfiguration(
            devicesFolder: "/srv/hearth/devices", databasePath: "/etc/hearth/data/hearth.db",
            retentionSeconds: 30 * 86_400, modelsFolder: "/etc/hearth/models", speed: 60, logLevel: .debug,
            broker: BrokerConfiguration(
                host: "broker.plant.local", port: 8884, clientID: "hearth-hall2", keepaliveSeconds: 60,
                topicPrefix: "plant/hearth", username: "hearth",
                password: .file("/etc/hearth/secrets/mqtt-password"),
                tls: TLSConfiguration(
                    caFile: "/etc/hearth/ca.pem", certFile: "/etc/hearth/client.pem",
                    keyFile: "/etc/hearth/client.key", insecure: true)))
        #expect(configuration == expected)
        #expect(configuration.broker?.topics.availability == "plant/hearth/hearth-hall2/availability")
        #expect(
            configuration.summary
                == "devices /srv/hearth/devices, database /etc/hearth/data/hearth.db, retention 30d, speed 60×, "
                + "broker broker.plant.local:8884 (TLS)")
    }

    @Test("broker defaults: local port 1883, client id from the host name, 8883 with TLS")
    func brokerDefaults() throws {
        let plain = try AgentConfiguration.parse("broker: {}\n", file: "hearth.yaml", hostname: "edge7")
        #expect(plain.broker == BrokerConfiguration(clientID: "hearth-edge7"))
        #expect(plain.broker?.topics.status == "hearth/hearth-edge7/status")
        #expect(plain.devicesFolder == "devices")
        let secure = try AgentConfiguration.parse(
            "broker:\n  password_env: PW\n  username: u\n  tls: {}\n", file: "hearth.yaml", hostname: "edge7")
        #expect(secure.broker?.port == 8883)
        #expect(secure.broker?.tls == TLSConfiguration())
        #expect(secure.broker?.password == .environment("PW"))
    }

    @Test("the machine's host name stands behind the default client id")
    func systemHostname() throws {
        let configuration = try AgentConfiguration.parse("broker: {}\n", file: "hearth.yaml")
        let clientID = try #require(configuration.broker?.clientID)
        #expect(clientID.hasPrefix("hearth-") && clientID.count > "hearth-".count)
    }

    @Test("a password in the file is refused with where to put it instead")
    func passwordKey() {
        #expect(
            problems("broker:\n  username: u\n  password: hunter2\n") == [
                "/etc/hearth/hearth.yaml:3:3: broker.password: secrets never go into the configuration; name an "
                    + "environment variable with `password_env` or a file with `password_file`"
            ])
    }

    @Test("both password sources at once")
    func bothSources() {
        #expect(
            problems("broker:\n  username: u\n  password_env: PW\n  password_file: pw.txt\n") == [
                "/etc/hearth/hearth.yaml:4:18: broker.password_file: give either password_env or password_file, not both"
            ])
    }

    @Test("a password without a username")
    func passwordWithoutUser() {
        #expect(
            problems("broker:\n  password_env: PW\n") == [
                "/etc/hearth/hearth.yaml:2:3: broker.password_env: a password needs a `username`"
            ])
    }

    @Test("an environment variable name that cannot be one")
    func badEnvironmentName() {
        #expect(
            problems("broker:\n  username: u\n  password_env: $PW\n") == [
                "/etc/hearth/hearth.yaml:3:17: broker.password_env: \"$PW\" is not an environment variable name "
                    + "(letters, digits and _)"
            ])
    }

    @Test("a client certificate without its key")
    func certificateWithoutKey() {
        #expect(
            problems("broker:\n  tls:\n    cert_file: c.pem\n") == [
                "/etc/hearth/hearth.yaml:3:5: broker.tls.cert_file: a client certificate needs both cert_file and "
                    + "key_file; `key_file` is missing"
            ])
    }

    @Test("unknown keys, with suggestions, and every problem at once")
    func allProblems() {
        #expect(
            problems(
                """
                retension: 30d
                speed: 0
                log_level: verbose
                broker:
                  port: 70000
                  keepalive: 2s
                  topic_prefix: plant/#
                  client_id: a/b
                  tls:
                    insecure: yes
                """) == [
                    "/etc/hearth/hearth.yaml:1:1: retension: unknown key; did you mean \"retention\"?",
                    "/etc/hearth/hearth.yaml:2:8: speed: 0 must be above 0",
                    "/etc/hearth/hearth.yaml:3:12: log_level: \"verbose\" is not one of trace, debug, info, notice, "
                        + "warning, error, critical",
                    "/etc/hearth/hearth.yaml:5:9: broker.port: 70000 is outside 1...65535",
                    "/etc/hearth/hearth.yaml:6:14: broker.keepalive: 2s is outside 5s...65535s, what MQTT brokers "
                        + "accept",
                    "/etc/hearth/hearth.yaml:7:17: broker.topic_prefix: \"plant/#\" must be topic levels joined by /, "
                        + "without wildcards (+ #) or empty levels",
                    "/etc/hearth/hearth.yaml:8:14: broker.client_id: \"a/b\" must not contain /, + or #: it becomes "
                        + "one level of the status topic",
                    "/etc/hearth/hearth.yaml:10:15: broker.tls.insecure: \"yes\" must be true or false",
                ])
    }

    @Test("policy.alarm_on and alarm_failure_probability: read, defaulted, and checked with file and line")
    func alarmOn() throws {
        let defaults = try AgentConfiguration.parse("policy:\n  alarm_margin: 0.1\n", file: "h.yaml").policy
        #expect(defaults.alarmOn == .minimum && defaults.alarmFailureProbability == 0.5)
        let set = try AgentConfiguration.parse(
            "policy:\n  alarm_on: failure_probability\n  alarm_failure_probability: 0.3\n", file: "h.yaml"
        ).policy
        #expect(set.alarmOn == .failureProbability && set.alarmFailureProbability == 0.3)
        #expect(set.alarmPolicy.trigger == .failureProbability(0.3))
        #expect(
            problems("policy:\n  alarm_on: probability\n  alarm_failure_probability: 1\n") == [
                "/etc/hearth/hearth.yaml:2:13: policy.alarm_on: \"probability\" is not one of minimum, "
                    + "failure_probability",
                "/etc/hearth/hearth.yaml:3:30: policy.alarm_failure_probability: 1.0 is not a probability strictly "
                    + "between 0 and 1",
            ])
        #expect(
            problems("policy:\n  alarm_failure_probability: 0\n") == [
                "/etc/hearth/hearth.yaml:2:30: policy.alarm_failure_probability: 0.0 is not a probability strictly "
                    + "between 0 and 1"
            ])
        #expect(problems("policy:\n  alarm_failure_probability: often\n").count == 1)
        // A threshold that would be read and never used is refused, whether alarm_on is left out or minimum.
        for text in [
            "policy:\n  alarm_failure_probability: 0.3\n",
            "policy:\n  alarm_on: minimum\n  alarm_failure_probability: 0.3\n",
        ] {
            let found = problems(text)
            #expect(
                found.count == 1
                    && found.first?.contains(
                        "policy.alarm_failure_probability: set without alarm_on: failure_probability (alarm_on is minimum)"
                    )
                        == true,
                "\(found)")
        }
    }

    @Test("durations accept days, and retention must be positive")
    func retention() throws {
        #expect(try AgentConfiguration.parse("retention: 7d", file: "h.yaml").retentionSeconds == 604_800)
        #expect(try AgentConfiguration.parse("retention: 36h", file: "h.yaml").retentionSeconds == 129_600)
        #expect(problems("retention: 0d") == ["/etc/hearth/hearth.yaml:1:12: retention: 0d must be longer than 0"])
    }

    @Test("a list instead of a mapping, and a syntax error")
    func shapes() {
        #expect(
            problems("- devices\n") == [
                "/etc/hearth/hearth.yaml:1:1: must be a mapping of `key: value` lines, found a list"
            ])
        #expect(problems("devices: [\n").count == 1)
    }

    @Test("a missing configuration file")
    func missingFile() {
        let error = #expect(throws: ConfigurationError.self) {
            try AgentConfiguration.load(path: "/nonexistent/hearth.yaml")
        }
        #expect(error?.description == "/nonexistent/hearth.yaml: cannot be read: No such file or directory")
    }

    @Test("MQTT devices need a broker")
    func mqttNeedsBroker() throws {
        let device = try DeviceFileLoader.parse(
            "id: c\nkind: k\nconnection: {type: mqtt, topic: t}\nsignals: [{name: p, path: p}]\n", file: "c.yaml")
        let withoutBroker = AgentConfiguration()
        #expect(
            withoutBroker.problems(with: [device], file: "hearth.yaml").map(\.description) == [
                "hearth.yaml: broker: c receives its readings over MQTT; add a `broker` section"
            ])
        var withBroker = withoutBroker
        withBroker.broker = BrokerConfiguration(clientID: "x")
        #expect(withBroker.problems(with: [device], file: "hearth.yaml").isEmpty)
    }
}

@Suite("Secrets")
struct SecretTests {
    @Test("an environment variable, with its trailing line break trimmed")
    func environment() throws {
        let source = SecretSource.environment("HEARTH_TEST_PW")
        #expect(try source.resolve { $0 == "HEARTH_TEST_PW" ? "s3cret\n" : nil } == "s3cret")
    }

    @Test("an unset or empty variable")
    func unsetVariable() {
        let source = SecretSource.environment("HEARTH_TEST_PW")
        let unset = #expect(throws: SecretError.self) { try source.resolve { _ in nil } }
        #expect(unset?.description == "environment variable HEARTH_TEST_PW (broker.password_env) is not set")
        let empty = #expect(throws: SecretError.self) { try source.resolve { _ in "\n" } }
        #expect(empty?.description == "the password from environment variable HEARTH_TEST_PW is empty")
    }

    @Test("the process environment is read")
    func processEnvironment() throws {
        setenv("HEARTH_TEST_SECRET", "from-env", 1)
        defer { unsetenv("HEARTH_TEST_SECRET") }
        #expect(try SecretSource.environment("HEARTH_TEST_SECRET").resolve() == "from-env")
    }

    @Test("a file, with trailing line breaks trimmed and inner spaces kept")
    func file() throws {
        var template = Array("/tmp/hearth-secret-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let text = Array(" pass word \r\n\n".utf8)
        #expect(write(descriptor, text, text.count) == text.count)
        close(descriptor)
        #expect(try SecretSource.file(path).resolve() == " pass word ")
    }

    @Test("a password file every user may read is warned about; 640 and 600 are not")
    func worldReadableFile() throws {
        var template = Array("/tmp/hearth-secret-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        close(descriptor)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        chmod(path, 0o644)
        #expect(
            SecretSource.file(path).exposure
                == "the password file \(path) (broker.password_file) is readable by every user of this machine "
                + "(mode 644); make it `chmod 640` with the agent's group")
        for mode: mode_t in [0o640, 0o600] {
            chmod(path, mode)
            #expect(SecretSource.file(path).exposure == nil)
        }
        #expect(SecretSource.environment("HEARTH_TEST_PW").exposure == nil)
    }

    @Test("an unreadable file")
    func unreadableFile() {
        let error = #expect(throws: SecretError.self) { try SecretSource.file("/nonexistent/pw").resolve() }
        #expect(
            error?.description
                == "cannot read the password file /nonexistent/pw (broker.password_file): No such file or directory")
    }
}

@Suite("Validation report")
struct ValidationReportTests {
    let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    @Test("shipped device files and a folder are sound, each with its summary")
    func shipped() {
        let report = ValidationReport.check(paths: [root + "/devices", root + "/devices/examples/real-pump.yaml"])
        #expect(report.ok)
        #expect(report.files.map(\.ok) == [true, true, true, true])
        #expect(
            report.files.first?.summary == "furnace-a, modbus-tcp 127.0.0.1:15021 unit 1, 8 signals in 3 reads")
        #expect(report.files.last?.path == root + "/devices/examples/real-pump.yaml")
    }

    @Test("a configuration brings its device folder, and MQTT devices need its broker")
    func configuration() throws {
        let folder = try ScratchFile.folder()
        defer { ScratchFile.remove(folder) }
        let withoutBroker = try ScratchFile.write(folder + "/hearth.yaml", "devices: \(root)/devices\n")
        let report = ValidationReport.check(paths: [], configuration: withoutBroker)
        #expect(!report.ok)
        #expect(
            report.files.map(\.path) == [withoutBroker] + ["a", "b", "c"].map { "\(root)/devices/furnace-\($0).yaml" })
        #expect(report.files.map(\.ok) == [false, true, true, true])
        #expect(
            report.problems.map(\.description) == [
                "\(withoutBroker): broker: furnace-c receives its readings over MQTT; add a `broker` section"
            ])

        let withBroker = try ScratchFile.write(folder + "/hearth.yaml", "devices: \(root)/devices\nbroker: {}\n")
        let sound = ValidationReport.check(paths: [], configuration: withBroker)
        #expect(sound.ok)
        #expect(
            sound.files.first?.summary
                == "devices \(root)/devices, database \(folder)/hearth.db, retention 90d, broker 127.0.0.1:1883")
    }

    @Test("a broken configuration is reported and its device folder left unread")
    func brokenConfiguration() throws {
        let folder = try ScratchFile.folder()
        defer { ScratchFile.remove(folder) }
        let file = try ScratchFile.write(folder + "/hearth.yaml", "speed: fast\n")
        let report = ValidationReport.check(paths: [], configuration: file)
        #expect(report.files.map(\.path) == [file])
        #expect(report.problems.map(\.description) == ["\(file):1:8: speed: \"fast\" must be a number"])
    }

    @Test("problems of device files stay with their files; a missing path is one problem")
    func deviceProblems() {
        let report = ValidationReport.check(paths: ["/nonexistent/devices/", root + "/devices/furnace-a.yaml"])
        #expect(report.files.map(\.ok) == [false, true])
        #expect(
            report.problems.map(\.description) == [
                "/nonexistent/devices/: cannot be read: No such file or directory"
            ])
    }
}

/// Files written for one test in a fresh folder under /tmp.
enum ScratchFile {
    static func folder() throws -> String {
        var template = Array("/tmp/hearth-agent-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return try #require(created.map { String(cString: $0) })
    }

    static func write(_ path: String, _ text: String) throws -> String {
        let stream = try #require(fopen(path, "w"))
        fputs(text, stream)
        fclose(stream)
        return path
    }

    /// Removes the folder and the one configuration file the tests write into it.
    static func remove(_ folder: String) {
        unlink(folder + "/hearth.yaml")
        rmdir(folder)
    }
}

@Suite("Log lines")
struct LogLineTests {
    @Test("a repeated warning passes once per interval, and the next one says how many were held back")
    func repeatedLines() {
        var limiter = RepeatedLineLimiter(intervalSeconds: 60)
        #expect(limiter.admit("poll overran|furnace-a", at: 0) == 0)
        #expect(limiter.admit("poll overran|furnace-a", at: 1) == nil)
        #expect(limiter.admit("poll overran|furnace-a", at: 59) == nil)
        #expect(limiter.admit("poll overran|furnace-b", at: 59) == 0, "another device is another line")
        #expect(limiter.admit("poll overran|furnace-a", at: 60) == 2)
        #expect(limiter.admit("poll overran|furnace-a", at: 200) == 0)
    }

    @Test("text, json and logfmt lines, and syslog priorities")
    func formats() {
        let metadata: Logger.Metadata = ["device": "furnace-a", "error": "connect: Connection refused"]
        #expect(
            LogLineHandler.line(
                format: .text, time: "T", level: .warning, label: "hearth", source: "Agent", message: "no value read",
                metadata: metadata)
                == "T warning hearth: device=furnace-a error=connect: Connection refused [Agent] no value read")
        #expect(
            LogLineHandler.line(
                format: .logfmt, time: "T", level: .warning, label: "hearth", source: "Agent", message: "no value read",
                metadata: metadata)
                == #"time=T level=warning source=Agent msg="no value read" device=furnace-a error="connect: Connection refused""#
        )
        #expect(
            LogLineHandler.line(
                format: .json, time: "T", level: .info, label: "hearth", source: "Agent", message: "collecting",
                metadata: [:])
                == #"{"label":"hearth","level":"info","message":"collecting","source":"Agent","time":"T"}"#)
        #expect(Logger.Level.allCases.map(LogLineHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
    }
}
