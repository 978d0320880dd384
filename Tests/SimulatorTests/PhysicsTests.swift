import Plant
import Testing

@testable import Simulator

@Suite("Furnace physics")
struct PhysicsTests {
    static let shipped: [(String, [String: Double])] = [
        ("furnace-a", ["chamber_volume_m3": 12, "pump_nominal_speed_m3h": 2500, "pump_age_years": 2, "leak_class": 1]),
        ("furnace-b", ["chamber_volume_m3": 8, "pump_nominal_speed_m3h": 2200, "pump_age_years": 7, "leak_class": 2]),
        ("furnace-c", ["chamber_volume_m3": 18, "pump_nominal_speed_m3h": 3000, "pump_age_years": 4, "leak_class": 3]),
    ]

    @Test("The same seed simulates the same plant; another seed another one")
    func determinism() {
        let physics = FurnacePhysics.from(attributes: Self.shipped[0].1)
        let one = FurnaceModel(id: "f", physics: physics, seed: 11, origin: 0)
        let two = FurnaceModel(id: "f", physics: physics, seed: 11, origin: 0)
        let other = FurnaceModel(id: "f", physics: physics, seed: 12, origin: 0)
        for time in stride(from: Int64(0), to: 7_200_000, by: 37_000) {
            #expect(String(describing: one.measuredState(at: time)) == String(describing: two.measuredState(at: time)))
        }
        #expect(one.event(3).simulation.minimumPressureMbar == two.event(3).simulation.minimumPressureMbar)
        #expect(one.event(3).simulation.minimumPressureMbar != other.event(3).simulation.minimumPressureMbar)
        // Random access: asking for a late event first gives the same answer.
        let late = FurnaceModel(id: "f", physics: physics, seed: 11, origin: 0)
        #expect(late.event(40).start == one.event(40).start)
    }

    @Test("Each event pumps down from atmosphere, and its minimum is the lowest pressure of its course")
    func pumpDown() {
        for (id, attributes) in Self.shipped {
            let model = FurnaceModel(id: id, physics: .from(attributes: attributes), seed: 5, origin: 0)
            for index in 0..<30 {
                let simulation = model.event(index).simulation
                let course = simulation.pressureMbar
                #expect((940...1060).contains(course[0]), "\(id) event \(index) starts near atmosphere")
                #expect(zip(course, course.dropFirst()).prefix(180).allSatisfy { $0 >= $1 }, "falls over 3 minutes")
                #expect(simulation.minimumPressureMbar == course.min())
                #expect(simulation.minimumPressureMbar > 0.01 && simulation.minimumPressureMbar < 50)
                #expect(simulation.pressure(at: 180) < 300)
            }
        }
    }

    @Test("Some events fail and most do not, at different rates per furnace")
    func failureRates() {
        var rates: [Double] = []
        for (id, attributes) in Self.shipped {
            let model = FurnaceModel(id: id, physics: .from(attributes: attributes), seed: 1, origin: 0)
            let failed = (0..<300).filter { model.event($0).simulation.minimumPressureMbar > 1.0 }.count
            let rate = Double(failed) / 300
            #expect(rate > 0.03 && rate < 0.45, "\(id) fails \(rate)")
            rates.append(rate)
        }
        #expect(Set(rates).count == rates.count)
    }

    @Test("Sensors between events: vented to atmosphere, valve closed, the last minimum held")
    func idle() {
        let model = FurnaceModel(id: "a", physics: .from(attributes: Self.shipped[0].1), seed: 2, origin: 0)
        let first = model.event(0)
        let second = model.event(1)
        let before = model.trueState(at: first.start - 1000)
        #expect(!before.eventRunning && before.lastEventMinimumMbar.isNaN && before.eventNumber == 0)
        let during = model.trueState(at: first.start + 60_000)
        #expect(during.eventRunning && during.eventNumber == 1 && during.valvePositionPercent > 90)
        let after = model.trueState(at: (first.end + second.start) / 2)
        #expect(!after.eventRunning && after.valvePositionPercent == 0)
        #expect(after.chamberPressureMbar > 900)
        #expect(after.lastEventMinimumMbar == first.simulation.minimumPressureMbar)
        #expect(model.eventIndex(at: second.start) == 1 && model.eventIndex(at: second.start - 1) == 0)
    }

    @Test("Measurement noise is small and reproducible")
    func noise() {
        let model = FurnaceModel(id: "a", physics: .from(attributes: Self.shipped[0].1), seed: 2, origin: 0)
        let time = model.event(0).start + 90_000
        let truth = model.trueState(at: time).chamberPressureMbar
        let measured = model.measuredState(at: time).chamberPressureMbar
        #expect(measured != truth)
        #expect(abs(measured / truth - 1) < 0.06)
    }
}

@Suite("Fault specifications")
struct FaultTests {
    @Test("Valid specifications parse with their window in plant time")
    func valid() throws {
        let stuck = try Fault.parse("furnace-a:stuck:chamber_pressure@600+300", origin: 1_000_000)
        #expect(
            stuck
                == Fault(
                    device: "furnace-a", kind: .stuck(signal: "chamber_pressure"), start: 1_600_000, end: 1_900_000))
        #expect(try Fault.parse("b:slow:2.5", origin: 0).kind == .slowResponse(seconds: 2.5))
        #expect(try Fault.parse("b:exception", origin: 0).kind == .exception(code: 4))
        #expect(try Fault.parse("c:drop@120", origin: 0) == Fault(device: "c", kind: .dropConnection, start: 120_000))
        #expect(stuck.isActive(at: 1_600_000) && !stuck.isActive(at: 1_900_000) && !stuck.isActive(at: 1_599_999))
    }

    @Test(
        "Invalid specifications say what is wrong",
        arguments: [
            ("furnace-a", "expected DEVICE:KIND"), ("a:melt", "unknown fault \"melt\""), ("a:stuck", "needs a signal"),
            ("a:slow:fast", "delay in seconds"), ("a:exception:300", "code 1...255"), ("a:drop@soon", "not a number"),
            ("a:drop@10+-5", "positive"),
        ])
    func invalid(text: String, message: String) {
        let error = #expect(throws: FaultSyntaxError.self) { try Fault.parse(text, origin: 0) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
    }
}
