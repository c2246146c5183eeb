// gemm-block SAMPLES: the matrix products of one V1T transformer block (1,654 tokens of width 155,
// 4 heads of width 155, MLP width 488; docs/distributed.md) for SAMPLES images on every rank,
// timed. It measures how to spend a node's cores: ranks, or OpenBLAS threads in one rank.
import COpenBLAS
import DDP
import Foundation

func runGemmBlock(_ world: Communicator, _ parameters: [String]) throws {
    guard parameters.count == 1, let samples = Int(parameters[0]), samples >= 1 else {
        throw HarnessFailure(description: "usage: gemm-block SAMPLES")
    }
    let (tokens, width, heads, mlp) = (1654, 155, 4, 488)
    let count = tokens * tokens + 3 * heads * width * tokens
    // Values do not matter for the time; fixed small ones keep every product finite.
    var x = (0..<count).map { Float($0 % 7) * 0.01 }
    var w = (0..<count).map { Float($0 % 5) * 0.01 }
    var y = [Float](repeating: 0, count: count)
    func product(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                 _ c: UnsafeMutablePointer<Float>, transposeB: Bool = false) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(transposeB ? k : n), 0, c, Int32(n))
    }
    try world.barrier()
    let start = world.wallTime
    x.withUnsafeMutableBufferPointer { x in
        w.withUnsafeMutableBufferPointer { w in
            y.withUnsafeMutableBufferPointer { y in
                let (x, w, y) = (x.baseAddress!, w.baseAddress!, y.baseAddress!)
                for _ in 0..<samples {
                    product(tokens, 3 * heads * width, width, x, w, y)  // queries, keys, values
                    for _ in 0..<heads {
                        product(tokens, tokens, width, x, w, y, transposeB: true)  // scores
                        product(tokens, width, tokens, y, w, x)  // weighted values
                    }
                    product(tokens, width, heads * width, y, w, x)  // output projection
                    product(tokens, mlp, width, x, w, y)
                    product(tokens, width, mlp, y, w, x)
                }
            }
        }
    }
    let slowest = try world.allreduceMax(world.wallTime - start)
    if world.isRoot {
        let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset"
        print(String(format: "gemm-block: %d ranks x %d samples, OPENBLAS_NUM_THREADS=%@: %.2f s, %.1f samples/s",
                     world.size, samples, threads, slowest, Double(world.size * samples) / slowest))
    }
}
