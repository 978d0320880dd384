public import Foundation
public import Plant

/// The repository's device files for furnaces A (Modbus TCP) and B (Modbus RTU), moved to a free port and a pty
/// path inside a test's folder, so that tests running at once never share a socket or a serial line.
public enum MovedDeviceFiles {
    /// The repository's folder.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Writes the moved files to `<folder>/devices`.
    /// - Returns: the devices folder and the two device files as written.
    public static func furnacesAB(in folder: URL) throws -> (folder: URL, devices: [DeviceFile]) {
        let devices = folder.appendingPathComponent("devices")
        try FileManager.default.createDirectory(at: devices, withIntermediateDirectories: true)
        let port = try FreePort.find()
        let root = repositoryRoot.appendingPathComponent("devices")
        let a = try String(contentsOf: root.appendingPathComponent("furnace-a.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "port: 15021", with: "port: \(port)")
        let b = try String(contentsOf: root.appendingPathComponent("furnace-b.yaml"), encoding: .utf8)
            .replacingOccurrences(
                of: "/tmp/hearth-sim/furnace-b.tty", with: folder.appendingPathComponent("b.tty").path)
        try a.write(to: devices.appendingPathComponent("furnace-a.yaml"), atomically: true, encoding: .utf8)
        try b.write(to: devices.appendingPathComponent("furnace-b.yaml"), atomically: true, encoding: .utf8)
        let loaded = try [a, b].enumerated().map {
            try DeviceFileLoader.parse($0.element, file: "furnace-\($0.offset).yaml")
        }
        return (devices, loaded)
    }
}
