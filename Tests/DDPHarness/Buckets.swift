import DDP
import MPIShim

/// The engine's overlapped gradient sum: buckets started during the last micro-batch, in the order
/// declared, one skipped by the model (started with the next), the undeclared rest at the end, and
/// rank 0 with no micro-batch at all (it starts every bucket at the end). Integer values: every sum
/// is exact, so each rank checks it exactly. Two steps, so the engine's state resets between them.
func checkBuckets(_ world: Communicator) throws {
    let r = world.rank, n = world.size, count = 1003
    let engine = DataParallelEngine(world: world)
    engine.gradientBuckets = [[10..<20, 50..<60], [0..<10], [30..<40], [900..<1003]]
    let gradients = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
    defer { gradients.deallocate() }
    let microBatches = r == 0 ? [] : [1, 2]
    for step in 1...2 {
        var sums = [0.0, 0.0]
        var startedDuringBackward = 0
        try engine.accumulate(microBatches, gradients: gradients, sums: &sums) { microBatch, sums in
            for i in 0..<count { gradients[i] += Float(microBatch * step * (r + (i % 31))) }
            engine.bucketReady(0)
            engine.bucketReady(2)  // bucket 1 skipped: started with 2
            startedDuringBackward = max(startedDuringBackward, world.pendingSums)
            sums[0] += Double(microBatch) * 0.5
            sums[1] += 1
        }
        try expect(world.pendingSums == 0, "every started sum is waited for")
        try expect(startedDuringBackward == (r == 0 ? 0 : 4), "rank \(r) started \(startedDuringBackward) sums during its last micro-batch")
        // Ranks 1..<n each add 3 * step * (r + i % 31) over their two micro-batches.
        let rankSum = (1..<max(n, 1)).reduce(0) { $0 + $1 }
        for i in 0..<count {
            let expected = Float(3 * step * (rankSum + (n - 1) * (i % 31)))
            try expect(gradients[i] == expected, "step \(step): gradient [\(i)] = \(gradients[i]), expected \(expected)")
        }
        try expect(sums == [1.5 * Double(n - 1), 2 * Double(n - 1)], "step \(step): sums \(sums)")
    }
    engine.bucketReady(0)  // outside a step: does nothing
    try expect(world.pendingSums == 0, "bucketReady outside accumulate starts nothing")
}
