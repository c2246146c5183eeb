import Foundation
import Plots
import Training
import V1TModel

/// Attention rollout maps of the class token over example test images, drawn over the image the
/// model saw (after its crop and resize), as V1T's attention-map figures.
enum AttentionPlot {
    /// The first trial of each of the first `count` test images, with its own behaviour; nil when
    /// there is no test image or the core is not a ViT.
    static func figure(model: V1T, mouse: Int, data: MouseData, count: Int) -> Figure? {
        var firstTrials: [Int] = [], seen = Set<Int32>()
        for trial in data.testTrials where firstTrials.count < count && !seen.contains(data.recording.trials.imageIndex[trial]) {
            seen.insert(data.recording.trials.imageIndex[trial])
            firstTrials.append(trial)
        }
        guard !firstTrials.isEmpty, let core = model.vitCore else { return nil }
        var batch = Batch()
        data.gather(firstTrials, into: &batch)
        let stack = data.recording.images
        let geometry = ModelGeometry(configuration: model.configuration, mouse: mouse)
        _ = stack.pixels.withUnsafeBufferPointer { pixels in
            model.forward(mouse: mouse, images: pixels.baseAddress!, imageCount: stack.count, imageIndices: batch.imageIndices,
                          behaviour: batch.behaviour, pupilCenter: batch.pupilCenter, context: .evaluation(batch: batch.count))
        }
        let maps = (0..<batch.count).compactMap { model.attentionProbabilities(sample: $0).map(AttentionRollout.classTokenMap) }
        let inputs = modelInputs(model: model, mouse: mouse, stack: stack.pixels, count: stack.count, indices: batch.imageIndices)
        let panels = (0..<batch.count).map { b -> Figure.Panel in
            let title = "test image \(batch.imageIndices[b])" + (maps[b].isUniform ? " (uniform attention)" : "")
            var heatmap = Heatmap(title: title, values: geometry.pixelMap(patchValues: maps[b].values),
                                  rows: geometry.inputHeight, columns: geometry.inputWidth)
            heatmap.background = (inputs[b], geometry.inputHeight, geometry.inputWidth)
            return .heatmap(heatmap)
        }
        let blocks = core.configuration.blocks
        var title = "Attention rollout of the class token over \(blocks) block\(blocks == 1 ? "" : "s") (brighter: more attention)"
        if maps.allSatisfy(\.isUniform) {
            title = "Attention rollout: the class token attends uniformly to every patch (the attention weights are ~0)"
        }
        return Figure(title: title,
                      columns: 3, panels: panels, panelWidth: 340, panelHeight: 230)
    }

    /// The cropper's output for each image, back in 0...255 for display.
    static func modelInputs(model: V1T, mouse: Int, stack: [UInt8], count: Int, indices: [Int]) -> [[UInt8]] {
        let cropper = model.croppers[mouse], settings = model.configuration.mice[mouse]
        let plane = cropper.outputHeight * cropper.outputWidth
        let behaviour = [Float](repeating: 0, count: indices.count * cropper.behaviourChannels)
        let output = stack.withUnsafeBufferPointer { pixels in
            behaviour.withUnsafeBufferPointer {
                cropper.forward(images: pixels.baseAddress!, imageCount: count, imageIndices: indices,
                                behaviours: cropper.behaviourChannels == 0 ? nil : $0.baseAddress!)
            }
        }
        return (0..<indices.count).map { b in
            let start = output + b * cropper.outputChannels * plane
            return (0..<plane).map { UInt8(max(0, min(255, (start[$0] * settings.imageStd + settings.imageMean).rounded()))) }
        }
    }
}
