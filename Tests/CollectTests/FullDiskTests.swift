import Agent
import Foundation
import Glibc
import Logging
import Plant
import Simulator
import TestSupport
import Testing

/// A real full file system: a small tmpfs (mounting needs root; elsewhere the test says so and is skipped).
@Suite("A database on a full disk")
struct FullDiskTests {
    static let canMount: Bool = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")

    @Test(
        "A device that cannot be registered at start is collected anyway and stored once the disk has room",
        .enabled(if: canMount, "mounting a small tmpfs needs root"), .timeLimit(.minutes(3)))
    func fullDiskAtStart() async throws {
        let plant = try PlantFixture()
        let mount = plant.folder.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        let mounting = try ChildProcess(
            executable: "/bin/mount", arguments: ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.path],
            output: "/dev/null")
        #expect(await mounting.exit(timeoutSeconds: 20) == 0)
        defer {
            if let unmounting = try? ChildProcess(
                executable: "/bin/umount", arguments: [mount.path], output: "/dev/null")
            {
                _ = unmounting.wait(timeoutSeconds: 20)
            }
        }
        let store = try AgentStore(path: mount.appendingPathComponent("hearth.db").path, durability: .normal)
        // Fill what is left of the file system.
        let filler = mount.appendingPathComponent("filler")
        let descriptor = open(filler.path, O_CREAT | O_WRONLY, 0o644)
        #expect(descriptor >= 0)
        let block = [UInt8](repeating: 0, count: 4096)
        while write(descriptor, block, block.count) == block.count {}
        close(descriptor)

        let device = plant.device("furnace-a")
        let activity = AgentActivity()
        let collector = Collector(
            store: store, clock: plant.clock, mqtt: nil, logger: Logger(label: "test"), activity: activity)
        try await collector.add(device)
        #expect(await collector.deviceIDs.contains(device.id), "collected although the database is full")
        let task = Task { await collector.run() }
        var times: [Int64] = []
        for _ in 0..<3 {
            await activity.idle(through: plant.clock.now())
            let next = (plant.clock.now() / 30_000 + 1) * 30_000
            plant.clock.advance(to: next)
            times.append(next)
        }
        await activity.idle(through: plant.clock.now())
        #expect(try await store.readings(device: device.id).isEmpty, "nothing could be stored yet")

        // Room again: the next poll registers the device and stores every poll kept in memory.
        try FileManager.default.removeItem(at: filler)
        let next = (plant.clock.now() / 30_000 + 1) * 30_000
        plant.clock.advance(to: next)
        times.append(next)
        let stored = await eventually(timeoutSeconds: 30) {
            (try? await store.readings(device: device.id).count) == times.count * device.signals.count
        }
        #expect(stored, "every poll, the ones taken while the disk was full included")
        let kept = Set(try await store.readings(device: device.id).map(\.timeMilliseconds))
        #expect(kept == Set(times))
        collector.finish()
        await task.value
    }
}
