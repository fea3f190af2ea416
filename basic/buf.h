/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "macro.h"

/* A growable byte buffer. Once it holds storage, data[len] is a NUL, so text built in it is a C string and bytes
 * queued in it can go out as they are. It has no limit of its own: a caller that takes bytes from a client checks
 * len against its limit before appending. Embed it zeroed ({}) or allocate it with buf_new(). */
typedef struct Buf {
        char *data;     /* NULL until the first append */
        size_t len;     /* bytes held, without the NUL */
        size_t cap;     /* bytes allocated */
} Buf;

Buf *buf_new(void);
/* Frees the storage and b itself. Accepts NULL and returns NULL. */
Buf *buf_free(Buf *b);
/* Frees the storage of an embedded buffer and leaves it empty, as {}. */
void buf_done(Buf *b);

/* Append n bytes (n may be 0). Returns 0, or -ENOMEM with the buffer unchanged. */
int buf_append(Buf *b, const void *data, size_t n);
/* Append printf-style text. The arguments must not point into b: it may move before they are read. Returns 0,
 * -ENOMEM or -EOVERFLOW, with the buffer unchanged. */
int buf_appendf(Buf *b, const char *fmt, ...) _printf_(2, 3);

/* Drop the first n bytes (all of them when n >= len): what a partial send() took. The storage stays. */
void buf_consume(Buf *b, size_t n);

/* Hand the contents over as a NUL-terminated string, to free(); the buffer is left empty, as {}. NULL when
 * nothing was ever appended. */
char *buf_take(Buf *b);

DEFINE_TRIVIAL_CLEANUP_FUNC(Buf *, buf_free);

/* Buf's growth on its own, for a buffer that keeps other bookkeeping (LineBuffer): make *data hold at least need
 * bytes, doubling *cap from at least min. Returns 0, or -ENOMEM with *data and *cap unchanged. */
int buf_grow(char **data, size_t *cap, size_t need, size_t min);
