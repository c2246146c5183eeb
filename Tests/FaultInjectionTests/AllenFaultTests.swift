import AllenNWB
import Foundation
import H5
import NumPyFormat
import TrainingSet
import XCTest

/// Every damaged Allen file of `AllenFault` through the converter, and the command-line cases that
/// concern conversion: dropped cells in the manifest, --strict-cells, duplicate experiments, and a
/// failed conversion that leaves earlier outputs as they were.
final class AllenFaultTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("allen-faults-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func testEveryDamagedFileHasItsExpectedOutcome() throws {
        let cells = AllenFault.session.settings.cells
        for fault in AllenFault.allCases {
            let file = path("\(fault.rawValue).nwb")
            try fault.write(to: file)
            let result = Result { try AllenConverter.convert(nwb: file) }
            switch (fault.expected, result) {
            case (.accepted, .success(let (recording, report))):
                XCTAssertEqual(recording.neurons.count, cells, fault.rawValue)
                XCTAssertTrue(report.droppedCells.isEmpty && report.dropped.isEmpty, "\(fault.rawValue): \(report.summary)")
            case (.repaired, .success(let (recording, report))):
                if fault == .nanStretchInOneCell {
                    XCTAssertEqual(recording.neurons.count, cells)
                    XCTAssertEqual(report.dropped.values.reduce(0, +), report.trialsInFile - report.trialsKept)
                    // Trials 10...17 have their whole 15-frame window inside the NaN stretch of trials 10..<20.
                    XCTAssertEqual(report.trialsInFile - report.trialsKept, 8, report.summary)
                } else {
                    XCTAssertEqual(recording.neurons.count, cells - 1, fault.rawValue)
                    XCTAssertFalse(recording.neurons.ids.contains(AllenFault.damagedCellID))
                    XCTAssertEqual(report.droppedCells.map(\.cellSpecimenId), [AllenFault.damagedCellID])
                    XCTAssertTrue(report.summary.contains("dropped 1 cells without usable signal: \(AllenFault.damagedCellID)"), report.summary)
                    XCTAssertEqual(report.trialsKept, report.trialsInFile, "the other cells keep every trial")
                }
                XCTAssertNoThrow(try recording.validate())
            case (.refused(let place, let mentions), .failure(let error)):
                assertRefusal(error, file: file, place: place, mentions: mentions, case: fault.rawValue)
            case (let expected, let result):
                XCTFail("\(fault.rawValue): expected \(expected), got \(result)")
            }
        }
    }

    func testStrictCellsRefusesTheSessionNamingTheCell() throws {
        let file = path("nan-cell.nwb")
        try AllenFault.nanCell.write(to: file)
        var options = ConversionOptions()
        options.strictCells = true
        XCTAssertThrowsError(try AllenConverter.convert(nwb: file, options: options)) { error in
            assertRefusal(error, file: file, place: AllenNWBLayout.dffData,
                          mentions: ["1 of 5 cells have no usable signal: \(AllenFault.damagedCellID)", "without --strict-cells"],
                          case: "strict cells")
        }
    }

    func testIntegerEventsAreRefused() throws {
        let file = path("s.nwb"), events = path("s_events.npz")
        try AllenFault.intact.write(to: file)
        let session = AllenFault.session
        try NpzWriter.write([("ev", NpyArray(session.events.map { Int32($0 * 1000) }, shape: [session.settings.cells, session.frames]))],
                            to: URL(fileURLWithPath: events))
        XCTAssertThrowsError(try AllenConverter.convert(nwb: file, events: events)) { error in
            assertRefusal(error, file: events, place: "ev", mentions: ["is stored as <i4", "floating-point"], case: "integer events")
        }
    }

    func testDroppedCellsAreListedInTheManifest() throws {
        let file = path("nan-cell.nwb"), out = path("out")
        try AllenFault.nanCell.write(to: file)
        let (status, output) = try Tool.run(["convert", file, "--out", out])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("dropped 1 cells without usable signal: \(AllenFault.damagedCellID)"), output)
        let manifest = try XCTUnwrap(TrainingSetManifest.read(folder: URL(fileURLWithPath: out)))
        let entry = try XCTUnwrap(manifest.recordings.first)
        XCTAssertEqual(entry.droppedCellCount, 1)
        XCTAssertEqual(entry.droppedCells?.first?.cellSpecimenId, AllenFault.damagedCellID)
        XCTAssertEqual(entry.neurons, 4)
        let json = try String(contentsOfFile: out + "/manifest.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"cell_specimen_id\" : \(AllenFault.damagedCellID)"), json)

        let strict = try Tool.run(["convert", file, "--out", path("strict"), "--strict-cells"])
        XCTAssertEqual(strict.status, 1, strict.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("strict/501559087.h5")))
    }

    func testACellDroppedFromAContainerSessionIsListedWithItsSession() throws {
        let container = SyntheticAllenContainer()
        let paths = try container.write(to: folder.appendingPathComponent("container")).map(\.path)
        let sessionB = container.sessions[1]
        let file = try H5File.open(paths[1], mode: .readWrite)
        let id: Int64 = try file.read(AllenNWBLayout.cellSpecimenIDs)[0]
        var dff = sessionB.dff
        for frame in 0..<sessionB.frames { dff[frame] = .nan }
        try file.dataset(AllenNWBLayout.dffData).overwrite(with: dff)
        try file.close()

        let out = path("out")
        let (status, output) = try Tool.run(["convert", "--container", paths[1], "--out", out])
        XCTAssertEqual(status, 0, output)
        let entry = try XCTUnwrap(TrainingSetManifest.read(folder: URL(fileURLWithPath: out))?.recordings.first)
        XCTAssertEqual(entry.droppedCellCount, 1)
        XCTAssertEqual(entry.droppedCells?.first?.cellSpecimenId, id)
        XCTAssertEqual(entry.droppedCells?.first?.reason, "in 501559087 (three_session_B): no finite dF/F in any response window")
    }

    func testTwoFilesOfOneExperimentAreRefusedBeforeAnythingIsWritten() throws {
        try AllenFault.intact.write(to: path("a.nwb"))
        try AllenFault.intact.write(to: path("b.nwb"))
        let (status, output) = try Tool.run(["convert", path("a.nwb"), path("b.nwb"), "--out", path("out")])
        XCTAssertEqual(status, 64, output)
        XCTAssertTrue(output.contains("are both experiment 501559087"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out/501559087.h5")))
    }

    func testAFailedConversionLeavesEarlierOutputsUntouched() throws {
        let out = path("out")
        try AllenFault.intact.write(to: path("good.nwb"))
        XCTAssertEqual(try Tool.run(["convert", path("good.nwb"), "--out", out]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out + "/501559087.h5"))
        let manifestBefore = try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))

        try AllenFault.frameTimesBackwards.write(to: path("bad.nwb"))
        let (status, output) = try Tool.run(["convert", path("bad.nwb"), "--out", out])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("goes backwards"), output)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/501559087.h5")), before)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json")), manifestBefore)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["501559087.h5", "manifest.json"],
                       "no temporary file is left behind")
    }
}
