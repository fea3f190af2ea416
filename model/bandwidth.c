/* SPDX-License-Identifier: MIT */
#include "bandwidth.h"

static uint32_t clamp_u32(uint64_t v) {
        return v > UINT32_MAX ? UINT32_MAX : (uint32_t) v;
}

/* Bytes sent in ms at Bps, saturated. */
static uint64_t bytes_in_ms(uint64_t Bps, unsigned ms) {
        return Bps > UINT64_MAX / ms ? UINT64_MAX / 1000 : Bps * ms / 1000;
}

BandwidthParams bandwidth_params_resolve(const BandwidthParams *p) {
        BandwidthParams r = *p;
        uint64_t burst;

        if (!(r.set & BANDWIDTH_HAS_BURST)) {
                burst = bytes_in_ms(r.rate_Bps, BANDWIDTH_BURST_DEFAULT_MS);
                r.burst = clamp_u32(burst < BANDWIDTH_BURST_MIN_DEFAULT ? BANDWIDTH_BURST_MIN_DEFAULT : burst);
                r.set |= BANDWIDTH_HAS_BURST;
        }
        if (!(r.set & BANDWIDTH_HAS_LIMIT)) {
                r.limit = clamp_u32((uint64_t) r.burst + bytes_in_ms(r.rate_Bps, BANDWIDTH_LIMIT_DEFAULT_MS));
                r.set |= BANDWIDTH_HAS_LIMIT;
        }
        if ((r.set & BANDWIDTH_HAS_PEAKRATE) && !(r.set & BANDWIDTH_HAS_MINBURST)) {
                r.minburst = BANDWIDTH_MINBURST_DEFAULT;
                r.set |= BANDWIDTH_HAS_MINBURST;
        }
        return r;
}

bool bandwidth_params_equal(const BandwidthParams *a, const BandwidthParams *b) {
        uint32_t s = a->set;

        return s == b->set &&
                (!(s & BANDWIDTH_HAS_RATE) || a->rate_Bps == b->rate_Bps) &&
                (!(s & BANDWIDTH_HAS_BURST) || a->burst == b->burst) &&
                (!(s & BANDWIDTH_HAS_LIMIT) || a->limit == b->limit) &&
                (!(s & BANDWIDTH_HAS_PEAKRATE) || a->peakrate_Bps == b->peakrate_Bps) &&
                (!(s & BANDWIDTH_HAS_MINBURST) || a->minburst == b->minburst);
}
