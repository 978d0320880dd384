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
}
