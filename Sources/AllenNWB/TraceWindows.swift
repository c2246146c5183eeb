/// Per-trial means of a cells x frames trace (dF/F or events) over each trial's response window,
/// reading the trace a block of frames at a time so memory stays at one block, whatever the session's
/// length.
struct TraceWindows {
    /// The frames of each trial's window, [first, last + 1).
    let frames: [Range<Int>]
    let cells: Int
    let totalFrames: Int
    /// Frames per block read (at least the longest window).
    let blockFrames: Int

    /// Returns (trials x cells) means, row-major, over the finite values of each window (NaN where a
    /// cell has no finite value in the window). `read(range)` returns (cells x range.count), row-major.
    /// - progress: told the fraction of windows done after each block read.
    func means(read: (Range<Int>) throws -> [Float], progress: (Double) -> Void = { _ in }) rethrows -> [Float] {
        var out = [Float](repeating: .nan, count: frames.count * cells)
        // Windows in time order, so each block is read once and blocks follow each other.
        let order = frames.indices.sorted { frames[$0].lowerBound < frames[$1].lowerBound }
        var block = 0..<0
        var values: [Float] = []
        for (done, trial) in order.enumerated() {
            let window = frames[trial]
            guard !window.isEmpty else { continue }
            if window.lowerBound < block.lowerBound || window.upperBound > block.upperBound {
                let end = min(totalFrames, max(window.upperBound, window.lowerBound + blockFrames))
                block = window.lowerBound..<end
                values = try read(block)
                progress(Double(done) / Double(max(frames.count, 1)))
            }
            let width = block.count
            for cell in 0..<cells {
                var sum = 0.0, count = 0
                let row = cell * width - block.lowerBound
                for frame in window {
                    let value = values[row + frame]
                    if value.isFinite { sum += Double(value); count += 1 }
                }
                if count > 0 { out[trial * cells + cell] = Float(sum / Double(count)) }
            }
        }
        return out
    }

    /// The frames whose timestamps fall in each window [start, end) (seconds on the session clock).
    static func frameRanges(timestamps: [Double], windows: [(start: Double, end: Double)]) -> [Range<Int>] {
        windows.map { window in
            lowerBound(timestamps, window.start)..<max(lowerBound(timestamps, window.start), lowerBound(timestamps, window.end))
        }
    }

    private static func lowerBound(_ values: [Double], _ target: Double) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
