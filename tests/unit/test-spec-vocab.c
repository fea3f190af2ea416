/* SPDX-License-Identifier: MIT */
/* The fault spec decoder on bandwidth and netem's loss model, ECN and slots: what it accepts, what it reads back
 * as, and errors that name the field. */
#include <stdlib.h>
#include <string.h>

#include "spec-check.h"
#include "tap.h"

#define T "\"target\": {\"pid\": 1}"
#define MBIT (1000000 / 8)

static void expect_json(const char *json, const char *want) {
        FaultSpec s = {};
        SpecError e;
        char *t;

        if (parse(json, &s, &e) != 0) {
                fprintf(stderr, "expected success for %s: %s: %s\n", json, e.field, e.reason);
                tap_failures++;
                return;
        }
        t = to_json_string(&s);
        if (!t || !strstr(t, want)) {
                fprintf(stderr, "for %s:\n  read back as %s\n  expected it to contain %s\n", json, t ?: "(null)", want);
                tap_failures++;
        }
        free(t);
        fault_spec_done(&s);
}

static void test_bandwidth(void) {
        FaultSpec s = {};
        SpecError e;

        CHECK_EQ_INT(parse("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"burst\": \"32kb\", \"limit\": 40000,"
                           " \"peakrate\": \"2mbit\", \"minburst\": \"1514b\"}}", &s, &e), 0);
        CHECK_EQ_INT(s.bandwidth.set, BANDWIDTH_HAS_RATE | BANDWIDTH_HAS_BURST | BANDWIDTH_HAS_LIMIT |
                                      BANDWIDTH_HAS_PEAKRATE | BANDWIDTH_HAS_MINBURST);
        CHECK_EQ_INT(s.bandwidth.rate_Bps, MBIT);
        CHECK_EQ_INT(s.bandwidth.burst, 32768);
        CHECK_EQ_INT(s.bandwidth.limit, 40000);
        CHECK_EQ_INT(s.bandwidth.peakrate_Bps, 2 * MBIT);
        CHECK_EQ_INT(s.bandwidth.minburst, 1514);
        CHECK_EQ_INT(s.netem.set, 0);
        fault_spec_done(&s);

        /* Only what was given reads back; sizes as integers, rates in bits. The CLI sends strings. */
        expect_json("{" T ", \"bandwidth\": {\"rate\": \"125000bps\"}}", "\"bandwidth\":{\"rate\":\"1mbit\"}");
        expect_json("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"burst\": \"10000\", \"limit\": \"1mbit\"}}",
                    "\"bandwidth\":{\"rate\":\"1mbit\",\"burst\":10000,\"limit\":131072}");
        /* Alone or with netem; "netem" is then left out. */
        expect_json("{" T ", \"bandwidth\": {\"rate\": \"1mbit\"}}", "\"direction\":\"egress\",\"bandwidth\"");
        expect_json("{" T ", \"netem\": {\"latency\": \"10ms\"}, \"bandwidth\": {\"rate\": \"1mbit\"}}",
                    "\"netem\":{\"latency\":\"10ms\"},\"bandwidth\":{\"rate\":\"1mbit\"}");
        CHECK(!equal_json("{" T ", \"bandwidth\": {\"rate\": \"1mbit\"}}",
                          "{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"burst\": 10000}}"));
        CHECK(!equal_json("{" T ", \"bandwidth\": {\"rate\": \"1mbit\"}}", "{" T ", \"bandwidth\": {\"rate\": \"2mbit\"}}"));
        CHECK(equal_json("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"limit\": \"10k\"}}",
                         "{" T ", \"bandwidth\": {\"limit\": 10240, \"rate\": \"1000kbit\"}}"));

        expect_error("{" T ", \"bandwidth\": {}}", "bandwidth.rate", "required");
        expect_error("{" T ", \"bandwidth\": {\"burst\": 1}}", "bandwidth.rate", "required");
        expect_error("{" T ", \"bandwidth\": \"1mbit\"}", "bandwidth", "must be an object");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"fast\"}}", "bandwidth.rate", "tc rate");
        expect_error("{" T ", \"bandwidth\": {\"rate\": 1000}}", "bandwidth.rate", "rate string");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"buffer\": 1}}", "bandwidth.buffer", "unknown");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"rate\": \"2mbit\"}}", "bandwidth.rate", "duplicate");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"burst\": 0}}", "bandwidth.burst", "positive");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"burst\": \"0kb\"}}", "bandwidth.burst", "at least 1");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"burst\": 1.5}}", "bandwidth.burst", "positive");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"burst\": \"32kib\"}}", "bandwidth.burst", "tc size");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"limit\": \"5gb\"}}", "bandwidth.limit", "at most");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"limit\": 4294967296}}", "bandwidth.limit", "at most");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"limit\": true}}", "bandwidth.limit", "byte count");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"peakrate\": \"1mbit\"}}", "bandwidth.peakrate",
                     "above bandwidth.rate");
        expect_error("{" T ", \"bandwidth\": {\"rate\": \"1mbit\", \"minburst\": 1514}}", "bandwidth.minburst",
                     "requires bandwidth.peakrate");
        expect_error("{" T ", \"partition\": true, \"bandwidth\": {\"rate\": \"1mbit\"}}", "partition",
                     "cannot be combined with bandwidth");
        expect_error("{" T "}", "netem", "required unless partition is true or bandwidth is given");
}

#define GE "\"netem\": {\"loss_model\": {\"gilbert_elliott\": "

static void test_loss_model(void) {
        FaultSpec s = {};
        SpecError e;

        CHECK_EQ_INT(parse("{" T ", " GE "{\"p\": 2, \"r\": \"20\", \"h\": 10, \"k\": \"99.5%\"}}}}", &s, &e), 0);
        CHECK_EQ_INT(s.netem.set, NETEM_HAS_LOSS_MODEL);
        CHECK_EQ_INT(s.netem.loss_model.set, NETEM_GE_HAS_P | NETEM_GE_HAS_R | NETEM_GE_HAS_H | NETEM_GE_HAS_K);
        CHECK(s.netem.loss_model.p == 2 && s.netem.loss_model.r == 20 && s.netem.loss_model.h == 10 &&
              s.netem.loss_model.k == 99.5);
        fault_spec_done(&s);

        expect_json("{" T ", " GE "{\"p\": \"5\"}}}}", "\"netem\":{\"loss_model\":{\"gilbert_elliott\":{\"p\":5}}}");
        CHECK(!equal_json("{" T ", " GE "{\"p\": 5}}}}", "{" T ", " GE "{\"p\": 5, \"r\": 95}}}}"));
        CHECK(equal_json("{" T ", " GE "{\"r\": 20, \"p\": 5}}}}", "{" T ", " GE "{\"p\": \"5\", \"r\": 20}}}}"));

        expect_error("{" T ", " GE "{}}}}", "netem.loss_model.gilbert_elliott.p", "required");
        expect_error("{" T ", " GE "{\"p\": 101}}}}", "netem.loss_model.gilbert_elliott.p", "between 0 and 100");
        expect_error("{" T ", " GE "{\"p\": 1, \"r\": -1}}}}", "netem.loss_model.gilbert_elliott.r", "between 0 and 100");
        expect_error("{" T ", " GE "{\"p\": 1, \"h\": \"x\"}}}}", "netem.loss_model.gilbert_elliott.h", "percent");
        expect_error("{" T ", " GE "{\"p\": 1, \"k\": true}}}}", "netem.loss_model.gilbert_elliott.k", "percent");
        expect_error("{" T ", " GE "{\"p\": 1, \"1-k\": 1}}}}", "netem.loss_model.gilbert_elliott.1-k", "unknown");
        expect_error("{" T ", " GE "5}}}", "netem.loss_model.gilbert_elliott", "must be an object");
        expect_error("{" T ", \"netem\": {\"loss_model\": {\"4state\": {}}}}", "netem.loss_model.4state", "unknown");
        expect_error("{" T ", \"netem\": {\"loss_model\": {}}}", "netem.loss_model", "must name a model");
        expect_error("{" T ", \"netem\": {\"loss_model\": \"ge\"}}", "netem.loss_model", "must be an object");
        expect_error("{" T ", \"netem\": {\"loss\": 1, \"loss_model\": {\"gilbert_elliott\": {\"p\": 1}}}}",
                     "netem.loss_model", "cannot be combined with netem.loss");
}

static void test_ecn(void) {
        expect_json("{" T ", \"netem\": {\"loss\": 5, \"ecn\": true}}", "\"netem\":{\"loss\":5,\"ecn\":true}");
        expect_json("{" T ", \"netem\": {\"ecn\": true, " "\"loss_model\": {\"gilbert_elliott\": {\"p\": 1}}}}",
                    "\"ecn\":true");
        /* false is leaving it out. */
        expect_json("{" T ", \"netem\": {\"latency\": \"1ms\", \"ecn\": false}}", "\"netem\":{\"latency\":\"1ms\"}");
        expect_error("{" T ", \"netem\": {\"ecn\": true}}", "netem.ecn", "requires netem.loss or netem.loss_model");
        expect_error("{" T ", \"netem\": {\"latency\": \"1ms\", \"ecn\": true}}", "netem.ecn", "requires netem.loss");
        expect_error("{" T ", \"netem\": {\"loss\": 5, \"ecn\": 1}}", "netem.ecn", "true or false");
        expect_error("{" T ", \"netem\": {\"ecn\": false}}", "netem", "at least one member");
}

static void test_slot(void) {
        FaultSpec s = {};
        SpecError e;

        CHECK_EQ_INT(parse("{" T ", \"netem\": {\"slot\": {\"min_delay\": \"10ms\", \"max_delay\": \"20ms\","
                           " \"packets\": 4, \"bytes\": \"3000\"}}}", &s, &e), 0);
        CHECK_EQ_INT(s.netem.slot.min_delay_ns, 10000000);
        CHECK_EQ_INT(s.netem.slot.max_delay_ns, 20000000);
        CHECK_EQ_INT(s.netem.slot.packets, 4);
        CHECK_EQ_INT(s.netem.slot.bytes, 3000);
        fault_spec_done(&s);

        expect_json("{" T ", \"netem\": {\"slot\": {\"min_delay\": \"0.01s\"}}}", "\"netem\":{\"slot\":{\"min_delay\":\"10ms\"}}");
        expect_json("{" T ", \"netem\": {\"slot\": {\"bytes\": 1500, \"min_delay\": \"1ms\", \"max_delay\": \"2ms\"}}}",
                    "\"slot\":{\"min_delay\":\"1ms\",\"max_delay\":\"2ms\",\"bytes\":1500}");
        expect_error("{" T ", \"netem\": {\"slot\": {}}}", "netem.slot.min_delay", "required");
        expect_error("{" T ", \"netem\": {\"slot\": {\"min_delay\": \"0\"}}}", "netem.slot.min_delay", "above zero");
        expect_error("{" T ", \"netem\": {\"slot\": {\"min_delay\": \"10ms\", \"max_delay\": \"5ms\"}}}",
                     "netem.slot.max_delay", "at least netem.slot.min_delay");
        expect_error("{" T ", \"netem\": {\"slot\": {\"min_delay\": 10}}}", "netem.slot.min_delay", "duration");
        expect_error("{" T ", \"netem\": {\"slot\": {\"min_delay\": \"1ms\", \"packets\": 0}}}", "netem.slot.packets",
                     "positive");
        expect_error("{" T ", \"netem\": {\"slot\": {\"min_delay\": \"1ms\", \"bytes\": 2147483648}}}",
                     "netem.slot.bytes", "kernel's limit");
        expect_error("{" T ", \"netem\": {\"slot\": {\"min_delay\": \"1ms\", \"jitter\": \"1ms\"}}}",
                     "netem.slot.jitter", "unknown");
        expect_error("{" T ", \"netem\": {\"slot\": \"10ms\"}}", "netem.slot", "must be an object");
}

int main(void) {
        test_bandwidth();
        test_loss_model();
        test_ecn();
        test_slot();
        TAP_EXIT();
}
