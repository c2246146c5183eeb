import AllenNWB
import H5
import TrainingSet
import XCTest

/// Behaviour per trial (late-starting running speed, NaN gaps, pupil), sessions without eye tracking,
/// and the refusals.
final class AllenBehaviourTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("allen-behaviour-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func written(_ settings: SyntheticAllenSession.Settings) throws -> (SyntheticAllenSession, String) {
        let session = SyntheticAllenSession(settings)
        let path = folder.appendingPathComponent("s.nwb").path
        try session.write(to: path)
        return (session, path)
    }

    /// Running starts at frame 400, the first natural-scene block at frame 340 (7 frames per trial), and
    /// running samples 1000..<1040 (frames 1400..<1440) are NaN.
    var lateRunning: SyntheticAllenSession.Settings {
        var settings = SyntheticAllenSession.Settings()
        settings.runningStartFrame = 400
        settings.runningNaN = [1000..<1040]
        return settings
    }

    func testRunningSpeedMeanNearestAndInterpolatedValues() throws {
        let (session, path) = try written(lateRunning)
        XCTAssertEqual(session.trialStarts[0], 340)
        let running = BehaviourVariable.runningSpeed.rawValue
        let (recording, report) = try AllenConverter.convert(nwb: path)
        func speed(_ trial: Int) -> Double { Double(recording.trials.behaviour[trial, running]) }

        // Trials 0-6 end before running starts: the first sample is carried back (within 2 s).
        for trial in 0...6 { XCTAssertEqual(speed(trial), session.runningSpeed[0], accuracy: 1e-5) }
        // Trial 7 (frames 389..<404) holds running samples 0...3.
        XCTAssertEqual(speed(7), session.runningSpeed[0...3].reduce(0, +) / 4, accuracy: 1e-5)
        // Trial 151 (frames 1397..<1412) has finite samples only for frames 1397...1399.
        XCTAssertEqual(speed(151), session.runningSpeed[997...999].reduce(0, +) / 3, accuracy: 1e-5)
        // Trials 152-155 lie inside the NaN gap: interpolated at the window's middle between the samples
        // at frames 1399 and 1440.
        let (t0, t1) = (session.runningTimes[999], session.runningTimes[1040])
        let (v0, v1) = (session.runningSpeed[999], session.runningSpeed[1040])
        for trial in 152...155 {
            let middle = session.timestamps[session.trialStarts[trial]] + 0.25
            XCTAssertEqual(speed(trial), v0 + (v1 - v0) * (middle - t0) / (t1 - t0), accuracy: 1e-5)
        }
        XCTAssertEqual(report.filled["running speed"], [.nearest: 7, .interpolated: 4])
        XCTAssertTrue(report.summary.contains("running speed: 4 interpolated across NaN, 7 from the nearest sample"), report.summary)
        XCTAssertEqual(recording.trials.behaviourAvailable, [true, true, true])
    }

    func testTrialsBeyondTheGapLimitAreDroppedAndCounted() throws {
        let (session, path) = try written(lateRunning)
        var options = ConversionOptions()
        options.maxGap = 1
        options.includeMovies = false
        let (recording, report) = try AllenConverter.convert(nwb: path, options: options)
        // Windows centred more than 1 s before running starts: trials starting at frames 340, 347, 354, 361.
        XCTAssertEqual(report.dropped, ["behaviour missing: no finite sample within 1.0 s": 4])
        XCTAssertEqual(report.trialsKept, session.trialImages.count - 4)
        XCTAssertEqual(recording.trials.onsetTimes?.first, session.timestamps[368])
        // Nearest: the 3 remaining early trials, and trial 155 (window middle at frame 1432.5 is 1.1 s after
        // the last finite sample, too far to interpolate, but 0.25 s before the next one).
        XCTAssertEqual(report.filled["running speed"], [.nearest: 4, .interpolated: 3])
    }

    func testPupilSizeDerivativeAndCentre() throws {
        var settings = SyntheticAllenSession.Settings()
        settings.pupilNaN = [2000..<2003]
        let (session, path) = try written(settings)
        let recording = try AllenConverter.convert(nwb: path).0
        func pupil(at time: Double) -> Double {
            let next = session.timestamps.firstIndex { $0 >= time }!
            if session.timestamps[next] == time { return session.pupilSize[next] }
            let (t0, t1) = (session.timestamps[next - 1], session.timestamps[next])
            return session.pupilSize[next - 1] + (session.pupilSize[next] - session.pupilSize[next - 1]) * (time - t0) / (t1 - t0)
        }
        for trial in [3, 100, 237] {  // trial 237 (frames 1998..<2013) contains the blink at 2000...2002
            let start = session.trialStarts[trial]
            let onset = session.timestamps[start]
            let window = (start..<(start + 15)).filter { session.pupilSize[$0].isFinite }
            XCTAssertEqual(window.count, trial == 237 ? 12 : 15)
            let size = window.map { session.pupilSize[$0] }.reduce(0, +) / Double(window.count)
            XCTAssertEqual(Double(recording.trials.behaviour[trial, 0]), size, accuracy: 1e-4)
            let slope = (pupil(at: onset + 0.5) - pupil(at: onset)) / 0.5
            XCTAssertEqual(Double(recording.trials.behaviour[trial, 1]), slope, accuracy: 1e-4)
            for column in 0..<2 {
                // The spherical position, not the cm copy (which the synthetic file scales by 0.1).
                let centre = window.map { session.pupilPosition[2 * $0 + column] }.reduce(0, +) / Double(window.count)
                XCTAssertEqual(Double(recording.trials.pupilCenter[trial, column]), centre, accuracy: 1e-5)
            }
        }
        XCTAssertTrue(recording.trials.pupilCenterAvailable)
    }

    func testSessionWithoutEyeTrackingConvertsWithoutPupilAndSaysSo() throws {
        var settings = SyntheticAllenSession.Settings()
        settings.eyeTracking = false
        let (_, path) = try written(settings)
        let (recording, report) = try AllenConverter.convert(nwb: path)
        XCTAssertEqual(recording.trials.behaviourAvailable, [false, false, true])
        XCTAssertFalse(recording.trials.pupilCenterAvailable)
        XCTAssertTrue(recording.trials.pupilCenter.values.allSatisfy { $0 == 0 })
        XCTAssertTrue(recording.trials.behaviour.column(0).allSatisfy { $0 == 0 })
        XCTAssertTrue(report.notes.contains { $0.contains("no pupil size") && $0.contains("unavailable") }, "\(report.notes)")
        XCTAssertTrue(report.summary.contains("no pupil position"), report.summary)
        try recording.write(to: folder.appendingPathComponent("out.h5").path)
    }

    func testSessionAIsAcceptedForItsMoviesAndRefusedWithoutThem() throws {
        var settings = SyntheticAllenSession.Settings()
        settings.sessionType = .threeSessionA
        let (_, path) = try written(settings)
        let recording = try AllenConverter.convert(nwb: path).0
        XCTAssertEqual(recording.stimulusKindsPresent.map(\.name), ["natural_movie_one", "natural_movie_three"])
        var noMovies = ConversionOptions()
        noMovies.includeMovies = false
        XCTAssertThrowsError(try AllenConverter.convert(nwb: path, options: noMovies)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path), text)
            XCTAssertTrue(text.contains("session three_session_A has no natural scenes, and --no-movies leaves out its natural movies"), text)
            XCTAssertTrue(text.contains("three_session_B"), text)
        }
    }

    func testTruncatedAndForeignFilesAreRefusedNamingThePath() throws {
        let (_, path) = try written(.init())
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).intValue
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()
        XCTAssertThrowsError(try AllenConverter.convert(nwb: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix(path) && text.contains("truncated or damaged download"), text)
        }

        let text = folder.appendingPathComponent("page.nwb")
        try Data("<html>404</html>".utf8).write(to: text)
        XCTAssertThrowsError(try AllenConverter.convert(nwb: text.path)) { error in
            XCTAssertTrue("\(error)".contains("page.nwb: cannot be opened: not an HDF5 file"), "\(error)")
        }

        let other = folder.appendingPathComponent("other.h5").path
        let file = try H5File.create(other)
        try file.write([Float(1)], to: "something")
        try file.close()
        XCTAssertThrowsError(try AllenConverter.convert(nwb: other)) { error in
            XCTAssertTrue("\(error)".contains("other.h5: /processing/brain_observatory_pipeline/DfOverF/imaging_plane_1/data: "
                                              + "is missing (the dF/F traces)"), "\(error)")
        }
    }
}
