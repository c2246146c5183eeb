import LayerKernels

/// Attention's row kernels over a tile of scores: the softmax with its dropout, and the softmax's
/// backward. Three implementations of the same arithmetic (`VectorKernels`): AVX-512 or AVX2 in C
/// where the core has them, portable Swift SIMD otherwise. All draw the same dropout decisions; the
/// other results agree to float rounding (the C kernels fuse multiply-adds).
enum AttentionRowKernels {
    /// Softmax of each of `rows` rows of `count` scores, in place. With dropout, its decisions
    /// continue row after row: dropped probabilities are negated, and the mixing weights (0 where
    /// dropped, p / keep elsewhere) go to `dropout.weights` [rows, count].
    static func softmax(_ scores: UnsafeMutablePointer<Float>, rows: Int, count: Int, dropout: inout AttentionTiles.Dropout?,
                        kernels: VectorKernels = .inUse) {
        if kernels != .portable {
            let softmaxRows = kernels == .avx512 ? vita_attention_softmax_rows_avx512 : vita_attention_softmax_rows_avx2
            guard let weights = dropout?.weights, let keepScale = dropout?.keepScale else {
                return softmaxRows(scores, rows, count, nil, 1, 0, nil)
            }
            dropout!.decisions.withState { state, threshold in
                softmaxRows(scores, rows, count, weights, keepScale, threshold, state)
            }
            return
        }
        for i in 0..<rows {
            let row = scores + i * count
            softmaxInPlace(row, count: count)
            if dropout != nil {
                markDropped(row, weights: dropout!.weights + i * count, count: count, keepScale: dropout!.keepScale,
                            decisions: &dropout!.decisions)
            }
        }
    }

    /// The softmax's backward of `rows` rows, in place: `gradient` [rows, count] holds the gradient
    /// of the mixing weights on entry and of the scores on return; `stored` [rows, count] are the
    /// forward's sign-marked probabilities. With `weights` [rows, count] (the forward applied
    /// dropout), the mixing weights max(stored, 0) · keepScale are also written there.
    static func softmaxBackward(_ gradient: UnsafeMutablePointer<Float>, stored: UnsafePointer<Float>, rows: Int, count: Int,
                                weights: UnsafeMutablePointer<Float>?, keepScale: Float, kernels: VectorKernels = .inUse) {
        switch kernels {
        case .avx512: return vita_attention_softmax_backward_rows_avx512(gradient, stored, rows, count, weights, keepScale)
        case .avx2: return vita_attention_softmax_backward_rows_avx2(gradient, stored, rows, count, weights, keepScale)
        case .portable: break
        }
        for i in 0..<rows {
            softmaxBackwardRow(gradient + i * count, stored: stored + i * count, weights: weights.map { $0 + i * count },
                               keepScale: keepScale, count: count)
        }
    }
}

/// Draws the dropout decisions of one row of probabilities: negates the dropped ones in place and
/// writes the mixing weights (0 where dropped, p / keep elsewhere).
private func markDropped(_ probabilities: UnsafeMutablePointer<Float>, weights: UnsafeMutablePointer<Float>, count: Int,
                         keepScale: Float, decisions: inout DropDecisions) {
    var j = 0
    while j < count {
        let lanes = min(16, count - j), dropped = decisions.next()
        let p = loadPartialLanes(probabilities + j, count: lanes, padding: 0)
        storePartialLanes(p.replacing(with: -p, where: dropped), probabilities + j, count: lanes)
        storePartialLanes((p * keepScale).replacing(with: 0, where: dropped), weights + j, count: lanes)
        j += 16
    }
}

/// One query row of the softmax's backward, in place: gradient[j] <- w[j] g[j] - |stored[j]| Σ_k w[k] g[k],
/// for g the gradient w.r.t. the mixing weights w; |stored| is the softmax probability. With
/// dropout, w = max(stored, 0) · keepScale (the dropped-and-rescaled probabilities recovered from
/// the signed store) is also written to `weights`, for dV = Wᵀ dO; without, w = stored.
private func softmaxBackwardRow(_ gradient: UnsafeMutablePointer<Float>, stored: UnsafePointer<Float>,
                                weights: UnsafeMutablePointer<Float>?, keepScale: Float, count: Int) {
    var sums = Float16Lanes.zero
    var j = 0
    while j < count {
        let lanes = min(16, count - j)
        var w = loadPartialLanes(stored + j, count: lanes, padding: 0)
        if let weights {
            w = w.replacing(with: 0, where: w .< 0) * keepScale
            storePartialLanes(w, weights + j, count: lanes)
        }
        let product = w * loadPartialLanes(gradient + j, count: lanes, padding: 0)
        storePartialLanes(product, gradient + j, count: lanes)
        sums += product
        j += 16
    }
    let totals = Float16Lanes(repeating: sums.sum())
    j = 0
    while j < count {
        let lanes = min(16, count - j)
        let magnitude = absoluteValue(loadPartialLanes(stored + j, count: lanes, padding: 0))
        storePartialLanes(loadPartialLanes(gradient + j, count: lanes, padding: 0) - magnitude * totals, gradient + j, count: lanes)
        j += 16
    }
}
