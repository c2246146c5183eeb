import Plots

extension ScalingReport {
    /// scaling.svg: samples/s, efficiency and allreduce share against the number of ranks, the
    /// measured points over the model's lines (when there is a model).
    public func svg(projectionRanks: [Int]) -> String {
        let projected = projection(ranks: projectionRanks)
        var throughput = Chart(title: "Throughput", xLabel: "ranks", yLabel: "samples/s")
        var efficiency = Chart(title: "Parallel efficiency", xLabel: "ranks", yLabel: "efficiency")
        var share = Chart(title: "Allreduce share of a step", xLabel: "ranks", yLabel: "share")
        let colors = [ScalingMode.strong: "#1f77b4", .weak: "#d62728"]
        for mode in ScalingMode.allCases {
            let measured = rows.filter { $0.mode == mode }
            guard let base = measured.first else { continue }
            let color = colors[mode]!
            let x = measured.map { Double($0.run.ranks) }
            if !projected.isEmpty {
                let px = projected.map { Double($0.ranks) }
                let steps = projected.map { mode == .strong ? $0.strong : $0.weak }
                throughput.series.append(.init(name: "\(mode) model", x: px, y: steps.map(\.samplesPerSecond), mark: .line, color: color))
                efficiency.series.append(.init(name: "\(mode) model", x: px,
                                               y: projected.map { mode == .strong ? $0.strongEfficiency : $0.weakEfficiency }, mark: .line, color: color))
                share.series.append(.init(name: "\(mode) model", x: px, y: steps.map(\.allreduceShare), mark: .line, color: color))
            } else {
                // Without a model: the ideal line, N / N0 times the baseline.
                throughput.series.append(.init(name: "\(mode) ideal", x: x, y: x.map { $0 / Double(base.run.ranks) * base.run.samplesPerSecond },
                                               mark: .line, color: color))
            }
            throughput.series.append(.init(name: "\(mode) measured", x: x, y: measured.map(\.run.samplesPerSecond), mark: .points(radius: 4), color: color))
            efficiency.series.append(.init(name: "\(mode) measured", x: x, y: measured.map(\.efficiency), mark: .points(radius: 4), color: color))
            share.series.append(.init(name: "\(mode) measured", x: x, y: measured.map(\.run.allreduceShare), mark: .points(radius: 4), color: color))
        }
        efficiency.yRange = 0...max(1.1, 1.05 * (efficiency.series.flatMap(\.y).filter(\.isFinite).max() ?? 0))
        share.yRange = 0...max(0.01, 1.1 * (share.series.flatMap(\.y).filter(\.isFinite).max() ?? 0))
        // Projections to many ranks read better on logarithmic axes.
        if (rows.map(\.run.ranks) + projectionRanks).max() ?? 1 >= 16 {
            throughput.xScale = .logarithmic
            throughput.yScale = .logarithmic
            efficiency.xScale = .logarithmic
            share.xScale = .logarithmic
        }
        let figure = Figure(title: "Data-parallel scaling", columns: 3,
                            panels: [.chart(throughput), .chart(efficiency), .chart(share)], panelWidth: 420, panelHeight: 320)
        return figure.svg()
    }
}
