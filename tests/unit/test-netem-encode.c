/* SPDX-License-Identifier: MIT */
/*
 * netem_fill_options() against iproute2's tc, the reference encoder.
 *
 * fixtures/netem/NAME.hex holds the RTM_NEWQDISC request that tc sent for the command line in its header
 * (captured by capture-tc-netem.sh). The two encodings differ on purpose: tc 6.1 puts latency and jitter in
 * tc_netem_qopt as 64 ns ticks and leaves out attributes it has no value for, while we always send
 * LATENCY64/JITTER64 and zeroed CORR/REORDER/CORRUPT/RATE. So both TCA_OPTIONS are decoded into the state a newly
 * created netem qdisc ends up in (sch_netem.c netem_change()) and compared by meaning, field by field.
 * Distribution tables are compared byte for byte.
 *
 * Runs with cwd = tests/unit (meson's workdir for this test).
 */
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "netem.h"
#include "tap.h"
#include "tc-fixture.h"

#define MSG_MAX 65536
#define MS 1000000LL

/* What netem_change() leaves in a new qdisc, plus the table it was given and how latency was sent. */
typedef struct NetemState {
        uint32_t limit, loss, gap, duplicate;
        int64_t latency_ns, jitter_ns;
        uint32_t delay_corr, loss_corr, dup_corr;
        uint32_t reorder, reorder_corr;
        uint32_t corrupt, corrupt_corr;
        uint64_t rate;
        int32_t packet_overhead, cell_overhead;
        uint32_t cell_size;
        const uint8_t *dist;
        size_t dist_len; /* bytes */
        uint32_t ecn;
        struct tc_netem_slot slot;
        bool gemodel;                   /* else random loss (CLG_RANDOM) */
        struct tc_netem_gemodel ge;
        struct tc_netem_qopt qopt;
        bool has_latency64, has_jitter64;
} NetemState;

typedef struct Case {
        const char *name;
        NetemParams params;
} Case;

static const Case cases[] = {
        { "delay", { .set = NETEM_HAS_LATENCY, .latency_ns = 100 * MS } },
        { "delay-jitter-corr",
          { .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER | NETEM_HAS_CORRELATION,
            .latency_ns = 90 * MS, .jitter_ns = 10 * MS, .correlation = 25 } },
        { "delay-normal",
          { .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER | NETEM_HAS_DISTRIBUTION,
            .latency_ns = 50 * MS, .jitter_ns = 20 * MS, .distribution = NETEM_DIST_NORMAL } },
        { "delay-pareto",
          { .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER | NETEM_HAS_DISTRIBUTION,
            .latency_ns = 50 * MS, .jitter_ns = 20 * MS, .distribution = NETEM_DIST_PARETO } },
        { "delay-paretonormal",
          { .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER | NETEM_HAS_DISTRIBUTION,
            .latency_ns = 50 * MS, .jitter_ns = 20 * MS, .distribution = NETEM_DIST_PARETONORMAL } },
        { "loss", { .set = NETEM_HAS_LOSS, .loss = 25 } },
        { "loss-corr", { .set = NETEM_HAS_LOSS | NETEM_HAS_LOSS_CORR, .loss = 5, .loss_corr = 30 } },
        { "loss-rounding", { .set = NETEM_HAS_LOSS, .loss = 33.333333 } },
        { "loss-all", { .set = NETEM_HAS_LOSS, .loss = 100 } },
        { "duplicate", { .set = NETEM_HAS_DUPLICATE, .duplicate = 10 } },
        { "corrupt", { .set = NETEM_HAS_CORRUPT, .corrupt = 0.1 } },
        { "corrupt-corr", { .set = NETEM_HAS_CORRUPT | NETEM_HAS_CORRUPT_CORR, .corrupt = 5, .corrupt_corr = 50 } },
        { "reorder-gap",
          { .set = NETEM_HAS_LATENCY | NETEM_HAS_REORDER | NETEM_HAS_REORDER_CORR | NETEM_HAS_GAP,
            .latency_ns = 10 * MS, .reorder = 25, .reorder_corr = 50, .gap = 5 } },
        /* tc turns a bare "reorder P" into gap 1; with gap 0 the kernel never reorders. */
        { "reorder-nogap", { .set = NETEM_HAS_LATENCY | NETEM_HAS_REORDER, .latency_ns = 10 * MS, .reorder = 25 } },
        { "rate", { .set = NETEM_HAS_RATE, .rate_Bps = 10000000 / 8 } },
        { "rate64", { .set = NETEM_HAS_RATE, .rate_Bps = 100000000000ULL / 8 } },
        { "limit", { .set = NETEM_HAS_LIMIT, .limit = 50000 } },
        /* tc 6.1 sends the duplicate correlation only when another correlation makes it send TCA_NETEM_CORR,
         * as here (q_netem.c does not count "duplicate P C" as present). */
        { "kitchen-sink",
          { .set = NETEM_HAS_LIMIT | NETEM_HAS_LATENCY | NETEM_HAS_JITTER | NETEM_HAS_CORRELATION |
                   NETEM_HAS_DISTRIBUTION | NETEM_HAS_LOSS | NETEM_HAS_LOSS_CORR | NETEM_HAS_DUPLICATE |
                   NETEM_HAS_DUPLICATE_CORR | NETEM_HAS_CORRUPT | NETEM_HAS_CORRUPT_CORR | NETEM_HAS_REORDER |
                   NETEM_HAS_REORDER_CORR | NETEM_HAS_GAP | NETEM_HAS_RATE,
            .limit = 5000, .latency_ns = 80 * MS, .jitter_ns = 20 * MS, .correlation = 30,
            .distribution = NETEM_DIST_PARETONORMAL, .loss = 2, .loss_corr = 10, .duplicate = 1,
            .duplicate_corr = 5, .corrupt = 0.5, .corrupt_corr = 20, .reorder = 10, .reorder_corr = 40,
            .gap = 3, .rate_Bps = 1000000000 / 8 } },
        /* h and k are delivery chances (netem-params.h): tc's "1-h" 90% is h 10, its "1-k" 0.5% is k 99.5. */
        { "loss-gemodel",
          { .set = NETEM_HAS_LOSS_MODEL,
            .loss_model = { .set = NETEM_GE_HAS_P | NETEM_GE_HAS_R | NETEM_GE_HAS_H | NETEM_GE_HAS_K,
                            .p = 2, .r = 20, .h = 10, .k = 99.5 } } },
        /* tc's defaults: r = 1 - p, h = 0, k = 100 (1-k = 0). */
        { "loss-gemodel-p", { .set = NETEM_HAS_LOSS_MODEL, .loss_model = { .set = NETEM_GE_HAS_P, .p = 5 } } },
        { "loss-gemodel-pr",
          { .set = NETEM_HAS_LOSS_MODEL,
            .loss_model = { .set = NETEM_GE_HAS_P | NETEM_GE_HAS_R, .p = 1, .r = 30 } } },
        { "ecn", { .set = NETEM_HAS_LOSS | NETEM_HAS_ECN, .loss = 5, .ecn = true } },
        { "ecn-gemodel",
          { .set = NETEM_HAS_LOSS_MODEL | NETEM_HAS_ECN, .ecn = true,
            .loss_model = { .set = NETEM_GE_HAS_P | NETEM_GE_HAS_R, .p = 2, .r = 20 } } },
        { "slot",
          { .set = NETEM_HAS_LATENCY | NETEM_HAS_SLOT, .latency_ns = 10 * MS,
            .slot = { .set = NETEM_SLOT_HAS_MIN_DELAY | NETEM_SLOT_HAS_MAX_DELAY | NETEM_SLOT_HAS_PACKETS |
                             NETEM_SLOT_HAS_BYTES,
                      .min_delay_ns = 5 * MS, .max_delay_ns = 20 * MS, .packets = 4, .bytes = 3000 } } },
        /* tc's default max is the min. */
        { "slot-min", { .set = NETEM_HAS_SLOT, .slot = { .set = NETEM_SLOT_HAS_MIN_DELAY, .min_delay_ns = 10 * MS } } },
};

/* The TCA_OPTIONS of a netem RTM_NEWQDISC. */
static const struct nlattr *find_options(const struct nlmsghdr *nlh, size_t len) {
        const struct nlattr *opts = tc_find_options(nlh, len, "netem");

        /* Not a nested attribute: the kernel reads struct tc_netem_qopt from the start of the payload. */
        if (opts && (opts->nla_type & (NLA_F_NESTED | NLA_F_NET_BYTEORDER))) {
                fprintf(stderr, "TCA_OPTIONS has flags 0x%x\n", opts->nla_type & ~NLA_TYPE_MASK);
                return NULL;
        }
        return opts;
}

static const size_t attr_size[TCA_NETEM_MAX + 1] = {
        [TCA_NETEM_CORR] = sizeof(struct tc_netem_corr),
        [TCA_NETEM_REORDER] = sizeof(struct tc_netem_reorder),
        [TCA_NETEM_CORRUPT] = sizeof(struct tc_netem_corrupt),
        [TCA_NETEM_RATE] = sizeof(struct tc_netem_rate),
        [TCA_NETEM_RATE64] = sizeof(uint64_t),
        [TCA_NETEM_LATENCY64] = sizeof(int64_t),
        [TCA_NETEM_JITTER64] = sizeof(int64_t),
        [TCA_NETEM_DELAY_DIST] = SIZE_MAX, /* any */
        [TCA_NETEM_LOSS] = SIZE_MAX,       /* nested: checked in decode_loss() */
        [TCA_NETEM_ECN] = sizeof(uint32_t),
        [TCA_NETEM_SLOT] = sizeof(struct tc_netem_slot),
};

/* get_loss_clg(): the model in the nest, here only Gilbert-Elliott, exactly once. */
static int decode_loss(const struct nlattr *nest, NetemState *s) {
        const struct nlattr *attr;
        unsigned n = 0;

        if (!(nest->nla_type & NLA_F_NESTED) ||
            !tc_attrs_fill(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest))) {
                fprintf(stderr, "TCA_NETEM_LOSS is not a well-formed nest\n");
                return -EINVAL;
        }
        mnl_attr_for_each_nested(attr, nest) {
                if (mnl_attr_get_type(attr) != NETEM_LOSS_GE ||
                    mnl_attr_get_payload_len(attr) != sizeof(struct tc_netem_gemodel) || n++ > 0) {
                        fprintf(stderr, "unexpected loss model attribute %u\n", mnl_attr_get_type(attr));
                        return -EINVAL;
                }
                memcpy(&s->ge, mnl_attr_get_payload(attr), sizeof(s->ge));
                s->gemodel = true;
        }
        return n == 1 ? 0 : -EINVAL;
}

/* Decode netem's TCA_OPTIONS the way netem_change() applies it to a new qdisc. Any attribute this encoder
 * never sends (4-state loss, SLOT_DIST, ...) is an error, as is a repeated one or one of the wrong size. */
static int decode(const struct nlattr *opts, NetemState *ret) {
        const uint8_t *payload = mnl_attr_get_payload(opts);
        size_t len = mnl_attr_get_payload_len(opts), qlen = MNL_ALIGN(sizeof(struct tc_netem_qopt));
        const struct nlattr *tb[TCA_NETEM_MAX + 1] = {}, *attr;
        NetemState s = {};

        if (len < sizeof(struct tc_netem_qopt)) {
                fprintf(stderr, "TCA_OPTIONS shorter than tc_netem_qopt\n");
                return -EINVAL;
        }
        memcpy(&s.qopt, payload, sizeof(s.qopt));

        /* parse_attr(): the attributes start at NLA_ALIGN(sizeof(qopt)). */
        if (len > qlen) {
                if (!tc_attrs_fill(payload + qlen, len - qlen)) {
                        fprintf(stderr, "netem attributes do not fill TCA_OPTIONS\n");
                        return -EINVAL;
                }
                mnl_attr_for_each_payload((const void *) (payload + qlen), len - qlen) {
                        uint16_t type = attr->nla_type & NLA_TYPE_MASK;

                        if (type > TCA_NETEM_MAX || !attr_size[type] || tb[type]) {
                                fprintf(stderr, "unexpected or repeated netem attribute %u\n", type);
                                return -EINVAL;
                        }
                        if (attr_size[type] != SIZE_MAX && mnl_attr_get_payload_len(attr) != attr_size[type]) {
                                fprintf(stderr, "netem attribute %u has %u bytes\n", type,
                                        (unsigned) mnl_attr_get_payload_len(attr));
                                return -EINVAL;
                        }
                        tb[type] = attr;
                }
        }

        s.limit = s.qopt.limit;
        s.loss = s.qopt.loss;
        s.gap = s.qopt.gap;
        s.duplicate = s.qopt.duplicate;
        s.latency_ns = (int64_t) s.qopt.latency << 6; /* PSCHED_TICKS2NS */
        s.jitter_ns = (int64_t) s.qopt.jitter << 6;
        if (s.gap) /* "for compatibility with earlier versions" */
                s.reorder = UINT32_MAX;

        if (tb[TCA_NETEM_CORR]) {
                const struct tc_netem_corr *c = mnl_attr_get_payload(tb[TCA_NETEM_CORR]);

                s.delay_corr = c->delay_corr;
                s.loss_corr = c->loss_corr;
                s.dup_corr = c->dup_corr;
        }
        if (tb[TCA_NETEM_REORDER]) {
                const struct tc_netem_reorder *r = mnl_attr_get_payload(tb[TCA_NETEM_REORDER]);

                s.reorder = r->probability;
                s.reorder_corr = r->correlation;
        }
        if (tb[TCA_NETEM_CORRUPT]) {
                const struct tc_netem_corrupt *c = mnl_attr_get_payload(tb[TCA_NETEM_CORRUPT]);

                s.corrupt = c->probability;
                s.corrupt_corr = c->correlation;
        }
        if (tb[TCA_NETEM_RATE]) {
                const struct tc_netem_rate *r = mnl_attr_get_payload(tb[TCA_NETEM_RATE]);

                s.rate = r->rate;
                s.packet_overhead = r->packet_overhead;
                s.cell_size = r->cell_size;
                s.cell_overhead = r->cell_overhead;
        }
        if (tb[TCA_NETEM_RATE64]) {
                uint64_t r64 = mnl_attr_get_u64(tb[TCA_NETEM_RATE64]);

                s.rate = r64 > s.rate ? r64 : s.rate;
        }
        if (tb[TCA_NETEM_LATENCY64]) {
                memcpy(&s.latency_ns, mnl_attr_get_payload(tb[TCA_NETEM_LATENCY64]), sizeof(s.latency_ns));
                s.has_latency64 = true;
        }
        if (tb[TCA_NETEM_JITTER64]) {
                memcpy(&s.jitter_ns, mnl_attr_get_payload(tb[TCA_NETEM_JITTER64]), sizeof(s.jitter_ns));
                s.has_jitter64 = true;
        }
        /* The kernel caps jitter to what tabledist() can take. */
        s.jitter_ns = llabs(s.jitter_ns) < NETEM_JITTER_MAX_NS ? llabs(s.jitter_ns) : NETEM_JITTER_MAX_NS;

        if (tb[TCA_NETEM_LOSS] && decode_loss(tb[TCA_NETEM_LOSS], &s) < 0)
                return -EINVAL;
        if (tb[TCA_NETEM_ECN])
                s.ecn = mnl_attr_get_u32(tb[TCA_NETEM_ECN]);
        if (tb[TCA_NETEM_SLOT])
                memcpy(&s.slot, mnl_attr_get_payload(tb[TCA_NETEM_SLOT]), sizeof(s.slot));

        if (tb[TCA_NETEM_DELAY_DIST]) {
                s.dist = mnl_attr_get_payload(tb[TCA_NETEM_DELAY_DIST]);
                s.dist_len = mnl_attr_get_payload_len(tb[TCA_NETEM_DELAY_DIST]);
        }

        *ret = s;
        return 0;
}

static size_t build(uint8_t *buf, size_t size, const NetemParams *p, int *ret) {
        struct nlmsghdr *nlh = tc_qdisc_request(buf);

        mnl_attr_put_strz(nlh, TCA_KIND, "netem");
        *ret = netem_fill_options(nlh, size, p);
        return nlh->nlmsg_len;
}

#define SAME(field)                                                                                      \
        do {                                                                                             \
                if (ours.field != tc.field) {                                                            \
                        fprintf(stderr, "%s: " #field ": ours %lld, tc %lld\n", c->name,                 \
                                (long long) ours.field, (long long) tc.field);                           \
                        tap_failures++;                                                                  \
                }                                                                                        \
        } while (0)

static void test_case(const Case *c) {
        static uint8_t tc_buf[MSG_MAX], our_buf[MSG_MAX];
        const struct nlattr *tc_opts, *our_opts;
        NetemState tc, ours;
        size_t our_len;
        int n, r;

        n = tc_fixture_read("netem", c->name, tc_buf, sizeof(tc_buf));
        CHECK(n > 0);
        if (n <= 0)
                return;
        tc_opts = find_options((const struct nlmsghdr *) tc_buf, (size_t) n);
        CHECK(tc_opts);
        if (!tc_opts || decode(tc_opts, &tc) < 0) {
                fprintf(stderr, "%s: cannot decode tc's message\n", c->name);
                tap_failures++;
                return;
        }

        our_len = build(our_buf, sizeof(our_buf), &c->params, &r);
        CHECK_EQ_INT(r, 0);
        our_opts = find_options((const struct nlmsghdr *) our_buf, our_len);
        CHECK(our_opts);
        if (r < 0 || !our_opts || decode(our_opts, &ours) < 0) {
                fprintf(stderr, "%s: cannot decode our message\n", c->name);
                tap_failures++;
                return;
        }

        SAME(limit);
        SAME(loss);
        SAME(gap);
        SAME(duplicate);
        SAME(latency_ns);
        SAME(jitter_ns);
        SAME(delay_corr);
        SAME(loss_corr);
        SAME(dup_corr);
        SAME(reorder);
        SAME(reorder_corr);
        SAME(corrupt);
        SAME(corrupt_corr);
        SAME(rate);
        SAME(packet_overhead);
        SAME(cell_size);
        SAME(cell_overhead);
        SAME(dist_len);
        SAME(ecn);
        SAME(slot.min_delay);
        SAME(slot.max_delay);
        SAME(slot.max_packets);
        SAME(slot.max_bytes);
        SAME(slot.dist_delay);
        SAME(slot.dist_jitter);
        SAME(gemodel);
        SAME(ge.p);
        SAME(ge.r);
        SAME(ge.h);
        SAME(ge.k1);
        if (tc.dist_len == ours.dist_len && tc.dist_len > 0 && memcmp(tc.dist, ours.dist, tc.dist_len) != 0) {
                fprintf(stderr, "%s: distribution tables differ\n", c->name);
                tap_failures++;
        }

        /* Our own contract: 64-bit delays whenever given, and qopt ticks as the kernel would dump them. */
        CHECK_EQ_INT(ours.has_latency64, !!(c->params.set & NETEM_HAS_LATENCY));
        CHECK_EQ_INT(ours.has_jitter64, !!(c->params.set & NETEM_HAS_JITTER));
        CHECK_EQ_INT(ours.qopt.latency, (c->params.set & NETEM_HAS_LATENCY) ? c->params.latency_ns >> 6 : 0);
        CHECK_EQ_INT(ours.qopt.jitter, (c->params.set & NETEM_HAS_JITTER) ? c->params.jitter_ns >> 6 : 0);
        CHECK_EQ_INT(our_len % 4, 0);

        printf("ok %s (tc %d bytes, ours %zu)\n", c->name, n, our_len);
}

static void test_emsgsize(void) {
        static uint8_t buf[MSG_MAX];
        /* The largest request we can make: every option, a 4096-entry table, and a rate that needs RATE64. */
        NetemParams largest = {};
        const NetemParams *p = &largest;
        size_t full, base;
        int r, failures_before = tap_failures;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (strcmp(cases[i].name, "kitchen-sink") == 0)
                        largest = cases[i].params;
        CHECK(largest.set != 0);
        largest.rate_Bps = UINT64_MAX;
        largest.set |= NETEM_HAS_LOSS_MODEL | NETEM_HAS_ECN | NETEM_HAS_SLOT;
        largest.loss_model = (NetemGilbertElliott) { .set = NETEM_GE_HAS_P, .p = 1 };
        largest.slot = (NetemSlot) { .set = NETEM_SLOT_HAS_MIN_DELAY, .min_delay_ns = MS };
        largest.ecn = true;
        full = build(buf, sizeof(buf), p, &r);
        CHECK_EQ_INT(r, 0);
        base = mnl_nlmsg_size(sizeof(struct tcmsg)) + MNL_ATTR_HDRLEN + MNL_ALIGN(sizeof("netem"));

        /* Every size short of the whole message fails and leaves it as it was; the exact size works. */
        for (size_t size = base; size < full; size++) {
                size_t len = build(buf, size, p, &r);

                if (r != -EMSGSIZE || len != base) {
                        fprintf(stderr, "buffer of %zu: r=%d, nlmsg_len=%zu (want -EMSGSIZE, %zu)\n", size, r,
                                len, base);
                        tap_failures++;
                        break;
                }
        }
        CHECK_EQ_INT(build(buf, full, p, &r), full);
        CHECK_EQ_INT(r, 0);

        if (tap_failures == failures_before)
                printf("ok -EMSGSIZE below %zu bytes (largest netem request: %zu bytes)\n", full, full);
}

static void test_percent(void) {
        CHECK_EQ_INT(netem_percent_to_prob(0), 0);
        CHECK_EQ_INT(netem_percent_to_prob(100), UINT32_MAX);
        CHECK_EQ_INT(netem_percent_to_prob(25), 0x40000000u);  /* 1073741823.75 rounds up */
        CHECK_EQ_INT(netem_percent_to_prob(50), 0x80000000u);  /* 2147483647.5: rint() ties to even */
        CHECK_EQ_INT(netem_percent_to_prob(5), 0x0ccccccdu);
        CHECK_EQ_INT(netem_percent_to_prob(1e-9), 0);          /* 0.0429: rounds to 0 */
        CHECK_EQ_INT(netem_percent_to_prob(2e-8), 1);          /* 0.859: rounds to 1 */
        CHECK_EQ_INT(netem_percent_to_prob(150), UINT32_MAX);
        CHECK_EQ_INT(netem_percent_to_prob(-1), 0);
        CHECK_EQ_INT(netem_percent_to_prob(NAN), 0);
}

/* netem_params_kernel(): what chaoslet adds to a fault's netem (docs/kernel-layout.md). */
static void test_kernel_params(void) {
        NetemParams k;

        /* Jitter alone: an order-keeping rate, and a limit for 100 kpps over 60 ms. */
        k = netem_params_kernel(&(NetemParams) { .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER,
                                                 .latency_ns = 50 * MS, .jitter_ns = 10 * MS });
        CHECK(k.set & NETEM_HAS_RATE);
        CHECK_EQ_INT(k.rate_Bps, NETEM_ORDER_RATE_BPS);
        CHECK_EQ_INT(k.limit, 6000);
        CHECK_EQ_INT(k.latency_ns, 50 * MS);

        /* The fault's own rate and limit stay; no jitter, no rate. */
        k = netem_params_kernel(&(NetemParams) { .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER | NETEM_HAS_RATE |
                                                        NETEM_HAS_LIMIT,
                                                 .latency_ns = 50 * MS, .jitter_ns = 10 * MS, .rate_Bps = 1000,
                                                 .limit = 7 });
        CHECK_EQ_INT(k.rate_Bps, 1000);
        CHECK_EQ_INT(k.limit, 7);
        k = netem_params_kernel(&(NetemParams) { .set = NETEM_HAS_LATENCY, .latency_ns = 1000 * MS });
        CHECK(!(k.set & NETEM_HAS_RATE));
        CHECK_EQ_INT(k.limit, NETEM_LIMIT_MAX);        /* 1 s at 100 kpps */
        k = netem_params_kernel(&(NetemParams) { .set = NETEM_HAS_LATENCY, .latency_ns = 5 * MS });
        CHECK_EQ_INT(k.limit, NETEM_LIMIT_DEFAULT);    /* never below the kernel's default */
        k = netem_params_kernel(&(NetemParams) { .set = NETEM_HAS_LOSS, .loss = 5 });
        CHECK_EQ_INT(k.limit, NETEM_LIMIT_DEFAULT);
        CHECK(!(k.set & NETEM_HAS_RATE));

        /* A table reaches about 4 jitters: 20 + 4 x 10 ms at 100 kpps. */
        k = netem_params_kernel(&(NetemParams) { .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER |
                                                        NETEM_HAS_DISTRIBUTION,
                                                 .latency_ns = 20 * MS, .jitter_ns = 10 * MS,
                                                 .distribution = NETEM_DIST_NORMAL });
        CHECK_EQ_INT(k.limit, 6000);

        /* With a slow rate of its own, the queue is the rate's: 1 Mbit/s is 83 full frames a second. */
        k = netem_params_kernel(&(NetemParams) { .set = NETEM_HAS_LATENCY | NETEM_HAS_RATE,
                                                 .latency_ns = 5000 * MS, .rate_Bps = 1000000 / 8 });
        CHECK_EQ_INT(k.limit, NETEM_LIMIT_DEFAULT);
        printf("ok netem_params_kernel\n");
}

static void test_dist_names(void) {
        for (NetemDist d = 0; d < _NETEM_DIST_MAX; d++)
                CHECK_EQ_INT(netem_dist_from_string(netem_dist_to_string(d)), d);
        CHECK_STREQ(netem_dist_to_string(NETEM_DIST_PARETONORMAL), "paretonormal");
        CHECK_EQ_INT(netem_dist_from_string("Normal"), _NETEM_DIST_INVALID);
        CHECK_EQ_INT(netem_dist_from_string("custom"), _NETEM_DIST_INVALID);
        CHECK_EQ_INT(netem_dist_from_string(""), _NETEM_DIST_INVALID);
        CHECK_EQ_INT(netem_dist_from_string(NULL), _NETEM_DIST_INVALID);
        CHECK(!netem_dist_to_string(_NETEM_DIST_MAX));
        CHECK(!netem_dist_to_string(_NETEM_DIST_INVALID));
}

static void test_uniform_and_invalid(void) {
        static uint8_t buf[MSG_MAX];
        const struct nlattr *opts;
        NetemState s;
        int r;

        /* Jitter with uniform (or no) distribution: no table, as tc; the kernel then draws uniformly. */
        NetemParams p = {
                .set = NETEM_HAS_LATENCY | NETEM_HAS_JITTER | NETEM_HAS_DISTRIBUTION,
                .latency_ns = 10 * MS, .jitter_ns = 3 * MS, .distribution = NETEM_DIST_UNIFORM,
        };
        size_t len = build(buf, sizeof(buf), &p, &r);

        CHECK_EQ_INT(r, 0);
        opts = find_options((const struct nlmsghdr *) buf, len);
        CHECK(opts && decode(opts, &s) == 0 && s.dist_len == 0 && s.latency_ns == 10 * MS);

        /* Beyond the 274 s that qopt ticks hold: the ticks saturate and LATENCY64 carries the value. */
        p = (NetemParams) { .set = NETEM_HAS_LATENCY, .latency_ns = 300000 * MS };
        len = build(buf, sizeof(buf), &p, &r);
        CHECK_EQ_INT(r, 0);
        opts = find_options((const struct nlmsghdr *) buf, len);
        CHECK(opts && decode(opts, &s) == 0 && s.latency_ns == 300000 * MS && s.qopt.latency == UINT32_MAX);

        p = (NetemParams) { .set = NETEM_HAS_DISTRIBUTION, .distribution = _NETEM_DIST_INVALID };
        build(buf, sizeof(buf), &p, &r);
        CHECK_EQ_INT(r, -EINVAL);
}

int main(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                test_case(&cases[i]);
        test_emsgsize();
        test_percent();
        test_kernel_params();
        test_dist_names();
        test_uniform_and_invalid();
        TAP_EXIT();
}
