import Foundation
import TestSupport
import Testing

@Suite("hearth drift detect and weights as a data scientist uses them", .serialized)
struct DriftCommandTests {
    /// `rows` lines of `x,y,valve,label` with x shifted by `shift`; `valve` is 100 throughout.
    static func sample(rows: Int, shift: Double, seed: Int, missingAt: [Int] = []) -> String {
        var text = "x,y,valve,label\n"
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func uniform() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state % 1_000_000) / 1_000_000
        }
        for row in 0..<rows {
            let x = missingAt.contains(row) ? "" : String(uniform() + shift)
            text += "\(x),\(uniform()),100,\(row % 2)\n"
        }
        return text
    }

    @Test("detect: snake_case JSON, constant features left out with a note, p-values and PSI that mean something")
    func detect() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-drift")
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = folder.appendingPathComponent("a.csv")
        let current = folder.appendingPathComponent("b.csv")
        try Self.sample(rows: 300, shift: 0, seed: 1).write(to: reference, atomically: true, encoding: .utf8)
        try Self.sample(rows: 300, shift: 5, seed: 2).write(to: current, atomically: true, encoding: .utf8)
        let arguments = [
            "drift", "detect", "--reference", reference.path, "--current", current.path, "--ignore", "label",
        ]
        let table = try await runCommand("hearth", arguments, in: folder)
        #expect(table.status == 0, "\(table.errors)")
        #expect(
            table.errorLines == [
                "left out valve (100 in every row): the same value throughout both samples carries no information"
            ])
        let x = try #require(table.outputLines.first { $0.hasPrefix("x ") })
        #expect(
            x.split(separator: " ", omittingEmptySubsequences: true).map(String.init) == [
                "x", "1", "<", "1e-10", "<", "1e-10",
                x.split(separator: " ", omittingEmptySubsequences: true)[6].description,
                "yes",
            ])
        #expect(!table.output.contains("inf"))
        let psi = try #require(Double(x.split(separator: " ", omittingEmptySubsequences: true)[6]))
        #expect(psi > 1, "KS 1 with a PSI of \(psi)")

        let json = try await runCommand("hearth", arguments + ["--json"], in: folder)
        #expect(json.status == 0)
        let camel = json.output.range(of: #""[a-z_0-9]*[A-Z][A-Za-z_0-9]*" :"#, options: .regularExpression)
        #expect(camel == nil, "camelCase key \(camel.map { String(json.output[$0]) } ?? "")")
        for key in ["\"p_value\"", "\"adjusted_p_value\"", "\"reference_rows\"", "\"current_rows\""] {
            #expect(json.output.contains(key), "\(key)")
        }
    }

    @Test("missing cells of both files come at once; weights --drop-incomplete keeps one row per source row")
    func missingCells() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-drift-missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source.csv")
        let target = folder.appendingPathComponent("target.csv")
        try Self.sample(rows: 200, shift: 0, seed: 3, missingAt: [4, 9]).write(
            to: source, atomically: true, encoding: .utf8)
        try Self.sample(rows: 100, shift: 0.2, seed: 4, missingAt: [0]).write(
            to: target, atomically: true, encoding: .utf8)
        let refused = try await runCommand(
            "hearth", ["drift", "detect", "--reference", source.path, "--current", target.path, "--ignore", "label"],
            in: folder)
        #expect(refused.status == 1)
        #expect(refused.errorLines.first == "Error: \(source.path):6:1: feature 'x' is missing in the reference sample")
        #expect(refused.errorLines.contains("\(source.path):11:1: feature 'x' is missing in the reference sample"))
        #expect(refused.errorLines.contains("\(target.path):2:1: feature 'x' is missing in the current sample"))

        let weights = folder.appendingPathComponent("weights.csv")
        let result = try await runCommand(
            "hearth",
            [
                "drift", "weights", "--method", "kmm", "--source", source.path, "--target", target.path, "--ignore",
                "label", "--drop-incomplete", "--out", weights.path,
            ], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        let lines = try String(contentsOf: weights, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 201)
        #expect(lines[5] == "0.0" && lines[10] == "0.0", "rows left out weigh 0")
        #expect(result.errorLines.contains { $0.hasPrefix("kmm: weighting 198 source rows toward 99 target rows") })
    }

    @Test("weights far from the source: a warning that they are degenerate")
    func degenerate() async throws {
        let folder = try TemporaryFolder.make(prefix: "cli-drift-degenerate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("source.csv")
        let target = folder.appendingPathComponent("target.csv")
        try Self.sample(rows: 300, shift: 0, seed: 5).write(to: source, atomically: true, encoding: .utf8)
        try Self.sample(rows: 100, shift: 0.95, seed: 6).write(to: target, atomically: true, encoding: .utf8)
        let result = try await runCommand(
            "hearth",
            [
                "drift", "weights", "--method", "kmm", "--source", source.path, "--target", target.path, "--ignore",
                "label", "--bound", "1000", "--out", folder.appendingPathComponent("w.csv").path,
            ], in: folder)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errorLines.contains { $0.hasPrefix("warning: the weights are degenerate") }, "\(result.errors)")
    }
}
