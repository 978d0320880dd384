import Agent
import Plant
import Testing
import YAML

/// The agent configuration (`/etc/hearth/hearth.yaml`): every mutant is a configuration whose numbers the agent's
/// services can take, or problems placed inside the file.
@Suite("Probe: agent configuration")
struct ConfigurationProbeTests {
    static let example = """
        devices: devices
        database: /var/lib/hearth/hearth.db
        durability: full
        retention: 90d
        models: /var/lib/hearth/models
        speed: 1
        log_level: info
        training_data: history.csv
        status_interval: 30s
        broker:
          host: broker.plant.local
          port: 8883
          client_id: hearth-hall2
          keepalive: 30s
          topic_prefix: plant/hearth
          username: hearth
          password_file: /etc/hearth/mqtt-password
          tls:
            ca_file: /etc/hearth/ca.pem
            insecure: false
        policy:
          alarm_margin: 0.1
          alarm_confirmations: 2
          alarm_from: 150s
          fallback_factor: 0.5
          algorithm: gbdt
          trees: 100
          max_depth: 4
          learning_rate: 0.1
          adapt: true
          onboarding_events: 20
          retrain_growth: 1.5
          drift_window: 30
          shadow_events: 20
          max_shadow_events: 200
          min_improvement: 0.05
          promotion_alpha: 0.05
          rollback_events: 10
          rollback_alpha: 0.01
          missed_failure_cost: 10
          false_alarm_cost: 1
          drift_alpha: 0.01
          drift_confirmations: 2
          concept_drift_threshold: 5
          own_event_share: 0.5
          weight_bound: 10
          min_effective_share: 0.1
          continue_below_events: 50
          seed: 7

        """

    @Test("The example is a sound configuration, so mutants start from one")
    func exampleIsSound() throws {
        _ = try AgentConfiguration.parse(Self.example, file: "/etc/hearth/hearth.yaml", hostname: "box")
    }

    @Test("3,000 mutated configurations give usable numbers or problems inside the file, each within a second")
    func mutants() {
        let original = Array(Self.example.utf8)
        var mutator = InputMutator(seed: 42)
        var slowest = SlowestInput()
        var accepted = 0
        for index in 0..<3000 {
            let input = mutator.mutate(original)
            let lineCount = YAMLMark(after: input).line
            slowest.measure(index) {
                do throws(ConfigurationError) {
                    let configuration = try AgentConfiguration.parse(
                        bytes: input, file: "/etc/hearth/hearth.yaml", hostname: "box")
                    accepted += 1
                    Self.use(configuration, mutant: index)
                } catch {
                    #expect(!error.problems.isEmpty)
                    for problem in error.problems {
                        #expect(
                            (1...lineCount).contains(problem.line) && problem.column >= 1 && !problem.message.isEmpty,
                            "mutant \(index): \(problem) outside the file's \(lineCount) lines")
                    }
                }
            }
        }
        #expect(accepted > 100)
        #expect(slowest.seconds < 1, "mutant \(slowest.index) took \(slowest.seconds) s")
    }

    @Test(
        "Numbers that would trap a conversion are refused with the field",
        arguments: [
            ("policy:\n  alarm_from: 1e19s\n", "policy.alarm_from", "is not a checkpoint"),
            ("policy:\n  alarm_from: 150.5s\n", "policy.alarm_from", "is not a checkpoint"),
            ("retention: 1e19s\n", "retention", "is longer than 36500d"),
            ("retention: 1ms\n", "retention", "is shorter than 1m"),
            ("status_interval: 1e19s\n", "status_interval", "is longer than 1d"),
            ("speed: 1e300\n", "speed", "is above 100000"),
            ("speed: .inf\n", "speed", "must be a finite number"),
            ("broker:\n  host: h\n  keepalive: 1e19s\n", "broker.keepalive", "is outside 5s...65535s"),
            ("policy:\n  seed: 18446744073709551616\n", "policy.seed", "is too large"),
            ("broker:\n  host: h\n  port: 1e19\n", "broker.port", "is too large"),
            ("policy:\n  trees: 9223372036854775808\n", "policy.trees", "is too large"),
        ])
    func refused(text: String, field: String, message: String) {
        #expect(throws: ConfigurationError.self) { try AgentConfiguration.parse(text, file: "h.yaml", hostname: "b") }
        do {
            _ = try AgentConfiguration.parse(text, file: "h.yaml", hostname: "b")
        } catch {
            #expect(
                error.problems.contains { $0.field == field && $0.message.contains(message) },
                "\(error.problems.map(\.description))")
        }
    }

    /// The conversions the services make of an accepted configuration.
    static func use(_ configuration: AgentConfiguration, mutant: Int) {
        #expect(AgentConfiguration.retentionRange.contains(configuration.retentionSeconds), "mutant \(mutant)")
        #expect(configuration.retentionSeconds * 1000 < 9e18)
        #expect(AgentConfiguration.statusIntervalRange.contains(configuration.statusIntervalSeconds))
        #expect(configuration.speed > 0 && configuration.speed <= AgentConfiguration.maximumSpeed)
        #expect(PumpingEventFeatures.checkpoints.contains(Double(configuration.policy.alarmFromSeconds)))
        let clock = AcceleratedClock(speed: configuration.speed)
        _ = clock.now()
    }
}
