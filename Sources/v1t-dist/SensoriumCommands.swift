import ArgumentParser
import Foundation
import SensoriumFormat
import TrainingSet

struct ImportSensorium: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-sensorium",
        abstract: "Turn a Sensorium 2022 / Franke 2022 static mouse folder into a training set.",
        discussion: """
        DIR is one mouse's folder (holding data/ and meta/, e.g. \
        static21067-10-18-GrayImageNet-94c6ff995dac583098847cfecd43e7b6). Its train, validation and test \
        tiers are kept as they are; final_test trials are left out (their responses are withheld). \
        Identical images are stored once; colour (two-channel) images are averaged to gray.
        """
    )

    @Argument(help: "The mouse folder.")
    var folder: String

    @Option(help: "The training-set file to write.")
    var out: String

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(folder) is not a folder (unzip the Sensorium archive first)")
        }
    }

    func run() throws {
        let (recording, report) = try SensoriumImporter.load(URL(fileURLWithPath: folder))
        try recording.write(to: out)
        print(report.summary)
        print("  wrote \(out)")
    }
}

struct ExportSensorium: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-sensorium",
        abstract: "Write a training set as a Sensorium 2022 static mouse folder (for the original Python V1T).",
        discussion: """
        The folder has data/{images,responses,behavior,pupil_center}/<trial>.npy and meta/ (neurons, trials, \
        statistics) as the original V1T's data.py loads them. That code picks mice by fixed folder names: \
        to train it on this folder, place it under its data/sensorium/ with one of those names.
        """
    )

    @Argument(help: "The training-set file.")
    var file: String

    @Option(help: "The folder to create (must not exist or be empty).")
    var out: String

    func run() throws {
        let recording = try Recording.read(from: file)
        let notes = try SensoriumExporter.write(recording, to: URL(fileURLWithPath: out))
        print("\(out): \(recording.trials.count) trials, \(recording.neurons.count) neurons")
        for note in notes { print("  note: \(note)") }
    }
}
