import CHDF5
import HDF5Shim

/// How a written dataset is laid out on disk. Chunking plus gzip suits large, compressible arrays
/// such as image stacks; small arrays are best left contiguous.
public struct H5Storage: Sendable {
    /// Chunk extent per dimension, or nil for contiguous storage.
    public var chunks: [Int]?
    /// gzip level 1-9 (needs chunks), or nil for none.
    public var gzipLevel: Int?

    public init(chunks: [Int]? = nil, gzipLevel: Int? = nil) {
        self.chunks = chunks
        self.gzipLevel = gzipLevel
    }

    public static let contiguous = H5Storage()
}

extension H5Container {
    /// Writes `values` (row-major) as a new dataset of `shape` at `path`, creating missing parent
    /// groups. An empty shape writes a scalar.
    @discardableResult
    public func write<T: H5Scalar>(_ values: [T], shape: [Int], to path: String,
                                   storage: H5Storage = .contiguous) throws -> H5Dataset {
        let target = place.appending(path)
        guard values.count == shape.reduce(1, *) else {
            throw target.problem("\(values.count) values do not fill shape \(shape)")
        }
        return try createDataset(path, type: T.nativeType, shape: shape, storage: storage) { dataset in
            values.withUnsafeBytes {
                H5Dwrite(dataset, T.nativeType, vita_h5s_all(), vita_h5s_all(), vita_h5p_default(), $0.baseAddress)
            }
        }
    }

    /// Writes a 1-D dataset.
    @discardableResult
    public func write<T: H5Scalar>(_ values: [T], to path: String, storage: H5Storage = .contiguous) throws -> H5Dataset {
        try write(values, shape: [values.count], to: path, storage: storage)
    }

    /// Writes a scalar dataset.
    @discardableResult
    public func write<T: H5Scalar>(scalar value: T, to path: String) throws -> H5Dataset {
        try write([value], shape: [], to: path)
    }

    /// Writes a scalar fixed-length byte string (NUL-padded, as h5py writes `np.bytes_`).
    @discardableResult
    public func write(string: String, to path: String) throws -> H5Dataset {
        try writeStrings([string], shape: [], to: path)
    }

    /// Writes a 1-D array of fixed-length byte strings padded to the longest.
    @discardableResult
    public func write(strings: [String], to path: String) throws -> H5Dataset {
        try writeStrings(strings, shape: [strings.count], to: path)
    }

    private func writeStrings(_ strings: [String], shape: [Int], to path: String) throws -> H5Dataset {
        let packed = FixedStrings(strings)
        let type = try packed.makeType(at: place.appending(path))
        defer { H5Tclose(type) }
        return try createDataset(path, type: type, shape: shape, storage: .contiguous) { dataset in
            packed.bytes.withUnsafeBytes {
                H5Dwrite(dataset, type, vita_h5s_all(), vita_h5s_all(), vita_h5p_default(), $0.baseAddress)
            }
        }
    }

    private func createDataset(_ path: String, type: hid_t, shape: [Int], storage: H5Storage,
                               write: (hid_t) -> herr_t) throws -> H5Dataset {
        let target = place.appending(path)
        if try exists(path) { throw target.problem("a dataset or group already exists here; refusing to overwrite") }
        let space = try makeDataspace(shape: shape, at: target)
        defer { H5Sclose(space) }
        let links = try makeIntermediateGroupLinks(at: target)
        defer { H5Pclose(links) }
        let creation = try makeCreationList(shape: shape, storage: storage, at: target)
        defer { H5Pclose(creation) }
        let dataset = try target.check(H5Dcreate2(id, path, type, space, links, creation, vita_h5p_default()),
                                       "cannot create the dataset")
        let opened = try H5Dataset(id: dataset, place: target, owner: openFile)
        if shape.reduce(1, *) > 0 {
            try target.check(write(dataset), "cannot write the dataset")
        }
        return opened
    }

    private func makeCreationList(shape: [Int], storage: H5Storage, at target: H5Place) throws -> hid_t {
        let creation = try target.check(H5Pcreate(vita_h5p_dataset_create()), "cannot create a dataset-creation property list")
        do {
            if let chunks = storage.chunks {
                guard chunks.count == shape.count, !shape.isEmpty, chunks.allSatisfy({ $0 > 0 }) else {
                    throw target.problem("chunk shape \(chunks) does not fit dataset shape \(shape)")
                }
                // A chunk may not exceed a fixed-size dimension.
                let fitted = zip(chunks, shape).map { hsize_t(max(1, min($0, $1))) }
                try target.check(H5Pset_chunk(creation, Int32(fitted.count), fitted), "cannot set chunk shape \(chunks)")
            }
            if let level = storage.gzipLevel {
                guard storage.chunks != nil, (1...9).contains(level) else {
                    throw target.problem("gzip needs chunks and a level in 1...9 (got \(level))")
                }
                try target.check(H5Pset_deflate(creation, UInt32(level)), "cannot enable gzip")
            }
        } catch {
            H5Pclose(creation)
            throw error
        }
        return creation
    }
}
