/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* At most burst events an interval pass (after systemd's ratelimit): for log lines that a client, or anything else
 * outside the agent, could make it write without end. */
typedef struct RateLimit {
        int64_t interval_ns;
        unsigned burst;
        int64_t begin_ns;       /* the current interval's start; 0: none yet */
        unsigned n;             /* events passed in it */
        unsigned missed;        /* events held back since the last that passed */
} RateLimit;

#define RATELIMIT_INIT(interval, b) ((RateLimit) { .interval_ns = (interval), .burst = (b) })

/* Whether this event, at now_ns (CLOCK_MONOTONIC), passes; when it does, *ret_missed is how many were held back
 * since the last one that passed, for its log line to say. */
static inline bool ratelimit_below(RateLimit *rl, int64_t now_ns, unsigned *ret_missed) {
        if (rl->begin_ns == 0 || now_ns - rl->begin_ns >= rl->interval_ns) {
                rl->begin_ns = now_ns;
                rl->n = 0;
        }
        if (rl->n >= rl->burst) {
                rl->missed++;
                return false;
        }
        rl->n++;
        *ret_missed = rl->missed;
        rl->missed = 0;
        return true;
}
