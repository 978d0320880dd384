import Glibc

/// The area under the ROC curve of scores for two classes, as the Mann–Whitney statistic: the chance that a random
/// positive scores above a random negative, ties counting half.
enum AreaUnderCurve {
    /// The AUC, in [0, 1]; 0.5 when either class is empty.
    static func of(scores: [Double], labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return 0.5 }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            // Tied scores share the mean of their ranks (1-based).
            let midrank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSum += midrank }
            start = end + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// The one-sided p-value of AUC > ½ under the null hypothesis of exchangeable scores, by the normal
    /// approximation of the Mann–Whitney statistic (variance (m + n + 1)/(12mn)).
    static func pValue(_ area: Double, positives: Int, negatives: Int) -> Double {
        let m = Double(positives)
        let n = Double(negatives)
        let deviation = ((m + n + 1) / (12 * m * n)).squareRoot()
        let z = (area - 0.5) / deviation
        return 0.5 * erfc(z / 2.0.squareRoot())
    }
}
