import Agent
import Plant
import Support
import Synchronization
import TestSupport
import Testing

@testable import Fieldbus

/// Register decoding and the checks of a Modbus TCP reply: whatever a PLC or gateway sends, a value is decoded
/// without trapping, and only a reply whose every header field answers the request counts as data.
@Suite("Probe: Modbus decoding and reply checks")
struct ModbusProbeTests {
    @Test("Random registers decode as every type in every word order without trapping, and integers round-trip")
    func registers() {
        var random = SeededGenerator(seed: 502)
        for _ in 0..<3000 {
            let registers = (0..<4).map { _ in UInt16(truncatingIfNeeded: random.next()) }
            for type in ValueType.allCases {
                for order in WordOrder.allCases {
                    let words = registers.prefix(type.registerCount)
                    let value = RegisterCodec.decode(words, as: type, order: order)
                    switch type {
                    case .float32, .float64:
                        if !value.isNaN { #expect(RegisterCodec.encode(value, as: type, order: order) == Array(words)) }
                    case .bool:
                        #expect(value == 0 || value == 1)
                    default:
                        #expect(value.isFinite && value == value.rounded())
                        #expect(RegisterCodec.encode(value, as: type, order: order) == Array(words))
                    }
                    // Values from a device reach the encoder too (the simulator, `hearth poll`): never a trap.
                    for extreme in [Double.nan, .infinity, -.infinity, 1e19, -1e19, 1e308] {
                        _ = RegisterCodec.encode(extreme, as: type, order: order)
                    }
                }
            }
        }
    }

    @Test("10,000 mutated replies: data only when every field answers the request, else the field that does not")
    func replies() {
        var random = SeededGenerator(seed: 1502)
        var mutator = InputMutator(seed: 2502)
        var accepted = 0
        var refused = 0
        for _ in 0..<10_000 {
            let table = RegisterTable.allCases[random.uniform(below: RegisterTable.allCases.count)]
            let functionCode = ModbusTCPFrame.functionCode(for: table)
            let request = ModbusTCPFrame(
                transactionID: UInt16(truncatingIfNeeded: random.next()), unitID: UInt8(random.uniform(below: 256)),
                functionCode: functionCode, address: UInt16(truncatingIfNeeded: random.next()),
                count: UInt16(1 + random.uniform(below: table.isBitTable ? 2000 : 125)))
            let correct = Self.reply(to: request, random: &random)
            let reply = random.uniform(below: 8) == 0 ? correct : mutator.mutate(correct)
            do {
                let data = try request.data(of: reply)
                accepted += 1
                #expect(data.count == request.expectedByteCount)
                #expect(Array(reply.prefix(9)) == Array(correct.prefix(9)), "a reply with another header was taken")
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
                #expect(reply != correct, "a correct reply was refused: \(error)")
            }
        }
        #expect(accepted > 1000 && refused > 3000)
    }

    @Test("Polling a server that sends mutated replies stores values only from replies that answer the request")
    func pollMutatedReplies() async throws {
        let state = Mutex(
            (
                mutator: InputMutator(seed: 3502), random: SeededGenerator(seed: 3503), lastWasCorrect: true,
                last: [UInt8]()
            ))
        let server = try CraftedModbusServer { request in
            let correct = CraftedReply().bytes(answering: request)
            return state.withLock { state in
                let mutate = state.random.uniform(below: 3) != 0
                let reply = mutate ? state.mutator.mutate(correct) : correct
                // A mutant that changed only register data, or added bytes after a whole reply, still answers.
                state.lastWasCorrect = reply.count >= correct.count && reply.prefix(9) == correct.prefix(9)
                state.last = reply
                return reply
            }
        }
        defer { server.stop() }
        let device = DeviceFile(
            id: "furnace-b", kind: "esr-furnace", name: "B",
            connection: .modbusTCP(
                ModbusTCPEndpoint(host: "127.0.0.1", port: server.port, unitID: 2, timeoutSeconds: 0.03)),
            pollIntervalSeconds: 1,
            signals: [
                SignalDefinition(
                    name: "chamber_pressure",
                    source: .register(RegisterLocation(table: .holding, address: 0, type: .float32))),
                SignalDefinition(
                    name: "valve_position",
                    source: .register(RegisterLocation(table: .holding, address: 2, type: .uint16))),
            ])
        let poller = ModbusDevicePoller(device: device)
        var ok = 0
        for step in 0..<80 {
            // An hour of plant time between polls: the reconnection backoff never holds a poll back.
            let readings = await poller.poll(at: Int64(step) * 3_600_000)
            #expect(readings.count == 2)
            if readings.contains(where: { $0.status == .ok || $0.status == .notANumber || $0.status == .outOfRange }) {
                ok += 1
                let (correct, last) = state.withLock { ($0.lastWasCorrect, $0.last) }
                #expect(correct, "poll \(step): \(readings) from a reply that does not answer: \(last.prefix(40))")
            } else {
                #expect(readings.allSatisfy { $0.value == nil && $0.detail?.isEmpty == false })
            }
        }
        #expect(ok > 5)
    }

    /// A well-formed reply to `request` with random data.
    static func reply(to request: ModbusTCPFrame, random: inout SeededGenerator) -> [UInt8] {
        let data = (0..<request.expectedByteCount).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let length = 3 + data.count
        return [
            UInt8(request.transactionID >> 8), UInt8(request.transactionID & 0xFF), 0, 0, UInt8(length >> 8),
            UInt8(length & 0xFF), request.unitID, request.functionCode, UInt8(data.count),
        ] + data
    }
}
