import Foundation
import Support
import Synchronization
import Testing

@testable import Support

/// When a block began (set by the blocked device) and when it may end (set by the test).
private final class BlockSignals: Sendable {
    let start = Mutex<Double?>(nil)
    let release = Mutex(false)
}

/// An actor whose work blocks, as a libmodbus call waiting for a timeout does.
private actor BlockingDevice {
    let executor: DedicatedThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(name: String) { executor = DedicatedThreadExecutor(name: name) }

    /// Blocks the device's thread for at least `seconds`, and on until `release` is set (at most 30 s); returns the
    /// thread and when the block began and ended (seconds of uptime); the beginning also goes to `signals`.
    func block(seconds: Double, _ signals: BlockSignals) -> (thread: pthread_t, began: Double, ended: Double) {
        let began = ProcessInfo.processInfo.systemUptime
        signals.start.withLock { $0 = began }
        usleep(UInt32(seconds * 1_000_000))
        while !signals.release.withLock({ $0 }) && ProcessInfo.processInfo.systemUptime - began < 30 {
            usleep(10_000)
        }
        return (pthread_self(), began, ProcessInfo.processInfo.systemUptime)
    }

    func thread() -> pthread_t {
        executor.checkIsolated()
        return pthread_self()
    }

    /// When the device answered, on its own thread (seconds of uptime).
    func answerTime() -> Double { ProcessInfo.processInfo.systemUptime }
}

@Suite("Dedicated threads for blocking calls")
struct DedicatedThreadExecutorTests {
    @Test("An actor always runs on its own thread, and one blocked device does not delay another")
    func isolation() async throws {
        let slow = BlockingDevice(name: "slow")
        let fast = BlockingDevice(name: "fast")
        let first = await fast.thread()
        let second = await fast.thread()
        #expect(pthread_equal(first, second) != 0, "every call lands on the same thread")

        let finished = Mutex(false)
        let signals = BlockSignals()
        let blocked = Task {
            defer { finished.withLock { $0 = true } }
            return await slow.block(seconds: 1.0, signals)
        }
        // The fast device's answers given while the slow one blocked its own thread: on a shared thread there would
        // be none. How quickly they come depends on how busy the machine's cooperative pool is (hundreds of tests
        // start at once), not on the executors, so the slow device stays blocked (beyond its second) until three
        // have come, or 30 s pass.
        var answers: [Double] = []
        while !finished.withLock({ $0 }) {
            answers.append(await fast.answerTime())
            if let began = signals.start.withLock({ $0 }), answers.filter({ $0 > began }).count >= 3 {
                signals.release.withLock { $0 = true }
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        let block = await blocked.value
        let during = answers.filter { $0 > block.began && $0 < block.ended }.count
        #expect(during >= 3, "the fast device answered \(during) times while the slow one was blocked")
        #expect(pthread_equal(block.thread, first) == 0)
        #expect(block.ended - block.began >= 1.0)
    }

    @Test("Jobs run in the order they were enqueued")
    func order() async {
        actor Recorder {
            let executor = DedicatedThreadExecutor(name: "order")
            nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
            var values: [Int] = []
            func append(_ value: Int) { values.append(value) }
        }
        let recorder = Recorder()
        for value in 0..<200 { await recorder.append(value) }
        #expect(await recorder.values == Array(0..<200))
    }
}
