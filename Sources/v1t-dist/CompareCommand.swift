import ArgumentParser
import Results

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Several trained runs side by side on their held-out test images.",
        discussion: """
        One row per run (and recording): single-trial correlation, correlation to the average over \
        repeats, FEVE, the Poisson loss per trial next to the mean-response baseline and whether the \
        model beats it, CCnorm, the correlation with the noiseless truth (simulated recordings), and \
        the median distance of the receptive-field centres from the true ones in image widths when \
        `v1t-dist receptive-fields RUN` has been run. scripts/generalisation.sh prints its table with it.

        Example: v1t-dist compare runs/generalisation/*
        """
    )

    @Argument(help: ArgumentHelp("Run directories written by `v1t-dist train`.", valueName: "run-dir"))
    var runs: [String]

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run directory") }
    }

    func run() throws {
        print(try RunComparison(runs: runs).table)
    }
}
