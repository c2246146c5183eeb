/// A movie trial's image as the mean of a short run of consecutive template frames (`convert` and
/// `simulate --movie-frame-run`): what the eye saw during the first `length`/30 s after the trial's
/// frame, which the slow calcium response integrates. A run of 1 is the trial's frame alone.
public struct MovieFrameRun: Equatable, Sendable {
    public let length: Int

    public init(length: Int) {
        precondition(length >= 1, "a frame run has one frame or more")
        self.length = length
    }

    /// The template frames averaged for the trial at `frame`: `length` of them, fewer near the movie's
    /// end. The run stops at the last frame instead of reading past the template or wrapping into the
    /// next repeat's first frames, which lie in another segment and may belong to another tier.
    public func frames(from frame: Int, templateFrames: Int) -> Range<Int> {
        precondition(frame >= 0 && frame < templateFrames, "frame \(frame) outside a \(templateFrames)-frame movie")
        return frame..<min(frame + length, templateFrames)
    }

    /// Whether runs of `length` frames keep the movie tiers apart. `TierSplit` keeps only frames more
    /// than `gapFrames` away from every frame of another tier, so a run of at most `gapFrames` frames
    /// still leaves an unseen frame between the end of a training run and the start of a held-out one.
    /// A single frame (no run) fits any gap.
    public static func fits(length: Int, gapFrames: Int) -> Bool { length == 1 || length <= gapFrames }

    /// Pixel-wise mean of equally sized frames, in their units (0...255).
    public static func mean(_ frames: [[Float]]) -> [Float] {
        precondition(!frames.isEmpty && frames.allSatisfy { $0.count == frames[0].count }, "frames of one size")
        var sum = [Double](repeating: 0, count: frames[0].count)
        for frame in frames {
            for (index, value) in frame.enumerated() { sum[index] += Double(value) }
        }
        return sum.map { Float($0 / Double(frames.count)) }
    }
}
