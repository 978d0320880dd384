import Foundation
import TestSupport
import Testing

@Suite("hearth predict with conformal intervals", .serialized)
struct PredictIntervalCommandTests {
    static let fixtures = PlantFixture.repositoryRoot.appendingPathComponent("Tests/TreesTests/Fixtures")
    static let model = fixtures.appendingPathComponent("hearth-gbdt-model.json").path
    static let data = fixtures.appendingPathComponent("xgboost-data.csv").path

    @Test("--calibration/--target add lower and upper, --threshold p_exceeds; --shift-toward, --calibrate-by work")
    func intervals() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-intervals")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Calibrating on the rows predicted: every row's score is among the calibration's, so at least 90 % of
        // the rows lie in their intervals.
        for shift in [
            [], ["--shift-toward", Self.data, "--shift-ignore", "seal_age_days"],
            ["--shift-toward", Self.data, "--weight-method", "ulsif", "--minimum-effective-share", "0.5"],
            ["--calibrate-by", "pump_speed_rpm"],
        ] {
            let out = folder.appendingPathComponent("p.csv").path
            let result = try await runCommand(
                "hearth",
                [
                    "predict", "--model", Self.model, "--data", Self.data, "--calibration", Self.data, "--target",
                    "min_pressure_mbar", "--coverage", "0.9", "--threshold", "45", "--out", out,
                ] + shift, in: folder)
            #expect(result.status == 0, "\(result.errors)")
            let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            #expect(lines.first == "prediction,lower,upper,p_exceeds")
            #expect(lines.count == 401)
            let truth = try String(contentsOfFile: Self.data, encoding: .utf8).split(separator: "\n").dropFirst()
                .map { Double($0.split(separator: ",", omittingEmptySubsequences: false)[5])! }
            var covered = 0
            for (line, value) in zip(lines.dropFirst(), truth) {
                let cells = line.split(separator: ",").map { Double($0)! }
                #expect(cells[1] <= cells[0] && cells[0] <= cells[2])
                #expect((0...1).contains(cells[3]))
                if cells[1] <= value && value <= cells[2] { covered += 1 }
            }
            #expect(covered >= 360, "\(covered) of 400 covered")
            if shift.contains("--shift-toward") {
                #expect(result.errors.contains("effective sample size of the calibration"))
            }
        }
    }

    @Test("A target column the calibration file lacks, or a coverage out of range, is one clear error")
    func errors() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-intervals-errors")
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try await runCommand(
            "hearth",
            ["predict", "--model", Self.model, "--data", Self.data, "--calibration", Self.data, "--target", "minimum"],
            in: folder)
        #expect(missing.status == 1)
        #expect(missing.errorLines == ["Error: \(Self.data):1: column \"minimum\" is not in the header"])
        let coverage = try await runCommand(
            "hearth",
            [
                "predict", "--model", Self.model, "--data", Self.data, "--calibration", Self.data, "--target",
                "min_pressure_mbar", "--coverage", "1.5",
            ], in: folder)
        #expect(coverage.status != 0)
        #expect(
            coverage.errorLines.first == "Error: --coverage must be strictly between 0 and 1, such as 0.9; got 1.5")
        let flattening = try await runCommand(
            "hearth",
            [
                "predict", "--model", Self.model, "--data", Self.data, "--calibration", Self.data, "--target",
                "min_pressure_mbar", "--minimum-effective-share", "0.3",
            ], in: folder)
        #expect(flattening.status != 0)
        #expect(
            flattening.errorLines.first
                == "Error: --minimum-effective-share and --shift-ignore apply with --shift-toward only")
        let logarithmic = folder.appendingPathComponent("negative.csv")
        let text = try String(contentsOfFile: Self.data, encoding: .utf8)
        var rows = text.split(separator: "\n").map(String.init)
        var cells = rows[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[5] = "-1"
        rows[3] = cells.joined(separator: ",")
        try (rows.joined(separator: "\n") + "\n").write(to: logarithmic, atomically: true, encoding: .utf8)
        let negative = try await runCommand(
            "hearth",
            [
                "predict", "--model", Self.model, "--data", Self.data, "--calibration", logarithmic.path, "--target",
                "min_pressure_mbar", "--score-space", "logarithmic",
            ], in: folder)
        #expect(negative.status == 1)
        #expect(
            negative.errorLines == [
                "Error: \(logarithmic.path):4: the target min_pressure_mbar is -1.0, but logarithmic scores need a "
                    + "finite number > 0 (--score-space)"
            ])
    }
}
