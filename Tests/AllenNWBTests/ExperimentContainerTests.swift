import TrainingSet
import XCTest
@testable import AllenNWB

/// Which files `convert --container` accepts as one experiment container.
final class ExperimentContainerTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("container-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The synthetic container's sessions, read back; `change` alters the settings of session `index` first.
    func sessions(changing index: Int? = nil, _ change: (inout SyntheticAllenSession.Settings) -> Void = { _ in }) throws
        -> [ExperimentContainer.Session] {
        let container = SyntheticAllenContainer()
        return try container.sessions.enumerated().map { position, session in
            var settings = session.settings
            if position == index { change(&settings) }
            let path = folder.appendingPathComponent("\(settings.experimentID).nwb").path
            try SyntheticAllenSession(settings).write(to: path)
            return ExperimentContainer.Session(path: path, metadata: try AllenNWBFile(path: path).metadata())
        }
    }

    func testOneContainersSessionsAreAccepted() throws {
        let container = try ExperimentContainer(sessions())
        XCTAssertEqual(container.id, "511510736")
        XCTAssertEqual(container.sessions.map(\.metadata.sessionType), ["three_session_A", "three_session_B", "three_session_C"])
    }

    func testFilesThatDisagreeAreRefusedNamingEachFileAndWhatDiffers() throws {
        let cases: [(String, (inout SyntheticAllenSession.Settings) -> Void)] = [
            ("their mouse (/general/subject/subject_id) differs", { $0.subjectID = "999999" }),
            ("their area (/general/optophysiology/imaging_plane_1/location) differs", { $0.area = "VISl" }),
            ("their imaging depth (/general/optophysiology/imaging_plane_1/imaging depth) differs", { $0.imagingDepth = 275 }),
            ("their experiment container (/general/experiment_container_id) differs", { $0.containerID = "511510999" }),
        ]
        for (expected, change) in cases {
            let given = try sessions(changing: 2, change)
            XCTAssertThrowsError(try ExperimentContainer(given)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(expected), text)
                for session in given { XCTAssertTrue(text.contains(session.path), text) }
                XCTAssertTrue(text.contains("v1t-dist fetch --container ID"), text)
            }
        }
        let depth = try sessions(changing: 1) { $0.imagingDepth = 275 }
        XCTAssertThrowsError(try ExperimentContainer(depth)) { error in
            XCTAssertTrue("\(error)".contains("\(depth[1].path): 275 µm"), "\(error)")
        }
    }

    func testASessionGivenTwiceIsRefused() throws {
        let given = try sessions()
        XCTAssertThrowsError(try ExperimentContainer([given[1], given[0], given[1]])) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(given[1].path) and \(given[1].path) are both three_session_B sessions"), "\(error)")
        }
    }
}

/// `AllenConverter.convertContainer`: the check comes before any conversion, then the sessions merge.
final class ContainerConversionTests: XCTestCase {
    func testFilesThatAreNotOneContainerAreRefusedBeforeAnyConversion() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("container-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = SyntheticAllenContainer.Settings()
        settings.cells = 8
        let paths = try SyntheticAllenContainer(settings).write(to: folder).map(\.path)
        var other = SyntheticAllenContainer(settings).sessions[2].settings
        other.subjectID = "333333"
        let stranger = folder.appendingPathComponent("stranger.nwb").path
        try SyntheticAllenSession(other).write(to: stranger)
        XCTAssertThrowsError(try AllenConverter.convertContainer(nwb: [paths[1], stranger], events: [nil, nil])) { error in
            XCTAssertTrue(error is ContainerMismatch, "\(error)")
            XCTAssertTrue("\(error)".contains("\(stranger): 333333"), "\(error)")
        }
    }

    func testASingleSessionContainerIsThatSessionWithItsCells() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("container-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = try SyntheticAllenContainer().write(to: folder).map(\.path)
        let (merged, reports) = try AllenConverter.convertContainer(nwb: [paths[1]], events: [nil])
        let (alone, _) = try AllenConverter.convert(nwb: paths[1])
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(merged.metadata.experimentID, "container_511510736")
        XCTAssertEqual(merged.sessions.map(\.experimentID), ["501559087"])
        XCTAssertEqual(merged.neurons.ids, alone.neurons.ids)
        XCTAssertEqual(merged.trials.responses, alone.trials.responses)
        XCTAssertTrue(merged.recordsEveryNeuronOnEveryTrial)
    }

    /// A, B and C together: the union of their cells, each session's mask, B's trials as B converts
    /// alone, and natural_movie_one (shown in all three) one repeat group across the container.
    func testTheThreeSessionsMergeIntoOneTrainingSet() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("container-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = SyntheticAllenContainer.Settings()
        settings.cells = 8
        let container = SyntheticAllenContainer(settings)
        let paths = try container.write(to: folder).map(\.path)
        let (merged, reports) = try AllenConverter.convertContainer(nwb: paths, events: [nil, nil, nil])
        XCTAssertEqual(reports.count, 3)
        XCTAssertEqual(merged.neurons.ids, (0..<8).map(SyntheticAllenContainer.cellSpecimenID))
        XCTAssertEqual(merged.sessions.map(\.sessionType), ["three_session_A", "three_session_B", "three_session_C"])
        for k in 0..<3 {
            XCTAssertEqual(merged.sessions[k].recorded, (0..<8).map(SyntheticAllenContainer.cellsKept(session: k, of: 8).contains))
        }
        // B's trials and responses as B converts alone, its cells in their union columns.
        let (alone, _) = try AllenConverter.convert(nwb: paths[1])
        let bTrials = (0..<merged.trials.count).filter { merged.trials.sessionIndex[$0] == 1 }
        XCTAssertEqual(bTrials.count, alone.trials.count)
        let columns = alone.neurons.ids.map { merged.neurons.ids.firstIndex(of: $0)! }
        for (row, trial) in bTrials.enumerated() {
            for (index, column) in columns.enumerated() {
                XCTAssertEqual(merged.trials.responses[trial, column], alone.trials.responses[row, index])
            }
        }
        // One image per frame of natural_movie_one, shared by the sessions that showed it.
        let movieOne = (0..<merged.trials.count).filter { merged.trials.stimulusKind(of: $0).name == "natural_movie_one" }
        XCTAssertEqual(Set(movieOne.map { merged.trials.sessionIndex[$0] }), [0, 1, 2])
        var imageOfFrame: [Int32: Int32] = [:]
        for trial in movieOne {
            let frame = merged.trials.stimulusFrame[trial], image = merged.trials.imageIndex[trial]
            XCTAssertEqual(imageOfFrame[frame, default: image], image, "frame \(frame)")
            imageOfFrame[frame] = image
        }
        try merged.write(to: folder.appendingPathComponent("container.h5").path)
        XCTAssertEqual(try Recording.read(from: folder.appendingPathComponent("container.h5").path), merged)
    }
}
