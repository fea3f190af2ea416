/* SPDX-License-Identifier: MIT */
/* fault.apply params: the top-level members (id, target, devices, direction, partition, duration) here, netem,
 * bandwidth and match in their own files. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "spec-internal.h"
#include "strv.h"
#include "units.h"

/* The longest path open(2) takes, without its NUL. */
#define NETNS_PATH_MAX 4095
/* IFNAMSIZ, without <net/if.h>: it clashes with <linux/if.h> in the files that include both. */
#define IFNAMSIZ_ 16

static const SpecMember target_members[] = {
        { "pid" },
        { "netns" },
        { "container" },
        { "pod" },
};

#define TARGET_ONE_OF "exactly one of \"pid\", \"netns\", \"container\" or \"pod\""

static int target_pid_from_json(const cJSON *pid, FaultTarget *ret, SpecError *err) {
        double d = pid->valuedouble;

        if (!cJSON_IsNumber(pid) || !isfinite(d) || d != floor(d) || d < 1 || d > INT32_MAX)
                return spec_error_set(err, "target.pid", "must be a positive integer");
        *ret = (FaultTarget) { .kind = TARGET_PID, .pid = (pid_t) d };
        return 0;
}

static int target_netns_from_json(const cJSON *netns, FaultTarget *ret, SpecError *err) {
        /* An embedded NUL cannot reach here: the request decoder refuses "\u0000" (see jsonrpc.c). */
        if (!cJSON_IsString(netns) || netns->valuestring[0] != '/')
                return spec_error_set(err, "target.netns", "must be an absolute path such as \"/run/netns/x\"");
        if (strlen(netns->valuestring) > NETNS_PATH_MAX)
                return spec_error_set(err, "target.netns", "must be at most %d bytes", NETNS_PATH_MAX);

        char *path = strdup(netns->valuestring);
        if (!path)
                return -ENOMEM;
        *ret = (FaultTarget) { .kind = TARGET_NETNS, .netns = path };
        return 0;
}

/* container and pod: the string as given (echoed back in fault.get), and its normal form (what is matched). */
static int target_name_from_json(const cJSON *v, TargetKind kind, FaultTarget *ret, SpecError *err) {
        FaultTarget t = { .kind = kind };
        int r;

        if (kind == TARGET_CONTAINER) {
                r = cJSON_IsString(v) && strlen(v->valuestring) <= TARGET_REF_MAX
                        ? fault_container_id_parse(v->valuestring, t.id) : -EINVAL;
                if (r < 0)
                        return spec_error_set(err, "target.container",
                                              "must be a container ID of 64 hex digits, bare or as "
                                              "\"containerd://ID\", \"cri-o://ID\" or \"docker://ID\"");
        } else {
                r = cJSON_IsString(v) ? fault_pod_uid_parse(v->valuestring, t.id) : -EINVAL;
                if (r < 0)
                        return spec_error_set(err, "target.pod",
                                              "must be a pod UID (8-4-4-4-12 hex digits, with dashes or "
                                              "underscores) or a static pod's 32 hex digits");
        }
        t.ref = strdup(v->valuestring);
        if (!t.ref)
                return -ENOMEM;
        *ret = t;
        return 0;
}

/* The walk only checks the names, so that an unknown member is refused before a bad value wherever it stands;
 * the values are read after it. */
static int target_from_json(const cJSON *o, const char *field, void *userdata, SpecError *err) {
        FaultTarget *ret = &((FaultSpec *) userdata)->target;
        const cJSON *pid, *netns, *container, *pod;
        int r;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, field, "must be an object with " TARGET_ONE_OF);

        r = spec_members_from_json(o, field, target_members, ELEMENTSOF(target_members), NULL, NULL, err);
        if (r < 0)
                return r;
        pid = cJSON_GetObjectItemCaseSensitive(o, "pid");
        netns = cJSON_GetObjectItemCaseSensitive(o, "netns");
        container = cJSON_GetObjectItemCaseSensitive(o, "container");
        pod = cJSON_GetObjectItemCaseSensitive(o, "pod");

        if (!!pid + !!netns + !!container + !!pod != 1)
                return spec_error_set(err, field, "must have " TARGET_ONE_OF);

        if (pid)
                return target_pid_from_json(pid, ret, err);
        if (netns)
                return target_netns_from_json(netns, ret, err);
        return target_name_from_json(container ?: pod, container ? TARGET_CONTAINER : TARGET_POD, ret, err);
}

/* The kernel's dev_valid_name(): 1..IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or white space. */
static bool ifname_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n >= IFNAMSIZ_)
                return false;
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (; *s; s++)
                if (*s == '/' || *s == ':' || isspace((unsigned char) *s))
                        return false;
        return true;
}

#define IFNAME_REASON "must be an interface name: 1 to 15 bytes, without '/', ':' or spaces"

static int devices_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        FaultSpec *spec = userdata;
        char **l = NULL;
        size_t n = 0;
        const cJSON *c;
        int r;

        if (cJSON_IsString(v)) {
                if (!ifname_valid(v->valuestring))
                        return spec_error_set(err, field, IFNAME_REASON);
                l = calloc(2, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                l[0] = strdup(v->valuestring);
                if (!l[0]) {
                        free(l);
                        return -ENOMEM;
                }
                spec->devices = l;
                spec->n_devices = 1;
                return 0;
        }

        if (!cJSON_IsArray(v))
                return spec_error_set(err, field, "must be a string or an array of strings");

        l = calloc(FAULT_DEVICES_MAX + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        cJSON_ArrayForEach(c, v) {
                char item[SPEC_FIELD_MAX];

                snprintf(item, sizeof item, "%s[%zu]", field, n);
                if (n >= FAULT_DEVICES_MAX) {
                        r = spec_error_set(err, field, "must list at most %d devices", FAULT_DEVICES_MAX);
                        goto fail;
                }
                if (!cJSON_IsString(c) || !ifname_valid(c->valuestring)) {
                        r = spec_error_set(err, item, IFNAME_REASON);
                        goto fail;
                }
                for (size_t j = 0; j < n; j++)
                        if (strcmp(l[j], c->valuestring) == 0) {
                                r = spec_error_set(err, item, "duplicate of %s[%zu]", field, j);
                                goto fail;
                        }
                l[n] = strdup(c->valuestring);
                if (!l[n]) {
                        r = -ENOMEM;
                        goto fail;
                }
                n++;
        }
        if (n == 0) {
                r = spec_error_set(err, field, "must list at least one device");
                goto fail;
        }

        spec->devices = l;
        spec->n_devices = n;
        return 0;

fail:
        strv_free(l);
        return r;
}

static bool id_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > FAULT_ID_MAX)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
                      *s == '.' || *s == '_' || *s == '-'))
                        return false;
        return true;
}

static int id_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        FaultSpec *spec = userdata;

        if (!cJSON_IsString(v) || !id_valid(v->valuestring))
                return spec_error_set(err, field, "must be 1 to %d characters of A-Z a-z 0-9 . _ -", FAULT_ID_MAX);
        strcpy(spec->id, v->valuestring);
        return 0;
}

static int netem_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_netem_from_json(v, &((FaultSpec *) userdata)->netem, err);
}

static int bandwidth_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_bandwidth_from_json(v, &((FaultSpec *) userdata)->bandwidth, err);
}

static int direction_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        FaultDirection d = fault_direction_from_string(cJSON_IsString(v) ? v->valuestring : NULL);

        if (d < 0)
                return spec_error_set(err, field, "must be one of egress, ingress, both");
        ((FaultSpec *) userdata)->direction = d;
        return 0;
}

static int match_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        return spec_match_from_json(v, &((FaultSpec *) userdata)->match, err);
}

static int partition_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        if (!cJSON_IsBool(v))
                return spec_error_set(err, field, "must be true or false");
        ((FaultSpec *) userdata)->partition = cJSON_IsTrue(v);
        return 0;
}

static int duration_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        FaultSpec *spec = userdata;
        int r;

        r = spec_json_duration(v, field, &spec->duration_ns, err);
        if (r < 0)
                return r;
        if (spec->duration_ns == 0)
                return spec_error_set(err, field, "must be greater than zero");
        return 0;
}

enum {
        FAULT_MEMBER_ID,
        FAULT_MEMBER_TARGET,
        FAULT_MEMBER_DEVICE,
        FAULT_MEMBER_NETEM,
        FAULT_MEMBER_BANDWIDTH,
        FAULT_MEMBER_MATCH,
        FAULT_MEMBER_DIRECTION,
        FAULT_MEMBER_PARTITION,
        FAULT_MEMBER_DURATION,
        _FAULT_MEMBER_MAX,
};

static const SpecMember fault_members[_FAULT_MEMBER_MAX] = {
        [FAULT_MEMBER_ID] = { "id", id_from_json },
        [FAULT_MEMBER_TARGET] = { "target", target_from_json },
        [FAULT_MEMBER_DEVICE] = { "device", devices_from_json },
        [FAULT_MEMBER_NETEM] = { "netem", netem_from_json },
        [FAULT_MEMBER_BANDWIDTH] = { "bandwidth", bandwidth_from_json },
        [FAULT_MEMBER_MATCH] = { "match", match_from_json },
        [FAULT_MEMBER_DIRECTION] = { "direction", direction_from_json },
        [FAULT_MEMBER_PARTITION] = { "partition", partition_from_json },
        [FAULT_MEMBER_DURATION] = { "duration", duration_from_json },
};

int fault_spec_from_json(const cJSON *params, FaultSpec *ret, SpecError *err) {
        _cleanup_(fault_spec_done) FaultSpec spec = {};
        bool have_netem, have_bandwidth;
        uint64_t seen;
        int r;

        if (!ret)
                return -EINVAL;
        if (!cJSON_IsObject(params))
                return spec_error_set(err, "params", "must be an object");
        if (cJSON_HasObjectItem(params, "networkchaos"))
                return spec_networkchaos_from_json(params, cJSON_GetObjectItemCaseSensitive(params, "networkchaos"),
                                                   ret, err);

        r = spec_members_from_json(params, NULL, fault_members, _FAULT_MEMBER_MAX, &spec, &seen, err);
        if (r < 0)
                return r;

        if (!SPEC_MEMBER_SEEN(seen, FAULT_MEMBER_TARGET))
                return spec_error_set(err, "target", "required: {\"pid\": N}, {\"netns\": \"/path\"}, "
                                      "{\"container\": \"containerd://ID\"} or {\"pod\": \"UID\"}");
        /* A partition drops what it matches, so netem or tbf would never see a packet. */
        have_netem = SPEC_MEMBER_SEEN(seen, FAULT_MEMBER_NETEM);
        have_bandwidth = SPEC_MEMBER_SEEN(seen, FAULT_MEMBER_BANDWIDTH);
        if (spec.partition && have_netem)
                return spec_error_set(err, "partition", "cannot be combined with netem");
        if (spec.partition && have_bandwidth)
                return spec_error_set(err, "partition", "cannot be combined with bandwidth");
        if (!spec.partition && !have_netem && !have_bandwidth)
                return spec_error_set(err, "netem", "required unless partition is true or bandwidth is given");

        *ret = spec;
        spec = (FaultSpec) {};
        return 0;
}

static int devices_to_json(cJSON *parent, char **devices) {
        cJSON *a = cJSON_AddArrayToObject(parent, "device");

        if (!a)
                return -ENOMEM;
        STRV_FOREACH(d, devices)
                if (spec_json_array_add(a, cJSON_CreateString(*d)) < 0)
                        return -ENOMEM;
        return 0;
}

cJSON *fault_spec_to_json(const FaultSpec *spec) {
        cJSON *o, *n;

        if (!spec)
                return NULL;

        o = cJSON_CreateObject();
        if (!o)
                return NULL;

        if (spec->devices && devices_to_json(o, spec->devices) < 0)
                goto fail;

        if (spec_match_to_json(o, &spec->match) < 0)
                goto fail;

        if (!cJSON_AddStringToObject(o, "direction", fault_direction_to_string(spec->direction) ?: "invalid"))
                goto fail;

        if (spec->partition && !cJSON_AddTrueToObject(o, "partition"))
                goto fail;

        /* A partition has no netem; anything else has netem, bandwidth or both. */
        if (spec->netem.set != 0 || (!spec->partition && spec->bandwidth.set == 0)) {
                n = spec_netem_to_json(&spec->netem);
                if (!n || !cJSON_AddItemToObject(o, "netem", n)) {
                        cJSON_Delete(n);
                        goto fail;
                }
        }

        if (spec->bandwidth.set != 0) {
                n = spec_bandwidth_to_json(&spec->bandwidth);
                if (!n || !cJSON_AddItemToObject(o, "bandwidth", n)) {
                        cJSON_Delete(n);
                        goto fail;
                }
        }

        if (spec->duration_ns > 0) {
                char buf[DURATION_STRING_MAX];
                if (!format_duration_ns(spec->duration_ns, buf, sizeof buf) ||
                    !cJSON_AddStringToObject(o, "duration", buf))
                        goto fail;
        }

        return o;

fail:
        cJSON_Delete(o);
        return NULL;
}

cJSON *fault_spec_ignored_to_json(const FaultSpec *spec) {
        cJSON *a;

        if (!spec->ignored)
                return NULL;
        a = cJSON_CreateArray();
        STRV_FOREACH(m, spec->ignored) {
                char path[SPEC_FIELD_MAX];

                snprintf(path, sizeof path, "networkchaos.%s", *m);
                if (!a || spec_json_array_add(a, cJSON_CreateString(path)) < 0) {
                        cJSON_Delete(a);
                        return NULL;
                }
        }
        return a;
}
