/*
 * read_file.h — reading a whole file into memory, with messages that name the file and what it
 * was meant to be (models, tensor files).
 */
#ifndef CLIQ_READ_FILE_H
#define CLIQ_READ_FILE_H

#include "cliq.h"

#include <stddef.h>

/* Reads the regular file at path into a malloc'ed buffer (*out, with one spare NUL byte after
 * *out_size bytes). `what` names it in messages ("model", "tensor file").
 * Errors: IO_ERROR (cannot open, not a regular file, short read), OUT_OF_MEMORY. */
cliq_status cliq__read_file(cliq_context *ctx, const char *path, const char *what, void **out, size_t *out_size);

#endif /* CLIQ_READ_FILE_H */
