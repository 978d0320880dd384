extension RandomForest {
    static let formatName = "hearth-random-forest"
    static let formatVersion = 1

    /// The forest's checksum (see ``ModelChecksum``).
    public var checksum: String {
        ModelChecksum.compute(kind: "rf", featureNames: featureNames, initialValue: 0, trees: trees, metadata: metadata)
    }

    /// The forest in Hearth's forest JSON format (documented in `docs/model-formats.md`): feature names, metadata,
    /// trees as XGBoost JSON tree objects, and a checksum.
    public func json() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.string(Self.formatName, key: "format")
        writer.int(Self.formatVersion, key: "format_version")
        writer.string(checksum, key: "checksum")
        writer.strings(featureNames, key: "feature_names")
        if let metadata { metadata.write(to: &writer, key: "metadata") }
        writer.beginArray("trees")
        for (index, tree) in trees.enumerated() {
            tree.writeXGBoostJSON(to: &writer, id: index, featureCount: featureCount)
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    /// Writes the forest to a file, atomically and durably (a temporary file, fsynced, renamed into place).
    /// - Throws: ``ModelError`` with reason ``ModelError/Reason/unwritableFile(_:)``.
    public func save(to path: String) throws(ModelError) {
        try ModelError.writeModel(json(), path: path)
    }

    /// Reads a forest in Hearth's forest JSON format, verifying its checksum.
    /// - Parameters:
    ///   - bytes: The JSON text.
    ///   - source: The file name shown in errors.
    ///   - expectingFeatures: When given, the forest's feature names must equal these, in this order.
    /// - Throws: ``ModelError`` when the JSON is malformed, the structure is wrong, the checksum does not match or
    ///   the features differ.
    public init(json bytes: [UInt8], source: String? = nil, expectingFeatures: [String]? = nil) throws(ModelError) {
        try self.init(
            json: JSONReader.parseModel(bytes, source: source), source: source, expectingFeatures: expectingFeatures)
    }

    init(json root: JSONCursor, source: String?, expectingFeatures: [String]?) throws(ModelError) {
        let forest: RandomForest
        let declared: String
        do {
            let format = try root["format"].string()
            guard format == Self.formatName else { throw ModelError(.unknownFormat) }
            let version = try root["format_version"].int()
            guard version == Self.formatVersion else {
                throw ModelError(.unsupported("forest format version \(version); this library reads version 1"))
            }
            declared = try root["checksum"].string()
            let featureNames = try root["feature_names"].stringArray()
            let metadata = try root.optional("metadata").map { (cursor) throws(JSONShapeError) in
                try TrainingMetadata(json: cursor)
            }
            var trees: [RegressionTree] = []
            for tree in try root["trees"].elements() { trees.append(try RegressionTree(xgboostJSON: tree)) }
            forest = try RandomForest(featureNames: featureNames, trees: trees, metadata: metadata)
        } catch let error as JSONShapeError where error.path == "checksum" && error.message == "is missing" {
            throw ModelError(.missingChecksum, file: source)
        } catch {
            throw ModelError(decoding: error, file: source)
        }
        try ModelError.verify(
            declaredChecksum: declared, computedChecksum: forest.checksum, features: forest.featureNames,
            expectedFeatures: expectingFeatures, file: source)
        self = forest
    }
}
