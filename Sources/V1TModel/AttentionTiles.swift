/// One (sample, head) pair of attention, computed tile by tile: blocks of query rows whose scores
/// go from the product that writes them, through the softmax (and its dropout), to the products
/// that read them while they are still in cache.
///
/// Why: at the published size a head's score matrix is 1654 x 1654 floats, 11 MB, more than a
/// core's L2. Computed whole, it streams through memory between Q Kᵀ, the softmax and P V, and
/// again in backward. A block of rows is a fraction of that, and the products on it still run at
/// BLAS speed (rows x tokens x width products are as fast as the whole one from about 96 rows).
///
/// Every row's softmax, dropout decisions and softmax backward are exactly those of the whole
/// matrix, in the same order (the dropout stream runs row after row, block after block). The
/// products that sum over query rows (dV = Wᵀ dO, dK = dSᵀ Q) now add one block at a time, so
/// they differ from a single product by float rounding only.
struct AttentionTiles {
    let tokens: Int
    /// d: the width of one head.
    let headWidth: Int
    /// headWidth^-0.5.
    let scale: Float
    /// Query rows per tile (the last tile takes what is left).
    let blockRows: Int
    /// Row stride of Q, K, V and of their gradients (the [Q | K | V] rows of all heads).
    let qkvStride: Int
    /// Row stride of the head output and of its gradient (the concatenated heads).
    let outputStride: Int

    /// The dropout of one head's probabilities in training: its decisions continue row after row,
    /// and `weights` [blockRows, tokens] receives the tile's dropped-and-rescaled probabilities.
    struct Dropout {
        let keepScale: Float
        var decisions: DropDecisions
        let weights: UnsafeMutablePointer<Float>
    }

    /// Q, K, V [tokens, headWidth] -> probabilities [tokens, tokens] (kept for backward and for
    /// attention maps; dropped entries negated) and output [tokens, headWidth] = W V, with W the
    /// probabilities after dropout.
    func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                 probabilities: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, dropout: inout Dropout?) {
        var start = 0
        while start < tokens {
            let rows = min(blockRows, tokens - start)
            let scores = probabilities + start * tokens
            LayerProfile.time("forward  attention scores Q Kᵀ") {
                gemm(transposeB: true, m: rows, n: tokens, k: headWidth,
                     alpha: scale, q + start * qkvStride, lda: qkvStride, k, ldb: qkvStride, scores)
            }
            LayerProfile.time("forward  attention softmax + dropout") {
                AttentionRowKernels.softmax(scores, rows: rows, count: tokens, dropout: &dropout)
            }
            let mixing = dropout.map { UnsafePointer($0.weights) } ?? UnsafePointer(scores)
            LayerProfile.time("forward  attention mixing P V") {
                gemm(m: rows, n: headWidth, k: tokens, mixing, v, ldb: qkvStride, output + start * outputStride, ldc: outputStride)
            }
            start += rows
        }
    }

    /// dOutput [tokens, headWidth] -> dQ, dK, dV [tokens, headWidth] (overwritten), from the
    /// forward's Q, K, V and probabilities. `scoreGradient` [blockRows, tokens] is scratch;
    /// `weights` [blockRows, tokens] too, when the forward applied dropout (then `keepScale` is its 1/(1 - rate)).
    ///
    /// Per tile of query rows, with W the dropped-and-rescaled probabilities and P the probabilities:
    /// dW = dO Vᵀ, dS = W ⊙ dW - P ⊙ rowsum(W ⊙ dW) (the softmax Jacobian, using P ⊙ dP = W ⊙ dW),
    /// dQ = scale dS K for the tile's rows; dV += Wᵀ dO and dK += scale dSᵀ Q over all rows.
    func backward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, probabilities: UnsafePointer<Float>,
                  outputGradient dOutput: UnsafePointer<Float>,
                  dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                  scoreGradient dScores: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>?, keepScale: Float) {
        var start = 0
        while start < tokens {
            let rows = min(blockRows, tokens - start)
            let stored = probabilities + start * tokens, dOut = dOutput + start * outputStride
            // The first tile writes dV and dK, the others add to them.
            let accumulate: Float = start == 0 ? 0 : 1
            LayerProfile.time("backward attention dW = dO Vᵀ") {
                gemm(transposeB: true, m: rows, n: tokens, k: headWidth, dOut, lda: outputStride, v, ldb: qkvStride, dScores)
            }
            LayerProfile.time("backward attention softmax") {
                AttentionRowKernels.softmaxBackward(dScores, stored: stored, rows: rows, count: tokens, weights: weights, keepScale: keepScale)
            }
            let mixing = weights.map { UnsafePointer($0) } ?? stored
            LayerProfile.time("backward attention dV = Wᵀ dO") {
                gemm(transposeA: true, m: tokens, n: headWidth, k: rows, mixing, lda: tokens, dOut, ldb: outputStride,
                     beta: accumulate, dv, ldc: qkvStride)
            }
            LayerProfile.time("backward attention dQ = dS K, dK = dSᵀ Q") {
                gemm(m: rows, n: headWidth, k: tokens, alpha: scale, dScores, k, ldb: qkvStride, dq + start * qkvStride, ldc: qkvStride)
                gemm(transposeA: true, m: tokens, n: headWidth, k: rows, alpha: scale, dScores, lda: tokens, q + start * qkvStride,
                     ldb: qkvStride, beta: accumulate, dk, ldc: qkvStride)
            }
            start += rows
        }
    }
}
