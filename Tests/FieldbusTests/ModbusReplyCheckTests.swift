import TestSupport
import Testing

@testable import Fieldbus

@Suite("Modbus TCP replies are checked field by field")
struct ModbusReplyCheckTests {
    func connect(to server: CraftedModbusServer) throws -> ModbusConnection {
        let client = try ModbusConnection(
            transport: .tcp(host: "127.0.0.1", port: server.port), unitID: 2, timeoutSeconds: 5,
            deviceName: "furnace-b")
        try client.connect()
        return client
    }

    @Test("A correct reply is read, request after request")
    func correctReply() throws {
        let server = try CraftedModbusServer { CraftedReply().bytes(answering: $0) }
        defer { server.stop() }
        let client = try connect(to: server)
        #expect(try client.readRegisters(.holding, address: 0, count: 2) == [0x1234, 0x5678])
        #expect(try client.readRegisters(.input, address: 7, count: 1) == [0x1234])
    }

    @Test(
        "A reply with the right transaction id but a wrong header field is refused, naming device, unit and field",
        arguments: [
            (
                CraftedReply(unitID: 7, name: "unit id 7"),
                "reply's unit id is 7, expected 2"
            ),
            (
                CraftedReply(protocolID: 1, name: "protocol id 1"),
                "reply's protocol id is 1, expected 0 (Modbus)"
            ),
            (
                CraftedReply(protocolID: 0x0100, name: "protocol id 256"),
                "reply's protocol id is 256, expected 0 (Modbus)"
            ),
            (
                CraftedReply(lengthOffset: 4, name: "length 4 too long"),
                "reply's length field is 11 but 7 bytes followed it"
            ),
            (
                CraftedReply(lengthOffset: -1, name: "length 1 too short"),
                "reply's length field is 6 but 7 bytes followed it"
            ),
            (
                CraftedReply(transactionOffset: 1, name: "next transaction id"),
                "reply's transaction id is 2, expected 1"
            ),
        ])
    func wrongField(reply: CraftedReply, message: String) throws {
        let server = try CraftedModbusServer { reply.bytes(answering: $0) }
        defer { server.stop() }
        let client = try connect(to: server)
        let error = #expect(throws: ModbusError.self) { try client.readRegisters(.holding, address: 0, count: 2) }
        #expect(error?.kind == .invalidResponse)
        #expect(error?.message == message)
        #expect(error?.requiresReconnect == true)
        #expect(
            error?.description
                == "read holding registers 0..<2 from furnace-b, unit 2 at 127.0.0.1:\(server.port): \(message)")
    }

    @Test("Frame checks: a wrong function code, byte count and an undefined exception code are refused")
    func frameChecks() throws {
        let request = ModbusTCPFrame(transactionID: 9, unitID: 2, functionCode: 3, address: 0, count: 2)
        #expect(request.bytes == [0, 9, 0, 0, 0, 6, 2, 3, 0, 0, 0, 2])
        let good: [UInt8] = [0, 9, 0, 0, 0, 7, 2, 3, 4, 0x12, 0x34, 0x56, 0x78]
        #expect(Array(try request.data(of: good)) == [0x12, 0x34, 0x56, 0x78])
        #expect(throws: ModbusTCPFrame.Problem.functionCode(got: 4, expected: 3)) {
            try request.data(of: [0, 9, 0, 0, 0, 7, 2, 4, 4, 0x12, 0x34, 0x56, 0x78])
        }
        #expect(throws: ModbusTCPFrame.Problem.byteCount(got: 2, expected: 4)) {
            try request.data(of: [0, 9, 0, 0, 0, 5, 2, 3, 2, 0x12, 0x34])
        }
        #expect(throws: ModbusTCPFrame.Problem.exception(code: 2)) {
            try request.data(of: [0, 9, 0, 0, 0, 3, 2, 0x83, 2])
        }
        #expect(throws: ModbusTCPFrame.Problem.transactionID(got: 10, expected: 9)) {
            try request.data(of: [0, 10, 0, 0, 0, 7, 2, 3, 4, 0x12, 0x34, 0x56, 0x78])
        }
        #expect(throws: ModbusTCPFrame.Problem.tooShort(length: 7)) { try request.data(of: [0, 9, 0, 0, 0, 1, 2]) }
        let bits = ModbusTCPFrame(transactionID: 1, unitID: 1, functionCode: 1, address: 0, count: 9)
        #expect(bits.expectedByteCount == 2)
    }

    @Test("An exception reply with an undefined code is refused; a defined one is an exception")
    func exceptionCodes() throws {
        for (code, expected) in [(UInt8(4), ModbusError.Kind.exception(code: 4)), (UInt8(42), .invalidResponse)] {
            let server = try CraftedModbusServer { request in
                [request[0], request[1], 0, 0, 0, 3, request[6], request[7] | 0x80, code]
            }
            defer { server.stop() }
            let client = try connect(to: server)
            let error = #expect(throws: ModbusError.self) { try client.readBits(.coil, address: 0, count: 3) }
            #expect(error?.kind == expected)
        }
    }
}
