import COpenBLAS
import Foundation

/// Which OpenBLAS kernel family this process computes with, and who chose it.
///
/// Debian's OpenBLAS 0.3.21 is built for every x86-64 core (DYNAMIC_ARCH) and picks its kernels when
/// the library loads, from a table of CPU models. On a CPU newer than that table (Intel Emerald
/// Rapids: family 6, model 207) it falls back to its oldest SSE3 kernels ("Prescott"), which run
/// sgemm 3-4 times slower than the AVX-512 ones the core can run. `select(arguments:)`, called first
/// thing in `main`, notices such a fallback and restarts the program with `OPENBLAS_CORETYPE` set
/// (the only way in: the library reads it once, as it loads). A user's own `OPENBLAS_CORETYPE` is
/// always respected.
public struct BLASKernel: Codable, Equatable, Sendable {
    public enum Chooser: String, Codable, Sendable {
        /// The library's own detection, which VITA found right for this CPU.
        case library
        /// The user, through OPENBLAS_CORETYPE.
        case user
        /// VITA, because the library's detection fell back to kernels narrower than the CPU's vectors.
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
        case .vita: return "OpenBLAS kernel \(name) (chosen by VITA: the library's own detection fell back to \(libraryDetected ?? "?") on this CPU)"
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

    /// What to do at start-up.
    public enum Decision: Equatable, Sendable {
        /// Run as is.
        case keep
        /// Restart with OPENBLAS_CORETYPE = `kernel`, recording that the library chose `detected`.
        case restart(kernel: String, detected: String)
    }

    /// Restart only when the library's choice is narrower than the vectors the core has, the
    /// library can switch kernels at all (DYNAMIC_ARCH), nobody set OPENBLAS_CORETYPE, and this is
    /// not already the restarted program.
    public static func decide(libraryKernel: String, libraryConfiguration: String, features: CPUCore.Features,
                              environment: [String: String]) -> Decision {
        guard environment[coreTypeVariable] == nil, environment[detectedVariable] == nil,
              libraryConfiguration.contains("DYNAMIC_ARCH"),
              let best = bestKernel(for: features) else { return .keep }
        let have = vectorBits(ofKernel: libraryKernel)
        guard have > 0, have < vectorBits(ofKernel: best) else { return .keep }
        return .restart(kernel: best, detected: libraryKernel)
    }

    /// Call first thing in `main`, before any threads start: restarts this program (same process,
    /// same arguments, so it works for each rank under mpirun) with the right kernel when the
    /// library fell back to a generic one. Returns when nothing needs doing, or when the restart
    /// failed (then with a warning on stderr, computing on the library's kernel).
    public static func selectAtStartup() {
        #if os(Linux)
        let decision = decide(libraryKernel: String(cString: openblas_get_corename()),
                              libraryConfiguration: String(cString: openblas_get_config()),
                              features: CPUCore.current.features, environment: ProcessInfo.processInfo.environment)
        guard case .restart(let kernel, let detected) = decision else { return }
        setenv(coreTypeVariable, kernel, 1)
        setenv(detectedVariable, detected, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        unsetenv(coreTypeVariable)
        unsetenv(detectedVariable)
        FileHandle.standardError.write(Data(("warning: OpenBLAS fell back to its \(detected) kernels on this CPU and restarting with "
            + "OPENBLAS_CORETYPE=\(kernel) failed (\(reason)); set OPENBLAS_CORETYPE=\(kernel) yourself for 3-4x faster training\n").utf8))
        #endif
    }
}
