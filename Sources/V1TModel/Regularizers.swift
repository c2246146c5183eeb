/// L1 penalties as V1T applies them: scale · Σ|θ| over a set of parameter slices.
///
/// V1T's defaults (train.py): the ViT core's `--core_reg_scale 0.5379` over every core parameter,
/// and the Gaussian readout's `--readout_reg_scale 0.0076` over its `features` only (not its bias,
/// sigma or grid predictor). Its shifter penalty defaults to 0. V1T adds the penalties to each
/// micro-batch's loss times (micro-batch size / batch size), so they count once per mouse and step;
/// `weight` lets the caller do the same (or apply them once per step on one rank only).
public struct L1Regularizer: Regularizer {
    public let scale: Float
    public let slices: [ParameterSlice]

    /// V1T's `--core_reg_scale` default for the ViT core.
    public static let defaultCoreScale: Float = 0.5379
    /// V1T's `--readout_reg_scale` default for the Gaussian readout.
    public static let defaultReadoutFeatureScale: Float = 0.0076

    public init(scale: Float, slices: [ParameterSlice]) {
        precondition(scale >= 0, "an L1 scale must not be negative, got \(scale)")
        self.scale = scale
        self.slices = slices
    }

    /// Every parameter of the shared core (group `.core`).
    public static func core(layout: ParameterLayout, scale: Float = defaultCoreScale) -> L1Regularizer {
        L1Regularizer(scale: scale, slices: layout.slices.filter { $0.group == .core })
    }

    /// The `features` of the given readouts (e.g. one mouse's, as V1T penalises per mouse).
    public static func readoutFeatures(_ readouts: [Gaussian2DReadout], scale: Float = defaultReadoutFeatureScale) -> L1Regularizer {
        L1Regularizer(scale: scale, slices: readouts.map(\.features))
    }

    /// Slices of `group` whose names end with `suffix` (e.g. ".features" for every readout's features).
    public static func slices(in layout: ParameterLayout, group: ParameterGroup, nameSuffix: String = "") -> [ParameterSlice] {
        layout.slices.filter { $0.group == group && $0.name.hasSuffix(nameSuffix) }
    }

    /// Returns weight · scale · Σ|θ| and adds weight · scale · sign(θ) into `gradients` (sign(0) = 0,
    /// as PyTorch's abs gradient). Accumulates the value in Double.
    @discardableResult
    public func apply(values: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>?, weight: Float = 1) -> Double {
        let step = weight * scale
        var total = 0.0
        for slice in slices {
            for i in slice.range {
                let v = values[i]
                total += Double(abs(v))
                if let gradients {
                    gradients[i] += v > 0 ? step : (v < 0 ? -step : 0)
                }
            }
        }
        return Double(step) * total
    }
}
