/* SPDX-License-Identifier: MIT */
/* fault.apply's "bandwidth" member, to and from BandwidthParams (model/bandwidth.h): tbf's rate, bucket and queue.
 * Only the members given are kept; the defaults are filled in where the qdisc is built (netem/tbf.c), so a spec
 * reads back as it was written. */
#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "spec-internal.h"
#include "units.h"

static int rate_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_json_rate(v, field, &((BandwidthParams *) userdata)->rate_Bps, err);
}

static int peakrate_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_json_rate(v, field, &((BandwidthParams *) userdata)->peakrate_Bps, err);
}

/* A bucket or queue of 0 bytes passes nothing: sch_tbf refuses the one, and drops everything with the other. */
static int burst_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_json_size(v, field, 1, &((BandwidthParams *) userdata)->burst, err);
}

static int limit_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_json_size(v, field, 1, &((BandwidthParams *) userdata)->limit, err);
}

static int minburst_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_json_size(v, field, 1, &((BandwidthParams *) userdata)->minburst, err);
}

/* In the order of the BANDWIDTH_HAS_* bits: bit i of the walk's "seen" is members[i]. */
static const SpecMember bandwidth_members[] = {
        { "rate", rate_from_json },
        { "burst", burst_from_json },
        { "limit", limit_from_json },
        { "peakrate", peakrate_from_json },
        { "minburst", minburst_from_json },
};

_Static_assert(BANDWIDTH_HAS_MINBURST == 1u << (ELEMENTSOF(bandwidth_members) - 1), "one row per BANDWIDTH_HAS_*");

int spec_bandwidth_from_json(const cJSON *o, BandwidthParams *ret, SpecError *err) {
        BandwidthParams p = {};
        uint64_t seen;
        int r;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, "bandwidth", "must be an object with at least \"rate\"");
        r = spec_members_from_json(o, "bandwidth", bandwidth_members, ELEMENTSOF(bandwidth_members), &p, &seen, err);
        if (r < 0)
                return r;
        p.set = (uint32_t) seen;

        if (!(p.set & BANDWIDTH_HAS_RATE))
                return spec_error_set(err, "bandwidth.rate", "required: a tc rate such as \"1mbit\"");
        /* sch_tbf: "peakrate ... is lower than or equals to rate" is -EINVAL. */
        if ((p.set & BANDWIDTH_HAS_PEAKRATE) && p.peakrate_Bps <= p.rate_Bps)
                return spec_error_set(err, "bandwidth.peakrate", "must be above bandwidth.rate");
        if ((p.set & BANDWIDTH_HAS_MINBURST) && !(p.set & BANDWIDTH_HAS_PEAKRATE))
                return spec_error_set(err, "bandwidth.minburst", "requires bandwidth.peakrate");

        *ret = p;
        return 0;
}

static bool add_rate(cJSON *o, const char *name, uint64_t Bps) {
        char buf[RATE_STRING_MAX];

        return format_rate_Bps(Bps, buf, sizeof buf) && cJSON_AddStringToObject(o, name, buf);
}

cJSON *spec_bandwidth_to_json(const BandwidthParams *p) {
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return NULL;
        if (((p->set & BANDWIDTH_HAS_RATE) && !add_rate(o, "rate", p->rate_Bps)) ||
            ((p->set & BANDWIDTH_HAS_BURST) && !cJSON_AddNumberToObject(o, "burst", p->burst)) ||
            ((p->set & BANDWIDTH_HAS_LIMIT) && !cJSON_AddNumberToObject(o, "limit", p->limit)) ||
            ((p->set & BANDWIDTH_HAS_PEAKRATE) && !add_rate(o, "peakrate", p->peakrate_Bps)) ||
            ((p->set & BANDWIDTH_HAS_MINBURST) && !cJSON_AddNumberToObject(o, "minburst", p->minburst))) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}
