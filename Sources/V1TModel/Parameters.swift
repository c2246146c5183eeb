/// Every learnable number of a model lives in one contiguous `values` buffer and its gradient at the
/// same offset of one `gradients` buffer (as in llm.c): an optimiser step, a checkpoint or an MPI
/// allreduce is then a single loop or call over one pointer.

/// Which learning rate a parameter gets: V1T trains the shared core and the per-mouse parts
/// (readout, shifter, per-mouse behaviour MLP) with separate rates and separate L1 penalties.
public enum ParameterGroup: String, Codable, Sendable {
    case core
    case readout
    /// Not learned: batch norm's running statistics, kept here so checkpoints, broadcasts and the
    /// best weights carry them. The optimiser leaves them alone; their gradient slots carry each
    /// step's batch statistics through the allreduce (see `BatchNorm2D`).
    case statistics
}

/// How a parameter is filled before training.
public enum Initializer: Sendable {
    case zeros
    case constant(Float)
    /// Normal with this standard deviation, cut at two of them (PyTorch's `trunc_normal_(std:)`
    /// cuts at ±2 absolute, which for std 0.02 never binds; cutting at ±2 std is the usual intent).
    case truncatedNormal(std: Float)
    case normal(std: Float)
    case uniform(low: Float, high: Float)
}

/// A named slice of the parameter buffer: where one tensor of one layer lives.
public struct ParameterSlice: Sendable, Equatable {
    public let name: String
    public let offset: Int
    public let shape: [Int]
    public let group: ParameterGroup
    public var count: Int { shape.reduce(1, *) }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// Collects parameter slices while layers are constructed; `ParameterStore` then allocates them.
public struct ParameterLayout: Sendable {
    public private(set) var slices: [ParameterSlice] = []
    fileprivate(set) var initializers: [Initializer] = []
    public private(set) var count = 0

    public init() {}

    /// Reserves `shape` under a unique `name` and returns where it lives.
    public mutating func add(_ name: String, shape: [Int], group: ParameterGroup, initializer: Initializer) -> ParameterSlice {
        precondition(!slices.contains { $0.name == name }, "duplicate parameter name \(name)")
        precondition(shape.allSatisfy { $0 > 0 }, "parameter \(name) has an empty shape \(shape)")
        let slice = ParameterSlice(name: name, offset: count, shape: shape, group: group)
        slices.append(slice)
        initializers.append(initializer)
        count += slice.count
        return slice
    }

    public func slice(named name: String) -> ParameterSlice? { slices.first { $0.name == name } }
}

/// Owns the two buffers. Not copyable on purpose: replicas on other ranks are separate stores kept
/// equal by broadcasting `values`.
public final class ParameterStore {
    public let layout: ParameterLayout
    public let values: UnsafeMutableBufferPointer<Float>
    public let gradients: UnsafeMutableBufferPointer<Float>

    /// Allocates the buffers and fills `values` by each slice's initializer, deterministically from `seed`.
    public init(layout: ParameterLayout, seed: UInt64) {
        self.layout = layout
        values = .allocate(capacity: max(layout.count, 1))
        gradients = .allocate(capacity: max(layout.count, 1))
        values.initialize(repeating: 0)
        gradients.initialize(repeating: 0)
        for (index, slice) in layout.slices.enumerated() {
            var random = CounterRandom(key: RandomKey.parameterInit(seed: seed, slice: UInt64(index)))
            fill(slice, with: layout.initializers[index], random: &random)
        }
    }

    deinit {
        values.deallocate()
        gradients.deallocate()
    }

    public var count: Int { layout.count }

    public func zeroGradients() {
        gradients.update(repeating: 0)
    }

    /// The values of one slice, copied (for tests, checkpoints and inspection).
    public func values(of slice: ParameterSlice) -> [Float] { Array(values[slice.range]) }

    public func setValues(_ newValues: [Float], of slice: ParameterSlice) {
        precondition(newValues.count == slice.count, "\(slice.name) needs \(slice.count) values, got \(newValues.count)")
        for (i, v) in newValues.enumerated() { values[slice.offset + i] = v }
    }

    private func fill(_ slice: ParameterSlice, with initializer: Initializer, random: inout CounterRandom) {
        for i in slice.range {
            switch initializer {
            case .zeros: values[i] = 0
            case .constant(let c): values[i] = c
            case .normal(let std): values[i] = std * random.nextNormal()
            case .truncatedNormal(let std):
                var z = random.nextNormal()
                while abs(z) > 2 { z = random.nextNormal() }
                values[i] = std * z
            case .uniform(let low, let high): values[i] = low + (high - low) * random.nextUniform()
            }
        }
    }
}
