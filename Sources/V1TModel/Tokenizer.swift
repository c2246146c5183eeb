/// V1T's `Image2Patches` in patch mode 0: cuts each image into P x P patches with stride S, embeds
/// them linearly, prepends a class token and adds a learned position embedding, then dropout.
///
/// Patches are numbered row-major over the true grid gridHeight = (H - P)/S + 1 by
/// gridWidth = (W - P)/S + 1, and a patch's features in torch.nn.Unfold order
/// (channel, then kernel row, then kernel column), so a V1T projection matrix applies unchanged.
public final class Tokenizer {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let patchSize: Int
    public let stride: Int
    public let embedding: Int
    public let gridHeight: Int
    public let gridWidth: Int

    public var patchCount: Int { gridHeight * gridWidth }
    /// The patches and the class token (first).
    public var tokens: Int { patchCount + 1 }
    public var patchFeatures: Int { channels * patchSize * patchSize }

    let projection: Linear
    /// [embedding], normal with std 1 as V1T's `torch.randn`.
    public let classToken: ParameterSlice
    /// [tokens, embedding], normal with std 1; row 0 belongs to the class token.
    public let positionEmbedding: ParameterSlice
    let dropout: Dropout

    /// [batch, patchCount, patchFeatures]: the unfolded images, the projection's input.
    private let patches = FloatBuffer()
    /// [batch, tokens, embedding]: the output, the first block's input.
    private let output = FloatBuffer()
    private var batch = 0

    public init(layout: inout ParameterLayout, name: String, channels: Int, height: Int, width: Int,
                patchSize: Int, stride: Int, embedding: Int, dropout: Float) {
        precondition(patchSize <= min(height, width) && (1...patchSize).contains(stride),
                     "\(name): patch size \(patchSize) and stride \(stride) do not fit a \(height)x\(width) image")
        self.channels = channels
        self.height = height
        self.width = width
        self.patchSize = patchSize
        self.stride = stride
        self.embedding = embedding
        gridHeight = (height - patchSize) / stride + 1
        gridWidth = (width - patchSize) / stride + 1
        projection = Linear(layout: &layout, name: "\(name).projection", inputs: channels * patchSize * patchSize,
                            outputs: embedding, initialization: .pytorchDefault)
        classToken = layout.add("\(name).class_token", shape: [embedding], group: .core, initializer: .normal(std: 1))
        positionEmbedding = layout.add("\(name).position_embedding", shape: [gridHeight * gridWidth + 1, embedding],
                                       group: .core, initializer: .normal(std: 1))
        self.dropout = Dropout(name: "\(name).dropout", rate: dropout)
    }

    /// images [batch, channels, height, width] -> tokens [batch, tokens, embedding] (owned, valid
    /// until the next forward); token 0 of each sample is the class token. The images are unfolded
    /// (copied), so the caller may reuse them at once.
    public func forward(_ images: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        return LayerProfile.time("forward  tokenizer") {
            self.batch = batch
            unfold(images)
            let y = output.reserve(batch * tokens * embedding)
            let cls = params + classToken.offset, position = params + positionEmbedding.offset
            for b in 0..<batch {
                let sample = y + b * tokens * embedding
                // The patch embeddings go straight into their token rows, after the class token.
                projection.forward(patches.pointer + b * patchCount * patchFeatures, rows: patchCount, params: params,
                                   into: sample + embedding)
                for e in 0..<embedding { sample[e] = cls[e] + position[e] }
                for i in embedding..<(tokens * embedding) { sample[i] += position[i] }
            }
            dropout.forward(y, count: batch * tokens * embedding, context: context)
            return UnsafePointer(y)
        }
    }

    /// dTokens [batch, tokens, embedding] (overwritten: the dropout's backward runs in place); adds
    /// into the projection, class token and position embedding gradients (none w.r.t. the images,
    /// which are data).
    public func backward(_ dTokens: UnsafeMutablePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        LayerProfile.time("backward tokenizer") {
            dropout.backward(dTokens)
            let dCls = grads + classToken.offset, dPosition = grads + positionEmbedding.offset
            for b in 0..<batch {
                let sample = dTokens + b * tokens * embedding
                for e in 0..<embedding { dCls[e] += sample[e] }
                for i in 0..<(tokens * embedding) { dPosition[i] += sample[i] }
                projection.backward(sample + embedding, input: patches.pointer + b * patchCount * patchFeatures, rows: patchCount,
                                    params: params, grads: grads, inputGradient: nil)
            }
        }
    }

    /// patches[b, gy * gridWidth + gx, c * P² + ky * P + kx] = image[b, c, gy * S + ky, gx * S + kx]
    private func unfold(_ images: UnsafePointer<Float>) {
        let p = patches.reserve(batch * patchCount * patchFeatures)
        let imageSize = channels * height * width
        for b in 0..<batch {
            let image = images + b * imageSize
            for gy in 0..<gridHeight {
                for gx in 0..<gridWidth {
                    var feature = p + ((b * gridHeight + gy) * gridWidth + gx) * patchFeatures
                    for c in 0..<channels {
                        for ky in 0..<patchSize {
                            let source = image + (c * height + gy * stride + ky) * width + gx * stride
                            feature.update(from: source, count: patchSize)
                            feature += patchSize
                        }
                    }
                }
            }
        }
    }

    /// Floats held per sample in training: the patches and the tokens.
    public var activationFloatsPerSample: Int { patchCount * patchFeatures + tokens * embedding }

    var buffers: [FloatBuffer] { [patches, output] }
}
