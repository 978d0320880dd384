internal import CModbus
import Glibc

/// Where a Modbus client connects: a TCP server or a serial line.
public enum ModbusTransport: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case rtu(device: String, baud: Int, parity: Parity, dataBits: Int, stopBits: Int)

    /// Serial parity.
    public enum Parity: Sendable, Equatable {
        case none, even, odd

        var libmodbusCode: CChar {
            switch self {
            case .none: CChar(UInt8(ascii: "N"))
            case .even: CChar(UInt8(ascii: "E"))
            case .odd: CChar(UInt8(ascii: "O"))
            }
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): "\(host):\(port)"
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits):
            "\(device) \(baud) \(dataBits)\(parity == .none ? "N" : parity == .even ? "E" : "O")\(stopBits)"
        }
    }
}

/// One libmodbus client context: a connection to one unit on a TCP server or serial line.
///
/// Not thread-safe, and every call blocks up to the response timeout: keep one per device and use it from one
/// thread only (``ModbusClient`` does this). The context is freed exactly once, when the connection is deinitialised.
///
/// Over TCP, reads are framed here and sent on libmodbus's socket, and every field of the reply's MBAP header is
/// checked (``ModbusTCPFrame``): libmodbus itself checks only the transaction id. Over a serial line libmodbus checks
/// the unit address and the CRC.
public final class ModbusConnection {
    private var context: OpaquePointer
    public let transport: ModbusTransport
    public let unitID: Int
    /// The device's name in errors (`furnace-a`), when it has one.
    public let deviceName: String?
    public private(set) var isConnected = false
    private var lastTransactionID: UInt16 = 0
    private let timeoutSeconds: Double

    /// Creates the context; does not connect.
    /// - Parameters:
    ///   - transport: TCP endpoint or serial line.
    ///   - unitID: the unit (slave) identifier to address.
    ///   - timeoutSeconds: how long to wait for each response (and for a TCP connect).
    ///   - deviceName: the device's name, named in every error of a read.
    /// - Throws: `ModbusError` when libmodbus refuses the parameters (unknown host format, bad serial settings).
    public init(
        transport: ModbusTransport, unitID: Int, timeoutSeconds: Double, deviceName: String? = nil
    ) throws(ModbusError) {
        let created: OpaquePointer?
        switch transport {
        case .tcp(let host, let port):
            created = modbus_new_tcp_pi(host, String(port))
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits):
            created = modbus_new_rtu(device, Int32(baud), parity.libmodbusCode, Int32(dataBits), Int32(stopBits))
        }
        guard let created else { throw ModbusError.fromLastError("create Modbus context for \(transport)") }
        context = created
        self.transport = transport
        self.unitID = unitID
        self.deviceName = deviceName
        self.timeoutSeconds = max(timeoutSeconds, 0.001)
        // Every stored property is set: if this throws, deinit frees the context (exactly once).
        if modbus_set_slave(context, Int32(unitID)) != 0 {
            throw ModbusError.fromLastError("set unit id \(unitID) on \(transport)")
        }
        let seconds = max(timeoutSeconds, 0.001)
        let whole = UInt32(seconds.rounded(.down))
        let micro = UInt32(((seconds - Double(whole)) * 1_000_000).rounded())
        modbus_set_response_timeout(context, whole, micro)
        // The time allowed between two bytes of one RTU frame; generous, a pty or USB adapter can be bursty.
        modbus_set_byte_timeout(context, 0, 500_000)
    }

    deinit {
        if isConnected { modbus_close(context) }
        modbus_free(context)
    }

    /// Opens the TCP connection or serial port.
    public func connect() throws(ModbusError) {
        if isConnected { return }
        if modbus_connect(context) == 0 {
            isConnected = true
            return
        }
        let error = ModbusError.fromLastError("connect to \(transport)")
        // A Linux pseudo-terminal drops the parity bit from its settings, and glibc may then report the settings as
        // not applied (EINVAL). A pseudo-terminal carries no parity anyway: open it without.
        guard error.errno == EINVAL,
            case .rtu(let device, let baud, let parity, let dataBits, let stopBits) = transport,
            parity != .none, Self.isPseudoTerminal(device),
            let plain = modbus_new_rtu(
                device, Int32(baud), ModbusTransport.Parity.none.libmodbusCode, Int32(dataBits), Int32(stopBits))
        else { throw error }
        var seconds: UInt32 = 0
        var microseconds: UInt32 = 0
        modbus_get_response_timeout(context, &seconds, &microseconds)
        modbus_set_response_timeout(plain, seconds, microseconds)
        modbus_set_byte_timeout(plain, 0, 500_000)
        modbus_set_slave(plain, Int32(unitID))
        modbus_free(context)
        context = plain
        guard modbus_connect(context) == 0 else { throw ModbusError.fromLastError("connect to \(transport)") }
        isConnected = true
    }

    /// Whether a device path leads to a pseudo-terminal (`/dev/pts/N`, possibly through links).
    static func isPseudoTerminal(_ path: String) -> Bool {
        guard let resolved = realpath(path, nil) else { return false }
        defer { free(resolved) }
        return String(cString: resolved).hasPrefix("/dev/pts/")
    }

    /// Closes the connection; the next request needs ``connect()`` again.
    public func close() {
        guard isConnected else { return }
        modbus_close(context)
        isConnected = false
    }

    /// Discards bytes waiting on the line (after a timeout on a serial line).
    public func flush() {
        guard isConnected else { return }
        _ = modbus_flush(context)
    }

    /// Reads `count` 16-bit registers from a register table.
    /// - Throws: `ModbusError` on timeout, exception reply, malformed reply or lost connection.
    public func readRegisters(_ table: RegisterTable, address: Int, count: Int) throws(ModbusError) -> [UInt16] {
        precondition(!table.isBitTable, "\(table) holds bits")
        guard isConnected else { throw notConnected(table, address, count) }
        if case .tcp = transport {
            let data = try readOverTCP(table, address: address, count: count)
            return (0..<count).map {
                UInt16(data[data.startIndex + 2 * $0]) << 8 | UInt16(data[data.startIndex + 2 * $0 + 1])
            }
        }
        var buffer = [UInt16](repeating: 0, count: count)
        let rc = buffer.withUnsafeMutableBufferPointer { raw in
            table == .holding
                ? modbus_read_registers(context, Int32(address), Int32(count), raw.baseAddress)
                : modbus_read_input_registers(context, Int32(address), Int32(count), raw.baseAddress)
        }
        guard rc == Int32(count) else {
            throw rc < 0
                ? ModbusError.fromLastError(describe(table, address, count)) : shortRead(table, address, count, rc)
        }
        return buffer
    }

    /// Reads `count` bits from the coil or discrete-input table.
    /// - Throws: `ModbusError` on timeout, exception reply, malformed reply or lost connection.
    public func readBits(_ table: RegisterTable, address: Int, count: Int) throws(ModbusError) -> [Bool] {
        precondition(table.isBitTable, "\(table) holds registers")
        guard isConnected else { throw notConnected(table, address, count) }
        if case .tcp = transport {
            let data = try readOverTCP(table, address: address, count: count)
            return (0..<count).map { data[data.startIndex + $0 / 8] >> UInt8($0 % 8) & 1 != 0 }
        }
        var buffer = [UInt8](repeating: 0, count: count)
        let rc = buffer.withUnsafeMutableBufferPointer { raw in
            table == .coil
                ? modbus_read_bits(context, Int32(address), Int32(count), raw.baseAddress)
                : modbus_read_input_bits(context, Int32(address), Int32(count), raw.baseAddress)
        }
        guard rc == Int32(count) else {
            throw rc < 0
                ? ModbusError.fromLastError(describe(table, address, count)) : shortRead(table, address, count, rc)
        }
        return buffer.map { $0 != 0 }
    }

    /// Writes holding registers (used by tests and tools; the agent only reads).
    public func writeRegisters(address: Int, values: [UInt16]) throws(ModbusError) {
        guard isConnected else { throw notConnected(.holding, address, values.count) }
        let rc = values.withUnsafeBufferPointer {
            modbus_write_registers(context, Int32(address), Int32($0.count), $0.baseAddress)
        }
        guard rc == Int32(values.count) else {
            throw ModbusError.fromLastError(
                "write holding registers \(address)..<\(address + values.count) on unit \(unitID)")
        }
    }

    /// Sends one read request on the TCP socket and returns the data bytes of its checked reply.
    private func readOverTCP(_ table: RegisterTable, address: Int, count: Int) throws(ModbusError) -> ArraySlice<UInt8>
    {
        let operation = describe(table, address, count)
        let limit = table.isBitTable ? Int(MODBUS_MAX_READ_BITS) : Int(MODBUS_MAX_READ_REGISTERS)
        guard (1...limit).contains(count), (0...0xFFFF).contains(address), address + count <= 0x1_0000 else {
            throw ModbusError(
                kind: .request, errno: EINVAL, message: "a read takes 1 to \(limit) items within addresses 0...65535",
                operation: operation)
        }
        lastTransactionID &+= 1
        let request = ModbusTCPFrame(
            transactionID: lastTransactionID, unitID: UInt8(truncatingIfNeeded: unitID),
            functionCode: ModbusTCPFrame.functionCode(for: table), address: UInt16(address), count: UInt16(count))
        let socket = modbus_get_socket(context)
        var sent = 0
        let bytes = request.bytes
        while sent < bytes.count {
            let rc = bytes.withUnsafeBytes {
                send(socket, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            if rc < 0 {
                let code = Glibc.errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK {
                    // libmodbus's socket is non-blocking: wait, up to the response timeout, until it takes more.
                    var ready = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                    if poll(&ready, 1, Int32(timeoutSeconds * 1000)) > 0 { continue }
                    throw ModbusError(
                        kind: .timeout, errno: ETIMEDOUT, message: String(cString: strerror(ETIMEDOUT)),
                        operation: operation)
                }
                throw ModbusError(
                    kind: .connection, errno: code, message: String(cString: strerror(code)), operation: operation)
            }
            sent += rc
        }
        var reply = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        let length = reply.withUnsafeMutableBufferPointer { modbus_receive_confirmation(context, $0.baseAddress) }
        guard length >= 0 else { throw ModbusError.fromLastError(operation) }
        do throws(ModbusTCPFrame.Problem) {
            return try request.data(of: Array(reply[..<Int(length)]))
        } catch {
            let base = Int32(MODBUS_ENOBASE)
            if case .exception(let code) = error, (1...11).contains(code) {
                let libmodbusCode = base + Int32(code)
                throw ModbusError(
                    kind: .exception(code: code), errno: libmodbusCode,
                    message: String(cString: modbus_strerror(libmodbusCode)), operation: operation)
            }
            // libmodbus's own codes: bad data, bad exception code, response not from the requested slave.
            let code: Int32 =
                switch error {
                case .unitID: base + 17
                case .exception: base + 14
                default: base + 13
                }
            throw ModbusError(kind: .invalidResponse, errno: code, message: error.description, operation: operation)
        }
    }

    private func describe(_ table: RegisterTable, _ address: Int, _ count: Int) -> String {
        let what =
            switch table {
            case .holding: "holding registers"
            case .input: "input registers"
            case .coil: "coils"
            case .discrete: "discrete inputs"
            }
        let device = deviceName.map { "\($0), " } ?? ""
        return "read \(what) \(address)..<\(address + count) from \(device)unit \(unitID) at \(transport)"
    }

    private func notConnected(_ table: RegisterTable, _ address: Int, _ count: Int) -> ModbusError {
        ModbusError(kind: .connection, errno: 0, message: "not connected", operation: describe(table, address, count))
    }

    private func shortRead(_ table: RegisterTable, _ address: Int, _ count: Int, _ got: Int32) -> ModbusError {
        ModbusError(
            kind: .invalidResponse, errno: 0, message: "expected \(count) items, got \(got)",
            operation: describe(table, address, count))
    }
}
