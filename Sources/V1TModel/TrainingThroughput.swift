import Foundation

/// Times training passes (forward and backward, no optimiser step) of a whole model on random
/// inputs: a micro-batch of the first mouse, fresh dropout and readout noise each pass. The first
/// pass grows the buffers and is not timed.
public struct TrainingThroughput: Codable, Sendable {
    public let batch: Int
    /// Wall-clock seconds of each timed pass: forward, then backward.
    public let forwardSeconds: [Double]
    public let backwardSeconds: [Double]
    /// CPU seconds the process used in each timed pass (forward and backward): on a machine shared
    /// with other work this does not count the time the process waited for a core.
    public let cpuSeconds: [Double]
    /// With `profile`: CPU seconds per section of the layers over the timed passes (LayerProfile).
    public let profile: [LayerProfile.Section]?

    public var passes: Int { forwardSeconds.count }
    /// Over all timed passes.
    public var samplesPerSecond: Double {
        Double(batch * passes) / (forwardSeconds.reduce(0, +) + backwardSeconds.reduce(0, +))
    }
    /// Of the fastest pass (on a shared machine the least disturbed one).
    public var bestSamplesPerSecond: Double {
        Double(batch) / zip(forwardSeconds, backwardSeconds).map { $0 + $1 }.min()!
    }
    /// Samples per CPU second, over all timed passes.
    public var samplesPerCPUSecond: Double { Double(batch * passes) / cpuSeconds.reduce(0, +) }

    public static func measure(model: V1T, batch: Int, passes: Int, seed: UInt64 = 1, profile: Bool = false) -> TrainingThroughput {
        precondition(batch >= 1 && passes >= 1, "throughput needs a batch and passes of at least 1")
        let mouse = model.configuration.mice[0]
        var random = CounterRandom(key: seed)
        let images = (0..<(batch * mouse.imageHeight * mouse.imageWidth)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let behaviour = (0..<(batch * 3)).map { _ in random.nextNormal() }
        let pupilCentre = (0..<(batch * 2)).map { _ in random.nextNormal() }
        let dPredictions = (0..<(batch * mouse.neurons)).map { _ in random.nextNormal() }

        var forwardSeconds: [Double] = [], backwardSeconds: [Double] = [], cpuSeconds: [Double] = []
        for pass in 0...passes {
            if pass == 1 && profile { LayerProfile.start() }
            let context = PassContext(training: true, seed: seed, step: pass, trialIndices: Array(0..<batch))
            let cpuStart = processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            _ = images.withUnsafeBufferPointer {
                model.forward(mouse: 0, images: $0.baseAddress!, imageCount: batch, imageIndices: Array(0..<batch),
                              behaviour: behaviour, pupilCenter: pupilCentre, context: context)
            }
            let middle = DispatchTime.now().uptimeNanoseconds
            model.backward(dPredictions)
            let end = DispatchTime.now().uptimeNanoseconds
            if pass > 0 {
                forwardSeconds.append(Double(middle - start) / 1e9)
                backwardSeconds.append(Double(end - middle) / 1e9)
                cpuSeconds.append(processCPUSeconds() - cpuStart)
            }
        }
        let sections = profile ? LayerProfile.stop() : nil
        return TrainingThroughput(batch: batch, forwardSeconds: forwardSeconds, backwardSeconds: backwardSeconds, cpuSeconds: cpuSeconds,
                                  profile: sections)
    }

}

/// CPU seconds this process has used (all its threads).
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
