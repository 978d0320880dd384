import Foundation

/// Runs CPU-bound work on a thread of its own and awaits its result, so that a long computation in a test does not
/// hold one of the few threads of Swift's cooperative pool (two on a two-core machine), which the tests running
/// beside it need for their servers, clients and timeouts. Record issues from what it returns, not inside it.
public func onOwnThread<T: Sendable>(
    _ name: String, _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }
}
