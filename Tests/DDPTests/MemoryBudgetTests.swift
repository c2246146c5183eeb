@testable import DDP
import XCTest

final class MemoryBudgetTests: XCTestCase {
    private let gib: UInt64 = 1 << 30, mib: UInt64 = 1 << 20

    func testByteCountsParse() throws {
        XCTAssertEqual(try ByteCount.parse("2G"), 2 * gib)
        XCTAssertEqual(try ByteCount.parse("512M"), 512 * mib)
        XCTAssertEqual(try ByteCount.parse("1.5GiB"), 3 * gib / 2)
        XCTAssertEqual(try ByteCount.parse(" 4 g "), 4 * gib)
        XCTAssertEqual(try ByteCount.parse("800MB"), 800_000_000)
        XCTAssertEqual(try ByteCount.parse("3KiB"), 3072)
        XCTAssertEqual(try ByteCount.parse("2tb"), 2_000_000_000_000)
        XCTAssertEqual(try ByteCount.parse("1048576"), 1_048_576)
        XCTAssertEqual(try ByteCount.parse("10B"), 10)
    }

    func testJunkByteCountsAreRejectedClearly() {
        for junk in ["", "G", "abc", "2X", "-1G", "0", "0.0001", "1.2.3G", "nanG", "0x10", "2 G B", "1e400"] {
            XCTAssertThrowsError(try ByteCount.parse(junk), "\"\(junk)\" should be rejected") { error in
                XCTAssertTrue("\(error)".contains("\"\(junk)\""), "the error should quote the input: \(error)")
            }
        }
        XCTAssertThrowsError(try ByteCount.parse("2X")) { XCTAssertTrue("\($0)".contains("e.g. 2G, 512M, 1.5GiB")) }
        XCTAssertThrowsError(try MemoryBudget(override: "lots", source: "--memory-per-rank")) {
            XCTAssertTrue("\($0)".hasPrefix("--memory-per-rank: invalid memory size \"lots\""), "\($0)")
        }
    }

    func testByteCountsFormat() {
        XCTAssertEqual(ByteCount.format(410 * mib), "410 MiB")
        XCTAssertEqual(ByteCount.format(3 * gib + gib / 10), "3.1 GiB")
        XCTAssertEqual(ByteCount.format(24 * gib), "24 GiB")
        XCTAssertEqual(ByteCount.format(512), "512 B")
        XCTAssertEqual(ByteCount.format(1024), "1 KiB")
        XCTAssertEqual(ByteCount.format(gib * 99 / 10), "9.9 GiB")
        XCTAssertEqual(ByteCount.format(gib * 996 / 100), "10 GiB")
    }

    func testOverrideIsTakenAsIs() throws {
        let budget = try MemoryBudget(override: "1.5G", source: "--memory-per-rank")
        XCTAssertEqual(budget.bytesPerRank, 3 * gib / 2)
        XCTAssertEqual(budget.origin, "set by --memory-per-rank 1.5G")
    }

    func testMeasuredBudgetSplitsMemAvailableAmongLocalRanks() throws {
        let files = ["/proc/meminfo": "MemTotal:       25000000 kB\nMemAvailable:   25165824 kB\nCached: 1 kB\n"]
        let budget = try MemoryBudget.measure(ranksOnNode: 2, headroom: 0.2) { files[$0] }
        XCTAssertEqual(budget.bytesPerRank, UInt64(Double(24 * gib) * 0.8 / 2))
        XCTAssertEqual(budget.origin, "24 GiB available, 2 ranks on this node, 20% headroom")
    }

    func testCgroupV2LimitBindsWhenTighter() throws {
        let files = [
            "/proc/meminfo": "MemAvailable: 25165824 kB\n",
            "/proc/self/cgroup": "0::/\n",
            "/sys/fs/cgroup/memory.max": "8589934592\n",
            "/sys/fs/cgroup/memory.current": "\(3 * gib)\n",
            "/sys/fs/cgroup/memory.stat": "anon 1\ninactive_file \(gib)\nactive_file 5\n",
        ]
        // 8 GiB limit - (3 GiB used - 1 GiB reclaimable cache) = 6 GiB.
        let budget = try MemoryBudget.measure(ranksOnNode: 1, headroom: 0) { files[$0] }
        XCTAssertEqual(budget.bytesPerRank, 6 * gib)
        XCTAssertEqual(budget.origin, "6 GiB available (cgroup limit), 1 rank on this node, 0% headroom")
    }

    func testUnlimitedCgroupsAreIgnored() throws {
        let files = [
            "/proc/meminfo": "MemAvailable: 1048576 kB\n",
            "/sys/fs/cgroup/memory.max": "max\n",
            "/sys/fs/cgroup/memory.current": "123\n",
            "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes": "855048192\n",
        ]
        XCTAssertEqual(try MemoryBudget.measure(ranksOnNode: 1, headroom: 0) { files[$0] }.bytesPerRank, gib)
    }

    func testCgroupV1LimitOfAnAncestorBinds() throws {
        // A batch job's limit sits on the job's cgroup; the process runs in a step below it.
        let files = [
            "/proc/meminfo": "MemAvailable: 25165824 kB\n",
            "/proc/self/cgroup": "5:cpu,cpuacct:/job_7/step_0\n4:memory:/job_7/step_0\n0::/\n",
            "/sys/fs/cgroup/memory/job_7/step_0/memory.limit_in_bytes": "9223372036854771712\n",
            "/sys/fs/cgroup/memory/job_7/step_0/memory.usage_in_bytes": "\(gib)\n",
            "/sys/fs/cgroup/memory/job_7/memory.limit_in_bytes": "\(4 * gib)\n",
            "/sys/fs/cgroup/memory/job_7/memory.usage_in_bytes": "\(2 * gib)\n",
            "/sys/fs/cgroup/memory/job_7/memory.stat": "cache 9\ntotal_inactive_file \(gib / 2)\n",
        ]
        // 4 GiB - (2 GiB - 0.5 GiB) = 2.5 GiB, over 2 ranks with 10% headroom.
        let budget = try MemoryBudget.measure(ranksOnNode: 2, headroom: 0.1) { files[$0] }
        XCTAssertEqual(budget.bytesPerRank, UInt64(Double(5 * gib / 2) * 0.9 / 2))
        XCTAssertTrue(budget.origin.hasPrefix("2.5 GiB available (cgroup limit), 2 ranks"), budget.origin)
    }

    func testUnreadableMeminfoIsExplained() {
        XCTAssertThrowsError(try MemoryBudget.measure(ranksOnNode: 1) { _ in nil }) {
            XCTAssertTrue("\($0)".contains("/proc/meminfo"), "\($0)")
        }
        XCTAssertThrowsError(try MemoryBudget.measure(ranksOnNode: 1, headroom: 1) { _ in "MemAvailable: 1 kB" })
    }

    func testThisMachineHasABudget() throws {
        let budget = try MemoryBudget.measure(ranksOnNode: 2)
        XCTAssertGreaterThan(budget.bytesPerRank, 0)
        XCTAssertTrue(budget.origin.hasSuffix("2 ranks on this node, 20% headroom"), budget.origin)
    }
}
