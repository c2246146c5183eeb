import Foundation

/// AdamW (Loshchilov & Hutter), exactly as `torch.optim.AdamW`, over the whole parameter buffer,
/// with one learning rate for the core and one for the per-mouse parts, as V1T trains them.
public final class AdamW {
    public struct Settings: Codable, Equatable, Sendable {
        public var coreLearningRate: Float
        public var readoutLearningRate: Float
        public var beta1: Float = 0.9
        public var beta2: Float = 0.9999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 0

        public init(coreLearningRate: Float, readoutLearningRate: Float, beta1: Float = 0.9,
                    beta2: Float = 0.9999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
            self.coreLearningRate = coreLearningRate
            self.readoutLearningRate = readoutLearningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    public var settings: Settings
    /// Steps taken so far (the bias corrections depend on it).
    public private(set) var step = 0
    /// First and second moment estimates, laid out like the parameter buffer.
    public private(set) var firstMoment: [Float]
    public private(set) var secondMoment: [Float]
    /// Per-slice learning-rate group, precomputed so a step is one pass over the buffer.
    private let groupRanges: [(range: Range<Int>, group: ParameterGroup)]

    public init(layout: ParameterLayout, settings: Settings) {
        self.settings = settings
        firstMoment = Array(repeating: 0, count: layout.count)
        secondMoment = Array(repeating: 0, count: layout.count)
        groupRanges = layout.slices.map { ($0.range, $0.group) }
    }

    /// Multiplies both learning rates (the plateau schedule's reduction).
    public func scaleLearningRates(by factor: Float) {
        settings.coreLearningRate *= factor
        settings.readoutLearningRate *= factor
    }

    /// One update of `store.values` from `store.gradients` (which it leaves untouched).
    public func update(_ store: ParameterStore) {
        precondition(store.count == firstMoment.count, "optimiser and parameter store disagree in size")
        step += 1
        let b1 = settings.beta1, b2 = settings.beta2
        let correction1 = 1 - Float(pow(Double(b1), Double(step)))
        let correction2 = 1 - Float(pow(Double(b2), Double(step)))
        let values = store.values.baseAddress!, gradients = store.gradients.baseAddress!
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                for (range, group) in groupRanges where group != .statistics {
                    let lr = group == .core ? settings.coreLearningRate : settings.readoutLearningRate
                    let decay = 1 - lr * settings.weightDecay
                    let stepSize = lr / correction1
                    let rootCorrection2 = correction2.squareRoot()
                    for i in range {
                        let g = gradients[i]
                        m[i] = b1 * m[i] + (1 - b1) * g
                        v[i] = b2 * v[i] + (1 - b2) * g * g
                        let denominator = v[i].squareRoot() / rootCorrection2 + settings.epsilon
                        values[i] = values[i] * decay - stepSize * m[i] / denominator
                    }
                }
            }
        }
    }

    /// The state a checkpoint keeps so that a resumed run continues exactly.
    public struct State: Codable, Equatable, Sendable {
        public var step: Int
        public var settings: Settings
    }

    public var state: State { State(step: step, settings: settings) }

    public func restore(_ state: State, firstMoment: [Float], secondMoment: [Float]) {
        precondition(firstMoment.count == self.firstMoment.count && secondMoment.count == self.secondMoment.count,
                     "optimiser moments do not match the parameter layout")
        step = state.step
        settings = state.settings
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }
}
