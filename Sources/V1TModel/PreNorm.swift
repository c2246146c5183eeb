/// The LayerNorm at the head of a residual branch (V1T's pre-norm attention and MLP), with what its
/// backward pass needs: the borrowed input (the residual stream, see `Workspace.swift`), each row's
/// statistics, and the normalised rows, which are the branch's first matrix product's input.
final class PreNorm {
    let layerNorm: LayerNorm

    /// The forward's input x [rows, width], borrowed.
    private var input: UnsafePointer<Float>?
    /// [rows, 2]: mean and 1/σ per row.
    private let statistics = FloatBuffer()
    /// [rows, width]: LN(x).
    private let normalised = FloatBuffer()
    private var rows = 0

    init(layout: inout ParameterLayout, name: String, width: Int) {
        layerNorm = LayerNorm(layout: &layout, name: name, width: width)
    }

    var weight: ParameterSlice { layerNorm.weight }
    var bias: ParameterSlice { layerNorm.bias }
    private var width: Int { layerNorm.width }

    /// x [rows, width] (borrowed until `backward`) -> LN(x) [rows, width] (owned, valid until the next forward).
    func forward(_ x: UnsafePointer<Float>, rows: Int, params: UnsafePointer<Float>) -> UnsafePointer<Float> {
        self.rows = rows
        input = x
        let y = normalised.reserve(rows * width)
        layerNorm.forward(x, rows: rows, params: params, into: y, statistics: statistics.reserve(rows * LayerNorm.statisticsPerRow))
        return UnsafePointer(y)
    }

    /// The last forward's output, LN(x).
    var output: UnsafePointer<Float> { UnsafePointer(normalised.pointer) }

    /// dLN [rows, width] -> ADDS dx into `inputGradient` (the residual stream's gradient); adds into grads.
    func backward(_ dy: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>,
                  addingInto inputGradient: UnsafeMutablePointer<Float>) {
        guard let input else { preconditionFailure("\(layerNorm.weight.name): backward called before forward") }
        layerNorm.backward(dy, input: input, statistics: statistics.pointer, rows: rows, params: params, grads: grads,
                           addingInto: inputGradient)
    }

    /// Floats held per row: the statistics and LN(x).
    var floatsPerRow: Int { LayerNorm.statisticsPerRow + width }

    var buffers: [FloatBuffer] { [statistics, normalised] }
}
