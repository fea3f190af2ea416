/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "fault.h"
#include "tap.h"

static void test_target_describe(void) {
        FaultTarget pid = { .kind = TARGET_PID, .pid = 42 }, netns = { .kind = TARGET_NETNS, .netns = "/run/netns/x" };
        char buf[64], small[8];

        CHECK_STREQ(fault_target_describe(&pid, buf, sizeof buf), "pid:42");
        CHECK_STREQ(fault_target_describe(&netns, buf, sizeof buf), "netns:/run/netns/x");
        CHECK_STREQ(fault_target_describe(&netns, small, sizeof small), "netns:/");
}

/* Every member has a flag of its own, and what it requires comes before it. */
static void test_netem_members(void) {
        uint32_t seen = 0;
        size_t n = 0;

        NETEM_MEMBER_FOREACH(m) {
                CHECK((seen & m->flag) == 0);
                CHECK(m->requires == 0 || (seen & m->requires));
                CHECK(netem_member_by_name(m->name) == m);
                CHECK(netem_member_by_flag(m->flag) == m);
                CHECK(m->kind >= 0 && m->kind < _NETEM_VALUE_KIND_MAX);
                seen |= m->flag;
                n++;
        }
        CHECK_EQ_INT(n, 18);
        CHECK(!netem_member_by_name("bandwidth"));
        CHECK_EQ_INT(netem_member_by_name("ecn")->requires, NETEM_HAS_LOSS | NETEM_HAS_LOSS_MODEL);
        CHECK_EQ_INT(netem_member_by_name("loss_model")->excludes, NETEM_HAS_LOSS);
}

static void test_nested_equal(void) {
        NetemParams a = { .set = NETEM_HAS_LOSS_MODEL | NETEM_HAS_SLOT,
                          .loss_model = { .set = NETEM_GE_HAS_P, .p = 5 },
                          .slot = { .set = NETEM_SLOT_HAS_MIN_DELAY, .min_delay_ns = 10 } }, b = a;
        NetemGilbertElliott ge;

        CHECK(netem_params_equal(&a, &b));
        b.loss_model.r = 3;     /* not given */
        CHECK(netem_params_equal(&a, &b));
        b.loss_model.set |= NETEM_GE_HAS_R;
        CHECK(!netem_params_equal(&a, &b));
        b = a;
        b.slot.min_delay_ns = 11;
        CHECK(!netem_params_equal(&a, &b));

        ge = netem_gilbert_elliott_resolve(&a.loss_model);
        CHECK(ge.r == 95 && ge.h == 0 && ge.k == 100);
        CHECK_EQ_INT(netem_slot_resolve(&a.slot).max_delay_ns, 10);
}

static void test_bandwidth_equal(void) {
        BandwidthParams a = { .set = BANDWIDTH_HAS_RATE, .rate_Bps = 125000 }, b = a;

        CHECK(bandwidth_params_equal(&a, &b));
        b.burst = 5;            /* not given */
        CHECK(bandwidth_params_equal(&a, &b));
        b.set |= BANDWIDTH_HAS_BURST;
        CHECK(!bandwidth_params_equal(&a, &b));
        b = a;
        b.rate_Bps++;
        CHECK(!bandwidth_params_equal(&a, &b));
}

static void test_netem_equal(void) {
        NetemParams a = { .set = NETEM_HAS_LATENCY | NETEM_HAS_LOSS, .latency_ns = 5, .loss = 25 }, b = a;

        CHECK(netem_params_equal(&a, &b));
        b.jitter_ns = 7;        /* not given: not compared */
        CHECK(netem_params_equal(&a, &b));
        b.loss = 26;
        CHECK(!netem_params_equal(&a, &b));
        b = a;
        b.set |= NETEM_HAS_JITTER;
        CHECK(!netem_params_equal(&a, &b));
}

static void test_direction(void) {
        CHECK_STREQ(fault_direction_to_string(DIRECTION_BOTH), "both");
        CHECK(!fault_direction_to_string(_DIRECTION_MAX));
        CHECK(!fault_direction_to_string(_DIRECTION_INVALID));
}

int main(void) {
        test_target_describe();
        test_netem_members();
        test_netem_equal();
        test_nested_equal();
        test_bandwidth_equal();
        test_direction();
        TAP_EXIT();
}
