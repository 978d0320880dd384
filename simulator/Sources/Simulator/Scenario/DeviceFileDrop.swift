import Glibc
public import Support

/// Drops a device file into an agent's devices folder the way an operator onboards a furnace, but atomically:
/// the file is written under a hidden temporary name, flushed to disk and renamed into place, so an agent watching
/// the folder never reads half a file (it skips hidden files).
public enum DeviceFileDrop {
    /// Copies `source` into `folder` under its own name.
    ///
    /// - Returns: the path of the new file.
    /// - Throws: ``DeviceFileDropError`` when the source cannot be read or the copy cannot be written.
    @discardableResult
    public static func place(_ source: String, in folder: String) throws(DeviceFileDropError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try TextFile.read(path: source)
        } catch {
            throw DeviceFileDropError(operation: "read", failure: error)
        }
        let name = source.split(separator: "/").last.map(String.init) ?? source
        let target = TextFile.join(folder, name)
        do {
            try TextFile.writeDurably(bytes, to: target)
        } catch {
            throw DeviceFileDropError(operation: "write", failure: error)
        }
        return target
    }
}

/// A device file that could not be dropped into a folder: what was being done, to which file, and why.
public struct DeviceFileDropError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done: `read` or `write`.
    public var operation: String
    /// The file concerned and the system's reason.
    public var failure: TextFileError

    /// Creates an error for `operation` failing with `failure`.
    public init(operation: String, failure: TextFileError) {
        self.operation = operation
        self.failure = failure
    }

    /// `cannot read /path: reason`, or the writer's own `/path: cannot write: reason`.
    public var description: String {
        operation == "write" ? failure.description : "cannot \(operation) \(failure.path): \(failure.reason)"
    }
}
