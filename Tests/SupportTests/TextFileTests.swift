import Glibc
import Support
import Testing

@Suite("Text files")
struct TextFileTests {
    @Test("a missing file gives the system's reason")
    func missing() {
        let error = #expect(throws: TextFileError.self) { try TextFile.read(path: "/nonexistent/hearth.yaml") }
        #expect(error?.description == "/nonexistent/hearth.yaml: No such file or directory")
    }

    @Test("a folder is not a file")
    func folder() {
        let error = #expect(throws: TextFileError.self) { try TextFile.read(path: "/tmp") }
        #expect(error?.reason == "is a folder, not a file")
    }

    @Test("files are read whole, and a size limit holds")
    func readsWhole() throws {
        let bytes = try TextFile.read(path: #filePath)
        #expect(String(decoding: bytes, as: UTF8.self).contains("files are read whole"))
        #expect(throws: TextFileError.self) { try TextFile.read(path: #filePath, maximumSize: 100) }
    }

    @Test("folders list their regular files, sorted")
    func listing() throws {
        let folder = TextFile.folder(of: #filePath)
        let names = try TextFile.files(inFolder: folder)
        #expect(names.contains("TextFileTests.swift"))
        #expect(names == names.sorted())
        #expect(throws: TextFileError.self) { try TextFile.files(inFolder: "/nonexistent") }
    }

    @Test("paths join against a folder")
    func paths() {
        #expect(TextFile.join("/etc/hearth", "devices") == "/etc/hearth/devices")
        #expect(TextFile.join("/etc/hearth", "/var/lib/hearth.db") == "/var/lib/hearth.db")
        #expect(TextFile.join(".", "devices") == "devices")
        #expect(TextFile.folder(of: "devices/a.yaml") == "devices")
        #expect(TextFile.folder(of: "a.yaml") == ".")
        #expect(TextFile.folder(of: "/a.yaml") == "/")
    }

    /// A new empty folder under /tmp.
    static func temporaryFolder() throws -> String {
        var template = Array("/tmp/hearth-textfile-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return try #require(created.map { String(cString: $0) })
    }

    /// The type bits of what a path itself is (links not followed).
    static func fileType(_ path: String) -> mode_t {
        var status = stat()
        guard lstat(path, &status) == 0 else { return 0 }
        return status.st_mode & S_IFMT
    }

    @Test("a write through a symbolic link replaces the file it names and keeps the link")
    func writeThroughLink() throws {
        let folder = try Self.temporaryFolder()
        defer {
            unlink(folder + "/link.csv")
            unlink(folder + "/real.csv")
            rmdir(folder)
        }
        try TextFile.writeDurably("old\n", to: folder + "/real.csv")
        #expect(symlink(folder + "/real.csv", folder + "/link.csv") == 0)
        try TextFile.writeDurably("new\n", to: folder + "/link.csv")
        #expect(Self.fileType(folder + "/link.csv") == S_IFLNK)
        #expect(try TextFile.read(path: folder + "/real.csv") == Array("new\n".utf8))
    }

    @Test("a full device is written in place and refused with the system's reason; the device stays a device")
    func fullDevice() throws {
        let folder = try Self.temporaryFolder()
        defer { rmdir(folder) }
        // As root a rename could replace /dev/full itself, so root writes to a full device of its own making
        // (major 1, minor 7: what /dev/full is).
        let device = getuid() == 0 ? folder + "/full" : "/dev/full"
        if getuid() == 0 { #expect(mknod(device, S_IFCHR | 0o600, dev_t(1 << 8 | 7)) == 0) }
        defer { if getuid() == 0 { unlink(device) } }
        let error = #expect(throws: TextFileError.self) { try TextFile.writeDurably("prediction\n1\n", to: device) }
        #expect(error?.description == "\(device): cannot write: No space left on device")
        #expect(Self.fileType(device) == S_IFCHR)
        #expect(try TextFile.files(inFolder: folder).isEmpty)  // no temporary file left
    }

    @Test("a folder, a path under a regular file and a missing folder are refused with the system's reason")
    func unwritablePaths() throws {
        let folder = try Self.temporaryFolder()
        defer { rmdir(folder) }
        try TextFile.writeDurably("x\n", to: folder + "/file")
        defer { unlink(folder + "/file") }
        for (path, reason) in [
            (folder, "cannot write: Is a directory"), (folder + "/file/out.csv", "cannot write: Not a directory"),
            ("/nonexistent/out.csv", "cannot write: No such file or directory"),
        ] {
            let error = #expect(throws: TextFileError.self) { try TextFile.writeDurably("x\n", to: path) }
            #expect(error?.description == "\(path): \(reason)")
        }
    }
}
