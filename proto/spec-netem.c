/* SPDX-License-Identifier: MIT */
/* fault.apply's "netem" member, to and from NetemParams. Which members there are, their flags, kinds and what each
 * requires is model/netem-params.c's netem_members table: decoding and encoding here walk it, and comparing does
 * there, so a new member is a row of that table. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "spec-internal.h"
#include "units.h"

/* ---- the members that are objects: loss_model.gilbert_elliott and slot ---------------------------------------- */

#define GE_FIELD "netem.loss_model.gilbert_elliott"

static int ge_percent(const cJSON *v, const char *field, double *ret, SpecError *err) {
        return spec_json_percent(v, field, ret, err);
}

static int ge_p(const cJSON *v, const char *field, void *u, SpecError *err) {
        return ge_percent(v, field, &((NetemGilbertElliott *) u)->p, err);
}
static int ge_r(const cJSON *v, const char *field, void *u, SpecError *err) {
        return ge_percent(v, field, &((NetemGilbertElliott *) u)->r, err);
}
static int ge_h(const cJSON *v, const char *field, void *u, SpecError *err) {
        return ge_percent(v, field, &((NetemGilbertElliott *) u)->h, err);
}
static int ge_k(const cJSON *v, const char *field, void *u, SpecError *err) {
        return ge_percent(v, field, &((NetemGilbertElliott *) u)->k, err);
}

/* In the order of the NETEM_GE_HAS_* bits. */
static const SpecMember ge_members[] = { { "p", ge_p }, { "r", ge_r }, { "h", ge_h }, { "k", ge_k } };

static int gilbert_elliott_from_json(const cJSON *v, void *userdata, SpecError *err) {
        NetemGilbertElliott ge = {};
        int r = spec_object_from_json(v, GE_FIELD, ge_members, ELEMENTSOF(ge_members), &ge,
                                      "the chance (percent) of going from Good to Bad", &ge.set, err);

        if (r >= 0)
                *(NetemGilbertElliott *) userdata = ge;
        return r;
}

static int gilbert_elliott_member(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return gilbert_elliott_from_json(v, userdata, err);
}

/* One loss model for now; the walk refuses the names of others ("4state") as unknown members. */
static const SpecMember loss_model_members[] = { { "gilbert_elliott", gilbert_elliott_member } };

static int loss_model_from_json(const cJSON *v, const char *field, NetemGilbertElliott *ret, SpecError *err) {
        uint64_t seen;
        int r;

        if (!cJSON_IsObject(v))
                return spec_error_set(err, field, "must be an object: {\"gilbert_elliott\": {...}}");
        r = spec_members_from_json(v, field, loss_model_members, ELEMENTSOF(loss_model_members), ret, &seen, err);
        if (r < 0)
                return r;
        if (!seen)
                return spec_error_set(err, field, "must name a model: gilbert_elliott");
        return 0;
}

static int slot_min(const cJSON *v, const char *field, void *u, SpecError *err) {
        return spec_json_duration(v, field, &((NetemSlot *) u)->min_delay_ns, err);
}
static int slot_max(const cJSON *v, const char *field, void *u, SpecError *err) {
        return spec_json_duration(v, field, &((NetemSlot *) u)->max_delay_ns, err);
}
static int slot_count(const cJSON *v, const char *field, uint32_t *ret, SpecError *err) {
        int r = spec_json_u32(v, field, 1, ret, err);

        if (r >= 0 && *ret > NETEM_SLOT_COUNT_MAX)
                return spec_error_set(err, field, "must be at most %" PRIu32 " (the kernel's limit)",
                                      NETEM_SLOT_COUNT_MAX);
        return r;
}
static int slot_packets(const cJSON *v, const char *field, void *u, SpecError *err) {
        return slot_count(v, field, &((NetemSlot *) u)->packets, err);
}
static int slot_bytes(const cJSON *v, const char *field, void *u, SpecError *err) {
        return slot_count(v, field, &((NetemSlot *) u)->bytes, err);
}

/* In the order of the NETEM_SLOT_HAS_* bits. */
static const SpecMember slot_members[] = {
        { "min_delay", slot_min }, { "max_delay", slot_max }, { "packets", slot_packets }, { "bytes", slot_bytes },
};

static int slot_from_json(const cJSON *v, const char *field, NetemSlot *ret, SpecError *err) {
        NetemSlot slot = {};
        int r = spec_object_from_json(v, field, slot_members, ELEMENTSOF(slot_members), &slot,
                                      "the shortest time between two slots", &slot.set, err);

        if (r < 0)
                return r;
        if ((slot.set & NETEM_SLOT_HAS_MAX_DELAY) && slot.max_delay_ns < slot.min_delay_ns)
                return spec_error_set(err, "netem.slot.max_delay", "must be at least netem.slot.min_delay");
        if (slot.min_delay_ns == 0 && slot.max_delay_ns == 0)
                return spec_error_set(err, "netem.slot.min_delay", "must be above zero (or set max_delay)");
        *ret = slot;
        return 0;
}

static cJSON *ge_to_json(const NetemGilbertElliott *ge) {
        static const uint32_t flags[] = { NETEM_GE_HAS_P, NETEM_GE_HAS_R, NETEM_GE_HAS_H, NETEM_GE_HAS_K };
        const double values[] = { ge->p, ge->r, ge->h, ge->k };
        cJSON *model = cJSON_CreateObject(), *o = model ? cJSON_AddObjectToObject(model, "gilbert_elliott") : NULL;

        for (size_t i = 0; o && i < ELEMENTSOF(flags); i++)
                if ((ge->set & flags[i]) && !cJSON_AddNumberToObject(o, ge_members[i].name, values[i]))
                        o = NULL;
        if (!o) {
                cJSON_Delete(model);
                return NULL;
        }
        return model;
}

static cJSON *slot_to_json(const NetemSlot *slot) {
        char buf[DURATION_STRING_MAX];
        cJSON *o = cJSON_CreateObject();
        bool ok = o && format_duration_ns(slot->min_delay_ns, buf, sizeof buf) &&
                  cJSON_AddStringToObject(o, "min_delay", buf);

        if (ok && (slot->set & NETEM_SLOT_HAS_MAX_DELAY))
                ok = format_duration_ns(slot->max_delay_ns, buf, sizeof buf) &&
                     cJSON_AddStringToObject(o, "max_delay", buf);
        if (ok && (slot->set & NETEM_SLOT_HAS_PACKETS))
                ok = cJSON_AddNumberToObject(o, "packets", slot->packets);
        if (ok && (slot->set & NETEM_SLOT_HAS_BYTES))
                ok = cJSON_AddNumberToObject(o, "bytes", slot->bytes);
        if (!ok) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

/* ---- the walk over netem_members ------------------------------------------------------------------------------ */

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
        case NETEM_VALUE_BOOL:
                if (!cJSON_IsBool(v))
                        return spec_error_set(err, field, "must be true or false");
                *(bool *) dst = cJSON_IsTrue(v);
                return 0;
        case NETEM_VALUE_LOSS_MODEL:
                return loss_model_from_json(v, field, dst, err);
        case NETEM_VALUE_SLOT:
                return slot_from_json(v, field, dst, err);
        default:
                break;
        }
        return spec_error_set(err, field, "unsupported");
}

/* "requires netem.loss or netem.loss_model": every member whose flag is in m->requires. */
static int requires_error(const NetemMember *m, const char *field, SpecError *err) {
        char names[SPEC_FIELD_MAX * 2] = "";
        size_t n = 0;

        NETEM_MEMBER_FOREACH(o)
                if (m->requires & o->flag)
                        n += (size_t) snprintf(names + n, n < sizeof names ? sizeof names - n : 0, "%snetem.%s",
                                               n > 0 ? " or " : "", o->name);
        return spec_error_set(err, field, "requires %s", names);
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
                /* false is the same as leaving it out, as with partition. */
                if (m->kind != NETEM_VALUE_BOOL || *(const bool *) ((const uint8_t *) &p + m->offset))
                        p.set |= m->flag;
        }
        if (p.set == 0)
                return spec_error_set(err, "netem", "must have at least one member that does something");

        /* Checked after all members are in, so the verdict does not depend on their order. */
        NETEM_MEMBER_FOREACH(m) {
                char field[SPEC_FIELD_MAX];

                if (!(p.set & m->flag))
                        continue;
                spec_field_path(field, sizeof field, "netem", m->name);

                if (m->requires && !(p.set & m->requires))
                        return requires_error(m, field, err);
                if (p.set & m->excludes)
                        return spec_error_set(err, field, "cannot be combined with netem.%s",
                                              netem_member_by_flag(p.set & m->excludes & -(p.set & m->excludes))->name);
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
                case NETEM_VALUE_RATE: {
                        /* Both as the strings they are written in: "90ms", "10mbit". */
                        const char *t = m->kind == NETEM_VALUE_DURATION
                                                ? format_duration_ns(*(const int64_t *) src, buf, sizeof buf)
                                                : format_rate_Bps(*(const uint64_t *) src, buf, sizeof buf);
                        v = t ? cJSON_CreateString(t) : NULL;
                        break;
                }
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
                case NETEM_VALUE_BOOL:
                        v = cJSON_CreateBool(*(const bool *) src);
                        break;
                case NETEM_VALUE_LOSS_MODEL:
                        v = ge_to_json(src);
                        break;
                case NETEM_VALUE_SLOT:
                        v = slot_to_json(src);
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
