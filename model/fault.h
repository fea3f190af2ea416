/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bandwidth.h"
#include "cidr.h"
#include "netem-params.h"
#include "string-table.h"

/* A fault as the agent holds it: where (target, devices, direction), which packets (match) and what happens to
 * them (netem or partition), for how long. Decoded from JSON in proto/spec.h, applied by agent/. */

#define FAULT_ID_MAX 128
#define FAULT_DEVICES_MAX 64

typedef enum TargetKind {
        TARGET_PID,
        TARGET_NETNS,
        TARGET_CONTAINER,       /* found by its ID in the cgroup paths of each /proc/PID/cgroup (agent/cgroup.h) */
        TARGET_POD,             /* the same, by the pod's UID */
        _TARGET_KIND_MAX,
        _TARGET_KIND_INVALID = -EINVAL,
} TargetKind;

/* A container ID as kubelet reports it (containerd, CRI-O and docker alike): 64 hex digits. */
#define TARGET_CONTAINER_ID_LEN 64
/* A pod UID: a UUID (36 characters), or a static pod's 32-hex config hash, which kubelet uses as its UID. */
#define TARGET_POD_UID_MAX 36
/* Longest "containerd://" + ID as a client may spell it. */
#define TARGET_REF_MAX 96

typedef struct FaultTarget {
        TargetKind kind;
        pid_t pid;
        char *netns;            /* TARGET_NETNS: absolute path */
        char *ref;              /* TARGET_CONTAINER, TARGET_POD: as the client gave it ("containerd://4f3a...") */
        char id[TARGET_CONTAINER_ID_LEN + 1];   /* the same, normalised: the container ID in lower-case hex, or
                                                 * the pod UID in lower case with dashes */
} FaultTarget;

/* "pid:42", "netns:/run/netns/x", "container:containerd://4f3a..." or "pod:6b7d...", for log lines. Returns buf. */
const char *fault_target_describe(const FaultTarget *t, char *buf, size_t len);

/* "containerd://ID", "cri-o://ID", "docker://ID" or a bare ID, to the ID in lower case. -EINVAL otherwise. The
 * runtime named is not checked against the cgroup layout: the ID alone is unique on a node. */
int fault_container_id_parse(const char *s, char ret[static TARGET_CONTAINER_ID_LEN + 1]);
/* A pod UID with dashes (as the API has it) or underscores (as the systemd cgroup driver writes it), or a
 * static pod's 32 hex digits, to lower case with dashes. -EINVAL otherwise. */
int fault_pod_uid_parse(const char *s, char ret[static TARGET_POD_UID_MAX + 1]);

#define MATCH_CIDRS_MAX 65536
#define MATCH_PORT_RANGES_MAX 16

typedef enum FaultDirection {
        DIRECTION_EGRESS,
        DIRECTION_INGRESS,
        DIRECTION_BOTH,
        _DIRECTION_MAX,
        _DIRECTION_INVALID = -EINVAL,
} FaultDirection;

/* fault_direction_to_string(), fault_direction_from_string(): "egress", "ingress", "both". */
DECLARE_STRING_TABLE_LOOKUP(fault_direction, FaultDirection);

typedef struct PortRange {
        uint16_t lo, hi;
} PortRange;

/* Which packets a fault hits, named by their remote end: the destination on egress, the source on ingress.
 * Empty members match everything. */
typedef struct FaultMatch {
        Cidr *cidrs;            /* owned */
        size_t n_cidrs;
        PortRange ports[MATCH_PORT_RANGES_MAX];
        size_t n_ports;
        uint8_t protocol;       /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP; 0: all */
} FaultMatch;

void fault_match_done(FaultMatch *m);

typedef struct FaultSpec {
        char id[FAULT_ID_MAX + 1];      /* empty: the agent picks one */
        FaultTarget target;
        char **devices;                 /* NULL-terminated; NULL means every non-loopback device */
        size_t n_devices;
        NetemParams netem;
        BandwidthParams bandwidth;      /* a tbf in the fault's class; set == 0: none */
        FaultMatch match;
        FaultDirection direction;       /* default egress */
        bool partition;                 /* drop every matched packet; excludes netem and bandwidth */
        int64_t duration_ns;            /* 0: none given */
        char **ignored;                 /* NULL-terminated: members of a Chaos Mesh NetworkChaos spec that were
                                         * accepted and ignored (selector, mode); NULL for a native spec */
} FaultSpec;

/* Same target, devices, netem, bandwidth, match, direction, partition and duration (not where it came from). Used for
 * idempotent re-apply. */
bool fault_spec_equal(const FaultSpec *a, const FaultSpec *b);

void fault_spec_done(FaultSpec *spec);
