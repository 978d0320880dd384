extension GradientBoostedTrees {
    /// The `learner.attributes` keys Hearth adds to XGBoost JSON; XGBoost keeps string attributes as they are.
    enum AttributeKey {
        /// `hearth-gbdt/1`: marks a file written by Hearth, which must then carry a checksum.
        static let format = "hearth_format"
        /// The training metadata, as canonical JSON text.
        static let metadata = "hearth_metadata"
        /// `sha256:` and the hex digest of ``ModelChecksum``.
        static let checksum = "hearth_checksum"
    }

    static let formatName = "hearth-gbdt/1"

    /// The model's checksum (see ``ModelChecksum``).
    public var checksum: String {
        ModelChecksum.compute(
            kind: "gbdt", featureNames: featureNames, initialValue: baseScore, trees: trees, metadata: metadata)
    }

    /// The model as XGBoost JSON (the layout of XGBoost 2.1's `save_model("m.json")`), with Hearth's metadata and
    /// checksum as string attributes in `learner.attributes`.
    public func xgboostJSON() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.beginObject("learner")
        writer.beginObject("attributes")
        writer.string(checksum, key: AttributeKey.checksum)
        writer.string(Self.formatName, key: AttributeKey.format)
        if let metadata { writer.string(metadata.canonicalJSON, key: AttributeKey.metadata) }
        writer.endObject()
        writer.strings(featureNames, key: "feature_names")
        writer.strings([], key: "feature_types")
        writer.beginObject("gradient_booster")
        writer.beginObject("model")
        writer.beginObject("gbtree_model_param")
        writer.string("1", key: "num_parallel_tree")
        writer.string("\(trees.count)", key: "num_trees")
        writer.endObject()
        writer.ints(0...trees.count, key: "iteration_indptr")
        writer.ints(repeatElement(0, count: trees.count), key: "tree_info")
        writer.beginArray("trees")
        for (index, tree) in trees.enumerated() {
            tree.writeXGBoostJSON(to: &writer, id: index, featureCount: featureCount)
        }
        writer.endArray()
        writer.endObject()
        writer.string("gbtree", key: "name")
        writer.endObject()
        writer.beginObject("learner_model_param")
        writer.string(JSONWriter.format(baseScore), key: "base_score")
        writer.string("1", key: "boost_from_average")
        writer.string("0", key: "num_class")
        writer.string("\(featureCount)", key: "num_feature")
        writer.string("1", key: "num_target")
        writer.endObject()
        writer.beginObject("objective")
        writer.string(objective, key: "name")
        writer.beginObject("reg_loss_param")
        writer.string("1", key: "scale_pos_weight")
        writer.endObject()
        writer.endObject()
        writer.endObject()
        writer.ints([2, 1, 0], key: "version")
        writer.endObject()
        return writer.bytes
    }

    /// Writes the model to a file in XGBoost JSON, atomically and durably (a temporary file, fsynced, renamed into place).
    /// - Throws: ``ModelError`` with reason ``ModelError/Reason/unwritableFile(_:)``.
    public func save(to path: String) throws(ModelError) {
        try ModelError.writeModel(xgboostJSON(), path: path)
    }

    /// Reads a model saved by XGBoost 2.x or 3.x (`save_model("m.json")`) or by Hearth.
    ///
    /// A file with Hearth's attributes must carry a checksum that matches its content. A file without them (trained
    /// by XGBoost) has no metadata; when it has no feature names its features are called `f0`, `f1`, ... as in
    /// XGBoost.
    /// - Parameters:
    ///   - bytes: The JSON text.
    ///   - source: The file name shown in errors.
    ///   - expectingFeatures: When given, the model's feature names must equal these, in this order.
    /// - Throws: ``ModelError`` when the JSON is malformed, the model is not a supported XGBoost regression model,
    ///   the checksum does not match or the features differ.
    public init(
        xgboostJSON bytes: [UInt8], source: String? = nil, expectingFeatures: [String]? = nil
    )
        throws(ModelError)
    {
        try self.init(
            xgboostJSON: JSONReader.parseModel(bytes, source: source), source: source,
            expectingFeatures: expectingFeatures)
    }

    init(xgboostJSON root: JSONCursor, source: String?, expectingFeatures: [String]?) throws(ModelError) {
        let model: GradientBoostedTrees
        let declaredChecksum: String?
        do {
            (model, declaredChecksum) = try Self.decode(root)
        } catch {
            throw ModelError(decoding: error, file: source)
        }
        try ModelError.verify(
            declaredChecksum: declaredChecksum, computedChecksum: model.checksum, features: model.featureNames,
            expectedFeatures: expectingFeatures, file: source)
        self = model
    }

    private static func decode(_ root: JSONCursor) throws -> (GradientBoostedTrees, String?) {
        let learner = try root["learner"]
        let booster = try learner["gradient_booster"]
        let boosterName = try booster["name"].string()
        guard boosterName == "gbtree" else {
            throw ModelError(.unsupported("booster \(boosterName); only gbtree is supported"))
        }
        let parameters = try learner["learner_model_param"]
        let featureCount = try parameters["num_feature"].intOrIntString()
        if let classes = try parameters.optional("num_class"), try classes.intOrIntString() > 1 {
            throw ModelError(.unsupported("multi-class model (num_class \(try classes.intOrIntString()))"))
        }
        if let targets = try parameters.optional("num_target"), try targets.intOrIntString() > 1 {
            throw ModelError(.unsupported("multi-target model (num_target \(try targets.intOrIntString()))"))
        }
        let baseScore = try Self.baseScore(try parameters["base_score"])
        let objective = try learner["objective"]["name"].string()

        var featureNames = try learner.optional("feature_names")?.stringArray() ?? []
        if featureNames.isEmpty {
            featureNames = (0..<featureCount).map { "f\($0)" }
        }
        guard featureNames.count == featureCount else {
            throw try learner["feature_names"].fail(
                "has \(featureNames.count) names but learner_model_param.num_feature is \(featureCount)")
        }

        let treeList = try booster["model"]["trees"].elements()
        var trees: [RegressionTree] = []
        trees.reserveCapacity(treeList.count)
        for tree in treeList { trees.append(try RegressionTree(xgboostJSON: tree)) }
        if let treeInfo = try booster["model"].optional("tree_info") {
            let groups = try treeInfo.intArray()
            guard groups.allSatisfy({ $0 == 0 }) else {
                throw ModelError(.unsupported("trees for several output groups (multi-class)"))
            }
        }

        var metadata: TrainingMetadata?
        var checksum: String?
        if let attributes = try learner.optional("attributes") {
            let members = try attributes.members()
            if members[AttributeKey.format] != nil || members[AttributeKey.metadata] != nil
                || members[AttributeKey.checksum] != nil
            {
                guard members[AttributeKey.checksum] != nil else { throw ModelError(.missingChecksum) }
                checksum = try attributes[AttributeKey.checksum].string()
                if members[AttributeKey.metadata] != nil {
                    let text = try attributes[AttributeKey.metadata].string()
                    let value: JSONValue
                    do {
                        value = try JSONReader.parse(Array(text.utf8))
                    } catch {
                        throw JSONShapeError(
                            path: "\(attributes.path).\(AttributeKey.metadata)",
                            message: "is not valid JSON (\(error.message) at column \(error.column))")
                    }
                    metadata = try TrainingMetadata(
                        json: JSONCursor(value, path: "\(attributes.path).\(AttributeKey.metadata)"))
                }
            }
        }
        try validate(featureNames: featureNames, trees: trees, path: "learner.gradient_booster.model.trees")
        let model = try GradientBoostedTrees(
            featureNames: featureNames, baseScore: baseScore, trees: trees, objective: objective, metadata: metadata)
        return (model, checksum)
    }

    /// `base_score` as XGBoost writes it: a number in a string (`"5E-1"`, before 3.1) or a one-element JSON array
    /// in a string (`"[5E-1]"`, 3.1 and later).
    private static func baseScore(_ cursor: JSONCursor) throws(JSONShapeError) -> Float {
        let text: String
        if case .number(let number) = cursor.value { text = number } else { text = try cursor.string() }
        var literal = text.trimmingBlanks()
        if literal.hasPrefix("[") {
            guard case .array(let items)? = try? JSONReader.parse(Array(literal.utf8)), items.count == 1,
                case .number(let number) = items[0]
            else { throw cursor.fail("must hold one number, not \(text)") }
            literal = number
        }
        guard let value = Float(literal), value.isFinite else {
            throw cursor.fail("must be a finite number, not \(text)")
        }
        return value
    }
}
