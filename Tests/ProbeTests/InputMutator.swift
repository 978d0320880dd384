import Glibc
import Support

/// Seeded edits of an input file, the kinds that reach an agent from outside: flipped bits and bytes, truncation,
/// values replaced by extreme numbers, repeated lines (duplicated keys), deep nesting, very long lines and invalid
/// UTF-8. The same seed gives the same mutants on every run.
struct InputMutator {
    var random: SeededGenerator

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    /// Numbers that overflow a conversion, are not numbers, or sit on a type's edge.
    static let extremeNumbers = [
        "1e19", "-1e19", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "1e308", "-1e308", "1e400", "1e-320", "-0", "0", "-1", "NaN", "nan", ".nan", "Infinity", "-Infinity", ".inf",
        "-.inf", "inf", "4294967296", "65536", "-32769", "2147483648", "0x7FFFFFFFFFFFFFFF", "3.4e38", "3.5e38",
        "1e-45", "99999999999999999999999", "0.0000001", "1.5",
    ]

    /// Short tokens of the formats' own punctuation, and bytes that are not UTF-8.
    static let tokens: [[UInt8]] =
        [
            ":", ": ", "- ", ",", "\"", "'", "\n", "\r\n", "\r", "\t", " ", "[", "]", "{", "}", "#", "&a ", "*a",
            "!!str ",
            "---\n", "...\n", "? ", "<<: ", "|\n", ">\n", "\\", "\\u0000", "\u{0}", "\u{FEFF}", "ü", "\u{2028}",
            "\"\":", "null", "true", "~",
        ].map { Array($0.utf8) } + [
            [0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80],
        ]

    /// One to four edits of `input`.
    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + random.uniform(below: 4)) { bytes = mutateOnce(bytes) }
        return bytes
    }

    private mutating func mutateOnce(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        let position = bytes.isEmpty ? 0 : random.uniform(below: bytes.count)
        switch random.uniform(below: 14) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= UInt8(1) << UInt8(random.uniform(below: 8))
        case 1 where !bytes.isEmpty:
            bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 2:
            bytes.insert(contentsOf: pick(Self.tokens), at: position)
        case 3 where !bytes.isEmpty:
            bytes.removeSubrange(position..<min(bytes.count, position + 1 + random.uniform(below: 40)))
        case 4:
            bytes.removeLast(random.uniform(below: bytes.count + 1))
        case 5, 6, 7:
            return replacingNumber(in: bytes)
        case 8:
            var lines = lines(of: bytes)
            let line = random.uniform(below: lines.count)
            lines.insert(lines[line], at: random.uniform(below: lines.count + 1))
            return join(lines)
        case 9 where bytes.count > 1:
            var lines = lines(of: bytes)
            lines.remove(at: random.uniform(below: lines.count))
            return join(lines)
        case 10:
            // Mostly shallow enough to be cheap; one in ten deeper than any parser's limit.
            let depth = 1 + random.uniform(below: random.uniform(below: 10) == 0 ? 5000 : 300)
            let open = pick([Array("[".utf8), Array("{\"a\":".utf8), Array("- ".utf8), Array("a: {".utf8)])
            bytes.insert(contentsOf: Array([[UInt8]](repeating: open, count: depth).joined()), at: position)
        case 11:
            let length = 1 + random.uniform(below: random.uniform(below: 10) == 0 ? 100_000 : 5000)
            let filler = pick([UInt8(ascii: "a"), UInt8(ascii: "9"), UInt8(ascii: ","), UInt8(ascii: " ")])
            bytes.insert(contentsOf: [UInt8](repeating: filler, count: length), at: position)
        case 12 where !bytes.isEmpty:
            // An overlong or surrogate encoding in the middle of text.
            bytes.insert(
                contentsOf: pick([[0xC0, 0xAF], [0xED, 0xB0, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80]]), at: position)
        default:
            let lines = lines(of: bytes)
            var swapped = lines
            swapped.swapAt(random.uniform(below: lines.count), random.uniform(below: lines.count))
            return join(swapped)
        }
        return bytes
    }

    /// Replaces one number of the input (a run of digits, signs, dots and exponents) by an extreme one.
    private mutating func replacingNumber(in bytes: [UInt8]) -> [UInt8] {
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let starts = bytes.indices.filter { isDigit(bytes[$0]) && ($0 == 0 || !isNumberByte(bytes[$0 - 1])) }
        let replacement = Array(pick(Self.extremeNumbers).utf8)
        guard !starts.isEmpty else { return bytes + replacement }
        var start = starts[random.uniform(below: starts.count)]
        if start > 0, bytes[start - 1] == UInt8(ascii: "-") { start -= 1 }
        var end = start + 1
        while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
        var result = bytes
        result.replaceSubrange(start..<end, with: replacement)
        return result
    }

    private func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-")
    }

    mutating func pick<Element>(_ items: [Element]) -> Element { items[random.uniform(below: items.count)] }

    private func lines(of bytes: [UInt8]) -> [[UInt8]] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
    }

    private func join(_ lines: [[UInt8]]) -> [UInt8] { Array(lines.joined(separator: [UInt8(ascii: "\n")])) }
}

/// The slowest input of a probe and how long it took, so a quadratic parser shows as one slow mutant.
struct SlowestInput {
    private(set) var seconds = 0.0
    private(set) var index = -1

    /// Runs `body` for input `index`, remembering the slowest.
    mutating func measure<Result>(_ index: Int, _ body: () throws -> Result) rethrows -> Result {
        let start = monotonicSeconds()
        defer {
            let elapsed = monotonicSeconds() - start
            if elapsed > seconds { (seconds, self.index) = (elapsed, index) }
        }
        return try body()
    }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The repository's root folder (the tests read the shipped device files, models and data).
let repositoryRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
    return path
}()

/// A shipped file's bytes.
func repositoryFile(_ relativePath: String) throws -> [UInt8] {
    try TextFile.read(path: repositoryRoot + "/" + relativePath)
}
