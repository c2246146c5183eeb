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

    /// [batch, patchCount, patchFeatures]
    private let patches = FloatBuffer()
    private let output = FloatBuffer()
    private let dPatchEmbeddings = FloatBuffer()
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
                            outputs: embedding, computesInputGradient: false, initialization: .pytorchDefault)
        classToken = layout.add("\(name).class_token", shape: [embedding], group: .core, initializer: .normal(std: 1))
        positionEmbedding = layout.add("\(name).position_embedding", shape: [gridHeight * gridWidth + 1, embedding],
                                       group: .core, initializer: .normal(std: 1))
        self.dropout = Dropout(name: "\(name).dropout", rate: dropout)
    }

    /// images [batch, channels, height, width] -> tokens [batch, tokens, embedding] (owned, valid
    /// until the next forward); token 0 of each sample is the class token.
    public func forward(_ images: UnsafePointer<Float>, batch: Int, params: UnsafePointer<Float>, context: PassContext?) -> UnsafePointer<Float> {
        self.batch = batch
        unfold(images)
        let embedded = projection.forward(patches.pointer, rows: batch * patchCount, params: params)
        let y = output.reserve(batch * tokens * embedding)
        let cls = params + classToken.offset, position = params + positionEmbedding.offset
        for b in 0..<batch {
            let sample = y + b * tokens * embedding
            for e in 0..<embedding { sample[e] = cls[e] + position[e] }
            let patchRows = embedded + b * patchCount * embedding
            for i in 0..<(patchCount * embedding) {
                sample[embedding + i] = patchRows[i] + position[embedding + i]
            }
        }
        return dropout.forward(y, count: batch * tokens * embedding, context: context)
    }

    /// dTokens [batch, tokens, embedding]; adds into the projection, class token and position
    /// embedding gradients (none w.r.t. the images, which are data).
    public func backward(_ dTokens: UnsafePointer<Float>, params: UnsafePointer<Float>, grads: UnsafeMutablePointer<Float>) {
        let dy = dropout.backward(dTokens)
        let dCls = grads + classToken.offset, dPosition = grads + positionEmbedding.offset
        let dEmbedded = dPatchEmbeddings.reserve(batch * patchCount * embedding)
        for b in 0..<batch {
            let sample = dy + b * tokens * embedding
            for e in 0..<embedding { dCls[e] += sample[e] }
            for i in 0..<(tokens * embedding) { dPosition[i] += sample[i] }
            (dEmbedded + b * patchCount * embedding).update(from: sample + embedding, count: patchCount * embedding)
        }
        projection.backward(dEmbedded, params: params, grads: grads)
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

    /// Floats held per sample in training.
    public var activationFloatsPerSample: Int {
        patchCount * patchFeatures
            + projection.activationFloats(rowsPerSample: patchCount)
            + tokens * embedding
            + dropout.activationFloats(floatsPerSample: tokens * embedding)
            + patchCount * embedding
    }

    var buffers: [FloatBuffer] { projection.buffers + dropout.buffers + [patches, output, dPatchEmbeddings] }
}
