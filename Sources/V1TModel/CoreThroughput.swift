import Foundation

/// Times training passes (forward and backward) of a core on random inputs, for sizing runs and
/// for `core-bench`. The first pass grows the buffers and is not timed.
public struct CoreThroughput: Sendable {
    public let configuration: ViTCore.Configuration
    public let batch: Int
    public let passes: Int
    public let forwardSeconds: Double
    public let backwardSeconds: Double

    public var samplesPerSecond: Double { Double(batch * passes) / (forwardSeconds + backwardSeconds) }
    public var secondsPerSampleForward: Double { forwardSeconds / Double(batch * passes) }
    public var secondsPerSampleBackward: Double { backwardSeconds / Double(batch * passes) }

    public static func measure(configuration: ViTCore.Configuration, batch: Int, passes: Int, seed: UInt64 = 1) throws -> CoreThroughput {
        var layout = ParameterLayout()
        let core = try ViTCore(layout: &layout, configuration: configuration)
        let store = ParameterStore(layout: layout, seed: seed)
        var random = CounterRandom(key: seed)
        let images = (0..<(batch * configuration.imageChannels * configuration.imageHeight * configuration.imageWidth)).map { _ in random.nextNormal() }
        let behaviour = (0..<(batch * 3)).map { _ in random.nextNormal() }
        let pupilCentre = (0..<(batch * 2)).map { _ in random.nextNormal() }
        let dFeatures = (0..<(batch * core.featureShape.floatsPerSample)).map { _ in random.nextNormal() }

        var forwardSeconds = 0.0, backwardSeconds = 0.0
        for pass in 0...passes {
            let context = PassContext(training: true, seed: seed, step: pass, trialIndices: Array(0..<batch))
            let start = DispatchTime.now().uptimeNanoseconds
            _ = core.forward(images: images, behaviour: behaviour, pupilCentre: pupilCentre, mouse: 0, batch: batch,
                             params: store.values.baseAddress!, context: context)
            let middle = DispatchTime.now().uptimeNanoseconds
            core.backward(dFeatures, params: store.values.baseAddress!, grads: store.gradients.baseAddress!)
            let end = DispatchTime.now().uptimeNanoseconds
            if pass > 0 {
                forwardSeconds += Double(middle - start) / 1e9
                backwardSeconds += Double(end - middle) / 1e9
            }
        }
        return CoreThroughput(configuration: configuration, batch: batch, passes: passes,
                              forwardSeconds: forwardSeconds, backwardSeconds: backwardSeconds)
    }
}
