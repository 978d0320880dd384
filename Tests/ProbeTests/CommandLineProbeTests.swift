import Foundation
import Simulator
import TestSupport
import Testing

/// `hearth`'s numeric options, given the numbers a typo or a script makes: each run ends by itself within its time
/// limit with status 0, 1, 2 or 64, never a signal, and a value outside the option's domain is refused naming it.
@Suite("Probe: hearth's numeric options")
struct CommandLineProbeTests {
    /// One option of one command, with what a valid run around it needs.
    struct Probe: Sendable {
        var arguments: [String]
        var option: String
        /// Values that must be refused (status 1 or 64, the option named on standard error).
        var refused: Set<String>
    }

    static let values = ["nan", "inf", "-inf", "1e19", "-1", "0", "1e-320", "9223372036854775807", "0.5", "3"]
    static let nonFinite: Set<String> = ["nan", "inf", "-inf", "1e19"]

    static func probes(in folder: String) -> [Probe] {
        let data = folder + "/data.csv"
        let other = folder + "/other.csv"
        let model = repositoryRoot + "/Tests/TreesTests/Fixtures/hearth-gbdt-model.json"
        let run = ["run", "--devices", folder + "/devices", "--database", folder + "/h.db"]
        let train = [
            "train", "--data", data, "--target", "min_pressure_mbar", "--ignore", "weight", "--out", folder + "/m.json",
        ]
        let gbdt = train + ["--algorithm", "gbdt"]
        let predict = [
            "predict", "--model", model, "--data", data, "--calibration", other, "--target", "min_pressure_mbar",
        ]
        let detect = [
            "drift", "detect", "--reference", data, "--current", other, "--ignore", "weight", "--drop-incomplete",
        ]
        let kmm = [
            "drift", "weights", "--method", "kmm", "--source", data, "--target", other, "--ignore", "weight",
            "--ignore", "min_pressure_mbar", "--drop-incomplete", "--out", folder + "/w.csv",
        ]
        return [
            Probe(arguments: run, option: "--speed", refused: nonFinite.union(["-1", "0", "9223372036854775807"])),
            Probe(arguments: run, option: "--duration", refused: nonFinite.union(["-1", "0", "9223372036854775807"])),
            Probe(
                arguments: run, option: "--print-readings-every",
                refused: nonFinite.union(["-1", "9223372036854775807"])),
            Probe(
                arguments: run, option: "--clock-origin",
                refused: nonFinite.union(["-1", "9223372036854775807", "0.5", "1e-320"])),
            Probe(
                arguments: gbdt, option: "--trees",
                refused: nonFinite.union(["-1", "0", "9223372036854775807", "0.5", "1e-320"])),
            Probe(
                arguments: gbdt, option: "--max-depth",
                refused: nonFinite.union(["-1", "0", "9223372036854775807", "0.5", "1e-320"])),
            Probe(arguments: gbdt, option: "--learning-rate", refused: ["nan", "inf", "-inf", "-1", "0"]),
            Probe(arguments: gbdt, option: "--lambda", refused: ["nan", "inf", "-inf", "-1"]),
            Probe(arguments: gbdt, option: "--min-child-weight", refused: ["nan", "inf", "-inf", "-1"]),
            Probe(
                arguments: gbdt, option: "--subsample",
                refused: nonFinite.union(["-1", "0", "9223372036854775807", "3"])),
            Probe(
                arguments: gbdt, option: "--colsample-bytree",
                refused: nonFinite.union(["-1", "0", "9223372036854775807", "3"])),
            Probe(
                arguments: train + ["--algorithm", "rf"], option: "--min-samples-leaf",
                refused: nonFinite.union(["-1", "0", "0.5", "1e-320", "9223372036854775807"])),
            Probe(
                arguments: gbdt, option: "--holdout-fraction",
                refused: nonFinite.union(["-1", "0", "9223372036854775807", "3"])),
            Probe(
                arguments: predict, option: "--coverage",
                refused: nonFinite.union(["-1", "0", "9223372036854775807", "3"])),
            Probe(arguments: predict, option: "--threshold", refused: ["nan", "inf", "-inf"]),
            Probe(
                arguments: ["evaluate", "--model", model, "--data", data, "--target", "min_pressure_mbar"],
                option: "--holdout-fraction", refused: nonFinite.union(["-1", "0", "9223372036854775807", "3"])),
            Probe(
                arguments: detect, option: "--alpha", refused: nonFinite.union(["-1", "0", "9223372036854775807", "3"])),
            Probe(
                arguments: detect, option: "--permutations",
                refused: nonFinite.union(["-1", "0", "0.5", "3", "1e-320", "9223372036854775807"])),
            Probe(arguments: kmm, option: "--gamma", refused: ["nan", "inf", "-inf", "-1", "0"]),
            Probe(arguments: kmm, option: "--bound", refused: ["nan", "inf", "-inf", "-1", "0"]),
            Probe(arguments: kmm, option: "--epsilon", refused: ["nan", "inf", "-inf", "-1"]),
            Probe(
                arguments: ["readings", "--database", folder + "/h.db"], option: "--last",
                refused: nonFinite.union(["-1", "0", "0.5", "1e-320"])),
        ]
    }

    @Test("Every numeric option, given NaN, infinities, 1e19, negatives, zero and Int64.max: no trap, no hang")
    func numericOptions() async throws {
        let folder = try TemporaryFolder.make(prefix: "probe-cli")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("devices"), withIntermediateDirectories: true)
        let rows = try String(
            contentsOfFile: repositoryRoot + "/Tests/TreesTests/Fixtures/xgboost-data.csv", encoding: .utf8
        ).split(separator: "\n").map(String.init)
        try (rows.prefix(61).joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        try ([rows[0]] + rows.dropFirst(61).prefix(60)).joined(separator: "\n").appending("\n").write(
            to: folder.appendingPathComponent("other.csv"), atomically: true, encoding: .utf8)
        let executable = try Self.hearth()
        let runs = Self.probes(in: folder.path).flatMap { probe in Self.values.map { (probe, $0) } }
        let results = await withTaskGroup(of: (Probe, String, Int32?, String).self) { group in
            var pending = runs[...]
            var results: [(Probe, String, Int32?, String)] = []
            func start(_ probe: Probe, _ value: String, _ index: Int) {
                group.addTask {
                    let (status, errors) = await Self.run(
                        executable, probe.arguments + ["\(probe.option)=\(value)"], in: folder, name: "\(index)")
                    return (probe, value, status, errors)
                }
            }
            var index = 0
            for _ in 0..<3 {
                guard let (probe, value) = pending.popFirst() else { break }
                start(probe, value, index)
                index += 1
            }
            for await result in group {
                results.append(result)
                if let (probe, value) = pending.popFirst() {
                    start(probe, value, index)
                    index += 1
                }
            }
            return results
        }
        #expect(results.count == runs.count)
        for (probe, value, status, errors) in results {
            let run = "hearth \(probe.arguments.first ?? "") \(probe.option)=\(value)"
            guard let status else {
                Issue.record("\(run) did not end within its time limit")
                continue
            }
            #expect([0, 1, 2, 64].contains(status), "\(run) ended with status \(status): \(errors.prefix(300))")
            if status != 0 { #expect(!errors.isEmpty, "\(run): status \(status) without a word") }
            if probe.refused.contains(value) {
                #expect(status == 64 || status == 1, "\(run) was not refused (status \(status))")
                // The option itself, or the parameter it sets under the same name (`gamma is nan, ...`).
                let named = errors.contains(probe.option) || errors.contains("\(probe.option.dropFirst(2)) is ")
                #expect(named, "\(run) refused without naming the option: \(errors.prefix(300))")
            }
        }
    }

    /// Runs hearth with a time limit; the status is `nil` when it had to be stopped.
    static func run(_ executable: String, _ arguments: [String], in folder: URL, name: String) async -> (Int32?, String)
    {
        let output = folder.appendingPathComponent("\(name).out").path
        let errors = folder.appendingPathComponent("\(name).err").path
        guard
            let process = try? ChildProcess(
                executable: executable, arguments: arguments, output: output, errors: errors)
        else { return (nil, "cannot start \(executable)") }
        let status = await process.exit(timeoutSeconds: 30)
        if status == nil { _ = process.stop(graceSeconds: 1) }
        return (status, (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
    }

    static func hearth() throws -> String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for folder in [
            testBinary.deletingLastPathComponent(), testBinary.deletingLastPathComponent().deletingLastPathComponent(),
        ] {
            let candidate = folder.appendingPathComponent("hearth").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ProbeError("hearth is not built next to the tests; run `swift build` first")
    }
}

/// A probe's own failure to set up.
struct ProbeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
