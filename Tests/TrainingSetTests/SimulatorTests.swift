import Metrics
@testable import TrainingSet
import XCTest

final class SimulatorTests: XCTestCase {
    private func smallOptions(seed: UInt64 = 1) -> SimulationOptions {
        var options = SimulationOptions()
        options.seed = seed
        options.neurons = 12
        options.images = 10
        options.repeats = 4
        options.imageHeight = 36
        options.imageWidth = 64
        return options
    }

    func testSameSeedGivesTheSameRecordingAndAnotherSeedDoesNot() throws {
        let first = try Simulator.simulate(smallOptions(seed: 3))
        XCTAssertEqual(first, try Simulator.simulate(smallOptions(seed: 3)))
        let other = try Simulator.simulate(smallOptions(seed: 4))
        XCTAssertNotEqual(first.images, other.images)
        XCTAssertNotEqual(first.trials.responses, other.trials.responses)
        XCTAssertNotEqual(first.trials.imageIndex, other.trials.imageIndex)
        XCTAssertNotEqual(first.groundTruth?.receptiveFieldCenters, other.groundTruth?.receptiveFieldCenters)
    }

    func testTrialStructureMatchesAnAllenSession() throws {
        let options = smallOptions()
        let recording = try Simulator.simulate(options)
        try recording.validate()
        let trials = recording.trials
        XCTAssertEqual(trials.count, options.repeats * (options.images + 1))
        XCTAssertEqual(recording.images.count, options.images + 1)
        XCTAssertEqual(recording.images.image(options.images).allSatisfy { $0 == 128 }, true, "the last image is gray")
        for image in 0..<options.images {
            XCTAssertEqual(trials.imageIndex.filter { $0 == image }.count, options.repeats)
        }
        for trial in 0..<trials.count {
            let isGray = trials.imageIndex[trial] == Int32(options.images)
            XCTAssertEqual(trials.stimulusFrame[trial], isGray ? -1 : trials.imageIndex[trial])
        }
        XCTAssertEqual(recording.neurons.count, options.neurons)
        XCTAssertEqual(recording.trials.behaviourAvailable, [true, true, true])
        XCTAssertTrue(recording.trials.pupilCenterAvailable)
        XCTAssertEqual(recording.metadata.source, .simulated)
        XCTAssertEqual(recording.groundTruth?.noiselessResponses.rows, trials.count)
    }

    func testWithoutEyeTrackingPupilDataIsAbsentNotFaked() throws {
        var options = smallOptions()
        options.eyeTracking = false
        let recording = try Simulator.simulate(options)
        try recording.validate()
        XCTAssertEqual(recording.trials.behaviourAvailable, [false, false, true])
        XCTAssertFalse(recording.trials.pupilCenterAvailable)
        XCTAssertTrue(recording.trials.behaviour.column(0).allSatisfy { $0 == 0 })
        XCTAssertTrue(recording.trials.behaviour.column(1).allSatisfy { $0 == 0 })
        XCTAssertTrue(recording.trials.pupilCenter.values.allSatisfy { $0 == 0 })
        // Only what is stored changes: the mouse runs and its eyes move as with a camera.
        var tracked = options
        tracked.eyeTracking = true
        let withCamera = try Simulator.simulate(tracked)
        XCTAssertEqual(recording.trials.behaviour.column(2), withCamera.trials.behaviour.column(2))
        XCTAssertEqual(recording.trials.responses, withCamera.trials.responses)
    }

    func testImagesHaveSpatialStructureNotWhiteNoise() throws {
        let recording = try Simulator.simulate(smallOptions())
        let images = recording.images
        for image in 0..<(images.count - 1) {
            let pixels = images.image(image).map(Double.init)
            // Correlation of horizontally adjacent pixels: ~0 for white noise, high for natural images.
            var left = [Double](), right = [Double]()
            for y in 0..<images.height {
                for x in 0..<(images.width - 1) {
                    left.append(pixels[y * images.width + x])
                    right.append(pixels[y * images.width + x + 1])
                }
            }
            XCTAssertGreaterThan(pearson(left, right), 0.6, "image \(image)")
            let mean = pixels.reduce(0, +) / Double(pixels.count)
            let std = (pixels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(pixels.count)).squareRoot()
            XCTAssertGreaterThan(std, 20, "image \(image) has contrast")
        }
    }

    /// The default session (fewer neurons, to stay fast) has a realistic noise ceiling, and the
    /// ground truth behaves as a ceiling should.
    func testNoiseCeilingIsRealistic() throws {
        var options = SimulationOptions()
        options.neurons = 60
        let recording = try Simulator.simulate(options)
        let report = RecordingReport(recording: recording, path: "memory")
        let oracle = meanCountingNaNAsZero(report.oracle)
        XCTAssertGreaterThan(oracle, 0.3)
        XCTAssertLessThan(oracle, 0.6)
        XCTAssertGreaterThan(report.oracle.max()!, report.oracle.min()! + 0.2, "neurons differ in reliability")
        // The noiseless responses predict single trials better than the leave-one-out mean does
        // (they know running, arousal and eye position), and their CCnorm is about 1.
        XCTAssertGreaterThan(meanCountingNaNAsZero(report.groundTruthCorrelation!), oracle)
        XCTAssertEqual(meanCountingNaNAsZero(report.groundTruthNormalizedCorrelation!), 1, accuracy: 0.05)
    }

    func testReceptiveFieldsFollowCorticalPosition() throws {
        var options = smallOptions()
        options.neurons = 80
        let recording = try Simulator.simulate(options)
        let truth = try XCTUnwrap(recording.groundTruth)
        let centers = truth.receptiveFieldCenters.values
        XCTAssertTrue(centers.allSatisfy { (0...1).contains($0) })
        XCTAssertTrue(truth.receptiveFieldSizes.allSatisfy { $0 > 0.02 && $0 < 0.06 })
        let corticalX = recording.neurons.positions.column(0).map(Double.init)
        let corticalY = recording.neurons.positions.column(1).map(Double.init)
        let visualX = truth.receptiveFieldCenters.column(0).map(Double.init)
        let visualY = truth.receptiveFieldCenters.column(1).map(Double.init)
        // The map is rotated by at most 0.35 rad, so each visual axis follows its cortical axis.
        XCTAssertGreaterThan(pearson(corticalX, visualX), 0.7)
        XCTAssertGreaterThan(pearson(corticalY, visualY), 0.7)
        XCTAssertTrue(recording.neurons.positions.values.allSatisfy { $0 >= 0 && $0 <= 400 })
    }

    func testBehaviourLooksLikeAMouse() throws {
        var options = SimulationOptions()
        options.neurons = 1
        options.images = 20
        let recording = try Simulator.simulate(options)
        let running = recording.trials.behaviour.column(BehaviourVariable.runningSpeed.rawValue).map(Double.init)
        let pupil = recording.trials.behaviour.column(BehaviourVariable.pupilSize.rawValue).map(Double.init)
        let runningShare = Double(running.filter { $0 > 2 }.count) / Double(running.count)
        XCTAssertGreaterThan(runningShare, 0.05, "some running bouts")
        XCTAssertLessThan(runningShare, 0.7, "mostly still")
        XCTAssertLessThan(running.max()!, 60, "plausible speeds (cm/s)")
        XCTAssertGreaterThan(pearson(running, pupil), 0.3, "the pupil dilates with running")
        let eyeX = recording.trials.pupilCenter.column(0).map(Double.init)
        XCTAssertGreaterThan(eyeX.map(abs).max()!, 1, "the eyes move")
    }

    func testOptionsOutOfRangeNameTheFlag() {
        var options = SimulationOptions()
        options.neurons = 0
        XCTAssertThrowsError(try options.validate()) { error in
            XCTAssertEqual((error as? SimulationOptionsError)?.flag, "--neurons")
            XCTAssertEqual("\(error)", "--neurons must be between 1 and 100000 (got 0)")
        }
        options = SimulationOptions()
        options.repeats = 1
        XCTAssertThrowsError(try Simulator.simulate(options)) { error in
            XCTAssertEqual((error as? SimulationOptionsError)?.flag, "--repeats")
        }
    }
}

final class ReceptiveFieldShiftTests: XCTestCase {
    /// Moving every receptive field one pixel right gives what the unmoved fields see in the image
    /// moved one pixel left: the eye-position shift is a true translation.
    func testWholePixelShiftEqualsTranslatingTheImage() {
        let height = 40, width = 60
        let neurons = NeuronPopulation.sample(count: 12, imageHeight: height, imageWidth: width, seed: 2)
        let fields = ReceptiveFields(neurons: neurons, imageHeight: height, imageWidth: width)
        let image = NaturalImageGenerator(height: height, width: width).image(seed: 5, index: 0).map { (Float($0) - 128) / 128 }
        var movedLeft = [Float](repeating: 0, count: image.count)
        var movedUp = [Float](repeating: 0, count: image.count)
        for y in 0..<height {
            for x in 0..<width {
                if x + 1 < width { movedLeft[y * width + x] = image[y * width + x + 1] }
                if y + 1 < height { movedUp[y * width + x] = image[(y + 1) * width + x] }
            }
        }
        let shiftedRight = fields.linearResponses(contrast: image, shiftX: 1, shiftY: 0)
        let shiftedDown = fields.linearResponses(contrast: image, shiftX: 0, shiftY: 1)
        let reference = fields.linearResponses(contrast: image, shiftX: 0, shiftY: 0)
        let fromMovedLeft = fields.linearResponses(contrast: movedLeft, shiftX: 0, shiftY: 0)
        let fromMovedUp = fields.linearResponses(contrast: movedUp, shiftX: 0, shiftY: 0)
        // Compare neurons whose window, shifted, stays inside the image (at the border, pixels beyond
        // the image count as gray, which translating the image does not reproduce).
        let inside = fieldsInside(fields, width: width, height: height, margin: 1)
        XCTAssertGreaterThanOrEqual(inside.count, 3)
        for neuron in inside {
            for k in [2 * neuron, 2 * neuron + 1] {
                XCTAssertEqual(shiftedRight[k], fromMovedLeft[k], accuracy: 1e-4)
                XCTAssertEqual(shiftedDown[k], fromMovedUp[k], accuracy: 1e-4)
                XCTAssertNotEqual(shiftedRight[k], reference[k])
            }
        }
    }

    /// Filters ignore uniform luminance: a uniformly brighter image gives (almost) no drive.
    func testFiltersIgnoreUniformLuminance() {
        let neurons = NeuronPopulation.sample(count: 12, imageHeight: 40, imageWidth: 60, seed: 2)
        let fields = ReceptiveFields(neurons: neurons, imageHeight: 40, imageWidth: 60)
        let bright = fields.linearResponses(contrast: [Float](repeating: 0.5, count: 40 * 60), shiftX: 0, shiftY: 0)
        let inside = fieldsInside(fields, width: 60, height: 40, margin: 0)
        XCTAssertGreaterThanOrEqual(inside.count, 3)
        for neuron in inside {
            XCTAssertEqual(bright[2 * neuron], 0, accuracy: 1e-4)
            XCTAssertEqual(bright[2 * neuron + 1], 0, accuracy: 1e-4)
        }
    }

    private func fieldsInside(_ fields: ReceptiveFields, width: Int, height: Int, margin: Int) -> [Int] {
        (0..<fields.count).filter {
            fields.originX[$0] >= margin && fields.originY[$0] >= margin
                && fields.originX[$0] + fields.side[$0] + margin <= width && fields.originY[$0] + fields.side[$0] + margin <= height
        }
    }
}

func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let meanA = a.reduce(0, +) / Double(a.count), meanB = b.reduce(0, +) / Double(b.count)
    var ab = 0.0, aa = 0.0, bb = 0.0
    for (x, y) in zip(a, b) {
        ab += (x - meanA) * (y - meanB)
        aa += (x - meanA) * (x - meanA)
        bb += (y - meanB) * (y - meanB)
    }
    return ab / (aa * bb).squareRoot()
}
