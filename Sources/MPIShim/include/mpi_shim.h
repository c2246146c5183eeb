#ifndef VITA_MPI_SHIM_H
#define VITA_MPI_SHIM_H
// Plain functions over MPI_COMM_WORLD, so that Swift never touches MPI's macros.
// Every function returns an MPI error code (MPI_SUCCESS == 0) unless it says otherwise.

int vita_mpi_init(void);
int vita_mpi_finalize(void);
int vita_mpi_initialized(void);

#endif
