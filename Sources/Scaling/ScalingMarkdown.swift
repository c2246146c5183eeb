import Foundation

extension ScalingReport {
    /// scaling.md: the measured table, the allreduce fit, and the projection with its model.
    public func markdown(title: String, note: String?, projectionRanks: [Int]) -> String {
        var text = "# \(title)\n\n"
        if let note, !note.isEmpty { text += note + "\n\n" }
        text += "## Measured\n\n" + measuredTable() + "\n"
        text += """
            samples/s: the best epoch's training throughput over all ranks (the first epoch left out when \
            there are more: it pays for MPI's set-up and first touches the activation memory). Speedup and efficiency are against the mode's \
            smallest run; efficiency 1 is perfect scaling. Allreduce share: the part of a step spent in \
            the gradient allreduce, waiting for the slowest rank included. Ranks busy: the processor time \
            the ranks got over the wall time of that epoch's steps; below 100% they shared their cores with \
            other processes. Speedup if unshared: samples per second of processor time against the \
            baseline's, an estimate of the speedup on a machine of one's own. Model samples/s: what the \
            step-time model below predicts for ranks with cores of their own.\n\n
            """
        if let model {
            text += "## Allreduce\n\n" + allreduceSummary(model.allreduce) + "\n\n"
            text += "## Projection\n\n" + projectionDescription(model) + "\n\n" + projectionTable(projectionRanks)
        }
        return text
    }

    func measuredTable() -> String {
        var lines = [
            "| mode | ranks | global batch | per-rank batch | samples/s | speedup | efficiency | allreduce share | step (s) "
                + "| model samples/s | ranks busy | speedup if unshared |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in rows {
            let run = row.run
            lines.append("| \(row.mode.rawValue) | \(run.ranks) | \(run.globalBatch) | \(run.largestShare) | \(Self.figure(run.samplesPerSecond)) | "
                + String(format: "%.2fx | %.0f%% | %.1f%% | %@ | %@ | %@ | %@ |", row.speedup, 100 * row.efficiency, 100 * run.allreduceShare,
                         Self.figure(run.stepSeconds), row.modelSamplesPerSecond.map(Self.figure) ?? "-",
                         run.cpuShare.map { String(format: "%.0f%%", 100 * $0) } ?? "-",
                         row.unsharedSpeedup.map { String(format: "%.2fx", $0) } ?? "-"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func allreduceSummary(_ fit: RingAllreduce) -> String {
        guard let ranks = allreduceTimings.first?.ranks else {
            return String(format: "Latency %.1f µs per message, bandwidth %@/s per link: given with --latency and --bandwidth "
                          + "(one of them may come from measured timings).", fit.latency * 1e6, Self.bytes(fit.bandwidth))
        }
        let sizes = allreduceTimings.map(\.bytes)
        var text = String(format: "Fitted to %d buffer sizes (%@ to %@) on %d ranks: latency %.1f µs per message, bandwidth %@/s per link.\n\n",
                          sizes.count, Self.bytes(Double(sizes.min()!)), Self.bytes(Double(sizes.max()!)), ranks,
                          fit.latency * 1e6, Self.bytes(fit.bandwidth))
        text += "| buffer | measured | ring model |\n| ---: | ---: | ---: |\n"
        for timing in allreduceTimings {
            let modelled = fit.seconds(bytes: timing.bytes, ranks: timing.ranks)
            text += "| \(Self.bytes(Double(timing.bytes))) | \(Self.duration(timing.seconds)) | \(Self.duration(modelled)) |\n"
        }
        return text
    }

    func projectionDescription(_ model: StepTimeModel) -> String {
        let batches = projectedBatches
        let busy = rows[0].run.cpuShare.map { String(format: ", whose ranks were busy %.0f%%: processor time, as on a core of its own", 100 * $0) } ?? ""
        return """
            t_step(N) = t_compute * ceil(B / N) + t_ring(4 * \(model.parameters) bytes, N) + 2 t_ring(small, N), \
            t_ring(bytes, N) = 2 (N - 1) latency + 2 (N - 1) / N * bytes / bandwidth; \
            t_compute = \(Self.duration(model.computeSecondsPerSample)) per trial on one rank (from \(rows[0].run.name)\(busy)). \
            Strong: B = \(batches.strong); weak: B = \(batches.weakPerRank) N. \
            The model leaves out ranks slowed by sharing cores or memory bandwidth, so it is an upper bound \
            for ranks on one node; across nodes use the network's latency and bandwidth (--latency, --bandwidth).
            """
    }

    func projectionTable(_ ranks: [Int]) -> String {
        var lines = [
            "| ranks | strong samples/s | speedup | efficiency | allreduce share | weak samples/s | efficiency | allreduce share |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in projection(ranks: ranks) {
            lines.append("| \(row.ranks) | \(Self.figure(row.strong.samplesPerSecond)) | "
                + String(format: "%.2fx | %.0f%% | %.1f%% | %@ | %.0f%% | %.1f%% |", row.strongSpeedup, 100 * row.strongEfficiency,
                         100 * row.strong.allreduceShare, Self.figure(row.weak.samplesPerSecond), 100 * row.weakEfficiency,
                         100 * row.weak.allreduceShare))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Three significant digits, without exponent for everyday magnitudes.
    static func figure(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        if abs(value) >= 10 { return String(format: "%.1f", value) }
        if abs(value) >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3g", value)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.2f s", seconds) }
        if seconds >= 1e-3 { return String(format: "%.2f ms", seconds * 1e3) }
        return String(format: "%.1f µs", seconds * 1e6)
    }

    static func bytes(_ count: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = count, unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? String(format: "%.0f B", value) : String(format: "%.3g %@", value, units[unit])
    }
}
