import ArgumentParser
import DDP
import V1TModel

@main
struct V1TDist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "v1t-dist",
        abstract: "Train V1T, a Vision Transformer model of mouse V1, on Allen Brain Observatory recordings.",
        discussion: """
        Run it under mpirun to train data-parallel: `mpirun -np 2 v1t-dist train ...`.
        With no data at hand, `v1t-dist simulate` writes a simulated Allen-like session.
        `v1t-dist bench` measures training speed and memory per sample on this machine.

        Exit status: 0 success, 64 a usage error (an option, argument or input path that cannot work; \
        nothing was run), 1 a failure while running (a damaged file, a full disk, a refused permission).
        """,
        subcommands: [Simulate.self, Fetch.self, Convert.self, Inspect.self, Train.self, Evaluate.self, Plot.self, Predict.self,
                      ReceptiveFields.self, Tuning.self, Bench.self, ScalingCommand.self,
                      ImportSensorium.self, ExportSensorium.self, ImportV1TWeights.self, ExportV1TWeights.self, SyntheticNWB.self]
    )

    /// Parses (negative numbers allowed as option values, `ArgumentPreparser`) and runs a command.
    /// Whatever `validate()` throws is a usage error (exit 64); whatever `run()` throws is a runtime
    /// error (exit 1), both printed in words (`ErrorText`). First of all, it picks the right
    /// OpenBLAS kernels for this CPU, which may restart the program (`BLASKernel.selectAtStartup`).
    static func main() {
        BLASKernel.selectAtStartup()
        var command: ParsableCommand
        do {
            command = try parseAsRoot(ArgumentPreparser.prepare(Array(CommandLine.arguments.dropFirst())))
        } catch {
            exit(withError: exitCode(for: error) == .failure ? ValidationError(ErrorText.describe(error)) : error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: exitCode(for: error) == .failure ? RuntimeFailure(ErrorText.describe(error)) : error)
        }
    }
}

/// A failure while a command ran, already described in words.
struct RuntimeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
