/// A row-major 2-D array: `values[row * columns + column]`. Trials and neurons are rows.
public struct Matrix<Element: Equatable & Sendable>: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var values: [Element]

    public init(rows: Int, columns: Int, values: [Element]) {
        precondition(values.count == rows * columns, "\(values.count) values do not fill \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(rows: Int, columns: Int, repeating value: Element) {
        self.init(rows: rows, columns: columns, values: [Element](repeating: value, count: rows * columns))
    }

    public subscript(row: Int, column: Int) -> Element {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// One row, e.g. one trial's responses.
    public func row(_ row: Int) -> ArraySlice<Element> {
        values[(row * columns)..<((row + 1) * columns)]
    }

    /// One column, e.g. one neuron's responses across trials.
    public func column(_ column: Int) -> [Element] {
        (0..<rows).map { values[$0 * columns + column] }
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> Matrix {
        var picked = [Element]()
        picked.reserveCapacity(indices.count * columns)
        for index in indices { picked.append(contentsOf: row(index)) }
        return Matrix(rows: indices.count, columns: columns, values: picked)
    }
}

/// Grayscale images, stored once however often they were shown: `pixels[(image * height + y) * width + x]`.
public struct ImageStack: Equatable, Sendable {
    public let count: Int
    public let height: Int
    public let width: Int
    public var pixels: [UInt8]

    public init(count: Int, height: Int, width: Int, pixels: [UInt8]) {
        precondition(pixels.count == count * height * width,
                     "\(pixels.count) pixels do not fill \(count) images of \(height) x \(width)")
        self.count = count
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    public var pixelsPerImage: Int { height * width }

    /// The pixels of one image, row-major.
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        pixels[(index * pixelsPerImage)..<((index + 1) * pixelsPerImage)]
    }
}
