/// One row of `metrics.csv`.
public struct EpochMetrics: Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationCorrelation: Double
    public var coreLearningRate: Double
    public var readoutLearningRate: Double
    public var seconds: Double
    public var samplesPerSecond: Double
    /// Share of the step time spent in the gradient allreduce.
    public var allreduceShare: Double
    public var ranks: Int
    /// Processor time the ranks got during the epoch's steps over their wall time, averaged over
    /// ranks: below 1 they waited for cores that other processes held. Nil in files written before
    /// this column existed.
    public var cpuShare: Double?
    /// The L1 penalties of the core and of the readout features per trial, on the scale of
    /// `trainLoss` (the optimised objective is their sum). Nil in files written before they were logged.
    public var corePenalty: Double?
    public var readoutPenalty: Double?

    public init(epoch: Int, trainLoss: Double, validationLoss: Double, validationCorrelation: Double, coreLearningRate: Double,
                readoutLearningRate: Double, seconds: Double, samplesPerSecond: Double, allreduceShare: Double, ranks: Int,
                cpuShare: Double?, corePenalty: Double? = nil, readoutPenalty: Double? = nil) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationCorrelation = validationCorrelation
        self.coreLearningRate = coreLearningRate
        self.readoutLearningRate = readoutLearningRate
        self.seconds = seconds
        self.samplesPerSecond = samplesPerSecond
        self.allreduceShare = allreduceShare
        self.ranks = ranks
        self.cpuShare = cpuShare
        self.corePenalty = corePenalty
        self.readoutPenalty = readoutPenalty
    }

    public static let csvHeader = headerWithoutPenalties + ",core_l1,readout_l1"
    /// The headers of files written before `core_l1`/`readout_l1` and `cpu_share` were added; they still parse.
    static let headerWithoutPenalties = headerWithoutCPUShare + ",cpu_share"
    static let headerWithoutCPUShare = "epoch,train_loss,val_loss,val_single_trial_correlation,core_lr,readout_lr,seconds,samples_per_second,allreduce_share,ranks"

    public var csvLine: String {
        [String(epoch), "\(trainLoss)", "\(validationLoss)", "\(validationCorrelation)", "\(coreLearningRate)",
         "\(readoutLearningRate)", "\(seconds)", "\(samplesPerSecond)", "\(allreduceShare)", String(ranks),
         cpuShare.map { "\($0)" } ?? "", corePenalty.map { "\($0)" } ?? "",
         readoutPenalty.map { "\($0)" } ?? ""].joined(separator: ",")
    }

    /// Reads `metrics.csv` (for plots); rows that do not parse are reported, not skipped silently.
    /// A run resumed by a newer v1t-dist may mix rows with and without the later columns.
    public static func parse(csv: String, source: String) throws -> [EpochMetrics] {
        var lines = csv.split(separator: "\n").map(String.init)
        guard [csvHeader, headerWithoutPenalties, headerWithoutCPUShare].contains(lines.first) else {
            throw RunError("\(source) does not start with the metrics header \(csvHeader)")
        }
        lines.removeFirst()
        return try lines.enumerated().map { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard [10, 11, 13].contains(fields.count), let epoch = Int(fields[0]), let ranks = Int(fields[9]) else {
                throw RunError("\(source) line \(index + 2) is not a metrics row: \(line)")
            }
            let numbers = fields[1...8].map { Double($0) ?? .nan }
            return EpochMetrics(epoch: epoch, trainLoss: numbers[0], validationLoss: numbers[1], validationCorrelation: numbers[2],
                                coreLearningRate: numbers[3], readoutLearningRate: numbers[4], seconds: numbers[5],
                                samplesPerSecond: numbers[6], allreduceShare: numbers[7], ranks: ranks,
                                cpuShare: fields.count > 10 ? Double(fields[10]) : nil,
                                corePenalty: fields.count > 11 ? Double(fields[11]) : nil,
                                readoutPenalty: fields.count > 12 ? Double(fields[12]) : nil)
        }
    }
}
