import Support

/// Grows one CART regression tree of a random forest on bin codes: weighted squared error, splits that maximize
/// the decrease in impurity, thresholds halfway between the neighbouring values on either side (as scikit-learn
/// places them), and missing values sent the way that fits best (or, when a node has none, to the heavier child).
///
/// A node's candidate splits on a feature come from a histogram of its rows' codes when the node is large, and
/// from sorting its rows' codes when it is small. Each tree owns its grower (and its scratch memory), so trees grow
/// in parallel.
final class ForestTreeGrower {
    /// Nodes with at most this many rows sort their codes instead of filling a histogram.
    static let sortingLimit = 48

    /// The best split found so far in a node.
    private struct Candidate {
        var improvement = 0.0
        var feature = -1
        /// Present codes up to this one go left.
        var lastLeftCode = 0
        var threshold: Float = 0
        var defaultLeft = false
    }

    private let data: ForestTrainingData
    private let parameters: RandomForestParameters
    private let featuresPerSplit: Int
    private var random: SeededGenerator

    private let rowIndex: UnsafeMutablePointer<UInt32>
    private let scratch: UnsafeMutablePointer<UInt32>
    private let sampleWeight: UnsafeMutablePointer<Double>
    private let featureOrder: UnsafeMutablePointer<Int>
    /// Per-code sums of a node's rows: weight, weighted target and row count (256 slots each).
    private let binWeight: UnsafeMutablePointer<Double>
    private let binTarget: UnsafeMutablePointer<Double>
    private let binCount: UnsafeMutablePointer<Int>
    /// The codes present in a node, ascending, with their sums (at most 256).
    private let presentCode: UnsafeMutablePointer<Int>
    private let presentWeight: UnsafeMutablePointer<Double>
    private let presentTarget: UnsafeMutablePointer<Double>
    private let presentCount: UnsafeMutablePointer<Int>
    /// (code << 32 | row) keys of a small node's rows, sorted to group codes.
    private let sortKeys: UnsafeMutablePointer<UInt64>

    init(data: ForestTrainingData, parameters: RandomForestParameters, seed: UInt64, tree: Int) {
        self.data = data
        self.parameters = parameters
        self.featuresPerSplit = parameters.featuresPerSplit.resolved(featureCount: data.featureCount)
        self.random = SeededGenerator(seed: seed, UInt64(tree) &+ 1)
        let rows = max(1, data.rowCount)
        rowIndex = .allocate(capacity: rows)
        scratch = .allocate(capacity: rows)
        sampleWeight = .allocate(capacity: rows)
        featureOrder = .allocate(capacity: data.featureCount)
        for feature in 0..<data.featureCount { featureOrder[feature] = feature }
        binWeight = .allocate(capacity: 256)
        binTarget = .allocate(capacity: 256)
        binCount = .allocate(capacity: 256)
        presentCode = .allocate(capacity: 257)
        presentWeight = .allocate(capacity: 257)
        presentTarget = .allocate(capacity: 257)
        presentCount = .allocate(capacity: 257)
        sortKeys = .allocate(capacity: Self.sortingLimit)
    }

    deinit {
        rowIndex.deallocate()
        scratch.deallocate()
        sampleWeight.deallocate()
        featureOrder.deallocate()
        binWeight.deallocate()
        binTarget.deallocate()
        binCount.deallocate()
        presentCode.deallocate()
        presentWeight.deallocate()
        presentTarget.deallocate()
        presentCount.deallocate()
        sortKeys.deallocate()
    }

    /// Draws the tree's sample (a weighted bootstrap, or every row) and grows the tree on it.
    func grow() -> RegressionTree {
        let rowCount = data.rowCount
        if parameters.bootstrap {
            for row in 0..<rowCount { sampleWeight[row] = 0 }
            for _ in 0..<rowCount { sampleWeight[random.uniform(below: rowCount)] += 1 }
            for row in 0..<rowCount { sampleWeight[row] *= Double(data.weights[row]) }
        } else {
            for row in 0..<rowCount { sampleWeight[row] = Double(data.weights[row]) }
        }
        var sampled = 0
        for row in 0..<rowCount where sampleWeight[row] > 0 {
            rowIndex[sampled] = UInt32(row)
            sampled += 1
        }
        var nodes: [RegressionTree.Node] = [.leaf(value: 0)]
        var stack: [(node: Int, rows: Range<Int>, depth: Int)] = [(0, 0..<sampled, 0)]
        while let (node, rows, depth) = stack.popLast() {
            var weightSum = 0.0
            var targetSum = 0.0
            var lowest = Float.infinity
            var highest = -Float.infinity
            for position in rows {
                let row = Int(rowIndex[position])
                let target = data.targets[row]
                weightSum += sampleWeight[row]
                targetSum += sampleWeight[row] * Double(target)
                lowest = min(lowest, target)
                highest = max(highest, target)
            }
            let mean = weightSum > 0 ? targetSum / weightSum : 0
            let canSplit =
                rows.count >= parameters.minSamplesSplit && rows.count >= 2 * parameters.minSamplesLeaf
                && depth < (parameters.maxDepth ?? Int.max) && lowest < highest
            let candidate = canSplit ? bestSplit(rows: rows, weightSum: weightSum, targetSum: targetSum) : nil
            guard let candidate else {
                nodes[node] = .leaf(value: Float(mean), cover: Float(weightSum))
                continue
            }
            let leftCount = partition(rows, by: candidate)
            let left = nodes.count
            nodes[node] = .split(
                feature: candidate.feature, threshold: candidate.threshold, defaultLeft: candidate.defaultLeft,
                left: left, right: left + 1, weight: Float(mean), gain: Float(candidate.improvement),
                cover: Float(weightSum))
            nodes.append(.leaf(value: 0))
            nodes.append(.leaf(value: 0))
            let middle = rows.lowerBound + leftCount
            stack.append((left + 1, middle..<rows.upperBound, depth + 1))
            stack.append((left, rows.lowerBound..<middle, depth + 1))
        }
        return RegressionTree(nodes: nodes)
    }

    /// The best split of a node, drawing features at random until `featuresPerSplit` non-constant ones have been
    /// tried (constant features do not count, as in scikit-learn); `nil` when no split improves the node.
    private func bestSplit(rows: Range<Int>, weightSum: Double, targetSum: Double) -> Candidate? {
        var best = Candidate()
        let parentScore = targetSum * targetSum / weightSum
        let featureCount = data.featureCount
        var tried = 0
        var drawn = 0
        while drawn < featureCount && tried < featuresPerSplit {
            let pick = drawn + random.uniform(below: featureCount - drawn)
            let feature = featureOrder[pick]
            featureOrder[pick] = featureOrder[drawn]
            featureOrder[drawn] = feature
            drawn += 1
            if evaluate(feature: feature, rows: rows, parentScore: parentScore, into: &best) { tried += 1 }
        }
        return best.feature >= 0 ? best : nil
    }

    /// Collects a node's per-code sums for one feature into the `present…` arrays (ascending codes, missing
    /// excluded); returns how many codes are present and the missing values' sums.
    private func collect(feature: Int, rows: Range<Int>) -> (present: Int, missing: (Double, Double, Int)) {
        let codes = data.codes + feature * data.rowCount
        let targets = data.targets
        let missingCode = data.hasMissing[feature] ? Int(FeatureBins.missingCode) : -1
        var present = 0
        var missing = (0.0, 0.0, 0)
        if rows.count <= Self.sortingLimit {
            var count = 0
            for position in rows {
                let row = rowIndex[position]
                sortKeys[count] = UInt64(codes[Int(row)]) << 32 | UInt64(row)
                count += 1
            }
            // Insertion sort: nodes this small are mostly nearly sorted already.
            for index in 1..<max(1, count) {
                let key = sortKeys[index]
                var position = index
                while position > 0 && sortKeys[position - 1] > key {
                    sortKeys[position] = sortKeys[position - 1]
                    position -= 1
                }
                sortKeys[position] = key
            }
            for index in 0..<count {
                let code = Int(sortKeys[index] >> 32)
                let row = Int(sortKeys[index] & 0xFFFF_FFFF)
                let weight = sampleWeight[row]
                let weighted = weight * Double(targets[row])
                if code == missingCode {
                    missing.0 += weight
                    missing.1 += weighted
                    missing.2 += 1
                } else if present > 0 && presentCode[present - 1] == code {
                    presentWeight[present - 1] += weight
                    presentTarget[present - 1] += weighted
                    presentCount[present - 1] += 1
                } else {
                    presentCode[present] = code
                    presentWeight[present] = weight
                    presentTarget[present] = weighted
                    presentCount[present] = 1
                    present += 1
                }
            }
            return (present, missing)
        }
        let bins = data.binCounts[feature]
        let slots = missingCode >= 0 ? 256 : bins
        binWeight.update(repeating: 0, count: slots)
        binTarget.update(repeating: 0, count: slots)
        binCount.update(repeating: 0, count: slots)
        for position in rows {
            let row = Int(rowIndex[position])
            let code = Int(codes[row])
            let weight = sampleWeight[row]
            binWeight[code] += weight
            binTarget[code] += weight * Double(targets[row])
            binCount[code] += 1
        }
        for code in 0..<bins where binCount[code] > 0 {
            presentCode[present] = code
            presentWeight[present] = binWeight[code]
            presentTarget[present] = binTarget[code]
            presentCount[present] = binCount[code]
            present += 1
        }
        if missingCode >= 0 { missing = (binWeight[missingCode], binTarget[missingCode], binCount[missingCode]) }
        return (present, missing)
    }

    /// Scans one feature's splits in a node; returns whether the feature varies in the node.
    private func evaluate(feature: Int, rows: Range<Int>, parentScore: Double, into best: inout Candidate) -> Bool {
        let (present, missing) = collect(feature: feature, rows: rows)
        if present == 0 || (present < 2 && missing.2 == 0) { return false }
        var totalWeight = missing.0
        var totalTarget = missing.1
        var totalCount = missing.2
        for index in 0..<present {
            totalWeight += presentWeight[index]
            totalTarget += presentTarget[index]
            totalCount += presentCount[index]
        }
        let minimumLeaf = parameters.minSamplesLeaf
        let lowest = data.lowestValues + feature * ForestTrainingData.slots
        let highest = data.highestValues + feature * ForestTrainingData.slots
        func consider(
            _ weight: Double, _ target: Double, _ count: Int, lastLeft: Int, threshold: Float, defaultLeft: Bool
        ) {
            let rightWeight = totalWeight - weight
            let rightTarget = totalTarget - target
            guard count >= minimumLeaf, totalCount - count >= minimumLeaf, weight > 0, rightWeight > 0 else { return }
            let improvement = target * target / weight + rightTarget * rightTarget / rightWeight - parentScore
            if improvement > best.improvement * (1 + 1e-12) + 1e-12 {
                best = Candidate(
                    improvement: improvement, feature: feature, lastLeftCode: lastLeft, threshold: threshold,
                    defaultLeft: defaultLeft)
            }
        }
        var leftWeight = 0.0
        var leftTarget = 0.0
        var leftCount = 0
        for index in 0..<present {
            let code = presentCode[index]
            leftWeight += presentWeight[index]
            leftTarget += presentTarget[index]
            leftCount += presentCount[index]
            let isLast = index == present - 1
            let threshold =
                isLast
                ? data.aboveMaximum[feature] : FeatureBins.midpoint(highest[code], lowest[presentCode[index + 1]])
            if missing.2 == 0 {
                if !isLast {
                    // No missing value here: unseen ones will follow the heavier child.
                    let heavierLeft = leftWeight >= totalWeight - leftWeight
                    consider(
                        leftWeight, leftTarget, leftCount, lastLeft: code, threshold: threshold,
                        defaultLeft: heavierLeft)
                }
                continue
            }
            consider(leftWeight, leftTarget, leftCount, lastLeft: code, threshold: threshold, defaultLeft: false)
            if !isLast {
                consider(
                    leftWeight + missing.0, leftTarget + missing.1, leftCount + missing.2, lastLeft: code,
                    threshold: threshold, defaultLeft: true)
            }
        }
        if missing.2 > 0 {
            // Missing values alone on the left.
            consider(missing.0, missing.1, missing.2, lastLeft: -1, threshold: data.minimum[feature], defaultLeft: true)
        }
        return true
    }

    /// Reorders a node's rows so that those going left come first (keeping their order); returns how many go left.
    private func partition(_ rows: Range<Int>, by candidate: Candidate) -> Int {
        let codes = data.codes + candidate.feature * data.rowCount
        let missingCode = data.hasMissing[candidate.feature] ? Int(FeatureBins.missingCode) : -1
        let missingLeft = candidate.defaultLeft ? 1 : 0
        let lastLeft = candidate.lastLeftCode
        var leftEnd = rows.lowerBound
        var rightCount = 0
        let rights = scratch + rows.lowerBound
        for position in rows {
            let row = rowIndex[position]
            let code = Int(codes[Int(row)])
            let goesLeft = code == missingCode ? missingLeft : (code <= lastLeft ? 1 : 0)
            rowIndex[leftEnd] = row
            rights[rightCount] = row
            leftEnd &+= goesLeft
            rightCount &+= 1 &- goesLeft
        }
        (rowIndex + leftEnd).update(from: rights, count: rightCount)
        return leftEnd - rows.lowerBound
    }
}
