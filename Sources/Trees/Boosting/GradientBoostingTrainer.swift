import Support

/// The boosting loop for squared error: start from the base score, then fit each tree to the gradients
/// `w·(ŷ − y)` and hessians `w` of the current predictions.
struct GradientBoostingTrainer {
    struct Result {
        var baseScore: Float
        var trees: [RegressionTree]
        /// The model's predictions on the training rows (identical to what the finished model predicts).
        var trainingPredictions: [Float]
    }

    /// - Parameter start: the model's output per row before the first new tree (boosting continued from a model
    ///   already trained); nil: the base score for every row.
    static func train(
        dataset: Dataset, parameters: GradientBoostingParameters, startingFrom start: [Float]? = nil,
        progress: (@Sendable (_ treesBuilt: Int, _ treeCount: Int) -> Void)?
    ) throws(TrainingError) -> Result {
        try parameters.validate()
        guard let targets = dataset.targets else { throw TrainingError(.noTargets) }
        guard dataset.rowCount > 0 else { throw TrainingError(.noRows) }
        let rowCount = dataset.rowCount
        let weights = dataset.weights ?? [Float](repeating: 1, count: rowCount)
        var weightSum = 0.0
        var weightedTargetSum = 0.0
        for row in 0..<rowCount {
            weightSum += Double(weights[row])
            weightedTargetSum += Double(weights[row]) * Double(targets[row])
        }
        guard weightSum > 0 else { throw TrainingError(.zeroTotalWeight) }
        let baseScore = parameters.baseScore ?? Float(weightedTargetSum / weightSum)

        let binned = BinnedFeatures(
            dataset: dataset, maxBins: parameters.maxBins, placement: .upperValue, rowMajorCopy: true)
        let grower = HistogramTreeGrower(binned: binned, parameters: parameters)
        var random = SeededGenerator(seed: parameters.seed)
        var predictions = start ?? [Float](repeating: baseScore, count: rowCount)
        var trees: [RegressionTree] = []
        trees.reserveCapacity(parameters.treeCount)
        var allFeatures = Array(0..<dataset.featureCount)
        let activeCount = max(1, Int(parameters.columnSampleByTree * Double(dataset.featureCount)))
        var inSample = [Bool](repeating: true, count: rowCount)

        for treeNumber in 0..<parameters.treeCount {
            predictions.withUnsafeBufferPointer { predictions in
                let gradients = grower.gradients
                Parallel.forEach(Self.chunks(rowCount)) { chunk in
                    for row in Self.rows(of: chunk, in: rowCount) {
                        let weight = weights[row]
                        gradients[row] = SIMD2(Double((predictions[row] - targets[row]) * weight), Double(weight))
                    }
                }
            }
            var activeFeatures = allFeatures
            if activeCount < allFeatures.count {
                random.partialShuffle(&allFeatures, count: activeCount)
                activeFeatures = allFeatures[0..<activeCount].sorted()
            }
            var sampledCount = 0
            for row in 0..<rowCount {
                let taken = parameters.subsample >= 1 || random.uniform() < parameters.subsample
                inSample[row] = taken
                if taken {
                    grower.rowIndex[sampledCount] = UInt32(row)
                    sampledCount += 1
                }
            }
            let grown = grower.grow(sampledCount: sampledCount, activeFeatures: activeFeatures)
            let nodes = grown.tree.nodes
            predictions.withUnsafeMutableBufferPointer { predictions in
                let rowIndex = grower.rowIndex
                // Leaves own disjoint rows.
                Parallel.forEach(grown.leafRanges.count) { leaf in
                    let (node, rows) = grown.leafRanges[leaf]
                    let value = nodes[node].leafValue
                    for position in rows { predictions[Int(rowIndex[position])] += value }
                }
            }
            if sampledCount < rowCount {
                for row in 0..<rowCount where !inSample[row] {
                    predictions[row] += nodes[leaf(of: row, in: grown, binned: binned)].leafValue
                }
            }
            trees.append(grown.tree)
            progress?(treeNumber + 1, parameters.treeCount)
        }
        return Result(baseScore: baseScore, trees: trees, trainingPredictions: predictions)
    }

    /// Rows per parallel task in per-row passes.
    static let chunkRows = 16_384

    /// The number of chunks of `chunkRows` rows that cover `rowCount` rows.
    static func chunks(_ rowCount: Int) -> Int { (rowCount + chunkRows - 1) / chunkRows }

    /// The rows of one chunk.
    static func rows(of chunk: Int, in rowCount: Int) -> Range<Int> {
        (chunk * chunkRows)..<min(rowCount, (chunk + 1) * chunkRows)
    }

    /// The leaf a training row reaches, walking the tree on bin codes.
    private static func leaf(of row: Int, in grown: HistogramTreeGrower.GrownTree, binned: BinnedFeatures) -> Int {
        var index = 0
        let nodes = grown.tree.nodes
        while !nodes[index].isLeaf {
            let split = grown.binSplits[index]
            let code = binned.columnCodes[split.feature * binned.rowCount + row]
            let goesLeft =
                binned.bins[split.feature].isMissing(code) ? split.defaultLeft : Int(code) <= split.lastLeftBin
            index = Int(goesLeft ? nodes[index].leftChild : nodes[index].rightChild)
        }
        return index
    }
}
