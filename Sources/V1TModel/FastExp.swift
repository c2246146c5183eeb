/// Vectorised exponential and softmax for the attention probabilities.
///
/// The published model evaluates 4 blocks x 4 heads x 1,654^2 exponentials per sample and pass; a
/// scalar `exp` call per element would cost as much as the attention matrix products themselves.

typealias Float16Lanes = SIMD16<Float>

@inline(__always)
func loadLanes(_ p: UnsafePointer<Float>) -> Float16Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Float16Lanes.self)
}

@inline(__always)
func storeLanes(_ v: Float16Lanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float16Lanes.self)
}

// Swift's `pointwiseMin`, `pointwiseMax` and `clamped` on SIMD16<Float> compile to per-lane loops
// through memory (~10 ns per element measured here), while comparisons and `replacing` become
// vector compares and blends: the kernels below use only the latter.

/// Lane-wise max(a, b) (b where a < b, so a NaN in `a` stays).
@inline(__always)
func lanesMax(_ a: Float16Lanes, _ b: Float16Lanes) -> Float16Lanes { a.replacing(with: b, where: a .< b) }

/// Lane-wise min(a, b) (b where a > b, so a NaN in `a` stays).
@inline(__always)
func lanesMin(_ a: Float16Lanes, _ b: Float16Lanes) -> Float16Lanes { a.replacing(with: b, where: a .> b) }

/// Loads the `count` (<= 16) floats at `p` into the low lanes, `padding` elsewhere.
@inline(__always)
func loadPartialLanes(_ p: UnsafePointer<Float>, count: Int, padding: Float) -> Float16Lanes {
    if count == 16 { return loadLanes(p) }
    var v = Float16Lanes(repeating: padding)
    for k in 0..<count { v[k] = p[k] }
    return v
}

/// Stores the low `count` (<= 16) lanes at `p`.
@inline(__always)
func storePartialLanes(_ v: Float16Lanes, _ p: UnsafeMutablePointer<Float>, count: Int) {
    if count == 16 { return storeLanes(v, p) }
    for k in 0..<count { p[k] = v[k] }
}

/// |x| per lane, by clearing the sign bit.
@inline(__always)
func absoluteValue(_ x: Float16Lanes) -> Float16Lanes {
    unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Float16Lanes.self)
}

private let expLowest: Float = -87.336_54   // ln(smallest normal float)
private let expHighest: Float = 88.722_83   // ln(largest float)

/// e^x for 16 lanes, within ~2e-7 relative error of the true value for x in [-87.3, 88.7].
///
/// Cody-Waite reduction x = n ln2 + r with |r| <= ln2/2, a degree-7 Taylor polynomial for e^r
/// (truncation error r^8/8! < 6e-9), and 2^n built in the exponent bits as two factors so that
/// n = 128 does not overflow the exponent field. Results below the smallest normal float flush to
/// zero, above the largest float become +inf, NaN stays NaN.
@inline(__always)
func fastExp(_ x: Float16Lanes) -> Float16Lanes {
    let clamped = lanesMin(lanesMax(x, Float16Lanes(repeating: expLowest)), Float16Lanes(repeating: expHighest))
    let (polynomial, n) = reducedExp(clamped)
    let half = n &>> 1
    var result = polynomial * powerOfTwo(half) * powerOfTwo(n &- half)
    result.replace(with: 0, where: x .< expLowest)
    result.replace(with: .infinity, where: x .> expHighest)
    result.replace(with: x, where: x .!= x)
    return result
}

/// e^x for x <= 0, as in a softmax once the row's maximum is subtracted: as `fastExp`, but with
/// nothing to overflow, 2^n (n >= -126) is a single factor. NaN stays NaN through the arithmetic.
/// A quarter fewer instructions, and the softmax evaluates tens of millions per sample.
@inline(__always)
func fastExpOfNonPositive(_ x: Float16Lanes) -> Float16Lanes {
    let (polynomial, n) = reducedExp(lanesMax(x, Float16Lanes(repeating: expLowest)))
    return (polynomial * powerOfTwo(n)).replacing(with: 0, where: x .< expLowest)
}

/// For x in [ln(smallest normal), ln(largest)]: e^r and n with x = n ln2 + r, e^x = e^r 2^n.
@inline(__always)
private func reducedExp(_ x: Float16Lanes) -> (polynomial: Float16Lanes, n: SIMD16<Int32>) {
    // Rounding by adding 1.5 * 2^23 leaves n in the low mantissa bits; this stays within SSE2
    // (no `roundps` before SSE4.1) and yields the integer n without a float-to-int conversion.
    let magic: Float = 12_582_912
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    // ln 2 split in a part with few mantissa bits (n * ln2High is exact) and the rest.
    let r = (x - n * 0.693_359_375) - n * -2.121_944_40e-4
    var p = Float16Lanes(repeating: 1.0 / 5040)
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    return (p, unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- Int32(bitPattern: magic.bitPattern))
}

/// 2^n for integer lanes n in [-126, 127], built in the exponent bits.
@inline(__always)
private func powerOfTwo(_ n: SIMD16<Int32>) -> Float16Lanes {
    unsafeBitCast((n &+ 127) &<< 23, to: Float16Lanes.self)
}

/// Scalar entry point to `fastExp` (for tests).
func fastExp(_ x: Float) -> Float {
    fastExp(Float16Lanes(repeating: x))[0]
}

/// In-place softmax of one row: row[j] = exp(row[j] - max) / sum_k exp(row[k] - max).
/// The last count % 16 entries go through one padded vector (padding -inf, whose exp is 0).
func softmaxInPlace(_ row: UnsafeMutablePointer<Float>, count: Int) {
    let vectorEnd = count - count % 16, tail = count - vectorEnd
    var maxima = Float16Lanes(repeating: -.infinity)
    var j = 0
    while j < vectorEnd {
        maxima = lanesMax(maxima, loadLanes(row + j))
        j += 16
    }
    let tailLanes = loadPartialLanes(row + vectorEnd, count: tail, padding: -.infinity)
    let rowMax = lanesMax(maxima, tailLanes).max()

    let shift = Float16Lanes(repeating: rowMax)
    var sums = Float16Lanes.zero
    j = 0
    while j < vectorEnd {
        let e = fastExpOfNonPositive(loadLanes(row + j) - shift)
        storeLanes(e, row + j)
        sums += e
        j += 16
    }
    let tailExp = fastExpOfNonPositive(tailLanes - shift)
    sums += tailExp

    let inverse = 1 / sums.sum()
    j = 0
    while j < vectorEnd {
        storeLanes(loadLanes(row + j) * inverse, row + j)
        j += 16
    }
    storePartialLanes(tailExp * inverse, row + vectorEnd, count: tail)
}
