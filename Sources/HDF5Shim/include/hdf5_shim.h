#ifndef VITA_HDF5_SHIM_H
#define VITA_HDF5_SHIM_H
// HDF5's default property lists, file-access flags and predefined types are macros that expand to
// library globals (after a hidden H5open call): Swift cannot import them. These functions return
// their values, so the Swift wrapper (target H5) never touches a macro.
#include <hdf5.h>
#include <stddef.h>

// Opens the library once and turns off HDF5's automatic printing of error stacks to stderr:
// the wrapper reads the stack itself (vita_h5_take_error_message) and throws a Swift error.
// Returns a negative value on failure.
herr_t vita_h5_initialize(void);

// Writes the most specific message of the current error stack ("truncated file: eof = ...",
// "unable to open file", ...) into buffer (NUL-terminated, cut to capacity) and clears the stack.
// Writes an empty string when the stack is empty.
void vita_h5_take_error_message(char *buffer, size_t capacity);

hid_t vita_h5p_default(void);
hid_t vita_h5s_all(void);
size_t vita_h5t_variable(void);

unsigned vita_h5f_acc_rdonly(void);
unsigned vita_h5f_acc_rdwr(void);
unsigned vita_h5f_acc_trunc(void);

// Property-list classes, for H5Pcreate.
hid_t vita_h5p_dataset_create(void);
hid_t vita_h5p_link_create(void);
hid_t vita_h5p_file_access(void);

// Native (in-memory) types: HDF5 converts between them and a dataset's stored type on read/write.
hid_t vita_h5t_native_float(void);
hid_t vita_h5t_native_double(void);
hid_t vita_h5t_native_int8(void);
hid_t vita_h5t_native_uint8(void);
hid_t vita_h5t_native_int16(void);
hid_t vita_h5t_native_uint16(void);
hid_t vita_h5t_native_int32(void);
hid_t vita_h5t_native_uint32(void);
hid_t vita_h5t_native_int64(void);
hid_t vita_h5t_native_uint64(void);
// The one-byte C string type, base of fixed- and variable-length string types.
hid_t vita_h5t_c_s1(void);

#endif
