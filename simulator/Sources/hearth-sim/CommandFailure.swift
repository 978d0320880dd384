/// A command that failed at run time (a broken file, a port in use, a missing program): one sentence, exit status 1.
/// Mistakes in the command line itself stay ArgumentParser's `ValidationError`, with the usage and status 64.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
