import ArgumentParser
import DDP
import Foundation
import Scaling
import Training

struct ScalingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Measure allreduce costs and report data-parallel scaling (scripts/scaling.sh runs the whole experiment).",
        discussion: """
        scripts/scaling.sh trains the same model on 1, 2, ... ranks (strong scaling: the same global \
        batch; weak scaling: the same batch per rank), runs `scaling allreduce` under mpirun, and \
        `scaling report` to turn the runs into scaling.csv, scaling.md and scaling.svg, with a \
        projection to more ranks. See docs/scaling.md.
        """,
        subcommands: [ScalingAllreduce.self, ScalingReportCommand.self]
    )
}

struct ScalingAllreduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Time MPI allreduce sums of 4 bytes up to --max-bytes, as the gradient allreduce runs them.",
        discussion: """
        Run it under mpirun with 2 or more ranks, placed as the training ranks will be:
          scripts/mpirun.sh -np 2 .build/release/v1t-dist scaling allreduce --out allreduce.csv
        Writes one line per buffer size (ranks, bytes, seconds per allreduce: the fastest of 3 rounds, \
        each timed on the slowest rank); `scaling report --allreduce` fits latency and bandwidth to it.
        """
    )

    @Option(help: "CSV file to write.")
    var out: String

    @Option(name: .customLong("max-bytes"), help: "Largest buffer (e.g. 64M); sizes go from 4 bytes up in steps of x4.")
    var maxBytes = "64M"

    @Option(help: "Seconds each timed round of one size should last.")
    var seconds = 0.1

    func validate() throws {
        let bytes = try ByteCount.parse(maxBytes)
        guard bytes >= 16 else { throw ValidationError("--max-bytes must be at least 16 bytes, got \(maxBytes)") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
    }

    func run() throws {
        let largest = Int(try ByteCount.parse(maxBytes))
        Communicator.run { world in
            guard world.size >= 2 else {
                throw ValidationError("""
                    one rank has nothing to communicate: run this under mpirun -np 2 (or more), \
                    e.g. scripts/mpirun.sh -np 2 v1t-dist scaling allreduce --out \(out)
                    """)
            }
            let timings = try AllreduceBenchmark.run(world: world, sizes: AllreduceBenchmark.sizes(maxBytes: largest), secondsPerRound: seconds)
            guard world.isRoot else { return }
            let csv = ([AllreduceTiming.csvHeader] + timings.map(\.csvLine)).joined(separator: "\n") + "\n"
            try RunDirectory.writeAtomically(Data(csv.utf8), to: URL(fileURLWithPath: out))
            for timing in timings {
                print(String(format: "%2d ranks  %12d bytes  %12.2f µs", timing.ranks, timing.bytes, timing.seconds * 1e6))
            }
            print("wrote \(out)")
        }
    }
}

struct ScalingReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn scaling runs into scaling.csv, scaling.md and scaling.svg, with a projection to more ranks.",
        discussion: """
        Reads each run directory's metrics.csv (the best epoch's samples/s and allreduce share, the \
        first epoch left out when there are more), config.json and last.safetensors (the parameter \
        count). With --allreduce (or --latency and --bandwidth) it also projects samples/s to the \
        --project rank counts with t_step(N) = t_compute * ceil(B / N) + ring allreduces (docs/scaling.md).

        Example:
          v1t-dist scaling report --strong runs/s1 runs/s2 --weak runs/w1 runs/w2 --allreduce allreduce.csv --out scaling
        """
    )

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Run directories of the strong-scaling runs (the same global batch).", valueName: "run-dir"))
    var strong: [String] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Run directories of the weak-scaling runs (the same batch per rank).", valueName: "run-dir"))
    var weak: [String] = []

    @Option(help: "CSV written by `v1t-dist scaling allreduce`: the latency and bandwidth of the projection.")
    var allreduce: String?

    @Option(help: "Latency per message in microseconds, instead of the measured one (e.g. 2 for InfiniBand, 30 for TCP).")
    var latency: Double?

    @Option(help: "Bytes per second per link, instead of the measured one (e.g. 12GB for 100 Gb/s InfiniBand, 1.1GB for 10 Gb/s Ethernet).")
    var bandwidth: String?

    @Option(parsing: .upToNextOption, help: "Rank counts to project to.")
    var project: [Int] = [1, 2, 4, 8, 16, 32, 64, 128]

    @Option(help: "Folder to write scaling.csv, scaling.md and scaling.svg into.")
    var out: String

    @Option(help: "Title of scaling.md.")
    var title = "Data-parallel scaling"

    @Option(help: "A paragraph for scaling.md under the title: machine, load, commands.")
    var note: String?

    func validate() throws {
        guard !(strong.isEmpty && weak.isEmpty) else { throw ValidationError("give the run directories to report with --strong and/or --weak") }
        if let latency, !(latency >= 0) { throw ValidationError("--latency must not be negative, got \(latency)") }
        if let bandwidth, try ByteCount.parse(bandwidth) == 0 { throw ValidationError("--bandwidth must be positive, got \(bandwidth)") }
        if allreduce == nil, (latency == nil) != (bandwidth == nil) {
            throw ValidationError("without --allreduce, give both --latency and --bandwidth (or neither, for no projection)")
        }
        guard project.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--project takes rank counts of at least 1, got \(project)") }
    }

    func run() throws {
        let strongRuns = try strong.map { try MeasuredRun.read(RunDirectory($0)) }
        let weakRuns = try weak.map { try MeasuredRun.read(RunDirectory($0)) }
        var timings: [AllreduceTiming] = []
        var cost: RingAllreduce?
        if let allreduce {
            guard let text = try? String(contentsOfFile: allreduce, encoding: .utf8) else {
                throw ValidationError("--allreduce \(allreduce) cannot be read: run `v1t-dist scaling allreduce --out \(allreduce)` under mpirun first")
            }
            timings = try AllreduceTiming.parse(csv: text, source: allreduce)
            cost = try RingAllreduce.fit(timings)
        }
        if latency != nil || bandwidth != nil {
            var given = cost ?? RingAllreduce(latency: 0, bandwidth: 1)
            if let latency { given.latency = latency * 1e-6 }
            if let bandwidth { given.bandwidth = Double(try ByteCount.parse(bandwidth)) }
            cost = given
            timings = []  // the table of measured sizes no longer describes the model
        }
        let report = try ScalingReport(strong: strongRuns, weak: weakRuns, allreduce: cost, allreduceTimings: timings)
        let folder = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let markdown = report.markdown(title: title, note: note, projectionRanks: project)
        try RunDirectory.writeAtomically(Data(report.csv.utf8), to: folder.appendingPathComponent("scaling.csv"))
        try RunDirectory.writeAtomically(Data(markdown.utf8), to: folder.appendingPathComponent("scaling.md"))
        try RunDirectory.writeAtomically(Data(report.svg(projectionRanks: project).utf8), to: folder.appendingPathComponent("scaling.svg"))
        print(markdown)
        print("wrote scaling.csv, scaling.md and scaling.svg in \(folder.path)")
    }
}
