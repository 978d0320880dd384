import Support

/// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent individualized feature attribution for tree
/// ensembles", Algorithm 2) over ``RegressionTree`` nodes, with the per-tree facts it needs computed once.
///
/// A row's walk down a tree is followed along both branches of every split: the branch the row takes ("hot") keeps
/// the row's share, the other ("cold") only the training share `cover(child) / cover(node)`. The path of unique
/// features met so far carries, for every subset size, the weight of the paths through it; reaching a leaf, each
/// feature on the path gets its Shapley share of the leaf's value. A feature met twice on a path is unwound and
/// extended again, so it counts once. Time per row is O(leaves × depth²) per tree.
///
/// A split whose cover is 0 (no training weight reached it) gives both children a share of 0, consistently with
/// the expected values; a cold branch with share 0 contributes nothing and is skipped.
struct TreeSHAP: Sendable {
    /// One element of the path of unique features.
    struct PathElement {
        /// The feature, or -1 for the root's placeholder.
        var feature: Int32
        /// The share of training rows that follow this path at the feature's splits.
        var zeroFraction: Double
        /// 1 when the row itself follows this path at the feature's splits, else 0.
        var oneFraction: Double
        /// The weight of the subsets of this element's size.
        var weight: Double
    }

    /// Each tree's expected output: its leaves weighted by the covers along their paths.
    let expectedValues: [Double]
    /// The number of path elements one row's walk needs, for the deepest tree.
    let pathCapacity: Int
    /// Why the trees cannot be explained, when they cannot.
    let problem: ExplanationError?

    init(trees: [RegressionTree]) {
        var expectations: [Double] = []
        expectations.reserveCapacity(trees.count)
        var problem: ExplanationError?
        var deepest = 0
        for (index, tree) in trees.enumerated() {
            deepest = max(deepest, tree.depth)
            if problem == nil { problem = Self.coverProblem(tree, index: index) }
            expectations.append(problem == nil ? Self.expectedValue(tree) : 0)
        }
        expectedValues = expectations
        // Recursion level k copies k + 1 elements after the previous level's: Σ (k + 1) for k ≤ depth, plus one
        // element of slack for the copy at the deepest level.
        pathCapacity = (deepest + 2) * (deepest + 3) / 2 + 1
        self.problem = problem
    }

    /// The first reason a tree cannot be explained: a splitting root without cover, or an invalid cover.
    private static func coverProblem(_ tree: RegressionTree, index: Int) -> ExplanationError? {
        var stack = [0]
        while let node = stack.popLast() {
            let cover = tree.nodes[node].cover
            guard cover.isFinite, cover >= 0 else {
                return ExplanationError(.invalidCover(tree: index, node: node, value: cover))
            }
            if tree.nodes[node].isLeaf { continue }
            if node == 0 && cover == 0 { return ExplanationError(.missingCover(tree: index)) }
            stack.append(Int(tree.nodes[node].leftChild))
            stack.append(Int(tree.nodes[node].rightChild))
        }
        return nil
    }

    /// `Σ leaf value × Π cover(child) / cover(parent)` over the leaves: XGBoost's node mean value at the root.
    private static func expectedValue(_ tree: RegressionTree) -> Double {
        var total = 0.0
        var stack: [(node: Int, share: Double)] = [(0, 1)]
        while let (index, share) = stack.popLast() {
            let node = tree.nodes[index]
            if node.isLeaf {
                total += share * Double(node.leafValue)
                continue
            }
            let cover = Double(node.cover)
            for child in [Int(node.leftChild), Int(node.rightChild)] {
                let fraction = cover > 0 ? Double(tree.nodes[child].cover) / cover : 0
                if fraction != 0 { stack.append((child, share * fraction)) }
            }
        }
        return total
    }

    /// Adds every tree's contributions for one row to `phi` (one slot per feature), using `path` as scratch space of
    /// at least ``pathCapacity`` elements, `reciprocals[k] = 1 / k` for `k` up to ``pathCapacity``, and scratch
    /// space of 3 × ``pathCapacity`` doubles and ``pathCapacity`` features.
    func accumulate(
        trees: [RegressionTree], row: UnsafePointer<Float>, into phi: UnsafeMutablePointer<Double>,
        path: UnsafeMutablePointer<PathElement>, reciprocals: UnsafePointer<Double>,
        scratch: UnsafeMutablePointer<Double>, hotFeatures: UnsafeMutablePointer<Int32>
    ) {
        let walk = Walk(
            row: row, phi: phi, reciprocals: reciprocals, hotFeatures: hotFeatures, hotZero: scratch,
            hotNext: scratch + pathCapacity, hotTotal: scratch + 2 * pathCapacity)
        for tree in trees {
            tree.nodes.withUnsafeBufferPointer { nodes in
                walk.recurse(
                    nodes: nodes.baseAddress!, node: 0, parentPath: path, depth: 0, zeroFraction: 1, oneFraction: 1,
                    feature: -1)
            }
        }
    }

    /// One row's walk: Algorithm 2's RECURSE, EXTEND, UNWIND and UNWOUNDSUM.
    ///
    /// Every element's one-fraction is 0 or 1 (the row follows a branch or it does not), which lets the arithmetic
    /// drop the divisions by it, and at a leaf the unwound sum of every element the row did not follow is the same
    /// sum over the path divided by that element's zero-fraction, so it is computed once per leaf.
    private struct Walk {
        let row: UnsafePointer<Float>
        let phi: UnsafeMutablePointer<Double>
        let reciprocals: UnsafePointer<Double>
        /// Scratch space for a leaf's followed elements, at least ``pathCapacity`` each.
        let hotFeatures: UnsafeMutablePointer<Int32>
        let hotZero: UnsafeMutablePointer<Double>
        let hotNext: UnsafeMutablePointer<Double>
        let hotTotal: UnsafeMutablePointer<Double>

        /// Extends the parent's path with the split that led here, then either shares a leaf's value among the
        /// path's features or follows both children.
        func recurse(
            nodes: UnsafePointer<RegressionTree.Node>, node index: Int, parentPath: UnsafeMutablePointer<PathElement>,
            depth parentDepth: Int, zeroFraction: Double, oneFraction: Double, feature: Int32
        ) {
            let path = parentPath + (parentDepth + 1)
            path.update(from: parentPath, count: parentDepth + 1)
            extend(path, depth: parentDepth, zeroFraction: zeroFraction, oneFraction: oneFraction, feature: feature)
            let node = nodes[index]
            if node.isLeaf {
                shareLeaf(Double(node.leafValue), path: path, depth: parentDepth)
                return
            }
            let x = row[Int(node.feature)]
            let goesLeft = x.isNaN ? node.defaultLeft : x < node.threshold
            let hot = Int(goesLeft ? node.leftChild : node.rightChild)
            let cold = Int(goesLeft ? node.rightChild : node.leftChild)
            let cover = Double(node.cover)
            let hotShare = cover > 0 ? Double(nodes[hot].cover) / cover : 0
            let coldShare = cover > 0 ? Double(nodes[cold].cover) / cover : 0
            var depth = parentDepth
            var incomingZero = 1.0
            var incomingOne = 1.0
            // A feature already on the path is unwound, so that its splits count once.
            var previous = 1
            while previous <= depth && path[previous].feature != node.feature { previous += 1 }
            if previous <= depth {
                incomingZero = path[previous].zeroFraction
                incomingOne = path[previous].oneFraction
                unwind(path, depth: depth, index: previous)
                depth -= 1
            }
            recurse(
                nodes: nodes, node: hot, parentPath: path, depth: depth + 1, zeroFraction: hotShare * incomingZero,
                oneFraction: incomingOne, feature: node.feature)
            let coldZero = coldShare * incomingZero
            if coldZero != 0 {
                recurse(
                    nodes: nodes, node: cold, parentPath: path, depth: depth + 1, zeroFraction: coldZero,
                    oneFraction: 0, feature: node.feature)
            }
        }

        /// Each feature on the path gets `unwound sum × (one − zero) × value`.
        @inline(__always)
        private func shareLeaf(_ value: Double, path: UnsafeMutablePointer<PathElement>, depth: Int) {
            guard depth >= 1 else { return }
            let size = Double(depth + 1)
            let inverseSize = reciprocals[depth + 1]
            // For an element with one-fraction 0, the unwound sum is this sum divided by its zero-fraction, so its
            // contribution is −(this sum) × value.
            var coldSum = 0.0
            var i = depth - 1
            while i >= 0 {
                coldSum += path[i].weight * size * reciprocals[depth - i]
                i -= 1
            }
            var hotCount = 0
            var element = 1
            while element <= depth {
                let step = path[element]
                if step.oneFraction == 0 {
                    phi[Int(step.feature)] -= coldSum * value
                } else {
                    hotFeatures[hotCount] = step.feature
                    hotZero[hotCount] = step.zeroFraction
                    hotNext[hotCount] = path[depth].weight
                    hotTotal[hotCount] = 0
                    hotCount += 1
                }
                element += 1
            }
            // UNWOUNDSUM of every followed element at once: each is a chain of dependent steps, and running the
            // chains side by side overlaps their latencies.
            i = depth - 1
            while i >= 0 {
                let grow = size * reciprocals[i + 1]
                let shrink = Double(depth - i) * inverseSize
                let weight = path[i].weight
                for hot in 0..<hotCount {
                    let share = hotNext[hot] * grow
                    hotTotal[hot] += share
                    hotNext[hot] = weight - share * hotZero[hot] * shrink
                }
                i -= 1
            }
            for hot in 0..<hotCount {
                phi[Int(hotFeatures[hot])] += hotTotal[hot] * (1 - hotZero[hot]) * value
            }
        }

        /// EXTEND: adds an element at `depth` and updates the subset weights.
        @inline(__always)
        private func extend(
            _ path: UnsafeMutablePointer<PathElement>, depth: Int, zeroFraction: Double, oneFraction: Double,
            feature: Int32
        ) {
            path[depth] = PathElement(
                feature: feature, zeroFraction: zeroFraction, oneFraction: oneFraction, weight: depth == 0 ? 1 : 0)
            let inverseSize = reciprocals[depth + 1]
            var i = depth - 1
            while i >= 0 {
                path[i + 1].weight += oneFraction * path[i].weight * Double(i + 1) * inverseSize
                path[i].weight = zeroFraction * path[i].weight * Double(depth - i) * inverseSize
                i -= 1
            }
        }

        /// UNWIND: removes the element at `index` (undoing its extension) from a path of `depth + 1` elements.
        @inline(__always)
        private func unwind(_ path: UnsafeMutablePointer<PathElement>, depth: Int, index: Int) {
            let one = path[index].oneFraction
            let zero = path[index].zeroFraction
            let size = Double(depth + 1)
            let inverseSize = reciprocals[depth + 1]
            var next = path[depth].weight
            var i = depth - 1
            if one != 0 {
                while i >= 0 {
                    let kept = path[i].weight
                    path[i].weight = next * size * reciprocals[i + 1]
                    next = kept - path[i].weight * zero * Double(depth - i) * inverseSize
                    i -= 1
                }
            } else {
                let inverseZero = 1 / zero
                while i >= 0 {
                    path[i].weight = path[i].weight * size * inverseZero * reciprocals[depth - i]
                    i -= 1
                }
            }
            var j = index
            while j < depth {
                path[j].feature = path[j + 1].feature
                path[j].zeroFraction = path[j + 1].zeroFraction
                path[j].oneFraction = path[j + 1].oneFraction
                j += 1
            }
        }
    }
}

extension TreeSHAP {
    /// One row's contributions: `(initial + Σ trees) / divisor`, taken apart.
    func contributions(
        trees: [RegressionTree], row: UnsafePointer<Float>, featureCount: Int, initial: Float, divisor: Double
    ) throws(ExplanationError) -> FeatureContributions {
        if let problem { throw problem }
        var phi = [Double](repeating: 0, count: featureCount)
        withUnsafeTemporaryAllocation(of: PathElement.self, capacity: pathCapacity) { path in
            path.initialize(repeating: PathElement(feature: -1, zeroFraction: 0, oneFraction: 0, weight: 0))
            withUnsafeTemporaryAllocation(of: Double.self, capacity: pathCapacity + 1) { reciprocals in
                reciprocals[0] = 0
                for k in 1...pathCapacity { reciprocals[k] = 1 / Double(k) }
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * pathCapacity) { scratch in
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: pathCapacity) { hotFeatures in
                        phi.withUnsafeMutableBufferPointer { phi in
                            accumulate(
                                trees: trees, row: row, into: phi.baseAddress!, path: path.baseAddress!,
                                reciprocals: UnsafePointer(reciprocals.baseAddress!), scratch: scratch.baseAddress!,
                                hotFeatures: hotFeatures.baseAddress!)
                        }
                    }
                }
            }
        }
        let bias = expectedValues.reduce(Double(initial), +)
        if divisor == 1 { return FeatureContributions(bias: bias, values: phi) }
        return FeatureContributions(bias: bias / divisor, values: phi.map { $0 / divisor })
    }

    /// Every row's contributions, for a dataset already in the model's feature order.
    func contributions(
        trees: [RegressionTree], data: Dataset, initial: Float, divisor: Double, parallel: Bool
    ) throws(ExplanationError) -> [FeatureContributions] {
        if let problem { throw problem }
        let rowCount = data.rowCount
        let featureCount = data.featureCount
        let chunk = 256
        let chunks = parallel ? (rowCount + chunk - 1) / chunk : 1
        let size = parallel ? chunk : rowCount
        let perChunk = Parallel.map(chunks) { index in
            let rows = (index * size)..<min(rowCount, (index + 1) * size)
            var row = [Float](repeating: 0, count: featureCount)
            return rows.map { position in
                for feature in 0..<featureCount { row[feature] = data.values[feature * rowCount + position] }
                // The problem was checked above.
                return row.withUnsafeBufferPointer { row in
                    try! contributions(
                        trees: trees, row: row.baseAddress!, featureCount: featureCount, initial: initial,
                        divisor: divisor)
                }
            }
        }
        return perChunk.flatMap { $0 }
    }
}
