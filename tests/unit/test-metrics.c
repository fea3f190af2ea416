/* SPDX-License-Identifier: MIT */
/* The Prometheus exposition: label values escaped as the text format 0.0.4 says, every line a HELP, a TYPE or a
 * sample that parses, each family's HELP and TYPE before its samples, histogram buckets monotone with +Inf equal to
 * the count, and the counters what was observed. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "registry-internal.h"
#include "rpc.h"
#include "tap.h"
#include "time-util.h"

static void test_escape(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain-id_1", "plain-id_1" },
                { "a\"b", "a\\\"b" },
                { "back\\slash", "back\\\\slash" },
                { "two\nlines", "two\\nlines" },
                { "\\\"\n", "\\\\\\\"\\n" },
                { "tab\tand é", "tab\tand é" },   /* only those three are escaped */
                { "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(buf_done) Buf b = {};

                CHECK_EQ_INT(metrics_label_escape(&b, cases[i].in), 0);
                CHECK_STREQ(b.data ?: "", cases[i].out);
        }
}

static void test_kind(void) {
        FaultSpec s = {};

        s.partition = true;
        CHECK_STREQ(metrics_fault_kind_to_string(metrics_fault_kind(&s)), "partition");
        s = (FaultSpec) { .netem.set = 1 };
        CHECK_STREQ(metrics_fault_kind_to_string(metrics_fault_kind(&s)), "netem");
        s.bandwidth.set = 1;
        CHECK_STREQ(metrics_fault_kind_to_string(metrics_fault_kind(&s)), "netem_bandwidth");
        s.netem.set = 0;
        CHECK_STREQ(metrics_fault_kind_to_string(metrics_fault_kind(&s)), "bandwidth");
}

static regex_t sample_re, help_re, type_re;

static void regexes(void) {
        /* name{label="value",...} value; a value inside quotes has only \\, \" and \n escapes. */
        CHECK(regcomp(&sample_re,
                      "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
                      "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\")*\\})? "
                      "(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$",
                      REG_EXTENDED) == 0);
        CHECK(regcomp(&help_re, "^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+$", REG_EXTENDED) == 0);
        CHECK(regcomp(&type_re, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$",
                      REG_EXTENDED) == 0);
}

static char *match_name(const regex_t *re, const char *line, char *name, size_t size) {
        regmatch_t m[2];
        size_t n;

        if (regexec(re, line, 2, m, 0) != 0)
                return NULL;
        n = (size_t) (m[1].rm_eo - m[1].rm_so);
        if (n >= size)
                return NULL;
        memcpy(name, line + m[1].rm_so, n);
        name[n] = 0;
        return name;
}

/* The sample's value, when its line starts with prefix. */
static bool value_of(const char *text, const char *prefix, double *ret) {
        for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix))
                if (p == text || p[-1] == '\n') {
                        *ret = strtod(p + strlen(prefix), NULL);
                        return true;
                }
        return false;
}

static void check_format(char *text) {
        char family[128] = "", typed[128] = "", name[128];
        size_t lines = 0;

        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                lines++;
                if (match_name(&help_re, line, family, sizeof(family)))
                        continue;
                if (match_name(&type_re, line, typed, sizeof(typed))) {
                        CHECK_STREQ(typed, family);
                        continue;
                }
                if (!match_name(&sample_re, line, name, sizeof(name))) {
                        fprintf(stderr, "does not parse: %s\n", line);
                        CHECK(false);
                        continue;
                }
                /* Belongs to the family announced last (a histogram's series carry suffixes). */
                CHECK(strncmp(name, typed, strlen(typed)) == 0);
        }
        CHECK(lines > 20);
}

static Fault *fault_new(Registry *r, const char *id) {
        Fault *f = calloc(1, sizeof(*f));

        snprintf(f->id, sizeof(f->id), "%s", id);
        registry_fault_link(r, f);
        return f;
}

static void test_render(void) {
        Agent *a = calloc(1, sizeof(*a));
        Registry *r = &a->registry;
        _cleanup_(buf_done) Buf b = {};
        _cleanup_free_ char *copy = NULL;
        FaultSpec p = { .partition = true };
        double v;

        fault_new(r, "web \"x\"\\1\n");
        fault_new(r, "db");
        metrics_fault_applied(&r->metrics, &p);
        metrics_fault_applied(&r->metrics, &p);
        r->metrics.reconcile_removed = 3;
        /* agent.info: 40 us and 2 ms; fault.apply refused once; an unknown method twice. */
        metrics_rpc_observe(&r->metrics, 0, 0, 40 * NSEC_PER_USEC);
        metrics_rpc_observe(&r->metrics, 0, 0, 2 * NSEC_PER_MSEC);
        metrics_rpc_observe(&r->metrics, 1, -32602, 50 * NSEC_PER_USEC);   /* on a bound: in that bucket */
        metrics_rpc_observe(&r->metrics, SIZE_MAX, -32601, 0);
        metrics_rpc_observe(&r->metrics, 99, -32601, 0);
        metrics_rpc_observe(&r->metrics, 2, 0, 5 * NSEC_PER_SEC);          /* past the last bound */

        CHECK_EQ_INT(metrics_render(a, &b), 0);
        CHECK(b.data);
        if (!b.data)
                return;
        CHECK(strstr(b.data, "chaoslet_fault_dropped_packets_total{id=\"web \\\"x\\\"\\\\1\\n\"} 0\n"));
        CHECK(strstr(b.data, "chaoslet_fault_matched_packets_total{id=\"db\"} 0\n"));
        CHECK(value_of(b.data, "chaoslet_faults_active ", &v) && v == 2);
        CHECK(value_of(b.data, "chaoslet_faults_applied_total{kind=\"partition\"} ", &v) && v == 2);
        CHECK(value_of(b.data, "chaoslet_faults_applied_total{kind=\"netem\"} ", &v) && v == 0);
        CHECK(value_of(b.data, "chaoslet_reconcile_removed_total ", &v) && v == 3);
        CHECK(value_of(b.data, "chaoslet_rpc_requests_total{method=\"agent.info\",code=\"0\"} ", &v) && v == 2);
        CHECK(value_of(b.data, "chaoslet_rpc_requests_total{method=\"fault.apply\",code=\"-32602\"} ", &v) && v == 1);
        CHECK(value_of(b.data, "chaoslet_rpc_requests_total{method=\"other\",code=\"-32601\"} ", &v) && v == 2);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_bucket{method=\"agent.info\",le=\"0.00005\"} ", &v) &&
              v == 1);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_bucket{method=\"agent.info\",le=\"0.001\"} ", &v) &&
              v == 1);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_bucket{method=\"agent.info\",le=\"0.0025\"} ", &v) &&
              v == 2);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_bucket{method=\"fault.apply\",le=\"0.00005\"} ", &v) &&
              v == 1);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_bucket{method=\"fault.recover\",le=\"1\"} ", &v) &&
              v == 0);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_bucket{method=\"fault.recover\",le=\"+Inf\"} ", &v) &&
              v == 1);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_sum{method=\"agent.info\"} ", &v) &&
              v > 0.002039 && v < 0.002041);
        CHECK(value_of(b.data, "chaoslet_rpc_duration_seconds_count{method=\"fault.get\"} ", &v) && v == 0);
        CHECK(strstr(b.data, "chaoslet_build_info{version=\""));

        copy = strdup(b.data);
        check_format(copy);

        while (r->faults) {
                Fault *f = r->faults;
                registry_fault_unlink(r, f);
                registry_fault_free(f);
        }
        free(a);
}

int main(void) {
        regexes();
        test_escape();
        test_kind();
        test_render();
        regfree(&sample_re);
        regfree(&help_re);
        regfree(&type_re);
        TAP_EXIT();
}
