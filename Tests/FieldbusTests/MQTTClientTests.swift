import Foundation
import Simulator
import TestSupport
import Testing

@testable import Fieldbus

@Suite("MQTT client against a real mosquitto")
struct MQTTClientTests {
    @Test("Publishes at QoS 1, is acknowledged, and receives its own subscription")
    func publishAndReceive() async throws {
        let broker = try MosquittoBroker()
        let client = try MQTTClient(options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "test-pub"))
        try client.subscribe("plant/+/telemetry")
        try client.start()
        #expect(await client.waitUntilConnected(timeoutSeconds: 5))
        try await Task.sleep(nanoseconds: 100_000_000)  // let the subscription reach the broker
        try await client.publish(MQTTMessage(topic: "plant/furnace-c/telemetry", text: #"{"p": 812.5}"#))
        var iterator = client.messages.makeAsyncIterator()
        let received = await iterator.next()
        #expect(received?.topic == "plant/furnace-c/telemetry")
        #expect(received?.text == #"{"p": 812.5}"#)
        client.disconnect()
    }

    @Test("Retained 'online' on connect and the will 'offline' when the client vanishes")
    func birthAndWill() async throws {
        let broker = try MosquittoBroker()
        let status = "hearth/agent-1/status"
        let agent = try MQTTClient(
            options: MQTTOptions(
                host: "127.0.0.1", port: broker.port, clientID: "agent-1", keepaliveSeconds: 5,
                will: MQTTMessage(topic: status, text: "offline", retain: true),
                birth: MQTTMessage(topic: status, text: "online", retain: true)))
        try agent.start()
        #expect(await agent.waitUntilConnected(timeoutSeconds: 5))
        try await Task.sleep(nanoseconds: 200_000_000)

        let observer = try MQTTClient(options: MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "observer"))
        try observer.subscribe(status)
        try observer.start()
        var iterator = observer.messages.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.text == "online")
        #expect(first?.retain == true, "a late subscriber sees the retained status")

        // Stopping without a clean DISCONNECT makes the broker publish the will.
        agent.kill()
        let second = await iterator.next()
        #expect(second?.text == "offline")
        observer.disconnect()
    }

    @Test("Username and password: accepted when right, refused with the broker's reason when wrong")
    func credentials() async throws {
        let folder = try TemporaryFolder.make(prefix: "mqtt-auth")
        let passwords = folder.appendingPathComponent("passwd")
        let tool = try ChildProcess(
            executable: ChildProcess.find("mosquitto_passwd") ?? "/usr/bin/mosquitto_passwd",
            arguments: ["-c", "-b", passwords.path, "hearth", "s3cret"])
        #expect(tool.wait(timeoutSeconds: 10) == 0)
        chmod(passwords.path, 0o644)  // mosquitto drops root to its own user before reading it
        let broker = try MosquittoBroker(extraConfiguration: ["password_file \(passwords.path)"])

        let good = try MQTTClient(
            options: MQTTOptions(
                host: "127.0.0.1", port: broker.port, clientID: "good", username: "hearth", password: "s3cret"))
        try good.start()
        #expect(await good.waitUntilConnected(timeoutSeconds: 5))
        good.disconnect()

        let bad = try MQTTClient(
            options: MQTTOptions(
                host: "127.0.0.1", port: broker.port, clientID: "bad", username: "hearth", password: "wrong"))
        try bad.start()
        #expect(await bad.waitUntilConnected(timeoutSeconds: 1) == false)
        let error = try #require(bad.lastConnectionError)
        #expect(error.message.lowercased().contains("not authori"), "\(error)")
        bad.disconnect()
    }

    @Test("An unreadable CA file is a clear error at creation")
    func badTLSFile() {
        let error = #expect(throws: MQTTError.self) {
            _ = try MQTTClient(
                options: MQTTOptions(
                    host: "127.0.0.1", port: 8883, clientID: "tls",
                    tls: MQTTTLSOptions(caFile: "/nonexistent/ca.pem")))
        }
        #expect(error?.operation.contains("/nonexistent/ca.pem") == true)
    }

    @Test("A QoS 1 message published while the broker is down is acknowledged and delivered once it returns")
    func brokerRestart() async throws {
        let broker = try MosquittoBroker()
        let publisher = try MQTTClient(
            options: MQTTOptions(
                host: "127.0.0.1", port: broker.port, clientID: "pub", reconnectDelaySeconds: (1, 1)))
        try publisher.subscribe("t/back")
        try publisher.start()
        #expect(await publisher.waitUntilConnected(timeoutSeconds: 5))
        broker.stop()
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(publisher.isConnected == false)
        let acknowledged = Task { try await publisher.publish(MQTTMessage(topic: "t/back", text: "kept")) }
        try await Task.sleep(nanoseconds: 200_000_000)

        try broker.start()
        #expect(await publisher.waitUntilConnected(timeoutSeconds: 5))
        try await acknowledged.value
        var iterator = publisher.messages.makeAsyncIterator()
        let received = await iterator.next()
        #expect(received?.text == "kept", "\(String(describing: received))")

        let error = await #expect(throws: MQTTError.self) {
            broker.stop()
            try await Task.sleep(nanoseconds: 300_000_000)
            try await publisher.publish(MQTTMessage(topic: "t/back", text: "fire and forget", qos: 0))
        }
        #expect(error?.message.contains("not currently connected") == true)
        publisher.disconnect()
    }

    /// Collects a client's connection events until one matches, or until `timeoutSeconds` pass.
    static func events(
        of client: MQTTClient, until done: @escaping @Sendable (MQTTConnectionEvent) -> Bool, timeoutSeconds: Double
    ) async -> [MQTTConnectionEvent] {
        await withTaskGroup(of: [MQTTConnectionEvent]?.self) { group in
            group.addTask {
                var seen: [MQTTConnectionEvent] = []
                for await event in client.connectionEvents {
                    seen.append(event)
                    if done(event) { break }
                }
                return seen
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeoutSeconds * 1e9))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
    }

    @Test("Connection changes are events with their reason: connected, disconnected, each retry and its delay")
    func connectionEvents() async throws {
        let broker = try MosquittoBroker()
        let client = try MQTTClient(
            options: MQTTOptions(
                host: "127.0.0.1", port: broker.port, clientID: "events", reconnectDelaySeconds: (1, 1)))
        try client.start()
        let connected = await Self.events(
            of: client, until: { if case .connected = $0 { true } else { false } }, timeoutSeconds: 10)
        #expect(connected.last == .connected(broker: "127.0.0.1:\(broker.port)", attempts: 1))

        broker.stop()
        let down = await Self.events(
            of: client, until: { if case .retrying(3, _, _) = $0 { true } else { false } }, timeoutSeconds: 20)
        guard case .disconnected(let reason?) = down.first else {
            Issue.record("expected a disconnection with its reason first: \(down)")
            return
        }
        #expect(reason.message == "The connection was lost.", "\(reason)")
        let retries = down.compactMap { event -> Int? in
            if case .retrying(let attempt, let seconds, let error) = event, seconds == 1, error != nil {
                attempt
            } else {
                nil
            }
        }
        #expect(retries.starts(with: [1, 2, 3]) || retries.starts(with: [2, 3]), "\(down)")
        #expect(down.map(\.description).contains { $0.hasPrefix("connection attempt 3 in 1 s (last error: ") })

        try broker.start()
        let back = await Self.events(
            of: client, until: { if case .connected = $0 { true } else { false } }, timeoutSeconds: 20)
        guard case .connected(_, let attempts) = back.last else {
            Issue.record("not connected again: \(back)")
            return
        }
        #expect(attempts > 1)
        client.disconnect()
        #expect(client.lastConnectionEvent == .disconnected(nil))
    }

    @Test("Two clients with one client id keep taking over each other's session: each reports a client-id clash")
    func clientIDClash() async throws {
        let broker = try MosquittoBroker()
        let options = MQTTOptions(
            host: "127.0.0.1", port: broker.port, clientID: "hearth-twin", reconnectDelaySeconds: (1, 1))
        let first = try MQTTClient(options: options)
        let second = try MQTTClient(options: options)
        try first.start()
        #expect(await first.waitUntilConnected(timeoutSeconds: 5))
        try second.start()
        let isClash: @Sendable (MQTTConnectionEvent) -> Bool = {
            if case .clientIDClash = $0 { true } else { false }
        }
        async let firstEvents = Self.events(of: first, until: isClash, timeoutSeconds: 60)
        async let secondEvents = Self.events(of: second, until: isClash, timeoutSeconds: 60)
        let (a, b) = await (firstEvents, secondEvents)
        for (client, seen) in [(first, a), (second, b)] {
            let clash = seen.last
            #expect(
                clash
                    == .clientIDClash(
                        clientID: "hearth-twin", broker: "127.0.0.1:\(broker.port)", shortConnections: 3,
                        withinSeconds: 5),
                "\(seen)")
            #expect(client.hasClientIDClash)
            #expect(clash?.description.contains("another client is connected with the same client id") == true)
        }
        first.disconnect()
        second.disconnect()
    }
}
