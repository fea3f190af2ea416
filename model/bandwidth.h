/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* What a bandwidth fault asks of sch_tbf: a token bucket of `burst` bytes filled at `rate`, in front of a byte
 * fifo of `limit` bytes; optionally a second bucket of `minburst` bytes at `peakrate`, which caps how fast the
 * first one may be emptied. Units are the kernel's: bytes, bytes per second. netem/tbf.c encodes it,
 * proto/spec-bandwidth.c decodes it from fault.apply's "bandwidth". */

/* Which members were given. rate is required whenever any is. */
enum {
        BANDWIDTH_HAS_RATE = 1u << 0,
        BANDWIDTH_HAS_BURST = 1u << 1,
        BANDWIDTH_HAS_LIMIT = 1u << 2,
        BANDWIDTH_HAS_PEAKRATE = 1u << 3,
        BANDWIDTH_HAS_MINBURST = 1u << 4,
};

/* Defaults, for what was not given (docs: README "bandwidth", the OpenRPC document's Bandwidth schema):
 *   burst     max(10 ms at the rate, 10000 bytes): tc's rule of thumb (rate/HZ at HZ=100) with a floor that holds
 *             a 9000-byte jumbo frame; tbf drops a packet larger than its bucket (tbf_enqueue()). 10000 is also
 *             the buffer of Chaos Mesh's documented bandwidth example.
 *   limit     burst + 100 ms at the rate: what "tc ... tbf latency 100ms" computes. Enough queue for TCP to keep
 *             a 1mbit cap full (measured, tests/host/agent-bandwidth.sh) without unbounded bufferbloat.
 *   minburst  2048 bytes (with peakrate only): one full-size Ethernet frame fits, as tc-tbf(8) asks of "mtu". */
#define BANDWIDTH_BURST_MIN_DEFAULT 10000u
#define BANDWIDTH_BURST_DEFAULT_MS 10u
#define BANDWIDTH_LIMIT_DEFAULT_MS 100u
#define BANDWIDTH_MINBURST_DEFAULT 2048u

typedef struct BandwidthParams {
        uint32_t set;           /* BANDWIDTH_HAS_*; 0: no bandwidth fault */
        uint64_t rate_Bps;
        uint32_t burst;         /* bytes */
        uint32_t limit;         /* bytes */
        uint64_t peakrate_Bps;  /* 0 unless BANDWIDTH_HAS_PEAKRATE */
        uint32_t minburst;      /* bytes */
} BandwidthParams;

/* p with every member that was not given set to its default (BANDWIDTH_HAS_* all set where they apply). */
BandwidthParams bandwidth_params_resolve(const BandwidthParams *p);

/* Same members given, with the same values. */
bool bandwidth_params_equal(const BandwidthParams *a, const BandwidthParams *b);
