/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "cidr.h"
#include "netem.h"

#define FAULT_ID_MAX 128
#define FAULT_DEVICES_MAX 64
#define IFNAMSIZ_ 16

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

#define MATCH_CIDRS_MAX 65536
#define MATCH_PORT_RANGES_MAX 16

typedef enum FaultDirection {
        DIRECTION_EGRESS,
        DIRECTION_INGRESS,
        DIRECTION_BOTH,
        _DIRECTION_MAX,
        _DIRECTION_INVALID = -EINVAL,
} FaultDirection;

const char *fault_direction_to_string(FaultDirection d);

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

typedef struct FaultSpec {
        char id[FAULT_ID_MAX + 1];      /* empty: the agent picks one */
        FaultTarget target;
        char **devices;                 /* NULL-terminated; NULL means every non-loopback device */
        size_t n_devices;
        NetemParams netem;
        FaultMatch match;
        FaultDirection direction;       /* default egress */
        bool partition;                 /* drop every matched packet; excludes netem */
        int64_t duration_ns;            /* 0: none given */
} FaultSpec;

/* Where a spec was wrong: a JSON path such as "netem.latency" and a human reason. */
typedef struct SpecError {
        char field[128];
        char reason[256];
} SpecError;

/* Decode and validate fault.apply params. Unknown members are errors. On failure returns -EINVAL, fills *err and
 * leaves *ret untouched. */
int fault_spec_from_json(const cJSON *params, FaultSpec *ret, SpecError *err);

/* Normalised form: durations as Go strings, percents as numbers, rate as tc string, defaults omitted. The target
 * and id are not part of it. */
cJSON *fault_spec_to_json(const FaultSpec *spec);

/* Same target, devices, netem, match, direction, partition and duration. Used for idempotent re-apply. */
bool fault_spec_equal(const FaultSpec *a, const FaultSpec *b);

void fault_spec_done(FaultSpec *spec);

/* Field-path helpers shared by the params decoders. */
int spec_error_set(SpecError *err, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
