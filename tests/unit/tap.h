/* SPDX-License-Identifier: MIT */
#pragma once

/* Minimal assertions for unit tests: print the failing expression and location, count failures. */
#include <stdio.h>
#include <string.h>

static int tap_failures;

#define CHECK(expr)                                                                       \
        do {                                                                              \
                if (!(expr)) {                                                            \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
                        tap_failures++;                                                   \
                }                                                                         \
        } while (0)

#define CHECK_EQ_INT(a, b)                                                                \
        do {                                                                              \
                long long _a = (long long) (a), _b = (long long) (b);                     \
                if (_a != _b) {                                                           \
                        fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                                #a, _a, #b, _b);                                          \
                        tap_failures++;                                                   \
                }                                                                         \
        } while (0)

#define CHECK_STREQ(a, b)                                                                 \
        do {                                                                              \
                const char *_a = (a), *_b = (b);                                          \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                  \
                        fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,  \
                                _a ? _a : "(null)", _b ? _b : "(null)");                  \
                        tap_failures++;                                                   \
                }                                                                         \
        } while (0)

#define TAP_EXIT() return tap_failures ? (fprintf(stderr, "%d check(s) failed\n", tap_failures), 1) : 0
