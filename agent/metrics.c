/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "metrics.h"
#include "registry-internal.h"
#include "rpc.h"
#include "string-table.h"
#include "time-util.h"

static const char *const fault_kind_table[_METRICS_FAULT_KIND_MAX] = {
        [METRICS_FAULT_PARTITION] = "partition",
        [METRICS_FAULT_NETEM] = "netem",
        [METRICS_FAULT_BANDWIDTH] = "bandwidth",
        [METRICS_FAULT_NETEM_BANDWIDTH] = "netem_bandwidth",
};

const char *metrics_fault_kind_to_string(MetricsFaultKind k) {
        return (size_t) k < ELEMENTSOF(fault_kind_table) ? fault_kind_table[k] : NULL;
}

/* As the spec asked, not as it is carried out: loss alone, in the classifier, is still netem. */
MetricsFaultKind metrics_fault_kind(const FaultSpec *spec) {
        if (spec->partition)
                return METRICS_FAULT_PARTITION;
        if (spec->netem.set && spec->bandwidth.set)
                return METRICS_FAULT_NETEM_BANDWIDTH;
        return spec->bandwidth.set ? METRICS_FAULT_BANDWIDTH : METRICS_FAULT_NETEM;
}

void metrics_fault_applied(Metrics *m, const FaultSpec *spec) {
        m->faults_applied[metrics_fault_kind(spec)]++;
}

/* In seconds, as Prometheus wants them; ns for comparing. */
static const struct {
        const char *le;
        int64_t ns;
} duration_buckets[METRICS_DURATION_BUCKETS] = {
        { "0.00005", 50 * NSEC_PER_USEC },   { "0.0001", 100 * NSEC_PER_USEC }, { "0.00025", 250 * NSEC_PER_USEC },
        { "0.0005", 500 * NSEC_PER_USEC },   { "0.001", NSEC_PER_MSEC },        { "0.0025", 2500 * NSEC_PER_USEC },
        { "0.005", 5 * NSEC_PER_MSEC },      { "0.01", 10 * NSEC_PER_MSEC },    { "0.025", 25 * NSEC_PER_MSEC },
        { "0.05", 50 * NSEC_PER_MSEC },      { "0.1", 100 * NSEC_PER_MSEC },    { "0.25", 250 * NSEC_PER_MSEC },
        { "0.5", 500 * NSEC_PER_MSEC },      { "1", NSEC_PER_SEC },
};

void metrics_rpc_observe(Metrics *m, size_t method, int code, int64_t duration_ns) {
        MetricsRpc *s = &m->rpc[method < METRICS_RPC_METHODS_MAX - 1 ? method : METRICS_RPC_METHODS_MAX - 1];
        size_t b = 0, i;

        for (i = 0; i < s->n_codes; i++)
                if (s->codes[i].code == code)
                        break;
        if (i == s->n_codes && s->n_codes < METRICS_RPC_CODES_MAX)
                s->codes[s->n_codes++].code = code;
        if (i < s->n_codes)
                s->codes[i].n++;

        while (b < METRICS_DURATION_BUCKETS && duration_ns > duration_buckets[b].ns)
                b++;
        s->buckets[b]++;
        s->count++;
        s->sum_ns += duration_ns > 0 ? duration_ns : 0;
}

int metrics_label_escape(Buf *b, const char *v) {
        for (const char *p = v; *p;) {
                size_t n = strcspn(p, "\\\"\n");
                int k;

                k = buf_append(b, p, n);
                if (k < 0)
                        return k;
                p += n;
                if (!*p)
                        break;
                k = buf_append(b, *p == '\n' ? "\\n" : *p == '"' ? "\\\"" : "\\\\", 2);
                if (k < 0)
                        return k;
                p++;
        }
        return 0;
}

static int family(Buf *b, const char *name, const char *type, const char *help) {
        return buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{label="value"} */
static int sample_start(Buf *b, const char *name, const char *label, const char *value) {
        int k;

        k = buf_appendf(b, "%s{%s=\"", name, label);
        if (k >= 0)
                k = metrics_label_escape(b, value);
        if (k >= 0)
                k = buf_append(b, "\"}", 2);
        return k;
}

static int fault_counters(Registry *r, Buf *b) {
        static const struct {
                const char *name, *help;
                size_t offset;
        } families[] = {
                { "chaoslet_fault_matched_packets_total", "Packets the fault's match selected (classifier map).",
                  offsetof(struct classifier_counters, matched_packets) },
                { "chaoslet_fault_matched_bytes_total", "Bytes of the packets the fault's match selected.",
                  offsetof(struct classifier_counters, matched_bytes) },
                { "chaoslet_fault_dropped_packets_total",
                  "Packets the classifier dropped for the fault (partition, or loss carried out in the classifier).",
                  offsetof(struct classifier_counters, dropped_packets) },
        };
        struct classifier_counters c[REGISTRY_FAULTS_MAX];
        size_t n = 0;
        int k;

        /* One map lookup per fault, before any is written, so the three families show the same moment. */
        for (Fault *f = r->faults; f && n < ELEMENTSOF(c); f = f->next, n++)
                if (!r->classifier || classifier_counters_read(r->classifier, f->counter_key, &c[n]) < 0)
                        c[n] = (struct classifier_counters) {};

        for (size_t i = 0; i < ELEMENTSOF(families); i++) {
                size_t j = 0;

                k = family(b, families[i].name, "counter", families[i].help);
                for (Fault *f = r->faults; k >= 0 && f && j < n; f = f->next, j++) {
                        uint64_t v;

                        memcpy(&v, (const char *) &c[j] + families[i].offset, sizeof(v));
                        k = sample_start(b, families[i].name, "id", f->id);
                        if (k >= 0)
                                k = buf_appendf(b, " %" PRIu64 "\n", v);
                }
                if (k < 0)
                        return k;
        }
        return 0;
}

static const char *method_name(size_t i, size_t n_methods) {
        return i < n_methods ? agent_methods[i].name : "other";
}

static int rpc_requests(Metrics *m, size_t n_methods, Buf *b) {
        int k;

        k = family(b, "chaoslet_rpc_requests_total", "counter",
                   "JSON-RPC requests dispatched, by method and the code answered (0: a result).");
        for (size_t i = 0; k >= 0 && i < METRICS_RPC_METHODS_MAX; i++)
                for (size_t j = 0; k >= 0 && j < m->rpc[i].n_codes; j++)
                        k = buf_appendf(b, "chaoslet_rpc_requests_total{method=\"%s\",code=\"%d\"} %" PRIu64 "\n",
                                        method_name(i, n_methods), m->rpc[i].codes[j].code, m->rpc[i].codes[j].n);
        return k;
}

static int rpc_durations(Metrics *m, size_t n_methods, Buf *b) {
        int k;

        k = family(b, "chaoslet_rpc_duration_seconds", "histogram",
                   "Time from a request's dispatch to its result or error, by method.");
        for (size_t i = 0; k >= 0 && i < METRICS_RPC_METHODS_MAX; i++) {
                const MetricsRpc *s = &m->rpc[i];
                const char *name = method_name(i, n_methods);
                uint64_t cumulative = 0;

                /* Every method, so a rate() has a series before its first call; other names once seen. */
                if (i >= n_methods && s->count == 0)
                        continue;
                for (size_t j = 0; k >= 0 && j < METRICS_DURATION_BUCKETS; j++) {
                        cumulative += s->buckets[j];
                        k = buf_appendf(b, "chaoslet_rpc_duration_seconds_bucket{method=\"%s\",le=\"%s\"} %" PRIu64
                                        "\n", name, duration_buckets[j].le, cumulative);
                }
                if (k >= 0)
                        k = buf_appendf(b,
                                        "chaoslet_rpc_duration_seconds_bucket{method=\"%s\",le=\"+Inf\"} %" PRIu64 "\n"
                                        "chaoslet_rpc_duration_seconds_sum{method=\"%s\"} %.9f\n"
                                        "chaoslet_rpc_duration_seconds_count{method=\"%s\"} %" PRIu64 "\n",
                                        name, s->count, name, (double) s->sum_ns / NSEC_PER_SEC, name, s->count);
        }
        return k;
}

int metrics_render(Agent *a, Buf *out) {
        Registry *r = &a->registry;
        Metrics *m = &r->metrics;
        size_t n_methods = 0;
        int k;

        while (agent_methods[n_methods].name && n_methods < METRICS_RPC_METHODS_MAX - 1)
                n_methods++;

        k = family(out, "chaoslet_build_info", "gauge", "The agent's version; always 1.");
        if (k >= 0)
                k = sample_start(out, "chaoslet_build_info", "version", CHAOSLET_VERSION);
        if (k >= 0)
                k = buf_appendf(out, " 1\n");
        if (k >= 0)
                k = family(out, "chaoslet_faults_active", "gauge", "Faults in place now.");
        if (k >= 0)
                k = buf_appendf(out, "chaoslet_faults_active %u\n", r->n_faults);
        if (k >= 0)
                k = family(out, "chaoslet_faults_applied_total", "counter",
                           "Faults applied since the agent started (not renewals, nor faults adopted from the "
                           "journal), by kind.");
        for (MetricsFaultKind i = 0; k >= 0 && i < _METRICS_FAULT_KIND_MAX; i++)
                k = buf_appendf(out, "chaoslet_faults_applied_total{kind=\"%s\"} %" PRIu64 "\n",
                                metrics_fault_kind_to_string(i), m->faults_applied[i]);
        if (k >= 0)
                k = fault_counters(r, out);
        if (k >= 0)
                k = rpc_requests(m, n_methods, out);
        if (k >= 0)
                k = rpc_durations(m, n_methods, out);
        if (k >= 0)
                k = family(out, "chaoslet_reconcile_removed_total", "counter",
                           "Pieces of chaoslet's kernel state (roots, IFBs, ingress hooks) that no live fault "
                           "explained, removed by the reconcile at start.");
        if (k >= 0)
                k = buf_appendf(out, "chaoslet_reconcile_removed_total %" PRIu64 "\n", m->reconcile_removed);
        return k;
}
