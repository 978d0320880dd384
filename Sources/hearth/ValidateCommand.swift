import Agent
import ArgumentParser
import FoundationEssentials
import Glibc

/// `hearth validate`: checks device files and the agent configuration without connecting anywhere.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check device files and the agent configuration without connecting anywhere.",
        discussion: """
            Prints every problem as FILE:LINE:COLUMN: FIELD: MESSAGE on standard error and one line per sound file \
            on standard output; exits with status 1 when there is any problem. Files checked together must not \
            share an id, a Modbus unit or an MQTT topic. See docs/device-files.md and docs/configuration.md.
            """)

    @Argument(help: "Device files, or folders of them (their top-level *.yaml files).")
    var files: [String] = []

    @Option(name: .customLong("config"), help: "An agent configuration file; its device folder is checked too.")
    var configurationFile: String?

    @Flag(help: "Print the report as JSON on standard output instead.")
    var json = false

    func validate() throws {
        if files.isEmpty && configurationFile == nil {
            throw ValidationError("Name device files or folders, or an agent configuration with --config.")
        }
    }

    func run() throws {
        let report = ValidationReport.check(paths: files, configuration: configurationFile)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for problem in report.problems { printToStandardError(problem.description) }
            for file in report.files {
                if let summary = file.summary { print("\(file.path): ok (\(summary))") }
            }
            if !report.ok {
                let failed = Set(report.problems.map(\.file)).count
                let count = report.problems.count
                printToStandardError(
                    "\(count) problem\(count == 1 ? "" : "s") in \(failed) file\(failed == 1 ? "" : "s")")
            }
        }
        if !report.ok { throw ExitCode.failure }
    }

    private func printToStandardError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
