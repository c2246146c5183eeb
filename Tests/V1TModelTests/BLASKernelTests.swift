import Foundation
@testable import V1TModel
import XCTest

final class BLASKernelTests: XCTestCase {
    private let emeraldRapids: CPUCore.Features = [.sse3, .avx512Kernels, .avx512bf16]
    private let skylakeServer: CPUCore.Features = [.sse3, .avx512Kernels]
    private let haswell: CPUCore.Features = [.sse3, .avx2Kernels]
    private let dynamic = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64"

    private func decide(_ library: String, _ features: CPUCore.Features, configuration: String? = nil,
                        environment: [String: String] = [:]) -> BLASKernel.Decision {
        BLASKernel.decide(libraryKernel: library, libraryConfiguration: configuration ?? dynamic, features: features, environment: environment)
    }

    func testAFallbackToSSEKernelsOnAVX512CoresRestartsWithTheWidestFamily() {
        XCTAssertEqual(decide("Prescott", emeraldRapids), .restart(kernel: "Cooperlake", detected: "Prescott"))
        XCTAssertEqual(decide("Prescott", skylakeServer), .restart(kernel: "SkylakeX", detected: "Prescott"))
        XCTAssertEqual(decide("Nehalem", haswell), .restart(kernel: "Haswell", detected: "Nehalem"))
        XCTAssertEqual(decide("Haswell", skylakeServer), .restart(kernel: "SkylakeX", detected: "Haswell"))
    }

    func testTheLibrarysZenKernelsOnAVX2CoresRestartWithHaswellsAndOnAVX512CoresWithTheWidest() {
        XCTAssertEqual(decide("Zen", haswell), .restart(kernel: "Haswell", detected: "Zen"))
        XCTAssertEqual(decide("Zen", skylakeServer), .restart(kernel: "SkylakeX", detected: "Zen"), "Zen 4 and 5 have AVX-512")
        XCTAssertEqual(decide("Zen", haswell, environment: ["OPENBLAS_CORETYPE": "Zen"]), .keep, "the user's choice")
        XCTAssertEqual(decide("Sandybridge", [.sse3, .avx]), .keep)
        let restarted = BLASKernel(name: "Haswell", chooser: .vita, libraryDetected: "Zen", configuration: dynamic)
        XCTAssertTrue(restarted.summary.contains("the library chose Zen, whose sgemm is slower; OPENBLAS_CORETYPE=Zen keeps it"),
                      restarted.summary)
        let fallback = BLASKernel(name: "Cooperlake", chooser: .vita, libraryDetected: "Prescott", configuration: dynamic)
        XCTAssertTrue(fallback.summary.contains("fell back to Prescott"), fallback.summary)
    }

    #if os(Linux)
    func testTheRestartRunsTheProgramsOwnFileSoItKeepsItsName() throws {
        let path = BLASKernel.restartPath
        XCTAssertEqual(path, try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        XCTAssertNotEqual(URL(fileURLWithPath: path).lastPathComponent, "exe", "ps would show the ranks as \"exe\"")
    }
    #endif

    func testTheLibrarysOwnRightChoiceIsKept() {
        XCTAssertEqual(decide("Cooperlake", emeraldRapids), .keep)
        XCTAssertEqual(decide("SkylakeX", emeraldRapids), .keep, "the same width: the library may know better")
        XCTAssertEqual(decide("Haswell", haswell), .keep)
        XCTAssertEqual(decide("Prescott", [.sse3]), .keep, "SSE kernels are all an SSE core can run")
        XCTAssertEqual(decide("SomeFutureCore", emeraldRapids), .keep, "names VITA does not know are left alone")
    }

    func testTheUserAndAnEarlierRestartAreRespected() {
        XCTAssertEqual(decide("Prescott", emeraldRapids, environment: ["OPENBLAS_CORETYPE": "Prescott"]), .keep)
        XCTAssertEqual(decide("Prescott", emeraldRapids, environment: ["VITA_OPENBLAS_DETECTED": "Prescott"]), .keep,
                       "a library that ignored the restart's OPENBLAS_CORETYPE must not restart the program forever")
        XCTAssertEqual(decide("Prescott", emeraldRapids, configuration: "OpenBLAS 0.3.21 SKYLAKEX MAX_THREADS=64"), .keep,
                       "a library built for one core cannot switch")
    }

    func testBestKernelFollowsTheInstructionSets() {
        XCTAssertEqual(BLASKernel.bestKernel(for: emeraldRapids), "Cooperlake")
        XCTAssertEqual(BLASKernel.bestKernel(for: skylakeServer), "SkylakeX")
        XCTAssertEqual(BLASKernel.bestKernel(for: haswell), "Haswell")
        XCTAssertEqual(BLASKernel.bestKernel(for: [.sse3, .avx]), "Sandybridge")
        XCTAssertNil(BLASKernel.bestKernel(for: [.sse3]))
        XCTAssertEqual(BLASKernel.bestKernel(for: [.sse3, .avx, .avx2, .fma, .avx512f]), "Haswell",
                       "AVX-512 Foundation alone is not enough for the SkylakeX kernels")
    }

    func testCurrentKernelNamesTheLibrarysCoreAndWhoChoseIt() {
        let kernel = BLASKernel.current
        let environment = ProcessInfo.processInfo.environment
        XCTAssertFalse(kernel.name.isEmpty)
        XCTAssertTrue(kernel.configuration.hasPrefix("OpenBLAS"), kernel.configuration)
        let expected: BLASKernel.Chooser = environment["VITA_OPENBLAS_DETECTED"] != nil ? .vita
            : environment["OPENBLAS_CORETYPE"] != nil ? .user : .library
        XCTAssertEqual(kernel.chooser, expected)
        XCTAssertTrue(kernel.summary.contains(kernel.name))
    }

    #if arch(x86_64)
    func testTheCoresFMAPeakIsLanesTimesUnitsTimesTwoTimesTheClock() {
        let core = CPUCore.current
        XCTAssertTrue(core.features.contains(.sse3), core.description)
        XCTAssertTrue(["GenuineIntel", "AuthenticAMD"].contains(core.vendor), core.vendor)
        let peak = FMAPeak.measure(repeats: 1)
        XCTAssertEqual(peak.lanes, core.features.fmaLanes)
        guard peak.lanes > 0 else { return }
        XCTAssertTrue((0.3...10).contains(peak.clockGHz), "clock \(peak.clockGHz) GHz")
        XCTAssertTrue((1...4).contains(peak.fmaUnits), "\(peak.fmaUnits) FMA units (\(peak.measuredFMAsPerCycle) per cycle)")
        XCTAssertEqual(peak.gflops, Double(peak.lanes * peak.fmaUnits * 2) * peak.clockGHz, accuracy: 1e-9)
        XCTAssertLessThan(peak.loopGFLOPs, 1.3 * peak.gflops, "the loop cannot beat the peak by much")
    }
    #endif

    func testSgemmErrorIsFloatRoundingForTheKernelInUse() {
        XCTAssertLessThan(SgemmThroughput.relativeError(m: 67, n: 45, k: 123), 1e-5)
    }
}
