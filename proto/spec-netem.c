/* SPDX-License-Identifier: MIT */
/* fault.apply's "netem" member, to and from NetemParams. Which members there are, their flags, kinds and what each
 * requires is model/netem-params.c's netem_members table: decoding and encoding here walk it, and comparing does
 * there, so a new member is a row of that table. */
#include <stdint.h>
#include <string.h>

#include "spec-internal.h"
#include "units.h"

static int json_distribution(const cJSON *v, const char *field, NetemDist *ret, SpecError *err) {
        NetemDist d;

        if (!cJSON_IsString(v) || (d = netem_dist_from_string(v->valuestring)) < 0)
                return spec_error_set(err, field, "must be one of uniform, normal, pareto, paretonormal");

        *ret = d;
        return 0;
}

static int netem_member_from_json(const NetemMember *m, const cJSON *v, const char *field, NetemParams *p,
                                  SpecError *err) {
        void *dst = (uint8_t *) p + m->offset;

        switch (m->kind) {
        case NETEM_VALUE_DURATION:
                return spec_json_duration(v, field, dst, err);
        case NETEM_VALUE_PERCENT:
                return spec_json_percent(v, field, dst, err);
        case NETEM_VALUE_DISTRIBUTION:
                return json_distribution(v, field, dst, err);
        case NETEM_VALUE_GAP:
                return spec_json_u32(v, field, 0, dst, err);
        case NETEM_VALUE_RATE:
                return spec_json_rate(v, field, dst, err);
        case NETEM_VALUE_LIMIT:
                return spec_json_u32(v, field, 1, dst, err);
        default:
                break;
        }
        return spec_error_set(err, field, "unsupported");
}

int spec_netem_from_json(const cJSON *o, NetemParams *ret, SpecError *err) {
        NetemParams p = {};
        const cJSON *c;
        int r;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, "netem", "must be an object");
        if (!o->child)
                return spec_error_set(err, "netem", "must have at least one member");

        cJSON_ArrayForEach(c, o) {
                const NetemMember *m = netem_member_by_name(c->string);
                char field[SPEC_FIELD_MAX];

                r = spec_member_check(c, "netem", m != NULL, m && (p.set & m->flag), field, err);
                if (r < 0)
                        return r;
                r = netem_member_from_json(m, c, field, &p, err);
                if (r < 0)
                        return r;
                p.set |= m->flag;
        }

        /* Checked after all members are in, so the verdict does not depend on their order. */
        NETEM_MEMBER_FOREACH(m) {
                char field[SPEC_FIELD_MAX];

                if (!(p.set & m->flag))
                        continue;
                spec_field_path(field, sizeof field, "netem", m->name);

                if (m->requires && !(p.set & m->requires))
                        return spec_error_set(err, field, "requires netem.%s", netem_member_by_flag(m->requires)->name);
                if (m->flag == NETEM_HAS_REORDER && p.latency_ns == 0)
                        return spec_error_set(err, field, "requires a non-zero netem.latency");
        }

        /* The kernel keeps jitter as s64 but its distribution math works in 32 bits (sch_netem.c tabledist()). */
        if ((p.set & NETEM_HAS_JITTER) && p.jitter_ns > NETEM_JITTER_MAX_NS)
                return spec_error_set(err, "netem.jitter", "must be at most 2.147483647s (kernel limit)");

        *ret = p;
        return 0;
}

cJSON *spec_netem_to_json(const NetemParams *p) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
                return NULL;

        NETEM_MEMBER_FOREACH(m) {
                const void *src = (const uint8_t *) p + m->offset;
                char buf[DURATION_STRING_MAX + RATE_STRING_MAX];
                cJSON *v = NULL;

                if (!(p->set & m->flag))
                        continue;

                switch (m->kind) {
                case NETEM_VALUE_DURATION:
                        if (format_duration_ns(*(const int64_t *) src, buf, sizeof buf))
                                v = cJSON_CreateString(buf);
                        break;
                case NETEM_VALUE_PERCENT:
                        v = cJSON_CreateNumber(*(const double *) src);
                        break;
                case NETEM_VALUE_DISTRIBUTION:
                        v = cJSON_CreateString(netem_dist_to_string(*(const NetemDist *) src) ?: "invalid");
                        break;
                case NETEM_VALUE_GAP:
                case NETEM_VALUE_LIMIT:
                        v = cJSON_CreateNumber(*(const uint32_t *) src);
                        break;
                case NETEM_VALUE_RATE:
                        if (format_rate_Bps(*(const uint64_t *) src, buf, sizeof buf))
                                v = cJSON_CreateString(buf);
                        break;
                default:
                        break;
                }
                if (!v || !cJSON_AddItemToObject(o, m->name, v)) {
                        cJSON_Delete(v);
                        cJSON_Delete(o);
                        return NULL;
                }
        }
        return o;
}
