import Support

/// The Gram matrix K[i][j] = k(xᵢ, xⱼ) of one sample, stored as the upper triangle of 64 × 64 single-precision
/// tiles.
///
/// This is the only n × n object in the weighting methods, so its layout sets their memory and speed. Symmetry
/// halves it (2n² bytes: 200 MB at n = 10,000), and a product with it is bound by memory bandwidth, so each tile is
/// fetched once and used twice: for its rows (y_I += K_IJ x_J) and, mirrored, for its columns (y_J += K_IJᵀ x_I).
/// Entries in (0, 1] keep about seven significant digits in single precision; every tile's contribution
/// accumulates in double precision, so products and objectives stay accurate to about 1e-7 relative.
///
/// Building the matrix and multiplying by it are split over the processor's cores by tile rows, balanced by tile
/// count; each part accumulates into its own output vector.
struct KernelMatrix: Sendable {
    static let tile = 64
    private static let tileArea = tile * tile

    /// The number of rows and columns.
    let size: Int
    /// Tiles per side.
    private let tiles: Int
    /// Tiles (I, J) with I ≤ J, row by row, each row-major; entries beyond `size` are zero.
    private let storage: [Float]
    /// Tile rows per parallel part.
    private let parts: [Range<Int>]

    /// Builds the matrix, computing each kernel value of the upper triangle once.
    /// - Parameter threads: The most threads to use; `nil` means one per processor.
    init(_ sample: FeatureMatrix, kernel: GaussianKernel, threads: Int? = nil) {
        let n = sample.rowCount
        let columns = sample.featureCount
        let tile = Self.tile
        let tiles = (n + tile - 1) / tile
        size = n
        self.tiles = tiles
        // Below a few hundred rows a product takes microseconds; threads would only add overhead.
        let threadCount = n < 512 ? 1 : min(threads ?? Parallel.processorCount, Parallel.processorCount)
        let parts = Parallel.balancedRanges(count: tiles, parts: threadCount) { tiles - $0 }
        self.parts = parts
        let count = tiles * (tiles + 1) / 2 * Self.tileArea
        storage = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.initialize(repeating: 0)
            let output = DisjointWrites(base: buffer.baseAddress!)
            sample.values.withUnsafeBufferPointer { values in
                let rows = SharedReads(base: values.baseAddress!)
                Parallel.forEach(parts.count) { part in
                    for blockRow in parts[part] {
                        for blockColumn in blockRow..<tiles {
                            Self.fillTile(
                                output.base + Self.tileOffset(blockRow, blockColumn, tiles: tiles),
                                blockRow: blockRow, blockColumn: blockColumn, rows: rows.base, rowCount: n,
                                columns: columns, kernel: kernel)
                        }
                    }
                }
            }
            initialized = count
        }
    }

    private static func fillTile(
        _ tilePointer: UnsafeMutablePointer<Float>, blockRow: Int, blockColumn: Int, rows: UnsafePointer<Double>,
        rowCount n: Int, columns: Int, kernel: GaussianKernel
    ) {
        for r in 0..<min(tile, n - blockRow * tile) {
            let i = blockRow * tile + r
            for c in 0..<min(tile, n - blockColumn * tile) {
                let j = blockColumn * tile + c
                // Diagonal tiles are stored in full; their lower half is a copy of the upper.
                if blockRow == blockColumn && c < r {
                    tilePointer[r * tile + c] = tilePointer[c * tile + r]
                } else {
                    tilePointer[r * tile + c] = Float(kernel(rows + i * columns, rows + j * columns, columns))
                }
            }
        }
    }

    /// Where tile (I, J), I ≤ J, starts in ``storage``.
    private static func tileOffset(_ blockRow: Int, _ blockColumn: Int, tiles: Int) -> Int {
        (blockRow * tiles - blockRow * (blockRow - 1) / 2 + (blockColumn - blockRow)) * tileArea
    }

    /// K[i][j].
    subscript(i: Int, j: Int) -> Double {
        let (row, column) = i <= j ? (i, j) : (j, i)
        let tile = Self.tile
        let base = Self.tileOffset(row / tile, column / tile, tiles: tiles)
        return Double(storage[base + (row % tile) * tile + column % tile])
    }

    /// y = K x.
    func multiply(_ x: [Double]) -> [Double] {
        let tile = Self.tile
        let tiles = self.tiles
        let padded = tiles * tile
        let parts = self.parts
        var single = [Float](repeating: 0, count: padded)
        for i in 0..<size { single[i] = Float(x[i]) }
        // Each part: its own output vector, then a row of scratch for column sums.
        let stride = padded + tile
        var partial = [Double](repeating: 0, count: stride * parts.count)
        storage.withUnsafeBufferPointer { matrix in
            single.withUnsafeBufferPointer { vector in
                partial.withUnsafeMutableBufferPointer { output in
                    let matrix = SharedReads(base: matrix.baseAddress!)
                    let vector = SharedReads(base: vector.baseAddress!)
                    let output = DisjointWrites(base: output.baseAddress!)
                    Parallel.forEach(parts.count) { part in
                        let result = output.base + part * stride
                        for blockRow in parts[part] {
                            for blockColumn in blockRow..<tiles {
                                Self.multiplyTile(
                                    matrix.base + Self.tileOffset(blockRow, blockColumn, tiles: tiles),
                                    rowVector: vector.base + blockRow * tile,
                                    columnVector: vector.base + blockColumn * tile,
                                    rowOutput: result + blockRow * tile,
                                    columnOutput: blockRow != blockColumn ? result + blockColumn * tile : nil,
                                    scratch: result + padded)
                            }
                        }
                    }
                }
            }
        }
        var result = [Double](repeating: 0, count: size)
        for part in 0..<parts.count {
            for i in 0..<size { result[i] += partial[part * stride + i] }
        }
        return result
    }

    /// One tile's share of y = K x: y_rows += T x_columns, and if the tile is off the diagonal also
    /// y_columns += Tᵀ x_rows. The tile comes from memory once; the second pass finds it in the L1 cache.
    ///
    /// Plain scalar loops with independent accumulators, which the optimiser vectorises, rather than SIMD types,
    /// which are two orders of magnitude slower in unoptimised (test) builds.
    @inline(__always)
    private static func multiplyTile(
        _ tilePointer: UnsafePointer<Float>, rowVector: UnsafePointer<Float>, columnVector: UnsafePointer<Float>,
        rowOutput: UnsafeMutablePointer<Double>, columnOutput: UnsafeMutablePointer<Double>?,
        scratch: UnsafeMutablePointer<Double>
    ) {
        var r = 0
        while r < tile {
            let row = tilePointer + r &* tile
            var s0: Float = 0
            var s1: Float = 0
            var s2: Float = 0
            var s3: Float = 0
            var s4: Float = 0
            var s5: Float = 0
            var s6: Float = 0
            var s7: Float = 0
            var c = 0
            while c < tile {
                s0 += row[c] * columnVector[c]
                s1 += row[c &+ 1] * columnVector[c &+ 1]
                s2 += row[c &+ 2] * columnVector[c &+ 2]
                s3 += row[c &+ 3] * columnVector[c &+ 3]
                s4 += row[c &+ 4] * columnVector[c &+ 4]
                s5 += row[c &+ 5] * columnVector[c &+ 5]
                s6 += row[c &+ 6] * columnVector[c &+ 6]
                s7 += row[c &+ 7] * columnVector[c &+ 7]
                c &+= 8
            }
            rowOutput[r] += Double(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)))
            r &+= 1
        }
        guard let columnOutput else { return }
        // Column sums accumulate in single precision within the tile, like the row sums.
        let sums = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self)
        var c = 0
        while c < tile {
            sums[c] = 0
            c &+= 1
        }
        r = 0
        while r < tile {
            let scale = rowVector[r]
            let row = tilePointer + r &* tile
            c = 0
            while c < tile {
                sums[c] += row[c] * scale
                c &+= 1
            }
            r &+= 1
        }
        c = 0
        while c < tile {
            columnOutput[c] += Double(sums[c])
            c &+= 1
        }
    }
}
