/* SPDX-License-Identifier: MIT */
/* What clients see of faults: the live ones, and for a while those whose namespace died. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "journal.h"
#include "log.h"
#include "registry-internal.h"
#include "time-util.h"
#include "units.h"

static cJSON *target_to_json(const Fault *f) {
        cJSON *t = journal_target_to_json(&f->spec.target);

        cJSON_AddNumberToObject(t, "netns_inode", (double) f->netns.ino);
        if (f->cgroup_id) {
                cJSON_AddStringToObject(t, "cgroup", f->cgroup_path);
                cJSON_AddNumberToObject(t, "cgroup_id", (double) f->cgroup_id);
        }
        return t;
}

static char *print_and_delete(cJSON *o) {
        char *text = o ? cJSON_PrintUnformatted(o) : NULL;

        cJSON_Delete(o);
        return text;
}

/* fault.list of 1,000 faults spent a third of the agent's time building and printing these again (bench-scale). */
void fault_view_prepare(Fault *f) {
        if (!f->target_json)
                f->target_json = print_and_delete(target_to_json(f));
        if (!f->spec_json)
                f->spec_json = print_and_delete(fault_spec_to_json(&f->spec));
}

cJSON *fault_to_json(Registry *r, const Fault *f) {
        cJSON *o = cJSON_CreateObject(), *devs, *co;
        struct classifier_counters c;
        char buf[64];

        cJSON_AddStringToObject(o, "id", f->id);
        cJSON_AddStringToObject(o, "state", "active");
        cJSON_AddItemToObject(o, "target", f->target_json ? cJSON_CreateRaw(f->target_json) : target_to_json(f));
        devs = cJSON_AddArrayToObject(o, "devices");
        for (size_t i = 0; i < f->n_devices; i++) {
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen = seen || f->devices[j].device->link_ifindex == f->devices[i].device->link_ifindex;
                if (!seen)
                        cJSON_AddItemToArray(devs, cJSON_CreateString(f->devices[i].device->link_name));
        }
        cJSON_AddStringToObject(o, "applied_at", format_rfc3339(f->applied_at_ns, buf, sizeof(buf)));
        cJSON_AddStringToObject(o, "expires_at", format_rfc3339(f->expires_at_ns, buf, sizeof(buf)));
        cJSON_AddItemToObject(o, "spec", f->spec_json ? cJSON_CreateRaw(f->spec_json) : fault_spec_to_json(&f->spec));
        if (f->spec.ignored)
                cJSON_AddItemToObject(o, "ignored", fault_spec_ignored_to_json(&f->spec));
        /* Always there, so clients need no special case: zeros if the map cannot be read. */
        if (classifier_counters_read(r->classifier, f->counter_key, &c) < 0)
                c = (struct classifier_counters) {};
        co = cJSON_AddObjectToObject(o, "counters");
        cJSON_AddNumberToObject(co, "matched_packets", (double) c.matched_packets);
        cJSON_AddNumberToObject(co, "matched_bytes", (double) c.matched_bytes);
        cJSON_AddNumberToObject(co, "dropped_packets", (double) c.dropped_packets);
        return o;
}

static void ended_free(Registry *r, EndedFault **p) {
        EndedFault *e = *p;

        *p = e->next;
        cJSON_Delete(e->view);
        free(e);
        r->n_ended--;
}

bool registry_fault_ended(Registry *r, const Fault *f, const char *reason) {
        EndedFault *e;
        cJSON *state;

        /* Bounded like the live faults: the record closest to its end gives way. */
        if (r->n_ended >= REGISTRY_FAULTS_MAX) {
                EndedFault **oldest = &r->ended;
                for (EndedFault **p = &r->ended; *p; p = &(*p)->next)
                        if ((*p)->until_ns < (*oldest)->until_ns)
                                oldest = p;
                ended_free(r, oldest);
        }
        e = calloc(1, sizeof(*e));
        if (!e)
                return false;
        e->view = fault_to_json(r, f);
        if (!e->view) {
                free(e);
                return false;
        }
        state = cJSON_CreateString("ended");
        cJSON_ReplaceItemInObjectCaseSensitive(e->view, "state", state);
        cJSON_AddStringToObject(e->view, "reason", reason);
        snprintf(e->id, sizeof(e->id), "%s", f->id);
        e->order = f->order;
        e->until_ns = now_ns(CLOCK_MONOTONIC) + REGISTRY_ENDED_KEEP_NS;
        e->next = r->ended;
        r->ended = e;
        r->n_ended++;
        return true;
}

void registry_ended_drop_newest(Registry *r) {
        if (r->ended)
                ended_free(r, &r->ended);
}

const EndedFault *registry_find_ended(Registry *r, const char *id) {
        for (EndedFault *e = r->ended; e; e = e->next)
                if (strcmp(e->id, id) == 0)
                        return e;
        return NULL;
}

int64_t registry_ended_expire(Registry *r, int64_t now) {
        int64_t next = INT64_MAX;

        for (EndedFault **p = &r->ended; *p;)
                if ((*p)->until_ns <= now)
                        ended_free(r, p);
                else {
                        if ((*p)->until_ns < next)
                                next = (*p)->until_ns;
                        p = &(*p)->next;
                }
        return next;
}

void registry_ended_free_all(Registry *r) {
        while (r->ended)
                ended_free(r, &r->ended);
}
