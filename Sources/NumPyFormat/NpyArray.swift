/// One NumPy array in memory: its shape (C order, last index fastest) and its elements.
///
/// Only the element types VITA exchanges with Python tools are supported: the numeric types of the
/// Allen events file and of the Sensorium folders, plus fixed-width strings (Sensorium's `tiers.npy`).
public struct NpyArray: Equatable {
    public enum Elements: Equatable {
        case float32([Float])
        case float64([Double])
        case int64([Int64])
        case int32([Int32])
        case uint8([UInt8])
        case bool([Bool])
        /// NumPy `<U{width}`: UTF-32 code points, `width` per element, zero padded.
        case unicode([String], width: Int)
        /// NumPy `|S{width}`: bytes, `width` per element, zero padded.
        case bytes([String], width: Int)

        var count: Int {
            switch self {
            case .float32(let v): return v.count
            case .float64(let v): return v.count
            case .int64(let v): return v.count
            case .int32(let v): return v.count
            case .uint8(let v): return v.count
            case .bool(let v): return v.count
            case .unicode(let v, _): return v.count
            case .bytes(let v, _): return v.count
            }
        }
    }

    public let shape: [Int]
    public let elements: Elements

    /// - Precondition: the product of `shape` equals the number of elements (an empty shape is a scalar).
    public init(shape: [Int], elements: Elements) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NpyArray: negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == elements.count,
                     "NpyArray: shape \(shape) holds \(shape.reduce(1, *)) elements, got \(elements.count)")
        self.shape = shape
        self.elements = elements
    }

    public init(_ values: [Float], shape: [Int]? = nil) { self.init(shape: shape ?? [values.count], elements: .float32(values)) }
    public init(_ values: [Double], shape: [Int]? = nil) { self.init(shape: shape ?? [values.count], elements: .float64(values)) }
    public init(_ values: [Int64], shape: [Int]? = nil) { self.init(shape: shape ?? [values.count], elements: .int64(values)) }
    public init(_ values: [Int32], shape: [Int]? = nil) { self.init(shape: shape ?? [values.count], elements: .int32(values)) }
    public init(_ values: [UInt8], shape: [Int]? = nil) { self.init(shape: shape ?? [values.count], elements: .uint8(values)) }
    public init(_ values: [Bool], shape: [Int]? = nil) { self.init(shape: shape ?? [values.count], elements: .bool(values)) }

    /// Strings as NumPy writes `np.array(['train', ...])`: `<U{longest}`.
    public init(unicode values: [String], shape: [Int]? = nil) {
        let width = max(1, values.map { $0.unicodeScalars.count }.max() ?? 1)
        self.init(shape: shape ?? [values.count], elements: .unicode(values, width: width))
    }

    public var count: Int { elements.count }

    /// The NumPy type string (`descr`) this array is written with.
    public var descr: String {
        switch elements {
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int64: return "<i8"
        case .int32: return "<i4"
        case .uint8: return "|u1"
        case .bool: return "|b1"
        case .unicode(_, let width): return "<U\(width)"
        case .bytes(_, let width): return "|S\(width)"
        }
    }

    /// Numeric elements as `Float` (float64 and integers are converted; booleans become 0/1).
    public func floats() throws -> [Float] {
        switch elements {
        case .float32(let v): return v
        case .float64(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        case .uint8(let v): return v.map { Float($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .unicode, .bytes: throw NpyError.wrongElementType(expected: "numbers", found: descr)
        }
    }

    /// Numeric elements as `Double`.
    public func doubles() throws -> [Double] {
        switch elements {
        case .float64(let v): return v
        default: return try floats().map { Double($0) }
        }
    }

    /// Integer (or boolean) elements as `Int64`; floating-point arrays are refused rather than truncated.
    public func integers() throws -> [Int64] {
        switch elements {
        case .int64(let v): return v
        case .int32(let v): return v.map { Int64($0) }
        case .uint8(let v): return v.map { Int64($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        default: throw NpyError.wrongElementType(expected: "integers", found: descr)
        }
    }

    public func strings() throws -> [String] {
        switch elements {
        case .unicode(let v, _), .bytes(let v, _): return v
        default: throw NpyError.wrongElementType(expected: "strings", found: descr)
        }
    }
}

public enum NpyError: Error, CustomStringConvertible {
    case notNpy(String)
    case unsupported(String)
    case malformedHeader(String)
    case truncated(expectedBytes: Int, foundBytes: Int)
    case wrongElementType(expected: String, found: String)

    public var description: String {
        switch self {
        case .notNpy(let why): return "not a NumPy .npy array: \(why)"
        case .unsupported(let what): return "unsupported .npy array: \(what)"
        case .malformedHeader(let why): return "malformed .npy header: \(why)"
        case .truncated(let expected, let found):
            return "truncated .npy array: the header announces \(expected) bytes of data, the file holds \(found)"
        case .wrongElementType(let expected, let found):
            return "expected an array of \(expected), found dtype '\(found)'"
        }
    }
}
