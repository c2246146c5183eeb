import Foundation
import TrainingSet

/// The natural movies of a synthetic session: natural-like templates (a textured scene drifting
/// past, so neighbouring frames look alike as in real movies) and each cell's response to each frame,
/// put into the dF/F through the calcium kernel frame by frame.
extension SyntheticAllenSession {
    /// The movies this session shows, in the order of `AllenNWBLayout.naturalMovies`.
    public var movieNames: [String] {
        AllenNWBLayout.naturalMovies.filter { name in blocks.contains { $0.stimulus == name } }
    }

    /// The template frame each presentation of `name` shows, in file order: the whole movie, again and again.
    public func movieFramesShown(_ name: String) -> [Int] {
        let count = blocks.filter { $0.stimulus == name }.map(\.starts.count).reduce(0, +)
        return (0..<count).map { $0 % settings.movieFrames }
    }

    /// (frames, movieHeight, movieWidth) uint8, deterministic by movie.
    public func movieTemplate(_ name: String) -> [UInt8] {
        let movie = Double(AllenNWBLayout.naturalMovies.firstIndex(of: name) ?? 0)
        let height = settings.movieHeight, width = settings.movieWidth
        var pixels = [UInt8]()
        pixels.reserveCapacity(settings.movieFrames * height * width)
        for frame in 0..<settings.movieFrames {
            let drift = Double(frame) * 0.6
            for y in 0..<height {
                for x in 0..<width {
                    let u = (Double(x) + drift) / Double(width), v = Double(y) / Double(height)
                    let value = 127 + 60 * sin(2 * .pi * (3 * u + movie * 0.3)) * cos(2 * .pi * (2 * v + 0.01 * Double(frame)))
                        + 35 * sin(2 * .pi * (7 * u - 5 * v + movie))
                    pixels.append(UInt8(max(0, min(255, value.rounded()))))
                }
            }
        }
        return pixels
    }

    /// Cell `cell`'s response (dF/F when sustained) to frame `frame` of movie number `movie`: a slow
    /// cell-specific modulation as the scene drifts by, plus a frame-specific part.
    static func movieDrive(cell: Int, movie: Int, frame: Int, seed: UInt64) -> Double {
        var random = SplitMix(seed: seed ^ UInt64(truncatingIfNeeded: (cell &* 7_919) ^ (movie &* 104_729) ^ (frame &* 15_485_863)))
        let period = 20 + Double((cell * 13) % 40), phase = Double(cell % 7) + Double(movie)
        return 0.15 * (1 + sin(2 * .pi * Double(frame) / period + phase)) + 0.1 * random.uniform()
    }

    static func addMovieResponses(to dff: inout [Float], frameCount: Int, settings: Settings, blocks: [Block]) {
        let kernel = settings.calciumKernel
        let scale = 1 / kernel.samples.reduce(0, +)
        for (movie, name) in AllenNWBLayout.naturalMovies.enumerated() {
            let starts = blocks.filter { $0.stimulus == name }.flatMap(\.starts)
            guard !starts.isEmpty else { continue }
            for cell in 0..<settings.cells {
                let drives = (0..<settings.movieFrames).map { movieDrive(cell: cell, movie: movie, frame: $0, seed: settings.seed) * scale }
                for (index, start) in starts.enumerated() {
                    let drive = drives[index % settings.movieFrames]
                    for (lag, weight) in kernel.samples.enumerated() where start + lag < frameCount {
                        dff[cell * frameCount + start + lag] += Float(drive * weight)
                    }
                }
            }
        }
    }
}
