extension V1T {
    /// The gradient buffer cut into the parts `backward` finishes one after another, in that order,
    /// each as ranges of the buffer: everything outside the core (every mouse's readout and
    /// shifter: only the last pass's mouse changes, the others are already final), then, for the
    /// ViT core, its blocks from the last to the first, then the rest of the core (for the ViT:
    /// class token, position embedding, patch projection; the stacked2d core is one bucket).
    /// `backward` calls `gradientBucketReady` with each index.
    public var gradientBuckets: [[Range<Int>]] {
        func ranges(where belongs: (String) -> Bool) -> [Range<Int>] {
            var merged: [Range<Int>] = []
            for slice in layout.slices.filter({ belongs($0.name) }).sorted(by: { $0.offset < $1.offset }) {
                if let last = merged.last, last.upperBound == slice.range.lowerBound {
                    merged[merged.count - 1] = last.lowerBound..<slice.range.upperBound
                } else {
                    merged.append(slice.range)
                }
            }
            return merged
        }
        let blocks = vitCore?.blocks.count ?? 0
        func isBlock(_ name: String) -> Bool { (0..<blocks).contains { name.hasPrefix("core.block\($0).") } }
        return [ranges { !$0.hasPrefix("core.") }]
            + (0..<blocks).reversed().map { block in ranges { $0.hasPrefix("core.block\(block).") } }
            + [ranges { $0.hasPrefix("core.") && !isBlock($0) }]
    }

    /// How many buckets `gradientBuckets` has.
    var gradientBucketCount: Int { (vitCore?.blocks.count ?? 0) + 2 }
}
