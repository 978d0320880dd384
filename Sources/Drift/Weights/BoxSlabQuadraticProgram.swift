/// The convex quadratic program of kernel mean matching:
///
///     minimise ½ βᵀKβ − κᵀβ   subject to  0 ≤ βᵢ ≤ B  and  L ≤ Σβᵢ ≤ U,
///
/// with K symmetric positive semi-definite. The feasible set is a box cut by a slab.
///
/// Solved by accelerated projected gradient (FISTA, Beck & Teboulle 2009) with adaptive restart (O'Donoghue &
/// Candès 2015): each iteration costs one product with K and one exact Euclidean projection onto box ∩ slab, which
/// is a clip after a shift by the slab's multiplier, found by bisection and then solved exactly on the resulting
/// free set. The step is 1/λ with λ an upper bound on K's largest eigenvalue from the Collatz–Wielandt ratio of
/// power iterates (K has positive entries, so max (Kv)ᵢ/vᵢ bounds it for any positive v). Memory beyond K is a
/// few vectors of n.
///
/// Gaussian kernel matrices are numerically low-rank, so the objective is nearly flat along most directions: the
/// first digits come fast and the last ones slowly. The solver starts from the kernel density ratio, stops when the
/// average gain per iteration over the last 100 falls below a relative tolerance, and reports the Frank–Wolfe gap
/// gᵀβ − min_{β′ feasible} gᵀβ′ (g = Kβ − κ), a guaranteed but loose upper bound on the distance to the minimum.
struct BoxSlabQuadraticProgram {
    let kernel: KernelMatrix
    let linear: [Double]
    let upperBound: Double
    let sumRange: ClosedRange<Double>

    struct Solution {
        var weights: [Double]
        var objective: Double
        var iterations: Int
        /// The Frank–Wolfe gap at the returned point: objective − optimum ≤ gap.
        var gap: Double
    }

    /// Runs until the objective improves by less than `relativeTolerance × |objective|` per iteration on average
    /// over the last 100 iterations, or `maximumIterations` products with K have been spent, and returns the best
    /// point seen. (FISTA is not monotone, so progress is judged over a window, not step by step.)
    /// - Parameter progress: called at every convergence check with the products with K spent so far, the budget,
    ///   and the current Frank–Wolfe gap.
    func solve(
        relativeTolerance: Double, maximumIterations: Int,
        progress: (@Sendable (_ products: Int, _ budget: Int, _ gap: Double) -> Void)? = nil
    ) -> Solution {
        let n = linear.count
        let step = 1 / largestEigenvalueBound()
        // Start from the kernel density ratio κᵢ/(K1)ᵢ, the weights that match each row's own neighbourhood; it is
        // usually far closer to the optimum than uniform weights.
        let neighbourhood = kernel.multiply([Double](repeating: 1, count: n))
        var current = project((0..<n).map { neighbourhood[$0] > 0 ? linear[$0] / neighbourhood[$0] : 1 })
        var currentProduct = kernel.multiply(current)
        var products = 10
        var extrapolated = current
        var extrapolatedProduct = currentProduct
        var momentum = 1.0
        var best = evaluate(current, product: currentProduct)
        var bestProduct = currentProduct
        let checkEvery = 10
        let window = 10
        var history = [best.objective]
        var iterations = 0
        while products < maximumIterations {
            iterations += 1
            var trial = [Double](repeating: 0, count: n)
            for i in 0..<n { trial[i] = extrapolated[i] - step * (extrapolatedProduct[i] - linear[i]) }
            let next = project(trial)
            // Restart when the step undoes the momentum: (y − x⁺)·(x⁺ − x) > 0.
            var alignment = 0.0
            for i in 0..<n { alignment += (extrapolated[i] - next[i]) * (next[i] - current[i]) }
            var factor = 0.0
            if alignment > 0 {
                momentum = 1
                extrapolated = next
            } else {
                let nextMomentum = (1 + (1 + 4 * momentum * momentum).squareRoot()) / 2
                factor = (momentum - 1) / nextMomentum
                for i in 0..<n { extrapolated[i] = next[i] + factor * (next[i] - current[i]) }
                momentum = nextMomentum
            }
            extrapolatedProduct = kernel.multiply(extrapolated)
            products += 1
            // y = x⁺ + c(x⁺ − x) is linear, so K x⁺ = (K y + c K x)/(1 + c) comes without another product, and its
            // rounding error stays below the larger of the two it mixes.
            for i in 0..<n { currentProduct[i] = (extrapolatedProduct[i] + factor * currentProduct[i]) / (1 + factor) }
            current = next
            var objective = 0.0
            for i in 0..<n { objective += current[i] * (0.5 * currentProduct[i] - linear[i]) }
            if objective < best.objective {
                best = Solution(weights: current, objective: objective, iterations: 0, gap: best.gap)
                bestProduct = currentProduct
            }
            guard iterations % checkEvery == 0 else { continue }
            best = evaluate(best.weights, product: bestProduct)
            progress?(products, maximumIterations, best.gap)
            history.append(best.objective)
            let scale = max(abs(best.objective), .leastNormalMagnitude)
            if best.gap <= relativeTolerance * scale { break }
            if history.count > window {
                let earlier = history[history.count - 1 - window]
                let span = Double(window * checkEvery)
                if earlier - best.objective <= span * relativeTolerance * scale { break }
            }
        }
        // One fresh product for the reported objective and gap, free of the recurrence's rounding.
        best = evaluate(best.weights, product: kernel.multiply(best.weights))
        best.iterations = products + 1
        return best
    }

    /// The objective and Frank–Wolfe gap at a feasible point, given K times it.
    func evaluate(_ weights: [Double], product: [Double]) -> Solution {
        var objective = 0.0
        var gradient = [Double](repeating: 0, count: weights.count)
        for i in weights.indices {
            gradient[i] = product[i] - linear[i]
            objective += weights[i] * (0.5 * product[i] - linear[i])
        }
        var current = 0.0
        for i in weights.indices { current += gradient[i] * weights[i] }
        let gap = max(0, current - linearMinimum(gradient))
        return Solution(weights: weights, objective: objective, iterations: 0, gap: gap)
    }

    /// min gᵀβ over the feasible set: fill the most negative gradients to the bound while the sum allows, then, if
    /// the sum is still below its lower limit, the least positive ones.
    func linearMinimum(_ gradient: [Double]) -> Double {
        let order = gradient.indices.sorted { gradient[$0] < gradient[$1] }
        var total = 0.0
        var value = 0.0
        for index in order {
            let g = gradient[index]
            let room = (g < 0 ? sumRange.upperBound : sumRange.lowerBound) - total
            if room <= 0 { break }
            let amount = min(upperBound, room)
            total += amount
            value += amount * g
        }
        return value
    }

    /// An upper bound on the largest eigenvalue of K from a few power iterations.
    func largestEigenvalueBound() -> Double {
        let n = linear.count
        var vector = [Double](repeating: 1, count: n)
        var bound = Double.infinity
        for _ in 0..<8 {
            let product = kernel.multiply(vector)
            var ratio = 0.0
            var norm = 0.0
            for i in 0..<n {
                ratio = max(ratio, product[i] / vector[i])
                norm = max(norm, product[i])
            }
            bound = min(bound, ratio)
            guard norm > 0 else { break }
            // Keep every entry positive so the ratio stays a valid bound.
            for i in 0..<n { vector[i] = max(product[i] / norm, 1e-12) }
        }
        return max(bound, 1e-12) * (1 + 1e-6)
    }

    /// The Euclidean projection onto box ∩ slab: clip(v − ν) with the multiplier ν = 0 if that clip's sum lies in
    /// the slab, otherwise the ν whose clip sums to the nearer slab edge.
    func project(_ point: [Double]) -> [Double] {
        let clipped = clip(point, shift: 0)
        let total = clipped.reduce(0, +)
        if sumRange.contains(total) { return clipped }
        let target = total > sumRange.upperBound ? sumRange.upperBound : sumRange.lowerBound
        let shift = multiplier(point, target: target)
        return enforceSum(clip(point, shift: shift), target: target)
    }

    private func clip(_ point: [Double], shift: Double) -> [Double] {
        point.map { min(upperBound, max(0, $0 - shift)) }
    }

    /// The ν with Σ clip(vᵢ − ν, 0, B) = target: bisection narrows ν to a bracket, then the sum is linear in ν on
    /// the free set there, which gives ν exactly.
    private func multiplier(_ point: [Double], target: Double) -> Double {
        guard let smallest = point.min(), let largest = point.max() else { return 0 }
        var low = smallest - upperBound - 1
        var high = largest + 1
        for _ in 0..<64 {
            let middle = 0.5 * (low + high)
            if clip(point, shift: middle).reduce(0, +) > target { low = middle } else { high = middle }
            if high - low <= 1e-15 * max(1, abs(middle)) { break }
        }
        let middle = 0.5 * (low + high)
        var freeSum = 0.0
        var freeCount = 0
        var fixedSum = 0.0
        for value in point {
            let shifted = value - middle
            if shifted >= upperBound {
                fixedSum += upperBound
            } else if shifted > 0 {
                freeSum += value
                freeCount += 1
            }
        }
        guard freeCount > 0 else { return middle }
        let exact = (freeSum + fixedSum - target) / Double(freeCount)
        return (low...high).contains(exact) ? exact : middle
    }

    /// Puts the sum inside the slab as `reduce(0, +)` adds it up, by correcting the rounding residue of the
    /// projection (a few units in the last place) on one entry, preferably a free one.
    ///
    /// A floating-point sum is monotone in each addend, so for one entry the values that put the sum in the slab
    /// form an interval: bracket it and bisect. When the slab is a single value (ε = 0) an entry's steps may jump
    /// over it; then the next largest entry is tried.
    private func enforceSum(_ weights: [Double], target: Double) -> [Double] {
        var weights = weights
        if sumRange.contains(weights.reduce(0, +)) { return weights }
        let free = weights.indices.filter { weights[$0] > 0 && weights[$0] < upperBound }
        var candidates = free.isEmpty ? Array(weights.indices) : free
        for _ in 0..<4 {
            // The largest remaining candidate: the larger the entry, the coarser its steps.
            guard let position = candidates.indices.max(by: { weights[candidates[$0]] < weights[candidates[$1]] })
            else { break }
            let index = candidates.remove(at: position)
            let original = weights[index]
            func total(with value: Double) -> Double {
                weights[index] = value
                return weights.reduce(0, +)
            }
            let start = total(with: original)
            let lowering = start > sumRange.upperBound
            // Values of this entry whose sums fall below and above the slab; the answer lies between them.
            var below = lowering ? 0 : original
            var above = lowering ? original : upperBound
            var step = max(abs(start - target), original.ulp)
            for _ in 0..<64 {
                let probe = min(upperBound, max(0, lowering ? above - step : below + step))
                let sum = total(with: probe)
                if sumRange.contains(sum) { return weights }
                if sum > sumRange.upperBound { above = probe } else { below = probe }
                // Stop widening once the probe crossed the slab or reached the box's edge.
                if lowering
                    ? (sum < sumRange.lowerBound || probe == 0) : (sum > sumRange.upperBound || probe == upperBound)
                {
                    break
                }
                step *= 2
            }
            for _ in 0..<64 {
                let middle = below + (above - below) / 2
                if middle == below || middle == above { break }
                let sum = total(with: middle)
                if sumRange.contains(sum) { return weights }
                if sum > sumRange.upperBound { above = middle } else { below = middle }
            }
            weights[index] = original
        }
        return weights
    }
}
