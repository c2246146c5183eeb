import Foundation
import V1TModel

/// sgemm under each OpenBLAS kernel family this CPU can run, each in a child process (the library
/// reads OPENBLAS_CORETYPE only as it loads): how fast, and whether it computes right. Its best
/// correct figure is the machine's sgemm, whatever kernel this process happens to use.
struct KernelSgemm: Codable {
    /// The family asked for, and the one the library reports running (they differ when the
    /// library does not accept the name).
    var requested: String
    var ran: String
    /// Largest error of a 67 x 45 x 123 product against a double-precision one, relative to the
    /// sum of the magnitudes of the terms (float rounding gives about 1e-7).
    var relativeError: Double
    var correct: Bool { relativeError < 1e-5 }
    var sgemm: [BenchReport.Sgemm]
    var peakGFLOPs: Double { BenchReport.peak(of: sgemm) }

    /// The families Debian's OpenBLAS 0.3.21 accepts in OPENBLAS_CORETYPE, with what each needs.
    static let candidates: [(name: String, needs: CPUCore.Features)] = [
        ("Prescott", .sse3), ("Sandybridge", .avx), ("Haswell", .avx2Kernels), ("Zen", .avx2Kernels),
        ("SkylakeX", .avx512Kernels), ("Cooperlake", [.avx512Kernels, .avx512bf16]),
    ]

    /// What a child run of `bench --sgemm-probe` measures in this process.
    static func probe(repeats: Int) -> KernelSgemm {
        KernelSgemm(requested: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "", ran: BLASKernel.current.name,
                    relativeError: SgemmThroughput.relativeError(m: 67, n: 45, k: 123), sgemm: BenchReport.Sgemm.measureAll(repeats: repeats))
    }

    /// Runs `program bench --sgemm-probe` once per family this CPU supports. A family whose child
    /// fails (e.g. crashes on an instruction the CPU lacks) is left out with a note on stderr.
    static func measureAll(program: String = "/proc/self/exe", features: CPUCore.Features = CPUCore.current.features,
                           repeats: Int = 5) -> [KernelSgemm] {
        candidates.filter { features.isSuperset(of: $0.needs) }.compactMap { candidate in
            var environment = ProcessInfo.processInfo.environment
            environment["OPENBLAS_CORETYPE"] = candidate.name
            environment["OPENBLAS_NUM_THREADS"] = "1"
            environment.removeValue(forKey: "VITA_OPENBLAS_DETECTED")
            let child = Process()
            child.executableURL = URL(fileURLWithPath: program)
            child.arguments = ["bench", "--sgemm-probe", "--sgemm-repeats", String(repeats)]
            child.environment = environment
            let output = Pipe()
            child.standardOutput = output
            do {
                try child.run()
                let data = output.fileHandleForReading.readDataToEndOfFile()
                child.waitUntilExit()
                guard child.terminationStatus == 0 else {
                    throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "exit status \(child.terminationStatus)"])
                }
                return try JSONDecoder().decode(KernelSgemm.self, from: data)
            } catch {
                FileHandle.standardError.write(Data("note: sgemm with OPENBLAS_CORETYPE=\(candidate.name) could not be measured: \(error.localizedDescription)\n".utf8))
                return nil
            }
        }
    }
}
