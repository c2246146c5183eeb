import Foundation

/// The safetensors file format (huggingface/safetensors): an 8-byte little-endian header length,
/// a JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
/// Chosen for checkpoints because PyTorch users load it without VITA:
/// `safetensors.torch.load_file("best.safetensors")`.
public enum SafeTensors {
    public struct Tensor: Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    public enum Error: Swift.Error, CustomStringConvertible {
        /// `remedy` is what the caller can offer for this file (it differs for a checkpoint to resume
        /// from and for weights to evaluate), or empty.
        case unreadable(path: String, reason: String, remedy: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason, let remedy):
                return "\(path) is not a readable safetensors checkpoint: \(reason)"
                    + (remedy.isEmpty ? "" : ". \(remedy)")
            }
        }
    }

    /// Encodes tensors (all float32) and string metadata.
    public static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for tensor in tensors {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "\(tensor.name): shape and values disagree")
            let bytes = tensor.values.count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // The format asks for the data to start 8-byte aligned; pad the header with spaces.
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for tensor in tensors {
            tensor.values.withUnsafeBytes { raw in
                for i in 0..<tensor.values.count {
                    let bits = raw.load(fromByteOffset: i * 4, as: UInt32.self).littleEndian
                    withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
                }
            }
        }
        return data
    }

    /// Decodes what `encode` wrote (float32 tensors only), in header order of their data offsets.
    public static func decode(_ data: Data, path: String = "<memory>", remedy: String = "") throws -> (tensors: [Tensor], metadata: [String: String]) {
        func fail(_ reason: String) -> Error { .unreadable(path: path, reason: reason, remedy: remedy) }
        guard data.count >= 8 else { throw fail("file is shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard headerLength > 0, 8 + headerLength <= data.count else { throw fail("header length \(headerLength) exceeds the file size \(data.count)") }
        let headerData = data.subdata(in: 8..<(8 + headerLength))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let metadata = header["__metadata__"] as? [String: String] ?? [:]
        let body = data.subdata(in: (8 + headerLength)..<data.count)
        var tensors: [(start: Int, tensor: Tensor)] = []
        for (name, entry) in header where name != "__metadata__" {
            guard let info = entry as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw fail("tensor \(name) has no dtype, shape or data_offsets") }
            guard dtype == "F32" else { throw fail("tensor \(name) has dtype \(dtype); VITA writes F32 only") }
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] == offsets[0] + 4 * count, offsets[1] <= body.count else {
                throw fail("tensor \(name) has data_offsets \(offsets) that do not fit shape \(shape) in \(body.count) data bytes")
            }
            var values = [Float](repeating: 0, count: count)
            body.withUnsafeBytes { raw in
                for i in 0..<count {
                    values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offsets[0] + 4 * i, as: UInt32.self)))
                }
            }
            tensors.append((offsets[0], Tensor(name: name, shape: shape, values: values)))
        }
        return (tensors.sorted { $0.start < $1.start }.map(\.tensor), metadata)
    }
}

extension ParameterStore {
    /// Every parameter slice as a named tensor (names as the layers gave them, e.g. `core.block0.attention.qkv.weight`).
    public func namedTensors() -> [SafeTensors.Tensor] {
        layout.slices.map { SafeTensors.Tensor(name: $0.name, shape: $0.shape, values: values(of: $0)) }
    }

    /// Loads values by name; every slice of this layout must be present with its shape.
    public func load(_ tensors: [SafeTensors.Tensor], source: String) throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for slice in layout.slices {
            guard let tensor = byName[slice.name] else {
                throw SafeTensors.Error.unreadable(path: source, reason: "it has no tensor \(slice.name): it was written for a different model configuration",
                                                   remedy: "Load it with the model settings it was trained with")
            }
            guard tensor.shape == slice.shape else {
                throw SafeTensors.Error.unreadable(path: source, reason: "tensor \(slice.name) has shape \(tensor.shape), the model expects \(slice.shape)",
                                                   remedy: "Load it with the model settings it was trained with")
            }
            setValues(tensor.values, of: slice)
        }
    }
}
