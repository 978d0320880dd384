import Agent
import Fieldbus
import Foundation
import Logging
import Plant
import SQLite
import Simulator
import TestSupport
import Testing
import Trees

/// Every MQTT message a SCADA subscriber received.
private actor Subscriber {
    var messages: [(topic: String, payload: JSONValue?)] = []
    func append(_ message: MQTTMessage) {
        messages.append((message.topic, try? JSONValue.parse(message.payload)))
    }
}

/// The adaptive loop end to end: furnaces A (Modbus TCP) and B (Modbus RTU over a pseudo-terminal) run with a model
/// trained on their history; furnace D, shifted, is onboarded by dropping its device file into the agent's folder.
/// Real mosquitto (stopped for two plant hours mid-run), real Modbus, a real SCADA subscriber; plant time moves in
/// 30 s steps as fast as the agent keeps up.
@Suite("Onboarding a shifted furnace, end to end")
struct OnboardingScenarioTests {
    static let onboardAtSeconds = 2.0 * 3600

    @Test("Drift for D is detected, an adapted model is promoted and alarms D's failures early; nothing is lost")
    func onboarding() async throws {
        let folder = try TemporaryFolder.make(prefix: "e2e")
        defer { try? FileManager.default.removeItem(at: folder) }
        let broker = try MosquittoBroker(persistent: true)
        let root = PlantFixture.repositoryRoot

        // The scenario, moved to free ports and private paths.
        var scenario = try Scenario.load(path: root.appendingPathComponent("simulator/scenarios/onboarding.yaml").path)
        let agentDevices = folder.appendingPathComponent("devices")
        try FileManager.default.createDirectory(at: agentDevices, withIntermediateDirectories: true)
        var rewrites: [String: (String, String)] = [:]
        for index in scenario.devices.indices {
            var device = scenario.devices[index].device
            let text = try String(contentsOfFile: scenario.devices[index].path, encoding: .utf8)
            switch device.connection {
            case .modbusTCP(var endpoint):
                let port = try FreePort.find()
                rewrites[device.id] = ("port: \(endpoint.port)", "port: \(port)")
                endpoint.port = port
                device.connection = .modbusTCP(endpoint)
            case .modbusRTU(var endpoint):
                let path = folder.appendingPathComponent("\(device.id).tty").path
                rewrites[device.id] = (endpoint.device, path)
                endpoint.device = path
                device.connection = .modbusRTU(endpoint)
            case .mqtt:
                break
            }
            scenario.devices[index].device = device
            let (from, to) = rewrites[device.id]!
            try text.replacingOccurrences(of: from, with: to)
                .write(to: agentDevices.appendingPathComponent("\(device.id).yaml"), atomically: true, encoding: .utf8)
        }
        var onboarded = scenario.onboarding[0]
        guard case .modbusTCP(var endpoint) = onboarded.device.connection else {
            Issue.record("D is Modbus TCP"); return
        }
        let dPort = try FreePort.find()
        let dText = try String(contentsOfFile: onboarded.path, encoding: .utf8)
            .replacingOccurrences(of: "port: \(endpoint.port)", with: "port: \(dPort)")
        endpoint.port = dPort
        onboarded.device.connection = .modbusTCP(endpoint)
        onboarded.atSeconds = Self.onboardAtSeconds
        scenario.onboarding = [onboarded]

        // The first model's training data: 300 past events of A and B.
        let history = folder.appendingPathComponent("history.csv")
        try HistoryGenerator(furnaces: scenario.historyFurnaces()).csv(eventsPerFurnace: 300, withIDs: true)
            .write(to: history, atomically: true, encoding: .utf8)

        var configuration = AgentConfiguration(relativeTo: folder.path)
        configuration.devicesFolder = agentDevices.path
        configuration.trainingData = history.path
        configuration.statusIntervalSeconds = 2
        configuration.durability = .normal  // survives kill -9 (tested on the binary elsewhere); fewer fsyncs
        configuration.broker = BrokerConfiguration(
            host: "127.0.0.1", port: broker.port, clientID: "hearth", keepaliveSeconds: 5)
        try FileManager.default.createDirectory(atPath: configuration.modelsFolder, withIntermediateDirectories: true)

        // A SCADA system with a persistent session, listening to everything Hearth says.
        let received = Subscriber()
        let scada = try MQTTClient(
            options: MQTTOptions(
                host: "127.0.0.1", port: broker.port, clientID: "scada", cleanSession: false,
                reconnectDelaySeconds: (1, 1)))
        try scada.subscribe("hearth/#", qos: 1)
        try scada.start()
        #expect(await scada.waitUntilConnected(timeoutSeconds: 5))
        let listening = Task { for await message in scada.messages { await received.append(message) } }

        let start: Int64 = 1_800_000_000_000
        let clock = ManualClock(startingAt: start)
        let runner = ScenarioRunner(scenario: scenario, clock: clock)
        try runner.start { device, _ in
            try? dText.write(
                to: agentDevices.appendingPathComponent("\(device.id).yaml"), atomically: true, encoding: .utf8)
        }
        let logger = Logger(label: "e2e")
        let agent = HearthAgent(configuration: configuration, clock: clock, logger: logger, folderInterval: 0.05)
        let running = Task { try await agent.run() }
        defer { running.cancel() }

        let database = try Database(path: configuration.databasePath, readOnly: false)
        func scalar(_ sql: String, _ parameters: any SQLiteBindable...) throws -> Int64 {
            try database.prepare(sql).query(parameters).first?[0].integer ?? 0
        }
        // Plant time in 30 s steps: each step waits until every registered device stored its poll and every
        // loop is asleep again (the agent has acted on what it read).
        var active: Set<String> = []
        func step() async throws {
            let next = (clock.now() / 30_000 + 1) * 30_000
            clock.advance(to: next)
            let settled = await eventually(timeoutSeconds: 120, every: 0.001) {
                guard
                    let rows = try? database.prepare(
                        "SELECT DISTINCT s.device_id FROM readings r JOIN signals s ON s.id = r.signal_id WHERE r.time_ms = ?"
                    ).query([next])
                else { return false }
                let stored = Set(rows.compactMap { $0[0].text })
                let pendingOnboarding = runner.onboardedDevices.isEmpty ? 1 : 0
                // Every device polled so far polled again, and every loop is back asleep (the agent acted on it).
                // Training takes a few real seconds: at a plant's real speed that is within one poll, so plant
                // time waits for it here too (and the run does not depend on how busy the machine is).
                return stored.isSuperset(of: active) && !stored.isEmpty
                    && clock.sleeperCount >= stored.count + 1 + pendingOnboarding && agent.background.pending == 0
            }
            #expect(settled, "the agent kept up at \(PlantTime.readable(next))")
            if let rows = try? database.prepare(
                "SELECT DISTINCT s.device_id FROM readings r JOIN signals s ON s.id = r.signal_id WHERE r.time_ms = ?"
            ).query([next]) {
                active.formUnion(rows.compactMap { $0[0].text })
            }
        }
        func labeledEvents(_ device: String) throws -> Int64 {
            try scalar("SELECT count(*) FROM events WHERE device_id = ? AND minimum IS NOT NULL", device)
        }

        _ = await eventually(timeoutSeconds: 120) { (try? scalar("SELECT count(*) FROM deployments")) ?? 0 >= 2 }
        var brokerStopped: Int64?
        var brokerOutageDone = false
        var steps = 0
        // Run until D's champion is a model adapted to it and has served 40 of D's events (or a cap).
        func adaptedChampionServed() throws -> Int64 {
            try scalar(
                """
                SELECT count(*) FROM events e JOIN deployments d ON d.device_id = e.device_id AND d.role = 'champion'
                JOIN models m ON m.version = d.model_version
                WHERE e.device_id = 'furnace-d' AND m.target_device = 'furnace-d' AND e.start_ms > d.since_ms
                    AND e.minimum IS NOT NULL
                """)
        }
        while try adaptedChampionServed() < 40, try labeledEvents("furnace-d") < 300, steps < 20_000 {
            try await step()
            steps += 1
            let now = clock.now()
            if brokerStopped == nil, now >= start + 20 * 3_600_000 {
                broker.stop()
                brokerStopped = now
            } else if let stopped = brokerStopped, !brokerOutageDone, now >= stopped + 2 * 3_600_000 {
                try broker.start()
                brokerOutageDone = true
            }
        }
        #expect(brokerOutageDone, "the broker was down for two plant hours mid-run")

        // Let the outbox drain, then stop the agent in order.
        #expect(await eventually(timeoutSeconds: 30) { (try? scalar("SELECT count(*) FROM outbox")) == 0 })
        running.cancel()
        _ = try? await running.value
        runner.stop()

        let store = try AgentStore(path: configuration.databasePath)
        let decisions = try await store.decisions(limit: 1000)
        let events = try await store.events(device: "furnace-d", labeledOnly: true, limit: 100_000)
        let onboardTime = start + Int64(Self.onboardAtSeconds * 1000)
        for decision in decisions where decision.device == "furnace-d" || decision.device == nil {
            print("decision at \(PlantTime.readable(decision.time)): \(decision.summary)")
        }

        // Drift for D is detected within a bounded number of its events.
        let drift = try #require(
            decisions.first { $0.kind == "drift" && $0.device == "furnace-d" }, "drift detected for D")
        let eventsBeforeDrift = events.filter { $0.start >= onboardTime && ($0.end ?? 0) <= drift.time }.count
        #expect(eventsBeforeDrift <= 12, "drift after \(eventsBeforeDrift) of D's events")

        // An adapted candidate is promoted on D.
        let promotions = decisions.filter { $0.kind == "promotion" && $0.device == "furnace-d" }
        let lastPromotion = try #require(promotions.last, "a candidate was promoted on D: \(decisions.map(\.summary))")
        let champion = try #require(
            try await store.deployments().first { $0.device == "furnace-d" && $0.role == "champion" })
        #expect(champion.version > 1)
        let models = try await store.models()
        #expect(models.first { $0.version == champion.version }?.targetDevice == "furnace-d")

        // On D's later events (since its current champion took over), the promoted model beats the original by a
        // stated margin: at least 30 % lower MAPE.
        #expect(lastPromotion.time >= champion.since)
        let later = events.filter { $0.start > champion.since }
        #expect(later.count >= 30, "\(later.count) of D's events after the last promotion")
        func mape(_ version: Int) throws -> Double {
            let entry = try #require(models.first { $0.version == version })
            let model = try TreeModel.load(from: configuration.modelsFolder + "/" + entry.file)
            let predictor = try MinimumPressurePredictor(
                version: version, model: model,
                attributes: Set(
                    PumpingEventFeatures.names(attributes: [
                        "chamber_volume_m3", "leak_class", "pump_age_years", "pump_nominal_speed_m3h",
                    ])))
            var errors: [Double] = []
            for event in later {
                for (checkpoint, features) in event.features where checkpoint >= 150 {
                    if let predicted = predictor.predict(features), let minimum = event.minimum {
                        errors.append(abs(predicted - minimum) / minimum)
                    }
                }
            }
            return 100 * errors.reduce(0, +) / Double(errors.count)
        }
        let original = try mape(1)
        let promoted = try mape(champion.version)
        print("D's later events: original v1 MAPE \(original) %, champion v\(champion.version) MAPE \(promoted) %")
        #expect(promoted < 0.7 * original, "MAPE \(original) → \(promoted)")

        // At least 90 % of D's later failing events alarmed at least 120 s before their end, at most 10 % false.
        let alarms = Dictionary(
            uniqueKeysWithValues: try await store.alarms(device: "furnace-d").map { ($0.eventID, $0) })
        let failing = later.filter { $0.failed == true }
        let early = failing.filter { event in alarms[event.id].map { $0.raisedTime <= event.end! - 120_000 } ?? false }
        let raised = later.filter { alarms[$0.id] != nil }
        let falseAlarms = raised.filter { $0.failed == false }
        print(
            "D's later events: \(later.count), failing \(failing.count), alarmed early \(early.count), alarms \(raised.count), false \(falseAlarms.count)"
        )
        #expect(!failing.isEmpty)
        #expect(
            Double(early.count) >= 0.9 * Double(failing.count),
            "\(early.count) of \(failing.count) failures alarmed early")
        #expect(
            Double(falseAlarms.count) <= 0.1 * Double(max(1, raised.count)),
            "\(falseAlarms.count) of \(raised.count) alarms false")

        // Stopping the broker lost no alarm: the subscriber saw every alarm's final state.
        _ = await eventually(timeoutSeconds: 10) {
            let got = await received.messages.filter {
                $0.topic.hasPrefix("hearth/alarms/") && $0.topic.split(separator: "/").count == 3
            }
            return got.count >= 1
        }
        let all =
            try await store.alarms(device: "furnace-a") + store.alarms(device: "furnace-b")
            + store.alarms(device: "furnace-d")
        let messages = await received.messages.filter {
            $0.topic.split(separator: "/").count == 3 && $0.topic.hasPrefix("hearth/alarms/")
        }
        var finalSequence: [String: Double] = [:]
        for message in messages {
            guard case .string(let id)? = message.payload?.value(atPath: "alarm_id"),
                case .number(let sequence)? = message.payload?.value(atPath: "sequence")
            else { continue }
            finalSequence[id] = max(finalSequence[id] ?? 0, sequence)
        }
        let duringOutage = all.filter { alarm in
            brokerStopped.map { alarm.updatedTime >= $0 && alarm.updatedTime <= $0 + 2 * 3_600_000 } ?? false
        }
        #expect(!duringOutage.isEmpty, "some alarms changed while the broker was down")
        for alarm in all {
            #expect(
                finalSequence[alarm.id] == Double(alarm.sequence),
                "alarm \(alarm.id) reached the subscriber in its final state")
        }
        listening.cancel()
        scada.disconnect()
    }
}
