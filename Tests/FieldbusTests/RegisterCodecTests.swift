import Testing

@testable import Fieldbus

@Suite("Register codec")
struct RegisterCodecTests {
    @Test(
        "float32 123456.0 matches libmodbus's vectors in every order",
        arguments: [
            (WordOrder.abcd, [UInt16(0x47F1), 0x2000]),
            (.dcba, [0x0020, 0xF147]),
            (.badc, [0xF147, 0x0020]),
            (.cdab, [0x2000, 0x47F1]),
        ])
    func float32Vectors(order: WordOrder, registers: [UInt16]) {
        #expect(RegisterCodec.encode(123456.0, as: .float32, order: order) == registers)
        #expect(RegisterCodec.decode(registers, as: .float32, order: order) == 123456.0)
    }
}

@Suite("Register codec: every type and order")
struct RegisterCodecCoverageTests {
    @Test("32-bit integers in each order", arguments: WordOrder.allCases)
    func int32Orders(order: WordOrder) {
        // 0x01020304: bytes A=01 B=02 C=03 D=04.
        let expected: [UInt16] =
            switch order {
            case .abcd: [0x0102, 0x0304]
            case .badc: [0x0201, 0x0403]
            case .cdab: [0x0304, 0x0102]
            case .dcba: [0x0403, 0x0201]
            }
        #expect(RegisterCodec.encode(Double(0x0102_0304), as: .uint32, order: order) == expected)
        #expect(RegisterCodec.decode(expected, as: .uint32, order: order) == Double(0x0102_0304))
        #expect(RegisterCodec.decode(expected, as: .int32, order: order) == Double(0x0102_0304))
    }

    @Test("float64 1.0 (0x3FF0000000000000) in each order", arguments: WordOrder.allCases)
    func float64Orders(order: WordOrder) {
        let expected: [UInt16] =
            switch order {
            case .abcd: [0x3FF0, 0, 0, 0]
            case .badc: [0xF03F, 0, 0, 0]
            case .cdab: [0, 0, 0, 0x3FF0]
            case .dcba: [0, 0, 0, 0xF03F]
            }
        #expect(RegisterCodec.encode(1.0, as: .float64, order: order) == expected)
        #expect(RegisterCodec.decode(expected, as: .float64, order: order) == 1.0)
    }

    @Test("16-bit values: signed, unsigned and byte-swapped")
    func sixteenBit() {
        #expect(RegisterCodec.decode([0xFFFF], as: .int16, order: .abcd) == -1)
        #expect(RegisterCodec.decode([0xFFFF], as: .uint16, order: .abcd) == 65535)
        #expect(RegisterCodec.decode([0x0080], as: .int16, order: .badc) == -32768)
        #expect(RegisterCodec.encode(-32768, as: .int16, order: .badc) == [0x0080])
        #expect(RegisterCodec.encode(70000, as: .uint16, order: .abcd) == [0xFFFF], "clamped")
        #expect(RegisterCodec.decode([0x0000], as: .bool, order: .abcd) == 0)
        #expect(RegisterCodec.decode([0x0100], as: .bool, order: .abcd) == 1)
    }

    @Test("Round trip of representative values for every type and allowed order")
    func roundTrips() {
        let samples: [ValueType: [Double]] = [
            .int16: [-32768, -1, 0, 1, 32767], .uint16: [0, 1, 65535],
            .int32: [-2_147_483_648, -1, 0, 2_147_483_647], .uint32: [0, 4_294_967_295],
            .float32: [0, -0.5, 1013.25, Double(Float.greatestFiniteMagnitude)],
            .float64: [0, -1e-300, 3.141592653589793, 1e300], .bool: [0, 1],
        ]
        for (type, values) in samples {
            for order in type.allowedOrders {
                for value in values {
                    let registers = RegisterCodec.encode(value, as: type, order: order)
                    #expect(registers.count == type.registerCount)
                    #expect(
                        RegisterCodec.decode(registers, as: type, order: order) == value, "\(type) \(order) \(value)")
                }
            }
        }
        let nan = RegisterCodec.decode(
            RegisterCodec.encode(.nan, as: .float32, order: .abcd), as: .float32, order: .abcd)
        #expect(nan.isNaN)
    }
}
