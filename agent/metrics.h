/* SPDX-License-Identifier: MIT */
#pragma once

/* The agent's counters, and their Prometheus text exposition (format 0.0.4). Everything a scrape shows is kept in
 * memory as it happens or read from the classifier's maps: a scrape starts no process and reads nothing under /proc
 * (what made chaos-daemon burn CPU, Chaos Mesh #4137). */

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fault.h"

typedef enum MetricsFaultKind {
        METRICS_FAULT_PARTITION,
        METRICS_FAULT_NETEM,
        METRICS_FAULT_BANDWIDTH,
        METRICS_FAULT_NETEM_BANDWIDTH,
        _METRICS_FAULT_KIND_MAX,
        _METRICS_FAULT_KIND_INVALID = -EINVAL,
} MetricsFaultKind;

/* Upper bounds of chaoslet_rpc_duration_seconds, 50 us to 1 s; then +Inf. */
#define METRICS_DURATION_BUCKETS 14
/* Methods counted by name (agent_methods' order); the last slot counts every other name a client sent, so that no
 * client can grow the label set. */
#define METRICS_RPC_METHODS_MAX 16
/* JSON-RPC codes seen per method: the agent's own set is about a dozen. */
#define METRICS_RPC_CODES_MAX 16

typedef struct MetricsRpc {
        struct {
                int code;               /* 0: success */
                uint64_t n;
        } codes[METRICS_RPC_CODES_MAX];
        size_t n_codes;
        uint64_t buckets[METRICS_DURATION_BUCKETS + 1];    /* not cumulative; the last is above 1 s */
        uint64_t count;
        int64_t sum_ns;
} MetricsRpc;

typedef struct Metrics {
        uint64_t faults_applied[_METRICS_FAULT_KIND_MAX];
        uint64_t reconcile_removed;     /* pieces of kernel state no live fault explained, removed at start */
        MetricsRpc rpc[METRICS_RPC_METHODS_MAX];
} Metrics;

typedef struct Agent Agent;

const char *metrics_fault_kind_to_string(MetricsFaultKind k);
MetricsFaultKind metrics_fault_kind(const FaultSpec *spec);
void metrics_fault_applied(Metrics *m, const FaultSpec *spec);

/* One dispatched request: its method's index in agent_methods (any index past them: another name), the JSON-RPC
 * code it was answered with (0: a result), and how long it took. */
void metrics_rpc_observe(Metrics *m, size_t method, int code, int64_t duration_ns);

/* Append v as a label value: backslash, double quote and line feed escaped, as the text format says. */
int metrics_label_escape(Buf *b, const char *v);

/* The whole exposition: HELP and TYPE lines, then the samples. */
int metrics_render(Agent *a, Buf *out);
