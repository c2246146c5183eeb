/// The stacked2d core's penalties, as V1T's `Stacked2dCore.regularizer()` (from neuralpredictors).

/// Smoothness of the first layer's filters (neuralpredictors' `LaplaceL2norm`, which V1T uses with
/// its default padding of 1 and summed, not averaged, terms):
/// scale · Σ (Laplace ∗ f)² / Σ f² over every (output, input) filter f of the weight, where ∗ is
/// the 3x3 Laplace filter [[0,-1,0],[-1,4,-1],[0,-1,0]] with zero padding 1. Dividing by the
/// filters' energy makes the penalty independent of their scale: it asks for smooth filters, not
/// small ones.
public struct LaplaceSmoothness: Regularizer {
    public let scale: Float
    /// [filters..., kernel, kernel]: a convolution's weight.
    public let weight: ParameterSlice

    /// V1T's `--core_reg_input` default (and the Sensorium baseline's gamma_input).
    public static let defaultScale: Float = 6.3831

    public init(scale: Float, weight: ParameterSlice) {
        precondition(scale >= 0, "a regulariser scale must not be negative, got \(scale)")
        precondition(weight.shape.count == 4 && weight.shape[2] == weight.shape[3], "LaplaceSmoothness needs square kernels, got \(weight.shape)")
        self.scale = scale
        self.weight = weight
    }

    @discardableResult
    public func apply(values: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>?, weight factor: Float) -> Double {
        let k = weight.shape[3], filters = weight.count / (k * k)
        let w = values + weight.offset
        var laplacian = [Double](repeating: 0, count: weight.count)
        var smoothness = 0.0, energy = 0.0
        for f in 0..<filters {
            Self.laplace(w + f * k * k, k: k) { laplacian[f * k * k + $0] = $1 }
        }
        for i in 0..<weight.count {
            smoothness += laplacian[i] * laplacian[i]
            energy += Double(w[i]) * Double(w[i])
        }
        guard energy > 0 else { return 0 }
        let step = Double(factor * scale)
        if let gradients {
            // d/dw (A/B) = 2 Lᵀ(L w)/B - 2 A w/B², and the Laplace operator with zero padding is symmetric.
            var laplacianFloats = laplacian.map(Float.init)
            laplacianFloats.withUnsafeMutableBufferPointer { l in
                for f in 0..<filters {
                    Self.laplace(UnsafePointer(l.baseAddress! + f * k * k), k: k) { index, value in
                        let i = f * k * k + index
                        gradients[weight.offset + i] += Float(step * (2 * value / energy - 2 * smoothness * Double(w[i]) / (energy * energy)))
                    }
                }
            }
        }
        return step * smoothness / energy
    }

    /// Calls `emit(index, value)` for the Laplace of one k x k filter at each of its k² positions.
    private static func laplace(_ f: UnsafePointer<Float>, k: Int, _ emit: (Int, Double) -> Void) {
        for y in 0..<k {
            for x in 0..<k {
                var value = 4 * Double(f[y * k + x])
                if y > 0 { value -= Double(f[(y - 1) * k + x]) }
                if y < k - 1 { value -= Double(f[(y + 1) * k + x]) }
                if x > 0 { value -= Double(f[y * k + x - 1]) }
                if x < k - 1 { value -= Double(f[y * k + x + 1]) }
                emit(y * k + x, value)
            }
        }
    }
}

/// Group sparsity of the hidden convolutions (V1T's `group_sparsity`): scale times the mean over
/// layers of the mean over (output, input) channel pairs of the pair's filter norm √Σ w², which
/// pushes whole input channels of a layer to zero. V1T skips it for depthwise-separable layers.
public struct GroupSparsity: Regularizer {
    public let scale: Float
    /// The hidden convolutions' weights, each [outputs, inputs, kernel, kernel].
    public let weights: [ParameterSlice]

    /// V1T's `--core_reg_hidden` default.
    public static let defaultScale: Float = 0

    public init(scale: Float, weights: [ParameterSlice]) {
        precondition(scale >= 0, "a regulariser scale must not be negative, got \(scale)")
        self.scale = scale
        self.weights = weights
    }

    @discardableResult
    public func apply(values: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>?, weight factor: Float) -> Double {
        guard !weights.isEmpty else { return 0 }
        let step = Double(factor * scale) / Double(weights.count)
        var total = 0.0
        for slice in weights {
            let taps = slice.shape[2] * slice.shape[3], pairs = slice.count / taps
            var layer = 0.0
            for pair in 0..<pairs {
                let start = slice.offset + pair * taps
                var squares = 0.0
                for i in start..<(start + taps) { squares += Double(values[i]) * Double(values[i]) }
                let norm = squares.squareRoot()
                layer += norm
                guard let gradients, norm > 0 else { continue }
                for i in start..<(start + taps) { gradients[i] += Float(step / Double(pairs) * Double(values[i]) / norm) }
            }
            total += layer / Double(pairs)
        }
        return step * total
    }
}
