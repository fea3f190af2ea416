/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "string-table.h"

/* What a netem fault asks of sch_netem, in the units the JSON-RPC API and the kernel share (ns, percents, bytes
 * per second). netem/ encodes it for the kernel, proto/ decodes it from fault.apply params. */

typedef enum NetemDist {
        NETEM_DIST_UNIFORM,
        NETEM_DIST_NORMAL,
        NETEM_DIST_PARETO,
        NETEM_DIST_PARETONORMAL,
        _NETEM_DIST_MAX,
        _NETEM_DIST_INVALID = -EINVAL,
} NetemDist;

/* netem_dist_to_string(), netem_dist_from_string(): the names tc gives the distributions, which are also the names
 * of iproute2's *.dist files. */
DECLARE_STRING_TABLE_LOOKUP(netem_dist, NetemDist);

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
        NETEM_HAS_ECN = 1u << 15,
        NETEM_HAS_LOSS_MODEL = 1u << 16,
        NETEM_HAS_SLOT = 1u << 17,
};

/* Gilbert-Elliott loss (sch_netem.c loss_gilb_ell()), in percents: a Good and a Bad state, with p the chance to
 * go from Good to Bad and r from Bad to Good at each packet, and h and k the chance that a packet is DELIVERED in
 * the Bad and in the Good state, as in Gilbert's and Elliott's papers. tc's "loss gemodel P R 1-H 1-K" takes the
 * last two as loss chances instead: {"p": P, "r": R, "h": H, "k": K} is tc's "gemodel P R (100-H) (100-K)".
 * Defaults are tc's: r = 100 - p, h = 0 (the Bad state loses every packet), k = 100 (the Good state none), so
 * {"p": P} alone is random loss of P %. Stationary loss: (r (100-k) + p (100-h)) / (p + r) %. */
enum {
        NETEM_GE_HAS_P = 1u << 0,
        NETEM_GE_HAS_R = 1u << 1,
        NETEM_GE_HAS_H = 1u << 2,
        NETEM_GE_HAS_K = 1u << 3,
};

typedef struct NetemGilbertElliott {
        uint32_t set;           /* NETEM_GE_HAS_*; p always */
        double p, r, h, k;
} NetemGilbertElliott;

/* Slots (sch_netem.c get_slot_next()): packets leave in bursts, the next burst a uniform min_delay..max_delay
 * after the last one opened, each of at most packets packets and bytes bytes. max_delay defaults to min_delay
 * (tc), packets and bytes to no limit. */
enum {
        NETEM_SLOT_HAS_MIN_DELAY = 1u << 0,
        NETEM_SLOT_HAS_MAX_DELAY = 1u << 1,
        NETEM_SLOT_HAS_PACKETS = 1u << 2,
        NETEM_SLOT_HAS_BYTES = 1u << 3,
};

typedef struct NetemSlot {
        uint32_t set;           /* NETEM_SLOT_HAS_*; min_delay always */
        int64_t min_delay_ns, max_delay_ns;
        uint32_t packets, bytes;        /* at most INT32_MAX: the kernel's fields are s32 */
} NetemSlot;

#define NETEM_SLOT_COUNT_MAX ((uint32_t) INT32_MAX)

/* The kernel stores jitter as s64 ns but clamps the distribution math to INT_MAX ns (sch_netem.c tabledist()). */
#define NETEM_JITTER_MAX_NS ((int64_t) INT32_MAX)
#define NETEM_LIMIT_DEFAULT 1000u
/* The limit chaoslet sizes when a fault gives none (netem_params_kernel()): NETEM_LIMIT_PPS over the longest delay,
 * at most NETEM_LIMIT_MAX packets (1 s of it; about 120 MB of small datagrams if all of it is ever queued). */
#define NETEM_LIMIT_PPS 100000u
#define NETEM_LIMIT_MAX 100000u
#define NETEM_LIMIT_FRAME_BYTES 1500u
/* 100 Gbit/s in bytes per second: the rate of chaoslet's htb classes (netem/tree.c), so it shapes nothing more. */
#define NETEM_ORDER_RATE_BPS (100ull * 1000 * 1000 * 1000 / 8)

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
        bool ecn;               /* mark ECN-capable packets CE instead of dropping them */
        NetemGilbertElliott loss_model;
        NetemSlot slot;
} NetemParams;

/* The kind of value a member holds, which says its C type and how it is written. */
typedef enum NetemValueKind {
        NETEM_VALUE_DURATION,           /* int64_t ns */
        NETEM_VALUE_PERCENT,            /* double, 0..100 */
        NETEM_VALUE_DISTRIBUTION,       /* NetemDist */
        NETEM_VALUE_GAP,                /* uint32_t, 0 allowed */
        NETEM_VALUE_RATE,               /* uint64_t bytes per second */
        NETEM_VALUE_LIMIT,              /* uint32_t, at least 1 */
        NETEM_VALUE_BOOL,               /* bool */
        NETEM_VALUE_LOSS_MODEL,         /* NetemGilbertElliott, an object {"gilbert_elliott": {...}} */
        NETEM_VALUE_SLOT,               /* NetemSlot, an object */
        _NETEM_VALUE_KIND_MAX,
        _NETEM_VALUE_KIND_INVALID = -EINVAL,
} NetemValueKind;

/* A member of NetemParams, as a row of netem_members: the one table that decoding, encoding and comparing walk,
 * so that a new member is a row there (and a kind, if it brings a new one). */
typedef struct NetemMember {
        const char *name;       /* as the JSON-RPC API spells it */
        uint32_t flag;          /* NETEM_HAS_* */
        NetemValueKind kind;
        size_t offset;          /* in NetemParams */
        uint32_t requires;      /* NETEM_HAS_* of other members, one of which must be present; 0 for none */
        uint32_t excludes;      /* NETEM_HAS_* of members that must not be present with it */
} NetemMember;

/* The members, in the order fault_spec_to_json() writes them; a row with name NULL ends it. */
extern const NetemMember netem_members[];

#define NETEM_MEMBER_FOREACH(m) for (const NetemMember *m = netem_members; m->name; m++)

const NetemMember *netem_member_by_name(const char *name);
const NetemMember *netem_member_by_flag(uint32_t flag);

/* The loss model and the slot with their defaults filled in (the percents and durations netem gets). */
NetemGilbertElliott netem_gilbert_elliott_resolve(const NetemGilbertElliott *ge);
NetemSlot netem_slot_resolve(const NetemSlot *slot);

/* Same members given, with the same values. */
bool netem_params_equal(const NetemParams *a, const NetemParams *b);
