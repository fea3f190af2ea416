/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_CAP_MIN 64

Buf *buf_new(void) {
        return calloc(1, sizeof(Buf));
}

void buf_done(Buf *b) {
        if (!b)
                return;
        free(b->data);
        *b = (Buf) {};
}

Buf *buf_free(Buf *b) {
        buf_done(b);
        free(b);
        return NULL;
}

int buf_grow(char **data, size_t *cap, size_t need, size_t min) {
        size_t c;
        char *p;

        if (need <= *cap)
                return 0;

        /* Doubling keeps a long run of small appends linear. */
        c = *cap > min ? *cap : min;
        while (c < need)
                c = c > SIZE_MAX / 2 ? need : c * 2;
        p = realloc(*data, c);
        if (!p)
                return -ENOMEM;
        *data = p;
        *cap = c;
        return 0;
}

/* Room for n more bytes and the NUL after them. */
static int buf_reserve(Buf *b, size_t n) {
        if (n > SIZE_MAX - 1 - b->len)
                return -ENOMEM;
        return buf_grow(&b->data, &b->cap, b->len + n + 1, BUF_CAP_MIN);
}

int buf_append(Buf *b, const void *data, size_t n) {
        int r;

        r = buf_reserve(b, n);
        if (r < 0)
                return r;
        if (n > 0)
                memcpy(b->data + b->len, data, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
}

int buf_appendf(Buf *b, const char *fmt, ...) {
        va_list ap;
        int k, r;

        va_start(ap, fmt);
        k = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -EOVERFLOW;

        r = buf_reserve(b, (size_t) k);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t) k + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t) k;
        return 0;
}

void buf_consume(Buf *b, size_t n) {
        if (n >= b->len)
                n = b->len;
        if (n == 0)
                return;
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        b->data[b->len] = '\0';
}

char *buf_take(Buf *b) {
        char *s = b->data;

        *b = (Buf) {};
        return s;
}
