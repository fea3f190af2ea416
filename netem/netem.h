/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

typedef enum NetemDist {
        NETEM_DIST_UNIFORM,
        NETEM_DIST_NORMAL,
        NETEM_DIST_PARETO,
        NETEM_DIST_PARETONORMAL,
        _NETEM_DIST_MAX,
        _NETEM_DIST_INVALID = -EINVAL,
} NetemDist;

const char *netem_dist_to_string(NetemDist d);
NetemDist netem_dist_from_string(const char *s);

/* Which members of NetemParams were given. */
enum {
        NETEM_HAS_LATENCY = 1u << 0,
        NETEM_HAS_JITTER = 1u << 1,
        NETEM_HAS_CORRELATION = 1u << 2,
        NETEM_HAS_DISTRIBUTION = 1u << 3,
        NETEM_HAS_LOSS = 1u << 4,
        NETEM_HAS_LOSS_CORR = 1u << 5,
        NETEM_HAS_DUPLICATE = 1u << 6,
        NETEM_HAS_DUPLICATE_CORR = 1u << 7,
        NETEM_HAS_CORRUPT = 1u << 8,
        NETEM_HAS_CORRUPT_CORR = 1u << 9,
        NETEM_HAS_REORDER = 1u << 10,
        NETEM_HAS_REORDER_CORR = 1u << 11,
        NETEM_HAS_GAP = 1u << 12,
        NETEM_HAS_RATE = 1u << 13,
        NETEM_HAS_LIMIT = 1u << 14,
};

/* The kernel stores jitter as s64 ns but clamps the distribution math to INT_MAX ns (sch_netem.c tabledist()). */
#define NETEM_JITTER_MAX_NS ((int64_t) INT32_MAX)
#define NETEM_LIMIT_DEFAULT 1000u

typedef struct NetemParams {
        uint32_t set;           /* NETEM_HAS_* */
        int64_t latency_ns;
        int64_t jitter_ns;
        double correlation;     /* percents, 0..100 */
        NetemDist distribution;
        double loss, loss_corr;
        double duplicate, duplicate_corr;
        double corrupt, corrupt_corr;
        double reorder, reorder_corr;
        uint32_t gap;
        uint64_t rate_Bps;      /* bytes per second */
        uint32_t limit;         /* packets */
} NetemParams;

/* Append netem's TCA_OPTIONS to a RTM_NEWQDISC message being built with libmnl: struct tc_netem_qopt followed by
 * TCA_NETEM_* attributes (TCA_OPTIONS is not a nested attribute for netem). Latency and jitter always go as
 * LATENCY64/JITTER64. Returns 0, or -EMSGSIZE when the message buffer is too small. */
int netem_fill_options(struct nlmsghdr *nlh, size_t buf_size, const NetemParams *p);

/* Convert 0..100 percent to netem's 0..UINT32_MAX probability, rounding as tc does. */
uint32_t netem_percent_to_prob(double percent);

/* The delay distribution table for d, generated at first use (NETEM_DIST_SCALE fixed point, as the tables that
 * iproute2 ships). Uniform has none: returns NULL with *ret_n = 0. */
const int16_t *netem_dist_table(NetemDist d, size_t *ret_n);
