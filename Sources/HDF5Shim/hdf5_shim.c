#include "hdf5_shim.h"
#include <string.h>

herr_t vita_h5_initialize(void) {
    // No library shutdown at exit: after a failed close (a full disk) HDF5's exit handler retries
    // the flush on a file it already gave up and crashes. Every writer closes its files explicitly.
    if (H5dont_atexit() < 0) return -1;
    if (H5open() < 0) return -1;
    return H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

// H5Ewalk2 callback: keeps the first (most specific, walking upward) entry that has a description.
static herr_t keep_innermost(unsigned n, const H5E_error2_t *entry, void *client_data) {
    (void)n;
    char **slot = (char **)client_data;
    if (*slot == NULL && entry->desc != NULL && entry->desc[0] != '\0') {
        *slot = (char *)entry->desc;
    }
    return 0;
}

void vita_h5_take_error_message(char *buffer, size_t capacity) {
    if (capacity == 0) return;
    buffer[0] = '\0';
    char *innermost = NULL;
    hid_t stack = H5Eget_current_stack();  // copies and clears the current stack
    if (stack < 0) return;
    H5Ewalk2(stack, H5E_WALK_UPWARD, keep_innermost, &innermost);
    if (innermost != NULL) {
        strncpy(buffer, innermost, capacity - 1);
        buffer[capacity - 1] = '\0';
    }
    H5Eclose_stack(stack);
}

hid_t vita_h5p_default(void) { return H5P_DEFAULT; }
hid_t vita_h5s_all(void) { return H5S_ALL; }
size_t vita_h5t_variable(void) { return H5T_VARIABLE; }

unsigned vita_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
unsigned vita_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
unsigned vita_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }

hid_t vita_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
hid_t vita_h5p_link_create(void) { return H5P_LINK_CREATE; }
hid_t vita_h5p_file_access(void) { return H5P_FILE_ACCESS; }

hid_t vita_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
hid_t vita_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
hid_t vita_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
hid_t vita_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
hid_t vita_h5t_native_int16(void) { return H5T_NATIVE_INT16; }
hid_t vita_h5t_native_uint16(void) { return H5T_NATIVE_UINT16; }
hid_t vita_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
hid_t vita_h5t_native_uint32(void) { return H5T_NATIVE_UINT32; }
hid_t vita_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
hid_t vita_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
hid_t vita_h5t_c_s1(void) { return H5T_C_S1; }
