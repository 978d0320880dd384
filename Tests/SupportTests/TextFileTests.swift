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
}
