import Glibc

/// A serial executor that runs every job on one dedicated OS thread.
///
/// Actors that make blocking C calls (a libmodbus context, an sqlite3 connection) use one as their executor, so a
/// call that blocks for a full timeout blocks only that device's thread — never Swift's cooperative pool, and never
/// another device. Jobs run in the order they were enqueued.
public final class DedicatedThreadExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `head` and `stopping` are only read or written while holding `mutex`;
    // `threadID` is written once by the thread itself before it runs any job and only compared afterwards.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var threadID: pthread_t? = nil
    /// What the thread serves (`modbus furnace-a`), for diagnostics.
    public let name: String

    /// Starts the thread.
    /// - Parameter name: what the thread serves, for diagnostics.
    public init(name: String) {
        self.name = name
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)

        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                let executor = Unmanaged<DedicatedThreadExecutor>.fromOpaque(raw!).takeRetainedValue()
                executor.runLoop()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create failed with \(rc)")
        pthread_detach(thread)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(unowned)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func checkIsolated() {
        pthread_mutex_lock(mutex)
        let owner = threadID
        pthread_mutex_unlock(mutex)
        precondition(owner.map { pthread_equal($0, pthread_self()) != 0 } ?? false, "not on \(name)'s thread")
    }

    /// Lets the thread finish the jobs already enqueued and exit. Jobs enqueued afterwards still run first.
    public func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func runLoop() {
        pthread_mutex_lock(mutex)
        threadID = pthread_self()
        pthread_mutex_unlock(mutex)
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty && !stopping {
                pthread_cond_wait(condition, mutex)
            }
            if jobs.isEmpty && stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(mutex)
            for job in batch {
                job.runSynchronously(on: asUnownedSerialExecutor())
            }
        }
    }
}
