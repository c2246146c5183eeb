#include "mpi_shim.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <mpi.h>

static int local_rank = 0;
static int local_size = 1;
static size_t chunk_limit = INT_MAX;

int vita_mpi_init(void) {
    int rc = MPI_Init(NULL, NULL);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (rc != MPI_SUCCESS) return rc;
    MPI_Comm node;
    rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    if (rc != MPI_SUCCESS) return rc;
    if ((rc = MPI_Comm_rank(node, &local_rank)) == MPI_SUCCESS) rc = MPI_Comm_size(node, &local_size);
    int free_rc = MPI_Comm_free(&node);
    return rc != MPI_SUCCESS ? rc : free_rc;
}

int vita_mpi_finalize(void) { return MPI_Finalize(); }
int vita_mpi_initialized(void) { int flag = 0; MPI_Initialized(&flag); return flag; }
int vita_mpi_finalized(void) { int flag = 0; MPI_Finalized(&flag); return flag; }

int vita_mpi_rank(int *rank) { return MPI_Comm_rank(MPI_COMM_WORLD, rank); }
int vita_mpi_size(int *size) { return MPI_Comm_size(MPI_COMM_WORLD, size); }
int vita_mpi_local_rank(int *rank) { *rank = local_rank; return MPI_SUCCESS; }
int vita_mpi_local_size(int *size) { *size = local_size; return MPI_SUCCESS; }

static int chunk(size_t remaining) {
    return (int)(remaining < chunk_limit ? remaining : chunk_limit);
}

static int allreduce_in_place(char *buffer, size_t count, size_t element_size, MPI_Datatype type, MPI_Op op) {
    for (size_t done = 0; done < count;) {
        int n = chunk(count - done);
        int rc = MPI_Allreduce(MPI_IN_PLACE, buffer + done * element_size, n, type, op, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
        done += (size_t)n;
    }
    return MPI_SUCCESS;
}

// Started non-blocking sums, in the order started. A full list is waited for before growing.
#define MAX_PENDING 1024
static MPI_Request pending[MAX_PENDING];
static int pending_count = 0;

static int iallreduce_in_place(char *buffer, size_t count, size_t element_size, MPI_Datatype type) {
    for (size_t done = 0; done < count;) {
        if (pending_count == MAX_PENDING) {
            int rc = vita_mpi_wait_pending();
            if (rc != MPI_SUCCESS) return rc;
        }
        int n = chunk(count - done);
        int rc = MPI_Iallreduce(MPI_IN_PLACE, buffer + done * element_size, n, type, MPI_SUM, MPI_COMM_WORLD,
                                &pending[pending_count]);
        if (rc != MPI_SUCCESS) return rc;
        pending_count++;
        done += (size_t)n;
    }
    return MPI_SUCCESS;
}

int vita_mpi_iallreduce_sum_float(float *buffer, size_t count) {
    return iallreduce_in_place((char *)buffer, count, sizeof(float), MPI_FLOAT);
}
int vita_mpi_iallreduce_sum_double(double *buffer, size_t count) {
    return iallreduce_in_place((char *)buffer, count, sizeof(double), MPI_DOUBLE);
}

int vita_mpi_progress(void) {
    int done = 0;
    return pending_count == 0 ? MPI_SUCCESS : MPI_Testall(pending_count, pending, &done, MPI_STATUSES_IGNORE);
}

int vita_mpi_wait_pending(void) {
    int rc = pending_count == 0 ? MPI_SUCCESS : MPI_Waitall(pending_count, pending, MPI_STATUSES_IGNORE);
    pending_count = 0;
    return rc;
}

int vita_mpi_pending_count(void) { return pending_count; }

static int broadcast(char *buffer, size_t count, size_t element_size, MPI_Datatype type, int root) {
    for (size_t done = 0; done < count;) {
        int n = chunk(count - done);
        int rc = MPI_Bcast(buffer + done * element_size, n, type, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
        done += (size_t)n;
    }
    return MPI_SUCCESS;
}

int vita_mpi_allreduce_sum_float(float *buffer, size_t count) {
    return allreduce_in_place((char *)buffer, count, sizeof(float), MPI_FLOAT, MPI_SUM);
}
int vita_mpi_allreduce_sum_double(double *buffer, size_t count) {
    return allreduce_in_place((char *)buffer, count, sizeof(double), MPI_DOUBLE, MPI_SUM);
}
int vita_mpi_allreduce_max_double(double *buffer, size_t count) {
    return allreduce_in_place((char *)buffer, count, sizeof(double), MPI_DOUBLE, MPI_MAX);
}

int vita_mpi_broadcast_bytes(void *buffer, size_t count, int root) {
    return broadcast((char *)buffer, count, 1, MPI_BYTE, root);
}
int vita_mpi_broadcast_float(float *buffer, size_t count, int root) {
    return broadcast((char *)buffer, count, sizeof(float), MPI_FLOAT, root);
}
int vita_mpi_broadcast_double(double *buffer, size_t count, int root) {
    return broadcast((char *)buffer, count, sizeof(double), MPI_DOUBLE, root);
}

int vita_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
int vita_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
double vita_mpi_wtime(void) { return MPI_Wtime(); }

int vita_mpi_processor_name(char *out, int capacity) {
    char name[MPI_MAX_PROCESSOR_NAME];
    int length = 0;
    int rc = MPI_Get_processor_name(name, &length);
    if (rc != MPI_SUCCESS) return rc;
    snprintf(out, (size_t)capacity, "%.*s", length, name);
    return MPI_SUCCESS;
}

void vita_mpi_error_string(int code, char *out, int capacity) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    // Open MPI aborts the process if MPI_Error_string is called outside MPI_Init..MPI_Finalize.
    if (!vita_mpi_initialized() || vita_mpi_finalized() || MPI_Error_string(code, text, &length) != MPI_SUCCESS) {
        snprintf(out, (size_t)capacity, "unknown MPI error");
        return;
    }
    snprintf(out, (size_t)capacity, "%.*s", length, text);
}

void vita_mpi_set_chunk_limit(size_t limit) {
    chunk_limit = (limit < 1 || limit > INT_MAX) ? INT_MAX : limit;
}
