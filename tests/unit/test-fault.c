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
        CHECK_EQ_INT(n, 15);
        CHECK(!netem_member_by_name("bandwidth"));
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
        test_direction();
        TAP_EXIT();
}
