import Support
import YAML

extension Scenario {
    /// Reads and checks a scenario file and every device file it names (paths relative to the scenario's folder).
    ///
    /// - Throws: ``ScenarioError`` with every problem of the scenario and of its device files.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let bytes: [UInt8]
        do {
            bytes = try TextFile.read(path: path)
        } catch {
            throw ScenarioError(problems: [YAMLProblem(unreadable: error)])
        }
        return try parse(bytes: bytes, file: path)
    }

    /// Parses a scenario's text; device files are read relative to the folder of `file`.
    ///
    /// - Throws: ``ScenarioError`` with every problem of the scenario and of its device files.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> Scenario {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses a scenario's raw bytes; device files are read relative to the folder of `file`.
    ///
    /// - Throws: ``ScenarioError`` with every problem of the scenario and of its device files.
    public static func parse(bytes: [UInt8], file: String) throws(ScenarioError) -> Scenario {
        var reader = ScenarioReader(file: file)
        guard let scenario = reader.read(bytes: bytes) else {
            throw ScenarioError(problems: reader.yaml.problemsInFileOrder + reader.deviceFileProblems)
        }
        return scenario
    }
}
