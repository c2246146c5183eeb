import AllenNWB
import Foundation
import H5

/// A generator of damaged Allen NWB files: a synthetic session in the exact Allen layout
/// (`SyntheticAllenSession`), written, then damaged in one way. Every case has the outcome VITA must
/// give; docs/robustness.md is the same table in words.
enum AllenFault: String, CaseIterable {
    case intact
    case truncated
    case flippedSignature
    case frameTimesBackwards
    case frameTimeNaN
    case onsetsBackwards
    case onsetsBeyondRecording
    case runningTimesBackwards
    case nanCell
    case flatCell
    case nanStretchInOneCell
    case integerDff
    case templatePixelOutOfRange
    case templatesFlat
    case imageIndexOutsideTemplates
    case missingTraces
    case missingNaturalScenes

    static let session = SyntheticAllenSession()
    static let scenes = AllenNWBLayout.naturalScenes
    /// The cell that the cell faults damage, and its `cell_specimen_id` in the synthetic session.
    static let damagedCell = 2
    static let damagedCellID: Int64 = 517_500_002

    var expected: Outcome {
        switch self {
        case .intact: return .accepted
        case .truncated: return .refused(place: "", mentions: ["fetch it again"])
        case .flippedSignature: return .refused(place: "", mentions: ["cannot be opened", "Allen Brain Observatory"])
        case .frameTimesBackwards:
            return .refused(place: AllenNWBLayout.dffTimestamps, mentions: ["goes backwards", "frame 2000"])
        case .frameTimeNaN: return .refused(place: AllenNWBLayout.dffTimestamps, mentions: ["frame 1500 has time nan", "finite"])
        case .onsetsBackwards: return .refused(place: Self.scenes + "/timestamps", mentions: ["goes backwards", "trial 101"])
        case .onsetsBeyondRecording: return .refused(place: Self.scenes + "/timestamps", mentions: ["outside the imaging"])
        case .runningTimesBackwards:
            return .refused(place: AllenNWBLayout.runningSpeed + "/timestamps", mentions: ["goes backwards", "sample 500"])
        case .nanCell: return .repaired("cell \(Self.damagedCellID) dropped: no finite dF/F in any response window")
        case .flatCell: return .repaired("cell \(Self.damagedCellID) dropped: the same dF/F in every response window")
        case .nanStretchInOneCell: return .repaired("the trials whose window falls in the NaN stretch are dropped and counted")
        case .integerDff: return .refused(place: AllenNWBLayout.dffData, mentions: ["stored as int16", "no stated scale"])
        case .templatePixelOutOfRange:
            return .refused(place: AllenNWBLayout.naturalScenesTemplates, mentions: ["image 3 has pixel", "0...255"])
        case .templatesFlat: return .refused(place: AllenNWBLayout.naturalScenesTemplates, mentions: ["expected (images, height, width)"])
        case .imageIndexOutsideTemplates: return .refused(place: Self.scenes + "/data", mentions: ["shows image 118.0"])
        case .missingTraces: return .refused(place: AllenNWBLayout.dffData, mentions: ["is missing"])
        case .missingNaturalScenes: return .refused(place: Self.scenes, mentions: ["has no natural scenes"])
        }
    }

    /// Writes the damaged file at `path`.
    func write(to path: String) throws {
        let session = Self.session
        try session.write(to: path)
        switch self {
        case .intact: return
        case .truncated: try ByteDamage.truncate(path, keeping: 0.6); return
        case .flippedSignature: try ByteDamage.flip(path, at: [1, 2, 3]); return
        default: break
        }
        let file = try H5File.open(path, mode: .readWrite)
        defer { try? file.close() }
        switch self {
        case .frameTimesBackwards:
            var times = session.timestamps
            times.swapAt(1999, 2000)
            try file.dataset(AllenNWBLayout.dffTimestamps).overwrite(with: times)
        case .frameTimeNaN:
            var times = session.timestamps
            times[1500] = .nan
            try file.dataset(AllenNWBLayout.dffTimestamps).overwrite(with: times)
        case .onsetsBackwards:
            var onsets: [Double] = try file.read(Self.scenes + "/timestamps")
            onsets.swapAt(100, 101)
            try file.dataset(Self.scenes + "/timestamps").overwrite(with: onsets)
        case .onsetsBeyondRecording:
            var onsets: [Double] = try file.read(Self.scenes + "/timestamps")
            onsets[onsets.count - 1] += 10_000
            try file.dataset(Self.scenes + "/timestamps").overwrite(with: onsets)
        case .runningTimesBackwards:
            var times = session.runningTimes
            times.swapAt(499, 500)
            try file.dataset(AllenNWBLayout.runningSpeed + "/timestamps").overwrite(with: times)
        case .nanCell, .flatCell, .nanStretchInOneCell:
            var dff = session.dff
            let frames = session.frames, cell = Self.damagedCell
            let damaged = self == .nanStretchInOneCell ? (session.trialStarts[10]..<session.trialStarts[20]) : 0..<frames
            for frame in damaged { dff[cell * frames + frame] = self == .flatCell ? 0 : .nan }
            try file.dataset(AllenNWBLayout.dffData).overwrite(with: dff)
        case .integerDff:
            try file.remove(AllenNWBLayout.dffData)
            try file.write(session.dff.map { Int16(($0 * 1000).rounded()) }, shape: [session.settings.cells, session.frames],
                           to: AllenNWBLayout.dffData)
        case .templatePixelOutOfRange:
            var templates = session.templates
            templates[3 * session.settings.imageHeight * session.settings.imageWidth + 17] = 300
            try file.dataset(AllenNWBLayout.naturalScenesTemplates).overwrite(with: templates)
        case .templatesFlat:
            try file.remove(AllenNWBLayout.naturalScenesTemplates)
            try file.write(session.templates, to: AllenNWBLayout.naturalScenesTemplates)
        case .imageIndexOutsideTemplates:
            var images = session.trialImages
            images[7] = Int64(session.settings.templateCount)
            try file.dataset(Self.scenes + "/data").overwrite(with: images)
        case .missingTraces:
            try file.remove(AllenNWBLayout.dffData)
        case .missingNaturalScenes:
            try file.remove(Self.scenes)
        case .intact, .truncated, .flippedSignature:
            break
        }
    }
}
