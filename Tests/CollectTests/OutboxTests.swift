import Agent
import Fieldbus
import Foundation
import Logging
import Plant
import TestSupport
import Testing

private actor Received {
    var texts: [String] = []
    func append(_ text: String) { texts.append(text) }
}

@Suite("Outbox and registry on a real database and broker")
struct OutboxTests {
    @Test("Messages queued while the broker is down are delivered in order once it is back, and leave the outbox")
    func storeAndForward() async throws {
        let folder = try TemporaryFolder.make(prefix: "outbox")
        defer { try? FileManager.default.removeItem(at: folder) }
        let broker = try MosquittoBroker()
        broker.stop()

        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        let agent = try MQTTClient(
            options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "agent", reconnectDelaySeconds: (3, 3))
        )
        try agent.start()
        let delivery = OutboxDelivery(
            store: store, client: agent, logger: Logger(label: "test"), acknowledgementTimeout: 2)
        await delivery.start()
        let messages = (1...20).map { OutboxMessage(topic: "hearth/alarms/f", payload: Array("\($0)".utf8)) }
        try await store.enqueue(messages, at: 0)
        delivery.notify()
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(try await store.outboxCount() == 20, "nothing leaves while the broker is down")

        // The broker comes back; a subscriber is listening before the agent's next attempt (3 s).
        try broker.start()
        let subscriber = try MQTTClient(options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "scada"))
        try subscriber.subscribe("hearth/alarms/#")
        try subscriber.start()
        #expect(await subscriber.waitUntilConnected(timeoutSeconds: 2))
        let received = Received()
        let collecting = Task {
            for await message in subscriber.messages {
                await received.append(message.text)
            }
        }
        let drained = await eventually(timeoutSeconds: 20) { (try? await store.outboxCount()) == 0 }
        let left = try await store.outboxCount()
        #expect(
            drained,
            "outbox \(left), agent connected \(agent.isConnected), \(String(describing: agent.lastConnectionError))")
        _ = await eventually(timeoutSeconds: 10) { await received.texts.count >= 20 }
        collecting.cancel()
        let got = await received.texts
        #expect(got == (1...20).map(String.init), "in order, none lost")
        await delivery.stop()
        agent.disconnect()
        subscriber.disconnect()
    }

    @Test("Deployments change atomically and model states follow the roles")
    func deployments() async throws {
        let folder = try TemporaryFolder.make(prefix: "registry")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        for version in 1...2 {
            try await store.registerModel(
                ModelEntry(
                    version: version, parent: nil, state: "candidate", algorithm: "gbdt", weighting: "none",
                    targetDevice: nil,
                    file: "m\(version).json", checksum: "c", featureSchema: PumpingEventFeatures.schema, created: 0,
                    dataWindow: "{}", parameters: "{}", offlineMetrics: "{}", note: nil),
                reference: [("history", ["seconds_into_event": 180])],
                decision: ("candidate", "v\(version)", .object([:])),
                messages: [], at: 0)
        }
        try await store.deploy(
            [.champion(device: "a", version: 1, previous: nil), .champion(device: "b", version: 1, previous: nil)],
            decision: ("deployed", "v1", .object([:])), device: nil, version: 1, messages: [], at: 1)
        try await store.deploy(
            [.shadow(device: "a", version: 2)], decision: ("shadow", "v2", .object([:])), device: "a", version: 2,
            messages: [], at: 2)
        #expect(try await store.models().map(\.state) == ["champion", "shadow"])
        try await store.deploy(
            [.champion(device: "a", version: 2, previous: 1), .shadow(device: "a", version: 1)],
            decision: ("promotion", "v2", .object([:])), device: "a", version: 2,
            messages: [OutboxMessage(topic: "t", payload: [1])], at: 3)
        let deployments = try await store.deployments()
        #expect(
            deployments.filter { $0.role == "champion" }.map { "\($0.device):\($0.version)" }.sorted() == [
                "a:2", "b:1",
            ])
        #expect(deployments.first { $0.device == "a" && $0.role == "champion" }?.previousChampion == 1)
        #expect(try await store.models().map(\.state) == ["champion", "champion"])
        #expect(try await store.outboxCount() == 1, "the decision's message committed with the change")
        // A change that fails leaves everything as it was: a second champion row would break the unique index.
        await #expect(throws: (any Error).self) {
            try await store.deploy(
                [.champion(device: "b", version: 2, previous: 1), .champion(device: "b", version: 3, previous: 2)],
                decision: ("promotion", "bad", .object([:])), device: "b", version: 3, messages: [], at: 4)
        }
        #expect(try await store.deployments().first { $0.device == "b" && $0.role == "champion" }?.version == 1)
        #expect(
            try await store.decisions().map(\.kind) == ["candidate", "candidate", "deployed", "shadow", "promotion"])
        #expect(try await store.reference(of: 1).first?.origin == "history")
    }
}
