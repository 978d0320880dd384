internal import CModbus
import Glibc

/// A failed Modbus operation, with libmodbus's own message.
public struct ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; decides whether the client reconnects.
    public enum Kind: Sendable, Equatable {
        /// No response within the response timeout.
        case timeout
        /// The device answered with a Modbus exception (function code + 0x80).
        case exception(code: Int)
        /// The connection could not be made or was lost (refused, reset, broken pipe, serial port gone).
        case connection
        /// The response arrived but was malformed (bad CRC, wrong length, wrong unit or transaction).
        case invalidResponse
        /// The request could not be made (bad argument, out of memory).
        case request
    }

    public var kind: Kind
    /// The `errno` value libmodbus reported (`MODBUS_ENOBASE + n` for Modbus-level errors).
    public var errno: Int32
    /// libmodbus's message for `errno` (`modbus_strerror`).
    public var message: String
    /// What was being done (`connect to 127.0.0.1:1502`, `read input registers 0..<12 from unit 1`).
    public var operation: String

    public init(kind: Kind, errno: Int32, message: String, operation: String) {
        self.kind = kind
        self.errno = errno
        self.message = message
        self.operation = operation
    }

    public var description: String { "\(operation): \(message)" }

    /// Whether the connection should be closed and opened again before the next request.
    public var requiresReconnect: Bool {
        switch kind {
        case .connection, .timeout, .invalidResponse: true
        case .exception, .request: false
        }
    }

    /// The standard name of a Modbus exception code.
    public static func exceptionName(_ code: Int) -> String {
        switch code {
        case 1: "illegal function"
        case 2: "illegal data address"
        case 3: "illegal data value"
        case 4: "server device failure"
        case 5: "acknowledge"
        case 6: "server device busy"
        case 8: "memory parity error"
        case 10: "gateway path unavailable"
        case 11: "gateway target device failed to respond"
        default: "exception \(code)"
        }
    }

    /// Builds the error for the `errno` libmodbus just set.
    static func fromLastError(_ operation: String) -> ModbusError {
        let code = hearth_modbus_errno()
        let message = String(cString: modbus_strerror(code))
        let base = Int32(MODBUS_ENOBASE)
        let kind: Kind
        switch code {
        case ETIMEDOUT:
            kind = .timeout
        case base + 1...base + 11:
            kind = .exception(code: Int(code - base))
        case base + 16, EINVAL, ENOMEM:
            kind = .request  // too many items asked for, a bad argument, out of memory
        case base + 12...base + 17:
            kind = .invalidResponse  // bad CRC, bad data, bad exception, unknown exception, wrong slave
        default:
            kind = .connection  // refused, reset, broken pipe, serial port gone, and anything unexpected
        }
        return ModbusError(kind: kind, errno: code, message: message, operation: operation)
    }
}
