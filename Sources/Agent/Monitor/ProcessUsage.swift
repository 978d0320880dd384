internal import CHearthSystem
import Glibc
import Support

/// The agent's own resource use, read from /proc and statvfs.
public struct ProcessUsage: Sendable, Equatable {
    /// CPU time used since start (user + system), seconds.
    public var cpuSeconds: Double
    /// Resident memory now and at its peak, bytes.
    public var residentBytes: Int
    public var peakResidentBytes: Int
    /// Size of the database with its WAL, bytes.
    public var databaseBytes: Int
    /// Free space on the database's file system, bytes.
    public var freeDiskBytes: Int

    /// Hands memory that was freed back to the system. Loading a model file or training a candidate allocates
    /// megabytes for a few seconds; glibc keeps freed blocks in its per-thread arenas for reuse, where they would
    /// stay counted in the agent's resident memory for the rest of the run.
    public static func releaseFreedMemory() {
        hearth_release_freed_memory()
    }

    /// Measures now.
    public static func measure(databasePath: String) -> ProcessUsage {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let cpu =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
        var resident = 0
        var peak = 0
        if let status = readSmallFile("/proc/self/status") {
            for line in status.split(separator: "\n") {
                if line.hasPrefix("VmRSS:") { resident = kilobytes(line) }
                if line.hasPrefix("VmHWM:") { peak = kilobytes(line) }
            }
        }
        var size = 0
        for suffix in ["", "-wal", "-shm"] {
            var info = stat()
            if stat(databasePath + suffix, &info) == 0 { size += Int(info.st_size) }
        }
        var volume = statvfs()
        let folder = databasePath.contains("/") ? String(databasePath[..<databasePath.lastIndex(of: "/")!]) : "."
        let free =
            statvfs(folder.isEmpty ? "/" : folder, &volume) == 0 ? Int(volume.f_bavail) * Int(volume.f_frsize) : 0
        return ProcessUsage(
            cpuSeconds: cpu, residentBytes: resident, peakResidentBytes: peak, databaseBytes: size, freeDiskBytes: free)
    }

    private static func kilobytes(_ line: Substring) -> Int {
        (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    static func readSmallFile(_ path: String) -> String? {
        (try? TextFile.read(path: path)).map { String(decoding: $0, as: UTF8.self) }
    }
}
