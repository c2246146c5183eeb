import Foundation

/// Where a training pass spends its time, section by section (`v1t-dist bench --profile`): the
/// layers bracket their parts with `LayerProfile.time`, which costs one branch while profiling
/// is off. Times are the calling thread's CPU seconds, so other processes on a shared machine do
/// not inflate them. One thread: the model runs on one.
public enum LayerProfile {
    public struct Section: Codable, Equatable, Sendable {
        public var name: String
        public var seconds: Double
        public var calls: Int

        public init(name: String, seconds: Double, calls: Int) {
            self.name = name
            self.seconds = seconds
            self.calls = calls
        }
    }

    private static var isOn = false
    private static var sections: [String: Section] = [:]
    private static var order: [String] = []

    /// Clears the totals and starts timing.
    public static func start() {
        sections = [:]
        order = []
        isOn = true
    }

    /// Stops timing; returns the sections in the order they first ran.
    public static func stop() -> [Section] {
        isOn = false
        return order.map { sections[$0]! }
    }

    /// Runs `body`, adding its CPU time to section `name` while profiling is on.
    @inline(__always)
    public static func time<Result>(_ name: @autoclosure () -> String, _ body: () throws -> Result) rethrows -> Result {
        guard isOn else { return try body() }
        let start = threadCPUSeconds()
        let result = try body()
        add(name(), threadCPUSeconds() - start)
        return result
    }

    private static func add(_ name: String, _ seconds: Double) {
        if sections[name] == nil {
            sections[name] = Section(name: name, seconds: 0, calls: 0)
            order.append(name)
        }
        sections[name]!.seconds += seconds
        sections[name]!.calls += 1
    }
}

func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
