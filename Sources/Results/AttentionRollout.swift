import V1TModel

/// Attention rollout (Abnar & Zuidema 2020) as V1T computes its attention maps
/// (`utils/attention_rollout.py`): per block, the heads' element-wise maximum, plus the identity for
/// the residual connection, rows renormalised to sum to 1; the blocks' matrices multiplied, last
/// block first, A = Â_L ··· Â_1; the class token's row of A over the patches, scaled to 0...1.
///
/// Only the class token's row is needed, so it is carried as a row vector through the blocks
/// (e₀ᵀ Â_L, then times Â_{L-1}, ...): blocks x tokens² work instead of blocks x tokens³.
public enum AttentionRollout {
    /// The class token's rollout over the patches.
    public struct Map {
        /// [gridHeight, gridWidth] row-major, scaled to 0...1 (all 0 when uniform).
        public let values: [Double]
        /// (max - min) / mean of the rollout before scaling: how far from uniform attention it is.
        public let relativeSpread: Double
        /// Attention spread evenly over the patches, down to Float rounding: scaling it to 0...1
        /// would only magnify rounding noise. (A core whose attention weights the L1 penalty has
        /// driven to ~0 attends uniformly.)
        public var isUniform: Bool { relativeSpread < 1e-3 }
    }

    public static func classTokenMap(_ attention: AttentionProbabilities) -> Map {
        let n = attention.tokens
        var row: [Double]?
        for heads in attention.blocks.reversed() {
            let augmented = augmentedMatrix(heads, tokens: n)
            guard let current = row else {
                row = Array(augmented[0..<n])
                continue
            }
            var next = [Double](repeating: 0, count: n)
            for k in 0..<n where current[k] != 0 {
                let weight = current[k], base = k * n
                for j in 0..<n { next[j] += weight * augmented[base + j] }
            }
            row = next
        }
        let patches = Array((row ?? [Double](repeating: 0, count: n)).dropFirst())
        let low = patches.min() ?? 0, high = patches.max() ?? 0
        let mean = patches.reduce(0, +) / Double(max(patches.count, 1))
        let spread = mean > 0 ? (high - low) / mean : 0
        let uniform = spread < 1e-3
        return Map(values: patches.map { uniform ? 0 : ($0 - low) / (high - low) }, relativeSpread: spread)
    }

    /// max over heads + I, each row divided by its sum: [tokens, tokens].
    static func augmentedMatrix(_ heads: [[Float]], tokens n: Int) -> [Double] {
        var matrix = [Double](repeating: -Double.infinity, count: n * n)
        for head in heads {
            for index in 0..<(n * n) { matrix[index] = max(matrix[index], Double(head[index])) }
        }
        for i in 0..<n {
            matrix[i * n + i] += 1
            let sum = matrix[(i * n)..<((i + 1) * n)].reduce(0, +)
            for j in 0..<n { matrix[i * n + j] /= sum }
        }
        return matrix
    }
}
