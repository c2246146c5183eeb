/// Which cells carry a usable signal, judged on their response-window means.
///
/// A cell without one (a failed ROI: NaN in every window, or one value in every window) would
/// otherwise make every trial unusable, or give a neuron with no spread to standardise by. Such a cell
/// is dropped by its `cell_specimen_id` and the rest of the session converts; `--strict-cells` refuses
/// the session instead. A cell that is NaN in only some windows keeps its place: those trials are
/// dropped and counted, as before.
struct CellSignalChecks {
    /// Indices (trace rows) of the cells kept.
    let kept: [Int]
    let dropped: [DroppedCell]

    /// - Parameter means: (trials x cells) window means, row-major, NaN where a window had no finite value.
    init(means: [Float], cells: Int, ids: [Int64], responseName: String) {
        let trials = cells == 0 ? 0 : means.count / cells
        var kept: [Int] = []
        var dropped: [DroppedCell] = []
        for cell in 0..<cells {
            var first: Float?
            var varies = false
            for trial in 0..<trials {
                let value = means[trial * cells + cell]
                guard value.isFinite else { continue }
                if let first, value != first { varies = true; break }
                if first == nil { first = value }
            }
            if first == nil {
                dropped.append(DroppedCell(cellSpecimenId: ids[cell], reason: "no finite \(responseName) in any response window"))
            } else if !varies {
                dropped.append(DroppedCell(cellSpecimenId: ids[cell], reason: "the same \(responseName) (\(first!)) in every response window"))
            } else {
                kept.append(cell)
            }
        }
        self.kept = kept
        self.dropped = dropped
    }
}

/// A cell left out of a training set, and why (recorded in the manifest and the conversion report).
public struct DroppedCell: Codable, Equatable, Sendable {
    public var cellSpecimenId: Int64
    public var reason: String

    public init(cellSpecimenId: Int64, reason: String) {
        self.cellSpecimenId = cellSpecimenId
        self.reason = reason
    }
}
