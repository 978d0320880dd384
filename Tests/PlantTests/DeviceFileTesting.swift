import Glibc
import Plant
import Testing

/// The repository's root folder, found from this file's place.
let repositoryRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()

/// The problems a device file's text has; none when it parses.
func problems(in text: String, file: String = "t.yaml") -> [DeviceFileProblem] {
    do {
        _ = try DeviceFileLoader.parse(text, file: file)
        return []
    } catch {
        return error.problems
    }
}

/// A Modbus TCP device: lines 1-6 hold its id, kind, connection to 10.0.0.5 and `signals:`, so the given
/// signals start on line 7.
func tcp(_ signals: String) -> String {
    "id: f1\nkind: esr-furnace\nconnection:\n  type: modbus-tcp\n  host: 10.0.0.5\nsignals:\n" + signals
}

/// An MQTT device on topic `plant/f1`, laid out like ``tcp(_:)``: the signals start on line 7.
func mqtt(_ signals: String) -> String {
    "id: f1\nkind: esr-furnace\nconnection:\n  type: mqtt\n  topic: plant/f1\nsignals:\n" + signals
}

/// A device whose connection body starts on line 4, followed by one input-register signal.
func withConnection(_ body: String) -> String {
    "id: f1\nkind: esr-furnace\nconnection:\n" + body + "\nsignals:\n  - name: p\n    table: input\n    address: 0\n"
}

/// Expects exactly one problem, at `place` (`line:column`), on `field`, whose message contains `message`.
func expectProblem(
    _ text: String, at place: String, field: String, _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let found = problems(in: text)
    #expect(found.count == 1, "\(found.map(\.description))", sourceLocation: sourceLocation)
    guard let problem = found.first else { return }
    #expect("\(problem.line):\(problem.column)" == place, "\(problem)", sourceLocation: sourceLocation)
    #expect(problem.field == field, "\(problem)", sourceLocation: sourceLocation)
    #expect(problem.message.contains(message), "\(problem)", sourceLocation: sourceLocation)
    #expect(problem.file == "t.yaml", sourceLocation: sourceLocation)
}

/// A flat folder of files written for one test, removed with its files when the test ends.
final class TemporaryFolder {
    let path: String
    private var files: [String] = []

    init() throws {
        var template = Array("/tmp/hearth-plant-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = try #require(created.map { String(cString: $0) })
    }

    /// Writes a file in the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        let stream = try #require(fopen(file, "w"))
        fputs(text, stream)
        fclose(stream)
        files.append(file)
        return file
    }

    deinit {
        for file in files { unlink(file) }
        rmdir(path)
    }
}
