public import Support

/// One thing wrong with a YAML file, at a place in it: what `hearth validate` prints, one per line.
///
/// `devices/furnace-a.yaml:14:12: signals[2].order: "CDAB" is impossible for int16 (one register); use ABCD or BADC`
public struct YAMLProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file as the user named it.
    public var file: String
    /// 1-based line; 0 when the problem concerns the whole file (it cannot be read, say).
    public var line: Int
    /// 1-based column in characters; 0 with `line`.
    public var column: Int
    /// Dotted path of the field (`signals[2].order`, `connection.port`); empty for the document itself.
    public var field: String
    /// The offending text as written, when there is one.
    public var value: String?
    /// One sentence saying what is wrong and, where it helps, how to fix it.
    public var message: String

    /// Creates a problem at a line and column.
    public init(file: String, line: Int, column: Int, field: String, value: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.value = value
        self.message = message
    }

    /// Creates a problem at a mark, or about the whole file when `mark` is `nil`.
    public init(file: String, at mark: YAMLMark?, field: String, value: String? = nil, message: String) {
        self.init(
            file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, field: field, value: value,
            message: message)
    }

    /// The problem a ``YAMLError`` makes in a file.
    public init(file: String, error: YAMLError) {
        self.init(file: file, at: error.mark, field: "", message: error.message)
    }

    /// The problem of a file or folder that cannot be read: `devices/a.yaml: cannot be read: Permission denied`.
    public init(unreadable error: TextFileError) {
        self.init(file: error.path, at: nil, field: "", message: "cannot be read: \(error.reason)")
    }

    /// `file:line:column: field: message`, leaving out the parts that are absent.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        text += ": "
        if !field.isEmpty { text += field + ": " }
        return text + message
    }

    /// Quotes text for a message on one line: control characters escaped, long text cut at 60 characters.
    public static func quote(_ text: String) -> String {
        var quoted = "\""
        for (index, character) in text.enumerated() {
            if index == 60 {
                quoted += "…"
                break
            }
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            default:
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                    scalar.value < 0x20 || scalar.value == 0x7F
                {
                    quoted += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    quoted.append(character)
                }
            }
        }
        return quoted + "\""
    }
}
