/* SPDX-License-Identifier: MIT */
/*
 * fault.apply's "networkchaos": the spec of a Chaos Mesh NetworkChaos (chaos-mesh.org/v1alpha1), as an orchestrator
 * has it, or the whole object (then its spec is taken). It is translated into the native members it means, and
 * the native decoder validates the result: both forms accept exactly the same values, and an error found there is
 * reported under the NetworkChaos field it came from. docs/chaos-mesh.md is the table below, in prose.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "macro.h"
#include "spec-internal.h"
#include "string-table.h"
#include "strv.h"

typedef enum NcAction {
        NC_NETEM,
        NC_DELAY,
        NC_LOSS,
        NC_DUPLICATE,
        NC_CORRUPT,
        NC_RATE,
        NC_BANDWIDTH,
        NC_PARTITION,
        _NC_ACTION_MAX,
        _NC_ACTION_INVALID = -EINVAL,
} NcAction;

/* Chaos Mesh's action names, in NcAction's order. */
static const char *const nc_action_table[_NC_ACTION_MAX] = {
        "netem", "delay", "loss", "duplicate", "corrupt", "rate", "bandwidth", "partition",
};

static NcAction nc_action_from_string(const char *s) {
        return (NcAction) string_table_lookup(nc_action_table, ELEMENTSOF(nc_action_table), s);
}

#define ACTION(a) (1u << (a))
/* The sections that make a netem leaf, which action netem combines. */
#define NETEM_SECTIONS (ACTION(NC_NETEM) | ACTION(NC_DELAY) | ACTION(NC_LOSS) | ACTION(NC_DUPLICATE) | \
                        ACTION(NC_CORRUPT) | ACTION(NC_RATE))

/* A member of a NetworkChaos section and the native member it becomes. Values go across as they are (Chaos Mesh's
 * strings "90ms", "25", "1mbps" are what the native decoder takes); an empty string, which Chaos Mesh's Go structs
 * write for an unset optional field, counts as absent. */
typedef enum NcConvert {
        NC_AS_IS,
        NC_ZERO_ABSENT,                 /* a Go uint32 Chaos Mesh always writes: 0 means not set */
        NC_BYTES_PER_SEC,               /* ditto, and an integer rate in bytes per second: "<n>bps" natively */
} NcConvert;

typedef struct NcField {
        const char *name;
        const char *native;             /* "netem.latency"; NULL: a nested section (delay.reorder) */
        const struct NcField *nested;
        NcConvert convert;
} NcField;

static const NcField reorder_fields[] = {
        { "reorder", "netem.reorder" },
        { "correlation", "netem.reorder_correlation" },
        { "gap", "netem.gap" },
        {},
};

static const NcField delay_fields[] = {
        { "latency", "netem.latency" },
        { "jitter", "netem.jitter" },
        { "correlation", "netem.correlation" },
        { "reorder", NULL, reorder_fields },
        {},
};

static const NcField loss_fields[] = {
        { "loss", "netem.loss" },
        { "correlation", "netem.loss_correlation" },
        {},
};

static const NcField duplicate_fields[] = {
        { "duplicate", "netem.duplicate" },
        { "correlation", "netem.duplicate_correlation" },
        {},
};

static const NcField corrupt_fields[] = {
        { "corrupt", "netem.corrupt" },
        { "correlation", "netem.corrupt_correlation" },
        {},
};

static const NcField rate_fields[] = {
        { "rate", "netem.rate" },
        {},
};

/* tc's tbf words: Chaos Mesh's "buffer" is the bucket, which chaoslet (like tc's "burst") calls burst. */
static const NcField bandwidth_fields[] = {
        { "rate", "bandwidth.rate" },
        { "limit", "bandwidth.limit", NULL, NC_ZERO_ABSENT },
        { "buffer", "bandwidth.burst", NULL, NC_ZERO_ABSENT },
        { "peakrate", "bandwidth.peakrate", NULL, NC_BYTES_PER_SEC },
        { "minburst", "bandwidth.minburst", NULL, NC_ZERO_ABSENT },
        {},
};

/* The TcParameter sections, which actions use each, and the member each action cannot do without. */
static const struct {
        const char *name;
        const NcField *fields;
        unsigned actions;
        NcAction needed_by;
        const char *required;
} sections[] = {
        { "delay", delay_fields, NETEM_SECTIONS & ~ACTION(NC_RATE), NC_DELAY, "latency" },
        { "loss", loss_fields, ACTION(NC_NETEM) | ACTION(NC_LOSS), NC_LOSS, "loss" },
        { "duplicate", duplicate_fields, ACTION(NC_NETEM) | ACTION(NC_DUPLICATE), NC_DUPLICATE, "duplicate" },
        { "corrupt", corrupt_fields, ACTION(NC_NETEM) | ACTION(NC_CORRUPT), NC_CORRUPT, "corrupt" },
        { "rate", rate_fields, ACTION(NC_NETEM) | ACTION(NC_RATE), NC_RATE, "rate" },
        { "bandwidth", bandwidth_fields, ACTION(NC_NETEM) | ACTION(NC_BANDWIDTH), NC_BANDWIDTH, "rate" },
};

/* Chosen by the orchestrator before chaoslet is called: accepted, recorded in the result, and ignored. */
static const char *const ignored_members[] = { "selector", "mode", "value" };

/* Known to Chaos Mesh, but asking for something only the orchestrator can turn into addresses or devices. */
static const struct {
        const char *name;
        const char *reason;
} unsupported_members[] = {
        { "target", "a pod selector: the orchestrator resolves the target pods and passes their IPs in "
                    "externalTargets" },
        { "targetDevice", "a device of the target pods: chaoslet acts in the selected pod only" },
        { "remoteCluster", "another cluster: call the chaoslet agent on that cluster's node" },
};

#define NC_PATHS_MAX 32

/* What a translation made: the native members, and where each came from, to put errors back in NetworkChaos
 * terms. */
typedef struct NcTranslation {
        cJSON *native;
        const char *prefix;             /* "networkchaos" or "networkchaos.spec" */
        char **ignored;
        struct {
                char native[SPEC_FIELD_MAX];
                char nc[SPEC_FIELD_MAX];
        } paths[NC_PATHS_MAX];
        size_t n_paths;
} NcTranslation;

static void nc_translation_done(NcTranslation *t) {
        cJSON_Delete(t->native);
        strv_free(t->ignored);
}

static void nc_field(const NcTranslation *t, const char *rest, char field[static SPEC_FIELD_MAX]) {
        spec_field_path(field, SPEC_FIELD_MAX, t->prefix, rest);
}

/* Put a copy of v at the native path "object.member" (or "member"), and remember where it came from. */
static int nc_put(NcTranslation *t, const char *native, const cJSON *v, const char *nc_path, SpecError *err) {
        const char *dot = strchr(native, '.');
        cJSON *parent = t->native, *copy;
        char object[32];

        if (t->n_paths >= NC_PATHS_MAX)
                return spec_error_set(err, t->prefix, "too many members");
        if (dot) {
                snprintf(object, sizeof object, "%.*s", (int) (dot - native), native);
                parent = cJSON_GetObjectItemCaseSensitive(t->native, object) ?: cJSON_AddObjectToObject(t->native, object);
                native = dot + 1;
        }
        copy = cJSON_Duplicate(v, true);
        if (!parent || !copy || !cJSON_AddItemToObject(parent, native, copy)) {
                cJSON_Delete(copy);
                return -ENOMEM;
        }
        snprintf(t->paths[t->n_paths].native, SPEC_FIELD_MAX, "%s%s%s", dot ? object : "", dot ? "." : "", native);
        snprintf(t->paths[t->n_paths].nc, SPEC_FIELD_MAX, "%s", nc_path);
        t->n_paths++;
        return 0;
}

/* An integer in bytes per second, as tc writes it ("125000bps"); the native decoder checks the rest. */
static int nc_put_rate(NcTranslation *t, const char *native, const cJSON *v, const char *field, SpecError *err) {
        char buf[48];
        cJSON *s;
        int r;

        if (v->valuedouble < 0 || v->valuedouble > 1e19 || v->valuedouble != (double) (uint64_t) v->valuedouble)
                return spec_error_set(err, field, "must be a whole number of bytes per second");
        snprintf(buf, sizeof buf, "%" PRIu64 "bps", (uint64_t) v->valuedouble);
        s = cJSON_CreateString(buf);
        r = s ? nc_put(t, native, s, field, err) : -ENOMEM;
        cJSON_Delete(s);
        return r;
}

static bool nc_empty(const cJSON *v) {
        return cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0');
}

static int nc_section(NcTranslation *t, const cJSON *o, const NcField *fields, const char *path, SpecError *err) {
        char field[SPEC_FIELD_MAX];
        uint64_t seen = 0;
        int r;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, path, "must be an object");
        for (const cJSON *c = o->child; c; c = c->next) {
                const NcField *f = fields;
                size_t i = 0;

                for (; f->name && (!c->string || strcmp(f->name, c->string) != 0); f++)
                        i++;
                r = spec_member_check(c, path, f->name != NULL, SPEC_MEMBER_SEEN(seen, i), field, err);
                if (r < 0)
                        return r;
                seen |= UINT64_C(1) << i;
                if (nc_empty(c) || (f->convert != NC_AS_IS && cJSON_IsNumber(c) && c->valuedouble == 0))
                        continue;
                if (f->convert == NC_BYTES_PER_SEC && cJSON_IsNumber(c))
                        r = nc_put_rate(t, f->native, c, field, err);
                else if (f->nested)
                        r = nc_section(t, c, f->nested, field, err);
                else
                        r = nc_put(t, f->native, c, field, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int nc_direction(NcTranslation *t, const cJSON *v, const char *field, SpecError *err) {
        static const char *const map[][2] = { { "to", "egress" }, { "from", "ingress" }, { "both", "both" } };

        if (nc_empty(v))
                return 0; /* Chaos Mesh's default: to */
        for (size_t i = 0; cJSON_IsString(v) && i < ELEMENTSOF(map); i++)
                if (strcmp(v->valuestring, map[i][0]) == 0) {
                        cJSON *s = cJSON_CreateString(map[i][1]);
                        int r = s ? nc_put(t, "direction", s, field, err) : -ENOMEM;

                        cJSON_Delete(s);
                        return r;
                }
        return spec_error_set(err, field, "must be \"to\", \"from\" or \"both\"");
}

/* Letters, digits, dots and dashes, with a letter somewhere: what no address or CIDR looks like. */
static bool looks_like_hostname(const char *s) {
        bool letter = false;

        for (; *s; s++) {
                if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
                        letter = true;
                else if (!(*s >= '0' && *s <= '9') && *s != '.' && *s != '-')
                        return false;
        }
        return letter;
}

/* IPs and CIDRs become match.cidrs; a hostname is refused, because resolving names is the orchestrator's job (and
 * an agent's answer could differ from the pod's resolver's). */
static int nc_external_targets(NcTranslation *t, const cJSON *v, const char *field, SpecError *err) {
        char item[SPEC_FIELD_MAX + 24];
        size_t i = 0;
        Cidr c;

        if (!cJSON_IsArray(v))
                return spec_error_set(err, field, "must be an array of IP addresses or CIDRs");
        for (const cJSON *e = v->child; e; e = e->next, i++) {
                snprintf(item, sizeof item, "%s[%zu]", field, i);
                if (!cJSON_IsString(e))
                        return spec_error_set(err, item, "must be a string: an IP address or CIDR");
                if (cidr_from_string(e->valuestring, &c) < 0 && looks_like_hostname(e->valuestring))
                        return spec_error_set(err, item, "a hostname: chaoslet does not resolve names, the "
                                                         "orchestrator passes their IP addresses");
        }
        return v->child ? nc_put(t, "match.cidrs", v, field, err) : 0;
}

static int nc_ignore(NcTranslation *t, const char *name) {
        char *copy = strdup(name);
        size_t n = 0;
        char **l;

        if (!copy)
                return -ENOMEM;
        while (t->ignored && t->ignored[n])
                n++;
        l = realloc(t->ignored, (n + 2) * sizeof(char *));
        if (!l) {
                free(copy);
                return -ENOMEM;
        }
        l[n] = copy;
        l[n + 1] = NULL;
        t->ignored = l;
        return 0;
}

/* The NetworkChaos spec's own members, besides the TcParameter sections. */
static int nc_spec_member(NcTranslation *t, const cJSON *c, const char *field, SpecError *err) {
        for (size_t i = 0; i < ELEMENTSOF(ignored_members); i++)
                if (strcmp(c->string, ignored_members[i]) == 0)
                        return nc_ignore(t, c->string);
        for (size_t i = 0; i < ELEMENTSOF(unsupported_members); i++)
                if (strcmp(c->string, unsupported_members[i].name) == 0)
                        return nc_empty(c) ? 0 : spec_error_set(err, field, "not supported: %s",
                                                                unsupported_members[i].reason);
        if (strcmp(c->string, "direction") == 0)
                return nc_direction(t, c, field, err);
        if (strcmp(c->string, "externalTargets") == 0)
                return nc_empty(c) ? 0 : nc_external_targets(t, c, field, err);
        if (strcmp(c->string, "device") == 0)
                return nc_empty(c) ? 0 : nc_put(t, "device", c, field, err);
        if (strcmp(c->string, "duration") == 0)
                return nc_empty(c) ? 0 : nc_put(t, "duration", c, field, err);
        return spec_error_set(err, field, "unknown member");
}

static int nc_translate(NcTranslation *t, const cJSON *spec, SpecError *err) {
        char field[SPEC_FIELD_MAX];
        const cJSON *action;
        unsigned present = 0;
        NcAction a;
        int r;

        if (!cJSON_IsObject(spec))
                return spec_error_set(err, t->prefix, "must be an object: a NetworkChaos spec, or the whole NetworkChaos");
        action = cJSON_GetObjectItemCaseSensitive(spec, "action");
        nc_field(t, "action", field);
        if (!action)
                return spec_error_set(err, field, "required");
        a = cJSON_IsString(action) ? nc_action_from_string(action->valuestring) : _NC_ACTION_INVALID;
        if (a < 0)
                return spec_error_set(err, field, "must be one of netem, delay, loss, duplicate, corrupt, rate, "
                                                  "bandwidth, partition");

        for (const cJSON *c = spec->child; c; c = c->next) {
                size_t i;

                for (const cJSON *d = spec->child; d != c; d = d->next)
                        if (strcmp(d->string, c->string) == 0) {
                                nc_field(t, c->string, field);
                                return spec_error_set(err, field, "duplicate member");
                        }
                nc_field(t, c->string, field);
                if (c == action)
                        continue;
                for (i = 0; i < ELEMENTSOF(sections) && strcmp(sections[i].name, c->string) != 0; i++)
                        ;
                if (i == ELEMENTSOF(sections)) {
                        r = nc_spec_member(t, c, field, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (nc_empty(c))
                        continue;
                if (!(sections[i].actions & ACTION(a)))
                        return spec_error_set(err, field, "not used by action %s%s", nc_action_table[a],
                                              sections[i].actions & ACTION(NC_NETEM) ? " (action netem combines them)"
                                                                                      : "");
                r = nc_section(t, c, sections[i].fields, field, err);
                if (r < 0)
                        return r;
                if (nc_empty(cJSON_GetObjectItemCaseSensitive(c, sections[i].required)) ||
                    !cJSON_HasObjectItem(c, sections[i].required)) {
                        char path[SPEC_FIELD_MAX];

                        snprintf(path, sizeof path, "%s.%s", sections[i].name, sections[i].required);
                        nc_field(t, path, field);
                        return spec_error_set(err, field, "required");
                }
                present |= ACTION(sections[i].needed_by);
        }

        /* Each action needs its section, netem at least one of them; partition drops, so it takes none. */
        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                if (a == sections[i].needed_by && !(present & ACTION(a))) {
                        char path[SPEC_FIELD_MAX];

                        snprintf(path, sizeof path, "%s.%s", sections[i].name, sections[i].required);
                        nc_field(t, path, field);
                        return spec_error_set(err, field, "required by action %s", nc_action_table[a]);
                }
        if (a == NC_NETEM && !present) {
                nc_field(t, "action", field);
                return spec_error_set(err, field, "netem needs at least one of delay, loss, duplicate, corrupt, rate "
                                                  "or bandwidth");
        }
        if (a == NC_PARTITION && !cJSON_AddTrueToObject(t->native, "partition"))
                return -ENOMEM;
        return 0;
}

/* The NetworkChaos name of a native member a section field maps to ("netem.reorder" -> "delay.reorder.reorder"),
 * for reasons that name another member ("requires netem.reorder"). */
static bool nc_name_of(const NcField *fields, const char *section, const char *native, char *buf, size_t size) {
        for (const NcField *f = fields; f->name; f++) {
                char path[SPEC_FIELD_MAX];

                snprintf(path, sizeof path, "%s.%s", section, f->name);
                if (f->nested ? nc_name_of(f->nested, path, native, buf, size) : strcmp(f->native, native) == 0) {
                        if (!f->nested)
                                snprintf(buf, size, "%s", path);
                        return true;
                }
        }
        return false;
}

/* reason, with the first native member it names put in NetworkChaos terms. */
static void nc_reason_map(const NcTranslation *t, char *reason, size_t size) {
        for (size_t i = 0; i < ELEMENTSOF(sections); i++) {
                char *at = strstr(reason, sections[i].fields == bandwidth_fields ? "bandwidth." : "netem.");
                char name[SPEC_FIELD_MAX], native[SPEC_FIELD_MAX], rest[256];
                size_t n;

                if (!at)
                        continue;
                n = strcspn(at, " ,;:)");
                snprintf(native, sizeof native, "%.*s", (int) n, at);
                if (!nc_name_of(sections[i].fields, sections[i].name, native, name, sizeof name))
                        continue;
                snprintf(rest, sizeof rest, "%s", at + n);
                snprintf(at, size - (size_t) (at - reason), "%s.%s%s", t->prefix, name, rest);
                return;
        }
}

/* An error the native decoder found, under the NetworkChaos field it came from. Errors about the members that went
 * across as given (target, id) keep their field. */
static void nc_error_map(const NcTranslation *t, SpecError *err) {
        char field[SPEC_FIELD_MAX * 2], reason[sizeof err->reason];

        nc_reason_map(t, err->reason, sizeof err->reason);

        for (size_t i = 0; i < t->n_paths; i++) {
                size_t n = strlen(t->paths[i].native);

                /* "match.cidrs[3]" comes from "externalTargets[3]". */
                if (strncmp(err->field, t->paths[i].native, n) == 0 &&
                    (err->field[n] == '\0' || err->field[n] == '.' || err->field[n] == '[')) {
                        snprintf(field, sizeof field, "%s%s", t->paths[i].nc, err->field + n);
                        snprintf(reason, sizeof reason, "%s", err->reason);
                        spec_error_set(err, field, "%s", reason);
                        return;
                }
        }
}

/* The native fault.apply members a NetworkChaos spec stands for. */
static const char *const native_fault_members[] = { "netem", "bandwidth", "partition", "match", "direction",
                                                    "device", "duration" };

int spec_networkchaos_from_json(const cJSON *params, const cJSON *nc, FaultSpec *ret, SpecError *err) {
        _cleanup_(nc_translation_done) NcTranslation t = { .prefix = "networkchaos" };
        const cJSON *spec = nc;
        SpecError native_err = {};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(native_fault_members); i++)
                if (cJSON_HasObjectItem(params, native_fault_members[i]))
                        return spec_error_set(err, native_fault_members[i], "cannot be combined with networkchaos, "
                                                                            "which says it");

        /* A whole NetworkChaos object (kubectl get -o json): its spec. */
        if (cJSON_IsObject(nc) && cJSON_HasObjectItem(nc, "kind")) {
                const cJSON *kind = cJSON_GetObjectItemCaseSensitive(nc, "kind");
                const cJSON *api = cJSON_GetObjectItemCaseSensitive(nc, "apiVersion");

                if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "NetworkChaos") != 0)
                        return spec_error_set(err, "networkchaos.kind", "must be NetworkChaos");
                if (api && (!cJSON_IsString(api) || strncmp(api->valuestring, "chaos-mesh.org/", 15) != 0))
                        return spec_error_set(err, "networkchaos.apiVersion", "must be chaos-mesh.org/v1alpha1");
                spec = cJSON_GetObjectItemCaseSensitive(nc, "spec");
                t.prefix = "networkchaos.spec";
                if (!spec)
                        return spec_error_set(err, "networkchaos.spec", "required");
        }

        /* The members that are not the fault's own (id, target) go across as given. */
        t.native = cJSON_CreateObject();
        if (!t.native)
                return -ENOMEM;
        for (const cJSON *c = params->child; c; c = c->next) {
                cJSON *copy;

                if (c == nc)
                        continue;
                copy = cJSON_Duplicate(c, true);
                if (!copy || !cJSON_AddItemToObject(t.native, c->string, copy)) {
                        cJSON_Delete(copy);
                        return -ENOMEM;
                }
        }

        r = nc_translate(&t, spec, err);
        if (r < 0)
                return r;

        r = fault_spec_from_json(t.native, ret, &native_err);
        if (r < 0) {
                *err = native_err;
                nc_error_map(&t, err);
                return r;
        }
        ret->ignored = TAKE_PTR(t.ignored);
        return 0;
}
