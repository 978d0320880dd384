internal import CMosquitto
import Glibc
import Synchronization

/// An MQTT client over libmosquitto, with its own network thread.
///
/// It reconnects by itself with capped exponential backoff, subscribes again after every reconnection, publishes
/// ``MQTTOptions/birth`` (retained) on every connection and leaves ``MQTTOptions/will`` with the broker for when it
/// vanishes. ``publish(_:)`` returns once the broker acknowledged the message (PUBACK for QoS 1).
///
/// The network thread is the client's own (libmosquitto's `mosquitto_loop` in a loop), not `mosquitto_loop_start`,
/// so that every connection attempt, its failure and the wait before the next one can be reported
/// (``connectionEvents``): libmosquitto's own thread retries silently.
public final class MQTTClient: Sendable {
    private let core: MQTTCore
    public let options: MQTTOptions

    /// Messages received on the subscribed topics, in arrival order.
    public let messages: AsyncStream<MQTTMessage>

    /// Every change of the connection, in order, for one reader (the newest 1,000 are kept for a slow one).
    public let connectionEvents: AsyncStream<MQTTConnectionEvent>

    /// Creates the client and applies credentials, TLS and the will; does not connect.
    /// - Throws: `MQTTError` when libmosquitto rejects an option (unreadable TLS file, bad will topic).
    public init(options: MQTTOptions) throws(MQTTError) {
        MQTTCore.initialiseLibrary
        self.options = options
        let (stream, continuation) = AsyncStream.makeStream(
            of: MQTTMessage.self, bufferingPolicy: .bufferingNewest(10_000))
        messages = stream
        let (events, eventContinuation) = AsyncStream.makeStream(
            of: MQTTConnectionEvent.self, bufferingPolicy: .bufferingNewest(1_000))
        connectionEvents = events
        core = try MQTTCore(options: options, messages: continuation, events: eventContinuation)
    }

    deinit { core.shutdown(disconnectCleanly: true) }

    /// Starts connecting in the background; returns immediately. See ``waitUntilConnected(timeoutSeconds:)``.
    public func start() throws(MQTTError) { try core.start() }

    /// Waits until the client is connected, polling every 10 ms.
    /// - Returns: `false` if it did not connect within the timeout.
    public func waitUntilConnected(timeoutSeconds: Double) async -> Bool {
        let deadline = monotonicSeconds() + timeoutSeconds
        while monotonicSeconds() < deadline {
            if isConnected { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return isConnected
    }

    /// Whether the broker has accepted the connection and it has not been lost since.
    public var isConnected: Bool { core.isConnected }

    /// The reason of the last refused or lost connection, if any.
    public var lastConnectionError: MQTTError? { core.lastConnectionError }

    /// The latest change of the connection, for status reports (``connectionEvents`` has them all).
    public var lastConnectionEvent: MQTTConnectionEvent? { core.lastConnectionEvent }

    /// Whether the broker has kept dropping this client right after accepting it (see
    /// ``MQTTConnectionEvent/clientIDClash(clientID:broker:shortConnections:withinSeconds:)``), until a connection
    /// lasts.
    public var hasClientIDClash: Bool { core.hasClientIDClash }

    /// Subscribes to a topic filter now (if connected) and again after every reconnection.
    public func subscribe(_ topicFilter: String, qos: Int = 1) throws(MQTTError) {
        try core.subscribe(topicFilter, qos: qos)
    }

    /// Publishes a message and returns once the broker acknowledged it (QoS 1 and 2) or it was written (QoS 0).
    ///
    /// While the broker is unreachable, libmosquitto keeps QoS 1 and 2 messages in memory and sends them after
    /// reconnecting; this call then waits. Callers that must not wait forever race it against a timeout; messages
    /// that must survive a restart of the agent belong in its outbox.
    /// - Throws: `MQTTError` for QoS 0 while disconnected, or when libmosquitto refuses the message (too large).
    public func publish(_ message: MQTTMessage) async throws(MQTTError) {
        try await core.publishAndWait(message)
    }

    /// Disconnects cleanly: the broker does not publish the will. Call ``start()`` to connect again.
    public func disconnect() { core.shutdown(disconnectCleanly: true) }

    /// Drops the connection without a DISCONNECT packet, as a crash would, so the broker publishes the will
    /// (for tests of the will and of subscribers' handling of a vanished agent).
    public func kill() { core.shutdown(disconnectCleanly: false) }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Owns the libmosquitto handle and the state its callbacks share with callers.
private final class MQTTCore: Sendable {
    static let initialiseLibrary: Void = { _ = mosquitto_lib_init() }()

    /// A connection the broker drops sooner than this after accepting it counts towards a client-id clash.
    static let shortConnectionSeconds = 5.0
    /// This many short connections in a row are reported as a clash.
    static let clashAfterShortConnections = 3

    private struct State: ~Copyable {
        var connected = false
        var running = false
        var thread: pthread_t?
        /// Connection attempts since the last accepted connection.
        var attempts = 0
        /// When (monotonic seconds) the broker last accepted the connection.
        var connectedAt: Double?
        /// Connections in a row that the broker dropped within ``MQTTCore/shortConnectionSeconds``.
        var shortConnections = 0
        var clash = false
        var lastEvent: MQTTConnectionEvent?
        var lastError: MQTTError?
        /// Why the broker last refused a connection (CONNACK), kept until a connection succeeds.
        var refusal: MQTTError?
        var subscriptions: [String: Int] = [:]
        var waiting: [Int32: CheckedContinuation<Void, any Error>] = [:]
        var acknowledgedEarly: Set<Int32> = []
    }

    // nonisolated(unsafe): the handle is used only through libmosquitto calls that are safe alongside its own network
    // thread (`mosquitto_loop_start`), and is freed once, in deinit, after that thread stopped.
    private nonisolated(unsafe) let handle: OpaquePointer
    private let state = Mutex(State())
    private let messages: AsyncStream<MQTTMessage>.Continuation
    private let events: AsyncStream<MQTTConnectionEvent>.Continuation
    /// A pipe whose write end wakes the network thread from its wait between two connection attempts.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    let options: MQTTOptions
    private var broker: String { "\(options.host):\(options.port)" }

    init(
        options: MQTTOptions, messages: AsyncStream<MQTTMessage>.Continuation,
        events: AsyncStream<MQTTConnectionEvent>.Continuation
    ) throws(MQTTError) {
        self.options = options
        self.messages = messages
        self.events = events
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
            }
        } else {
            ends = [-1, -1]
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        guard let created = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            throw MQTTError(code: MOSQ_ERR_NOMEM.rawValue, message: Self.errnoText(), operation: "create MQTT client")
        }
        handle = created
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        // Every stored property is set, so if this throws, deinit runs and frees the handle (exactly once).
        try configure()
    }

    deinit {
        mosquitto_destroy(handle)
        messages.finish()
        events.finish()
        if wakeRead >= 0 { close(wakeRead) }
        if wakeWrite >= 0 { close(wakeWrite) }
    }

    private func configure() throws(MQTTError) {
        let options = self.options
        try check(
            mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(MQTT_PROTOCOL_V311)),
            "select MQTT 3.1.1")
        // The network thread is ours (runNetwork), and other threads publish and subscribe.
        try check(mosquitto_threaded_set(handle, true), "declare the MQTT client threaded")
        if let username = options.username {
            try check(mosquitto_username_pw_set(handle, username, options.password), "set credentials")
        }
        if let tls = options.tls {
            try check(
                mosquitto_tls_set(
                    handle, tls.caFile, tls.caFile == nil ? "/etc/ssl/certs" : nil, tls.certFile, tls.keyFile, nil),
                "load TLS files (ca \(tls.caFile ?? "/etc/ssl/certs")\(tls.certFile.map { ", cert \($0)" } ?? ""))")
            try check(mosquitto_tls_insecure_set(handle, tls.insecure), "set TLS host verification")
        }
        if let will = options.will {
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set(
                    handle, will.topic, Int32(bytes.count), bytes.baseAddress, Int32(will.qos), will.retain)
            }
            try check(rc, "set will on \(will.topic)")
        }
        mosquitto_connect_callback_set(handle) { _, object, reason in
            MQTTCore.from(object)?.didConnect(reason: reason)
        }
        mosquitto_disconnect_callback_set(handle) { _, object, reason in
            MQTTCore.from(object)?.didDisconnect(reason: reason)
        }
        mosquitto_publish_callback_set(handle) { _, object, messageID in
            MQTTCore.from(object)?.didAcknowledge(messageID)
        }
        mosquitto_log_callback_set(handle) { _, object, level, text in
            guard level == MOSQ_LOG_ERR, let text else { return }
            MQTTCore.from(object)?.didLogError(String(cString: text))
        }
        mosquitto_message_callback_set(handle) { _, object, message in
            guard let core = MQTTCore.from(object), let message else { return }
            core.didReceive(message.pointee)
        }
    }

    private static func from(_ object: UnsafeMutableRawPointer?) -> MQTTCore? {
        object.map { Unmanaged<MQTTCore>.fromOpaque($0).takeUnretainedValue() }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func text(for code: Int32) -> String {
        code == MOSQ_ERR_ERRNO.rawValue ? errnoText() : String(cString: mosquitto_strerror(code))
    }

    /// A failed TLS handshake in words, with OpenSSL's reason from libmosquitto's log line
    /// (`OpenSSL Error[0]: error:0A000086:SSL routines::certificate verify failed`).
    private static func tlsText(logLine: String) -> String {
        let text = Self.text(for: MOSQ_ERR_TLS.rawValue)
        guard let reason = logLine.split(separator: ":").last else { return text }
        return "\(text.hasSuffix(".") ? String(text.dropLast()) : text): \(reason)"
    }

    private func check(_ code: Int32, _ operation: String) throws(MQTTError) {
        guard code == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(code: code, message: Self.text(for: code), operation: operation)
        }
    }

    var isConnected: Bool { state.withLock { $0.connected } }
    var lastConnectionError: MQTTError? { state.withLock { $0.refusal ?? $0.lastError } }
    var lastConnectionEvent: MQTTConnectionEvent? { state.withLock { $0.lastEvent } }
    var hasClientIDClash: Bool { state.withLock { $0.clash } }

    private func emit(_ event: MQTTConnectionEvent) {
        state.withLock { $0.lastEvent = event }
        events.yield(event)
    }

    func start() throws(MQTTError) {
        let alreadyRunning = state.withLock { state in
            defer { state.running = true }
            return state.running
        }
        if alreadyRunning { return }
        state.withLock {
            $0.lastError = nil
            $0.attempts = 0
        }
        // Drain a wake-up left from a previous stop.
        var byte: UInt8 = 0
        while wakeRead >= 0, read(wakeRead, &byte, 1) > 0 {}
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let core = Unmanaged<MQTTCore>.fromOpaque(raw!).takeRetainedValue()
                core.runNetwork()
                return nil
            }, box)
        guard rc == 0 else {
            Unmanaged<MQTTCore>.fromOpaque(box).release()
            state.withLock { $0.running = false }
            throw MQTTError(
                code: MOSQ_ERR_ERRNO.rawValue, message: String(cString: strerror(rc)),
                operation: "start MQTT network thread")
        }
        state.withLock { $0.thread = thread }
    }

    var isRunning: Bool { state.withLock { $0.running } }

    /// The network thread: connects, runs libmosquitto's loop while connected, and after a failed attempt or a
    /// lost connection waits with capped exponential backoff (reset by every accepted connection) before the next.
    private func runNetwork() {
        let first = max(1, options.reconnectDelaySeconds.first)
        let maximum = max(first, options.reconnectDelaySeconds.maximum)
        var delay = first
        var socketOpen = false
        var initialised = false
        while isRunning {
            if !socketOpen {
                let attempt = state.withLock { state -> Int in
                    state.attempts += 1
                    return state.attempts
                }
                let rc =
                    initialised
                    ? mosquitto_reconnect_async(handle)
                    : mosquitto_connect_async(
                        handle, options.host, Int32(options.port), Int32(options.keepaliveSeconds))
                initialised = true
                if rc == MOSQ_ERR_SUCCESS.rawValue {
                    socketOpen = true
                } else {
                    let error = MQTTError(code: rc, message: Self.text(for: rc), operation: "connect to \(broker)")
                    let reported = state.withLock { state -> MQTTError in
                        // A failed TLS handshake was recorded, with OpenSSL's reason, as libmosquitto logged it; the
                        // code returned after it (a protocol error, say) says less.
                        if state.lastError?.code != MOSQ_ERR_TLS.rawValue { state.lastError = error }
                        return state.refusal ?? state.lastError ?? error
                    }
                    guard isRunning else { break }
                    emit(.retrying(attempt: attempt + 1, inSeconds: delay, after: reported))
                    pause(seconds: delay)
                    delay = min(maximum, delay * 2)
                    continue
                }
            }
            let rc = mosquitto_loop(handle, 1000, 1)
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                if isConnected {
                    delay = first
                    forgetShortConnectionsIfLasting()
                }
                continue
            }
            socketOpen = false
            guard isRunning else { break }
            // Lost, refused or never made: the callbacks recorded why.
            let (attempts, reason) = state.withLock { ($0.attempts, $0.refusal ?? $0.lastError) }
            emit(.retrying(attempt: attempts + 1, inSeconds: delay, after: reason))
            pause(seconds: delay)
            delay = min(maximum, delay * 2)
        }
        // Stopping: let libmosquitto write the DISCONNECT asked for (or notice the cut socket) before the thread
        // ends, so a clean stop leaves no will behind.
        var rounds = 0
        while mosquitto_socket(handle) >= 0, rounds < 20 {
            if mosquitto_loop(handle, 100, 1) != MOSQ_ERR_SUCCESS.rawValue { break }
            rounds += 1
        }
    }

    /// A connection that has lasted ends any run of short ones (and a clash they showed).
    private func forgetShortConnectionsIfLasting() {
        state.withLock { state in
            guard state.shortConnections > 0 || state.clash, let since = state.connectedAt,
                monotonicSeconds() - since >= Self.shortConnectionSeconds
            else { return }
            state.shortConnections = 0
            state.clash = false
        }
    }

    /// Waits between two connection attempts; ``shutdown(disconnectCleanly:)`` ends the wait at once.
    private func pause(seconds: Int) {
        guard wakeRead >= 0 else { return }
        var descriptor = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(seconds * 1000))
    }

    func shutdown(disconnectCleanly: Bool) {
        let (wasRunning, thread) = state.withLock { state in
            defer {
                state.running = false
                state.thread = nil
            }
            return (state.running, state.thread)
        }
        guard wasRunning else { return }
        if !disconnectCleanly {
            // Cutting the socket first means the DISCONNECT below never reaches the broker.
            let socket = mosquitto_socket(handle)
            if socket >= 0 { Glibc.shutdown(socket, Int32(SHUT_RDWR)) }
        }
        mosquitto_disconnect(handle)
        if wakeWrite >= 0 {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
        if let thread {
            if pthread_equal(thread, pthread_self()) != 0 { pthread_detach(thread) } else { pthread_join(thread, nil) }
        }
        let pending = state.withLock { state in
            state.connected = false
            defer { state.waiting = [:] }
            return state.waiting
        }
        for (_, continuation) in pending {
            continuation.resume(
                throwing: MQTTError(
                    code: MOSQ_ERR_NO_CONN.rawValue, message: "client stopped before the broker acknowledged",
                    operation: "publish"))
        }
    }

    func subscribe(_ filter: String, qos: Int) throws(MQTTError) {
        let connected = state.withLock { state in
            state.subscriptions[filter] = qos
            return state.connected
        }
        if connected {
            try check(mosquitto_subscribe(handle, nil, filter, Int32(qos)), "subscribe to \(filter)")
        }
    }

    func publishAndWait(_ message: MQTTMessage) async throws(MQTTError) {
        // The message id the acknowledgement will carry, once libmosquitto gave one: what cancellation gives up on.
        let pending = Mutex<Int32?>(nil)
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    guard !Task.isCancelled else {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    var messageID: Int32 = 0
                    let rc = message.payload.withUnsafeBytes { bytes in
                        mosquitto_publish(
                            handle, &messageID, message.topic, Int32(bytes.count), bytes.baseAddress,
                            Int32(message.qos), message.retain)
                    }
                    // For QoS 1 and 2, "no connection" means libmosquitto queued the message and will send it after
                    // reconnecting: wait for its acknowledgement like any other.
                    let queued = rc == MOSQ_ERR_NO_CONN.rawValue && message.qos > 0
                    guard rc == MOSQ_ERR_SUCCESS.rawValue || queued else {
                        continuation.resume(
                            throwing: MQTTError(
                                code: rc, message: Self.text(for: rc), operation: "publish to \(message.topic)"))
                        return
                    }
                    let acknowledged = state.withLock { state in
                        if state.acknowledgedEarly.remove(messageID) != nil { return true }
                        state.waiting[messageID] = continuation
                        return false
                    }
                    if acknowledged {
                        continuation.resume()
                        return
                    }
                    pending.withLock { $0 = messageID }
                    // Cancelled between the check above and now: the handler found no id to give up on.
                    if Task.isCancelled { giveUp(messageID) }
                }
            } onCancel: {
                if let messageID = pending.withLock({ $0 }) { giveUp(messageID) }
            }
        } catch let error as MQTTError {
            throw error
        } catch is CancellationError {
            throw MQTTError(
                code: MOSQ_ERR_UNKNOWN.rawValue, message: "cancelled while waiting for the acknowledgement",
                operation: "publish to \(message.topic)")
        } catch {
            throw MQTTError(
                code: MOSQ_ERR_UNKNOWN.rawValue, message: "\(error)", operation: "publish to \(message.topic)")
        }
    }

    /// Stops waiting for a message's acknowledgement (the caller was cancelled); libmosquitto may still deliver it.
    private func giveUp(_ messageID: Int32) {
        let waiter = state.withLock { $0.waiting.removeValue(forKey: messageID) }
        waiter?.resume(throwing: CancellationError())
    }

    // MARK: Callbacks, on libmosquitto's network thread.

    private func didConnect(reason: Int32) {
        guard reason == 0 else {
            let message = String(cString: mosquitto_connack_string(reason))
            let refusal = MQTTError(code: reason, message: message, operation: "connect to \(broker)")
            state.withLock { $0.refusal = refusal }
            emit(.refused(refusal))
            return
        }
        let (subscriptions, attempts) = state.withLock { state in
            state.connected = true
            state.lastError = nil
            state.refusal = nil
            state.connectedAt = monotonicSeconds()
            defer { state.attempts = 0 }
            return (state.subscriptions, state.attempts)
        }
        emit(.connected(broker: broker, attempts: max(1, attempts)))
        for (filter, qos) in subscriptions {
            mosquitto_subscribe(handle, nil, filter, Int32(qos))
        }
        if let birth = options.birth {
            birth.payload.withUnsafeBytes { bytes in
                _ = mosquitto_publish(
                    handle, nil, birth.topic, Int32(bytes.count), bytes.baseAddress, Int32(birth.qos), birth.retain)
            }
        }
    }

    private func didDisconnect(reason: Int32) {
        let text = Self.text(for: reason)
        let (wasConnected, error, clash) = state.withLock {
            state -> (Bool, MQTTError?, (count: Int, seconds: Double)?) in
            let wasConnected = state.connected
            // A connection never made (refused, unreachable) failed to connect; a made one was lost.
            let error =
                reason == 0
                ? nil
                : MQTTError(
                    code: reason, message: text, operation: (wasConnected ? "connection to " : "connect to ") + broker)
            state.connected = false
            // A handshake refused over TLS (an untrusted certificate, a missing client certificate) is the cause;
            // the lost connection that follows it says less.
            let handshakeFailed = !wasConnected && state.lastError?.code == MOSQ_ERR_TLS.rawValue
            if let error, !handshakeFailed { state.lastError = error }
            guard wasConnected, let since = state.connectedAt else { return (wasConnected, error, nil) }
            state.connectedAt = nil
            let lasted = monotonicSeconds() - since
            guard error != nil, state.running, lasted < Self.shortConnectionSeconds else {
                // A connection that lasted, or our own disconnect: whatever dropped us before, it is over.
                state.shortConnections = 0
                state.clash = false
                return (wasConnected, error, nil)
            }
            state.shortConnections += 1
            guard state.shortConnections >= Self.clashAfterShortConnections, !state.clash else {
                return (wasConnected, error, nil)
            }
            state.clash = true
            return (wasConnected, error, (state.shortConnections, Self.shortConnectionSeconds))
        }
        if wasConnected { emit(.disconnected(error)) }
        if let clash {
            emit(
                .clientIDClash(
                    clientID: options.clientID, broker: broker, shortConnections: clash.count,
                    withinSeconds: clash.seconds))
        }
    }

    private func didLogError(_ line: String) {
        // A handshake that fails on the network thread reaches no other callback: without this, a client that does
        // not trust the broker's certificate would keep retrying with no reason given.
        guard line.hasPrefix("OpenSSL Error") else { return }
        let error = MQTTError(
            code: MOSQ_ERR_TLS.rawValue, message: Self.tlsText(logLine: line),
            operation: "connect to \(options.host):\(options.port)")
        state.withLock { state in
            if !state.connected { state.lastError = error }
        }
    }

    private func didAcknowledge(_ messageID: Int32) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if let waiting = state.waiting.removeValue(forKey: messageID) { return waiting }
            // Birth messages are published without a waiter; keep only acknowledgements someone may still claim.
            if state.acknowledgedEarly.count > 1024 { state.acknowledgedEarly.removeAll() }
            state.acknowledgedEarly.insert(messageID)
            return nil
        }
        continuation?.resume()
    }

    private func didReceive(_ message: mosquitto_message) {
        let topic = String(cString: message.topic)
        let payload: [UInt8] =
            message.payloadlen > 0
            ? Array(UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen))) : []
        messages.yield(MQTTMessage(topic: topic, payload: payload, qos: Int(message.qos), retain: message.retain))
    }
}
