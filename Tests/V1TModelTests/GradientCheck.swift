import XCTest
@testable import V1TModel

/// Central finite differences against an analytic gradient.
///
/// The scalar checked is `loss()`, computed in Double by the caller (typically sum(output * R) for
/// a fixed random R, so that dLoss/dOutput = R is what the backward pass receives). Float32 layers
/// make differences noisy, so each coordinate passes when |analytic - numeric| <= tolerance *
/// max(1, |analytic|, |numeric|); a wrong gradient (a missing term,
/// a transposed index, a wrong sign) misses by far more than that.
func assertGradientsMatch(
    _ label: String,
    values: UnsafeMutablePointer<Float>,
    analytic: [Float],
    indices: [Int],
    epsilon: Float = 1e-2,
    tolerance: Double = 2e-2,
    loss: () -> Double,
    file: StaticString = #filePath, line: UInt = #line
) {
    var worst = 0.0
    var failures: [String] = []
    for i in indices {
        let saved = values[i]
        values[i] = saved + epsilon
        let plus = loss()
        values[i] = saved - epsilon
        let minus = loss()
        values[i] = saved
        let numeric = (plus - minus) / (2 * Double(epsilon))
        let a = Double(analytic[i])
        let scale = max(1.0, abs(a), abs(numeric))
        let error = abs(a - numeric) / scale
        worst = max(worst, error)
        if error > tolerance, failures.count < 5 {
            failures.append("[\(i)] analytic \(a) numeric \(numeric)")
        }
    }
    XCTAssertTrue(failures.isEmpty, "\(label): gradient mismatch (worst relative error \(worst)): \(failures.joined(separator: "; "))", file: file, line: line)
}

/// Up to `limit` indices spread over 0..<count (all of them when count is small), deterministic.
func sampledIndices(_ count: Int, limit: Int = 40, seed: UInt64 = 1) -> [Int] {
    if count <= limit { return Array(0..<count) }
    var random = CounterRandom(key: seed)
    return (0..<limit).map { _ in Int(random.next() % UInt64(count)) }
}

/// Fixed random numbers in [-1, 1) for projecting outputs to a scalar loss.
func randomProjection(_ count: Int, seed: UInt64 = 7) -> [Float] {
    var random = CounterRandom(key: seed)
    return (0..<count).map { _ in 2 * random.nextUniform() - 1 }
}
