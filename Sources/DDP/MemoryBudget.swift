import Foundation

/// How many bytes this rank may use for its model, gradients, optimiser state and activations.
///
/// Measured: the memory free for new allocations on this node, the smaller of the kernel's
/// `MemAvailable` and what the cgroup (container, batch job) still allows, less a headroom fraction,
/// divided among the ranks on this node. Or given: an override in bytes for this rank.
public struct MemoryBudget: Sendable, Equatable {
    public let bytesPerRank: UInt64
    /// Where the number comes from, for logs and error messages, e.g.
    /// `24 GiB available, 2 ranks on this node, 20% headroom`.
    public let origin: String

    public init(bytesPerRank: UInt64, origin: String) {
        self.bytesPerRank = bytesPerRank
        self.origin = origin
    }

    /// A budget the user gave, e.g. `MemoryBudget(override: "2G", source: "--memory-per-rank")`.
    public init(override text: String, source: String) throws {
        do {
            self.init(bytesPerRank: try ByteCount.parse(text), origin: "set by \(source) \(text)")
        } catch let error as DDPError {
            throw DDPError("\(source): \(error.message)")
        }
    }

    /// Measures this node. Measure after the training data are loaded and before the model is
    /// built (its bytes then count as `fixedBytes` of `MicroBatchChooser`), at the same moment on
    /// every rank (after a barrier), and agree on the smallest budget over ranks, so all ranks choose
    /// the same micro-batch.
    ///
    /// `readFile` returns a file's text or nil; tests give it fake `/proc` and `/sys` files.
    public static func measure(
        ranksOnNode: Int, headroom: Double = 0.2,
        readFile: (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }
    ) throws -> MemoryBudget {
        guard ranksOnNode >= 1 else { throw DDPError("ranks on this node must be at least 1, got \(ranksOnNode)") }
        guard headroom >= 0, headroom < 1 else {
            throw DDPError("memory headroom must be a fraction in [0, 1), got \(headroom)")
        }
        let node = try NodeMemory.read(readFile)
        let usable = Double(node.availableBytes) * (1 - headroom) / Double(ranksOnNode)
        let ranks = ranksOnNode == 1 ? "1 rank" : "\(ranksOnNode) ranks"
        let headroomPercent = Int((headroom * 100).rounded())
        return MemoryBudget(
            bytesPerRank: UInt64(usable),
            origin: "\(ByteCount.format(node.availableBytes)) available\(node.limitedBy), \(ranks) on this node, \(headroomPercent)% headroom")
    }
}

/// Memory free for new allocations on this node, as the kernel and the cgroup see it.
struct NodeMemory {
    let availableBytes: UInt64
    /// Empty, or ` (cgroup limit)` when the cgroup allows less than the kernel has free.
    let limitedBy: String

    static func read(_ readFile: (String) -> String?) throws -> NodeMemory {
        guard let meminfo = readFile("/proc/meminfo"), let available = memAvailable(meminfo) else {
            throw DDPError("""
                cannot read MemAvailable from /proc/meminfo to size the memory budget; \
                give the budget per rank explicitly (e.g. --memory-per-rank 4G)
                """)
        }
        if let remaining = cgroupRemaining(readFile), remaining < available {
            return NodeMemory(availableBytes: remaining, limitedBy: " (cgroup limit)")
        }
        return NodeMemory(availableBytes: available, limitedBy: "")
    }

    /// `MemAvailable:   24352748 kB` in bytes.
    static func memAvailable(_ meminfo: String) -> UInt64? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = UInt64(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// What the memory cgroups still allow: at each level from this process's cgroup up to the
    /// root, limit minus usage, where usage leaves out inactive file cache (the kernel reclaims it
    /// before enforcing the limit); the smallest over levels, cgroup v2 and v1. Nil when no level
    /// has a limit. Walking up finds the limit of a batch job (Slurm puts steps below the job) as
    /// well as a container's (whose cgroup namespace makes its own cgroup the root).
    static func cgroupRemaining(_ readFile: (String) -> String?) -> UInt64? {
        let membership = readFile("/proc/self/cgroup") ?? ""
        let v2 = levels(mount: "/sys/fs/cgroup", path: cgroupPath(membership) { $0 == "0" && $1.isEmpty })
            .compactMap { directory in
                remaining(limit: number(readFile(directory + "/memory.max")),
                          usage: number(readFile(directory + "/memory.current")),
                          inactiveFile: statField("inactive_file", readFile(directory + "/memory.stat")))
            }
        let v1 = levels(mount: "/sys/fs/cgroup/memory", path: cgroupPath(membership) { $1.split(separator: ",").contains("memory") })
            .compactMap { directory in
                remaining(limit: number(readFile(directory + "/memory.limit_in_bytes")),
                          usage: number(readFile(directory + "/memory.usage_in_bytes")),
                          inactiveFile: statField("total_inactive_file", readFile(directory + "/memory.stat")))
            }
        return (v2 + v1).min()
    }

    /// The cgroup path of the line of /proc/self/cgroup (`hierarchy:controllers:path`) that matches.
    private static func cgroupPath(_ membership: String, matching: (Substring, Substring) -> Bool) -> String {
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3, matching(fields[0], fields[1]) { return String(fields[2]) }
        }
        return "/"
    }

    /// `mount/a/b`, `mount/a`, `mount` for path `/a/b`.
    private static func levels(mount: String, path: String) -> [String] {
        let parts = path.split(separator: "/")
        return (0...parts.count).reversed().map { depth in
            ([mount] + parts.prefix(depth).map(String.init)).joined(separator: "/")
        }
    }

    private static func remaining(limit: UInt64?, usage: UInt64?, inactiveFile: UInt64?) -> UInt64? {
        // cgroup v1 writes "no limit" as a huge page-aligned number near 2^63.
        guard let limit, let usage, limit < (UInt64(1) << 60) else { return nil }
        let used = usage - min(usage, inactiveFile ?? 0)
        return limit - min(limit, used)
    }

    /// A file holding one number; nil for a missing file or `max` (cgroup v2's "no limit").
    private static func number(_ text: String?) -> UInt64? {
        text.flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// `name value` from a memory.stat file.
    private static func statField(_ name: String, _ text: String?) -> UInt64? {
        for line in (text ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == name { return UInt64(fields[1]) }
        }
        return nil
    }
}
