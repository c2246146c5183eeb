import DDP
import XCTest

final class MPIErrorTests: XCTestCase {
    func testErrorTextOutsideMPIDoesNotCallMPI() {
        // This test process never initialises MPI; Open MPI would abort on MPI_Error_string here.
        let error = MPIError(call: "MPI_Allreduce", code: 15)
        XCTAssertEqual(error.description, "MPI_Allreduce failed: unknown MPI error (MPI error code 15)")
    }
}
