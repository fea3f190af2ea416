/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "macro.h"
#include "string-table.h"
#include "strv.h"

const char *fault_target_describe(const FaultTarget *t, char *buf, size_t len) {
        if (t->kind == TARGET_PID)
                snprintf(buf, len, "pid:%d", (int) t->pid);
        else
                snprintf(buf, len, "netns:%s", t->netns);
        return buf;
}

static const char *const direction_names[_DIRECTION_MAX] = {
        [DIRECTION_EGRESS] = "egress",
        [DIRECTION_INGRESS] = "ingress",
        [DIRECTION_BOTH] = "both",
};

DEFINE_STRING_TABLE_LOOKUP(fault_direction, FaultDirection, direction_names);

static bool target_equal(const FaultTarget *a, const FaultTarget *b) {
        if (a->kind != b->kind)
                return false;
        switch (a->kind) {
        case TARGET_PID:
                return a->pid == b->pid;
        case TARGET_NETNS:
                return a->netns && b->netns && strcmp(a->netns, b->netns) == 0;
        default:
                return true;
        }
}

static bool devices_equal(const FaultSpec *a, const FaultSpec *b) {
        if (!a->devices || !b->devices)
                return !a->devices && !b->devices;
        if (a->n_devices != b->n_devices)
                return false;

        /* Both lists are duplicate-free, so equal sizes plus inclusion is set equality. */
        STRV_FOREACH(x, a->devices) {
                bool found = false;
                STRV_FOREACH(y, b->devices)
                        if (strcmp(*x, *y) == 0) {
                                found = true;
                                break;
                        }
                if (!found)
                        return false;
        }
        return true;
}

/* In order: the decoder of match is expected to hand over a canonical (sorted, duplicate-free) list. */
static bool match_equal(const FaultMatch *a, const FaultMatch *b) {
        if (a->n_cidrs != b->n_cidrs || a->n_ports != b->n_ports || a->protocol != b->protocol)
                return false;
        for (size_t i = 0; i < a->n_cidrs; i++)
                if (!cidr_equal(&a->cidrs[i], &b->cidrs[i]))
                        return false;
        for (size_t i = 0; i < a->n_ports && i < MATCH_PORT_RANGES_MAX; i++)
                if (a->ports[i].lo != b->ports[i].lo || a->ports[i].hi != b->ports[i].hi)
                        return false;
        return true;
}

bool fault_spec_equal(const FaultSpec *a, const FaultSpec *b) {
        if (a == b)
                return true;
        if (!a || !b)
                return false;

        return target_equal(&a->target, &b->target) &&
                devices_equal(a, b) &&
                netem_params_equal(&a->netem, &b->netem) &&
                bandwidth_params_equal(&a->bandwidth, &b->bandwidth) &&
                match_equal(&a->match, &b->match) &&
                a->direction == b->direction &&
                a->partition == b->partition &&
                a->duration_ns == b->duration_ns;
}

void fault_match_done(FaultMatch *m) {
        free(m->cidrs);
        *m = (FaultMatch) {};
}

void fault_spec_done(FaultSpec *spec) {
        if (!spec)
                return;

        free(spec->target.netns);
        strv_free(spec->devices);
        strv_free(spec->ignored);
        fault_match_done(&spec->match);
        *spec = (FaultSpec) {};
}
