#include "mpi_shim.h"
#include <mpi.h>

int vita_mpi_init(void) { return MPI_Init(NULL, NULL); }
int vita_mpi_finalize(void) { return MPI_Finalize(); }
int vita_mpi_initialized(void) { int flag = 0; MPI_Initialized(&flag); return flag; }
