/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "error.h"
#include "config.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "rpc.h"
#include "target.h"
#include "time-util.h"


/* Params for methods that take none: absent, or an empty object. */
static int no_params(const cJSON *params, RpcError *err) {
        if (!params)
                return 0;
        if (!cJSON_IsObject(params))
                return agent_invalid(err, "params", "must be an object");
        if (params->child)
                return agent_invalid(err, params->child->string ? params->child->string : "params", "unknown member");
        return 0;
}

/* {id: "..."} and nothing else. */
static int id_param(const cJSON *params, const char **ret, RpcError *err) {
        const cJSON *id;

        if (!cJSON_IsObject(params))
                return agent_invalid(err, "params", "must be an object with an id");
        for (const cJSON *m = params->child; m; m = m->next)
                if (!m->string || strcmp(m->string, "id") != 0)
                        return agent_invalid(err, m->string ? m->string : "params", "unknown member");
        id = cJSON_GetObjectItemCaseSensitive(params, "id");
        if (!id)
                return agent_invalid(err, "id", "required");
        if (!cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) > FAULT_ID_MAX)
                return agent_invalid(err, "id", "must be a string of 1 to 128 characters");
        *ret = id->valuestring;
        return 0;
}

static int method_info(Agent *a, const cJSON *params, cJSON **ret, RpcError *err) {
        cJSON *o, *kernel, *features, *faults;
        int k;

        k = no_params(params, err);
        if (k < 0)
                return k;

        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "version", CHAOSLET_VERSION);
        kernel = cJSON_AddObjectToObject(o, "kernel");
        cJSON_AddStringToObject(kernel, "release", a->kernel_release);
        features = cJSON_AddObjectToObject(kernel, "features");
        for (KernelFeature f = 0; f < _FEATURE_MAX; f++)
                cJSON_AddBoolToObject(features, kernel_feature_to_string(f), a->registry.features.has[f]);
        faults = cJSON_AddObjectToObject(o, "faults");
        cJSON_AddNumberToObject(faults, "active", a->registry.n_faults);
        cJSON_AddNumberToObject(o, "uptime_s", (double) ((now_ns(CLOCK_MONOTONIC) - a->started_mono_ns) / NSEC_PER_SEC));
        cJSON_AddItemToObject(o, "capabilities", caps_effective_json());
        cJSON_AddBoolToObject(o, "allow_host_netns", a->registry.allow_host_netns);
        if (a->registry.classifier) {
                ClassifierIds ids;

                k = classifier_ids(a->registry.classifier, &ids);
                if (k < 0) {
                        cJSON_Delete(o);
                        return k;
                }
                cJSON *c = cJSON_AddObjectToObject(o, "classifier"),
                      *progs = cJSON_AddArrayToObject(c, "prog_ids"), *maps = cJSON_AddArrayToObject(c, "map_ids");
                for (size_t i = 0; i < ids.n_progs; i++)
                        cJSON_AddItemToArray(progs, cJSON_CreateNumber(ids.prog_ids[i]));
                for (size_t i = 0; i < ids.n_maps; i++)
                        cJSON_AddItemToArray(maps, cJSON_CreateNumber(ids.map_ids[i]));
        }
        if (a->registry.journal) {
                cJSON *j = cJSON_AddObjectToObject(o, "journal");

                cJSON_AddStringToObject(j, "dir", journal_path(a->registry.journal));
                cJSON_AddNumberToObject(j, "entries", journal_entries(a->registry.journal));
                cJSON_AddNumberToObject(j, "corrupt", journal_corrupt(a->registry.journal));
                cJSON_AddBoolToObject(j, "keep_faults_on_exit", a->registry.keep_faults_on_exit);
        }
        *ret = o;
        return 0;
}

static int method_apply(Agent *a, const cJSON *params, cJSON **ret, RpcError *err) {
        FaultSpec spec = {};
        SpecError se = {};
        Fault *f;
        int k;

        if (!cJSON_IsObject(params))
                return agent_invalid(err, "params", "must be an object");

        k = fault_spec_from_json(params, &spec, &se);
        if (k < 0)
                return agent_invalid(err, se.field, se.reason);

        k = registry_apply(&a->registry, &spec, &f, err);
        if (k < 0) {
                char t[4200];

                fault_target_describe(&spec.target, t, sizeof(t));
                (void) log_fault_full_errno(LOG_INFO, k, spec.id[0] ? spec.id : NULL, t, "Refused fault %s on %s: %d %s",
                                            spec.id[0] ? spec.id : "(unnamed)", t, err->code, err->message);
        }
        fault_spec_done(&spec); /* emptied when the registry took it */
        if (k < 0)
                return k;
        *ret = fault_to_json(&a->registry, f);
        return 0;
}

static int method_recover(Agent *a, const cJSON *params, cJSON **ret, RpcError *err) {
        const char *id = NULL;
        int k;

        k = id_param(params, &id, err);
        if (k >= 0)
                k = registry_recover(&a->registry, id, err);
        if (k < 0)
                return k;
        *ret = cJSON_CreateObject();
        cJSON_AddStringToObject(*ret, "id", id);
        cJSON_AddStringToObject(*ret, "state", "recovered");
        return 0;
}

static int fault_order_cmp(const void *a, const void *b) {
        const Fault *x = *(const Fault *const *) a, *y = *(const Fault *const *) b;
        return (x->order > y->order) - (x->order < y->order);
}

static int method_list(Agent *a, const cJSON *params, cJSON **ret, RpcError *err) {
        _cleanup_free_ Fault **sorted = NULL;
        size_t n = 0;
        cJSON *o, *arr;
        int k;

        k = no_params(params, err);
        if (k < 0)
                return k;
        sorted = calloc(a->registry.n_faults + 1, sizeof(Fault *));
        if (!sorted)
                return -ENOMEM;
        for (Fault *f = a->registry.faults; f; f = f->next)
                sorted[n++] = f;
        /* Oldest first: the order in which they win packets. */
        qsort(sorted, n, sizeof(Fault *), fault_order_cmp);

        o = cJSON_CreateObject();
        arr = cJSON_AddArrayToObject(o, "faults");
        for (size_t i = 0; i < n; i++)
                cJSON_AddItemToArray(arr, fault_to_json(&a->registry, sorted[i]));
        /* Then those that ended a short while ago, unless their id is live again. */
        for (const EndedFault *e = a->registry.ended; e; e = e->next)
                if (!registry_find(&a->registry, e->id))
                        cJSON_AddItemToArray(arr, cJSON_Duplicate(e->view, true));
        *ret = o;
        return 0;
}

static int method_get(Agent *a, const cJSON *params, cJSON **ret, RpcError *err) {
        const char *id = NULL;
        Fault *f = NULL;
        int k;

        k = id_param(params, &id, err);
        if (k < 0)
                return k;
        if (!registry_find(&a->registry, id)) {
                const EndedFault *e = registry_find_ended(&a->registry, id);
                if (e) {
                        *ret = cJSON_Duplicate(e->view, true);
                        return *ret ? 0 : -ENOMEM;
                }
        }
        k = registry_get(&a->registry, id, &f, err);
        if (k >= 0)
                *ret = fault_to_json(&a->registry, f);
        return k;
}

const AgentMethod agent_methods[] = {
        { "agent.info", method_info },
        { "fault.apply", method_apply },
        { "fault.recover", method_recover },
        { "fault.list", method_list },
        { "fault.get", method_get },
        {},
};

int agent_dispatch(void *userdata, const RpcRequest *req, cJSON **ret_result, RpcError *err) {
        Agent *a = userdata;

        /* The timerfd's wake-up may still be queued behind this request (the same epoll batch, a loop busy with
         * other clients, an agent just resumed from SIGSTOP): answer as of now, never with a fault past its
         * deadline shown active (the classifier already ignores it). bench-expiry measured 29 of 50 such answers
         * right after a SIGCONT. */
        if (registry_expiry_due(&a->registry))
                registry_expire(&a->registry);

        for (const AgentMethod *m = agent_methods; m->name; m++) {
                int64_t t0;
                int k;

                if (strcmp(m->name, req->method) != 0)
                        continue;
                t0 = now_ns(CLOCK_MONOTONIC);
                k = m->fn(a, req->params, ret_result, err);
                if (k >= 0) {
                        metrics_rpc_observe(&a->registry.metrics, (size_t) (m - agent_methods), 0,
                                            now_ns(CLOCK_MONOTONIC) - t0);
                        return 0;
                }
                /* A failure nobody described for the client (out of memory, say): say what errno says. */
                if (err->code == 0) {
                        rpc_error_set(err, RPC_INTERNAL_ERROR, "Internal error");
                        err->data = cJSON_CreateObject();
                        cJSON_AddNumberToObject(err->data, "errno", -k);
                        cJSON_AddStringToObject(err->data, "message", strerror(-k));
                }
                if (err->code == RPC_INTERNAL_ERROR)
                        log_error("%s failed: %s (%s)", req->method, err->message, strerror(-k));
                metrics_rpc_observe(&a->registry.metrics, (size_t) (m - agent_methods), err->code,
                                    now_ns(CLOCK_MONOTONIC) - t0);
                return k;
        }

        metrics_rpc_observe(&a->registry.metrics, SIZE_MAX, RPC_METHOD_NOT_FOUND, 0);
        rpc_error_set(err, RPC_METHOD_NOT_FOUND, "Method not found");
        err->data = cJSON_CreateObject();
        cJSON_AddStringToObject(err->data, "method", req->method);
        return -EOPNOTSUPP;
}
