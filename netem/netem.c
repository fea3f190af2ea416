/* SPDX-License-Identifier: MIT */
/*
 * netem's TCA_OPTIONS, as the kernel parses it (sch_netem.c netem_change(), parse_attr()): the attribute's payload
 * starts with struct tc_netem_qopt, and TCA_NETEM_* attributes follow it at NLA_ALIGN(sizeof(qopt)). It is not
 * a nested attribute and carries no NLA_F_NESTED flag, so libmnl's nest helpers do not fit; the attribute is put
 * with the qopt as payload and its length is extended over the attributes at the end, as tc does.
 */
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <math.h>
#include <string.h>

#include "macro.h"
#include "netem.h"

/* Kernel psched ticks are 64 ns (PSCHED_SHIFT, include/net/pkt_sched.h). */
#define NETEM_PSCHED_SHIFT 6

uint32_t netem_percent_to_prob(double percent) {
        /* Same operations in the same order as tc (parse_percent() divides by 100, set_percent() multiplies by
         * UINT32_MAX and rounds to nearest-even with rint()), so equal inputs give bit-identical probabilities.
         * tc rejects values outside 0..100; here they saturate. */
        double p = percent / 100.;

        if (!(p > 0.)) /* also NaN */
                return 0;
        if (p >= 1.)
                return UINT32_MAX;
        return (uint32_t) rint(p * UINT32_MAX);
}

static uint32_t ns_to_ticks(int64_t ns) {
        /* What the kernel itself reports in qopt for a 64-bit delay (netem_dump()): truncated, saturated. */
        if (ns <= 0)
                return 0;
        if ((uint64_t) ns >> NETEM_PSCHED_SHIFT > UINT32_MAX)
                return UINT32_MAX;
        return (uint32_t) ((uint64_t) ns >> NETEM_PSCHED_SHIFT);
}

static bool has(const NetemParams *p, uint32_t flag) {
        return p->set & flag;
}

/* The longest delay netem draws: latency + jitter for uniform; the iproute2 tables reach about 4 jitters
 * (NETEM_DIST_SCALE fixed point, |t| < 4 * 8192 for normal). */
static int64_t delay_max_ns(const NetemParams *p) {
        int64_t latency = has(p, NETEM_HAS_LATENCY) ? p->latency_ns : 0;
        int64_t jitter = has(p, NETEM_HAS_JITTER) ? p->jitter_ns : 0;

        if (has(p, NETEM_HAS_DISTRIBUTION) && p->distribution != NETEM_DIST_UNIFORM)
                jitter *= 4;
        return latency > 0 ? latency + jitter : jitter;
}

static uint32_t limit_for(const NetemParams *p) {
        uint64_t pps = NETEM_LIMIT_PPS;
        double packets;

        /* With a rate, netem's queue is also the rate's: size it for that rate, not for a faster link. */
        if (has(p, NETEM_HAS_RATE) && p->rate_Bps / NETEM_LIMIT_FRAME_BYTES < pps)
                pps = p->rate_Bps / NETEM_LIMIT_FRAME_BYTES;
        packets = ceil((double) delay_max_ns(p) / 1e9 * (double) pps);
        if (packets <= NETEM_LIMIT_DEFAULT)
                return NETEM_LIMIT_DEFAULT;
        return packets >= NETEM_LIMIT_MAX ? NETEM_LIMIT_MAX : (uint32_t) packets;
}

NetemParams netem_params_kernel(const NetemParams *p) {
        NetemParams k = *p;

        if (has(p, NETEM_HAS_JITTER) && p->jitter_ns > 0 && !has(p, NETEM_HAS_RATE)) {
                k.set |= NETEM_HAS_RATE;
                k.rate_Bps = NETEM_ORDER_RATE_BPS;
        }
        if (!has(p, NETEM_HAS_LIMIT)) {
                k.set |= NETEM_HAS_LIMIT;
                k.limit = limit_for(p);
        }
        return k;
}

static bool put(struct nlmsghdr *nlh, size_t buf_size, uint16_t type, size_t len, const void *data) {
        return len <= UINT16_MAX && mnl_attr_put_check(nlh, buf_size, type, len, data);
}

/* TCA_NETEM_LOSS, the one nested attribute, with the Gilbert-Elliott model (netem-params.h says what p, r, h and
 * k mean). h and k are computed as tc computes them from its "1-h" and "1-k" arguments, so equal inputs give
 * tc's bits: the kernel's h is the chance of delivery in the Bad state, UINT32_MAX minus the scaled loss chance;
 * its k1 is the loss chance in the Good state. */
static bool put_loss_model(struct nlmsghdr *nlh, size_t buf_size, const NetemGilbertElliott *given) {
        NetemGilbertElliott ge = netem_gilbert_elliott_resolve(given);
        struct tc_netem_gemodel model = {
                .p = netem_percent_to_prob(ge.p),
                .h = UINT32_MAX - netem_percent_to_prob(100. - ge.h),
                .k1 = netem_percent_to_prob(100. - ge.k),
        };
        struct nlattr *nest;

        /* tc's default r is "1 - p" on the scaled values, exactly. */
        model.r = (given->set & NETEM_GE_HAS_R) ? netem_percent_to_prob(ge.r) : UINT32_MAX - model.p;
        nest = mnl_attr_nest_start_check(nlh, buf_size, TCA_NETEM_LOSS);
        if (!nest || !put(nlh, buf_size, NETEM_LOSS_GE, sizeof(model), &model))
                return false;
        mnl_attr_nest_end(nlh, nest);
        return true;
}

int netem_fill_options(struct nlmsghdr *nlh, size_t buf_size, const NetemParams *p) {
        uint32_t saved_len = nlh->nlmsg_len;
        struct nlattr *opts;
        const int16_t *dist = NULL;
        size_t dist_n = 0, opts_len;

        struct tc_netem_qopt qopt = {
                .limit = has(p, NETEM_HAS_LIMIT) ? p->limit : NETEM_LIMIT_DEFAULT,
                .loss = has(p, NETEM_HAS_LOSS) ? netem_percent_to_prob(p->loss) : 0,
                .gap = has(p, NETEM_HAS_GAP) ? p->gap : 0,
                .duplicate = has(p, NETEM_HAS_DUPLICATE) ? netem_percent_to_prob(p->duplicate) : 0,
                /* LATENCY64/JITTER64 override these (netem_change()); filled anyway, as the kernel's own dump
                 * does, so a pre-4.15 kernel that ignores the 64-bit attributes still gets delays up to 274 s. */
                .latency = has(p, NETEM_HAS_LATENCY) ? ns_to_ticks(p->latency_ns) : 0,
                .jitter = has(p, NETEM_HAS_JITTER) ? ns_to_ticks(p->jitter_ns) : 0,
        };
        struct tc_netem_corr corr = {
                .delay_corr = has(p, NETEM_HAS_CORRELATION) ? netem_percent_to_prob(p->correlation) : 0,
                .loss_corr = has(p, NETEM_HAS_LOSS_CORR) ? netem_percent_to_prob(p->loss_corr) : 0,
                .dup_corr = has(p, NETEM_HAS_DUPLICATE_CORR) ? netem_percent_to_prob(p->duplicate_corr) : 0,
        };
        struct tc_netem_reorder reorder = {
                .probability = has(p, NETEM_HAS_REORDER) ? netem_percent_to_prob(p->reorder) : 0,
                .correlation = has(p, NETEM_HAS_REORDER_CORR) ? netem_percent_to_prob(p->reorder_corr) : 0,
        };
        struct tc_netem_corrupt corrupt = {
                .probability = has(p, NETEM_HAS_CORRUPT) ? netem_percent_to_prob(p->corrupt) : 0,
                .correlation = has(p, NETEM_HAS_CORRUPT_CORR) ? netem_percent_to_prob(p->corrupt_corr) : 0,
        };
        NetemSlot slot_given = has(p, NETEM_HAS_SLOT) ? netem_slot_resolve(&p->slot) : (NetemSlot) {};
        struct tc_netem_slot slot = {
                .min_delay = slot_given.min_delay_ns,
                .max_delay = slot_given.max_delay_ns,
                /* 0 is "no limit" to the kernel (get_slot()). */
                .max_packets = (int32_t) slot_given.packets,
                .max_bytes = (int32_t) slot_given.bytes,
        };
        uint32_t ecn = has(p, NETEM_HAS_ECN) && p->ecn;
        uint64_t rate64 = has(p, NETEM_HAS_RATE) ? p->rate_Bps : 0;
        struct tc_netem_rate rate = {
                /* The kernel takes max(rate, RATE64) (netem_change()); tc saturates the 32-bit field. */
                .rate = rate64 > UINT32_MAX ? UINT32_MAX : (uint32_t) rate64,
        };

        /* The kernel reorders only when gap > 0 (netem_enqueue()); tc makes a bare "reorder P" mean gap 1. */
        if (reorder.probability != 0 && qopt.gap == 0)
                qopt.gap = 1;

        if (has(p, NETEM_HAS_DISTRIBUTION) && p->distribution != NETEM_DIST_UNIFORM) {
                dist = netem_dist_table(p->distribution, &dist_n);
                if (!dist)
                        return -EINVAL;
        }

        opts = mnl_nlmsg_get_payload_tail(nlh);
        if (!put(nlh, buf_size, TCA_OPTIONS, sizeof(qopt), &qopt))
                goto fail;

        if (has(p, NETEM_HAS_LATENCY) &&
            !put(nlh, buf_size, TCA_NETEM_LATENCY64, sizeof(p->latency_ns), &p->latency_ns))
                goto fail;
        if (has(p, NETEM_HAS_JITTER) &&
            !put(nlh, buf_size, TCA_NETEM_JITTER64, sizeof(p->jitter_ns), &p->jitter_ns))
                goto fail;

        /* Unlike tc, always send CORR, REORDER, CORRUPT, RATE, ECN and SLOT, zeroed when unset: netem_change()
         * leaves the previous value of any attribute that is absent, so a change or replace that omitted them
         * would keep an earlier fault's corruption, rate, correlations, marking or slots. On a new qdisc zero
         * and absent mean the same (a zeroed slot is none, get_slot()). The loss model needs no such care: an
         * absent TCA_NETEM_LOSS puts netem back to random loss. */
        if (!put(nlh, buf_size, TCA_NETEM_CORR, sizeof(corr), &corr) ||
            !put(nlh, buf_size, TCA_NETEM_REORDER, sizeof(reorder), &reorder) ||
            !put(nlh, buf_size, TCA_NETEM_CORRUPT, sizeof(corrupt), &corrupt))
                goto fail;
        if (has(p, NETEM_HAS_LOSS_MODEL) && !put_loss_model(nlh, buf_size, &p->loss_model))
                goto fail;
        if (!put(nlh, buf_size, TCA_NETEM_ECN, sizeof(ecn), &ecn) ||
            !put(nlh, buf_size, TCA_NETEM_SLOT, sizeof(slot), &slot))
                goto fail;

        if (rate64 > UINT32_MAX && !put(nlh, buf_size, TCA_NETEM_RATE64, sizeof(rate64), &rate64))
                goto fail;
        if (!put(nlh, buf_size, TCA_NETEM_RATE, sizeof(rate), &rate))
                goto fail;

        /* With no table the kernel keeps the one it had (an empty table is -EINVAL, get_dist_table()): going
         * back to uniform from another distribution needs a new qdisc, not a change. */
        if (dist && !put(nlh, buf_size, TCA_NETEM_DELAY_DIST, dist_n * sizeof(dist[0]), dist))
                goto fail;

        opts_len = (uint8_t *) mnl_nlmsg_get_payload_tail(nlh) - (uint8_t *) opts;
        if (opts_len > UINT16_MAX)
                goto fail;
        opts->nla_len = (uint16_t) opts_len;
        return 0;

fail:
        nlh->nlmsg_len = saved_len;
        return -EMSGSIZE;
}
