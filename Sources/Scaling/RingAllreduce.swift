import Foundation

/// One measured allreduce: `ranks` ranks summing a buffer of `bytes`, taking `seconds` per call.
public struct AllreduceTiming: Equatable, Sendable {
    public var ranks: Int
    public var bytes: Int
    public var seconds: Double

    public init(ranks: Int, bytes: Int, seconds: Double) {
        self.ranks = ranks
        self.bytes = bytes
        self.seconds = seconds
    }

    public static let csvHeader = "ranks,bytes,seconds_per_allreduce"

    public var csvLine: String { "\(ranks),\(bytes),\(seconds)" }

    /// Reads what `v1t-dist scaling allreduce` wrote.
    public static func parse(csv: String, source: String) throws -> [AllreduceTiming] {
        var lines = csv.split(separator: "\n").map(String.init)
        guard lines.first == csvHeader else {
            throw ScalingError("\(source) does not start with \(csvHeader): is it the output of `v1t-dist scaling allreduce`?")
        }
        lines.removeFirst()
        return try lines.enumerated().map { index, line in
            let fields = line.split(separator: ",")
            guard fields.count == 3, let ranks = Int(fields[0]), let bytes = Int(fields[1]), let seconds = Double(fields[2]),
                  seconds > 0 else {
                throw ScalingError("\(source) line \(index + 2) is not a timing: \(line)")
            }
            return AllreduceTiming(ranks: ranks, bytes: bytes, seconds: seconds)
        }
    }
}

/// The cost of one allreduce in the ring algorithm (Patarasuk and Yuan 2009), which large-buffer
/// MPI allreduces follow: a reduce-scatter then an allgather, each N - 1 rounds in which every
/// rank sends 1/N of the buffer to its neighbour. So over N ranks
///
///     t(bytes, N) = 2 (N - 1) latency + 2 (N - 1) / N * bytes / bandwidth
///
/// The bandwidth term barely grows with N (2 (N - 1) / N < 2): the gradient allreduce costs about
/// the same on 4 ranks as on 400. The latency term grows linearly, but matters only for small buffers.
public struct RingAllreduce: Equatable, Sendable {
    /// Seconds per message between neighbours (alpha).
    public var latency: Double
    /// Bytes per second over each link, the additions included.
    public var bandwidth: Double

    public init(latency: Double, bandwidth: Double) {
        self.latency = latency
        self.bandwidth = bandwidth
    }

    public func seconds(bytes: Int, ranks: Int) -> Double {
        guard ranks > 1 else { return 0 }  // one rank: nothing to send
        let n = Double(ranks)
        return 2 * (n - 1) * latency + 2 * (n - 1) / n * Double(bytes) / bandwidth
    }

    /// Latency and bandwidth from timings taken on one number of ranks (at least 2): fits
    /// t = a + b * bytes, weighting each size by 1 / t^2 so that the small buffers (which set a)
    /// count as much as the large ones (which set b), then reads a = 2 (N - 1) latency and
    /// b = 2 (N - 1) / (N bandwidth).
    public static func fit(_ timings: [AllreduceTiming]) throws -> RingAllreduce {
        guard let ranks = timings.first?.ranks, timings.allSatisfy({ $0.ranks == ranks }) else {
            throw ScalingError("allreduce timings must all come from one number of ranks")
        }
        guard ranks >= 2 else {
            throw ScalingError("allreduce timings of 1 rank say nothing about communication: measure with mpirun -np 2 or more")
        }
        guard Set(timings.map(\.bytes)).count >= 2 else {
            throw ScalingError("allreduce timings need at least two buffer sizes to separate latency from bandwidth")
        }
        // Weighted least squares of t = a + b x with weights w = 1 / t^2.
        var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for timing in timings {
            let w = 1 / (timing.seconds * timing.seconds), x = Double(timing.bytes), y = timing.seconds
            sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y
        }
        let determinant = sw * sxx - sx * sx
        let slope = (sw * sxy - sx * sy) / determinant
        let intercept = (sy - slope * sx) / sw
        guard slope > 0, slope.isFinite else {
            throw ScalingError("allreduce times do not grow with the buffer size (slope \(slope) s/byte): measure larger buffers")
        }
        let n = Double(ranks)
        // A slightly negative intercept is noise around a latency too small to resolve.
        return RingAllreduce(latency: max(intercept, 0) / (2 * (n - 1)), bandwidth: 2 * (n - 1) / (n * slope))
    }
}

/// A problem with scaling inputs or outputs, with what to do about it.
public struct ScalingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
