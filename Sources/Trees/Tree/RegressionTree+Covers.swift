extension RegressionTree {
    /// The same tree with each node's cover set to the total weight of the rows that reach it.
    /// - Parameter data: Rows in the tree's feature order, with optional weights.
    func recomputingCovers(from data: Dataset) -> RegressionTree {
        var covers = [Double](repeating: 0, count: nodes.count)
        var row = [Float](repeating: 0, count: data.featureCount)
        for position in 0..<data.rowCount {
            for feature in 0..<data.featureCount { row[feature] = data.values[feature * data.rowCount + position] }
            let weight = Double(data.weight(row: position))
            var index = 0
            while true {
                covers[index] += weight
                let node = nodes[index]
                if node.isLeaf { break }
                let value = row[Int(node.feature)]
                let goesLeft = value.isNaN ? node.defaultLeft : value < node.threshold
                index = Int(goesLeft ? node.leftChild : node.rightChild)
            }
        }
        var tree = self
        for index in tree.nodes.indices { tree.nodes[index].cover = Float(covers[index]) }
        return tree
    }
}
