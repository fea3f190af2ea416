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
        _TARGET_KIND_MAX,
        _TARGET_KIND_INVALID = -EINVAL,
} TargetKind;

typedef struct FaultTarget {
        TargetKind kind;
        pid_t pid;
        char *netns;            /* TARGET_NETNS: absolute path */
} FaultTarget;

/* "pid:42" or "netns:/run/netns/x", for log lines. Returns buf. */
const char *fault_target_describe(const FaultTarget *t, char *buf, size_t len);

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
