/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* A fixed bitmap of allocated keys (device keys, counter keys). */

static inline bool bitmap_test(const uint8_t *map, unsigned i) {
        return map[i / 8] & (1u << (i % 8));
}

static inline void bitmap_set(uint8_t *map, unsigned i, bool v) {
        if (v)
                map[i / 8] |= (uint8_t) (1u << (i % 8));
        else
                map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

/* Take the lowest free bit in [lo, hi). -ENOSPC when all are taken. */
static inline int bitmap_alloc(uint8_t *map, unsigned lo, unsigned hi, unsigned *ret) {
        for (unsigned i = lo; i < hi; i++)
                if (!bitmap_test(map, i)) {
                        bitmap_set(map, i, true);
                        *ret = i;
                        return 0;
                }
        return -ENOSPC;
}
