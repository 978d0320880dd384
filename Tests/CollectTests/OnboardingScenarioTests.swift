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

    @Test(
        "D is onboarded and gets adapted candidates judged on their evidence; what it is served is never worse than the original; A and B are left alone; nothing is lost",
        .timeLimit(.minutes(30)))
    func onboarding() async throws {
        let folder = try TemporaryFolder.make(prefix: "e2e")
        // HEARTH_KEEP_E2E=1 keeps the run's database and models for a look afterwards.
        let keep = ProcessInfo.processInfo.environment["HEARTH_KEEP_E2E"] != nil
        defer { if keep { print("kept \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) } }
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
        // Plant time in 30 s steps: each step waits until the agent has polled every device at that instant and
        // acted on it, training included (at a plant's real speed training fits within one poll; here plant time
        // waits for it, so the run does not depend on how busy the machine is).
        func step() async throws {
            let next = (clock.now() / 30_000 + 1) * 30_000
            clock.advance(to: next)
            let settled = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await agent.activity.idle(through: next)
                    return true
                }
                group.addTask {
                    try? await Task.sleep(nanoseconds: 300_000_000_000)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            try #require(settled, "the agent acted on every poll at \(PlantTime.readable(next)) within 5 minutes")
        }
        func labeledEvents(_ device: String) throws -> Int64 {
            try scalar("SELECT count(*) FROM events WHERE device_id = ? AND minimum IS NOT NULL", device)
        }

        try #require(await eventually(timeoutSeconds: 120) { agent.activity.devices.count == 2 }, "A and B collected")
        var brokerStopped: Int64?
        var brokerOutageDone = false
        var steps = 0
        // Run until D has 100 labeled events of its own (or a cap).
        while try labeledEvents("furnace-d") < 100, steps < 20_000 {
            try await step()
            steps += 1
            if clock.now() >= start + Int64(Self.onboardAtSeconds * 1000),
                !agent.activity.devices.contains("furnace-d")
            {
                // Plant time waits while the scenario drops D's file and the agent picks it up from the folder (a
                // few looks, in real time), so D joins at the same plant moment however busy the machine is.
                try #require(
                    await eventually(timeoutSeconds: 60) { runner.onboardedDevices.contains("furnace-d") },
                    "the scenario dropped D's file")
                try #require(
                    await eventually(timeoutSeconds: 60) { agent.activity.devices.contains("furnace-d") },
                    "D onboarded from its dropped file")
            }
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
        agent.stop()
        try await running.value
        runner.stop()

        let store = try AgentStore(path: configuration.databasePath)
        let decisions = try await store.decisions(limit: 10_000)
        let onboardTime = start + Int64(Self.onboardAtSeconds * 1000)
        let events = try await store.events(device: "furnace-d", labeledOnly: true, limit: 100_000)
            .filter { $0.start >= onboardTime }
        for decision in decisions where decision.kind != .driftCheckSkipped {
            print("decision at \(PlantTime.readable(decision.time)): \(decision.summary)")
        }
        try #require(events.count >= 100, "\(events.count) of D's events")

        // No candidate, drift verdict, promotion or rollback for the unchanged furnaces A and B.
        for kind in [DecisionKind.candidate, .drift, .promotion, .rollback] {
            let unchanged = decisions.filter {
                $0.kind == kind && ($0.device == "furnace-a" || $0.device == "furnace-b")
            }
            #expect(unchanged.isEmpty, "\(kind.rawValue) on an unchanged furnace: \(unchanged.map(\.summary))")
        }
        let checks = try await store.driftChecks(device: "furnace-a") + store.driftChecks(device: "furnace-b")
        let flagged = checks.filter { $0.verdict == .drift }.count
        #expect(Double(flagged) <= 0.05 * Double(max(checks.count, 20)), "\(flagged) of \(checks.count) checks flagged")

        // D gets a candidate adapted to it from its first events, and more as its own labels grow.
        let candidates = decisions.filter { $0.kind == .candidate && $0.device == "furnace-d" }
        let firstCandidate = try #require(candidates.first, "a candidate was trained for D")
        let eventsBeforeCandidate = events.filter { ($0.end ?? 0) <= firstCandidate.time }.count
        #expect(
            eventsBeforeCandidate <= AgentPolicy().onboardingEvents + 2,
            "first candidate after \(eventsBeforeCandidate)")
        #expect(candidates.count >= 3, "candidates at 6, 12, 24... own events")
        // Every verdict on a shadow states its evidence; a promotion needs the sequential test's e-value and no
        // more missed failures. The candidates' cost is noisy on D (missed failures dominate it), so whether one
        // wins within the run is not asserted: that it is judged soundly is.
        let verdicts = decisions.filter {
            $0.device == "furnace-d" && [DecisionKind.promotion, .shadowRejected].contains($0.kind)
        }
        #expect(!verdicts.isEmpty, "D's shadows were judged")
        for verdict in verdicts {
            let evidence = try JSONCoding.decode(
                PromotionPolicy.Evidence.self, from: JSONCoding.encode(verdict.details))
            #expect(evidence.events >= AgentPolicy().shadowEvents, "\(verdict.summary)")
            if verdict.kind == .promotion {
                #expect(evidence.eValue >= 1 / evidence.alpha && evidence.challengerMissed <= evidence.incumbentMissed)
            }
        }
        if let first = decisions.first(where: { $0.kind == .promotion && $0.device == "furnace-d" }) {
            print("D's first promotion after \(events.filter { ($0.end ?? 0) <= first.time }.count) of its events")
        }
        #expect(!decisions.contains { $0.kind == .rollback && $0.device == "furnace-d" }, "no rollback on D")
        let models = try await store.models()

        // What D was served, event by event (the decisive predictions stored), against the original model v1 on
        // the same features: over events 13...100 no higher MAPE, and as many failures caught.
        func predictor(_ version: Int) throws -> MinimumPressurePredictor {
            let entry = try #require(models.first { $0.version == version })
            let model = try TreeModel.load(from: configuration.modelsFolder + "/" + entry.file)
            return try MinimumPressurePredictor(
                version: version, model: model,
                attributes: ["chamber_volume_m3", "leak_class", "pump_age_years", "pump_nominal_speed_m3h"])
        }
        let original = try predictor(1)
        let served = try await store.labeledPredictions(
            device: "furnace-d", models: models.map(\.version), since: onboardTime, fromCheckpoint: 150)
        let champions = Dictionary(
            grouping: try database.prepare(
                "SELECT event_id, checkpoint_s, model_version FROM predictions WHERE role IN ('champion', 'fallback')"
            ).query([]), by: { $0[0].integer ?? 0 })
        var servedErrors: [Double] = []
        var originalErrors: [Double] = []
        var servedCaught = 0
        var originalCaught = 0
        var failing = 0
        var servedFalse = 0
        var originalFalse = 0
        for event in events.dropFirst(12) {
            let deciding = Set((champions[event.id] ?? []).map { "\($0[1].integer ?? 0)/\($0[2].integer ?? 0)" })
            let mine = served.filter {
                $0.eventID == event.id && deciding.contains("\($0.checkpoint)/\($0.modelVersion)")
            }
            let theirs = event.features.filter { $0.key >= 150 }.sorted { $0.key < $1.key }.compactMap {
                original.predict($0.value)
            }
            guard let minimum = event.minimum, !mine.isEmpty, !theirs.isEmpty else { continue }
            servedErrors += mine.map { abs($0.predicted - minimum) / minimum }
            originalErrors += theirs.map { abs($0 - minimum) / minimum }
            let servedAlarm = mine.contains { $0.predicted > event.threshold }
            let originalAlarm = theirs.contains { $0 > event.threshold }
            if event.failed == true {
                failing += 1
                if servedAlarm { servedCaught += 1 }
                if originalAlarm { originalCaught += 1 }
            } else {
                if servedAlarm { servedFalse += 1 }
                if originalAlarm { originalFalse += 1 }
            }
        }
        let servedMAPE = 100 * servedErrors.reduce(0, +) / Double(max(1, servedErrors.count))
        let originalMAPE = 100 * originalErrors.reduce(0, +) / Double(max(1, originalErrors.count))
        print(
            "D's events 13-100: served MAPE \(servedMAPE) %, original v1 \(originalMAPE) %; failing \(failing), caught "
                + "\(servedCaught) (v1 \(originalCaught)), false alarms \(servedFalse) (v1 \(originalFalse))")
        // No regret: what D was served is no worse than keeping the original model. Whether a candidate wins within
        // D's first 100 events depends on when its training finished on a busy machine (its evidence is near the
        // promotion bound); one promoted near the end can lose on its few served events by chance, so one run is
        // held to 2 % (`Benchmarks/adaptation` measures no regret over seeds).
        #expect(servedMAPE <= 1.02 * originalMAPE, "MAPE \(originalMAPE) → \(servedMAPE)")
        #expect(failing > 0)
        #expect(servedCaught + Int((0.03 * Double(failing)).rounded(.down)) >= originalCaught, "recall kept")

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
        // Alarms say why and how sure: reasons from the champion's decomposition, an interval and a failure
        // probability once the model has enough labeled events on the furnace.
        #expect(all.contains { !$0.reasons.isEmpty }, "alarms carry reasons")
        let sure = all.compactMap(\.uncertainty)
        #expect(!sure.isEmpty, "later alarms carry an interval")
        // An unbounded interval (the calibration has too little weight near the prediction) runs from 0 to ∞.
        #expect(
            sure.allSatisfy {
                ($0.lowMbar > 0 || ($0.lowMbar == 0 && $0.highMbar == nil)) && $0.failureProbability > 0
                    && $0.failureProbability <= 1
            })
        // The intervals served at 150 s, as stored: the new furnace's from its first labeled event on (the fleet's
        // errors weighted toward it, then its own).
        for device in ["furnace-a", "furnace-b", "furnace-d"] {
            let served = IntervalCoverage(
                served: try await store.servedPredictions(device: device, checkpoint: 150), checkpoint: 150)
            print(
                "\(device): 90 % intervals served at 150 s held in \(served.coveredShare ?? .nan) of \(served.events) events "
                    + "(\(served.withoutInterval) without one, \(served.unboundedShare ?? .nan) unbounded), "
                    + "median width ×\(served.medianWidthFactor ?? .nan)")
            #expect(served.events > 50)
            #expect((served.coveredShare ?? 0) >= 0.8, "\(device): intervals held in \(served.coveredShare ?? 0)")
        }
        let firstOfD = try await store.servedPredictions(device: "furnace-d", checkpoint: 150).prefix(9)
        #expect(
            firstOfD.dropFirst().contains { $0.uncertainty != nil },
            "furnace D has intervals before nine labeled events of its own")
        listening.cancel()
        scada.disconnect()
    }
}
