// libFuzzer entry point for the device file reader (YAML over libyaml, the schema reader, the rules).
// Built and run by Tests/Fuzz/run.sh; not part of the package.
import Plant
import YAML

@_cdecl("LLVMFuzzerTestOneInput")
public func deviceFileFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lineCount = YAMLMark(after: bytes).line
    do {
        let device = try DeviceFileLoader.parse(bytes: bytes, file: "fuzz.yaml")
        // A sound device must plan its reads and summarise without trapping.
        _ = ReadPlan(signals: device.signals)
        _ = device.summary
        // Every later use converts the interval to integer milliseconds.
        precondition(
            DeviceFile.pollIntervalRange.contains(device.pollIntervalSeconds),
            "poll interval \(device.pollIntervalSeconds) s accepted")
    } catch {
        precondition(!error.problems.isEmpty, "an error without problems")
        for problem in error.problems {
            precondition(
                (1...lineCount).contains(problem.line) && problem.column >= 1,
                "problem outside the input's \(lineCount) lines: \(problem)")
            _ = problem.description
        }
    }
    return 0
}
