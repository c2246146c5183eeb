import CHDF5
import HDF5Shim

/// A Swift number type with a native HDF5 counterpart. Reading into it asks HDF5 to convert
/// whatever the file stores (any integer or float width) into this type; writing stores it as is.
public protocol H5Scalar: Numeric, Sendable {
    static var nativeType: hid_t { get }
}

extension Float: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_float() } }
extension Double: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_double() } }
extension Int8: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_int8() } }
extension UInt8: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_uint8() } }
extension Int16: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_int16() } }
extension UInt16: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_uint16() } }
extension Int32: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_int32() } }
extension UInt32: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_uint32() } }
extension Int64: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_int64() } }
extension UInt64: H5Scalar { public static var nativeType: hid_t { vita_h5t_native_uint64() } }

/// What a dataset or attribute stores, as far as a reader needs to know.
public enum H5ElementType: Equatable, Sendable, CustomStringConvertible {
    case integer(signed: Bool, bytes: Int)
    case float(bytes: Int)
    /// A byte string; `variableLength` strings are stored as pointers, fixed ones padded to `bytes`.
    case string(variableLength: Bool, bytes: Int)
    /// Compound, enum, array, reference, ...: not read by this wrapper.
    case other(String)

    public var isNumeric: Bool {
        switch self {
        case .integer, .float: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .integer(signed, bytes): return "\(signed ? "int" : "uint")\(bytes * 8)"
        case let .float(bytes): return "float\(bytes * 8)"
        case let .string(variable, bytes): return variable ? "variable-length string" : "fixed-length string (\(bytes) bytes)"
        case let .other(name): return name
        }
    }

    /// Describes an HDF5 type id (which the caller still owns).
    init(typeID: hid_t) {
        let size = Int(H5Tget_size(typeID))
        switch H5Tget_class(typeID) {
        case H5T_INTEGER: self = .integer(signed: H5Tget_sign(typeID) == H5T_SGN_2, bytes: size)
        case H5T_FLOAT: self = .float(bytes: size)
        case H5T_STRING: self = .string(variableLength: H5Tis_variable_str(typeID) > 0, bytes: size)
        case H5T_COMPOUND: self = .other("compound")
        case H5T_ENUM: self = .other("enum")
        case H5T_ARRAY: self = .other("array")
        case H5T_VLEN: self = .other("variable-length sequence")
        case H5T_REFERENCE: self = .other("reference")
        case H5T_OPAQUE: self = .other("opaque")
        case H5T_BITFIELD: self = .other("bitfield")
        default: self = .other("unknown type")
        }
    }
}
