import DDP
import Foundation
import Metrics
import V1TModel

/// V1T's training loop (train.py), data-parallel: each epoch visits every recording's training
/// trials in a seeded order; each optimiser step takes one global batch from every recording
/// (cycling the shorter ones, as V1T's CycleDataloaders), shared across ranks and run in
/// micro-batches; gradients are summed over ranks; the L1 regularisers and the AdamW update follow
/// on every rank alike. After each epoch the validation single-trial correlation drives the plateau
/// schedule; rank 0 writes the checkpoints and the metrics.
public final class Trainer {
    public let configuration: TrainingConfiguration
    public let model: V1T
    public let mice: [MouseData]
    public let microBatchSize: Int
    let optimiser: AdamW
    let engine: DataParallelEngine
    let run: RunDirectory
    let shardings: [TrialSharding]
    /// The core's penalties (the ViT's L1, or the stacked2d core's Laplace smoothness and group
    /// sparsity; none when the core is frozen) and the readouts' feature L1.
    let coreRegularizers: [any Regularizer]
    let readoutRegularizer: L1Regularizer
    let say: (String) -> Void
    /// Asked at the end of every step, collectively: true when a rank was told to stop (SIGTERM).
    let shouldStop: () throws -> Bool
    public private(set) var state: TrainingState
    /// Told of every step and epoch (progress lines, TensorBoard); set them on rank 0 only.
    public var observers: [TrainingObserver] = []
    private var bestParameters: [Float]
    private var world: Communicator { engine.world }

    /// - microBatchSize: trials per forward pass on this rank (the same on all ranks).
    /// - resume: continue from the run directory's last checkpoint.
    public init(configuration: TrainingConfiguration, mice: [MouseData], model: V1T, world: Communicator,
                run: RunDirectory, microBatchSize: Int, resume: Bool,
                shouldStop: @escaping () throws -> Bool = { false }, say: @escaping (String) -> Void) throws {
        self.configuration = configuration
        self.mice = mice
        self.model = model
        self.microBatchSize = microBatchSize
        self.run = run
        self.say = say
        self.shouldStop = shouldStop
        engine = DataParallelEngine(world: world)
        // The gradient sum overlaps the backward pass, bucket by bucket (docs/distributed.md).
        engine.gradientBuckets = model.gradientBuckets
        model.gradientBucketReady = { [engine] in engine.bucketReady($0) }
        optimiser = AdamW(layout: model.layout, settings: configuration.optimiser)
        shardings = try mice.enumerated().map { index, data in
            try TrialSharding(trials: data.trainTrials, globalBatchSize: configuration.batchSize,
                              seed: RandomKey.combine(configuration.seed, 0x7A1A_5EED, UInt64(index)), groupSize: model.trialGroupSize)
        }
        // A frozen core is neither updated nor penalised (V1T drops its regulariser too).
        coreRegularizers = configuration.freezesCore ? [] : model.coreRegularizers(l1Scale: configuration.coreRegularization)
        readoutRegularizer = .readoutFeatures(model.readouts, scale: configuration.readoutRegularization)
        model.trainsCore = !configuration.freezesCore
        state = TrainingState(schedule: configuration.schedule)
        bestParameters = []
        if resume { try resumeFromCheckpoint() }
        try engine.broadcastParameters(model.parameters.values)
        if bestParameters.isEmpty { bestParameters = Array(model.parameters.values) }
    }

    /// Rank 0 reads the checkpoint; every rank receives parameters, optimiser state and the best
    /// weights from it, so a run resumes with any number of ranks.
    private func resumeFromCheckpoint() throws {
        if world.isRoot { state = try run.loadCheckpoint(model: model, optimiser: optimiser) }
        state = try world.broadcast(world.isRoot ? state : nil)
        var first = optimiser.firstMoment, second = optimiser.secondMoment
        try first.withUnsafeMutableBufferPointer { try world.broadcast($0, from: 0) }
        try second.withUnsafeMutableBufferPointer { try world.broadcast($0, from: 0) }
        if let optimiserState = state.optimiser {
            optimiser.restore(optimiserState, firstMoment: first, secondMoment: second)
        }
        var best = Array(model.parameters.values)
        if world.isRoot, FileManager.default.fileExists(atPath: run.bestParameters.path) {
            let bestModel = try V1T(configuration: model.configuration, seed: 0)
            try run.loadBest(into: bestModel)
            best = Array(bestModel.parameters.values)
        }
        try best.withUnsafeMutableBufferPointer { try world.broadcast($0, from: 0) }
        bestParameters = best
    }

    public var stepsPerEpoch: Int { shardings.map(\.stepsPerEpoch).max() ?? 0 }

    /// Trains until the epochs run out, the schedule stops, or a stop is requested. Returns why it ended.
    public func train() throws -> Outcome {
        while state.epoch <= configuration.epochs, !state.finished {
            let started = Date(), startedProcessor = Self.processorSeconds()
            engine.resetTimings()
            // Throughput counts only the steps this process ran: after a mid-epoch resume, the
            // epoch's earlier steps took no time here.
            var trialsTimed = 0.0
            let plans = try mice.indices.map { try shardings[$0].steps(epoch: state.epoch, rank: world.rank, ranks: world.size, microBatchSize: microBatchSize) }
            let plannedFrom = state.stepsDoneInEpoch
            for step in state.stepsDoneInEpoch..<stepsPerEpoch {
                let work = mice.indices.flatMap { mouse in
                    plans[mouse][step % plans[mouse].count].microBatches.map { (mouse: mouse, trials: $0) }
                }
                let (loss, trials, penalties) = try optimiserStep(work)
                state.epochLossSum += loss
                state.epochTrials += trials
                state.addPenalties(penalties)
                trialsTimed += trials
                state.globalStep += 1
                state.stepsDoneInEpoch = step + 1
                let progress = StepProgress(epoch: state.epoch, epochs: configuration.epochs, step: step + 1, stepsPerEpoch: stepsPerEpoch,
                                            stepsTimed: step + 1 - plannedFrom, trialsTimed: trialsTimed,
                                            secondsInEpoch: Date().timeIntervalSince(started), schedule: state.schedule)
                for observer in observers { observer.stepFinished(progress) }
                if try shouldStop() {
                    state.optimiser = optimiser.state
                    if world.isRoot { try run.saveCheckpoint(model: model, optimiser: optimiser, state: state) }
                    say("stopping on request after step \(step + 1) of epoch \(state.epoch): checkpoint written; continue with --resume")
                    return .stoppedOnRequest
                }
            }
            let seconds = Date().timeIntervalSince(started)
            try finishEpoch(seconds: seconds, trialsTimed: trialsTimed,
                            cpuShare: (Self.processorSeconds() - startedProcessor) / max(seconds, 1e-9))
        }
        // last.safetensors keeps the last epoch's weights, so a later --resume with more --epochs
        // continues as if the run had never stopped; evaluation uses the best ones.
        loadBest()
        return .finished(bestEpoch: state.schedule.bestEpoch, bestCorrelation: state.schedule.bestValue)
    }

    public enum Outcome: Equatable {
        case finished(bestEpoch: Int, bestCorrelation: Double)
        case stoppedOnRequest
    }

    /// One optimiser step over `work` (this rank's micro-batches of every recording); returns the
    /// global loss sum and trial count of the step, and the step's L1 penalties.
    func optimiserStep(_ work: [(mouse: Int, trials: ArraySlice<Int>)]) throws -> (loss: Double, trials: Double, penalties: Penalties) {
        let gradients = model.parameters.gradients
        var sums = [0.0, 0.0]
        if configuration.criterion == .correlation {
            // The correlation of the global batch needs its moments before any gradient: a first
            // forward pass gathers them (same random streams, so the second pass is identical).
            var moments = try globalCorrelationMoments(work)
            try engine.accumulate(work, gradients: gradients, sums: &sums) { item, sums in
                sums[0] += trainMicroBatch(item.mouse, item.trials, correlation: &moments)
                sums[1] += Double(item.trials.count)
            }
            sums[0] = zip(moments.indices, moments).reduce(0) { total, entry in
                total + CorrelationLoss.value(entry.1, scale: lossScale(entry.0))
            }
        } else {
            var unused: [CorrelationStatistics] = []
            try engine.accumulate(work, gradients: gradients, sums: &sums) { item, sums in
                sums[0] += trainMicroBatch(item.mouse, item.trials, correlation: &unused)
                sums[1] += Double(item.trials.count)
            }
        }
        let values = UnsafePointer(model.parameters.values.baseAddress!)
        let penalties = Penalties(
            core: coreRegularizers.reduce(0) { $0 + $1.apply(values: values, gradients: gradients.baseAddress!, weight: 1) },
            readout: readoutRegularizer.apply(values: values, gradients: gradients.baseAddress!))
        model.finishStep()
        optimiser.update(model.parameters)
        return (sums[0], sums[1], penalties)
    }

    private func lossScale(_ mouse: Int) -> Double {
        configuration.datasetScale
            ? datasetScale(trainingSetSize: mice[mouse].trainTrials.count, batchSize: configuration.batchSize) : 1
    }

    private func context(mouse: Int, trials: ArraySlice<Int>) -> PassContext {
        // Trial keys are unique across recordings, so two mice never share a random stream.
        PassContext(training: true, seed: configuration.seed, step: state.globalStep,
                    trialIndices: trials.map { mouse << 40 | $0 })
    }

    /// Forward and backward of one micro-batch; returns its loss (Poisson) or 0 (correlation, whose
    /// value comes from the global moments).
    private func trainMicroBatch(_ mouse: Int, _ trials: ArraySlice<Int>, correlation: inout [CorrelationStatistics]) -> Double {
        let data = mice[mouse]
        var batch = Batch()
        data.gather(Array(trials), into: &batch)
        let predictions = forward(mouse: mouse, batch: batch, context: context(mouse: mouse, trials: trials))
        var gradient = [Float](repeating: 0, count: batch.count * data.neurons)
        var loss = 0.0
        batch.responses.withUnsafeBufferPointer { targets in
            gradient.withUnsafeMutableBufferPointer { dLoss in
                batch.withRecorded { recorded in
                    if configuration.criterion == .poisson {
                        loss = PoissonLoss.evaluate(predictions: predictions, targets: targets.baseAddress!, count: dLoss.count,
                                                    scale: lossScale(mouse), gradient: dLoss.baseAddress!, recorded: recorded)
                    } else {
                        CorrelationLoss.gradient(correlation[mouse], predictions: predictions, targets: targets.baseAddress!,
                                                 batch: batch.count, scale: lossScale(mouse), into: dLoss.baseAddress!,
                                                 recorded: recorded)
                    }
                }
            }
        }
        gradient.withUnsafeBufferPointer { model.backward($0.baseAddress!) }
        return loss
    }

    private func globalCorrelationMoments(_ work: [(mouse: Int, trials: ArraySlice<Int>)]) throws -> [CorrelationStatistics] {
        var moments = mice.map { CorrelationStatistics(neurons: $0.neurons) }
        for item in work {
            var batch = Batch()
            mice[item.mouse].gather(Array(item.trials), into: &batch)
            let predictions = forward(mouse: item.mouse, batch: batch, context: context(mouse: item.mouse, trials: item.trials))
            batch.responses.withUnsafeBufferPointer { targets in
                batch.withRecorded {
                    moments[item.mouse].accumulate(predictions: predictions, targets: targets.baseAddress!, batch: batch.count,
                                                   recorded: $0)
                }
            }
        }
        var packed = moments.flatMap(\.values)
        try engine.sum(&packed)
        var offset = 0
        for index in moments.indices {
            let count = moments[index].values.count
            moments[index].values = Array(packed[offset..<(offset + count)])
            offset += count
        }
        return moments
    }

    private func forward(mouse: Int, batch: Batch, context: PassContext) -> UnsafePointer<Float> {
        let stack = mice[mouse].recording.images
        return stack.pixels.withUnsafeBufferPointer { pixels in
            batch.behaviour.withUnsafeBufferPointer { behaviour in
                batch.pupilCenter.withUnsafeBufferPointer { pupil in
                    model.forward(mouse: mouse, images: pixels.baseAddress!, imageCount: stack.count, imageIndices: batch.imageIndices,
                                  behaviour: behaviour.baseAddress!, pupilCenter: pupil.baseAddress!, context: context)
                }
            }
        }
    }

    /// Validation, the schedule's decision, checkpoints, metrics and the epoch's line of log.
    /// - cpuShare: this rank's processor time over the wall time of the epoch's steps.
    private func finishEpoch(seconds: Double, trialsTimed: Double, cpuShare: Double) throws {
        let epoch = state.epoch
        let trainLoss = state.epochLossSum / max(state.epochTrials, 1)
        // Per trial like the loss: each step's penalty is shared by the step's trials.
        let penalties = (state.epochPenaltySums ?? Penalties()).perTrial(trials: state.epochTrials)
        let validation = try validate()
        guard trainLoss.isFinite, validation.loss.isFinite else {
            throw RunError("""
                the loss became \(trainLoss.isFinite ? validation.loss : trainLoss) in epoch \(epoch): training diverged. \
                Lower --lr and --core-lr (e.g. by 10x), or check the data with `v1t-dist inspect`
                """)
        }
        let learningRates = (optimiser.settings.coreLearningRate, optimiser.settings.readoutLearningRate)
        // Said after the epoch's line, which reports the learning rates the epoch used.
        var notice: String?
        switch state.schedule.record(validation.correlation, epoch: epoch) {
        case .improved:
            bestParameters = Array(model.parameters.values)
            if world.isRoot { try run.saveBest(model: model, epoch: epoch, correlation: validation.correlation) }
        case .restoreBestAndReduce(let factor):
            loadBest()
            optimiser.scaleLearningRates(by: factor)
            notice = "no improvement for \(state.schedule.patience + 1) epochs: back to epoch \(state.schedule.bestEpoch)'s weights, learning rates x\(factor)"
        case .stop:
            notice = "no improvement after \(state.schedule.maxReductions) learning-rate reductions: stopping early"
            state.finished = true
        case .continueTraining:
            break
        }

        let samplesPerSecond = trialsTimed / max(seconds, 1e-9)
        let meanCPUShare = try world.allreduceSum(cpuShare) / Double(world.size)
        let allreduceShare = engine.allreduceSeconds / max(engine.computeSeconds + engine.allreduceSeconds, 1e-9)
        // At least until early stopping could end the run, at most until the last epoch.
        let earliest = Double(min(configuration.epochs - epoch, state.schedule.epochsUntilEarlyStop(after: epoch))) * seconds
        let latest = Double(configuration.epochs - epoch) * seconds
        let remaining = earliest < latest ? "\(Self.duration(earliest))-\(Self.duration(latest))" : Self.duration(latest)
        // The stacked2d core's penalty is its Laplace smoothness (and group sparsity), not an L1.
        let corePenaltyName = model.vitCore == nil ? "smoothness" : "L1"
        say(String(format: "epoch %3d/%d  loss %.4f (+ core %@ %.4f + readout L1 %.4f)  val loss %.4f  val corr %.4f (best %.4f @%d)  lr %.2e/%.2e  %.1f samples/s  allreduce %.1f%%  cpu %.0f%%  %@ left",
                   epoch, configuration.epochs, trainLoss, corePenaltyName, penalties.core, penalties.readout, validation.loss, validation.correlation, state.schedule.bestValue,
                   state.schedule.bestEpoch, learningRates.0, learningRates.1, samplesPerSecond, 100 * allreduceShare, 100 * meanCPUShare,
                   state.finished ? "0s" : remaining))
        if let notice { say(notice) }
        if world.isRoot {
            if epoch == 1 || !FileManager.default.fileExists(atPath: run.metrics.path) {
                try RunDirectory.writeAtomically(Data((EpochMetrics.csvHeader + "\n").utf8), to: run.metrics)
            }
            let row = EpochMetrics(epoch: epoch, trainLoss: trainLoss, validationLoss: validation.loss,
                                   validationCorrelation: validation.correlation, coreLearningRate: Double(learningRates.0),
                                   readoutLearningRate: Double(learningRates.1), seconds: seconds,
                                   samplesPerSecond: samplesPerSecond, allreduceShare: allreduceShare, ranks: world.size, cpuShare: meanCPUShare,
                                   corePenalty: penalties.core, readoutPenalty: penalties.readout)
            run.appendLine(row.csvLine, to: run.metrics)
            for observer in observers { observer.epochFinished(row, validation: validation.scores) }
        }
        state.epoch += 1
        state.stepsDoneInEpoch = 0
        state.epochLossSum = 0
        state.epochTrials = 0
        state.epochPenaltySums = Penalties()
        state.optimiser = optimiser.state
        if world.isRoot { try run.saveCheckpoint(model: model, optimiser: optimiser, state: state) }
    }

    /// Mean validation single-trial correlation over recordings, and the mean loss per trial
    /// (Poisson, unscaled), from the exact distributed predictions.
    func validate() throws -> (correlation: Double, loss: Double, scores: ValidationScores) {
        let predictor = DistributedPrediction(model: model, world: world, microBatchSize: microBatchSize)
        var correlations: [Double] = [], lossSum = 0.0, trials = 0
        var scores = ValidationScores(recordings: [], correlations: [], perNeuron: [])
        for (mouse, data) in mice.enumerated() where !data.validationTrials.isEmpty {
            let predictions = try predictor.predict(mouse: mouse, data: data, trials: data.validationTrials)
            var batch = Batch()
            data.gather(data.validationTrials, into: &batch)
            let recordedNeurons = RecordedNeurons(batch.recorded, trials: batch.count, neurons: data.neurons)
            let perNeuron = recordedNeurons.perNeuron(predictions: predictions, targets: batch.responses, imageIDs: batch.imageIndices) { p, y, n, _ in
                [singleTrialCorrelation(predictions: p, targets: y, neurons: n)]
            }[0]
            correlations.append(recordedNeurons.meanOverRecorded(perNeuron))
            scores.recordings.append(data.name)
            scores.perNeuron.append(perNeuron)
            lossSum += predictions.withUnsafeBufferPointer { p in
                batch.responses.withUnsafeBufferPointer { y in
                    batch.withRecorded {
                        PoissonLoss.evaluate(predictions: p.baseAddress!, targets: y.baseAddress!, count: p.count, scale: 1,
                                             gradient: nil, recorded: $0)
                    }
                }
            }
            trials += batch.count
        }
        scores.correlations = correlations
        return (correlations.reduce(0, +) / Double(max(correlations.count, 1)), lossSum / Double(max(trials, 1)), scores)
    }

    private func loadBest() {
        for i in bestParameters.indices { model.parameters.values[i] = bestParameters[i] }
    }

    /// Processor time this process has used (every thread), in seconds. Below the wall time when
    /// the process waited for a core (other processes on it) or for I/O.
    static func processorSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
