import Support

/// A change of an ``MQTTClient``'s connection to its broker, with its reason: what an operator needs in the log
/// to tell a broker that is down from one that refuses us or another client that takes our place.
public enum MQTTConnectionEvent: Sendable, Equatable, CustomStringConvertible {
    /// The broker accepted the connection, after this many attempts since the last connection (1: the first try).
    case connected(broker: String, attempts: Int)
    /// The broker answered but refused the connection (its CONNACK reason: bad credentials, client id rejected).
    case refused(MQTTError)
    /// The connection ended: `nil` when this client disconnected cleanly, else libmosquitto's reason.
    case disconnected(MQTTError?)
    /// No connection: the next attempt, counted since the last connection, is made after a delay.
    case retrying(attempt: Int, inSeconds: Int, after: MQTTError?)
    /// The broker dropped this client right after accepting it, several times in a row: another client is connected
    /// with the same client id, and each connection takes over the other's session.
    case clientIDClash(clientID: String, broker: String, shortConnections: Int, withinSeconds: Double)

    public var description: String {
        switch self {
        case .connected(let broker, let attempts):
            "connected to broker \(broker)" + (attempts > 1 ? " after \(attempts) attempts" : "")
        case .refused(let error): "broker refused the connection: \(error)"
        case .disconnected(let error): error.map { "disconnected from broker: \($0)" } ?? "disconnected from broker"
        case .retrying(let attempt, let seconds, let error):
            "connection attempt \(attempt) in \(seconds) s" + (error.map { " (last error: \($0))" } ?? "")
        case .clientIDClash(let clientID, let broker, let count, let seconds):
            "client id clash: broker \(broker) dropped client id \(clientID) right after accepting it \(count) "
                + "times in a row (each within \(NumberFormat.reading(seconds)) s): most likely another client is "
                + "connected with the same client id; give each agent its own broker.client_id"
        }
    }
}
