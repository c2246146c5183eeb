import Foundation
import Training
import V1TModel
import XCTest

/// How far apart the parameters of two runs' `last.safetensors` are (the AdamW moments stored
/// next to them are left out).
struct ParameterDistance: CustomStringConvertible {
    /// max |a - b| over every parameter, divided by max |a|: the parameter scale.
    let relative: Double
    let worstTensor: String
    let largestDifference: Double

    init(_ first: String, _ second: String) throws {
        let a = try Self.parameters(first), b = try Self.parameters(second)
        guard a.map(\.name) == b.map(\.name), a.map(\.shape) == b.map(\.shape) else {
            throw RunnerError(description: "\(first) and \(second) hold different tensors")
        }
        var largest = 0.0, scale = 0.0, worst = ""
        for (x, y) in zip(a, b) {
            // Batch norm's step counters are whole numbers that must agree exactly; as values they
            // would set the parameter scale (one per step) and hide real differences.
            if x.name.hasSuffix("num_batches_tracked") {
                if x.values != y.values { (largest, worst) = (.infinity, x.name) }
                continue
            }
            for (u, v) in zip(x.values, y.values) {
                scale = max(scale, Double(abs(u)))
                let difference = Double(abs(u - v))
                if !(difference <= largest) {  // NaN counts as the largest difference
                    largest = difference
                    worst = x.name
                }
            }
        }
        largestDifference = largest
        worstTensor = worst
        relative = scale > 0 ? largest / scale : largest
    }

    var description: String {
        String(format: "max |difference| %.3g (in %@), %.3g of the parameter scale", largestDifference, worstTensor, relative)
    }

    private static func parameters(_ run: String) throws -> [SafeTensors.Tensor] {
        let url = RunDirectory(run).lastCheckpoint
        return try SafeTensors.decode(Data(contentsOf: url), path: url.path).tensors.filter { !$0.name.hasPrefix("optimizer.") }
    }
}
