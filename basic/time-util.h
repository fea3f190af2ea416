/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000ll
#define NSEC_PER_MSEC 1000000ll

/* CLOCK_MONOTONIC for deadlines, timers and the classifier (bpf_ktime_get_ns() is the same clock);
 * CLOCK_REALTIME only for what people read. */
static inline int64_t now_ns(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (int64_t) ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}
