import ArgumentParser
import Fieldbus
import Plant
import Simulator

/// Options shared by the commands that simulate a plant.
struct PlantOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of device files to simulate (its top-level *.yaml).")
    var devices = "devices"

    @Option(name: .long, help: "Simulate only these device files (repeatable); overrides --devices.")
    var device: [String] = []

    @Option(name: .long, help: "Seed of every random draw; the same seed simulates the same plant.")
    var seed: UInt64 = 1

    func loadDevices() throws -> [DeviceFile] {
        do {
            return try SimulatedFurnace.loadDevices(folder: devices, files: device)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// Options for running in (accelerated) plant time.
struct ClockOptions: ParsableArguments {
    @Option(name: .long, help: "Simulated seconds per real second (default: 1, or a scenario's speed).")
    var speed: Double?

    @Option(
        name: .long,
        help:
            "Real time (ms since the Unix epoch) from which plant time runs at --speed; give the agent the same value.")
    var clockOrigin: Int64?

    /// The clock at `--speed`, or at `defaultSpeed` when no speed is given.
    func clock(defaultSpeed: Double = 1) throws -> AcceleratedClock {
        let speed = self.speed ?? defaultSpeed
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
        return AcceleratedClock(speed: speed, realOrigin: clockOrigin, plantOrigin: clockOrigin)
    }
}

/// Parses `HOST:PORT`.
func parseEndpoint(_ text: String, option: String) throws -> (host: String, port: Int) {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let port = Int(parts[1]), (1...65535).contains(port) else {
        throw ValidationError("\(option) takes HOST:PORT, got \"\(text)\"")
    }
    return (String(parts[0]), port)
}
