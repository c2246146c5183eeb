/// The short-lived buffers of a core's passes, one set shared by every block.
///
/// Who owns which buffer, in the whole core:
///
/// 1. **Primitives own nothing that grows with the batch.** `Linear`, `LayerNorm`, `GELU`, `Tanh`,
///    `Dropout` and `DropPath` read and write the pointers they are given; backward is given the
///    forward's input again. Dropout and drop path work in place and redraw their decisions in
///    backward instead of keeping masks.
/// 2. **Modules own their activations**: `Tokenizer`, `PreNorm`, `Attention`, `MLP`,
///    `TransformerBlock` and `BehaviourMLP` keep, in their own `FloatBuffer`s, exactly what their
///    backward pass reads (and the block keeps its output, which is the next block's input). They
///    are valid until the module's next forward. (`BehaviourMLP`, a few floats per sample, also
///    keeps its own gradients.)
/// 3. **Inputs are borrowed, not copied.** A module keeps the pointer to its input, so the input
///    must stay unchanged until the module's backward has run. Inside the core every input is
///    another module's kept output; at the entry points the core copies what the caller passed
///    (the tokenizer unfolds the images, the core gathers the behaviour).
/// 4. **Gradients live here.** Backward runs one block at a time, so one set of token-stream
///    gradient buffers serves all of them; the residual-stream gradient is updated in place from
///    the last block down to the tokenizer. Attention's tile scratch is shared the same way (the
///    forward pass also runs one block at a time).
///
/// The buffers grow to the largest micro-batch seen and are reused. A module built on its own (as
/// in the layer tests) gets a workspace of its own.
public final class Workspace {
    /// dL/d(residual stream) [rows, width]: holds dL/dy of the block being differentiated on entry
    /// to its backward and dL/dx on return. Owned by the core's backward, which fills it from the
    /// readout's gradient.
    let residualGradient = FloatBuffer()
    /// [rows, width]: the gradient entering a residual branch (attention or MLP), after drop path;
    /// the branch may overwrite it.
    let branchGradient = FloatBuffer()
    /// [rows, width]: the gradient of a pre-LayerNorm's output.
    let normGradient = FloatBuffer()
    /// [rows, 3 · heads · headWidth]: dQ, dK, dV side by side, as the qkv activations.
    let qkvGradient = FloatBuffer()
    /// [rows, heads · headWidth]: the gradient of the concatenated head outputs.
    let headGradient = FloatBuffer()
    /// [rows, mlpWidth]: the gradient of the MLP's hidden layer.
    let hiddenGradient = FloatBuffer()
    /// [batch, width]: the gradient of a block's behaviour latent (summed over tokens).
    let latentGradient = FloatBuffer()
    /// [queryBlockRows, tokens], one tile of one (sample, head) at a time: the dropped-and-rescaled
    /// attention weights.
    let mixingWeights = FloatBuffer()
    /// [queryBlockRows, tokens], one tile at a time: the gradient of the attention scores.
    let scoreGradient = FloatBuffer()

    public init() {}

    /// Floats per sample once a core's training pass of this shape has run: the token-stream
    /// gradients, and the behaviour latent's gradient when the blocks add behaviour.
    static func activationFloats(tokens: Int, width: Int, innerWidth: Int, mlpWidth: Int, withBehaviour: Bool) -> Int {
        tokens * (3 * width + 3 * innerWidth + innerWidth + mlpWidth) + (withBehaviour ? width : 0)
    }

    /// Floats that do not grow with the batch: one tile of attention scores for their gradient, and
    /// as much again for the mixing weights when attention dropout is on.
    static func scratchFloats(tokens: Int, queryBlockRows: Int, attentionDropout: Bool) -> Int {
        (attentionDropout ? 2 : 1) * min(queryBlockRows, tokens) * tokens
    }

    var buffers: [FloatBuffer] {
        [residualGradient, branchGradient, normGradient, qkvGradient, headGradient, hiddenGradient, latentGradient,
         mixingWeights, scoreGradient]
    }
}
