import Support

/// A model that cannot be read, written or trusted: an unreadable or damaged file, a structure that is not a
/// tree ensemble, a model kind this library does not predict, a checksum that does not match, or features that
/// differ from the ones expected.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Equatable {
        /// The file could not be read; the text says why.
        case unreadableFile(String)
        /// The file could not be written; the text says why.
        case unwritableFile(String)
        /// The bytes are not valid JSON; line and column are 1-based.
        case malformedJSON(line: Int, column: Int, message: String)
        /// The JSON is not a model of a known format (neither XGBoost's nor a Hearth forest).
        case unknownFormat
        /// A value is missing or wrong; `path` locates it (`learner.gradient_booster.model.trees[3].left_children`).
        case invalidStructure(path: String, message: String)
        /// The model is valid but of a kind this library does not predict (the text says which).
        case unsupported(String)
        /// The file says it was written by Hearth but carries no checksum.
        case missingChecksum
        /// The checksum written in the file differs from the one computed from its content.
        case checksumMismatch(expected: String, computed: String)
        /// The model's features differ from those the caller expects.
        case featureMismatch(expected: [String], found: [String])
    }

    /// What is wrong.
    public var reason: Reason
    /// The model file, when the model came from one.
    public var file: String?

    /// Creates an error.
    public init(_ reason: Reason, file: String? = nil) {
        self.reason = reason
        self.file = file
    }

    /// One sentence saying what is wrong and, where it helps, what to do.
    public var description: String {
        let place = file.map { "\($0): " } ?? ""
        let message: String
        switch reason {
        case .unreadableFile(let why): message = "cannot read the model file: \(why)"
        case .unwritableFile(let why): message = "cannot write the model file: \(why)"
        case .malformedJSON(let line, let column, let why):
            message = "the model is not valid JSON at line \(line), column \(column): \(why)"
        case .unknownFormat:
            message = "not a model file: expected an XGBoost JSON model or a Hearth random forest"
        case .invalidStructure(let path, let why): message = "invalid model: \(path) \(why)"
        case .unsupported(let what): message = "unsupported model: \(what)"
        case .missingChecksum: message = "the model says it was written by Hearth but has no checksum; refusing it"
        case .checksumMismatch(let expected, let computed):
            message =
                "the model's checksum does not match its content (file says \(expected), content gives \(computed)); "
                + "the file was changed or damaged after it was written"
        case .featureMismatch(let expected, let found):
            message =
                "the model's features \(found) differ from the expected \(expected); it was trained on other data"
        }
        return place + message
    }

    init(_ shape: JSONShapeError, file: String?) {
        self.init(.invalidStructure(path: shape.path, message: shape.message), file: file)
    }

    init(_ syntax: JSONSyntaxError, file: String?) {
        self.init(.malformedJSON(line: syntax.line, column: syntax.column, message: syntax.message), file: file)
    }
}

extension JSONReader {
    /// Parses a model file's bytes, reporting bad JSON as a ``ModelError`` naming the file.
    static func parseModel(_ bytes: [UInt8], source: String?) throws(ModelError) -> JSONCursor {
        do {
            return JSONCursor(try parse(bytes), path: "")
        } catch {
            throw ModelError(error, file: source)
        }
    }
}

extension ModelError {
    /// Writes a model file atomically and durably, reporting failure as a ``ModelError`` naming the file.
    static func writeModel(_ bytes: [UInt8], path: String) throws(ModelError) {
        do {
            try TextFile.writeDurably(bytes, to: path)
        } catch {
            throw ModelError(.unwritableFile(error.reason), file: path)
        }
    }

    /// Reads a whole model or data file (of any size).
    static func readFile(path: String) throws(TextFileError) -> [UInt8] {
        try TextFile.read(path: path, maximumSize: Int.max)
    }
}

extension ModelError {
    /// Refuses a decoded model whose checksum differs from the one its file declares, or whose features differ
    /// from the ones the caller expects.
    static func verify(
        declaredChecksum: String?, computedChecksum: @autoclosure () -> String, features: [String],
        expectedFeatures: [String]?, file: String?
    ) throws(ModelError) {
        if let declaredChecksum {
            let computed = computedChecksum()
            guard computed == declaredChecksum else {
                throw ModelError(.checksumMismatch(expected: declaredChecksum, computed: computed), file: file)
            }
        }
        if let expectedFeatures, expectedFeatures != features {
            throw ModelError(.featureMismatch(expected: expectedFeatures, found: features), file: file)
        }
    }

    /// A decoding failure as a ``ModelError`` naming the file.
    init(decoding error: any Error, file: String?) {
        switch error {
        case let shape as JSONShapeError: self.init(shape, file: file)
        case let model as ModelError: self.init(model.reason, file: file)
        default: self.init(.invalidStructure(path: "", message: "\(error)"), file: file)
        }
    }
}
