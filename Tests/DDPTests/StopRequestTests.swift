@testable import DDP
import XCTest

/// The stop flag in this test process, without MPI (`shouldStop` is tested under mpirun in
/// PreemptionTests). Every test removes the handlers again: a test runner that ignored Ctrl-C
/// would be a nuisance.
final class StopRequestTests: XCTestCase {
    override func tearDown() {
        try? StopRequest.uninstall()
        super.tearDown()
    }

    func testFirstSignalIsRecordedAndLaterOnesDoNotReplaceIt() throws {
        try StopRequest.install(programName: "test", announce: false)
        XCTAssertFalse(StopRequest.stopRequested)
        XCTAssertNil(StopRequest.receivedSignal)
        raise(SIGUSR1)  // fatal to a process without the handler
        XCTAssertTrue(StopRequest.stopRequested)
        XCTAssertEqual(StopRequest.receivedSignal, StopSignal(SIGUSR1))
        raise(SIGTERM)
        raise(SIGUSR2)
        XCTAssertEqual(StopRequest.receivedSignal, StopSignal(SIGUSR1), "the first signal decides")
        XCTAssertNil(StopRequest.agreedSignal, "only shouldStop, a collective, agrees to stop")
    }

    func testEveryHandledSignalRequestsAStop() throws {
        XCTAssertEqual(StopRequest.handledSignals, [SIGTERM, SIGINT, SIGUSR1, SIGUSR2])
        for number in StopRequest.handledSignals {
            try StopRequest.install(programName: "test", announce: false)
            raise(number)
            XCTAssertEqual(StopRequest.receivedSignal, StopSignal(number), StopSignal(number).name)
            try StopRequest.uninstall()
            XCTAssertFalse(StopRequest.stopRequested, "uninstall forgets the request")
        }
    }

    func testUninstallPutsBackThePreviousHandler() throws {
        previousHandlerCalls = 0
        signal(SIGUSR2) { _ in previousHandlerCalls += 1 }
        defer { signal(SIGUSR2, SIG_DFL) }

        try StopRequest.install(programName: "test", announce: false)
        raise(SIGUSR2)
        XCTAssertEqual(StopRequest.receivedSignal, StopSignal(SIGUSR2))
        XCTAssertEqual(previousHandlerCalls, 0, "the stop handler replaced the previous one")

        try StopRequest.uninstall()
        raise(SIGUSR2)
        XCTAssertEqual(previousHandlerCalls, 1, "the previous handler is back")
        XCTAssertNil(StopRequest.receivedSignal)
    }

    func testInstallingTwiceIsRefusedWithAReason() throws {
        try StopRequest.install(programName: "test", announce: false)
        XCTAssertThrowsError(try StopRequest.install(programName: "test", announce: false)) { error in
            XCTAssertEqual("\(error)", "cannot install the handlers for SIGTERM, SIGINT, SIGUSR1, SIGUSR2: they are already installed")
        }
        raise(SIGTERM)
        XCTAssertEqual(StopRequest.receivedSignal, StopSignal(SIGTERM), "the first installation still works")
    }

    func testExitStatusIsWhatAShellReportsForTheSignal() {
        XCTAssertEqual(StopSignal(SIGTERM).exitStatus, 143)
        XCTAssertEqual(StopSignal(SIGINT).exitStatus, 130)
        XCTAssertEqual(StopSignal(SIGUSR1).exitStatus, 128 + SIGUSR1)  // 138 on Linux
        XCTAssertEqual(StopSignal(SIGUSR2).exitStatus, 128 + SIGUSR2)  // 140 on Linux
        XCTAssertEqual(StopSignal(SIGTERM).name, "SIGTERM")
        XCTAssertEqual(StopSignal(SIGINT).name, "SIGINT")
        XCTAssertEqual(StopSignal(SIGUSR1).name, "SIGUSR1")
        XCTAssertEqual("\(StopSignal(SIGUSR2))", "SIGUSR2")
        XCTAssertEqual(StopSignal(SIGBUS).name, "signal \(SIGBUS)")
    }
}

/// Counts calls of the handler installed before StopRequest's (a C handler cannot capture).
private var previousHandlerCalls = 0
