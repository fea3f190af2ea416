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

#define MEMBER_X(n, f, k, field, req, excl) \
        { .name = n, .flag = f, .kind = k, .offset = offsetof(NetemParams, field), .requires = req, .excludes = excl }
#define MEMBER(n, f, k, field, req) MEMBER_X(n, f, k, field, req, 0)

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
        /* netem decides loss by one model: random (loss, loss_correlation) or Gilbert-Elliott (netem_change()). */
        MEMBER_X("loss_model", NETEM_HAS_LOSS_MODEL, NETEM_VALUE_LOSS_MODEL, loss_model, 0, NETEM_HAS_LOSS),
        /* ECN marks what the loss model would drop; without a loss there is nothing to mark (tc refuses it). */
        MEMBER("ecn", NETEM_HAS_ECN, NETEM_VALUE_BOOL, ecn, NETEM_HAS_LOSS | NETEM_HAS_LOSS_MODEL),
        MEMBER("slot", NETEM_HAS_SLOT, NETEM_VALUE_SLOT, slot, 0),
        {},
};

#undef MEMBER
#undef MEMBER_X

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

NetemGilbertElliott netem_gilbert_elliott_resolve(const NetemGilbertElliott *ge) {
        NetemGilbertElliott r = *ge;

        if (!(r.set & NETEM_GE_HAS_R))
                r.r = 100. - r.p;
        if (!(r.set & NETEM_GE_HAS_H))
                r.h = 0;
        if (!(r.set & NETEM_GE_HAS_K))
                r.k = 100;
        r.set |= NETEM_GE_HAS_R | NETEM_GE_HAS_H | NETEM_GE_HAS_K;
        return r;
}

NetemSlot netem_slot_resolve(const NetemSlot *slot) {
        NetemSlot r = *slot;

        if (!(r.set & NETEM_SLOT_HAS_MAX_DELAY))
                r.max_delay_ns = r.min_delay_ns;
        r.set |= NETEM_SLOT_HAS_MAX_DELAY;
        return r;
}

/* Given members only: {"p": 5} and {"p": 5, "r": 95} ask for the same loss, but are not the same spec. */
static bool ge_equal(const NetemGilbertElliott *a, const NetemGilbertElliott *b) {
        return a->set == b->set && a->p == b->p && (!(a->set & NETEM_GE_HAS_R) || a->r == b->r) &&
                (!(a->set & NETEM_GE_HAS_H) || a->h == b->h) && (!(a->set & NETEM_GE_HAS_K) || a->k == b->k);
}

static bool slot_equal(const NetemSlot *a, const NetemSlot *b) {
        return a->set == b->set && a->min_delay_ns == b->min_delay_ns &&
                (!(a->set & NETEM_SLOT_HAS_MAX_DELAY) || a->max_delay_ns == b->max_delay_ns) &&
                (!(a->set & NETEM_SLOT_HAS_PACKETS) || a->packets == b->packets) &&
                (!(a->set & NETEM_SLOT_HAS_BYTES) || a->bytes == b->bytes);
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
        case NETEM_VALUE_BOOL:
                return *(const bool *) x == *(const bool *) y;
        case NETEM_VALUE_LOSS_MODEL:
                return ge_equal(x, y);
        case NETEM_VALUE_SLOT:
                return slot_equal(x, y);
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
