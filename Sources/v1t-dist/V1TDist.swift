import ArgumentParser

@main
struct V1TDist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "v1t-dist",
        abstract: "Train V1T, a Vision Transformer model of mouse V1, on Allen Brain Observatory recordings.",
        discussion: """
        Run it under mpirun to train data-parallel: `mpirun -np 2 v1t-dist train ...`.
        With no data at hand, `v1t-dist simulate` writes a simulated Allen-like session.
        `v1t-dist bench` measures training speed and memory per sample on this machine.
        """,
        subcommands: [Simulate.self, Fetch.self, Convert.self, Inspect.self, Train.self, Evaluate.self, Plot.self, Predict.self,
                      ReceptiveFields.self, Tuning.self, Bench.self, ScalingCommand.self,
                      ImportSensorium.self, ExportSensorium.self, ImportV1TWeights.self, ExportV1TWeights.self, SyntheticNWB.self]
    )
}
