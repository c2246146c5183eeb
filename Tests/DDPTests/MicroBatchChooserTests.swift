@testable import DDP
import XCTest

final class MicroBatchChooserTests: XCTestCase {
    private let mib: UInt64 = 1 << 20

    func testChoosesTheLargestMicroBatchThatFits() throws {
        let budget = MemoryBudget(bytesPerRank: 120 * mib + 6 * 410 * mib, origin: "test")
        let exact = try MicroBatchChooser.choose(activationBytesPerSample: 410 * mib, fixedBytes: 120 * mib, budget: budget, largestShare: 16)
        XCTAssertEqual(exact.size, 6)
        XCTAssertEqual(exact.explanation, "micro-batch 6: 6 x 410 MiB activations + 120 MiB fixed fits in 2.5 GiB budget (test)")
        let oneByteShort = MemoryBudget(bytesPerRank: budget.bytesPerRank - 1, origin: "test")
        XCTAssertEqual(try MicroBatchChooser.choose(activationBytesPerSample: 410 * mib, fixedBytes: 120 * mib, budget: oneByteShort, largestShare: 16).size, 5)
    }

    func testNeverExceedsTheRanksShare() throws {
        let budget = MemoryBudget(bytesPerRank: 100 * 1024 * mib, origin: "test")
        let choice = try MicroBatchChooser.choose(activationBytesPerSample: mib, fixedBytes: mib, budget: budget, largestShare: 4)
        XCTAssertEqual(choice.size, 4)
        XCTAssertTrue(choice.explanation.hasPrefix("micro-batch 4 (this rank's whole share of the global batch): 4 x 1 MiB"), choice.explanation)
        XCTAssertEqual(try MicroBatchChooser.choose(activationBytesPerSample: 0, fixedBytes: 0, budget: budget, largestShare: 3).size, 3)
    }

    func testFailsClearlyWhenNotEvenOneTrialFits() {
        let budget = MemoryBudget(bytesPerRank: 300 * mib, origin: "24 GiB available, 2 ranks on this node, 20% headroom")
        XCTAssertThrowsError(try MicroBatchChooser.choose(activationBytesPerSample: 410 * mib, fixedBytes: 120 * mib, budget: budget, largestShare: 8)) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("1 x 410 MiB activations + 120 MiB fixed = 530 MiB exceeds the 300 MiB budget (24 GiB available"), message)
            XCTAssertTrue(message.contains("fewer ranks per node"), message)
        }
        XCTAssertThrowsError(try MicroBatchChooser.choose(activationBytesPerSample: 1, fixedBytes: 301 * mib, budget: budget, largestShare: 8))
    }
}
