@preconcurrency import Glibc
import Plant
import Support

/// Prints stored readings as they arrive: one line per device and poll.
enum ReadingPrinter {
    static func line(for readings: [Reading], units: [String: [String: String]]) -> [String] {
        var byDevice: [(String, [Reading])] = []
        for reading in readings {
            if let index = byDevice.firstIndex(where: {
                $0.0 == reading.device && $0.1.first?.timeMilliseconds == reading.timeMilliseconds
            }) {
                byDevice[index].1.append(reading)
            } else {
                byDevice.append((reading.device, [reading]))
            }
        }
        return byDevice.map { device, readings in
            let fields = readings.map { reading -> String in
                guard let value = reading.value else { return "\(reading.signal)=<\(reading.status.rawValue)>" }
                let unit = units[device]?[reading.signal].map { " \($0)" } ?? ""
                return "\(reading.signal)=\(format(value))\(unit)"
            }
            let time = PlantTime.readable(readings[0].timeMilliseconds)
            return "\(time)  \(device)  " + fields.joined(separator: "  ")
        }
    }

    static func format(_ value: Double) -> String { NumberFormat.reading(value) }

    /// Writes lines to standard output and flushes, so a pipe or journal sees them at once.
    static func emit(_ lines: [String]) {
        for line in lines { print(line) }
        fflush(stdout)
    }
}
