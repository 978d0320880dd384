import Foundation
import Glibc

/// A Modbus TCP server on a loopback port that answers each 12-byte request with whatever bytes the test crafts,
/// so replies libmodbus's own server would never send can reach the client.
public final class CraftedModbusServer: Sendable {
    public let port: Int
    private let listener: Int32

    /// Listens on 127.0.0.1 at a free port and serves one connection at a time on a thread of its own.
    public init(reply: @escaping @Sendable (_ request: [UInt8]) -> [UInt8]) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw CraftedServerError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 4) == 0 else {
            close(socket)
            throw CraftedServerError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = socket
        Thread.detachNewThread {
            while true {
                let connection = accept(socket, nil, nil)
                guard connection >= 0 else {
                    // Shut down: only now is the descriptor closed, so its number cannot be reused by another
                    // server while this thread might still accept on it.
                    close(socket)
                    return
                }
                Self.serve(connection, reply: reply)
                close(connection)
            }
        }
    }

    private static func serve(_ connection: Int32, reply: ([UInt8]) -> [UInt8]) {
        while true {
            var request = [UInt8](repeating: 0, count: 12)
            var received = 0
            while received < request.count {
                let rc = request.withUnsafeMutableBytes {
                    recv(connection, $0.baseAddress! + received, $0.count - received, 0)
                }
                guard rc > 0 else { return }
                received += rc
            }
            let answer = reply(request)
            let sent = answer.withUnsafeBytes { send(connection, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == answer.count else { return }
        }
    }

    /// Stops accepting; the serving thread closes the listener and ends once its connection is closed.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}

/// Why a crafted server could not listen.
public struct CraftedServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A correct reply to a read-registers request, with one header field changed as a test asks.
public struct CraftedReply: Sendable, CustomStringConvertible {
    public var transactionOffset: UInt16 = 0
    public var protocolID: UInt16 = 0
    public var lengthOffset = 0
    public var unitID: UInt8?
    public var name = "correct"

    public var description: String { name }

    public init(
        transactionOffset: UInt16 = 0, protocolID: UInt16 = 0, lengthOffset: Int = 0, unitID: UInt8? = nil,
        name: String = "correct"
    ) {
        self.transactionOffset = transactionOffset
        self.protocolID = protocolID
        self.lengthOffset = lengthOffset
        self.unitID = unitID
        self.name = name
    }

    /// Answers with registers 0x1234, 0x5678, ... for the count asked.
    public func bytes(answering request: [UInt8]) -> [UInt8] {
        let transaction = (UInt16(request[0]) << 8 | UInt16(request[1])) &+ transactionOffset
        let count = Int(request[10]) << 8 | Int(request[11])
        var data: [UInt8] = []
        for index in 0..<count {
            let word = UInt16(0x1234 &+ 0x4444 &* UInt16(index))
            data += [UInt8(word >> 8), UInt8(word & 0xFF)]
        }
        let length = 3 + data.count + lengthOffset
        return [
            UInt8(transaction >> 8), UInt8(transaction & 0xFF), UInt8(protocolID >> 8), UInt8(protocolID & 0xFF),
            UInt8(length >> 8), UInt8(length & 0xFF), unitID ?? request[6], request[7], UInt8(data.count),
        ] + data
    }
}
