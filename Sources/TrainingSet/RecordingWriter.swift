import Foundation
import H5

extension Recording {
    /// Writes the recording to `path` (layout: docs/training-set-format.md). The file is written under
    /// a temporary name in the same directory and renamed when complete, so `path` never holds a half
    /// file: after a failure it is left as it was. Statistics are recomputed from the training tier.
    public func write(to path: String) throws {
        do { try validate() } catch let error as TrainingSetError { throw error.inFile(path) }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            let file = try H5File.create(temporary)
            try writeContents(to: file, statistics: Statistics.compute(for: self))
            try file.close()
            guard rename(temporary, path) == 0 else {
                throw TrainingSetError(file: path, field: "/", problem: "cannot rename the finished file into place: \(String(cString: strerror(errno)))",
                                       remedy: "Check that the destination directory is writable")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            if let error = error as? H5Error {
                let diskFull = error.message.contains("No space left on device")
                throw TrainingSetError(file: path, field: error.path,
                                       problem: diskFull ? "cannot be written: the disk is full" : "cannot be written: \(error.message)",
                                       remedy: diskFull ? "Free some space or write to another disk; nothing was left under this name"
                                           : "Check that the directory exists, is writable and has free space")
            }
            throw error
        }
    }

    private func writeContents(to file: H5File, statistics: Statistics) throws {
        try file.setAttribute("format", Recording.formatName)
        try file.setAttribute("format_version", Int64(Recording.formatVersion))
        try file.setAttribute("source", metadata.source.rawValue)
        try file.setAttribute("experiment_id", metadata.experimentID)
        try file.setAttribute("session_type", metadata.sessionType)
        try file.setAttribute("cre_line", metadata.creLine)
        try file.setAttribute("area", metadata.area)
        try file.setAttribute("response_kind", metadata.responseKind.rawValue)
        try file.setAttribute("response_window_start_s", metadata.responseWindowStart)
        try file.setAttribute("response_window_end_s", metadata.responseWindowEnd)
        try file.setAttribute("frame_rate_hz", metadata.frameRate)
        try file.setAttribute("tool_version", metadata.toolVersion)
        if let movie = metadata.movieTrials {
            try file.setAttribute("movie_response_window_start_s", movie.responseWindowStart)
            try file.setAttribute("movie_response_window_end_s", movie.responseWindowEnd)
            try file.setAttribute("movie_frame_step", Int64(movie.frameStep))
            // Absent means a run of 1: single-frame files stay as they were written before runs existed.
            if movie.frameRun != 1 { try file.setAttribute("movie_frame_run", Int64(movie.frameRun)) }
        }

        // One chunk per image: a trainer reading one image decompresses only that image.
        try file.write(images.pixels, shape: [images.count, images.height, images.width], to: "images",
                       storage: H5Storage(chunks: [1, images.height, images.width], gzipLevel: 4))

        let trialsGroup = try file.createGroup("trials")
        try trialsGroup.write(trials.imageIndex, to: "image_index")
        try trialsGroup.write(trials.stimulusFrame, to: "stimulus_frame")
        try trialsGroup.write(trials.stimulusKindIndex, to: "stimulus_kind")
        try trialsGroup.write(trials.sessionIndex, to: "session")
        try trialsGroup.write(trials.tiers.map(\.rawValue), to: "tier")
            .setAttribute("names", Tier.allCases.map(\.description))
        try write(trials.responses, to: "responses", in: trialsGroup)
        try write(trials.behaviour, to: "behaviour", in: trialsGroup)
            .setAttribute("columns", BehaviourVariable.allCases.map(\.description))
        try trialsGroup.write(trials.behaviourAvailable.map { UInt8($0 ? 1 : 0) }, to: "behaviour_available")
        try write(trials.pupilCenter, to: "pupil_center", in: trialsGroup).setAttribute("columns", ["x", "y"])
        try trialsGroup.write(scalar: UInt8(trials.pupilCenterAvailable ? 1 : 0), to: "pupil_center_available")
        if let onsets = trials.onsetTimes { try trialsGroup.write(onsets, to: "onset_time") }

        try file.createGroup("stimuli").write(strings: trials.stimulusKinds.map(\.name), to: "name")
        let sessionsGroup = try file.createGroup("sessions")
        try sessionsGroup.write(strings: sessions.map(\.experimentID), to: "experiment_id")
        try sessionsGroup.write(strings: sessions.map(\.sessionType), to: "session_type")
        try sessionsGroup.write(sessions.flatMap { $0.recorded.map { UInt8($0 ? 1 : 0) } },
                                shape: [sessions.count, neurons.count], to: "recorded")

        let neuronsGroup = try file.createGroup("neurons")
        try neuronsGroup.write(neurons.ids, to: "id")
        try write(neurons.positions, to: "position", in: neuronsGroup).setAttribute("columns", ["x_um", "y_um", "depth_um"])
        if let areas = neurons.areas { try neuronsGroup.write(strings: areas, to: "area") }

        if let truth = groundTruth {
            let truthGroup = try file.createGroup("ground_truth")
            try write(truth.noiselessResponses, to: "noiseless_responses", in: truthGroup)
            try write(truth.receptiveFieldCenters, to: "rf_center", in: truthGroup).setAttribute("columns", ["x", "y"])
            try truthGroup.write(truth.receptiveFieldSizes, to: "rf_size")
        }

        for (name, summary) in statistics.named {
            let group = try file.createGroup("statistics/\(name)")
            for (statistic, values) in summary.named { try group.write(values, to: statistic) }
        }
    }

    @discardableResult
    private func write(_ matrix: Matrix<Float>, to name: String, in group: H5Group) throws -> H5Dataset {
        try group.write(matrix.values, shape: [matrix.rows, matrix.columns], to: name)
    }
}

extension Statistics {
    /// The groups under `/statistics`, in file order.
    var named: [(String, Summary)] {
        [("images", images), ("responses", responses), ("behaviour", behaviour), ("pupil_center", pupilCenter)]
    }
}

extension Summary {
    /// The datasets of one statistics group, in file order.
    var named: [(String, [Float])] {
        [("mean", mean), ("std", std), ("min", min), ("max", max), ("median", median)]
    }
}
