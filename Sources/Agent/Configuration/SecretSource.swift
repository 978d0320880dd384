import Glibc
import Support
import YAML

/// Where a secret comes from: never the configuration file itself.
public enum SecretSource: Sendable, Equatable {
    /// `password_env`: the value of an environment variable.
    case environment(String)
    /// `password_file`: the contents of a file (a path resolved against the configuration's folder).
    case file(String)

    /// Reads the secret, trimming trailing line breaks (`echo secret > file` adds one).
    ///
    /// - Parameter environment: looks a variable up; the process environment by default.
    /// - Throws: ``SecretError`` when the variable is unset or empty, or the file unreadable or empty.
    public func resolve(
        environment: (String) -> String? = SecretSource.processEnvironment
    ) throws(SecretError) -> String {
        let secret: String
        switch self {
        case .environment(let name):
            guard let value = environment(name) else {
                throw SecretError("environment variable \(name) (broker.password_env) is not set")
            }
            secret = value
        case .file(let path):
            do {
                secret = String(decoding: try TextFile.read(path: path, maximumSize: 64 * 1024), as: UTF8.self)
            } catch {
                throw SecretError("cannot read the password file \(path) (broker.password_file): \(error.reason)")
            }
        }
        var trimmed = Substring(secret)
        while let last = trimmed.last, last == "\n" || last == "\r" || last == "\r\n" { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { throw SecretError("the password from \(self.origin) is empty") }
        return String(trimmed)
    }

    /// A warning when the secret is exposed: a password file that every user of the machine may read (mode `o+r`).
    /// `nil` for an environment variable, a file only its owner and group read, or a file that cannot be examined.
    public var exposure: String? {
        guard case .file(let path) = self else { return nil }
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IROTH != 0 else { return nil }
        return "the password file \(path) (broker.password_file) is readable by every user of this machine "
            + "(mode \(String(status.st_mode & 0o777, radix: 8))); make it `chmod 640` with the agent's group"
    }

    /// The process environment, through `getenv`.
    public static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private var origin: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }
}

/// A secret that could not be read, said in one sentence.
public struct SecretError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong and where the secret was looked for.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
