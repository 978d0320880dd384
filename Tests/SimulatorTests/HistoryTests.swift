import Foundation
import Plant
import Testing

@testable import Simulator

@Suite("Training history")
struct HistoryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func furnaces(seed: UInt64 = 4) throws -> [SimulatedFurnace] {
        let (devices, error) = DeviceFileLoader.loadFolder(path: root.appendingPathComponent("devices").path)
        #expect(error == nil)
        return SimulatedFurnace.make(devices: devices, seed: seed, origin: 1_767_225_600_000)
    }

    @Test("One row per event and checkpoint, the agent's feature names, the true minimum as target")
    func shape() throws {
        let generator = HistoryGenerator(furnaces: try Self.furnaces())
        let csv = generator.csv(eventsPerFurnace: 10)
        let lines = csv.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header == PumpingEventFeatures.names(attributes: generator.attributeNames) + ["min_pressure_mbar"])
        #expect(
            generator.attributeNames == ["chamber_volume_m3", "leak_class", "pump_age_years", "pump_nominal_speed_m3h"])
        #expect(lines.count == 1 + 3 * 10 * 6)
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.count == header.count)
            #expect(Double(fields.last!)! > 0)
        }
        #expect(generator.csv(eventsPerFurnace: 10) == csv, "deterministic for a seed")
        #expect(HistoryGenerator(furnaces: try Self.furnaces(seed: 5)).csv(eventsPerFurnace: 10) != csv)
    }

    @Test("Features follow the pump-down: checkpoints 30...180 s, pressure falling, the previous event's minimum")
    func features() throws {
        let furnaces = try Self.furnaces()
        let generator = HistoryGenerator(furnaces: furnaces)
        let events = generator.events(of: furnaces[0], count: 6)
        for event in events {
            #expect(event.features.map { $0["seconds_into_event"] } == PumpingEventFeatures.checkpoints)
            let pressures = event.features.compactMap { $0["pressure_mbar"] }
            // Falling steeply over the first minutes, then held by the gas load near the event's floor.
            #expect(pressures.count == 6 && zip(pressures, pressures.dropFirst()).prefix(2).allSatisfy { $0 > $1 })
            #expect(pressures[5] < pressures[0] / 10)
            #expect(event.features[0]["log_pressure_curvature"]!.isNaN)
            #expect(event.features[5]["log_pressure_slope"]! < 0)
            #expect(event.features[5]["chamber_volume_m3"] == 12)
        }
        #expect(events[0].features[0]["previous_event_minimum_mbar"]!.isNaN)
        for (previous, event) in zip(events, events.dropFirst()) {
            let recorded = event.features[0]["previous_event_minimum_mbar"]!
            #expect(abs(recorded - previous.minimumPressure) <= 1e-6 * previous.minimumPressure)
        }
        #expect(events.allSatisfy { $0.failed == ($0.minimumPressure > 1.0) })
    }

    @Test("Furnaces differ in their data: the covariate shift later work adapts to")
    func shifted() throws {
        let furnaces = try Self.furnaces()
        let generator = HistoryGenerator(furnaces: furnaces)
        func meanPressureAt180(_ furnace: SimulatedFurnace) -> Double {
            let values = generator.events(of: furnace, count: 60).map { $0.features[5]["pressure_mbar"]! }
            return values.reduce(0, +) / Double(values.count)
        }
        let means = furnaces.map(meanPressureAt180)
        #expect((means.max()! - means.min()!) / means.min()! > 0.15, "\(means)")
    }
}
