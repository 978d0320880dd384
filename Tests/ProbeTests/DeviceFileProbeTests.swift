import Agent
import Fieldbus
import Plant
import Testing
import YAML

/// Device files come from whoever edits `/etc/hearth/devices`: every mutant is either a device whose numbers each
/// later use can take (the collector's millisecond grid, the event tracker, the read plan, the register decoder), or
/// problems placed inside the file. Parsing is not enough: `poll_interval: 1e19s` parsed and then trapped the
/// collector's conversion to milliseconds.
@Suite("Probe: device files")
struct DeviceFileProbeTests {
    static let shipped = [
        "devices/furnace-a.yaml", "devices/furnace-b.yaml", "devices/furnace-c.yaml", "devices/examples/real-pump.yaml",
    ]

    @Test("3,000 mutated device files give a usable device or problems inside the file, each within a second")
    func mutants() throws {
        let originals = try Self.shipped.map(repositoryFile)
        var mutator = InputMutator(seed: 2026_12_04)
        var slowest = SlowestInput()
        var accepted = 0
        for index in 0..<3000 {
            let input = mutator.mutate(originals[index % originals.count])
            let lineCount = YAMLMark(after: input).line
            slowest.measure(index) {
                do throws(DeviceFileError) {
                    let device = try DeviceFileLoader.parse(bytes: input, file: "probe.yaml")
                    accepted += 1
                    Self.use(device, mutant: index)
                } catch {
                    #expect(!error.problems.isEmpty, "mutant \(index): an error without problems")
                    for problem in error.problems {
                        #expect(
                            (1...lineCount).contains(problem.line) && problem.column >= 1 && !problem.message.isEmpty,
                            "mutant \(index): \(problem) is not placed inside the file's \(lineCount) lines")
                    }
                }
            }
        }
        #expect(accepted > 100, "mutations too strong to reach the later uses")
        #expect(slowest.seconds < 1, "mutant \(slowest.index) took \(slowest.seconds) s")
    }

    @Test(
        "Extreme durations are refused with the field and the bound, not trapped later",
        arguments: [
            ("poll_interval: 30s", "poll_interval: 1e19s", "is longer than 1d"),
            ("poll_interval: 30s", "poll_interval: 1e19", "is longer than 1d"),
            ("poll_interval: 30s", "poll_interval: 1e-9s", "is shorter than 100ms"),
            ("poll_interval: 30s", "poll_interval: 9223372036854775807d", "is longer than 1d"),
        ])
    func extremeDurations(original: String, replacement: String, message: String) throws {
        let text = String(decoding: try repositoryFile("devices/furnace-a.yaml"), as: UTF8.self)
        #expect(text.contains(original))
        let mutated = text.replacingOccurrences(of: original, with: replacement)
        #expect(throws: DeviceFileError.self) { try DeviceFileLoader.parse(mutated, file: "f.yaml") }
        do {
            _ = try DeviceFileLoader.parse(mutated, file: "f.yaml")
        } catch {
            #expect(
                error.problems.contains { $0.field == "poll_interval" && $0.message.hasSuffix(message) }, "\(error)")
        }
    }

    /// What the agent does with a device it accepted, short of opening a connection.
    static func use(_ device: DeviceFile, mutant: Int) {
        let milliseconds = (device.pollIntervalSeconds * 1000).rounded()
        #expect(
            milliseconds >= 100 && milliseconds <= 86_400_000,
            "mutant \(mutant): poll interval \(device.pollIntervalSeconds) s reaches the collector")
        switch device.connection {
        case .modbusTCP(let endpoint):
            #expect(endpoint.timeoutSeconds > 0 && endpoint.timeoutSeconds < device.pollIntervalSeconds)
            #expect((0...255).contains(endpoint.unitID) && (1...65535).contains(endpoint.port))
        case .modbusRTU(let endpoint):
            #expect(endpoint.timeoutSeconds > 0 && endpoint.timeoutSeconds < device.pollIntervalSeconds)
            #expect((0...255).contains(endpoint.unitID) && endpoint.baud > 0)
        case .mqtt:
            var mapper = MQTTPayloadMapper(device: device)
            _ = mapper.readings(
                from: Array(#"{"ts": 1e19, "a": [1, {"b": null}]}"#.utf8), receivedAt: 1_700_000_000_000)
        }
        _ = device.summary
        let plan = ReadPlan(signals: device.signals)
        for read in plan.reads {
            #expect(read.count >= 1 && read.startAddress >= 0 && read.startAddress + read.count <= 65536)
        }
        var validator = SignalValidator(device: device.id)
        for signal in device.signals {
            for raw in [0, -1, 1e308, -1e308, .nan, .infinity, Double(UInt32.max)] {
                _ = validator.reading(for: signal, raw: raw, at: 0)
            }
            if case .register(let location) = signal.source {
                for registers in [[UInt16](repeating: 0, count: 4), [UInt16](repeating: 0xFFFF, count: 4)] {
                    _ = RegisterCodec.decode(
                        registers.prefix(location.type.registerCount), as: location.type, order: location.order)
                }
            }
        }
        if let event = device.event {
            var tracker = PumpingEventTracker(definition: event, pollIntervalSeconds: device.pollIntervalSeconds)
            let names = device.signals.map(\.name)
            for (step, value) in [1000.0, 0.5, .nan, -1e308, 1e308, 1000].enumerated() {
                _ = tracker.update(
                    time: Int64(step) * 86_400_000, values: Dictionary(uniqueKeysWithValues: names.map { ($0, value) }))
            }
        }
    }
}
