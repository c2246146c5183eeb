import COpenBLAS
import Foundation

/// Which OpenBLAS kernel family this process computes with, and who chose it.
///
/// Debian's OpenBLAS 0.3.21 is built for every x86-64 core (DYNAMIC_ARCH) and picks its kernels when
/// the library loads, from a table of CPU models. On a CPU newer than that table (Intel Emerald
/// Rapids: family 6, model 207) it falls back to its oldest SSE3 kernels ("Prescott"), which run
/// sgemm 3-4 times slower than the AVX-512 ones the core can run. On AMD Zen 1-3 it picks its "Zen"
/// kernels, whose sgemm ran the model 13-20% slower than its "Haswell" ones on the same Zen 3 core
/// (docs/performance.md). `selectAtStartup()`, called first thing in `main`, notices either and
/// restarts the program with `OPENBLAS_CORETYPE` set (the only way in: the library reads it once,
/// as it loads). A user's own `OPENBLAS_CORETYPE` is always respected.
public struct BLASKernel: Codable, Equatable, Sendable {
    public enum Chooser: String, Codable, Sendable {
        /// The library's own detection, which VITA found right for this CPU.
        case library
        /// The user, through OPENBLAS_CORETYPE.
        case user
        /// VITA, because the library's detection fell back to kernels narrower than the CPU's vectors,
        /// or picked a family whose sgemm another of the same width beats (`outrunBy`).
        case vita
    }

    /// The kernel family in use (`openblas_get_corename`), e.g. "SkylakeX".
    public var name: String
    public var chooser: Chooser
    /// What the library picked by itself, when VITA overrode it.
    public var libraryDetected: String?
    /// OpenBLAS's build line (version, DYNAMIC_ARCH, threading).
    public var configuration: String

    /// The kernel of this process.
    public static var current: BLASKernel {
        let environment = ProcessInfo.processInfo.environment
        let name = String(cString: openblas_get_corename())
        let detected = environment[detectedVariable]
        let chooser: Chooser = detected != nil ? .vita : environment[coreTypeVariable] != nil ? .user : .library
        return BLASKernel(name: name, chooser: chooser, libraryDetected: detected, configuration: String(cString: openblas_get_config()))
    }

    /// One line for logs, `bench` and run records.
    public var summary: String {
        switch chooser {
        case .library: return "OpenBLAS kernel \(name) (the library's own choice)"
        case .user:
            guard let best = Self.bestKernel(for: CPUCore.current.features),
                  Self.vectorBits(ofKernel: name) < Self.vectorBits(ofKernel: best) else {
                return "OpenBLAS kernel \(name) (set by OPENBLAS_CORETYPE)"
            }
            return "OpenBLAS kernel \(name) (set by OPENBLAS_CORETYPE; this CPU has wider vectors: unset it, or set \(best), for faster sgemm)"
        case .vita:
            let detected = libraryDetected ?? "?"
            if Self.outrunBy[detected] == name {
                return "OpenBLAS kernel \(name) (chosen by VITA: the library chose \(detected), whose sgemm is slower; OPENBLAS_CORETYPE=\(detected) keeps it)"
            }
            return "OpenBLAS kernel \(name) (chosen by VITA: the library's own detection fell back to \(detected) on this CPU)"
        }
    }

    static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set with OPENBLAS_CORETYPE when VITA restarts the program: it records what the library chose
    /// by itself, marks the choice as VITA's (not the user's), and stops a second restart.
    static let detectedVariable = "VITA_OPENBLAS_DETECTED"
}

extension BLASKernel {
    /// The vector width OpenBLAS's kernel families are written for, in bits; 0 for names this table
    /// does not know (which VITA then leaves alone).
    static func vectorBits(ofKernel name: String) -> Int {
        switch name {
        case "SkylakeX", "Cooperlake", "SapphireRapids": return 512
        case "Haswell", "Zen", "Sandybridge", "Bulldozer", "Piledriver", "Steamroller", "Excavator": return 256
        case "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington", "Nehalem",
             "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano": return 128
        default: return 0
        }
    }

    /// The best kernel family Debian's OpenBLAS 0.3.21 has for a core with these features, or nil
    /// below AVX (where the library's own SSE kernels are all there is).
    public static func bestKernel(for features: CPUCore.Features) -> String? {
        if features.isSuperset(of: .avx512Kernels) { return features.contains(.avx512bf16) ? "Cooperlake" : "SkylakeX" }
        if features.isSuperset(of: .avx2Kernels) { return "Haswell" }
        if features.contains(.avx) { return "Sandybridge" }
        return nil
    }

    /// Families the library picks for which it has a faster one of the same width for the same core:
    /// 0.3.21 gives AMD Zen 1-3 its "Zen" kernels, and on a Zen 3 core (EPYC, family 25 model 1) its
    /// "Haswell" ones ran sgemm 10-20% and the small model 13-20% faster (docs/performance.md).
    static let outrunBy: [String: String] = ["Zen": "Haswell"]

    /// What to do at start-up.
    public enum Decision: Equatable, Sendable {
        /// Run as is.
        case keep
        /// Restart with OPENBLAS_CORETYPE = `kernel`, recording that the library chose `detected`.
        case restart(kernel: String, detected: String)
    }

    /// Restart only when the library's choice is narrower than the vectors the core has, or is
    /// outrun by the best family for the core (`outrunBy`), the library can switch kernels at all
    /// (DYNAMIC_ARCH), nobody set OPENBLAS_CORETYPE, and this is not already the restarted program.
    public static func decide(libraryKernel: String, libraryConfiguration: String, features: CPUCore.Features,
                              environment: [String: String]) -> Decision {
        guard environment[coreTypeVariable] == nil, environment[detectedVariable] == nil,
              libraryConfiguration.contains("DYNAMIC_ARCH"),
              let best = bestKernel(for: features) else { return .keep }
        let have = vectorBits(ofKernel: libraryKernel)
        guard have > 0, have < vectorBits(ofKernel: best) || outrunBy[libraryKernel] == best else { return .keep }
        return .restart(kernel: best, detected: libraryKernel)
    }

    /// The program's own file, resolved: exec'ing "/proc/self/exe" itself would rename the process
    /// "exe" in ps, top and pgrep (the kernel names a process after the file it runs).
    static var restartPath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
    }

    /// Call first thing in `main`, before any threads start: restarts this program (same process,
    /// same arguments, so it works for each rank under mpirun) with the right kernel when the
    /// library fell back to a generic one or picked a slower one. Returns when nothing needs doing, or when the restart
    /// failed (then with a warning on stderr, computing on the library's kernel).
    public static func selectAtStartup() {
        #if os(Linux)
        let decision = decide(libraryKernel: String(cString: openblas_get_corename()),
                              libraryConfiguration: String(cString: openblas_get_config()),
                              features: CPUCore.current.features, environment: ProcessInfo.processInfo.environment)
        guard case .restart(let kernel, let detected) = decision else { return }
        setenv(coreTypeVariable, kernel, 1)
        setenv(detectedVariable, detected, 1)
        execv(restartPath, CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        unsetenv(coreTypeVariable)
        unsetenv(detectedVariable)
        FileHandle.standardError.write(Data(("warning: OpenBLAS chose its \(detected) kernels on this CPU and restarting with "
            + "OPENBLAS_CORETYPE=\(kernel) failed (\(reason)); set OPENBLAS_CORETYPE=\(kernel) yourself for faster training\n").utf8))
        #endif
    }
}
