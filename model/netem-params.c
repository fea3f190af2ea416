/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "macro.h"
#include "netem-params.h"
#include "string-table.h"

static const char *const netem_dist_names[_NETEM_DIST_MAX] = {
        [NETEM_DIST_UNIFORM] = "uniform",
        [NETEM_DIST_NORMAL] = "normal",
        [NETEM_DIST_PARETO] = "pareto",
        [NETEM_DIST_PARETONORMAL] = "paretonormal",
};

DEFINE_STRING_TABLE_LOOKUP(netem_dist, NetemDist, netem_dist_names);

#define MEMBER(n, f, k, field, req) \
        { .name = n, .flag = f, .kind = k, .offset = offsetof(NetemParams, field), .requires = req }

const NetemMember netem_members[] = {
        MEMBER("latency", NETEM_HAS_LATENCY, NETEM_VALUE_DURATION, latency_ns, 0),
        MEMBER("jitter", NETEM_HAS_JITTER, NETEM_VALUE_DURATION, jitter_ns, NETEM_HAS_LATENCY),
        MEMBER("correlation", NETEM_HAS_CORRELATION, NETEM_VALUE_PERCENT, correlation, NETEM_HAS_LATENCY),
        MEMBER("distribution", NETEM_HAS_DISTRIBUTION, NETEM_VALUE_DISTRIBUTION, distribution, NETEM_HAS_LATENCY),
        MEMBER("loss", NETEM_HAS_LOSS, NETEM_VALUE_PERCENT, loss, 0),
        MEMBER("loss_correlation", NETEM_HAS_LOSS_CORR, NETEM_VALUE_PERCENT, loss_corr, NETEM_HAS_LOSS),
        MEMBER("duplicate", NETEM_HAS_DUPLICATE, NETEM_VALUE_PERCENT, duplicate, 0),
        MEMBER("duplicate_correlation", NETEM_HAS_DUPLICATE_CORR, NETEM_VALUE_PERCENT, duplicate_corr,
               NETEM_HAS_DUPLICATE),
        MEMBER("corrupt", NETEM_HAS_CORRUPT, NETEM_VALUE_PERCENT, corrupt, 0),
        MEMBER("corrupt_correlation", NETEM_HAS_CORRUPT_CORR, NETEM_VALUE_PERCENT, corrupt_corr, NETEM_HAS_CORRUPT),
        /* sch_netem.c only reorders packets it would otherwise delay: tc refuses reorder without a delay. */
        MEMBER("reorder", NETEM_HAS_REORDER, NETEM_VALUE_PERCENT, reorder, NETEM_HAS_LATENCY),
        MEMBER("reorder_correlation", NETEM_HAS_REORDER_CORR, NETEM_VALUE_PERCENT, reorder_corr, NETEM_HAS_REORDER),
        /* tc: "gap specified without reorder probability". */
        MEMBER("gap", NETEM_HAS_GAP, NETEM_VALUE_GAP, gap, NETEM_HAS_REORDER),
        MEMBER("rate", NETEM_HAS_RATE, NETEM_VALUE_RATE, rate_Bps, 0),
        MEMBER("limit", NETEM_HAS_LIMIT, NETEM_VALUE_LIMIT, limit, 0),
        {},
};

#undef MEMBER

const NetemMember *netem_member_by_name(const char *name) {
        NETEM_MEMBER_FOREACH(m)
                if (strcmp(m->name, name) == 0)
                        return m;
        return NULL;
}

const NetemMember *netem_member_by_flag(uint32_t flag) {
        NETEM_MEMBER_FOREACH(m)
                if (m->flag == flag)
                        return m;
        return NULL;
}

static bool netem_value_equal(NetemValueKind kind, const void *x, const void *y) {
        switch (kind) {
        case NETEM_VALUE_DURATION:
                return *(const int64_t *) x == *(const int64_t *) y;
        case NETEM_VALUE_PERCENT:
                return *(const double *) x == *(const double *) y;
        case NETEM_VALUE_DISTRIBUTION:
                return *(const NetemDist *) x == *(const NetemDist *) y;
        case NETEM_VALUE_GAP:
        case NETEM_VALUE_LIMIT:
                return *(const uint32_t *) x == *(const uint32_t *) y;
        case NETEM_VALUE_RATE:
                return *(const uint64_t *) x == *(const uint64_t *) y;
        default:
                return true;
        }
}

bool netem_params_equal(const NetemParams *a, const NetemParams *b) {
        if (a->set != b->set)
                return false;

        NETEM_MEMBER_FOREACH(m)
                if ((a->set & m->flag) &&
                    !netem_value_equal(m->kind, (const uint8_t *) a + m->offset, (const uint8_t *) b + m->offset))
                        return false;
        return true;
}
