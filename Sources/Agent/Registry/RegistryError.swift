/// A registry change that cannot be made, said in one sentence.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }

    static func unknownDevice(_ device: String, known: [String]) -> RegistryError {
        let suggestion = known.isEmpty ? "no device is registered" : "registered: \(known.joined(separator: ", "))"
        return RegistryError("no device \(device) in the registry (\(suggestion))")
    }

    static func unknownModel(_ version: Int, newest: Int?) -> RegistryError {
        RegistryError("no model v\(version) in the registry\(newest.map { " (the newest is v\($0))" } ?? "")")
    }
}
