import Glibc
import Plant
import Testing
import YAML

/// SplitMix64: a small, seedable generator so every run mutates the same way.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random edits of a device file: bytes, YAML punctuation, whole lines.
struct DeviceFileMutator {
    var random: SplitMix64
    let donors: [[UInt8]]

    static let tokens: [[UInt8]] =
        [
            ":", "- ", " ", "\n", "\t", "[", "]", "{", "}", "\"", "'", "&a ", "*a", "!!str ", "---\n", "? ", "<<: ",
            "99999999999999999999999", ".inf", "-1", "0x", "1e400", "~", "\u{FEFF}", "[[[[[[[[", "{{{{", "#", "|\n",
            "type: bool", "order: CDAB", "table: coil", "address: 65535", "\u{0}", "ü", "\r", "\r\n", "\u{85}",
            "\u{2028}",
        ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xE2, 0x82]]

    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            bytes = mutateOnce(bytes)
        }
        return bytes
    }

    private mutating func mutateOnce(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        case 1 where !bytes.isEmpty:
            bytes[position] = Self.tokens.randomElement(using: &random)!.first!
        case 2:
            bytes.insert(contentsOf: Self.tokens.randomElement(using: &random)!, at: position)
        case 3 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...40, using: &random))
            bytes.removeSubrange(position..<end)
        case 4:
            let line = lines.indices.randomElement(using: &random)!
            lines.insert(lines[line], at: Int.random(in: 0...lines.count, using: &random))
            return join(lines)
        case 5:
            lines.swapAt(
                lines.indices.randomElement(using: &random)!, lines.indices.randomElement(using: &random)!)
            return join(lines)
        case 6 where lines.count > 1:
            lines.remove(at: lines.indices.randomElement(using: &random)!)
            return join(lines)
        case 7:
            let line = lines.indices.randomElement(using: &random)!
            if Bool.random(using: &random) {
                lines[line].insert(contentsOf: Array(repeating: UInt8(ascii: " "), count: 2), at: 0)
            } else {
                lines[line].removeFirst(min(2, lines[line].count))
            }
            return join(lines)
        case 8:
            bytes.removeLast(Int.random(in: 0...bytes.count, using: &random))
        default:
            let donor = donors.randomElement(using: &random)!
            let donorLines = donor.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            lines.insert(
                Array(donorLines.randomElement(using: &random)!), at: Int.random(in: 0...lines.count, using: &random))
            return join(lines)
        }
        return bytes
    }

    private func join(_ lines: [[UInt8]]) -> [UInt8] {
        Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    }
}

@Suite("Device file fuzzing")
struct DeviceFileFuzzTests {
    static let shipped = [
        "devices/furnace-a.yaml", "devices/furnace-b.yaml", "devices/furnace-c.yaml",
        "devices/examples/real-pump.yaml",
    ]

    @Test("mutated device files give a device or problems inside the file, never a crash")
    func mutations() throws {
        let originals = try Self.shipped.map { try readBytes(repositoryRoot + "/" + $0) }
        var mutator = DeviceFileMutator(random: SplitMix64(state: 20_261_123), donors: originals)
        var parsed = 0
        var rejected = 0
        for iteration in 0..<3000 {
            let input = mutator.mutate(originals[iteration % originals.count])
            let lineCount = YAMLMark(after: input).line
            do {
                _ = try DeviceFileLoader.parse(bytes: input, file: "fuzz.yaml")
                parsed += 1
            } catch {
                rejected += 1
                #expect(!error.problems.isEmpty)
                for problem in error.problems {
                    #expect(
                        (1...lineCount).contains(problem.line) && problem.column >= 1,
                        "iteration \(iteration): \(problem) outside \(lineCount) lines")
                }
            }
        }
        // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
        #expect(parsed > 50)
        #expect(rejected > 500)
    }

    /// The bytes of a shipped file, which must itself be sound.
    func readBytes(_ path: String) throws -> [UInt8] {
        _ = try DeviceFileLoader.load(path: path)
        let stream = try #require(fopen(path, "rb"))
        defer { fclose(stream) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, stream)
            if count == 0 { return bytes }
            bytes += buffer.prefix(count)
        }
    }
}
