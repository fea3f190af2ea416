/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand ownership over: return the value and clear the variable so its cleanup does nothing. */
#define TAKE_GENERIC(var, type, nullvalue)                     \
        ({                                                     \
                type *_pvar_ = &(var);                         \
                type _var_ = *_pvar_;                          \
                type _nullvalue_ = nullvalue;                  \
                *_pvar_ = _nullvalue_;                         \
                _var_;                                         \
        })
#define TAKE_PTR(ptr) TAKE_GENERIC(ptr, typeof(ptr), NULL)
#define TAKE_FD(fd) TAKE_GENERIC(fd, int, -EBADF)

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Define a cleanup helper for a type with a destructor that accepts NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                \
        static inline void func##p(type *p) {                  \
                if (*p)                                        \
                        func(*p);                              \
        }

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

#define STRV_FOREACH(s, l) for (char **s = (l); s && *s; s++)
