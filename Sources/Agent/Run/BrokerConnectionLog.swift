public import Fieldbus
public import Logging
public import Support

/// Logs every change of the broker connection with its reason: connected, refused, lost, each retry with its delay,
/// and a client-id clash. Without it a broker that is down shows only as alarms piling up in the outbox.
///
/// It reads the client's ``MQTTClient/connectionEvents`` (their only reader); a status report asks the client for
/// ``MQTTClient/lastConnectionEvent`` and ``MQTTClient/hasClientIDClash`` instead.
public struct BrokerConnectionLog: Service {
    public let name = "broker connection log"
    let client: MQTTClient
    let logger: Logger

    /// - Parameters:
    ///   - client: the agent's broker connection, whose ``MQTTClient/connectionEvents`` this service reads.
    ///   - logger: where each change is logged.
    public init(client: MQTTClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Logs each change until the task is cancelled.
    public func run() async {
        for await event in client.connectionEvents {
            logger.log(level: Self.level(of: event), "\(event)")
        }
    }

    /// How loud each change is: a clash or a refusal needs someone to act; a loss and its retries may heal.
    static func level(of event: MQTTConnectionEvent) -> Logger.Level {
        switch event {
        case .connected, .disconnected(nil): .info
        case .disconnected, .retrying: .warning
        case .refused, .clientIDClash: .error
        }
    }
}
