/* SPDX-License-Identifier: MIT */
/*
 * tbf_fill_options() against iproute2's tc, the reference encoder, attribute by attribute.
 *
 * fixtures/tbf/NAME.hex holds the RTM_NEWQDISC request that tc sent for the command line in its header (captured
 * by capture-tc-netem.sh). Unlike netem's, tbf's options have one encoding: both TCA_OPTIONS must hold the same
 * attributes, in the same order, with the same bytes (rate tables included). The one difference allowed is the
 * nest flag on TCA_OPTIONS itself: libmnl sets NLA_F_NESTED, tc does not, and the kernel takes either.
 *
 * Each case gives the BandwidthParams the way a client would, so the ones that leave burst or limit out check
 * the documented defaults against the values spelled out on tc's command line.
 */
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "tap.h"
#include "tbf.h"
#include "tc-fixture.h"

#define MSG_MAX 65536
#define MBIT (1000000ull / 8)

typedef struct Case {
        const char *name;
        BandwidthParams params;
} Case;

static const Case cases[] = {
        /* Defaults at 1mbit: burst max(10 ms = 1250, 10000) = 10000, limit 10000 + 100 ms = 22500. */
        { "rate", { .set = BANDWIDTH_HAS_RATE, .rate_Bps = 1 * MBIT } },
        { "peak",
          { .set = BANDWIDTH_HAS_RATE | BANDWIDTH_HAS_PEAKRATE, .rate_Bps = 1 * MBIT, .peakrate_Bps = 2 * MBIT } },
        { "small",
          { .set = BANDWIDTH_HAS_RATE | BANDWIDTH_HAS_BURST | BANDWIDTH_HAS_LIMIT | BANDWIDTH_HAS_PEAKRATE |
                   BANDWIDTH_HAS_MINBURST,
            .rate_Bps = 64000 / 8, .burst = 3000, .limit = 5000, .peakrate_Bps = 128000 / 8, .minburst = 1514 } },
        /* Defaults at 10gbit: burst 10 ms = 12.5 MB, limit 12.5 MB + 100 ms = 137.5 MB. */
        { "fast", { .set = BANDWIDTH_HAS_RATE, .rate_Bps = 10000 * MBIT } },
        { "rate64",
          { .set = BANDWIDTH_HAS_RATE | BANDWIDTH_HAS_BURST | BANDWIDTH_HAS_LIMIT | BANDWIDTH_HAS_PEAKRATE |
                   BANDWIDTH_HAS_MINBURST,
            .rate_Bps = 100000 * MBIT, .burst = 1250000000, .limit = 2000000000, .peakrate_Bps = 200000 * MBIT,
            .minburst = 65536 } },
};

static size_t build(uint8_t *buf, size_t size, const BandwidthParams *p, int *ret) {
        struct nlmsghdr *nlh = tc_qdisc_request(buf);

        *ret = tbf_fill_options(nlh, size, p);
        return nlh->nlmsg_len;
}

static const char *const attr_names[TCA_TBF_MAX + 1] = {
        [TCA_TBF_PARMS] = "PARMS", [TCA_TBF_RTAB] = "RTAB", [TCA_TBF_PTAB] = "PTAB", [TCA_TBF_RATE64] = "RATE64",
        [TCA_TBF_PRATE64] = "PRATE64", [TCA_TBF_BURST] = "BURST", [TCA_TBF_PBURST] = "PBURST",
};

static const char *attr_name(uint16_t type) {
        return type <= TCA_TBF_MAX && attr_names[type] ? attr_names[type] : "?";
}

/* Where two struct tc_tbf_qopt differ, by field, for the failure message. */
static void explain_parms(const char *name, const struct tc_tbf_qopt *a, const struct tc_tbf_qopt *b) {
#define FIELD(f) \
        if (a->f != b->f) \
                fprintf(stderr, "%s: PARMS." #f ": ours %lld, tc %lld\n", name, (long long) a->f, (long long) b->f)
        FIELD(rate.cell_log); FIELD(rate.linklayer); FIELD(rate.overhead); FIELD(rate.cell_align);
        FIELD(rate.mpu); FIELD(rate.rate);
        FIELD(peakrate.cell_log); FIELD(peakrate.linklayer); FIELD(peakrate.overhead); FIELD(peakrate.cell_align);
        FIELD(peakrate.mpu); FIELD(peakrate.rate);
        FIELD(limit); FIELD(buffer); FIELD(mtu);
#undef FIELD
}

static void compare(const char *name, const struct nlattr *ours, const struct nlattr *tc) {
        const struct nlattr *a = mnl_attr_get_payload(ours), *b = mnl_attr_get_payload(tc);
        const uint8_t *a_end = (const uint8_t *) ours + ours->nla_len, *b_end = (const uint8_t *) tc + tc->nla_len;
        unsigned n = 0;

        if (!tc_attrs_fill(a, mnl_attr_get_payload_len(ours)) || !tc_attrs_fill(b, mnl_attr_get_payload_len(tc))) {
                fprintf(stderr, "%s: tbf attributes do not fill TCA_OPTIONS\n", name);
                tap_failures++;
                return;
        }
        for (; (const uint8_t *) a < a_end && (const uint8_t *) b < b_end;
             a = mnl_attr_next(a), b = mnl_attr_next(b), n++) {
                uint16_t ta = mnl_attr_get_type(a), tb = mnl_attr_get_type(b);

                if (ta != tb) {
                        fprintf(stderr, "%s: attribute %u is %s, tc's is %s\n", name, n, attr_name(ta),
                                attr_name(tb));
                        tap_failures++;
                        return;
                }
                if (mnl_attr_get_payload_len(a) != mnl_attr_get_payload_len(b) ||
                    memcmp(mnl_attr_get_payload(a), mnl_attr_get_payload(b), mnl_attr_get_payload_len(a)) != 0) {
                        fprintf(stderr, "%s: %s differs (ours %u bytes, tc %u)\n", name, attr_name(ta),
                                (unsigned) mnl_attr_get_payload_len(a), (unsigned) mnl_attr_get_payload_len(b));
                        if (ta == TCA_TBF_PARMS && mnl_attr_get_payload_len(a) == sizeof(struct tc_tbf_qopt) &&
                            mnl_attr_get_payload_len(b) == sizeof(struct tc_tbf_qopt))
                                explain_parms(name, mnl_attr_get_payload(a), mnl_attr_get_payload(b));
                        tap_failures++;
                }
        }
        if ((const uint8_t *) a < a_end || (const uint8_t *) b < b_end) {
                fprintf(stderr, "%s: %s has more attributes\n", name, (const uint8_t *) a < a_end ? "ours" : "tc's");
                tap_failures++;
        }
}

static void test_case(const Case *c) {
        static uint8_t tc_buf[MSG_MAX], our_buf[MSG_MAX];
        const struct nlattr *tc_opts, *our_opts;
        size_t our_len;
        int n, r, failures = tap_failures;

        n = tc_fixture_read("tbf", c->name, tc_buf, sizeof(tc_buf));
        CHECK(n > 0);
        if (n <= 0)
                return;
        tc_opts = tc_find_options((const struct nlmsghdr *) tc_buf, (size_t) n, "tbf");
        our_len = build(our_buf, sizeof(our_buf), &c->params, &r);
        CHECK_EQ_INT(r, 0);
        our_opts = tc_find_options((const struct nlmsghdr *) our_buf, our_len, "tbf");
        CHECK(tc_opts && our_opts);
        if (!tc_opts || !our_opts)
                return;
        CHECK_EQ_INT(our_opts->nla_type & NLA_F_NET_BYTEORDER, 0);
        compare(c->name, our_opts, tc_opts);
        CHECK_EQ_INT(our_len, (size_t) n);
        if (tap_failures == failures)
                printf("ok %s (%zu bytes, as tc's)\n", c->name, our_len);
}

static void test_emsgsize(void) {
        static uint8_t buf[MSG_MAX];
        const BandwidthParams *p = &cases[ELEMENTSOF(cases) - 1].params;
        size_t full, base = mnl_nlmsg_size(sizeof(struct tcmsg));
        int r;

        full = build(buf, sizeof(buf), p, &r);
        CHECK_EQ_INT(r, 0);
        for (size_t size = base; size < full; size++) {
                size_t len = build(buf, size, p, &r);

                if (r != -EMSGSIZE || len != base) {
                        fprintf(stderr, "buffer of %zu: r=%d, nlmsg_len=%zu (want -EMSGSIZE, %zu)\n", size, r, len,
                                base);
                        tap_failures++;
                        break;
                }
        }
        CHECK_EQ_INT(build(buf, full, p, &r), full);
        CHECK_EQ_INT(r, 0);
        build(buf, sizeof(buf), &(BandwidthParams) { .set = BANDWIDTH_HAS_BURST, .burst = 1 }, &r);
        CHECK_EQ_INT(r, -EINVAL);
}

static void test_defaults(void) {
        BandwidthParams p;

        /* 10 ms at 1 Mbit/s is 1250 bytes: the floor wins. */
        p = bandwidth_params_resolve(&(BandwidthParams) { .set = BANDWIDTH_HAS_RATE, .rate_Bps = MBIT });
        CHECK_EQ_INT(p.burst, 10000);
        CHECK_EQ_INT(p.limit, 22500);
        CHECK(!(p.set & BANDWIDTH_HAS_MINBURST));
        /* A given burst sets the limit's base; minburst comes only with a peak rate. */
        p = bandwidth_params_resolve(&(BandwidthParams) {
                .set = BANDWIDTH_HAS_RATE | BANDWIDTH_HAS_BURST | BANDWIDTH_HAS_PEAKRATE,
                .rate_Bps = 100 * MBIT, .burst = 4000, .peakrate_Bps = 200 * MBIT });
        CHECK_EQ_INT(p.burst, 4000);
        CHECK_EQ_INT(p.limit, 4000 + 1250000);
        CHECK_EQ_INT(p.minburst, BANDWIDTH_MINBURST_DEFAULT);
        /* Saturated, never wrapped. */
        p = bandwidth_params_resolve(&(BandwidthParams) { .set = BANDWIDTH_HAS_RATE, .rate_Bps = UINT64_MAX });
        CHECK_EQ_INT(p.burst, UINT32_MAX);
        CHECK_EQ_INT(p.limit, UINT32_MAX);
        CHECK_EQ_INT(tbf_xmit_ticks(1, UINT32_MAX), UINT32_MAX);
        CHECK_EQ_INT(tbf_xmit_ticks(125000, 8), 1000);  /* 64 us */
}

int main(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                test_case(&cases[i]);
        test_emsgsize();
        test_defaults();
        TAP_EXIT();
}
