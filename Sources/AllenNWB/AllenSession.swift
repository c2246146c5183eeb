/// The parts of `/general` the converter uses.
public struct AllenSessionMetadata: Equatable {
    public var experimentID: String
    /// e.g. `three_session_B`.
    public var sessionType: String
    /// Imaged area, e.g. `VISp`.
    public var area: String
    /// Full genotype, e.g. `Cux2-CreERT2/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/Ai93(TITL-GCaMP6f)`.
    public var genotype: String
    /// Size of one imaging pixel, from `/general/fov` ("400x400 microns (512 x 512 pixels)" -> 0.78125).
    public var micrometresPerPixel: (x: Double, y: Double)
    /// Depth of the imaging plane below the pia, micrometres.
    public var imagingDepth: Double
    /// The experiment container (the A, B and C sessions of one field of view) and the mouse, when
    /// the file names them (`/general/experiment_container_id`, `/general/subject/subject_id`).
    public var containerID: String? = nil
    public var subjectID: String? = nil

    /// The driver line: the first genotype part without its allele suffix (`Cux2-CreERT2`), as AllenSDK
    /// takes `genotype.split(';')[0]`.
    public var creLine: String {
        let first = genotype.split(separator: ";").first.map(String.init) ?? genotype
        return first.split(separator: "/").first.map(String.init) ?? first
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.experimentID == b.experimentID && a.sessionType == b.sessionType && a.area == b.area
            && a.genotype == b.genotype && a.micrometresPerPixel == b.micrometresPerPixel && a.imagingDepth == b.imagingDepth
    }
}

/// One natural-scene presentation.
public struct NaturalSceneTrial: Equatable {
    /// The template shown, or -1 for a blank (gray) sweep.
    public var image: Int32
    /// Imaging frames the image was on screen, [start, end) (the file's `frame_duration`).
    public var startFrame: Int
    public var endFrame: Int
    /// Onset in seconds (the file's presentation `timestamps`), when the file has them.
    public var onset: Double?

    public var isBlank: Bool { image < 0 }
}

/// Samples on their own clock: `values[sample * columns + column]`, NaN where nothing was measured.
public struct TimeSeries: Equatable {
    public var times: [Double]
    public var values: [Double]
    public var columns: Int

    public init(times: [Double], values: [Double], columns: Int) {
        precondition(values.count == times.count * columns, "TimeSeries: \(values.count) values for \(times.count) times")
        self.times = times
        self.values = values
        self.columns = columns
    }

    public func value(_ sample: Int, _ column: Int) -> Double { values[sample * columns + column] }

    public var hasFiniteSamples: Bool { values.contains { $0.isFinite } }
}

/// What eye tracking a session has; each part is nil when the file lacks it.
public struct EyeTracking {
    /// Pupil area in pixels of the eye camera.
    public var pupilSize: TimeSeries?
    /// Pupil position, the file's two columns in the file's order: spherical degrees when the file has
    /// `pupil_location_spherical` (AllenSDK documents them as altitude and azimuth), else x, y in cm on
    /// the monitor (`pupil_location`).
    public var pupilCenter: TimeSeries?
    public var pupilCenterUnit: String
}
