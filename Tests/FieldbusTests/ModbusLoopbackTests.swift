import Testing

@testable import Fieldbus

@Suite("Modbus client and server over real sockets and ptys")
struct ModbusLoopbackTests {
    static let layout = ModbusUnitLayout(holding: 0..<16, input: 100..<110, coils: 0..<4, discrete: 10..<12)

    static func image() -> ModbusDataImage {
        var image = ModbusDataImage()
        image.set(123456.0, table: .holding, address: 0, type: .float32, order: .cdab)
        image.set(-2, table: .holding, address: 2, type: .int32, order: .abcd)
        image.set(-1.5e-3, table: .holding, address: 4, type: .float64, order: .dcba)
        image.set(-300, table: .input, address: 100, type: .int16, order: .abcd)
        image.set(1, table: .coil, address: 1, type: .bool, order: .abcd)
        image.set(1, table: .discrete, address: 11, type: .bool, order: .abcd)
        return image
    }

    @Test("TCP: registers and bits read back exactly as served")
    func tcpRoundTrip() throws {
        let image = Self.image()
        let server = try ModbusServer(endpoint: .tcp(host: "127.0.0.1", port: 0), units: [1: Self.layout]) { _ in
            ModbusReply(.serve(image))
        }
        defer { server.stop() }
        #expect(server.port > 0)
        let client = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: server.port), unitID: 1, timeoutSeconds: 1)
        try client.connect()
        let holding = try client.readRegisters(.holding, address: 0, count: 8)
        #expect(RegisterCodec.decode(holding[0..<2], as: .float32, order: .cdab) == 123456.0)
        #expect(holding[0..<2] == [0x2000, 0x47F1])
        #expect(RegisterCodec.decode(holding[2..<4], as: .int32, order: .abcd) == -2)
        #expect(holding[2..<4] == [0xFFFF, 0xFFFE])
        #expect(RegisterCodec.decode(holding[4..<8], as: .float64, order: .dcba) == -1.5e-3)
        let input = try client.readRegisters(.input, address: 100, count: 1)
        #expect(RegisterCodec.decode(input, as: .int16, order: .abcd) == -300)
        #expect(try client.readBits(.coil, address: 0, count: 4) == [false, true, false, false])
        #expect(try client.readBits(.discrete, address: 10, count: 2) == [false, true])
    }

    @Test("TCP: an address outside the unit's layout is an 'illegal data address' exception")
    func illegalAddress() throws {
        let server = try ModbusServer(endpoint: .tcp(host: "127.0.0.1", port: 0), units: [1: Self.layout]) { _ in
            ModbusReply(.serve(ModbusDataImage()))
        }
        defer { server.stop() }
        let client = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: server.port), unitID: 1, timeoutSeconds: 1)
        try client.connect()
        let error = #expect(throws: ModbusError.self) { try client.readRegisters(.holding, address: 15, count: 2) }
        #expect(error?.kind == .exception(code: 2))
        #expect(error?.message.contains("Illegal data address") == true)
        #expect(error?.requiresReconnect == false)
    }

    @Test(
        "TCP: injected faults surface as typed errors",
        arguments: [
            (ModbusReply(.exception(code: 4)), ModbusError.Kind.exception(code: 4)),
            (ModbusReply(.silence), .timeout),
            (ModbusReply(.serve(ModbusDataImage()), delaySeconds: 0.6), .timeout),
            (ModbusReply(.disconnect), .connection),
        ])
    func faults(reply: ModbusReply, expected: ModbusError.Kind) throws {
        let server = try ModbusServer(endpoint: .tcp(host: "127.0.0.1", port: 0), units: [1: Self.layout]) { _ in reply
        }
        defer { server.stop() }
        let client = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: server.port), unitID: 1, timeoutSeconds: 0.3)
        try client.connect()
        let error = #expect(throws: ModbusError.self) { try client.readRegisters(.holding, address: 0, count: 2) }
        if expected == .connection {
            // A closed socket shows up as a reset or as an empty read, depending on timing.
            #expect(error?.kind == .connection || error?.kind == .timeout)
        } else {
            #expect(error?.kind == expected)
        }
    }

    @Test("TCP: a unit the gateway does not serve answers 'gateway target failed to respond'")
    func unknownUnit() throws {
        let server = try ModbusServer(endpoint: .tcp(host: "127.0.0.1", port: 0), units: [1: Self.layout]) { _ in
            ModbusReply(.serve(ModbusDataImage()))
        }
        defer { server.stop() }
        let client = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: server.port), unitID: 9, timeoutSeconds: 1)
        try client.connect()
        let error = #expect(throws: ModbusError.self) { try client.readRegisters(.holding, address: 0, count: 1) }
        #expect(error?.kind == .exception(code: 11))
    }

    @Test("TCP: connecting to a closed port is a connection error with the system's message")
    func refused() throws {
        let server = try ModbusServer(endpoint: .tcp(host: "127.0.0.1", port: 0), units: [1: Self.layout]) { _ in
            ModbusReply(.silence)
        }
        let port = server.port
        server.stop()
        let client = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: port), unitID: 1, timeoutSeconds: 0.5)
        let error = #expect(throws: ModbusError.self) { try client.connect() }
        #expect(error?.kind == .connection)
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
    }

    @Test("RTU over a pseudo-terminal pair: registers read back exactly, other units are ignored")
    func rtuRoundTrip() throws {
        let line = try PseudoSerialLine()
        defer { line.close() }
        let image = Self.image()
        let server = try ModbusServer(
            endpoint: .rtu(device: line.serverPath, baud: 19200, parity: .even, dataBits: 8, stopBits: 1),
            units: [2: Self.layout]
        ) { _ in ModbusReply(.serve(image)) }
        defer { server.stop() }
        let transport = ModbusTransport.rtu(
            device: line.clientPath, baud: 19200, parity: .even, dataBits: 8, stopBits: 1)
        let client = try ModbusConnection(transport: transport, unitID: 2, timeoutSeconds: 1)
        try client.connect()
        let holding = try client.readRegisters(.holding, address: 0, count: 8)
        #expect(RegisterCodec.decode(holding[0..<2], as: .float32, order: .cdab) == 123456.0)
        #expect(RegisterCodec.decode(holding[4..<8], as: .float64, order: .dcba) == -1.5e-3)
        #expect(try client.readBits(.discrete, address: 10, count: 2) == [false, true])

        client.close()
        try client.connect()
        #expect(
            try client.readBits(.discrete, address: 10, count: 2) == [false, true], "reads again after reconnecting")
        client.close()

        let stranger = try ModbusConnection(transport: transport, unitID: 7, timeoutSeconds: 0.3)
        try stranger.connect()
        let error = #expect(throws: ModbusError.self) { try stranger.readRegisters(.holding, address: 0, count: 1) }
        #expect(error?.kind == .timeout)
    }
}
