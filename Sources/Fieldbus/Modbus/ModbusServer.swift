internal import CModbus
import Glibc
import Synchronization

/// A read or write request as a Modbus server received it.
public struct ModbusRequest: Sendable, Equatable {
    /// The unit (slave) identifier the request addresses.
    public var unitID: Int
    /// The function code (3 = read holding registers, 4 = read input registers, ...).
    public var functionCode: Int
    /// The first address the request touches.
    public var address: Int
    /// How many registers or bits it reads (or writes).
    public var count: Int

    /// The table this request reads or writes, when its function code names one.
    public var table: RegisterTable? {
        switch functionCode {
        case 1, 5, 15: .coil
        case 2: .discrete
        case 3, 6, 16, 22, 23: .holding
        case 4: .input
        default: nil
        }
    }
}

/// What a server does with one request.
public struct ModbusReply: Sendable {
    public enum Action: Sendable {
        /// Answer from this image of the unit's tables.
        case serve(ModbusDataImage)
        /// Answer with a Modbus exception (2 = illegal data address, 4 = server device failure, ...).
        case exception(code: Int)
        /// Send nothing; the client times out.
        case silence
        /// Close the client's connection (TCP) without answering.
        case disconnect
    }

    public var action: Action
    /// Seconds to wait before acting (a slow device).
    public var delaySeconds: Double

    public init(_ action: Action, delaySeconds: Double = 0) {
        self.action = action
        self.delaySeconds = delaySeconds
    }
}

/// The contents of one unit's four tables, by 0-based address. Addresses not present read as 0.
public struct ModbusDataImage: Sendable, Equatable {
    public var holding: [Int: UInt16] = [:]
    public var input: [Int: UInt16] = [:]
    public var coils: [Int: Bool] = [:]
    public var discrete: [Int: Bool] = [:]

    public init() {}

    /// Stores `value` encoded as `type` in `order` at a register or bit location.
    public mutating func set(_ value: Double, table: RegisterTable, address: Int, type: ValueType, order: WordOrder) {
        switch table {
        case .coil: coils[address] = value != 0 && !value.isNaN
        case .discrete: discrete[address] = value != 0 && !value.isNaN
        case .holding, .input:
            for (offset, word) in RegisterCodec.encode(value, as: type, order: order).enumerated() {
                if table == .holding { holding[address + offset] = word } else { input[address + offset] = word }
            }
        }
    }
}

/// The address ranges one unit serves per table; requests outside them get "illegal data address".
public struct ModbusUnitLayout: Sendable, Equatable {
    public var holding: Range<Int>
    public var input: Range<Int>
    public var coils: Range<Int>
    public var discrete: Range<Int>

    public init(
        holding: Range<Int> = 0..<0, input: Range<Int> = 0..<0, coils: Range<Int> = 0..<0,
        discrete: Range<Int> = 0..<0
    ) {
        self.holding = holding
        self.input = input
        self.coils = coils
        self.discrete = discrete
    }
}

/// Answers requests for one or more units; called on the server's thread for every request.
public typealias ModbusRequestHandler = @Sendable (ModbusRequest) -> ModbusReply

/// A Modbus server (slave) over TCP, answering many connections and several unit ids on one port,
/// or over one serial line. Runs on its own thread until ``stop()``.
public final class ModbusServer: Sendable {
    /// Where the server listens.
    public enum Endpoint: Sendable, Equatable {
        /// TCP on an IPv4 address; port 0 picks a free port (see ``port``).
        case tcp(host: String, port: Int)
        /// A serial line (or pseudo-terminal) opened as a slave at `unitID`.
        case rtu(device: String, baud: Int, parity: ModbusTransport.Parity, dataBits: Int, stopBits: Int)
    }

    private let state: Mutex<State>
    private let stopped = Atomic<Bool>(false)
    /// The TCP port actually bound (useful with port 0); 0 for serial servers.
    public let port: Int
    public let endpoint: Endpoint

    private struct State: ~Copyable {
        var finished = false
    }

    /// Opens the endpoint and starts serving.
    /// - Parameters:
    ///   - endpoint: TCP address or serial line.
    ///   - units: the layout of each unit served (for RTU, exactly one unit).
    ///   - handler: decides each reply.
    /// - Throws: `ModbusError` when the port cannot be bound or the serial line opened.
    public init(
        endpoint: Endpoint, units: [Int: ModbusUnitLayout], handler: @escaping ModbusRequestHandler
    )
        throws(ModbusError)
    {
        self.endpoint = endpoint
        self.state = Mutex(State())
        let core = try ServerCore(endpoint: endpoint, units: units, handler: handler)
        self.port = core.boundPort
        let box = Unmanaged.passRetained(ServerThreadContext(core: core, stopped: self)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let context = Unmanaged<ServerThreadContext>.fromOpaque(raw!).takeRetainedValue()
                context.core.serve { context.stopped?.isStopped ?? true }
                context.stopped?.markFinished()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create failed with \(rc)")
        pthread_detach(thread)
    }

    /// Whether ``stop()`` was called.
    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    private func markFinished() { state.withLock { $0.finished = true } }

    /// Stops serving and closes every connection; returns once the server thread has let go of the endpoint
    /// (within about 0.2 s).
    public func stop() {
        stopped.store(true, ordering: .releasing)
        for _ in 0..<200 {
            if state.withLock({ $0.finished }) { return }
            usleep(5_000)
        }
    }

    deinit { stopped.store(true, ordering: .releasing) }
}

/// What the server thread holds: the core, and a weak way back to the server to see if it was stopped.
private final class ServerThreadContext: @unchecked Sendable {
    // @unchecked Sendable: handed to exactly one thread, which is the only one to use it.
    let core: ServerCore
    weak var stopped: ModbusServer?

    init(core: ServerCore, stopped: ModbusServer) {
        self.core = core
        self.stopped = stopped
    }
}

/// The libmodbus contexts and mappings of a server; used only by the server's thread after creation.
private final class ServerCore {
    let context: OpaquePointer
    let endpoint: ModbusServer.Endpoint
    let handler: ModbusRequestHandler
    var mappings: [Int: (layout: ModbusUnitLayout, mapping: UnsafeMutablePointer<modbus_mapping_t>)] = [:]
    var listenSocket: Int32 = -1
    var clients: [Int32] = []
    var boundPort = 0

    init(
        endpoint: ModbusServer.Endpoint, units: [Int: ModbusUnitLayout], handler: @escaping ModbusRequestHandler
    )
        throws(ModbusError)
    {
        self.endpoint = endpoint
        self.handler = handler
        let created: OpaquePointer?
        switch endpoint {
        case .tcp(let host, let port): created = modbus_new_tcp(host, Int32(port))
        case .rtu(let device, let baud, let parity, let dataBits, let stopBits):
            created = modbus_new_rtu(device, Int32(baud), parity.libmodbusCode, Int32(dataBits), Int32(stopBits))
        }
        guard let created else { throw ModbusError.fromLastError("create Modbus server context for \(endpoint)") }
        context = created
        for (unit, layout) in units {
            guard
                let mapping = modbus_mapping_new_start_address(
                    UInt32(layout.coils.lowerBound), UInt32(layout.coils.count),
                    UInt32(layout.discrete.lowerBound), UInt32(layout.discrete.count),
                    UInt32(layout.holding.lowerBound), UInt32(layout.holding.count),
                    UInt32(layout.input.lowerBound), UInt32(layout.input.count))
            else {
                // Fully initialised: deinit releases what was allocated so far.
                throw ModbusError.fromLastError("allocate registers for unit \(unit)")
            }
            mappings[unit] = (layout, mapping)
        }
        switch endpoint {
        case .tcp(let host, let port):
            listenSocket = modbus_tcp_listen(context, 16)
            guard listenSocket >= 0 else { throw ModbusError.fromLastError("listen on \(host):\(port)") }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listenSocket, $0, &length) }
            }
            boundPort = Int(UInt16(bigEndian: address.sin_port))
        case .rtu:
            guard let unit = units.keys.first, units.count == 1 else {
                throw ModbusError(
                    kind: .request, errno: EINVAL, message: "a serial server serves exactly one unit",
                    operation: "open \(endpoint)")
            }
            modbus_set_slave(context, Int32(unit))
            guard modbus_connect(context) == 0 else {
                throw ModbusError.fromLastError("open serial line for \(endpoint)")
            }
        }
        modbus_set_indication_timeout(context, 0, 200_000)
    }

    deinit { release() }

    private var released = false
    private func release() {
        guard !released else { return }
        released = true
        for client in clients { Glibc.close(client) }
        clients = []
        if listenSocket >= 0 { Glibc.close(listenSocket) }
        listenSocket = -1
        if case .rtu = endpoint { modbus_close(context) }
        for (_, entry) in mappings { modbus_mapping_free(entry.mapping) }
        mappings = [:]
        modbus_free(context)
    }

    func serve(isStopped: () -> Bool) {
        defer { release() }
        switch endpoint {
        case .tcp: serveTCP(isStopped: isStopped)
        case .rtu: serveSerial(isStopped: isStopped)
        }
    }

    private func serveTCP(isStopped: () -> Bool) {
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        while !isStopped() {
            var fds = [pollfd(fd: listenSocket, events: Int16(POLLIN), revents: 0)]
            fds += clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready <= 0 { continue }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let client = accept(listenSocket, nil, nil)
                if client >= 0 { clients.append(client) }
            }
            for entry in fds.dropFirst() where entry.revents != 0 {
                modbus_set_socket(context, entry.fd)
                let length = query.withUnsafeMutableBufferPointer { modbus_receive(context, $0.baseAddress) }
                if length < 0 {
                    drop(entry.fd)
                } else if length > 0 {
                    if !answer(query, length: Int(length), headerLength: 7) { drop(entry.fd) }
                }
            }
        }
    }

    private func serveSerial(isStopped: () -> Bool) {
        var query = [UInt8](repeating: 0, count: Int(MODBUS_RTU_MAX_ADU_LENGTH))
        while !isStopped() {
            let length = query.withUnsafeMutableBufferPointer { modbus_receive(context, $0.baseAddress) }
            if length > 0 {
                _ = answer(query, length: Int(length), headerLength: 1)
            } else if length < 0 {
                modbus_flush(context)
            }
        }
    }

    private func drop(_ socket: Int32) {
        Glibc.close(socket)
        clients.removeAll { $0 == socket }
    }

    /// Answers one request; returns false when the connection should be closed.
    private func answer(_ query: [UInt8], length: Int, headerLength: Int) -> Bool {
        let unit = Int(query[headerLength - 1])
        let function = Int(query[headerLength])
        func word(_ offset: Int) -> Int {
            headerLength + offset + 1 < length
                ? Int(query[headerLength + offset]) << 8 | Int(query[headerLength + offset + 1]) : 0
        }
        let request = ModbusRequest(unitID: unit, functionCode: function, address: word(1), count: word(3))
        guard let entry = mappings[unit] else {
            // Unknown unit behind a TCP gateway: the standard answer is "gateway target failed to respond".
            query.withUnsafeBufferPointer {
                _ = modbus_reply_exception(context, $0.baseAddress, UInt32(MODBUS_EXCEPTION_GATEWAY_TARGET))
            }
            return true
        }
        let reply = handler(request)
        if reply.delaySeconds > 0 { usleep(UInt32(min(reply.delaySeconds, 60) * 1_000_000)) }
        switch reply.action {
        case .serve(let image):
            load(image, into: entry.mapping.pointee, layout: entry.layout)
            query.withUnsafeBufferPointer { _ = modbus_reply(context, $0.baseAddress, Int32(length), entry.mapping) }
            return true
        case .exception(let code):
            query.withUnsafeBufferPointer { _ = modbus_reply_exception(context, $0.baseAddress, UInt32(code)) }
            return true
        case .silence:
            return true
        case .disconnect:
            return false
        }
    }

    private func load(_ image: ModbusDataImage, into mapping: modbus_mapping_t, layout: ModbusUnitLayout) {
        for address in layout.holding {
            mapping.tab_registers[address - layout.holding.lowerBound] = image.holding[address] ?? 0
        }
        for address in layout.input {
            mapping.tab_input_registers[address - layout.input.lowerBound] = image.input[address] ?? 0
        }
        for address in layout.coils {
            mapping.tab_bits[address - layout.coils.lowerBound] = image.coils[address] == true ? 1 : 0
        }
        for address in layout.discrete {
            mapping.tab_input_bits[address - layout.discrete.lowerBound] = image.discrete[address] == true ? 1 : 0
        }
    }
}
