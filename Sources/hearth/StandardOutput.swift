@preconcurrency import Glibc

/// Standard output for a command's results: a write that fails (a full disk behind `> file`, a closed pipe) is the
/// command's failure, not a silent success.
enum StandardOutput {
    /// Writes the text and flushes it.
    /// - Throws: ``CommandFailure`` with the system's reason when the text could not be written.
    static func write(_ text: String) throws {
        clearerr(stdout)
        fputs(text, stdout)
        guard fflush(stdout) == 0, ferror(stdout) == 0 else {
            throw CommandFailure("standard output: cannot write: \(String(cString: strerror(errno)))")
        }
    }
}
