// ddp-harness SCENARIO [ARGUMENTS]: one rank's part of a multi-rank test. DDPTests runs it under
// `mpirun -np 2` and `-np 3`. Each rank checks its own results against closed-form values and prints
// `PASS SCENARIO rank R of N`; a wrong result throws, which ends the job through Communicator.run.
import DDP
import Foundation
import MPIShim

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
}

func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw HarnessFailure(description: message()) }
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let scenario = arguments.first else {
    FileHandle.standardError.write(Data("usage: ddp-harness info|allreduce|large|broadcast|buckets|fail-on-rank R|sharding DIR TRIALS G M SEED EPOCHS|stop-loop DIR STEP_MS MAX_STEPS|gemm-block SAMPLES\n".utf8))
    exit(2)
}

Communicator.run { world in
    switch scenario {
    case "info":
        print("info rank=\(world.rank) size=\(world.size) local_rank=\(world.localRank) local_size=\(world.localSize) host=\(world.processorName)")
    case "allreduce":
        try checkAllreduce(world)
    case "large":
        try checkLargeBuffers(world)
    case "broadcast":
        try checkBroadcast(world)
    case "buckets":
        try checkBuckets(world)
    case "fail-on-rank":
        guard arguments.count == 2, let failing = Int(arguments[1]) else { throw HarnessFailure(description: "usage: fail-on-rank R") }
        if world.rank == failing {
            Thread.sleep(forTimeInterval: 0.3)  // let the other ranks block in the barrier first
            throw HarnessFailure(description: "injected failure on rank \(failing)")
        }
        try world.barrier()
    case "sharding":
        try writeShards(world, Array(arguments.dropFirst()))
    case "stop-loop":
        try runStopLoop(world, Array(arguments.dropFirst()))
    case "gemm-block":
        try runGemmBlock(world, Array(arguments.dropFirst()))
    default:
        throw HarnessFailure(description: "unknown scenario \(scenario)")
    }
    print("PASS \(scenario) rank \(world.rank) of \(world.size)")
}

/// Rank r contributes (r+1)*(i%97) + r: every partial sum is an integer below 2^24, so exact in Float.
func checkAllreduce(_ world: Communicator) throws {
    let r = world.rank, n = world.size
    let count = 1001  // odd, not a multiple of any vector width
    var floats = (0..<count).map { Float((r + 1) * ($0 % 97) + r) }
    try world.allreduceSum(&floats)
    for i in 0..<count {
        let expected = Float((i % 97) * n * (n + 1) / 2 + n * (n - 1) / 2)
        try expect(floats[i] == expected, "float sum [\(i)] = \(floats[i]), expected \(expected)")
    }
    // Dyadic fractions: exact in Double whatever the order of summation.
    var doubles = [Double](repeating: 0, count: count)
    doubles.withUnsafeMutableBufferPointer { buffer in
        for i in 0..<count { buffer[i] = Double(r + 1) * Double(i % 13) * 0.125 - Double(r) * 0.0625 }
    }
    try doubles.withUnsafeMutableBufferPointer { try world.allreduceSum($0) }
    for i in 0..<count {
        let expected = Double(n * (n + 1) / 2) * Double(i % 13) * 0.125 - Double(n * (n - 1) / 2) * 0.0625
        try expect(doubles[i] == expected, "double sum [\(i)] = \(doubles[i]), expected \(expected)")
    }
    var maxima = [Double(r) * 1.5, -Double(r), r == n - 1 ? 42 : -7]
    try world.allreduceMax(&maxima)
    try expect(maxima == [Double(n - 1) * 1.5, 0, 42], "max = \(maxima)")
    try expect(try world.allreduceSum(Double(r)) == Double(n * (n - 1) / 2), "scalar sum")
    try expect(try world.allreduceMax(Double(r) + 0.25) == Double(n - 1) + 0.25, "scalar max")
    try expect(try world.allreduceMin(Double(r) + 3) == 3, "scalar min")
    var empty: [Float] = []
    try world.allreduceSum(&empty)
}

/// A 64 MiB buffer through the default chunking, then the chunking of counts above INT_MAX
/// simulated by lowering the chunk limit to 4096 elements.
func checkLargeBuffers(_ world: Communicator) throws {
    let r = world.rank, n = world.size
    let big = (1 << 24) + 1
    let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: big)
    defer { values.deallocate() }
    for i in 0..<big { values[i] = Float(i & 1023) + Float(r) }
    try world.allreduceSum(values)
    for i in 0..<big where values[i] != Float(n * (i & 1023) + n * (n - 1) / 2) {
        throw HarnessFailure(description: "large float sum [\(i)] = \(values[i])")
    }

    vita_mpi_set_chunk_limit(4096)
    defer { vita_mpi_set_chunk_limit(0) }
    let count = 1_000_003
    var floats = (0..<count).map { Float($0 % 4099) * Float(r + 1) }
    try world.allreduceSum(&floats)
    for i in 0..<count where floats[i] != Float((i % 4099) * n * (n + 1) / 2) {
        throw HarnessFailure(description: "chunked float sum [\(i)] = \(floats[i])")
    }
    var doubles = (0..<count).map { Double(($0 * 7) % 10007) + Double(r) * 0.5 }
    try world.allreduceSum(&doubles)
    for i in 0..<count where doubles[i] != Double(n * ((i * 7) % 10007)) + Double(n * (n - 1)) * 0.25 {
        throw HarnessFailure(description: "chunked double sum [\(i)] = \(doubles[i])")
    }
    var maxima = (0..<count).map { Double(($0 + r) % 5) }
    try world.allreduceMax(&maxima)
    for i in 0..<count where maxima[i] != Double((0..<n).map { (i + $0) % 5 }.max()!) {
        throw HarnessFailure(description: "chunked double max [\(i)] = \(maxima[i])")
    }
    let pattern = Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) })
    let received = try world.broadcast(world.isRoot ? pattern : nil, from: 0)
    try expect(received == pattern, "chunked byte broadcast differs")
    var broadcastFloats = (0..<count).map { world.rank == n - 1 ? Float($0) * 0.25 : -1 }
    try broadcastFloats.withUnsafeMutableBufferPointer { try world.broadcast($0, from: n - 1) }
    for i in 0..<count where broadcastFloats[i] != Float(i) * 0.25 {
        throw HarnessFailure(description: "chunked float broadcast [\(i)] = \(broadcastFloats[i])")
    }
}

struct RunConfig: Codable, Equatable {
    var name: String
    var learningRate: Double
    var layers: [Int]
    var note: String?
}

func checkBroadcast(_ world: Communicator) throws {
    let n = world.size, last = n - 1
    var floats = (0..<777).map { world.isRoot ? Float($0) * 0.5 + 7 : -1 }
    try floats.withUnsafeMutableBufferPointer { try world.broadcast($0) }
    try expect(floats == (0..<777).map { Float($0) * 0.5 + 7 }, "float broadcast from rank 0 differs")

    var doubles = (0..<1001).map { world.rank == last ? 1.0 / Double($0 + 3) : .nan }
    try doubles.withUnsafeMutableBufferPointer { try world.broadcast($0, from: last) }
    try expect(doubles == (0..<1001).map { 1.0 / Double($0 + 3) }, "double broadcast from rank \(last) differs")

    let bytes = Data((0..<12_345).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
    try expect(try world.broadcast(world.isRoot ? bytes : nil) == bytes, "byte broadcast differs")
    try expect(try world.broadcast(world.isRoot ? Data() : nil).isEmpty, "empty byte broadcast is not empty")

    // MPI_ERRORS_RETURN is set: a bad root comes back as a code instead of killing the job.
    var byte: UInt8 = 0
    let code = vita_mpi_broadcast_bytes(&byte, 1, Int32(n + 5))
    try expect(code != 0, "MPI_Bcast with root \(n + 5) of \(n) ranks succeeded")
    let error = MPIError(call: "MPI_Bcast", code: code)
    try expect(error.description.hasPrefix("MPI_Bcast failed: MPI_ERR_ROOT"), "MPI error text: \(error)")
    do {
        _ = try world.broadcast(Data(), from: n)
        throw HarnessFailure(description: "broadcast from rank \(n) of \(n) did not throw")
    } catch let error as DDPError {
        try expect(error.message.contains("root \(n) is not a rank"), "bad root error: \(error)")
    }

    let config = RunConfig(name: "v1t \u{2014} rank \(last)", learningRate: 0.1 + 0.2, layers: [4, 8, 15], note: nil)
    let received: RunConfig = try world.broadcast(world.rank == last ? config : nil, from: last)
    try expect(received == config, "config broadcast gave \(received)")
}

/// Writes DIR/rank-R.txt: one line per step, `epoch step rank | global batch | share | micro sizes`.
func writeShards(_ world: Communicator, _ parameters: [String]) throws {
    let numbers = parameters.dropFirst().compactMap { Int($0) }
    guard parameters.count == 6, numbers.count == 5 else {
        throw HarnessFailure(description: "usage: sharding DIR TRIALS G M SEED EPOCHS")
    }
    let (trialCount, globalBatch, micro, seed, epochs) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
    // Trial indices that are not 0..<n, as after a train/validation split.
    let sharding = try TrialSharding(trials: (0..<trialCount).map { 3 * $0 + 1 }, globalBatchSize: globalBatch, seed: UInt64(seed))
    var lines: [String] = []
    for epoch in 0..<epochs {
        for plan in try sharding.steps(epoch: epoch, rank: world.rank, ranks: world.size, microBatchSize: micro) {
            let list = { (trials: ArraySlice<Int>) in trials.map(String.init).joined(separator: ",") }
            lines.append("\(epoch) \(plan.step) \(world.rank) | \(list(plan.globalBatch)) | \(list(plan.share)) | "
                + plan.microBatches.map { String($0.count) }.joined(separator: ","))
            // The shares must add up to the global batch here too, through MPI.
            let counted = try world.allreduceSum(Double(plan.share.count))
            let summed = try world.allreduceSum(Double(plan.share.reduce(0, +)))
            try expect(counted == Double(plan.globalBatch.count) && summed == Double(plan.globalBatch.reduce(0, +)),
                       "epoch \(epoch) step \(plan.step): shares add up to \(counted) trials, not \(plan.globalBatch.count)")
        }
    }
    let file = URL(fileURLWithPath: parameters[0]).appendingPathComponent("rank-\(world.rank).txt")
    try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
}
