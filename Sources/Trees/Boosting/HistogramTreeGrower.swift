import Support

/// Grows one boosted tree level by level from gradient/hessian histograms, as XGBoost's `hist` method does with
/// its default depth-wise policy.
///
/// Rows are kept in one index array in which every node owns a contiguous range. At each level the smaller child
/// of every split gets a fresh histogram and its sibling gets the parent's minus it (the subtraction trick).
/// Histograms are built in parallel over (node, block of features) tasks, each summing its rows in row order, so
/// the sums, and so the tree, do not depend on the number of threads.
final class HistogramTreeGrower {
    /// Histogram slots per feature: one per bin code, the missing code included.
    static let slotsPerFeature = 256
    /// Splits must reduce the loss by more than this, as in XGBoost (`kRtEps`).
    static let minimumLossChange = 1e-6

    /// A split learned on bin codes: bins `0...lastLeftBin` go left, missing values follow `defaultLeft`.
    struct BinSplit {
        var feature: Int
        var lastLeftBin: Int
        var defaultLeft: Bool
    }

    /// A grown tree, with what is needed to update the training predictions without walking it.
    struct GrownTree {
        var tree: RegressionTree
        /// The bin split of each internal node (unused at leaves).
        var binSplits: [BinSplit]
        /// Each leaf's node index and its range in the row index array.
        var leafRanges: [(node: Int, rows: Range<Int>)]
    }

    private struct LevelNode {
        var id: Int
        var rows: Range<Int>
        var sums: SIMD2<Double>
    }

    private struct SplitChoice {
        var lossChange = 0.0
        var feature = -1
        var lastLeftBin = 0
        var defaultLeft = false
        var left = SIMD2<Double>.zero
        var right = SIMD2<Double>.zero
    }

    let binned: BinnedFeatures
    let score: SplitScore
    let maxDepth: Int
    let learningRate: Float
    let minSplitLoss: Double
    let histogramMemoryBudget: Int
    private let featureCount: Int
    private let histogramStride: Int

    /// Row indices; the first `sampledCount` are the rows of the current tree, grouped by node.
    let rowIndex: UnsafeMutablePointer<UInt32>
    /// Rows going left and right, by position, while partitioning.
    private let leftScratch: UnsafeMutablePointer<UInt32>
    private let rightScratch: UnsafeMutablePointer<UInt32>
    /// Per-row (gradient, hessian), filled by the caller before each tree.
    let gradients: UnsafeMutablePointer<SIMD2<Double>>
    private var parentHistograms: UnsafeMutablePointer<SIMD2<Double>>
    private var childHistograms: UnsafeMutablePointer<SIMD2<Double>>
    private var parentCapacity = 1
    private var childCapacity = 2

    init(binned: BinnedFeatures, parameters: GradientBoostingParameters) {
        precondition(binned.rowCodes.count == binned.rowCount * binned.featureCount, "histograms need row-major codes")
        self.binned = binned
        self.score = SplitScore(lambda: parameters.l2Regularization, minChildWeight: parameters.minChildWeight)
        self.maxDepth = parameters.maxDepth
        self.learningRate = parameters.learningRate
        self.minSplitLoss = parameters.minSplitLoss
        self.histogramMemoryBudget = parameters.histogramMemoryBudget
        self.featureCount = binned.featureCount
        self.histogramStride = binned.featureCount * Self.slotsPerFeature
        let rowCount = max(1, binned.rowCount)
        rowIndex = .allocate(capacity: rowCount)
        leftScratch = .allocate(capacity: rowCount)
        rightScratch = .allocate(capacity: rowCount)
        gradients = .allocate(capacity: rowCount)
        parentHistograms = .allocate(capacity: parentCapacity * histogramStride)
        childHistograms = .allocate(capacity: childCapacity * histogramStride)
    }

    deinit {
        rowIndex.deallocate()
        leftScratch.deallocate()
        rightScratch.deallocate()
        gradients.deallocate()
        parentHistograms.deallocate()
        childHistograms.deallocate()
    }

    /// Grows a tree on the rows `rowIndex[0..<sampledCount]` using the features `activeFeatures` (ascending).
    func grow(sampledCount: Int, activeFeatures: [Int]) -> GrownTree {
        var nodes: [RegressionTree.Node] = [.leaf(value: 0)]
        var binSplits: [BinSplit] = [BinSplit(feature: 0, lastLeftBin: 0, defaultLeft: false)]
        var leafRanges: [(node: Int, rows: Range<Int>)] = []
        // Partial sums by fixed chunks, added in chunk order: the same total whatever the thread count.
        let partialSums = Parallel.map(GradientBoostingTrainer.chunks(sampledCount)) { chunk in
            var sums = SIMD2<Double>.zero
            for position in GradientBoostingTrainer.rows(of: chunk, in: sampledCount) {
                sums += gradients[Int(rowIndex[position])]
            }
            return sums
        }
        let rootSums = partialSums.reduce(SIMD2<Double>.zero, +)
        var level = [LevelNode(id: 0, rows: 0..<sampledCount, sums: rootSums)]
        let blocks = featureBlocks(activeFeatures)
        // The best split of each node of the level, found right after its histogram is built.
        var choices: [SplitChoice] = []
        if maxDepth > 0 {
            let root = level[0]
            let histogram = parentHistograms
            let perBlock = Parallel.map(blocks.count) { block in
                let features = activeFeatures[blocks[block]]
                buildHistogram(into: histogram, rows: root.rows, features: features)
                return bestSplit(of: root, histogram: histogram, features: features)
            }
            choices = [Self.best(of: perBlock)]
        }
        // Whether the current level's histograms are kept (for the children's subtraction).
        var parentsStored = maxDepth > 0
        var depth = 0
        while !level.isEmpty {
            var next: [LevelNode] = []
            var splitting: [(node: LevelNode, choice: SplitChoice, leftID: Int, slot: Int)] = []
            if depth < maxDepth {
                for (index, node) in level.enumerated() {
                    let choice = choices[index]
                    guard choice.feature >= 0, choice.lossChange > Self.minimumLossChange,
                        choice.lossChange >= minSplitLoss, choice.left.y != 0, choice.right.y != 0
                    else { continue }
                    let leftID = nodes.count
                    let bins = binned.bins[choice.feature]
                    nodes[node.id] = .split(
                        feature: choice.feature, threshold: bins.threshold(lastLeftBin: choice.lastLeftBin),
                        defaultLeft: choice.defaultLeft, left: leftID, right: leftID + 1,
                        weight: Float(score.weight(node.sums)), gain: Float(choice.lossChange),
                        cover: Float(node.sums.y))
                    binSplits[node.id] = BinSplit(
                        feature: choice.feature, lastLeftBin: choice.lastLeftBin, defaultLeft: choice.defaultLeft)
                    nodes.append(.leaf(value: 0))
                    nodes.append(.leaf(value: 0))
                    binSplits.append(BinSplit(feature: 0, lastLeftBin: 0, defaultLeft: false))
                    binSplits.append(BinSplit(feature: 0, lastLeftBin: 0, defaultLeft: false))
                    splitting.append((node, choice, leftID, index))
                    // Mark the parent so that it is not made a leaf below.
                    level[index].id = -1
                }
                let leftCounts = partition(splitting.map { ($0.node.rows, $0.choice) })
                for (index, split) in splitting.enumerated() {
                    let rows = split.node.rows
                    let middle = rows.lowerBound + leftCounts[index]
                    next.append(LevelNode(id: split.leftID, rows: rows.lowerBound..<middle, sums: split.choice.left))
                    next.append(
                        LevelNode(id: split.leftID + 1, rows: middle..<rows.upperBound, sums: split.choice.right))
                }
                if depth + 1 < maxDepth && !splitting.isEmpty {
                    let storeChildren = next.count <= maxStoredHistograms
                    choices = buildChildHistograms(
                        parentSlots: parentsStored ? splitting.map(\.slot) : nil, children: next,
                        features: activeFeatures, blocks: blocks, storeChildren: storeChildren)
                    if storeChildren {
                        swap(&parentHistograms, &childHistograms)
                        swap(&parentCapacity, &childCapacity)
                    }
                    parentsStored = storeChildren
                }
            }
            for node in level where node.id >= 0 {
                let weight = Float(score.weight(node.sums))
                nodes[node.id] = .leaf(value: weight * learningRate, cover: Float(node.sums.y))
                leafRanges.append((node.id, node.rows))
            }
            level = next
            depth += 1
        }
        return GrownTree(tree: RegressionTree(nodes: nodes), binSplits: binSplits, leafRanges: leafRanges)
    }

    /// Splits the active features into a few contiguous blocks: the unit of parallel histogram work.
    private func featureBlocks(_ features: [Int]) -> [Range<Int>] {
        let blockCount = min(features.count, 2)
        guard blockCount > 0 else { return [] }
        return (0..<blockCount).map { block in
            (block * features.count / blockCount)..<((block + 1) * features.count / blockCount)
        }
    }

    /// Sums the gradient pairs of `rows` into the slots of `features` in one node's histogram.
    private func buildHistogram(
        into histogram: UnsafeMutablePointer<SIMD2<Double>>, rows: Range<Int>, features: ArraySlice<Int>
    ) {
        let slots = Self.slotsPerFeature
        for feature in features {
            (histogram + feature * slots).update(repeating: .zero, count: slots)
        }
        binned.rowCodes.withUnsafeBufferPointer { codeBuffer in
            let codes = codeBuffer.baseAddress!
            let stride = featureCount
            let gradients = self.gradients
            let rowIndex = self.rowIndex
            features.withUnsafeBufferPointer { featureBuffer in
                let first = featureBuffer.first ?? 0
                let isContiguous = featureBuffer.last.map { $0 - first + 1 == featureBuffer.count } ?? true
                if isContiguous {
                    let count = featureBuffer.count
                    let base = histogram + first * slots
                    for position in rows {
                        let row = Int(rowIndex[position])
                        let pair = gradients[row]
                        let rowCodes = codes + row * stride + first
                        for offset in 0..<count {
                            base[offset &* slots &+ Int(rowCodes[offset])] += pair
                        }
                    }
                } else {
                    for position in rows {
                        let row = Int(rowIndex[position])
                        let pair = gradients[row]
                        let rowCodes = codes + row * stride
                        for feature in featureBuffer {
                            histogram[feature &* slots &+ Int(rowCodes[feature])] += pair
                        }
                    }
                }
            }
        }
    }

    /// The most histograms kept per level (about 32 MiB of them): deeper, wider levels build every child's histogram
    /// from its rows and keep none, so memory stays bounded whatever `max_depth` is.
    private var maxStoredHistograms: Int {
        max(2, histogramMemoryBudget / (histogramStride * MemoryLayout<SIMD2<Double>>.stride))
    }

    /// Builds the children's histograms and finds each child's best split, block of features by block of features.
    ///
    /// With the parents' histograms at hand, the smaller child's histogram is summed from its rows and its sibling's
    /// is the parent's minus it; without them, both are summed. The children's histograms are kept (for the next
    /// level's subtraction) when `storeChildren` is set, and dropped after use otherwise.
    private func buildChildHistograms(
        parentSlots: [Int]?, children: [LevelNode], features: [Int], blocks: [Range<Int>], storeChildren: Bool
    ) -> [SplitChoice] {
        if storeChildren && childCapacity < children.count {
            childHistograms.deallocate()
            childCapacity = min(max(children.count, 2 * childCapacity), max(children.count, maxStoredHistograms))
            childHistograms = .allocate(capacity: childCapacity * histogramStride)
        }
        let parents = parentHistograms
        let childHistograms = self.childHistograms
        let stride = histogramStride
        let slots = Self.slotsPerFeature
        let pairCount = children.count / 2
        let perTask = Parallel.map(pairCount * blocks.count) { task -> (SplitChoice, SplitChoice) in
            let pair = task / blocks.count
            let block = features[blocks[task % blocks.count]]
            let left = children[2 * pair]
            let right = children[2 * pair + 1]
            let scratch: UnsafeMutablePointer<SIMD2<Double>>? = storeChildren ? nil : .allocate(capacity: 2 * stride)
            defer { scratch?.deallocate() }
            let leftHistogram = scratch ?? childHistograms + 2 * pair * stride
            let rightHistogram = leftHistogram + stride
            if let parentSlots {
                let leftIsSmaller = left.rows.count <= right.rows.count
                let small = leftIsSmaller ? leftHistogram : rightHistogram
                let large = leftIsSmaller ? rightHistogram : leftHistogram
                buildHistogram(into: small, rows: leftIsSmaller ? left.rows : right.rows, features: block)
                let parent = parents + parentSlots[pair] * stride
                for feature in block {
                    let offset = feature * slots
                    for slot in offset..<(offset + slots) {
                        large[slot] = parent[slot] - small[slot]
                    }
                }
            } else {
                buildHistogram(into: leftHistogram, rows: left.rows, features: block)
                buildHistogram(into: rightHistogram, rows: right.rows, features: block)
            }
            return (
                bestSplit(of: left, histogram: leftHistogram, features: block),
                bestSplit(of: right, histogram: rightHistogram, features: block)
            )
        }
        var choices: [SplitChoice] = []
        for pair in 0..<pairCount {
            let tasks = perTask[(pair * blocks.count)..<((pair + 1) * blocks.count)]
            choices.append(Self.best(of: tasks.map(\.0)))
            choices.append(Self.best(of: tasks.map(\.1)))
        }
        return choices
    }

    /// The best of several blocks' choices for one node: blocks are in feature order, and a later block wins
    /// only with a strictly larger loss change, as if all features had been scanned in one pass.
    private static func best(of candidates: [SplitChoice]) -> SplitChoice {
        var best = SplitChoice()
        for candidate in candidates where candidate.lossChange > best.lossChange { best = candidate }
        return best
    }

    /// The best split of a node over the active features, scanning each feature's bins forward (missing values
    /// right) and, when the node has missing values, backward (missing values left), as XGBoost does.
    private func bestSplit(
        of node: LevelNode, histogram: UnsafeMutablePointer<SIMD2<Double>>, features: ArraySlice<Int>
    ) -> SplitChoice {
        var best = SplitChoice()
        let parentScore = score.score(node.sums)
        for feature in features {
            let bins = binned.bins[feature]
            let binCount = bins.binCount
            let slots = histogram + feature * Self.slotsPerFeature
            var left = SIMD2<Double>.zero
            for bin in 0..<binCount {
                // An empty bin gives the same split as the bin before it, which already won or lost.
                let slot = slots[bin]
                if slot == .zero { continue }
                left += slot
                let right = node.sums - left
                guard score.allows(left: left, right: right) else { continue }
                let change = score.childrenScore(left: left, right: right) - parentScore
                if change > best.lossChange {
                    best = SplitChoice(
                        lossChange: change, feature: feature, lastLeftBin: bin, defaultLeft: false, left: left,
                        right: right)
                }
            }
            let missing = slots[Int(FeatureBins.missingCode)]
            guard bins.hasMissing, missing != .zero else { continue }
            var right = SIMD2<Double>.zero
            for bin in stride(from: binCount - 1, through: 0, by: -1) {
                let slot = slots[bin]
                if slot == .zero { continue }
                right += slot
                let left = node.sums - right
                guard score.allows(left: left, right: right) else { continue }
                let change = score.childrenScore(left: left, right: right) - parentScore
                if change > best.lossChange {
                    best = SplitChoice(
                        lossChange: change, feature: feature, lastLeftBin: bin - 1, defaultLeft: true, left: left,
                        right: right)
                }
            }
        }
        return best
    }

    /// Rows per partition task: large nodes are cut into chunks partitioned in parallel.
    static let partitionChunk = 16_384

    /// Reorders each splitting node's rows so that those going left come first, keeping their order (a stable
    /// partition, whatever the chunking); returns how many rows go left in each node.
    private func partition(_ nodes: [(rows: Range<Int>, choice: SplitChoice)]) -> [Int] {
        var chunks: [(node: Int, rows: Range<Int>)] = []
        for (index, node) in nodes.enumerated() {
            var start = node.rows.lowerBound
            repeat {
                let end = min(node.rows.upperBound, start + Self.partitionChunk)
                chunks.append((index, start..<end))
                start = end
            } while start < node.rows.upperBound
        }
        let leftCounts = Parallel.map(chunks.count) { chunk in
            partitionChunk(chunks[chunk].rows, by: nodes[chunks[chunk].node].choice)
        }
        // Where each chunk's left and right rows go: lefts in chunk order, then rights in chunk order.
        var destinations: [(left: Int, right: Int)] = []
        var totals = [Int](repeating: 0, count: nodes.count)
        for (chunk, count) in zip(chunks, leftCounts) { totals[chunk.node] += count }
        var nextLeft = nodes.map(\.rows.lowerBound)
        var nextRight = nodes.indices.map { nodes[$0].rows.lowerBound + totals[$0] }
        for (chunk, count) in zip(chunks, leftCounts) {
            destinations.append((nextLeft[chunk.node], nextRight[chunk.node]))
            nextLeft[chunk.node] += count
            nextRight[chunk.node] += chunk.rows.count - count
        }
        Parallel.forEach(chunks.count) { index in
            let rows = chunks[index].rows
            let count = leftCounts[index]
            (rowIndex + destinations[index].left).update(from: leftScratch + rows.lowerBound, count: count)
            (rowIndex + destinations[index].right).update(
                from: rightScratch + rows.lowerBound, count: rows.count - count)
        }
        return totals
    }

    /// Splits one chunk of rows into `leftScratch` and `rightScratch` (at the chunk's positions), branch-free;
    /// returns how many go left.
    private func partitionChunk(_ rows: Range<Int>, by choice: SplitChoice) -> Int {
        let bins = binned.bins[choice.feature]
        let lastLeft = choice.lastLeftBin
        let missingCode: Int = bins.hasMissing ? Int(FeatureBins.missingCode) : -1
        let missingLeft = choice.defaultLeft ? 1 : 0
        let columnStart = choice.feature * binned.rowCount
        return binned.columnCodes.withUnsafeBufferPointer { codes in
            // The feature's own column: rows in ascending order read it nearly sequentially.
            let column = codes.baseAddress! + columnStart
            let lefts = leftScratch + rows.lowerBound
            let rights = rightScratch + rows.lowerBound
            var leftCount = 0
            var rightCount = 0
            for position in rows {
                let row = rowIndex[position]
                let code = Int(column[Int(row)])
                let present = code <= lastLeft ? 1 : 0
                let goesLeft = code == missingCode ? missingLeft : present
                lefts[leftCount] = row
                rights[rightCount] = row
                leftCount &+= goesLeft
                rightCount &+= 1 &- goesLeft
            }
            return leftCount
        }
    }
}
