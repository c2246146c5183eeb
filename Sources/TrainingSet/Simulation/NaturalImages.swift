import Foundation

/// Synthetic grayscale "natural-like" images: structure at every scale rather than white noise.
/// Each image is a 1/f^α background (smooth noise summed over octaves, the power spectrum of natural
/// scenes), overlaid dead-leaves style by opaque shapes of power-law sizes (occlusion gives sharp
/// edges, as objects do), a few long oriented edges and thin branches, and a slow illumination
/// gradient; finally scaled to a random mean and contrast and quantised to 0...255.
struct NaturalImageGenerator {
    let height: Int
    let width: Int

    /// The image for `index`, deterministic in (seed, index): pixels row-major.
    func image(seed: UInt64, index: Int) -> [UInt8] {
        var random = SeededRandom(seed: seed, stream: 0x1_1A6E_0000 &+ UInt64(index))
        var canvas = background(&random)
        let texture = background(&random)
        addEdges(to: &canvas, &random)
        addOccluders(to: &canvas, texture: texture, &random)
        addBranches(to: &canvas, &random)
        return quantise(canvas, &random)
    }

    /// The gray image blank trials show (the Allen blank sweep is mean luminance, 127-128).
    func gray() -> [UInt8] { [UInt8](repeating: 128, count: height * width) }

    /// Sum of octave bands of smooth noise, each band's amplitude ∝ cell^(α-1): α = 1 gives equal
    /// power per octave, the 1/f amplitude spectrum of natural images. Scaled to mean 0, std 1.
    private func background(_ random: inout SeededRandom) -> [Double] {
        var canvas = [Double](repeating: 0, count: height * width)
        let alpha = random.uniform(0.9, 1.4)
        var cell = 2
        while cell <= max(height, width) {
            let amplitude = pow(Double(cell), alpha - 1)
            let gridHeight = height / cell + 3, gridWidth = width / cell + 3
            let grid = (0..<(gridHeight * gridWidth)).map { _ in random.normal() * amplitude }
            for y in 0..<height {
                let gy = Double(y) / Double(cell), iy = Int(gy), fy = smooth(gy - Double(iy))
                for x in 0..<width {
                    let gx = Double(x) / Double(cell), ix = Int(gx), fx = smooth(gx - Double(ix))
                    let top = grid[iy * gridWidth + ix] * (1 - fx) + grid[iy * gridWidth + ix + 1] * fx
                    let bottom = grid[(iy + 1) * gridWidth + ix] * (1 - fx) + grid[(iy + 1) * gridWidth + ix + 1] * fx
                    canvas[y * width + x] += top * (1 - fy) + bottom * fy
                }
            }
            cell *= 2
        }
        // A slow illumination gradient across the scene.
        let angle = random.uniform(0, 2 * .pi), strength = random.uniform(0, 1.5) * gradientScale(canvas)
        for y in 0..<height {
            for x in 0..<width {
                let u = (Double(x) / Double(width) - 0.5) * cos(angle) + (Double(y) / Double(height) - 0.5) * sin(angle)
                canvas[y * width + x] += strength * u
            }
        }
        return standardised(canvas)
    }

    private func standardised(_ values: [Double]) -> [Double] {
        let mean = values.reduce(0, +) / Double(values.count)
        let std = max(1e-9, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot())
        return values.map { ($0 - mean) / std }
    }

    /// The gradient is added relative to the noise's own spread.
    private func gradientScale(_ canvas: [Double]) -> Double {
        let mean = canvas.reduce(0, +) / Double(canvas.count)
        return (canvas.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(canvas.count)).squareRoot()
    }

    /// Smoothstep interpolation weight: bands without the creases of linear interpolation.
    private func smooth(_ t: Double) -> Double { t * t * (3 - 2 * t) }

    /// Long straight luminance steps (horizons, walls): a soft half-plane offset.
    private func addEdges(to canvas: inout [Double], _ random: inout SeededRandom) {
        for _ in 0..<random.below(3) {
            let angle = random.uniform(0, .pi), step = random.normal()
            let cx = random.uniform(0.2, 0.8) * Double(width), cy = random.uniform(0.2, 0.8) * Double(height)
            for y in 0..<height {
                for x in 0..<width {
                    let distance = (Double(x) - cx) * cos(angle) + (Double(y) - cy) * sin(angle)
                    canvas[y * width + x] += step * coverage(distance)
                }
            }
        }
    }

    /// Opaque ellipses and rectangles painted back to front, sizes from a power law (many small,
    /// few large), each with its own luminance, surface texture and shading gradient.
    private func addOccluders(to canvas: inout [Double], texture: [Double], _ random: inout SeededRandom) {
        let count = 6 + random.below(16)
        let smallest = 0.03 * Double(width), largest = 0.35 * Double(width)
        for _ in 0..<count {
            // Inverse-CDF sample of radius density ∝ r^-3 between smallest and largest.
            let u = random.uniform()
            let radius = 1 / (1 / (smallest * smallest) - u * (1 / (smallest * smallest) - 1 / (largest * largest))).squareRoot()
            let aspect = random.uniform(0.3, 1)
            let angle = random.uniform(0, .pi), cosA = cos(angle), sinA = sin(angle)
            let cx = random.uniform(-0.1, 1.1) * Double(width), cy = random.uniform(-0.1, 1.1) * Double(height)
            let luminance = random.normal() * 1.2
            let slope = random.normal() * 0.5 / radius
            let textureAmount = random.uniform(0.1, 0.6)
            let textureShiftX = random.below(width), textureShiftY = random.below(height)
            let isEllipse = random.uniform() < 0.6
            let reach = Int(radius) + 2
            let top = max(0, Int(cy) - reach), bottom = min(height, Int(cy) + reach + 1)
            let left = max(0, Int(cx) - reach), right = min(width, Int(cx) + reach + 1)
            guard top < bottom, left < right else { continue }  // entirely outside the frame
            for y in top..<bottom {
                for x in left..<right {
                    let dx = Double(x) - cx, dy = Double(y) - cy
                    let along = dx * cosA + dy * sinA, across = (-dx * sinA + dy * cosA) / aspect
                    // Signed distance (pixels, roughly) outside the shape's boundary.
                    let outside = isEllipse
                        ? (along * along + across * across).squareRoot() - radius
                        : max(abs(along), abs(across)) - radius
                    let cover = coverage(-outside)
                    if cover > 0 {
                        let index = y * width + x
                        let surface = texture[((y + textureShiftY) % height) * width + (x + textureShiftX) % width]
                        let value = luminance + slope * along + textureAmount * surface
                        canvas[index] = canvas[index] * (1 - cover) + value * cover
                    }
                }
            }
        }
    }

    /// Thin dark or light straight segments (twigs, cracks): oriented high-frequency structure.
    private func addBranches(to canvas: inout [Double], _ random: inout SeededRandom) {
        for _ in 0..<random.below(5) {
            let angle = random.uniform(0, .pi), length = random.uniform(0.1, 0.5) * Double(width)
            let cx = random.uniform(0, 1) * Double(width), cy = random.uniform(0, 1) * Double(height)
            let thickness = random.uniform(0.6, 1.8), value = random.normal() * 1.5
            for y in 0..<height {
                for x in 0..<width {
                    let dx = Double(x) - cx, dy = Double(y) - cy
                    let along = dx * cos(angle) + dy * sin(angle), across = -dx * sin(angle) + dy * cos(angle)
                    guard abs(along) < length / 2 else { continue }
                    let cover = coverage(thickness - abs(across))
                    if cover > 0 { canvas[y * width + x] = canvas[y * width + x] * (1 - cover) + value * cover }
                }
            }
        }
    }

    /// Anti-aliased coverage of a pixel whose centre lies `distance` pixels inside a boundary.
    private func coverage(_ distance: Double) -> Double { min(1, max(0, distance + 0.5)) }

    /// Scales to a random mean luminance and RMS contrast, like photographs of varied exposure.
    private func quantise(_ canvas: [Double], _ random: inout SeededRandom) -> [UInt8] {
        let targetMean = random.uniform(95, 155), targetStd = random.uniform(35, 60)
        return standardised(canvas).map { UInt8(min(255, max(0, ($0 * targetStd + targetMean).rounded()))) }
    }
}
