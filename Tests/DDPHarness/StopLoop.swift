// stop-loop DIR STEP_MS MAX_STEPS: a training loop without a model, for the pre-emption tests.
// Each step "computes" for STEP_MS milliseconds (a wait that signals cannot cut short, like real
// arithmetic), checks through an allreduce that every rank is at the same step, then asks
// StopRequest.shouldStop. The files it leaves in DIR tell the test what happened:
//   rank-R.pid          written once the first step is done: the test may signal from then on
//   checkpoint-step-S   rank 0's "checkpoint" of step S, written to a temporary name and renamed
//   rank-R.stopped      `step S agreed SIGTERM local SIGTERM|none status 143`
//   rank-R.exited       from an atexit handler: `checkpoint present` or `checkpoint missing`,
//                       i.e. whether the rank waited for rank 0's checkpoint before leaving
import DDP
import Foundation

/// The checkpoint rank 0 writes for the agreed step, seen from the atexit handler (which cannot
/// capture context).
private var checkpointToAwait: String?
private var exitReportPath: String?

func runStopLoop(_ world: Communicator, _ parameters: [String]) throws {
    guard parameters.count == 3, let stepMilliseconds = Int(parameters[1]), let maxSteps = Int(parameters[2]),
          stepMilliseconds >= 0, maxSteps >= 1 else {
        throw HarnessFailure(description: "usage: stop-loop DIR STEP_MS MAX_STEPS")
    }
    let directory = URL(fileURLWithPath: parameters[0])
    let file = { (name: String) in directory.appendingPathComponent(name) }
    try StopRequest.install(world: world)

    for step in 1...maxSteps {
        work(seconds: Double(stepMilliseconds) / 1000)
        let stepSum = try world.allreduceSum(Double(step))
        try expect(stepSum == Double(step * world.size), "rank \(world.rank) is at step \(step) but the ranks' steps add up to \(stepSum)")
        if step == 1 {
            try "\(getpid())\n".write(to: file("rank-\(world.rank).pid"), atomically: true, encoding: .utf8)
        }
        guard try StopRequest.shouldStop(world: world), let agreed = StopRequest.agreedSignal else { continue }

        let checkpoint = file("checkpoint-step-\(step)")
        if world.isRoot {
            // Slower than the other ranks' way out: without the barrier in StopRequest.exit they
            // would leave before the checkpoint exists, and the `.exited` files would say so.
            work(seconds: 0.3)
            let temporary = file(".checkpoint-step-\(step).partial")
            try "step \(step)\n".write(to: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary.path, checkpoint.path) == 0 else {
                throw HarnessFailure(description: "cannot rename \(temporary.path): \(String(cString: strerror(errno)))")
            }
        }
        let local = StopRequest.receivedSignal.map(\.name) ?? "none"
        try "step \(step) agreed \(agreed) local \(local) status \(agreed.exitStatus)\n"
            .write(to: file("rank-\(world.rank).stopped"), atomically: true, encoding: .utf8)
        checkpointToAwait = checkpoint.path
        exitReportPath = file("rank-\(world.rank).exited").path
        atexit {
            guard let checkpoint = checkpointToAwait, let report = exitReportPath else { return }
            let present = FileManager.default.fileExists(atPath: checkpoint)
            try? "checkpoint \(present ? "present" : "missing")\n".write(toFile: report, atomically: true, encoding: .utf8)
        }
        StopRequest.exit(world: world, summary: "checkpoint of step \(step) written")
    }
    print("stop-loop: \(maxSteps) steps without a stop request")
}

/// Takes `seconds` of wall time without using a core (the machine runs more ranks than it has
/// cores). A signal interrupts a sleep, so it sleeps again until the deadline.
private func work(seconds: Double) {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
    while case let now = DispatchTime.now().uptimeNanoseconds, now < deadline {
        usleep(useconds_t(min((deadline - now) / 1000, 100_000)))
    }
}
