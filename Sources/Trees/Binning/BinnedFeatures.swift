import Support

/// A dataset's features replaced by their bin codes, one byte per value, column by column (for per-feature scans
/// and partitions) and, when asked, also row by row (for histograms over subsets of rows).
struct BinnedFeatures: Sendable {
    let rowCount: Int
    let featureCount: Int
    let bins: [FeatureBins]
    /// Feature `f` of row `r` has code `columnCodes[f * rowCount + r]`.
    let columnCodes: [UInt8]
    /// Row `r`'s codes are `rowCodes[r * featureCount ..< (r + 1) * featureCount]`; empty unless asked for.
    let rowCodes: [UInt8]

    /// Bins every feature of a dataset and codes every value, in parallel over features (and, for the row-major
    /// copy, a parallel transpose by blocks of rows).
    init(dataset: Dataset, maxBins: Int, placement: BoundaryPlacement, rowMajorCopy: Bool) {
        let rowCount = dataset.rowCount
        let featureCount = dataset.featureCount
        var columns = [UInt8](repeating: 0, count: rowCount * featureCount)
        let bins = dataset.values.withUnsafeBufferPointer { values in
            columns.withUnsafeMutableBufferPointer { columns in
                let weights = dataset.weights
                return Parallel.map(featureCount) { feature in
                    let range = (feature * rowCount)..<((feature + 1) * rowCount)
                    let column = UnsafeBufferPointer(rebasing: values[range])
                    let codes = columns.baseAddress! + range.lowerBound
                    if let weights {
                        return weights.withUnsafeBufferPointer { weights in
                            FeatureBins(
                                values: column, weights: weights, maxBins: maxBins, placement: placement, codes: codes)
                        }
                    }
                    return FeatureBins(
                        values: column, weights: nil, maxBins: maxBins, placement: placement, codes: codes)
                }
            }
        }
        var rows: [UInt8] = []
        if rowMajorCopy {
            rows = [UInt8](repeating: 0, count: rowCount * featureCount)
            rows.withUnsafeMutableBufferPointer { rowMajor in
                columns.withUnsafeBufferPointer { columns in
                    let blockRows = 4096
                    Parallel.forEach((rowCount + blockRows - 1) / blockRows) { block in
                        for row in (block * blockRows)..<min(rowCount, (block + 1) * blockRows) {
                            for feature in 0..<featureCount {
                                rowMajor[row * featureCount + feature] = columns[feature * rowCount + row]
                            }
                        }
                    }
                }
            }
        }
        self.rowCount = rowCount
        self.featureCount = featureCount
        self.bins = bins
        self.columnCodes = columns
        self.rowCodes = rows
    }
}
