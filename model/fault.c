/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "macro.h"
#include "string-table.h"
#include "strv.h"

const char *fault_target_describe(const FaultTarget *t, char *buf, size_t len) {
        switch (t->kind) {
        case TARGET_PID:
                snprintf(buf, len, "pid:%d", (int) t->pid);
                break;
        case TARGET_NETNS:
                snprintf(buf, len, "netns:%s", t->netns);
                break;
        case TARGET_CONTAINER:
                snprintf(buf, len, "container:%s", t->ref ?: t->id);
                break;
        case TARGET_POD:
                snprintf(buf, len, "pod:%s", t->id);
                break;
        default:
                snprintf(buf, len, "invalid");
        }
        return buf;
}

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

/* n hex digits of s, in lower case, NUL-terminated in ret (n + 1 bytes). */
static int hex_lower(const char *s, size_t n, char *ret) {
        for (size_t i = 0; i < n; i++) {
                if (!is_hex(s[i]))
                        return -EINVAL;
                ret[i] = lower(s[i]);
        }
        ret[n] = 0;
        return 0;
}

int fault_container_id_parse(const char *s, char ret[static TARGET_CONTAINER_ID_LEN + 1]) {
        static const char *const schemes[] = { "containerd://", "cri-o://", "docker://" };
        char id[TARGET_CONTAINER_ID_LEN + 1];
        const char *sep;

        if (!s)
                return -EINVAL;
        sep = strstr(s, "://");
        if (sep) {
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(schemes); i++)
                        known = known || strncmp(s, schemes[i], strlen(schemes[i])) == 0;
                if (!known)
                        return -EINVAL;
                s = sep + 3;
        }
        if (strlen(s) != TARGET_CONTAINER_ID_LEN || hex_lower(s, TARGET_CONTAINER_ID_LEN, id) < 0)
                return -EINVAL;
        memcpy(ret, id, sizeof(id));
        return 0;
}

int fault_pod_uid_parse(const char *s, char ret[static TARGET_POD_UID_MAX + 1]) {
        char uid[TARGET_POD_UID_MAX + 1];
        size_t n;
        char sep = 0;

        if (!s)
                return -EINVAL;
        n = strlen(s);
        if (n == 32) {
                /* A static pod: kubelet takes the hash of its manifest as the UID. */
                if (hex_lower(s, n, uid) < 0)
                        return -EINVAL;
                memcpy(ret, uid, n + 1);
                return 0;
        }
        if (n != 36)
                return -EINVAL;
        /* 8-4-4-4-12, one separator throughout. */
        for (size_t i = 0; i < n; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-' && s[i] != '_')
                                return -EINVAL;
                        if (sep && s[i] != sep)
                                return -EINVAL;
                        sep = s[i];
                        uid[i] = '-';
                        continue;
                }
                if (!is_hex(s[i]))
                        return -EINVAL;
                uid[i] = lower(s[i]);
        }
        uid[n] = 0;
        memcpy(ret, uid, n + 1);
        return 0;
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
        case TARGET_CONTAINER:
        case TARGET_POD:
                /* The normalised ID: "containerd://X" and "X" name the same container. */
                return strcmp(a->id, b->id) == 0;
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
        free(spec->target.ref);
        strv_free(spec->devices);
        strv_free(spec->ignored);
        fault_match_done(&spec->match);
        *spec = (FaultSpec) {};
}
