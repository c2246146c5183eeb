import Foundation
import H5
import NumPyFormat

extension SyntheticAllenSession {
    /// Writes the session as an Allen ophys NWB 1 file: the paths, dtypes and shapes of the real files
    /// (cells-first float32 dF/F, float32 templates holding 0...255, byte-string metadata, frame indices
    /// in `frame_duration`, an `imaging depth` key with a space), including groups the converter does
    /// not read, so the file matches the reference fixture path for path.
    public func write(to path: String) throws {
        let file = try H5File.create(path)
        try writeGeneral(file)
        try writePipeline(file)
        try writeStimuli(file)
        try file.close()
    }

    /// Synthetic deconvolved events, (cells x frames): the dF/F above 0.15, else 0 (sparse, non-negative).
    public var events: [Float] { dff.map { max(0, $0 - 0.15) } }

    /// Writes `events` as an Allen events file: an `.npz` holding `ev` (cells x frames).
    public func writeEvents(to path: String) throws {
        try NpzWriter.write([("ev", NpyArray(events, shape: [settings.cells, frames]))], to: URL(fileURLWithPath: path))
    }

    private func writeGeneral(_ file: H5File) throws {
        try file.write(string: "Thu Feb  4 10:25:24 2016", to: "session_start_time")
        try file.write(string: "synthetic Allen-layout session", to: "session_description")
        try file.write(string: "synthetic", to: "identifier")
        try file.write(string: "NWB-1.0.3", to: "nwb_version")
        let general = try file.createGroup("general")
        try general.write(string: settings.experimentID, to: "session_id")
        try general.write(string: settings.experimentID, to: "ophys_experiment_id")
        try general.write(string: settings.containerID, to: "experiment_container_id")
        try general.write(string: settings.sessionType.rawValue, to: "session_type")
        try general.write(string: "Cux2-CreERT2;Camk2a-tTA;Ai93-\(settings.subjectID)", to: "specimen_name")
        try general.write(string: settings.area, to: "targeted_structure")
        let side = settings.fieldPixels
        try general.write(string: "400x400 microns (\(side) x \(side) pixels)", to: "fov")
        try general.write(strings: ["AllenSDK", "3.0"], to: "generated_by")
        try general.write(string: "Nikon A1R-MP multiphoton microscope. CAM2P.2 Please contact Allen Institute",
                          to: "devices/2-photon microscope")
        let subject = try general.createGroup("subject")
        for (key, value) in [("age", "104 days"), ("sex", "male"), ("species", "Mus musculus"),
                             ("genotype", "Cux2-CreERT2/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/Ai93(TITL-GCaMP6f)"),
                             ("subject_id", settings.subjectID), ("description", "synthetic")] {
            try subject.write(string: value, to: key)
        }
        let plane = try general.createGroup("optophysiology/imaging_plane_1")
        for (key, value) in [("imaging depth", "\(settings.imagingDepth) microns"), ("location", settings.area),
                             ("excitation_lambda", "910 nanometers"), ("indicator", "GCaMP6f")] {
            try plane.write(string: value, to: key)
        }
        try file.write(timestamps, to: "acquisition/timeseries/2p_image_series/timestamps")
        try file.createGroup("epochs")
        try file.createGroup("analysis")
    }

    private func writePipeline(_ file: H5File) throws {
        let pipeline = try file.createGroup(AllenNWBLayout.pipeline)
        let cells = settings.cells, frames = self.frames
        let roiNames = (0..<cells).map { "roi_\(517_000_000 + $0)" }
        let segmentation = try pipeline.createGroup("ImageSegmentation")
        try segmentation.write(strings: (0..<cells).map { "\(517_000_000 + $0)" }, to: "roi_ids")
        try segmentation.write(cellSpecimenIDs, to: "cell_specimen_ids")
        let plane = try segmentation.createGroup("imaging_plane_1")
        try plane.write(strings: roiNames, to: "roi_list")
        let side = settings.fieldPixels
        for (cell, name) in roiNames.enumerated() {
            let mask = self.mask(cell)
            try plane.write(mask, shape: [side, side], to: "\(name)/img_mask")
            let pixels = mask.indices.filter { mask[$0] != 0 }
            try plane.write(pixels.flatMap { [UInt16($0 % side), UInt16($0 / side)] }, shape: [pixels.count, 2],
                            to: "\(name)/pix_mask")
            try plane.write([Float](repeating: 1, count: pixels.count), to: "\(name)/pix_mask_weight")
            try plane.write(string: "", to: "\(name)/roi_description")
        }
        try plane.write((0..<(side * side)).map { UInt8($0 * 37 % 255) }, shape: [side, side],
                        to: "reference_images/maximum_intensity_projection_image/data")

        // Raw fluorescence groups are not converted but belong to the layout.
        let fluorescence = dff.map { 1000 + 200 * $0 }
        for (group, values) in [("Fluorescence/imaging_plane_1", fluorescence),
                                ("Fluorescence/imaging_plane_1_demixed_signal", fluorescence),
                                ("Fluorescence/imaging_plane_1_neuropil_response", fluorescence.map { $0 * 0.1 }),
                                ("DfOverF/imaging_plane_1", dff)] {
            try pipeline.write(values, shape: [cells, frames], to: "\(group)/data")
            try pipeline.write(timestamps, to: "\(group)/timestamps")
            try pipeline.write(strings: roiNames, to: "\(group)/roi_names")
        }
        try pipeline.write([Double](repeating: 0.7, count: cells), to: "Fluorescence/imaging_plane_1/r")
        try pipeline.write([Double](repeating: 0, count: cells), to: "Fluorescence/imaging_plane_1/rmse")
        try pipeline.write([Double](repeating: 0.7, count: cells), to: "Fluorescence/imaging_plane_1_neuropil_response/r")

        try pipeline.write(runningSpeed, to: "BehavioralTimeSeries/running_speed/data")
        try pipeline.write(runningTimes, to: "BehavioralTimeSeries/running_speed/timestamps")
        if settings.eyeTracking {
            // The cm position is a scaled copy: the converter must prefer the spherical one.
            for (key, scale) in [("pupil_location", 0.1), ("pupil_location_spherical", 1.0)] {
                try pipeline.write(pupilPosition.map { $0 * scale }, shape: [frames, 2], to: "EyeTracking/\(key)/data")
                try pipeline.write(timestamps, to: "EyeTracking/\(key)/timestamps")
            }
            try pipeline.write(pupilSize, to: "PupilTracking/pupil_size/data")
            try pipeline.write(timestamps, to: "PupilTracking/pupil_size/timestamps")
        }
        let motion = "MotionCorrection/2p_image_series/xy_translation"
        try pipeline.write([Double](repeating: 0, count: frames * 2), shape: [frames, 2], to: "\(motion)/data")
        try pipeline.write(timestamps, to: "\(motion)/timestamps")
        try pipeline.write(strings: ["x_motion", "y_motion"], to: "\(motion)/feature_description")
    }

    private func writeStimuli(_ file: H5File) throws {
        let templates = try file.createGroup("stimulus/templates")
        if settings.sessionType == .threeSessionB {
            try templates.write(self.templates, shape: [settings.templateCount, settings.imageHeight, settings.imageWidth],
                                to: "natural_scenes_image_stack/data")
        }
        for name in movieNames {
            try templates.write(movieTemplate(name), shape: [settings.movieFrames, settings.movieHeight, settings.movieWidth],
                                to: "\(name)_image_stack/data")
        }
        let presentation = try file.createGroup(AllenNWBLayout.presentation)
        func present(_ name: String, starts: [Int], ends: [Int], data: (H5Group) throws -> Void) throws {
            let group = try presentation.createGroup(name + "_stimulus")
            try data(group)
            try group.write(zip(starts, ends).flatMap { [Double($0), Double($1)] }, shape: [starts.count, 2], to: "frame_duration")
            try group.write(starts.map { timestamps[$0] }, to: "timestamps")
        }
        func concatenated(_ stimulus: String) -> (starts: [Int], ends: [Int]) {
            let chosen = blocks.filter { $0.stimulus == stimulus }
            return (chosen.flatMap(\.starts), chosen.flatMap(\.ends))
        }
        for stimulus in Set(blocks.map(\.stimulus)).sorted() {
            let (starts, ends) = concatenated(stimulus)
            switch stimulus {
            case "natural_scenes":
                try present(stimulus, starts: starts, ends: ends) { try $0.write(trialImages, to: "data") }
            case "static_gratings", "drifting_gratings":
                let features = stimulus == "static_gratings"
                    ? ["orientation", "spatial_frequency", "phase"] : ["temporal_frequency", "orientation", "blank_sweep"]
                // Every 25th trial is a blank sweep: all features NaN.
                let values = starts.indices.flatMap { $0 % 25 == 0 ? [Double.nan, .nan, .nan] : [Double($0 % 6 * 30), 0.04, 0.25] }
                try present(stimulus, starts: starts, ends: ends) {
                    try $0.write(values, shape: [starts.count, 3], to: "data")
                    try $0.write(strings: features, to: "features")
                }
            case "spontaneous":
                try present(stimulus, starts: [starts[0], ends[0]], ends: [starts[0] + 1, ends[0] + 1]) {
                    try $0.write([Int64(1), -1], to: "data")
                }
            case _ where movieNames.contains(stimulus):
                try present(stimulus, starts: starts, ends: ends) { try $0.write(movieFramesShown(stimulus).map(Int64.init), to: "data") }
            default:
                try present(stimulus, starts: starts, ends: ends) { try $0.write(starts.indices.map { Int64($0 % 20) }, to: "data") }
            }
        }
    }
}
