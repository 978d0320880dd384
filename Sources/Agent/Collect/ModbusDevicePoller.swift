import Fieldbus
public import Plant
import Support

/// Reads one Modbus device, on its own thread: a libmodbus context blocks for up to its timeout and is not
/// thread-safe, so each device gets a dedicated thread and no device's timeout can stall another or the agent.
///
/// It merges the device's signals into as few requests as the read plan allows, reconnects after connection
/// failures with capped exponential backoff, and turns every failure into missing readings with their reason.
public actor ModbusDevicePoller {
    public let device: DeviceFile
    public let plan: ReadPlan
    private let executor: DedicatedThreadExecutor
    private let transport: ModbusTransport
    private let unitID: Int
    private let timeoutSeconds: Double
    private var connection: ModbusConnection?
    private var backoff: ReconnectBackoff
    private var lastConnectionError: ModbusError?
    private var validator: SignalValidator

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// - Parameter device: a Modbus TCP or RTU device (precondition).
    public init(device: DeviceFile, backoff: ReconnectBackoff? = nil) {
        self.device = device
        plan = ReadPlan(signals: device.signals)
        switch device.connection {
        case .modbusTCP(let endpoint):
            transport = .tcp(host: endpoint.host, port: endpoint.port)
            unitID = endpoint.unitID
            timeoutSeconds = endpoint.timeoutSeconds
        case .modbusRTU(let endpoint):
            transport = .rtu(
                device: endpoint.device, baud: endpoint.baud, parity: endpoint.parity.transportParity,
                dataBits: endpoint.dataBits, stopBits: endpoint.stopBits)
            unitID = endpoint.unitID
            timeoutSeconds = endpoint.timeoutSeconds
        case .mqtt:
            preconditionFailure("\(device.id) is not a Modbus device")
        }
        self.backoff = backoff ?? ReconnectBackoff(jitterSeed: UInt64(truncatingIfNeeded: device.id.hashValue))
        validator = SignalValidator(device: device.id)
        executor = DedicatedThreadExecutor(name: "modbus \(device.id)")
    }

    deinit {
        // The connection closes itself when released; the thread exits once its last job ran.
        executor.shutdown()
    }

    /// Polls every signal once, stamped with the plant time the poll began on the device's own thread — when the
    /// values were read, not when the poll was due (a late poll is stored as late as it was).
    public func poll(using clock: any PlantClock) -> [Reading] { poll(at: clock.now()) }

    /// Polls every signal once and returns one reading per signal, in device-file order.
    /// - Parameter time: the plant time to stamp the readings with.
    public func poll(at time: Int64) -> [Reading] { pollRecordingWords(at: time).map(\.reading) }

    /// One signal of a poll with what came off the wire for it (`hearth poll`).
    public struct WireReading: Sendable {
        /// The reading, as the agent stores it.
        public var reading: Reading
        /// Where it was read: table, first address, type and word order.
        public var location: RegisterLocation?
        /// The signal's registers as received, or its bit as 0 or 1; empty when the read failed.
        public var words: [UInt16]
    }

    /// Polls every signal once, as ``poll(at:)`` does, keeping each signal's raw registers beside its reading.
    public func pollRecordingWords(at time: Int64) -> [WireReading] {
        var byName: [String: Reading] = [:]
        var wordsByName: [String: [UInt16]] = [:]
        var locations: [String: RegisterLocation] = [:]
        for read in plan.reads {
            for member in read.members { locations[member.name] = member.location }
        }
        func result() -> [WireReading] {
            device.signals.compactMap { signal in
                byName[signal.name].map {
                    WireReading(reading: $0, location: locations[signal.name], words: wordsByName[signal.name] ?? [])
                }
            }
        }
        let signals = Dictionary(device.signals.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        if let failure = connectIfNeeded(at: time) {
            for signal in device.signals {
                byName[signal.name] = validator.missing(signal, status: .disconnected, detail: failure, at: time)
            }
            return result()
        }
        var abandoned: ModbusError?
        for read in plan.reads {
            guard let connection, abandoned == nil else {
                let error =
                    abandoned
                    ?? ModbusError(kind: .connection, errno: 0, message: "not connected", operation: "\(transport)")
                for member in read.members {
                    guard let signal = signals[member.name] else { continue }
                    byName[member.name] = missing(signal, error: error, at: time)
                }
                continue
            }
            do throws(ModbusError) {
                let words: [UInt16]
                var bits: [Bool] = []
                if read.table.isBitTable {
                    bits = try connection.readBits(read.table, address: read.startAddress, count: read.count)
                    words = []
                } else {
                    words = try connection.readRegisters(read.table, address: read.startAddress, count: read.count)
                }
                for member in read.members {
                    guard let signal = signals[member.name] else { continue }
                    let raw: Double
                    if read.table.isBitTable {
                        raw = bits[member.offset] ? 1 : 0
                        wordsByName[member.name] = [bits[member.offset] ? 1 : 0]
                    } else {
                        let slice = words[member.offset..<(member.offset + member.location.type.registerCount)]
                        raw = RegisterCodec.decode(slice, as: member.location.type, order: member.location.order)
                        wordsByName[member.name] = Array(slice)
                    }
                    byName[member.name] = validator.reading(for: signal, raw: raw, at: time)
                }
            } catch {
                for member in read.members {
                    guard let signal = signals[member.name] else { continue }
                    byName[member.name] = missing(signal, error: error, at: time)
                }
                if error.requiresReconnect {
                    // Timeouts, malformed answers and lost links leave the line in an unknown state: start afresh
                    // next poll, and do not make the remaining reads each wait a full timeout for nothing.
                    if case .rtu = transport { connection.flush() }
                    connection.close()
                    self.connection = nil
                    abandoned = error
                }
            }
        }
        return result()
    }

    /// Closes the connection (the next poll reconnects).
    public func disconnect() {
        connection?.close()
        connection = nil
    }

    /// Connects when needed; returns why there is no connection, if there is none.
    private func connectIfNeeded(at time: Int64) -> String? {
        if connection != nil { return nil }
        guard backoff.mayAttempt(at: time) else {
            let wait = Double(backoff.nextAttempt - time) / 1000
            return "reconnecting to \(transport) in \(String(format1: wait)) s"
                + (lastConnectionError.map { " (last error: \($0.message))" } ?? "")
        }
        do {
            let opened = try ModbusConnection(
                transport: transport, unitID: unitID, timeoutSeconds: timeoutSeconds, deviceName: device.id)
            try opened.connect()
            connection = opened
            backoff.recordSuccess()
            lastConnectionError = nil
            return nil
        } catch {
            backoff.recordFailure(at: time)
            lastConnectionError = error
            return "\(error.description); next attempt in \(String(format1: backoff.currentDelaySeconds)) s"
        }
    }

    private func missing(_ signal: SignalDefinition, error: ModbusError, at time: Int64) -> Reading {
        let status: ReadingStatus =
            switch error.kind {
            case .timeout: .timeout
            case .exception: .exception
            case .connection: .disconnected
            case .invalidResponse, .request: .invalidResponse
            }
        var detail = error.description
        if case .exception(let code) = error.kind {
            detail += " (exception \(code): \(ModbusError.exceptionName(code)))"
        }
        return validator.missing(signal, status: status, detail: detail, at: time)
    }
}

extension String {
    /// A number with one decimal.
    init(format1 value: Double) {
        let tenths = Int64((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
