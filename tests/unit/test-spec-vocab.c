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

int main(void) {
        test_bandwidth();
        TAP_EXIT();
}
