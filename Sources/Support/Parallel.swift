internal import Dispatch
import Glibc

/// Work spread over the machine's cores: the one parallel helper of Hearth (tree training, kernel matrices).
///
/// Every task writes only its own outputs, so results never depend on how the tasks are scheduled; a call returns
/// only when all of its tasks are done, so nothing is shared across threads afterwards.
public enum Parallel {
    /// The number of online processors, at least 1.
    public static let processorCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs `body(i)` for every `i` in `0..<count`, concurrently, and returns when all are done.
    ///
    /// Callers guarantee that tasks touch disjoint memory for writing (each writes the slots of its own index);
    /// that is the proof behind treating `body` as `@Sendable` for Dispatch, which runs it before returning.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let task = unsafeBitCast(escapable, to: (@Sendable (Int) -> Void).self)
            DispatchQueue.concurrentPerform(iterations: count, execute: task)
        }
    }

    /// The results of `body(i)` for every `i` in `0..<count`, computed concurrently, in index order.
    public static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        forEach(count) { index in results[index] = body(index) }
        return results.map { $0! }
    }

    /// Cuts `0..<count` into at most `parts` contiguous ranges of about equal total cost, where item i costs
    /// `cost(i)`.
    public static func balancedRanges(count: Int, parts: Int, cost: (Int) -> Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        let total = (0..<count).reduce(0) { $0 + cost($1) }
        var ranges: [Range<Int>] = []
        var start = 0
        var accumulated = 0
        for item in 0..<count {
            accumulated += cost(item)
            let part = ranges.count + 1
            if part < parts, accumulated * parts >= total * part {
                ranges.append(start..<(item + 1))
                start = item + 1
            }
        }
        ranges.append(start..<count)
        return ranges
    }
}

/// A pointer handed to parallel parts that each write their own, disjoint elements.
///
/// `@unchecked Sendable` is sound because every use splits the indices between parts and the owner reads the
/// buffer only after ``Parallel/forEach(_:_:)`` has returned.
public struct DisjointWrites<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    public init(base: UnsafeMutablePointer<Element>) { self.base = base }
}

/// A pointer to memory that parallel parts only read while it is alive.
///
/// `@unchecked Sendable` is sound because nothing writes the memory during ``Parallel/forEach(_:_:)``.
public struct SharedReads<Element>: @unchecked Sendable {
    public let base: UnsafePointer<Element>
    public init(base: UnsafePointer<Element>) { self.base = base }
}
