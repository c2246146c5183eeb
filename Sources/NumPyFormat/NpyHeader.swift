/// The header of a `.npy` file: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
///
/// NumPy writes exactly this form (format 1.0 with a 2-byte length, 2.0/3.0 with a 4-byte length; 3.0
/// only differs by allowing UTF-8 in the header). The parser accepts keys in any order and either quote.
struct NpyHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Serialises the dict with the leading magic, version and length; the whole preamble is padded with
    /// spaces to a multiple of 64 bytes (NumPy's alignment, so arrays can be memory-mapped aligned).
    func encoded() -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = Array("{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shapeText), }".utf8)
        for (major, lengthBytes) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let preamble = Self.magic.count + 2 + lengthBytes
            var total = preamble + dict.count + 1
            total += (64 - total % 64) % 64
            let headerLength = total - preamble
            if lengthBytes == 2 && headerLength > Int(UInt16.max) { continue }
            var out = Self.magic + [major, 0]
            for i in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
            out += dict
            out += [UInt8](repeating: 0x20, count: headerLength - dict.count - 1)
            out.append(0x0A)
            return out
        }
        preconditionFailure("npy header longer than 4 GB")
    }

    /// Parses the preamble at the start of `bytes`; returns the header and the offset of the first data byte.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> (NpyHeader, dataOffset: Int) {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw NpyError.notNpy("the file does not start with the NumPy magic string \\x93NUMPY")
        }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw NpyError.unsupported("format version \(major).\(bytes[7]) (known: 1.0, 2.0, 3.0)")
        }
        guard bytes.count >= 8 + lengthBytes else { throw NpyError.notNpy("the header is cut short") }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + lengthBytes
        guard bytes.count >= start + headerLength else {
            throw NpyError.notNpy("the header announces \(headerLength) bytes but the file ends first")
        }
        guard let text = String(bytes: bytes[start..<(start + headerLength)], encoding: .utf8) else {
            throw NpyError.malformedHeader("not valid text")
        }
        var parser = DictParser(text: Array(text.unicodeScalars))
        let header = try parser.parseHeader()
        return (header, start + headerLength)
    }
}

/// A recursive-descent reader for the small subset of Python literals `.npy` headers use.
private struct DictParser {
    let text: [Unicode.Scalar]
    var position = 0

    init(text: [Unicode.Scalar]) { self.text = text }

    mutating func parseHeader() throws -> NpyHeader {
        var descr: String?, fortran: Bool?, shape: [Int]?
        try expect("{")
        while true {
            skipSpaces()
            if peek() == "}" { position += 1; break }
            let key = try parseString()
            try expect(":")
            switch key {
            case "descr":
                skipSpaces()
                if peek() == "[" {
                    throw NpyError.unsupported("structured dtype (a list of fields); save plain arrays instead")
                }
                descr = try parseString()
            case "fortran_order": fortran = try parseBool()
            case "shape": shape = try parseTuple()
            default: throw NpyError.malformedHeader("unknown key '\(key)'")
            }
            skipSpaces()
            if peek() == "," { position += 1 }
        }
        guard let descr, let fortran, let shape else {
            throw NpyError.malformedHeader("needs the keys 'descr', 'fortran_order' and 'shape'")
        }
        return NpyHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    private func peek() -> Unicode.Scalar? { position < text.count ? text[position] : nil }

    private mutating func skipSpaces() {
        while let c = peek(), c == " " || c == "\n" || c == "\t" { position += 1 }
    }

    private mutating func expect(_ c: Unicode.Scalar) throws {
        skipSpaces()
        guard peek() == c else { throw NpyError.malformedHeader("expected '\(c)' at character \(position)") }
        position += 1
    }

    private mutating func parseString() throws -> String {
        skipSpaces()
        guard let quote = peek(), quote == "'" || quote == "\"" else {
            throw NpyError.malformedHeader("expected a quoted string at character \(position)")
        }
        position += 1
        var out = String.UnicodeScalarView()
        while let c = peek(), c != quote { out.append(c); position += 1 }
        guard peek() == quote else { throw NpyError.malformedHeader("unterminated string") }
        position += 1
        return String(out)
    }

    private mutating func parseBool() throws -> Bool {
        skipSpaces()
        for (word, value) in [("True", true), ("False", false)] {
            let scalars = Array(word.unicodeScalars)
            if position + scalars.count <= text.count, Array(text[position..<(position + scalars.count)]) == scalars {
                position += scalars.count
                return value
            }
        }
        throw NpyError.malformedHeader("expected True or False at character \(position)")
    }

    private mutating func parseTuple() throws -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            skipSpaces()
            if peek() == ")" { position += 1; return values }
            var digits = ""
            while let c = peek(), ("0"..."9").contains(c) { digits.unicodeScalars.append(c); position += 1 }
            // Python 2 era files may write `3L`.
            if peek() == "L" { position += 1 }
            guard let value = Int(digits) else { throw NpyError.malformedHeader("bad dimension in shape") }
            values.append(value)
            skipSpaces()
            if peek() == "," { position += 1 }
        }
    }
}
