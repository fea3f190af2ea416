/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "spec-check.h"
#include "spec.h"
#include "tap.h"

#define SEC INT64_C(1000000000)

static void test_full(void) {
        FaultSpec s = {};
        SpecError e;
        char *t;

        CHECK_EQ_INT(parse("{\"id\": \"web-1.delay_A\", \"target\": {\"netns\": \"/run/netns/x\"},"
                           " \"device\": [\"eth0\", \"veth-a1\"],"
                           " \"netem\": {\"latency\": \"90ms\", \"jitter\": \"10ms\", \"correlation\": \"25\","
                           "  \"distribution\": \"paretonormal\", \"loss\": 0.5, \"loss_correlation\": \"10%\","
                           "  \"duplicate\": 1, \"duplicate_correlation\": 2, \"corrupt\": \"0.1\","
                           "  \"corrupt_correlation\": 3, \"reorder\": 25, \"reorder_correlation\": \"50\","
                           "  \"gap\": \"5\", \"rate\": \"10mbit\", \"limit\": 2000},"
                           " \"duration\": \"1m30s\"}", &s, &e), 0);

        CHECK_STREQ(s.id, "web-1.delay_A");
        CHECK_EQ_INT(s.target.kind, TARGET_NETNS);
        CHECK_STREQ(s.target.netns, "/run/netns/x");
        CHECK_EQ_INT(s.n_devices, 2);
        CHECK_STREQ(s.devices[0], "eth0");
        CHECK_STREQ(s.devices[1], "veth-a1");
        CHECK(s.devices[2] == NULL);
        CHECK_EQ_INT(s.netem.set, (1u << 15) - 1);      /* every member */
        CHECK_EQ_INT(s.netem.latency_ns, 90000000);
        CHECK_EQ_INT(s.netem.jitter_ns, 10000000);
        CHECK(s.netem.correlation == 25);
        CHECK_EQ_INT(s.netem.distribution, NETEM_DIST_PARETONORMAL);
        CHECK(s.netem.loss == 0.5);
        CHECK(s.netem.loss_corr == 10);
        CHECK(s.netem.duplicate == 1);
        CHECK(s.netem.duplicate_corr == 2);
        CHECK(s.netem.corrupt == 0.1);
        CHECK(s.netem.corrupt_corr == 3);
        CHECK(s.netem.reorder == 25);
        CHECK(s.netem.reorder_corr == 50);
        CHECK_EQ_INT(s.netem.gap, 5);
        CHECK_EQ_INT(s.netem.rate_Bps, 1250000);
        CHECK_EQ_INT(s.netem.limit, 2000);
        CHECK_EQ_INT(s.duration_ns, 90 * SEC);

        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"device\":[\"eth0\",\"veth-a1\"],\"direction\":\"egress\","
                       "\"netem\":{\"latency\":\"90ms\",\"jitter\":\"10ms\","
                       "\"correlation\":25,\"distribution\":\"paretonormal\",\"loss\":0.5,\"loss_correlation\":10,"
                       "\"duplicate\":1,\"duplicate_correlation\":2,\"corrupt\":0.1,\"corrupt_correlation\":3,"
                       "\"reorder\":25,\"reorder_correlation\":50,\"gap\":5,\"rate\":\"10mbit\",\"limit\":2000},"
                       "\"duration\":\"1m30s\"}");
        free(t);

        fault_spec_done(&s);
        CHECK(s.devices == NULL && s.target.netns == NULL && s.netem.set == 0 && s.id[0] == '\0');
        fault_spec_done(&s);    /* twice is harmless */
}

static void test_minimal(void) {
        FaultSpec s = {};
        SpecError e;
        char *t;

        CHECK_EQ_INT(parse("{\"target\": {\"pid\": 1234}, \"netem\": {\"loss\": \"25\"}}", &s, &e), 0);
        CHECK_STREQ(s.id, "");
        CHECK_EQ_INT(s.target.kind, TARGET_PID);
        CHECK_EQ_INT(s.target.pid, 1234);
        CHECK(s.devices == NULL);
        CHECK_EQ_INT(s.n_devices, 0);
        CHECK_EQ_INT(s.netem.set, NETEM_HAS_LOSS);
        CHECK(s.netem.loss == 25);
        CHECK_EQ_INT(s.duration_ns, 0);

        /* Defaults are left out of the normal form, except the direction, which is always spelt out. */
        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"direction\":\"egress\",\"netem\":{\"loss\":25}}");
        free(t);
        fault_spec_done(&s);

        /* A single device as a string, and latency 0 as the string "0". */
        CHECK_EQ_INT(parse("{\"target\": {\"pid\": 1}, \"device\": \"lo\", \"netem\": {\"latency\": \"0\"}}", &s, &e),
                     0);
        CHECK_EQ_INT(s.n_devices, 1);
        CHECK_STREQ(s.devices[0], "lo");
        CHECK(s.devices[1] == NULL);
        CHECK_EQ_INT(s.netem.set, NETEM_HAS_LATENCY);
        CHECK_EQ_INT(s.netem.latency_ns, 0);
        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"device\":[\"lo\"],\"direction\":\"egress\",\"netem\":{\"latency\":\"0s\"}}");
        free(t);
        fault_spec_done(&s);

        /* Member order does not matter, cross checks included. */
        expect_ok("{\"netem\": {\"jitter\": \"1ms\", \"gap\": 3, \"reorder\": \"5%\", \"latency\": \"2ms\"},"
                  " \"target\": {\"pid\": 2147483647}}");
        expect_ok("{\"target\": {\"pid\": 1}, \"netem\": {\"jitter\": \"2.147483647s\", \"latency\": \"1s\"}}");
        expect_ok("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 0, \"duplicate\": 100, \"corrupt\": \"100%\"}}");
        expect_ok("{\"target\": {\"pid\": 1}, \"netem\": {\"rate\": \"1bps\", \"limit\": \"4294967295\"}}");
        expect_ok("{\"target\": {\"pid\": 1}, \"netem\": {\"latency\": \"1ms\", \"reorder\": 1, \"gap\": 0}}");
        expect_ok("{\"target\": {\"pid\": 1}, \"netem\": {\"latency\": \"1ms\", \"reorder\": 1, \"gap\": 4294967295}}");
        expect_ok("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}, \"duration\": \"1ns\"}");
        expect_ok("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}, \"id\": \"a\"}");
}

static void test_members(void) {
        /* Unknown members, at every level, with their path. */
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}, \"bogus\": 1}", "bogus", "unknown member");
        expect_error("{\"target\": {\"pid\": 1, \"cgroup\": \"x\"}, \"netem\": {\"loss\": 1}}", "target.cgroup",
                     "unknown member");
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": {\"latncy\": \"90ms\"}}", "netem.latncy", "unknown member");
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": {\"Latency\": \"90ms\"}}", "netem.Latency",
                     "unknown member");
        expect_error("{\"Target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", "Target", "unknown member");

        /* Duplicate members cannot smuggle a second value past the first. */
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}, \"netem\": {\"loss\": 2}}", "netem",
                     "duplicate");
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1, \"loss\": 2}}", "netem.loss", "duplicate");
        expect_error("{\"target\": {\"pid\": 1, \"pid\": 2}, \"netem\": {\"loss\": 1}}", "target.pid", "duplicate");

        /* A long unknown name is cut to fit, and not in the middle of a UTF-8 character. */
        {
                char json[512], name[300];
                FaultSpec s = {};
                SpecError e;

                memset(name, 'a', 126);
                strcpy(name + 126, "\xc3\xa9\xc3\xa9\xc3\xa9 and more");
                snprintf(json, sizeof json, "{\"target\": {\"pid\": 1}, \"netem\": {\"%s\": 1}}", name);
                CHECK_EQ_INT(parse(json, &s, &e), -EINVAL);
                CHECK(strlen(e.field) < sizeof e.field);
                CHECK(strncmp(e.field, "netem.aaaa", 10) == 0);
                CHECK(((unsigned char) e.field[strlen(e.field) - 1] & 0xC0) != 0xC0);   /* no dangling lead byte */
                CHECK_STREQ(e.reason, "unknown member");
        }

        expect_error("[]", "params", "object");
        expect_error("null", "params", "object");
        expect_error("{\"netem\": {\"loss\": 1}}", "target", "required");
        expect_error("{\"target\": {\"pid\": 1}}", "netem", "required unless partition is true");
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": {}}", "netem", "at least one");
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": [\"loss\"]}", "netem", "object");
        expect_error("{\"target\": {\"pid\": 1}, \"netem\": null}", "netem", "object");
}

static void test_id(void) {
        char json[512], id[200];

        expect_error("{\"id\": \"\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", "id", "1 to 128");
        expect_error("{\"id\": \"a b\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", "id", "1 to 128");
        expect_error("{\"id\": \"a/b\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", "id", "1 to 128");
        expect_error("{\"id\": \"caf\xc3\xa9\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", "id", "1 to 128");
        expect_error("{\"id\": 5, \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", "id", "1 to 128");
        expect_error("{\"id\": null, \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", "id", "1 to 128");

        memset(id, 'x', 128);
        id[128] = '\0';
        snprintf(json, sizeof json, "{\"id\": \"%s\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", id);
        expect_ok(json);
        strcat(id, "x");
        snprintf(json, sizeof json, "{\"id\": \"%s\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", id);
        expect_error(json, "id", "1 to 128");
}

static void test_target(void) {
        static char json[8192], path[4200];

        expect_error("{\"target\": {}, \"netem\": {\"loss\": 1}}", "target", "exactly one");
        expect_error("{\"target\": {\"pid\": 1, \"pod\": \"6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f\"}, \"netem\": {\"loss\": 1}}",
                     "target", "exactly one");
        expect_error("{\"target\": {\"pod\": \"6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f\", \"container\": \"x\"}, "
                     "\"netem\": {\"loss\": 1}}", "target", "exactly one");
        expect_error("{\"target\": {\"uid\": \"x\"}, \"netem\": {\"loss\": 1}}", "target.uid", "unknown");
        expect_error("{\"target\": {\"pid\": 1, \"netns\": \"/x\"}, \"netem\": {\"loss\": 1}}", "target", "exactly one");
        expect_error("{\"target\": 1, \"netem\": {\"loss\": 1}}", "target", "object");
        expect_error("{\"target\": \"/run/netns/x\", \"netem\": {\"loss\": 1}}", "target", "object");
        expect_error("{\"target\": {\"pid\": 0}, \"netem\": {\"loss\": 1}}", "target.pid", "positive integer");
        expect_error("{\"target\": {\"pid\": -1}, \"netem\": {\"loss\": 1}}", "target.pid", "positive integer");
        expect_error("{\"target\": {\"pid\": 1.5}, \"netem\": {\"loss\": 1}}", "target.pid", "positive integer");
        expect_error("{\"target\": {\"pid\": \"123\"}, \"netem\": {\"loss\": 1}}", "target.pid", "positive integer");
        expect_error("{\"target\": {\"pid\": 2147483648}, \"netem\": {\"loss\": 1}}", "target.pid", "positive integer");
        expect_error("{\"target\": {\"pid\": 1e300}, \"netem\": {\"loss\": 1}}", "target.pid", "positive integer");
        expect_error("{\"target\": {\"netns\": \"run/netns/x\"}, \"netem\": {\"loss\": 1}}", "target.netns", "absolute");
        expect_error("{\"target\": {\"netns\": \"\"}, \"netem\": {\"loss\": 1}}", "target.netns", "absolute");
        expect_error("{\"target\": {\"netns\": 5}, \"netem\": {\"loss\": 1}}", "target.netns", "absolute");

        path[0] = '/';
        memset(path + 1, 'p', 4094);
        path[4095] = '\0';
        snprintf(json, sizeof json, "{\"target\": {\"netns\": \"%s\"}, \"netem\": {\"loss\": 1}}", path);
        expect_ok(json);
        strcat(path, "p");
        snprintf(json, sizeof json, "{\"target\": {\"netns\": \"%s\"}, \"netem\": {\"loss\": 1}}", path);
        expect_error(json, "target.netns", "4095");
}

#define CID "4f3a9c1b2d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"

static void expect_target(const char *target_json, TargetKind kind, const char *id, const char *ref) {
        char json[512];
        FaultSpec s = {};
        SpecError e;

        snprintf(json, sizeof json, "{\"target\": %s, \"netem\": {\"loss\": 1}}", target_json);
        CHECK_EQ_INT(parse(json, &s, &e), 0);
        CHECK_EQ_INT(s.target.kind, kind);
        CHECK_STREQ(s.target.id, id);
        CHECK_STREQ(s.target.ref, ref);
        fault_spec_done(&s);
}

static void test_target_container_pod(void) {
        FaultSpec a = {}, b = {};
        SpecError e;

        expect_target("{\"container\": \"containerd://" CID "\"}", TARGET_CONTAINER, CID, "containerd://" CID);
        expect_target("{\"container\": \"cri-o://" CID "\"}", TARGET_CONTAINER, CID, "cri-o://" CID);
        expect_target("{\"container\": \"docker://" CID "\"}", TARGET_CONTAINER, CID, "docker://" CID);
        expect_target("{\"container\": \"" CID "\"}", TARGET_CONTAINER, CID, CID);
        expect_target("{\"pod\": \"6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f\"}", TARGET_POD,
                      "6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f", "6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f");
        expect_target("{\"pod\": \"6b7d1e2f_3a4b_4c5d_8e9f_0a1b2c3d4e5f\"}", TARGET_POD,
                      "6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f", "6b7d1e2f_3a4b_4c5d_8e9f_0a1b2c3d4e5f");

        expect_error("{\"target\": {\"container\": \"containerd://4f3a9c1b2d8e\"}, \"netem\": {\"loss\": 1}}",
                     "target.container", "64 hex digits");
        expect_error("{\"target\": {\"container\": \"rkt://" CID "\"}, \"netem\": {\"loss\": 1}}",
                     "target.container", "containerd://ID");
        expect_error("{\"target\": {\"container\": 42}, \"netem\": {\"loss\": 1}}", "target.container", "64 hex");
        expect_error("{\"target\": {\"container\": \"\"}, \"netem\": {\"loss\": 1}}", "target.container", "64 hex");
        expect_error("{\"target\": {\"pod\": \"6b7d1e2f-3a4b-4c5d-8e9f\"}, \"netem\": {\"loss\": 1}}",
                     "target.pod", "pod UID");
        expect_error("{\"target\": {\"pod\": \"6b7d1e2f-3a4b_4c5d-8e9f-0a1b2c3d4e5f\"}, \"netem\": {\"loss\": 1}}",
                     "target.pod", "underscores");
        expect_error("{\"target\": {\"pod\": null}, \"netem\": {\"loss\": 1}}", "target.pod", "pod UID");

        /* One container, two spellings: the same target, so re-applying under the same id renews. */
        CHECK_EQ_INT(parse("{\"target\": {\"container\": \"containerd://" CID "\"}, \"netem\": {\"loss\": 1}}",
                           &a, &e), 0);
        CHECK_EQ_INT(parse("{\"target\": {\"container\": \"" CID "\"}, \"netem\": {\"loss\": 1}}", &b, &e), 0);
        CHECK(fault_spec_equal(&a, &b));
        fault_spec_done(&b);
        CHECK_EQ_INT(parse("{\"target\": {\"pod\": \"6b7d1e2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f\"}, \"netem\": {\"loss\": 1}}",
                           &b, &e), 0);
        CHECK(!fault_spec_equal(&a, &b));
        fault_spec_done(&a);
        fault_spec_done(&b);
}

static void test_devices(void) {
        char json[4096];
        size_t o;

        expect_error("{\"target\": {\"pid\": 1}, \"device\": [], \"netem\": {\"loss\": 1}}", "device", "at least one");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": 5, \"netem\": {\"loss\": 1}}", "device", "string");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": \"\", \"netem\": {\"loss\": 1}}", "device", "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": \"0123456789abcdef\", \"netem\": {\"loss\": 1}}", "device",
                     "interface");
        expect_ok("{\"target\": {\"pid\": 1}, \"device\": \"0123456789abcde\", \"netem\": {\"loss\": 1}}");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": [\"eth0\", \"a/b\"], \"netem\": {\"loss\": 1}}", "device[1]",
                     "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": [\"eth0\", \"a b\"], \"netem\": {\"loss\": 1}}", "device[1]",
                     "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": [\"eth0\", \"a\\tb\"], \"netem\": {\"loss\": 1}}",
                     "device[1]", "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": [\"eth0\", \"eth0:1\"], \"netem\": {\"loss\": 1}}",
                     "device[1]", "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": [\".\"], \"netem\": {\"loss\": 1}}", "device[0]",
                     "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": \"..\", \"netem\": {\"loss\": 1}}", "device", "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": [1], \"netem\": {\"loss\": 1}}", "device[0]", "interface");
        expect_error("{\"target\": {\"pid\": 1}, \"device\": [\"a\", \"b\", \"a\"], \"netem\": {\"loss\": 1}}",
                     "device[2]", "duplicate of device[0]");

        /* 64 devices are fine, 65 are not. */
        o = (size_t) snprintf(json, sizeof json, "{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}, \"device\": [");
        for (int i = 0; i < 64; i++)
                o += (size_t) snprintf(json + o, sizeof json - o, "%s\"d%d\"", i ? "," : "", i);
        snprintf(json + o, sizeof json - o, "]}");
        expect_ok(json);
        snprintf(json + o, sizeof json - o, ",\"d64\"]}");
        expect_error(json, "device", "at most 64");
}

static void test_netem_values(void) {
#define NETEM(x) "{\"target\": {\"pid\": 1}, \"netem\": {" x "}}"
        /* Durations are strings only. */
        expect_error(NETEM("\"latency\": 90"), "netem.latency", "must be a duration string such as \"90ms\"");
        expect_error(NETEM("\"latency\": \"90\""), "netem.latency", "duration string");
        expect_error(NETEM("\"latency\": \"90 ms\""), "netem.latency", "duration string");
        expect_error(NETEM("\"latency\": \"-5ms\""), "netem.latency", "negative");
        expect_error(NETEM("\"latency\": \"3000000h\""), "netem.latency", "too large");
        expect_error(NETEM("\"latency\": null"), "netem.latency", "duration string");
        expect_error(NETEM("\"latency\": \"1ms\", \"jitter\": 1"), "netem.jitter", "duration string");

        /* The jitter cap: the kernel works in 32-bit nanoseconds. */
        expect_error(NETEM("\"latency\": \"1s\", \"jitter\": \"2.147483648s\""), "netem.jitter", "at most 2.147483647s");
        expect_error(NETEM("\"latency\": \"1s\", \"jitter\": \"3s\""), "netem.jitter", "kernel limit");

        /* Percents: numbers or numeric strings, 0..100. */
        expect_error(NETEM("\"loss\": 101"), "netem.loss", "between 0 and 100");
        expect_error(NETEM("\"loss\": -1"), "netem.loss", "between 0 and 100");
        expect_error(NETEM("\"loss\": \"101%\""), "netem.loss", "between 0 and 100");
        expect_error(NETEM("\"loss\": \"-0.1\""), "netem.loss", "between 0 and 100");
        expect_error(NETEM("\"loss\": 1e999"), "netem.loss", "between 0 and 100");
        expect_error(NETEM("\"loss\": \"lots\""), "netem.loss", "percent");
        expect_error(NETEM("\"loss\": \"nan\""), "netem.loss", "percent");
        expect_error(NETEM("\"loss\": \"inf\""), "netem.loss", "percent");
        expect_error(NETEM("\"loss\": true"), "netem.loss", "percent");
        expect_error(NETEM("\"loss\": [25]"), "netem.loss", "percent");
        expect_error(NETEM("\"duplicate\": 200"), "netem.duplicate", "between");
        expect_error(NETEM("\"corrupt\": \"x\""), "netem.corrupt", "percent");
        expect_error(NETEM("\"latency\": \"1ms\", \"reorder\": 100.5"), "netem.reorder", "between");
        expect_error(NETEM("\"latency\": \"1ms\", \"correlation\": -3"), "netem.correlation", "between");

        expect_error(NETEM("\"latency\": \"1ms\", \"distribution\": \"gauss\""), "netem.distribution", "one of");
        expect_error(NETEM("\"latency\": \"1ms\", \"distribution\": \"Normal\""), "netem.distribution", "one of");
        expect_error(NETEM("\"latency\": \"1ms\", \"distribution\": 1"), "netem.distribution", "one of");

        expect_error(NETEM("\"latency\": \"1ms\", \"reorder\": 1, \"gap\": -1"), "netem.gap", "non-negative integer");
        expect_error(NETEM("\"latency\": \"1ms\", \"reorder\": 1, \"gap\": 1.5"), "netem.gap", "non-negative integer");
        expect_error(NETEM("\"latency\": \"1ms\", \"reorder\": 1, \"gap\": \"1.5\""), "netem.gap", "non-negative");
        expect_error(NETEM("\"latency\": \"1ms\", \"reorder\": 1, \"gap\": \"\""), "netem.gap", "non-negative");
        expect_error(NETEM("\"latency\": \"1ms\", \"reorder\": 1, \"gap\": 4294967296"), "netem.gap", "at most");
        expect_error(NETEM("\"latency\": \"1ms\", \"reorder\": 1, \"gap\": \"99999999999999999999\""), "netem.gap",
                     "at most");
        expect_error(NETEM("\"limit\": 0"), "netem.limit", "positive integer");
        expect_error(NETEM("\"limit\": \"0\""), "netem.limit", "positive integer");
        expect_error(NETEM("\"limit\": \"-5\""), "netem.limit", "positive integer");
        expect_error(NETEM("\"limit\": 4294967296"), "netem.limit", "at most");

        expect_error(NETEM("\"rate\": 1000"), "netem.rate", "rate string");
        expect_error(NETEM("\"rate\": \"fast\""), "netem.rate", "tc rate");
        expect_error(NETEM("\"rate\": \"10 mbit\""), "netem.rate", "tc rate");
        expect_error(NETEM("\"rate\": \"0mbit\""), "netem.rate", "above zero");
        expect_error(NETEM("\"rate\": \"-1mbit\""), "netem.rate", "above zero");

        /* Cross checks, reported on the member that needs the other. */
        expect_error(NETEM("\"jitter\": \"10ms\""), "netem.jitter", "requires netem.latency");
        expect_error(NETEM("\"correlation\": 25"), "netem.correlation", "requires netem.latency");
        expect_error(NETEM("\"distribution\": \"normal\""), "netem.distribution", "requires netem.latency");
        expect_error(NETEM("\"reorder\": 25"), "netem.reorder", "requires netem.latency");
        expect_error(NETEM("\"latency\": \"0s\", \"reorder\": 25"), "netem.reorder", "non-zero netem.latency");
        expect_error(NETEM("\"latency\": \"1ms\", \"gap\": 5"), "netem.gap", "requires netem.reorder");
        expect_error(NETEM("\"loss_correlation\": 25"), "netem.loss_correlation", "requires netem.loss");
        expect_error(NETEM("\"duplicate_correlation\": 25"), "netem.duplicate_correlation", "requires netem.duplicate");
        expect_error(NETEM("\"corrupt_correlation\": 25"), "netem.corrupt_correlation", "requires netem.corrupt");
        expect_error(NETEM("\"latency\": \"1ms\", \"reorder_correlation\": 25"), "netem.reorder_correlation",
                     "requires netem.reorder");
#undef NETEM
}

static void test_duration(void) {
#define WITH(x) "{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}, \"duration\": " x "}"
        expect_error(WITH("\"0\""), "duration", "greater than zero");
        expect_error(WITH("\"0s\""), "duration", "greater than zero");
        expect_error(WITH("30"), "duration", "must be a duration string such as \"90ms\"");
        expect_error(WITH("\"30\""), "duration", "duration string");
        expect_error(WITH("\"-1s\""), "duration", "negative");
        expect_error(WITH("null"), "duration", "duration string");
        expect_ok(WITH("\"1h\""));
#undef WITH
}

static void test_equal(void) {
        FaultSpec s = {};
        SpecError e;

        CHECK(equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                         "{\"netem\": {\"loss\": \"25%\"}, \"target\": {\"pid\": 1}}"));
        /* The id is the key, not part of the spec. */
        CHECK(equal_json("{\"id\": \"a\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                         "{\"id\": \"b\", \"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}"));
        CHECK(equal_json("{\"target\": {\"netns\": \"/n\"}, \"device\": [\"a\", \"b\"], \"netem\": {\"latency\": \"1s\"}}",
                         "{\"target\": {\"netns\": \"/n\"}, \"device\": [\"b\", \"a\"], \"netem\": {\"latency\": \"1000ms\"}}"));
        CHECK(equal_json("{\"target\": {\"pid\": 1}, \"device\": \"a\", \"netem\": {\"rate\": \"8mbit\"}}",
                         "{\"target\": {\"pid\": 1}, \"device\": [\"a\"], \"netem\": {\"rate\": \"1mbps\"}}"));

        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"pid\": 2}, \"netem\": {\"loss\": 25}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"netns\": \"/proc/1/ns/net\"}, \"netem\": {\"loss\": 25}}"));
        CHECK(!equal_json("{\"target\": {\"netns\": \"/a\"}, \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"netns\": \"/b\"}, \"netem\": {\"loss\": 25}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 26}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 0}}",
                          "{\"target\": {\"pid\": 1}, \"netem\": {\"duplicate\": 0}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25, \"limit\": 1000}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}, \"duration\": \"1m\"}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}, \"duration\": \"2m\"}",
                          "{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}, \"duration\": \"1m\"}"));
        /* No device (every device) is not the same as a list. */
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"pid\": 1}, \"device\": [\"eth0\"], \"netem\": {\"loss\": 25}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"device\": [\"a\", \"b\"], \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"pid\": 1}, \"device\": [\"a\", \"c\"], \"netem\": {\"loss\": 25}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"device\": [\"a\", \"b\"], \"netem\": {\"loss\": 25}}",
                          "{\"target\": {\"pid\": 1}, \"device\": [\"a\"], \"netem\": {\"loss\": 25}}"));
        CHECK(!equal_json("{\"target\": {\"pid\": 1}, \"netem\": {\"latency\": \"1ms\", \"distribution\": \"normal\"}}",
                          "{\"target\": {\"pid\": 1}, \"netem\": {\"latency\": \"1ms\", \"distribution\": \"pareto\"}}"));

        CHECK_EQ_INT(parse("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", &s, &e), 0);
        CHECK(fault_spec_equal(&s, &s));
        fault_spec_done(&s);
}

/* The normal form reads back as an equal spec. */
static void test_roundtrip(void) {
        FaultSpec a = {}, b = {};
        SpecError e;
        cJSON *n;

        CHECK_EQ_INT(parse("{\"target\": {\"netns\": \"/run/netns/t\"}, \"device\": [\"v0\", \"v1\"],"
                           " \"netem\": {\"latency\": \"1500us\", \"jitter\": \"0.25ms\", \"correlation\": \"12.5\","
                           "  \"distribution\": \"normal\", \"loss\": \"0.001\", \"reorder\": 3, \"gap\": 2,"
                           "  \"rate\": \"1.5kibit\", \"limit\": 7}, \"duration\": \"3600s\"}", &a, &e), 0);
        n = fault_spec_to_json(&a);
        CHECK(n != NULL);
        CHECK_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "netem"), "latency")->valuestring, "1.5ms");
        CHECK_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "netem"), "jitter")->valuestring, "250us");
        CHECK_STREQ(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "netem"), "rate")->valuestring, "1536bit");
        CHECK_STREQ(cJSON_GetObjectItem(n, "duration")->valuestring, "1h");
        cJSON_AddItemToObject(n, "target", cJSON_Parse("{\"netns\": \"/run/netns/t\"}"));
        CHECK_EQ_INT(fault_spec_from_json(n, &b, &e), 0);
        CHECK(fault_spec_equal(&a, &b));
        cJSON_Delete(n);
        fault_spec_done(&a);
        fault_spec_done(&b);
}

/* Members that later decoders fill in: owned memory is freed, and a difference is a different spec. */
static void test_match_members(void) {
        FaultSpec a = {}, b = {};
        SpecError e;

        CHECK_EQ_INT(parse("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", &a, &e), 0);
        CHECK_EQ_INT(parse("{\"target\": {\"pid\": 1}, \"netem\": {\"loss\": 1}}", &b, &e), 0);
        CHECK_EQ_INT(a.direction, DIRECTION_EGRESS);
        CHECK(!a.partition && a.match.n_cidrs == 0 && a.match.cidrs == NULL);

        a.match.cidrs = calloc(2, sizeof(Cidr));
        b.match.cidrs = calloc(2, sizeof(Cidr));
        CHECK_EQ_INT(cidr_from_string("10.96.0.0/12", &a.match.cidrs[0]), 0);
        CHECK_EQ_INT(cidr_from_string("2001:db8::/32", &a.match.cidrs[1]), 0);
        b.match.cidrs[0] = a.match.cidrs[0];
        b.match.cidrs[1] = a.match.cidrs[1];
        a.match.n_cidrs = b.match.n_cidrs = 2;
        CHECK(fault_spec_equal(&a, &b));

        CHECK_EQ_INT(cidr_from_string("10.96.0.0/13", &b.match.cidrs[0]), 0);
        CHECK(!fault_spec_equal(&a, &b));
        b.match.cidrs[0] = a.match.cidrs[0];

        a.match.ports[0] = (PortRange) { 80, 80 };
        a.match.n_ports = 1;
        CHECK(!fault_spec_equal(&a, &b));
        b.match.ports[0] = (PortRange) { 80, 81 };
        b.match.n_ports = 1;
        CHECK(!fault_spec_equal(&a, &b));
        b.match.ports[0].hi = 80;
        CHECK(fault_spec_equal(&a, &b));

        a.match.protocol = 6;
        CHECK(!fault_spec_equal(&a, &b));
        b.match.protocol = 6;
        a.direction = DIRECTION_BOTH;
        CHECK(!fault_spec_equal(&a, &b));
        b.direction = DIRECTION_BOTH;
        a.partition = true;
        CHECK(!fault_spec_equal(&a, &b));
        b.partition = true;
        CHECK(fault_spec_equal(&a, &b));

        CHECK_STREQ(fault_direction_to_string(DIRECTION_EGRESS), "egress");
        CHECK_STREQ(fault_direction_to_string(DIRECTION_INGRESS), "ingress");
        CHECK_STREQ(fault_direction_to_string(DIRECTION_BOTH), "both");
        CHECK(fault_direction_to_string(_DIRECTION_MAX) == NULL);
        CHECK(fault_direction_to_string(_DIRECTION_INVALID) == NULL);

        fault_spec_done(&a);    /* frees the CIDRs (ASan's leak check sees it) */
        CHECK(a.match.cidrs == NULL && a.match.n_cidrs == 0);
        fault_spec_done(&b);
}

/* --- match, direction, partition ----------------------------------------------------------------------------- */

#define T "\"target\": {\"pid\": 1}"
#define LOSS "\"netem\": {\"loss\": 1}"
#define PART "\"partition\": true"

static void test_match_accepted(void) {
        FaultSpec s = {};
        SpecError e;
        char buf[64], *t;

        /* Unsorted, mixed families, a bare address (a host prefix) and duplicates written two ways. */
        CHECK_EQ_INT(parse("{" T ", " LOSS ", \"direction\": \"ingress\", \"match\": {"
                           " \"cidrs\": [\"2001:db8::/32\", \"10.96.0.0/12\", \"192.0.2.7\", \"10.0.0.0/8\","
                           "  \"2001:DB8:0::/32\", \"10.96.0.0/12\", \"::1\", \"0.0.0.0/0\"],"
                           " \"ports\": [443, \"80\", \"8000-8100\", \"22-22\", 80, \"1-65535\"],"
                           " \"protocol\": \"tcp\"}}", &s, &e), 0);
        CHECK_EQ_INT(s.direction, DIRECTION_INGRESS);
        CHECK(!s.partition);
        CHECK_EQ_INT(s.match.protocol, IPPROTO_TCP);
        CHECK_EQ_INT(s.match.n_cidrs, 6);
        if (s.match.n_cidrs == 6) {
                static const char *const want[] = { "0.0.0.0/0", "10.0.0.0/8", "10.96.0.0/12", "192.0.2.7/32",
                                                     "2001:db8::/32", "::1/128" };
                for (size_t i = 0; i < 6; i++)
                        CHECK_STREQ(cidr_to_string(&s.match.cidrs[i], buf, sizeof buf), want[i]);
                CHECK_EQ_INT(s.match.cidrs[0].family, AF_INET);
                CHECK_EQ_INT(s.match.cidrs[5].family, AF_INET6);
        }
        /* Sorted by (lo, hi), exact duplicates gone, overlaps kept. */
        CHECK_EQ_INT(s.match.n_ports, 5);
        CHECK(s.match.ports[0].lo == 1 && s.match.ports[0].hi == 65535);
        CHECK(s.match.ports[1].lo == 22 && s.match.ports[1].hi == 22);
        CHECK(s.match.ports[2].lo == 80 && s.match.ports[2].hi == 80);
        CHECK(s.match.ports[3].lo == 443 && s.match.ports[3].hi == 443);
        CHECK(s.match.ports[4].lo == 8000 && s.match.ports[4].hi == 8100);

        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"match\":{\"cidrs\":[\"0.0.0.0/0\",\"10.0.0.0/8\",\"10.96.0.0/12\",\"192.0.2.7/32\","
                       "\"2001:db8::/32\",\"::1/128\"],\"ports\":[\"1-65535\",22,80,443,\"8000-8100\"],"
                       "\"protocol\":\"tcp\"},\"direction\":\"ingress\",\"netem\":{\"loss\":1}}");
        free(t);
        fault_spec_done(&s);

        /* A partition needs no netem; its normal form has none. */
        CHECK_EQ_INT(parse("{" T ", " PART ", \"direction\": \"both\", \"match\": {\"cidrs\": [\"192.0.2.3\"]}}",
                           &s, &e), 0);
        CHECK(s.partition);
        CHECK_EQ_INT(s.direction, DIRECTION_BOTH);
        CHECK_EQ_INT(s.netem.set, 0);
        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"match\":{\"cidrs\":[\"192.0.2.3/32\"]},\"direction\":\"both\",\"partition\":true}");
        free(t);
        fault_spec_done(&s);

        /* An empty match is all traffic, and "all" is the default protocol: both leave match out. */
        CHECK_EQ_INT(parse("{" T ", " LOSS ", \"match\": {}}", &s, &e), 0);
        CHECK(s.match.n_cidrs == 0 && s.match.cidrs == NULL && s.match.n_ports == 0 && s.match.protocol == 0);
        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"direction\":\"egress\",\"netem\":{\"loss\":1}}");
        free(t);
        fault_spec_done(&s);
        CHECK_EQ_INT(parse("{" T ", " LOSS ", \"match\": {\"protocol\": \"all\"}, \"direction\": \"egress\","
                           " \"partition\": false}", &s, &e), 0);
        CHECK(s.match.protocol == 0 && s.direction == DIRECTION_EGRESS && !s.partition);
        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"direction\":\"egress\",\"netem\":{\"loss\":1}}");
        free(t);
        fault_spec_done(&s);

        CHECK_EQ_INT(parse("{" T ", " PART ", \"match\": {\"protocol\": \"udp\", \"ports\": [\"65535\", 1]}}", &s, &e),
                     0);
        CHECK_EQ_INT(s.match.protocol, IPPROTO_UDP);
        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"match\":{\"ports\":[1,65535],\"protocol\":\"udp\"},\"direction\":\"egress\","
                       "\"partition\":true}");
        free(t);
        fault_spec_done(&s);

        CHECK_EQ_INT(parse("{" T ", " PART ", \"match\": {\"protocol\": \"icmp\", \"cidrs\": [\"::/0\"]}}", &s, &e), 0);
        CHECK_EQ_INT(s.match.protocol, IPPROTO_ICMP);
        t = to_json_string(&s);
        CHECK_STREQ(t, "{\"match\":{\"cidrs\":[\"::/0\"],\"protocol\":\"icmp\"},\"direction\":\"egress\","
                       "\"partition\":true}");
        free(t);
        fault_spec_done(&s);

        /* Member order does not matter: partition after netem-less members, match before target. */
        expect_ok("{\"match\": {\"ports\": [80], \"protocol\": \"tcp\"}, " PART ", " T "}");
        expect_ok("{\"match\": {\"protocol\": \"all\", \"ports\": [\"1-1\"]}, " T ", " LOSS "}");
        expect_ok("{" T ", \"partition\": false, " LOSS "}");
        expect_ok("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"255.255.255.255/32\", \"ffff::/16\", \"fe80::1\"]}}");

        /* 16 port ranges, duplicates included, are fine. */
        expect_ok("{" T ", " PART ", \"match\": {\"ports\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,1]}}");
}

static void test_match_rejected(void) {
        /* The object and its members. */
        expect_error("{" T ", " LOSS ", \"match\": []}", "match", "must be an object");
        expect_error("{" T ", " LOSS ", \"match\": null}", "match", "must be an object");
        expect_error("{" T ", " LOSS ", \"match\": \"10.0.0.0/8\"}", "match", "must be an object");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidr\": [\"10.0.0.0/8\"]}}", "match.cidr", "unknown member");
        expect_error("{" T ", " LOSS ", \"match\": {\"port\": 80}}", "match.port", "unknown member");
        expect_error("{" T ", " LOSS ", \"match\": {\"Protocol\": \"tcp\"}}", "match.Protocol", "unknown member");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [1], \"ports\": [2]}}", "match.ports", "duplicate");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"::/0\"], \"cidrs\": [\"::/0\"]}}", "match.cidrs",
                     "duplicate");
        expect_error("{" T ", " LOSS ", \"match\": {\"protocol\": \"tcp\", \"protocol\": \"tcp\"}}", "match.protocol",
                     "duplicate");
        expect_error("{" T ", " LOSS ", \"match\": {}, \"match\": {}}", "match", "duplicate");

        /* CIDRs. */
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": \"10.0.0.0/8\"}}", "match.cidrs", "must be an array");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": null}}", "match.cidrs", "must be an array");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": []}}", "match.cidrs", "at least one CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8\", \"::1\", \"192.0.2.0/24\", \"bogus\"]}}",
                     "match.cidrs[3]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [5]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [null]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [[\"10.0.0.0/8\"]]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"300.0.0.0/8\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/-1\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/08\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8 \"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\" 10.0.0.0/8\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8/8\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/1024\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"example.com\"]}}", "match.cidrs[0]", "not a CIDR");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8\", \"10.0.0.1/24\"]}}", "match.cidrs[1]",
                     "host bits set below the /24 prefix (the network is 10.0.0.0/24)");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.96.0.0/10\"]}}", "match.cidrs[0]",
                     "host bits set below the /10 prefix (the network is 10.64.0.0/10)");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"192.0.2.1/0\"]}}", "match.cidrs[0]",
                     "host bits set below the /0 prefix (the network is 0.0.0.0/0)");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"2001:db8::1/32\"]}}", "match.cidrs[0]",
                     "host bits set below the /32 prefix (the network is 2001:db8::/32)");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/33\"]}}", "match.cidrs[0]",
                     "prefix length /33 is above /32");
        expect_error("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"2001:db8::/129\"]}}", "match.cidrs[0]",
                     "prefix length /129 is above /128");

        /* Ports. */
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": 80}}", "match.ports", "must be an array");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": \"80\"}}", "match.ports", "must be an array");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": []}}", "match.ports", "at least one port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}}",
                     "match.ports", "at most 16");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [70000]}}", "match.ports[0]", "port 70000 is above 65535");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [80, \"70000\"]}}", "match.ports[1]",
                     "port 70000 is above 65535");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"80-70000\"]}}", "match.ports[0]",
                     "port 70000 is above 65535");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [65536]}}", "match.ports[0]", "port 65536 is above 65535");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"99999999999999999999999\"]}}", "match.ports[0]",
                     "port 99999999999999999999999 is above 65535");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [1e300]}}", "match.ports[0]", "above 65535");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [0]}}", "match.ports[0]", "port 0 is below 1");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"0-80\"]}}", "match.ports[0]", "port 0 is below 1");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [-5]}}", "match.ports[0]", "port -5 is below 1");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [80, 443, \"9000-8000\"]}}", "match.ports[2]",
                     "reversed range 9000-8000");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [80.5]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"http\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"80-\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"-80\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"80-90-100\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"80 - 90\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\" 80\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"+80\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"80/tcp\"]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [null]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [true]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [[80, 90]]}}", "match.ports[0]", "must be a port");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [{\"lo\": 80}]}}", "match.ports[0]", "must be a port");

        /* Protocol, and ports that ICMP does not have, whichever member comes first. */
        expect_error("{" T ", " LOSS ", \"match\": {\"protocol\": \"sctp\"}}", "match.protocol",
                     "must be one of tcp, udp, icmp, all");
        expect_error("{" T ", " LOSS ", \"match\": {\"protocol\": \"TCP\"}}", "match.protocol", "must be one of");
        expect_error("{" T ", " LOSS ", \"match\": {\"protocol\": 6}}", "match.protocol", "must be one of");
        expect_error("{" T ", " LOSS ", \"match\": {\"protocol\": \"icmpv6\"}}", "match.protocol", "must be one of");
        expect_error("{" T ", " LOSS ", \"match\": {\"protocol\": null}}", "match.protocol", "must be one of");
        expect_error("{" T ", " LOSS ", \"match\": {\"protocol\": \"icmp\", \"ports\": [80]}}", "match.ports",
                     "ports need tcp, udp or all");
        expect_error("{" T ", " LOSS ", \"match\": {\"ports\": [\"1-2\"], \"protocol\": \"icmp\"}}", "match.ports",
                     "ports need tcp, udp or all");

        /* Direction. */
        expect_error("{" T ", " LOSS ", \"direction\": \"sideways\"}", "direction", "must be one of egress, ingress, both");
        expect_error("{" T ", " LOSS ", \"direction\": \"Egress\"}", "direction", "must be one of");
        expect_error("{" T ", " LOSS ", \"direction\": \"\"}", "direction", "must be one of");
        expect_error("{" T ", " LOSS ", \"direction\": 0}", "direction", "must be one of");
        expect_error("{" T ", " LOSS ", \"direction\": null}", "direction", "must be one of");
        expect_error("{" T ", " LOSS ", \"direction\": [\"egress\"]}", "direction", "must be one of");
        expect_error("{" T ", " LOSS ", \"direction\": \"egress\", \"direction\": \"ingress\"}", "direction",
                     "duplicate");

        /* Partition. */
        expect_error("{" T ", \"partition\": \"true\"}", "partition", "must be true or false");
        expect_error("{" T ", \"partition\": 1}", "partition", "must be true or false");
        expect_error("{" T ", \"partition\": null}", "partition", "must be true or false");
        expect_error("{" T ", " PART ", " PART "}", "partition", "duplicate");
        expect_error("{" T ", " PART ", \"netem\": {\"latency\": \"1ms\"}}", "partition", "cannot be combined with netem");
        expect_error("{\"netem\": {\"loss\": 100}, " T ", " PART "}", "partition", "cannot be combined with netem");
        expect_error("{" T ", " PART ", \"netem\": {}}", "netem", "at least one");
        expect_error("{" T ", \"partition\": false}", "netem", "required unless partition is true");
        expect_error("{" T ", \"match\": {\"cidrs\": [\"10.0.0.0/8\"]}}", "netem", "required unless partition is true");
        /* A bad member is named before what is missing. */
        expect_error("{" T ", \"match\": {\"cidrs\": [\"10.0.0.1/8\"]}}", "match.cidrs[0]", "host bits");
}

static int64_t mono_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* params with n distinct /24s, written in descending order so the decoder has to sort them. */
static cJSON *many_cidrs(size_t n, const char *extra) {
        cJSON *params = cJSON_Parse("{" T ", " PART ", \"match\": {\"cidrs\": []}}"), *a;
        char buf[32];

        a = cJSON_GetObjectItem(cJSON_GetObjectItem(params, "match"), "cidrs");
        for (size_t i = n; i-- > 0;) {
                snprintf(buf, sizeof buf, "10.%zu.%zu.0/24", (i >> 8) & 0xff, i & 0xff);
                if (i >= 65536)
                        snprintf(buf, sizeof buf, "11.%zu.%zu.0/24", (i >> 8) & 0xff, i & 0xff);
                cJSON_AddItemToArray(a, cJSON_CreateString(buf));
        }
        if (extra)
                cJSON_AddItemToArray(a, cJSON_CreateString(extra));
        return params;
}

static void test_cidr_limit(void) {
        FaultSpec s = {}, u = { .id = "sentinel" };
        SpecError e = {};
        char buf[64];
        cJSON *p;
        int64_t t0, dt;

        p = many_cidrs(MATCH_CIDRS_MAX, NULL);
        t0 = mono_ns();
        CHECK_EQ_INT(fault_spec_from_json(p, &s, &e), 0);
        dt = mono_ns() - t0;
        cJSON_Delete(p);
        printf("# 65536 CIDRs decoded, sorted and de-duplicated in %.2f ms\n", dt / 1e6);
        /* The target is well under 50 ms; the bound leaves room for sanitizer builds and a busy CI machine. */
        CHECK(dt < 250 * INT64_C(1000000));
        CHECK_EQ_INT(s.match.n_cidrs, 65536);
        if (s.match.n_cidrs == 65536) {
                CHECK_STREQ(cidr_to_string(&s.match.cidrs[0], buf, sizeof buf), "10.0.0.0/24");
                CHECK_STREQ(cidr_to_string(&s.match.cidrs[1], buf, sizeof buf), "10.0.1.0/24");
                CHECK_STREQ(cidr_to_string(&s.match.cidrs[256], buf, sizeof buf), "10.1.0.0/24");
                CHECK_STREQ(cidr_to_string(&s.match.cidrs[65535], buf, sizeof buf), "10.255.255.0/24");
        }
        fault_spec_done(&s);

        /* One more, even a duplicate, is over the limit: it counts entries as given. */
        p = many_cidrs(MATCH_CIDRS_MAX, "10.0.0.0/24");
        CHECK_EQ_INT(fault_spec_from_json(p, &u, &e), -EINVAL);
        CHECK_STREQ(e.field, "match.cidrs");
        CHECK_STREQ(e.reason, "at most 65536 CIDRs");
        CHECK_STREQ(u.id, "sentinel");
        CHECK(u.match.cidrs == NULL);
        cJSON_Delete(p);
        p = many_cidrs(MATCH_CIDRS_MAX + 1, NULL);
        CHECK_EQ_INT(fault_spec_from_json(p, &u, &e), -EINVAL);
        CHECK_STREQ(e.field, "match.cidrs");
        cJSON_Delete(p);

        /* 65,536 copies of one address are one CIDR. */
        p = cJSON_Parse("{" T ", " PART ", \"match\": {\"cidrs\": []}}");
        for (size_t i = 0; i < MATCH_CIDRS_MAX; i++)
                cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "match"), "cidrs"),
                                     cJSON_CreateString("192.0.2.9"));
        CHECK_EQ_INT(fault_spec_from_json(p, &s, &e), 0);
        CHECK_EQ_INT(s.match.n_cidrs, 1);
        fault_spec_done(&s);
        cJSON_Delete(p);
}

static void test_match_equal(void) {
        /* Orderings and duplicates of one set are one spec. */
        CHECK(equal_json("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.1\"]}}",
                         "{" T ", " LOSS ", \"match\": {\"cidrs\": [\"192.0.2.1/32\", \"2001:db8::/32\", \"10.0.0.0/8\","
                         " \"10.0.0.0/8\"]}}"));
        CHECK(equal_json("{" T ", " LOSS ", \"match\": {\"ports\": [443, \"8000-8100\", 80]}}",
                         "{" T ", " LOSS ", \"match\": {\"ports\": [\"80\", \"80-80\", \"8000-8100\", \"443\"]}}"));
        /* Defaults said out loud are the defaults. */
        CHECK(equal_json("{" T ", " LOSS "}",
                         "{" T ", " LOSS ", \"match\": {\"protocol\": \"all\"}, \"direction\": \"egress\","
                         " \"partition\": false}"));
        CHECK(equal_json("{" T ", " LOSS "}", "{" T ", " LOSS ", \"match\": {}}"));

        CHECK(!equal_json("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8\"]}}",
                          "{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/9\"]}}"));
        CHECK(!equal_json("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8\"]}}",
                          "{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8\", \"11.0.0.0/8\"]}}"));
        CHECK(!equal_json("{" T ", " LOSS ", \"match\": {\"cidrs\": [\"::a00:0/104\"]}}",
                          "{" T ", " LOSS ", \"match\": {\"cidrs\": [\"10.0.0.0/8\"]}}"));
        CHECK(!equal_json("{" T ", " LOSS "}", "{" T ", " LOSS ", \"match\": {\"cidrs\": [\"0.0.0.0/0\"]}}"));
        CHECK(!equal_json("{" T ", " LOSS ", \"match\": {\"ports\": [80, 81]}}",
                          "{" T ", " LOSS ", \"match\": {\"ports\": [\"80-81\"]}}"));
        CHECK(!equal_json("{" T ", " LOSS ", \"match\": {\"protocol\": \"tcp\"}}",
                          "{" T ", " LOSS ", \"match\": {\"protocol\": \"udp\"}}"));
        CHECK(!equal_json("{" T ", " LOSS "}", "{" T ", " LOSS ", \"direction\": \"both\"}"));
        CHECK(!equal_json("{" T ", " LOSS ", \"direction\": \"ingress\"}", "{" T ", " LOSS ", \"direction\": \"both\"}"));
        CHECK(!equal_json("{" T ", " LOSS "}", "{" T ", " PART "}"));
}

/* The normal form of a spec with every new member reads back as an equal spec. */
static void test_match_roundtrip(void) {
        static const char *const specs[] = {
                "{" T ", " PART ", \"direction\": \"both\", \"match\": {\"cidrs\": [\"2001:db8::/48\", \"10.96.0.0/12\"],"
                " \"ports\": [\"8000-8100\", 53], \"protocol\": \"udp\"}, \"duration\": \"30s\"}",
                "{" T ", \"netem\": {\"latency\": \"90ms\"}, \"direction\": \"ingress\","
                " \"match\": {\"protocol\": \"icmp\"}}",
                "{" T ", " LOSS ", \"match\": {}}",
        };

        for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
                FaultSpec a = {}, b = {};
                SpecError e;
                cJSON *n;

                CHECK_EQ_INT(parse(specs[i], &a, &e), 0);
                n = fault_spec_to_json(&a);
                CHECK(n != NULL);
                cJSON_AddItemToObject(n, "target", cJSON_Parse("{\"pid\": 1}"));
                CHECK_EQ_INT(fault_spec_from_json(n, &b, &e), 0);
                if (!fault_spec_equal(&a, &b)) {
                        fprintf(stderr, "round trip of %s differs (%s: %s)\n", specs[i], e.field, e.reason);
                        tap_failures++;
                }
                cJSON_Delete(n);
                fault_spec_done(&a);
                fault_spec_done(&b);
        }
}

#undef T
#undef LOSS
#undef PART

static void test_error_helper(void) {
        SpecError e = {};

        CHECK_EQ_INT(spec_error_set(&e, "netem.loss", "must be %s %d", "below", 101), -EINVAL);
        CHECK_STREQ(e.field, "netem.loss");
        CHECK_STREQ(e.reason, "must be below 101");
        CHECK_EQ_INT(spec_error_set(NULL, "x", "y"), -EINVAL);
        CHECK_EQ_INT(fault_spec_from_json(NULL, &(FaultSpec) {}, NULL), -EINVAL);
}

int main(void) {
        test_full();
        test_minimal();
        test_members();
        test_id();
        test_target();
        test_target_container_pod();
        test_devices();
        test_netem_values();
        test_duration();
        test_equal();
        test_roundtrip();
        test_match_members();
        test_match_accepted();
        test_match_rejected();
        test_cidr_limit();
        test_match_equal();
        test_match_roundtrip();
        test_error_helper();
        TAP_EXIT();
}
