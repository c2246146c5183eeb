import Foundation

/// Maps data values to [0, 1] along an axis and chooses round tick values (steps of 1, 2 or 5
/// times a power of ten, or powers of ten on a logarithmic axis).
struct Axis {
    let low: Double
    let high: Double
    let scale: Chart.Scale
    let ticks: [Double]

    init(values: [Double], fixed: ClosedRange<Double>?, scale: Chart.Scale) {
        self.scale = scale
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        var low = fixed?.lowerBound ?? usable.min() ?? 0
        var high = fixed?.upperBound ?? usable.max() ?? 1
        if low == high { low -= low == 0 ? 1 : abs(low) * 0.1; high += high == 0 ? 1 : abs(high) * 0.1 }
        if scale == .logarithmic {
            low = max(low, 1e-12)
            if fixed == nil { low = pow(10, floor(log10(low))); high = pow(10, ceil(log10(high))) }
            self.low = low
            self.high = high
            var ticks: [Double] = []
            var tick = pow(10, ceil(log10(low) - 1e-9))
            while tick <= high * (1 + 1e-9) { ticks.append(tick); tick *= 10 }
            self.ticks = ticks
        } else {
            let step = Axis.niceStep((high - low) / 5)
            if fixed == nil { low = floor(low / step) * step; high = ceil(high / step) * step }
            self.low = low
            self.high = high
            var ticks: [Double] = []
            var tick = ceil(low / step - 1e-9) * step
            while tick <= high + step * 1e-9 { ticks.append(abs(tick) < step * 1e-9 ? 0 : tick); tick += step }
            self.ticks = ticks
        }
    }

    func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear: return (value - low) / (high - low)
        case .logarithmic: return (log10(max(value, 1e-300)) - log10(low)) / (log10(high) - log10(low))
        }
    }

    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let power = pow(10, floor(log10(rough)))
        let mantissa = rough / power
        return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power
    }

    static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.0e", value) }
        if value == value.rounded() { return String(format: "%.0f", value) }
        return String(format: "%g", (value * 1e6).rounded() / 1e6)
    }
}
