/// A Modbus TCP read request and the checks of its reply's MBAP header and PDU.
///
/// libmodbus compares only the transaction id of a TCP reply with its request: it accepts any unit id, a protocol
/// id with one zero byte, and any length field, so a gateway that answers for the wrong unit would be read as the
/// right one. ``ModbusConnection`` therefore sends TCP reads itself and checks every field of the reply here.
struct ModbusTCPFrame: Sendable, Equatable {
    /// The function code of each read.
    static func functionCode(for table: RegisterTable) -> UInt8 {
        switch table {
        case .coil: 1
        case .discrete: 2
        case .holding: 3
        case .input: 4
        }
    }

    var transactionID: UInt16
    var unitID: UInt8
    var functionCode: UInt8
    var address: UInt16
    var count: UInt16

    /// The 12 bytes of the request: MBAP header (transaction, protocol 0, length 6, unit) and the read PDU.
    var bytes: [UInt8] {
        [
            UInt8(transactionID >> 8), UInt8(transactionID & 0xFF), 0, 0, 0, 6, unitID, functionCode,
            UInt8(address >> 8), UInt8(address & 0xFF), UInt8(count >> 8), UInt8(count & 0xFF),
        ]
    }

    /// How many data bytes a correct reply carries: two per register, one per eight bits.
    var expectedByteCount: Int {
        functionCode <= 2 ? (Int(count) + 7) / 8 : Int(count) * 2
    }

    /// Why a reply is not the answer to this request.
    enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case tooShort(length: Int)
        case transactionID(got: UInt16, expected: UInt16)
        case protocolID(got: UInt16)
        case length(field: Int, following: Int)
        case unitID(got: UInt8, expected: UInt8)
        case functionCode(got: UInt8, expected: UInt8)
        case byteCount(got: Int, expected: Int)
        /// A well-formed exception reply (function code + 0x80) with this exception code; the connection turns a
        /// defined code (1...11) into an exception error and refuses any other.
        case exception(code: Int)

        var description: String {
            switch self {
            case .tooShort(let length): "reply of \(length) bytes is shorter than an MBAP header and a function code"
            case .transactionID(let got, let expected): "reply's transaction id is \(got), expected \(expected)"
            case .protocolID(let got): "reply's protocol id is \(got), expected 0 (Modbus)"
            case .length(let field, let following):
                "reply's length field is \(field) but \(following) bytes followed it"
            case .unitID(let got, let expected): "reply's unit id is \(got), expected \(expected)"
            case .functionCode(let got, let expected): "reply's function code is \(got), expected \(expected)"
            case .byteCount(let got, let expected): "reply's byte count is \(got), expected \(expected)"
            case .exception(let code): "reply's exception code is \(code), which Modbus does not define"
            }
        }
    }

    /// Checks a whole reply against this request and returns its data bytes.
    /// - Parameter reply: the reply's bytes from its MBAP header on, as framed by its function code and byte count.
    /// - Throws: the first field that does not match, in header order.
    func data(of reply: [UInt8]) throws(Problem) -> ArraySlice<UInt8> {
        guard reply.count >= 8 else { throw .tooShort(length: reply.count) }
        let transaction = UInt16(reply[0]) << 8 | UInt16(reply[1])
        guard transaction == transactionID else { throw .transactionID(got: transaction, expected: transactionID) }
        let protocolID = UInt16(reply[2]) << 8 | UInt16(reply[3])
        guard protocolID == 0 else { throw .protocolID(got: protocolID) }
        let length = Int(reply[4]) << 8 | Int(reply[5])
        guard length == reply.count - 6 else { throw .length(field: length, following: reply.count - 6) }
        guard reply[6] == unitID else { throw .unitID(got: reply[6], expected: unitID) }
        let function = reply[7]
        if function == functionCode | 0x80, reply.count == 9 {
            throw .exception(code: Int(reply[8]))
        }
        guard function == functionCode else { throw .functionCode(got: function, expected: functionCode) }
        let byteCount = reply.count > 8 ? Int(reply[8]) : 0
        guard byteCount == expectedByteCount, reply.count == 9 + byteCount else {
            throw .byteCount(got: byteCount, expected: expectedByteCount)
        }
        return reply[9...]
    }
}
