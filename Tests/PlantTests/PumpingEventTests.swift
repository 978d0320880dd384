import Foundation
import Plant
import Testing

@Suite("Pumping event tracking")
struct PumpingEventTrackerTests {
    static let bySignal = EventDefinition(
        detection: .runningSignal("event_running"), pressureSignal: "chamber_pressure", threshold: 1)

    @Test("A running flag starts, follows and ends an event; the observed minimum is the lowest valid pressure")
    func runningSignal() {
        var tracker = PumpingEventTracker(definition: Self.bySignal)
        #expect(tracker.update(time: 0, values: ["event_running": 0, "chamber_pressure": 1000]) == nil)
        #expect(
            tracker.update(time: 30_000, values: ["event_running": 1, "chamber_pressure": 900])
                == .started(start: 30_000))
        #expect(tracker.update(time: 60_000, values: ["event_running": 1]) == .running(start: 30_000, seconds: 30))
        #expect(
            tracker.update(time: 90_000, values: ["event_running": 1, "chamber_pressure": 4])
                == .running(start: 30_000, seconds: 60))
        #expect(
            tracker.update(time: 120_000, values: ["event_running": 0, "chamber_pressure": 990])
                == .ended(start: 30_000, end: 120_000, observedMinimum: 4))
        #expect(tracker.runningSince == nil)
    }

    @Test("A missing flag neither starts nor ends an event")
    func missingFlag() {
        var tracker = PumpingEventTracker(definition: Self.bySignal)
        #expect(tracker.update(time: 0, values: ["event_running": 0]) == nil)
        _ = tracker.update(time: 30_000, values: ["event_running": 1])
        #expect(tracker.update(time: 60_000, values: [:]) == .running(start: 30_000, seconds: 30))
    }

    @Test("A start is trusted only right after an idle poll: a first poll, or one after a gap, joins the event")
    func joined() {
        var first = PumpingEventTracker(definition: Self.bySignal, pollIntervalSeconds: 30)
        #expect(first.update(time: 0, values: ["event_running": 1]) == .joined(at: 0))
        #expect(first.update(time: 30_000, values: ["event_running": 1]) == nil)
        #expect(first.update(time: 60_000, values: ["event_running": 0]) == .joinedEnded(end: 60_000))
        #expect(first.update(time: 90_000, values: ["event_running": 1]) == .started(start: 90_000))
        var gap = PumpingEventTracker(definition: Self.bySignal, pollIntervalSeconds: 30)
        _ = gap.update(time: 0, values: ["event_running": 0])
        #expect(gap.update(time: 46_000, values: ["event_running": 1]) == .joined(at: 46_000), "1.5 intervals on")
        var late = PumpingEventTracker(definition: Self.bySignal, pollIntervalSeconds: 30)
        _ = late.update(time: 0, values: ["event_running": 0])
        #expect(late.update(time: 44_000, values: ["event_running": 1]) == .started(start: 44_000), "a late poll")
    }

    @Test("A pressure rule: starts below start_below, ends above end_above or after max_duration")
    func pressureRule() {
        var tracker = PumpingEventTracker(
            definition: EventDefinition(
                detection: .pressureRule(startBelow: 900, endAbove: 950, maximumDurationSeconds: 120),
                pressureSignal: "p", threshold: 1))
        #expect(tracker.update(time: 0, values: ["p": 1000]) == nil)
        #expect(tracker.update(time: 30_000, values: ["p": 850]) == .started(start: 30_000))
        #expect(tracker.update(time: 60_000, values: ["p": 920]) == .running(start: 30_000, seconds: 30))
        #expect(
            tracker.update(time: 90_000, values: ["p": 960]) == .ended(start: 30_000, end: 90_000, observedMinimum: 850)
        )
        _ = tracker.update(time: 120_000, values: ["p": 100])
        _ = tracker.update(time: 210_000, values: ["p": 50])
        #expect(
            tracker.update(time: 270_000, values: ["p": 40])
                == .ended(start: 120_000, end: 270_000, observedMinimum: 40))
    }
}

@Suite("Pumping event features")
struct PumpingEventFeatureTests {
    static let samples: [PumpingEventFeatures.Sample] = [0.0, 30, 60, 90].map { (seconds: Double) in
        let pressure: Double = 1000 * exp(-seconds / 60)
        let values: [String: Double] = [
            "p": pressure, "chamber_temperature": 40 + seconds / 30, "pump_current": 30 + seconds / 10,
            "valve_position": min(100, seconds * 2), "cooling_water_temperature": 25,
        ]
        return PumpingEventFeatures.Sample(seconds: seconds, values: values)
    }

    @Test("Values at the checkpoint, log-pressure slopes, means over the window, attributes, NaN where unknown")
    func values() {
        let features = PumpingEventFeatures.compute(
            samples: Self.samples, checkpoint: 60, pressureSignal: "p",
            attributes: [StaticAttribute(name: "chamber_volume_m3", value: 12)], previousMinimum: nil)
        #expect(Set(features.keys) == Set(PumpingEventFeatures.names(attributes: ["chamber_volume_m3"])))
        #expect(abs(features["pressure_mbar"]! - 1000 * exp(-1.0)) < 1e-9)
        #expect(abs(features["log_pressure_slope"]! - (-1.0 / 60)) < 1e-12)
        #expect(abs(features["log_pressure_rate"]! - 1.0 / 60) < 1e-12)
        #expect(abs(features["log_pressure_curvature"]!) < 1e-12, "a pure exponential has no curvature")
        #expect(features["pump_current_mean_a"] == 33, "mean of 30, 33 and 36: the poll at 90 s is not seen yet")
        #expect(abs(features["valve_position_mean_pct"]! - 160.0 / 3) < 1e-12, "mean of 0, 60 and 100")
        #expect(features["chamber_temperature_start_c"] == 40)
        #expect(features["chamber_volume_m3"] == 12)
        #expect(features["previous_event_minimum_mbar"]!.isNaN)
    }

    @Test("A missing poll leaves its features unknown instead of borrowing a neighbour further than 15 s away")
    func missing() {
        var samples = Self.samples
        samples.remove(at: 1)  // the poll at 30 s is lost
        let features = PumpingEventFeatures.compute(
            samples: samples, checkpoint: 60, pressureSignal: "p", attributes: [], previousMinimum: 0.4)
        #expect(features["log_pressure_slope"]!.isNaN)
        #expect(!features["pressure_mbar"]!.isNaN)
        #expect(features["previous_event_minimum_mbar"] == 0.4)
        let vector = PumpingEventFeatures.vector(features, names: ["pressure_mbar", "unknown_attribute"])
        #expect(vector[1].isNaN)
    }
}

@Suite("Plant time and JSON")
struct PlantTimeAndJSONTests {
    @Test("ISO 8601 and readable times in UTC, before and after the epoch and in leap years")
    func times() {
        #expect(PlantTime.iso8601(0) == "1970-01-01T00:00:00Z")
        #expect(PlantTime.iso8601(951_782_400_000) == "2000-02-29T00:00:00Z")
        #expect(PlantTime.iso8601(1_795_392_030_123, milliseconds: true) == "2026-11-23T00:00:30.123Z")
        #expect(PlantTime.readable(1_795_392_030_999) == "2026-11-23 00:00:30")
        #expect(PlantTime.iso8601(-1000) == "1969-12-31T23:59:59Z")
    }

    @Test(
        "An accelerated clock moves in fine steps and never wakes a sleeper before its deadline",
        .timeLimit(.minutes(1)))
    func acceleratedClock() async throws {
        let clock = AcceleratedClock(speed: 600)
        // 30 plant seconds are 50 real ms; slots of a poll grid, as the collector sleeps until them.
        var slot = (clock.now() / 30_000 + 1) * 30_000
        var early = 0
        for _ in 0..<20 {
            try await clock.sleep(until: slot)
            if clock.now() < slot { early += 1 }
            slot += 30_000
        }
        #expect(early == 0)
        // Real milliseconds would make 600x plant time jump by 600 ms; it moves in steps below 10 ms.
        var steps: [Int64] = []
        var last = clock.now()
        let end = clock.now() + 30_000
        while steps.count < 20, last < end {
            let now = clock.now()
            if now != last { steps.append(now - last) }
            last = now
        }
        #expect(steps.count == 20)
        #expect(steps.min().map { $0 < 10 } == true, "steps \(steps)")
        // The latest origin `hearth run --clock-origin` takes (the year 3000) is far beyond Int64 nanoseconds.
        let far = AcceleratedClock(speed: 1, realOrigin: 32_503_680_000_000, plantOrigin: 32_503_680_000_000)
        #expect(abs(far.now() - AcceleratedClock.realNow()) < 60_000)
    }

    @Test("Payloads built from dotted paths serialise and parse back")
    func json() throws {
        let document = JSONValue.object(fromPaths: [
            ("pressure.value", .number(812.5)), ("pressure.unit", .string("mbar \"abs\"")),
            ("ts", .number(1_700_000_000)),
            ("bad", .number(.nan)),
        ])
        #expect(
            document.serialized == #"{"bad":null,"pressure":{"unit":"mbar \"abs\"","value":812.5},"ts":1700000000}"#)
        let parsed = try JSONValue.parse(Array(document.serialized.utf8))
        #expect(parsed.value(atPath: "pressure.value") == .number(812.5))
        #expect(parsed.value(atPath: "pressure.missing") == nil)
        #expect(throws: JSONPayloadError.self) { try JSONValue.parse(Array("{\"a\": ".utf8)) }
    }
}
