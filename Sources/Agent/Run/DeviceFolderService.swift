public import Logging
public import Plant
public import Support

/// Onboards, updates and removes devices as their files come and go in the devices folder, without a restart.
/// A service: looks every `interval` real seconds until cancelled.
public struct DeviceFolderService: Service {
    public let name = "devices folder"
    let folder: String
    let interval: Double
    let collector: Collector
    let loop: AdaptiveLoop
    let journal: DecisionJournal
    let clock: any PlantClock
    let logger: Logger
    let narrate: @Sendable (String) -> Void
    let initial: [(path: String, id: String)]

    /// - Parameter initial: the files loaded at start, with their device ids.
    public init(
        folder: String, interval: Double, initial: [(path: String, id: String)], collector: Collector,
        loop: AdaptiveLoop, journal: DecisionJournal, clock: any PlantClock, logger: Logger,
        narrate: @escaping @Sendable (String) -> Void
    ) {
        self.folder = folder
        self.interval = interval
        self.initial = initial
        self.collector = collector
        self.loop = loop
        self.journal = journal
        self.clock = clock
        self.logger = logger
        self.narrate = narrate
    }

    public func run() async {
        var watcher = DeviceFolderWatcher(folder: folder)
        watcher.acknowledge(initial)
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            guard !Task.isCancelled else { return }
            await apply(watcher.look())
        }
    }

    private func apply(_ changes: DeviceFolderWatcher.Changes) async {
        let now = clock.now()
        for (path, result) in changes.loaded {
            switch result {
            case .success(let device):
                let known = await collector.deviceIDs.contains(device.id)
                do {
                    try await collector.add(device)
                } catch {
                    logger.error("device not collected", metadata: ["device": "\(device.id)", "error": "\(error)"])
                }
                await loop.add(device, onboarding: !known)
                narrate(
                    "\(PlantTime.readable(now))  \(device.id)  \(known ? "reloaded" : "ONBOARDED") from \(path): \(device.connection.summary)"
                )
                if known {
                    try? await journal.record(
                        Decision(
                            .deviceUpdated, device: device.id, summary: "\(device.id) reloaded from \(path)", at: now))
                } else {
                    logger.notice("device onboarded", metadata: ["device": "\(device.id)", "file": "\(path)"])
                }
            case .failure(let error):
                let lines = error.problems.map(\.description)
                try? await journal.record(
                    Decision(
                        .deviceFileRejected,
                        summary:
                            "\(path) rejected: \(lines.count) problem\(lines.count == 1 ? "" : "s"); running devices untouched",
                        details: .object(["file": .string(path), "problems": .array(lines.map { .string($0) })]),
                        at: now))
                for line in lines { narrate("    \(line)") }
            }
        }
        for (path, id) in changes.removed {
            guard let id, await collector.deviceIDs.contains(id) else { continue }
            await collector.remove(id)
            await loop.remove(id)
            try? await journal.record(
                Decision(.deviceRemoved, device: id, summary: "\(id) removed (\(path) deleted)", at: now))
        }
    }
}
