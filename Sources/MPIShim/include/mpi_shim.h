#ifndef VITA_MPI_SHIM_H
#define VITA_MPI_SHIM_H
// Plain functions over MPI_COMM_WORLD, so that Swift never touches MPI's macros and handles.
// Every function returns an MPI error code (MPI_SUCCESS == 0) unless it says otherwise.
// Counts are element counts as size_t (Swift `Int`): the shim splits them into calls of at most
// INT_MAX elements because MPI's own counts are `int`.

#include <stddef.h>

/// MPI_Init, then MPI_ERRORS_RETURN on MPI_COMM_WORLD so failures come back as codes, then the
/// node-local rank and size (MPI_Comm_split_type SHARED; collective). Without mpirun this is an MPI
/// singleton: one rank.
int vita_mpi_init(void);
int vita_mpi_finalize(void);
/// 1 if MPI_Init has been called (flags, not error codes).
int vita_mpi_initialized(void);
/// 1 if MPI_Finalize has been called.
int vita_mpi_finalized(void);

int vita_mpi_rank(int *rank);
int vita_mpi_size(int *size);
/// Rank among, and number of, the ranks on this node (computed once by vita_mpi_init).
int vita_mpi_local_rank(int *rank);
int vita_mpi_local_size(int *size);

/// In-place allreduce over all ranks; `count` may exceed INT_MAX.
int vita_mpi_allreduce_sum_float(float *buffer, size_t count);
int vita_mpi_allreduce_sum_double(double *buffer, size_t count);
int vita_mpi_allreduce_max_double(double *buffer, size_t count);

/// Non-blocking in-place sums over all ranks (MPI_Iallreduce): each call starts the sum of one buffer
/// and returns at once; the shim keeps the requests in the order started. The buffer must stay
/// untouched until vita_mpi_wait_pending returns. Every rank must start the same buffers' sums (same
/// counts) in the same order. `count` may exceed INT_MAX.
int vita_mpi_iallreduce_sum_float(float *buffer, size_t count);
int vita_mpi_iallreduce_sum_double(double *buffer, size_t count);
/// Lets MPI advance the started sums (MPI_Testall): Open MPI moves a non-blocking collective on only
/// inside MPI calls, so a rank computing between them calls this now and then.
int vita_mpi_progress(void);
/// Waits for every started sum (MPI_Waitall) and forgets them.
int vita_mpi_wait_pending(void);
/// The number of started sums not yet waited for (chunks of more than INT_MAX elements count each).
int vita_mpi_pending_count(void);

/// Broadcast `count` elements from `root` into every rank's buffer.
int vita_mpi_broadcast_bytes(void *buffer, size_t count, int root);
int vita_mpi_broadcast_float(float *buffer, size_t count, int root);
int vita_mpi_broadcast_double(double *buffer, size_t count, int root);

int vita_mpi_barrier(void);
/// Ends every rank of the job with `code` (MPI_Abort on MPI_COMM_WORLD).
int vita_mpi_abort(int code);
/// Seconds since an arbitrary time in the past (MPI_Wtime); valid after vita_mpi_init.
double vita_mpi_wtime(void);

/// Writes this node's name, NUL-terminated and cut to `capacity`, into `out`.
int vita_mpi_processor_name(char *out, int capacity);
/// Writes MPI's text for `code`, NUL-terminated and cut to `capacity`, into `out`; never fails
/// (an unknown code, or a call outside MPI_Init..MPI_Finalize, gets a generic text).
void vita_mpi_error_string(int code, char *out, int capacity);

/// The largest element count of one MPI call (default INT_MAX). Lowering it lets tests exercise
/// the chunking of buffers larger than INT_MAX elements with small buffers; `limit` < 1 restores
/// the default.
void vita_mpi_set_chunk_limit(size_t limit);

#endif
