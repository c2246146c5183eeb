import XCTest
@testable import AllenNWB

/// The synthetic experiment container: three sessions of one mouse, area and depth whose cells
/// overlap, written in the Allen layout and read back by the reader.
final class SyntheticContainerTests: XCTestCase {
    func testThreeSessionsShareMouseAreaDepthAndAnOverlappingSetOfCells() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("container-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = SyntheticAllenContainer.Settings()
        settings.cells = 9
        let paths = try SyntheticAllenContainer(settings).write(to: folder)
        XCTAssertEqual(paths.map(\.lastPathComponent), ["501559003.nwb", "501559087.nwb", "501559145.nwb"])

        var cellsPerSession: [Set<Int64>] = []
        for (path, type) in zip(paths, ["three_session_A", "three_session_B", "three_session_C"]) {
            let file = try AllenNWBFile(path: path.path)
            let metadata = try file.metadata()
            XCTAssertEqual(metadata.sessionType, type)
            XCTAssertEqual(metadata.containerID, "511510736")
            XCTAssertEqual(metadata.subjectID, "222426")
            XCTAssertEqual(metadata.area, "VISp")
            XCTAssertEqual(metadata.imagingDepth, 175)
            cellsPerSession.append(Set(try file.cellSpecimenIDs()))
            XCTAssertEqual(try file.stimulusNames().contains("natural_scenes"), type == "three_session_B")
            XCTAssertTrue(try file.stimulusNames().contains("natural_movie_one"))
        }
        // Cells 0, 4, 8 everywhere; A lacks 1, 5; B lacks 2, 6; C lacks 3, 7.
        let id = SyntheticAllenContainer.cellSpecimenID
        XCTAssertEqual(cellsPerSession[0], Set([0, 2, 3, 4, 6, 7, 8].map(id)))
        XCTAssertEqual(cellsPerSession[1], Set([0, 1, 3, 4, 5, 7, 8].map(id)))
        XCTAssertEqual(cellsPerSession[2], Set([0, 1, 2, 4, 5, 6, 8].map(id)))
        XCTAssertEqual(cellsPerSession.reduce(Set()) { $0.union($1) }, Set((0..<9).map(id)))
    }
}
