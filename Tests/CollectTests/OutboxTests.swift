import Agent
import Fieldbus
import Foundation
import Logging
import Plant
import Support
import TestSupport
import Testing

private actor Received {
    var texts: [String] = []
    func append(_ text: String) { texts.append(text) }
}

@Suite("Outbox and registry on a real database and broker")
struct OutboxTests {
    static func enqueue(_ messages: [OutboxMessage], in store: AgentStore) async throws {
        var entry = JournalEntry()
        entry.messages = messages
        try await store.commit(entry, at: 0)
    }

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
        let delivering = Task { await delivery.run() }
        let messages = (1...20).map { OutboxMessage(topic: "hearth/alarms/f", payload: Array("\($0)".utf8)) }
        try await Self.enqueue(messages, in: store)
        delivery.notify()
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(try await store.outboxDepth().messages == 20, "nothing leaves while the broker is down")

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
        let drained = await eventually(timeoutSeconds: 20) { (try? await store.outboxDepth().messages) == 0 }
        let left = try await store.outboxDepth().messages
        #expect(
            drained,
            "outbox \(left), agent connected \(agent.isConnected), \(String(describing: agent.lastConnectionError))")
        _ = await eventually(timeoutSeconds: 10) { await received.texts.count >= 20 }
        collecting.cancel()
        let got = await received.texts
        #expect(got == (1...20).map(String.init), "in order, none lost")
        delivering.cancel()
        await delivering.value
        agent.disconnect()
        subscriber.disconnect()
    }

    /// A store with two registered models and devices a and b, and a registry over it publishing to `hearth/t`.
    static func registry(in folder: URL) async throws -> (AgentStore, ModelRegistry) {
        let store = try AgentStore(path: folder.appendingPathComponent("h.db").path, durability: .normal)
        let journal = DecisionJournal(
            store: store, topics: MessageTopics(prefix: "hearth", clientID: "t"), logger: Logger(label: "test"))
        let registry = ModelRegistry(journal: journal)
        for id in ["a", "b"] {
            try await store.register(
                DeviceFile(
                    id: id, kind: "esr-furnace", name: id, connection: .mqtt(MQTTSubscription(topic: id)), signals: []),
                at: 0)
        }
        for version in 1...2 {
            let entry = ModelEntry(
                version: version, parent: nil, algorithm: "gbdt", weighting: "none", targetDevice: nil,
                file: "m\(version).json", checksum: "c", featureSchema: PumpingEventFeatures.schema, created: 0,
                dataWindow: .object([:]), parameters: .object([:]), offlineMetrics: .object([:]), note: nil)
            try await registry.register(
                ModelRegistration(
                    entry: entry, reference: [ReferenceRow(origin: "history", features: ["seconds_into_event": 180])]),
                decision: Decision(.candidate, model: version, summary: "v\(version)", at: 0))
        }
        return (store, registry)
    }

    @Test("Promote keeps the replaced champion watching; rollback and withdraw follow; states follow the roles")
    func registryChanges() async throws {
        let folder = try TemporaryFolder.make(prefix: "registry")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (store, registry) = try await Self.registry(in: folder)
        try await registry.assignChampion(1, to: ["a", "b"], kind: .deployed, summary: "v1 first", at: 1)
        try await registry.addShadow(2, on: "a", trigger: "test", at: 2)
        #expect(try await store.models().map(\.state) == [.champion, .shadow])
        let promotion = try await registry.promote(2, on: "a", evidence: nil, at: 3)
        #expect(promotion.summary == "v2 promoted on a by hand (was v1)")
        let deployments = try await store.deployments()
        #expect(
            deployments.filter { $0.device == "a" }.map { "\($0.role.rawValue) v\($0.version)" }.sorted() == [
                "champion v2", "watch v1",
            ])
        #expect(deployments.first { $0.device == "a" && $0.role == .champion }?.previousChampion == 1)
        #expect(try await store.models().map(\.state) == [.champion, .champion])
        await #expect(throws: RegistryError.self) { try await registry.promote(2, on: "a", evidence: nil, at: 4) }
        let unknown = await #expect(throws: RegistryError.self) {
            try await registry.promote(2, on: "furnace-zz", evidence: nil, at: 4)
        }
        #expect(unknown?.description == "no device furnace-zz in the registry (registered: a, b)")
        await #expect(throws: RegistryError.self) { try await registry.promote(9, on: "a", evidence: nil, at: 4) }
        let rollback = try await registry.rollBack(device: "a", evidence: nil, at: 5)
        #expect(rollback.summary == "v2 rolled back on a by hand; v1 serves again")
        #expect(try await store.deployments().filter { $0.device == "a" }.map(\.version) == [1])
        #expect(try await store.models().map(\.state) == [.champion, .retired])
        await #expect(throws: RegistryError.self) { try await registry.rollBack(device: "a", evidence: nil, at: 6) }
        let kinds = try await store.decisions().map(\.kind)
        #expect(kinds == [.candidate, .candidate, .deployed, .shadow, .promotion, .rollback])
        // Every decision's message is in the outbox, in the same order.
        let payloads = try await store.pendingMessages(limit: 100).map { try JSONValue.parse($0.message.payload) }
        #expect(payloads.compactMap { $0.value(atPath: "kind") }.map { "\($0)" }.count == kinds.count)
        #expect(try await store.reference(of: 1).first?.origin == "history")
    }

    @Test("A read-only store neither migrates nor writes; a second agent on one database is refused by name")
    func readOnlyAndLock() async throws {
        let folder = try TemporaryFolder.make(prefix: "readonly")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("h.db").path
        #expect(throws: (any Error).self) { try AgentStore(path: path, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing created")
        _ = try await Self.registry(in: folder)
        let reader = try AgentStore(path: path, readOnly: true)
        #expect(try await reader.models().count == 2)
        await #expect(throws: (any Error).self) {
            try await reader.commit(
                {
                    var entry = JournalEntry(); entry.messages = [OutboxMessage(topic: "t", payload: [])]; return entry
                }(), at: 0)
        }
        let first = try ExclusiveFileLock(path: path + ".lock", holder: "hearth run, pid 1")
        let second = #expect(throws: ExclusiveFileLockError.self) {
            try ExclusiveFileLock(path: path + ".lock", holder: "hearth run, pid 2")
        }
        #expect(second?.holder == "hearth run, pid 1")
        _ = first
    }
}
