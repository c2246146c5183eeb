/// Sparse noise for mapping receptive fields: on a gray screen, white (on) and black (off) squares
/// on a grid of `rows` x `columns` cells spanning the stored image.
///
/// With one square per frame the design is exhaustive: every cell once in each polarity, plus one
/// blank frame (2 x rows x columns + 1 frames, the same every time). With more squares per frame it
/// is Allen-style locally sparse noise: random cells at least two cells apart, random polarities,
/// `frames` frames from `seed`.
public struct SparseNoise {
    public struct Square: Equatable {
        public let cell: Int
        /// +1 white, -1 black.
        public let polarity: Int
    }

    public let rows: Int
    public let columns: Int
    public let squaresPerFrame: Int
    /// The squares of each frame.
    public let frames: [[Square]]

    public static func exhaustive(rows: Int, columns: Int) -> SparseNoise {
        let cells = rows * columns
        let frames = (0..<cells).map { [Square(cell: $0, polarity: 1)] } + (0..<cells).map { [Square(cell: $0, polarity: -1)] } + [[]]
        return SparseNoise(rows: rows, columns: columns, squaresPerFrame: 1, frames: frames)
    }

    public static func locallySparse(rows: Int, columns: Int, squaresPerFrame: Int, frames count: Int, seed: UInt64) -> SparseNoise {
        var random = SplitMix(seed: seed)
        let frames = (0..<count).map { _ -> [Square] in
            var squares: [Square] = []
            var attempts = 0
            while squares.count < squaresPerFrame && attempts < 50 * squaresPerFrame {
                attempts += 1
                let cell = random.below(rows * columns)
                let isolated = squares.allSatisfy { max(abs($0.cell / columns - cell / columns), abs($0.cell % columns - cell % columns)) >= 2 }
                if isolated { squares.append(Square(cell: cell, polarity: random.below(2) == 0 ? -1 : 1)) }
            }
            return squares
        }
        return SparseNoise(rows: rows, columns: columns, squaresPerFrame: squaresPerFrame, frames: frames)
    }

    /// Pixel bounds of a cell in an image of `height` x `width`: rows [top, bottom), columns [left, right).
    public func bounds(cell: Int, height: Int, width: Int) -> (top: Int, bottom: Int, left: Int, right: Int) {
        let row = cell / columns, column = cell % columns
        return (row * height / rows, (row + 1) * height / rows, column * width / columns, (column + 1) * width / columns)
    }

    /// Frames `range` as images [range.count, height, width].
    public func images(_ range: Range<Int>, height: Int, width: Int, gray: UInt8) -> [UInt8] {
        var pixels = [UInt8](repeating: gray, count: range.count * height * width)
        for (slot, frame) in range.enumerated() {
            for square in frames[frame] {
                let box = bounds(cell: square.cell, height: height, width: width)
                for y in box.top..<box.bottom {
                    for x in box.left..<box.right { pixels[(slot * height + y) * width + x] = square.polarity > 0 ? 255 : 0 }
                }
            }
        }
        return pixels
    }
}

/// SplitMix64: a small deterministic generator, so a stimulus set is the same on every machine.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
