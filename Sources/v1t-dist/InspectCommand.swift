import ArgumentParser
import Foundation
import TrainingSet

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Check a training-set file and summarise it: tiers, neurons, behaviour, noise ceiling.",
        discussion: """
        Reads the file with every check training applies (shapes, types, format version, finite \
        values, image indices, tiers), then prints trials per tier, which behaviour variables were \
        really recorded, response statistics of the training tier, and the noise ceiling: per \
        neuron, the correlation of each trial with the mean of the other repeats of its image \
        (oracle), averaged over neurons with its spread. Simulated files also report how well the \
        noiseless ground truth predicts the responses: the best score any model can reach.

        Example: v1t-dist inspect data/simulated.h5
        """
    )

    @Argument(help: ArgumentHelp("Training-set file (written by `v1t-dist simulate` or `v1t-dist convert`).", valueName: "file"))
    var file: String

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw ValidationError("no such file: \(file); make one with `v1t-dist simulate --out \(file)` or `v1t-dist convert`")
        }
        if isDirectory.boolValue { throw ValidationError("\(file) is a directory; give a training-set file") }
    }

    func run() throws {
        let recording = try Recording.read(from: file)
        print(RecordingReport(recording: recording, path: file).text)
    }
}
