import Fieldbus
import Foundation
import Plant
import Simulator
import TestSupport

/// The three shipped simulated furnaces (TCP, RTU, MQTT), moved to free ports and private paths, served by the
/// simulator on a manual clock, with a real mosquitto.
final class PlantFixture: @unchecked Sendable {
    // @unchecked Sendable: set up once in init, then only read.
    let broker: MosquittoBroker
    let clock: ManualClock
    let simulator: PlantSimulator
    let devices: [DeviceFile]
    let folder: URL

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// - Parameter adjust: changes to the device files before the simulator starts (e.g. a lower `stuck_after`).
    init(start: Int64 = 1_800_000_000_000, adjust: (inout DeviceFile) -> Void = { _ in }) throws {
        broker = try MosquittoBroker()
        folder = try TemporaryFolder.make(prefix: "plant")
        clock = ManualClock(startingAt: start)
        var devices: [DeviceFile] = []
        for name in ["furnace-a", "furnace-b", "furnace-c"] {
            let path = Self.repositoryRoot.appendingPathComponent("devices/\(name).yaml").path
            var device = try DeviceFileLoader.load(path: path)
            switch device.connection {
            case .modbusTCP(var endpoint):
                endpoint.port = try FreePort.find()
                device.connection = .modbusTCP(endpoint)
            case .modbusRTU(var endpoint):
                endpoint.device = folder.appendingPathComponent("\(name).tty").path
                device.connection = .modbusRTU(endpoint)
            case .mqtt:
                break
            }
            adjust(&device)
            devices.append(device)
        }
        self.devices = devices
        let furnaces = devices.map { device in
            let attributes = Dictionary(uniqueKeysWithValues: device.attributes.map { ($0.name, $0.value) })
            return SimulatedFurnace(
                device: device,
                model: FurnaceModel(
                    id: device.id, physics: .from(attributes: attributes), seed: 7, origin: start - 600_000))
        }
        simulator = PlantSimulator(furnaces: furnaces, clock: clock)
        try simulator.start(broker: MQTTOptions(host: "127.0.0.1", port: broker.port, clientID: "hearth-sim"))
    }

    func device(_ id: String) -> DeviceFile { devices.first { $0.id == id }! }

    deinit {
        simulator.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Waits until a condition holds, checking every `every` seconds (20 ms by default); false after the timeout.
func eventually(
    timeoutSeconds: Double = 10, every: Double = 0.02, _ condition: () async throws -> Bool
) async rethrows
    -> Bool
{
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: UInt64(every * 1e9))
    }
    return try await condition()
}
