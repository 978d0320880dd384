extension RegressionTree {
    /// Writes the tree as an XGBoost JSON tree object (the same object Hearth forests use).
    func writeXGBoostJSON(to writer: inout JSONWriter, id: Int, featureCount: Int) {
        var parents = [Int](repeating: Int(Int32.max), count: nodes.count)
        for (index, node) in nodes.enumerated() where !node.isLeaf {
            parents[Int(node.leftChild)] = index
            parents[Int(node.rightChild)] = index
        }
        writer.beginObject()
        writer.floats(nodes.map(\.weight), key: "base_weights")
        writer.ints([], key: "categories")
        writer.ints([], key: "categories_nodes")
        writer.ints([], key: "categories_segments")
        writer.ints([], key: "categories_sizes")
        writer.ints(nodes.map { $0.defaultLeft ? 1 : 0 }, key: "default_left")
        writer.int(id, key: "id")
        writer.ints(nodes.map { Int($0.leftChild) }, key: "left_children")
        writer.floats(nodes.map(\.gain), key: "loss_changes")
        writer.ints(parents, key: "parents")
        writer.ints(nodes.map { Int($0.rightChild) }, key: "right_children")
        writer.floats(nodes.map { $0.isLeaf ? $0.leafValue : $0.threshold }, key: "split_conditions")
        writer.ints(nodes.map { Int($0.feature) }, key: "split_indices")
        writer.ints(repeatElement(0, count: nodes.count), key: "split_type")
        writer.floats(nodes.map(\.cover), key: "sum_hessian")
        writer.beginObject("tree_param")
        writer.string("0", key: "num_deleted")
        writer.string("\(featureCount)", key: "num_feature")
        writer.string("\(nodes.count)", key: "num_nodes")
        writer.string("1", key: "size_leaf_vector")
        writer.endObject()
        writer.endObject()
    }

    /// Reads an XGBoost JSON tree object: its node arrays must all have `tree_param.num_nodes` entries, and only
    /// numerical splits with scalar leaves are supported. A tree without `sum_hessian` gets covers of 0.
    init(xgboostJSON json: JSONCursor) throws(JSONShapeError) {
        let parameters = try json["tree_param"]
        let nodeCount = try parameters["num_nodes"].intOrIntString()
        guard nodeCount >= 1 else { throw try parameters["num_nodes"].fail("must be at least 1") }
        if let leafVector = try parameters.optional("size_leaf_vector"),
            try leafVector.intOrIntString() > 1
        {
            throw leafVector.fail("is above 1: vector leaves (multi-target trees) are not supported")
        }
        func array<T>(
            _ key: String, _ read: (JSONCursor) throws(JSONShapeError) -> [T]
        ) throws(JSONShapeError)
            -> [T]
        {
            let member = try json[key]
            let values = try read(member)
            guard values.count == nodeCount else {
                throw member.fail("has \(values.count) entries but the tree has \(nodeCount) nodes")
            }
            return values
        }
        let left = try array("left_children") { (cursor) throws(JSONShapeError) in try cursor.intArray() }
        let right = try array("right_children") { (cursor) throws(JSONShapeError) in try cursor.intArray() }
        let features = try array("split_indices") { (cursor) throws(JSONShapeError) in try cursor.intArray() }
        let conditions = try array("split_conditions") { (cursor) throws(JSONShapeError) in try cursor.floatArray() }
        let defaultLeft = try array("default_left") { (cursor) throws(JSONShapeError) in try cursor.intArray() }
        let weights = try array("base_weights") { (cursor) throws(JSONShapeError) in try cursor.floatArray() }
        let gains = try array("loss_changes") { (cursor) throws(JSONShapeError) in try cursor.floatArray() }
        // Covers are optional: a tree without them predicts, but its predictions cannot be explained.
        let covers =
            try json.optional("sum_hessian") == nil
            ? [Float](repeating: 0, count: nodeCount)
            : try array("sum_hessian") { (cursor) throws(JSONShapeError) in try cursor.floatArray() }
        if let splitTypes = try json.optional("split_type") {
            let types = try splitTypes.intArray()
            if let node = types.firstIndex(where: { $0 != 0 }) {
                throw JSONShapeError(
                    path: "\(splitTypes.path)[\(node)]", message: "is a categorical split, which is not supported")
            }
        }
        var nodes: [Node] = []
        nodes.reserveCapacity(nodeCount)
        for index in 0..<nodeCount {
            guard let leftChild = Int32(exactly: left[index]), let rightChild = Int32(exactly: right[index]),
                let feature = Int32(exactly: features[index])
            else {
                throw JSONShapeError(path: "\(json.path).left_children[\(index)]", message: "is out of range")
            }
            if leftChild < 0 {
                nodes.append(
                    Node(
                        leftChild: -1, rightChild: rightChild < 0 ? -1 : rightChild, feature: 0, threshold: 0,
                        defaultLeft: false, leafValue: conditions[index], weight: weights[index], gain: gains[index],
                        cover: covers[index]))
            } else {
                nodes.append(
                    Node(
                        leftChild: leftChild, rightChild: rightChild, feature: feature, threshold: conditions[index],
                        defaultLeft: defaultLeft[index] != 0, leafValue: 0, weight: weights[index],
                        gain: gains[index], cover: covers[index]))
            }
        }
        self.init(nodes: nodes)
    }
}
