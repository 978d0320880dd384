import Testing

@testable import Drift

@Suite("Importance-weighted cross-validation")
struct ImportanceWeightedCrossValidationTests {
    @Test("Folds hold every row out exactly once and never split a group; the seed fixes them")
    func folds() throws {
        let groups = (0..<40).map { $0 / 4 }  // ten groups of four rows
        let validation = try ImportanceWeightedCrossValidation(folds: 3, seed: 7)
        let folds = validation.heldOut(groups: groups)
        #expect(folds.count == 3)
        #expect(folds.flatMap { $0 }.sorted() == Array(0..<40))
        for fold in folds {
            let inFold = Set(fold.map { groups[$0] })
            for other in folds where other != fold { #expect(inFold.isDisjoint(with: other.map { groups[$0] })) }
        }
        #expect(folds.map(\.count).allSatisfy { $0 >= 12 }, "\(folds.map(\.count))")
        #expect(validation.heldOut(groups: groups) == folds)
        #expect(try ImportanceWeightedCrossValidation(folds: 3, seed: 8).heldOut(groups: groups) != folds)
        #expect(try ImportanceWeightedCrossValidation(folds: 5).heldOut(groups: [1, 1]) == [[0, 1]])
        #expect(throws: DriftError.self) { try ImportanceWeightedCrossValidation(folds: 1) }
    }

    @Test("The risk is Σwℓ/Σw over the held-out rows; the paired difference's standard error is over groups")
    func knownAnswer() throws {
        let validation = try ImportanceWeightedCrossValidation(folds: 2, seed: 1)
        let groups = ["a", "a", "b", "c"]
        let weights = [1.0, 3.0, 0.5, 0.5]
        // Procedure 0 loses 1 on every row, procedure 1 loses the row's index.
        let losses = try validation.heldOutLosses(groups: groups, procedures: 2) { p, training, held in
            #expect(Set(training).isDisjoint(with: held))
            return held.map { p == 0 ? 1 : Double($0) }
        }
        #expect(losses == [[1, 1, 1, 1], [0, 1, 2, 3]])
        let estimates = try losses.map {
            try ImportanceWeightedCrossValidation.estimate(losses: $0, groups: groups, importance: weights)
        }
        #expect(abs(estimates[0].risk - 1) < 1e-12)
        // (1·0 + 3·1 + 0.5·2 + 0.5·3) / 5 = 1.1
        #expect(abs(estimates[1].risk - 1.1) < 1e-12)
        #expect(estimates[1].groupLoss == [3, 1, 1.5])
        #expect(estimates[1].groupWeight == [4, 0.5, 0.5])
        let (difference, standardError) = ImportanceWeightedCrossValidation.difference(estimates[1], estimates[0])
        #expect(abs(difference - 0.1) < 1e-12)
        // Residuals per group: (3−4) − 0.1·4 = −1.4, (1−0.5) − 0.05 = 0.45, (1.5−0.5) − 0.05 = 0.95;
        // √(3/2 · (1.96 + 0.2025 + 0.9025)) / 5.
        #expect(abs(standardError - (1.5 * 3.065).squareRoot() / 5) < 1e-12)
        #expect(throws: DriftError.self) {
            try ImportanceWeightedCrossValidation.estimate(losses: [1, 1, 1, 1], groups: groups, importance: [1, 1])
        }
        #expect(throws: DriftError.self) {
            try ImportanceWeightedCrossValidation.estimate(
                losses: [1, 1, 1, 1], groups: groups, importance: [0, 0, 0, 0])
        }
        #expect(throws: DriftError.self) {
            try validation.heldOutLosses(groups: groups, procedures: 1) { _, _, held in held.map { _ in .nan } }
        }
        #expect(throws: DriftError.self) {
            try validation.heldOutLosses(groups: groups, procedures: 1) { _, _, _ in [1] }
        }
    }

    /// The choice IWCV makes between an unweighted and a uLSIF-weighted line on Shimodaira's toy (see
    /// ``CovariateShiftToyTests``), against the truth on 1000 target points: weighting is kept only when its
    /// estimated risk, the held-out rows weighted by the classifier's importance, is lower by more than one standard
    /// error.
    static func choose(
        trial: Int, shifted: Bool, importanceWeighted: Bool
    ) throws -> (
        weighted: Bool, chosenError: Double, unweightedError: Double, weightedError: Double
    ) {
        var sampler = NormalSampler(seed: UInt64(1000 + trial))
        let function = { (x: Double) in -x + x * x * x }
        let (targetMean, targetDeviation) = shifted ? (0.0, 0.3) : (0.5, 0.5)
        let sourceX = (0..<60).map { _ in sampler.next(mean: 0.5, deviation: 0.5) }
        let sourceY = sourceX.map { function($0) + sampler.next(mean: 0, deviation: 0.3) }
        let targetX = (0..<60).map { _ in sampler.next(mean: targetMean, deviation: targetDeviation) }
        let testX = (0..<1000).map { _ in sampler.next(mean: targetMean, deviation: targetDeviation) }
        let testY = testX.map { function($0) + sampler.next(mean: 0, deviation: 0.3) }
        let source = try FeatureMatrix(rows: sourceX.map { [$0] })
        let target = try FeatureMatrix(rows: targetX.map { [$0] })
        let weights = try ImportanceWeighting(method: .ulsif, seed: UInt64(trial)).weights(
            source: source, target: target
        )
        .weights
        // The weighting is judged by the other estimator's importance, not by its own weights.
        let importance =
            importanceWeighted
            ? try ImportanceWeighting(method: .classifier, seed: UInt64(trial)).weights(source: source, target: target)
                .weights
            : [Double](repeating: 1, count: sourceX.count)
        let options = [[Double](repeating: 1, count: sourceX.count), weights]
        let validation = try ImportanceWeightedCrossValidation(folds: 5, seed: UInt64(trial))
        let groups = Array(sourceX.indices)
        let losses = try validation.heldOutLosses(groups: groups, procedures: 2) { procedure, training, held in
            let line = CovariateShiftToyTests.line(
                training.map { sourceX[$0] }, training.map { sourceY[$0] }, training.map { options[procedure][$0] })
            return held.map {
                let residual = line.intercept + line.slope * sourceX[$0] - sourceY[$0]
                return residual * residual
            }
        }
        let estimates = try losses.map {
            try ImportanceWeightedCrossValidation.estimate(losses: $0, groups: groups, importance: importance)
        }
        let (difference, standardError) = ImportanceWeightedCrossValidation.difference(estimates[1], estimates[0])
        let weighted = difference < -standardError
        func targetError(_ w: [Double]) -> Double {
            let line = CovariateShiftToyTests.line(sourceX, sourceY, w)
            return zip(testX, testY).map { x, y in
                let residual = line.intercept + line.slope * x - y
                return residual * residual
            }.reduce(0, +) / Double(testX.count)
        }
        let unweightedError = targetError(options[0])
        let weightedError = targetError(options[1])
        return (weighted, weighted ? weightedError : unweightedError, unweightedError, weightedError)
    }

    /// Measured over these 40 seeded trials: under the shift IWCV keeps the weighting in 39 and its choice's target
    /// MSE is 0.10 against 0.30 unweighted, where ordinary cross-validation keeps it in none (the line that fits the
    /// source best looks best on the source); without a shift it keeps the weighting in 13 of 40, where the weights
    /// are close to 1 and the choice costs nothing (target MSE 0.998 × unweighted on average). The thresholds leave
    /// room for platform differences in the last digits.
    @Test("On a covariate-shift toy IWCV keeps the weighting that helps, and costs nothing when there is no shift")
    func usefulness() throws {
        var kept = 0, keptByOrdinary = 0, keptWithoutShift = 0
        var chosen = 0.0, unweighted = 0.0, regretWithoutShift = 0.0
        for trial in 0..<40 {
            let shifted = try Self.choose(trial: trial, shifted: true, importanceWeighted: true)
            if shifted.weighted { kept += 1 }
            chosen += shifted.chosenError / 40
            unweighted += shifted.unweightedError / 40
            if try Self.choose(trial: trial, shifted: true, importanceWeighted: false).weighted { keptByOrdinary += 1 }
            let unshifted = try Self.choose(trial: trial, shifted: false, importanceWeighted: true)
            if unshifted.weighted { keptWithoutShift += 1 }
            regretWithoutShift += unshifted.chosenError / unshifted.unweightedError / 40
        }
        print(
            "IWCV kept the weighting in \(kept) of 40 shifted trials (ordinary CV: \(keptByOrdinary)), target MSE "
                + "\(chosen) vs \(unweighted) unweighted; without a shift in \(keptWithoutShift) of 40, "
                + "its target MSE then \(regretWithoutShift) × unweighted on average")
        #expect(kept >= 34, "kept the weighting in \(kept) of 40 shifted trials")
        #expect(chosen < 0.5 * unweighted, "target MSE of the choice \(chosen) vs unweighted \(unweighted)")
        #expect(keptByOrdinary <= 4, "ordinary CV kept the weighting in \(keptByOrdinary) of 40")
        #expect(keptWithoutShift <= 20, "kept a weighting without a shift in \(keptWithoutShift) of 40")
        #expect(regretWithoutShift <= 1.02, "without a shift the choice's MSE is \(regretWithoutShift) × unweighted")
    }
}
