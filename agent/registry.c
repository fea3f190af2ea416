/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "bitmap.h"
#include "crash.h"
#include "device.h"
#include "error.h"
#include "log.h"
#include "macro.h"
#include "nsid.h"
#include "registry-internal.h"
#include "target.h"
#include "time-util.h"
#include "units.h"

/* ---- the fault list and its timer ------------------------------------------------------------------------ */

void registry_timer_arm(Registry *r) {
        struct itimerspec its = {};
        int64_t next = registry_ended_expire(r, now_ns(CLOCK_MONOTONIC));

        for (Fault *f = r->faults; f; f = f->next) {
                int64_t t = f->deadline_ns > f->retry_ns ? f->deadline_ns : f->retry_ns;
                if (t < next)
                        next = t;
        }
        if (next != INT64_MAX) {
                its.it_value.tv_sec = next / 1000000000;
                its.it_value.tv_nsec = next % 1000000000;
                if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                        its.it_value.tv_nsec = 1;
        }
        if (timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                log_error_errno(errno, "Failed to arm the expiry timer: %m");
}

void registry_fault_free(Fault *f) {
        if (!f)
                return;
        fault_spec_done(&f->spec);
        free(f->cgroup_path);
        free(f->devices);
        free(f->target_json);
        free(f->spec_json);
        free(f);
}

void registry_fault_link(Registry *r, Fault *f) {
        /* Every live fault passes here, its target and spec final. */
        fault_view_prepare(f);
        f->next = r->faults;
        r->faults = f;
        r->n_faults++;
        if (f->order > r->next_order)
                r->next_order = f->order;
}

void registry_fault_unlink(Registry *r, Fault *f) {
        for (Fault **p = &r->faults; *p; p = &(*p)->next)
                if (*p == f) {
                        *p = f->next;
                        r->n_faults--;
                        return;
                }
}

Fault *registry_find(Registry *r, const char *id) {
        for (Fault *f = r->faults; f; f = f->next)
                if (strcmp(f->id, id) == 0)
                        return f;
        return NULL;
}

static void generate_id(char *buf, size_t len) {
        uint8_t b[8] = {};

        if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
                uint64_t t = (uint64_t) now_ns(CLOCK_MONOTONIC);
                memcpy(b, &t, sizeof(b));
        }
        snprintf(buf, len, "f-%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

static int feature_missing(RpcError *err, const char *feature, const char *why) {
        rpc_error_set(err, RPC_NOT_SUPPORTED, "Not supported by this kernel");
        err->data = cJSON_CreateObject();
        cJSON_AddStringToObject(err->data, "feature", feature);
        cJSON_AddStringToObject(err->data, "reason", why);
        return -EOPNOTSUPP;
}

static int check_features(Registry *r, const FaultSpec *spec, RpcError *err) {
        if (!r->classifier || !r->features.has[FEATURE_BPF])
                return feature_missing(err, "bpf", "the classifier could not be loaded");
        if (!r->features.has[FEATURE_SCH_HTB])
                return feature_missing(err, "sch_htb", "chaoslet's root qdisc is htb");
        if (!r->features.has[FEATURE_CLS_BPF])
                return feature_missing(err, "cls_bpf", "the classifier is attached with cls_bpf");
        if (spec->direction != DIRECTION_EGRESS && !r->features.has[FEATURE_IFB])
                return feature_missing(err, "ifb", "ingress faults run on chaoslet's IFB device");
        if (spec->direction != DIRECTION_EGRESS && !r->features.has[FEATURE_CLSACT])
                return feature_missing(err, "clsact", "ingress faults are fed to the IFB from a clsact hook");
        if (spec->bandwidth.set && !r->features.has[FEATURE_SCH_TBF])
                return feature_missing(err, "sch_tbf", "bandwidth is carried out by a tbf qdisc");
        if (fault_needs_netem(spec) && !r->features.has[FEATURE_SCH_NETEM])
                return feature_missing(err, "sch_netem",
                                       "the kernel has no netem qdisc (on some distributions it ships in an extra "
                                       "modules package, such as kernel-modules-extra)");
        return 0;
}

static int check_limits(Registry *r, const FaultSpec *spec, RpcError *err) {
        if (spec->duration_ns > r->max_duration_ns) {
                char b[64];
                int k = agent_invalid(err, "duration", "longer than this agent's --max-duration");

                cJSON_AddStringToObject(err->data, "max_duration",
                                        format_duration_ns(r->max_duration_ns, b, sizeof(b)));
                return k;
        }
        if (r->n_faults >= REGISTRY_FAULTS_MAX)
                return agent_fail_field(err, -E2BIG, RPC_INVALID_PARAMS, "Too many faults", "id",
                                        "the agent already runs its maximum of 1024 faults");
        return 0;
}

static void set_times(Registry *r, Fault *f) {
        int64_t span = f->spec.duration_ns > 0 ? f->spec.duration_ns : r->max_duration_ns;

        f->expires_at_ns = now_ns(CLOCK_REALTIME) + span;
        f->deadline_ns = now_ns(CLOCK_MONOTONIC) + span;
        f->retry_ns = 0; /* a renewed lease starts its expiry afresh */
        f->n_retries = 0;
}

/* ---- a fault's rules in the classifier: its counters, CIDRs and ports, under one key ------------------------ */

void registry_rules_unload(Registry *r, Fault *f) {
        (void) classifier_ports_set(r->classifier, f->counter_key, NULL, 0);
        classifier_cidrs_remove(r->classifier, f->counter_key, f->spec.match.cidrs, f->spec.match.n_cidrs,
                                &f->cidr_set);
        bitmap_set(r->counter_keys, f->counter_key, false);
}

int registry_rules_load(Registry *r, Fault *f, const FaultSpec *spec, int want_key, RpcError *err) {
        struct classifier_port_range ranges[MATCH_PORT_RANGES_MAX];
        unsigned key;
        int k;

        if (want_key >= 0 && want_key < CLASSIFIER_COUNTERS_MAX && !bitmap_test(r->counter_keys, (unsigned) want_key)) {
                key = (unsigned) want_key;
                bitmap_set(r->counter_keys, key, true);
        } else {
                k = bitmap_alloc(r->counter_keys, 0, CLASSIFIER_COUNTERS_MAX, &key);
                if (k < 0)
                        return agent_fail(err, k, RPC_INTERNAL_ERROR, "Out of counter slots");
        }
        f->counter_key = key;
        (void) classifier_counters_reset(r->classifier, key);

        k = classifier_cidrs_add(r->classifier, key, spec->match.cidrs, spec->match.n_cidrs, &f->cidr_set);
        if (k < 0) {
                bitmap_set(r->counter_keys, key, false);
                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to load the fault's CIDRs into the classifier");
        }

        for (size_t i = 0; i < spec->match.n_ports; i++)
                ranges[i] = (struct classifier_port_range) { spec->match.ports[i].lo, spec->match.ports[i].hi };
        k = classifier_ports_set(r->classifier, key, ranges, spec->match.n_ports);
        if (k < 0) {
                classifier_cidrs_remove(r->classifier, key, spec->match.cidrs, spec->match.n_cidrs, &f->cidr_set);
                bitmap_set(r->counter_keys, key, false);
                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to load the fault's ports into the classifier");
        }
        return 0;
}

/* ---- apply and renew -------------------------------------------------------------------------------------- */

typedef struct RenewUndo {
        int64_t expires_at_ns, deadline_ns;
} RenewUndo;

static void renew_undo(Registry *r, Fault *f, void *userdata) {
        const RenewUndo *u = userdata;

        f->expires_at_ns = u->expires_at_ns;
        f->deadline_ns = u->deadline_ns;
}

static int journal_failed(RpcError *err, int k) {
        rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to write the fault journal; nothing was changed");
        err->data = cJSON_CreateObject();
        cJSON_AddNumberToObject(err->data, "errno", -k);
        cJSON_AddStringToObject(err->data, "message", strerror(-k));
        return k;
}

static int renew(Registry *r, Fault *f, const FaultSpec *spec, RpcError *err) {
        _cleanup_(rtnl_netns_done) RtnlNetns ns = RTNL_NETNS_NULL;
        RenewUndo undo = { f->expires_at_ns, f->deadline_ns };
        char tbuf[64];
        NetnsId id;
        int k;

        if (!fault_spec_equal(&f->spec, spec))
                return agent_fail_field(err, -EEXIST, RPC_CONFLICT, "A fault with this id exists with a different spec",
                                        "id", "already in use by a different fault; recover it first");
        k = target_open(&spec->target, &ns, &id, NULL, err);
        if (k < 0)
                return k;
        if (!netns_id_same(id, f->netns))
                return agent_fail_field(err, -EEXIST, RPC_CONFLICT, "The target now lives in another network namespace",
                                        "target", "resolves to a different network namespace than when applied; "
                                                  "recover the fault first");

        /* All devices get the new deadline, or none. */
        set_times(r, f);
        k = device_sync_fault(r, f, &ns, renew_undo, &undo, err);
        if (k >= 0) {
                k = registry_journal_write(r, f);
                if (k < 0) {
                        RpcError ignored = {};

                        renew_undo(r, f, &undo);
                        (void) device_sync_fault(r, f, &ns, renew_undo, &undo, &ignored);
                        rpc_error_done(&ignored);
                        k = journal_failed(err, k);
                }
        }
        registry_timer_arm(r);
        if (k < 0)
                return k;
        log_info("Renewed fault %s until %s", f->id, format_rfc3339(f->expires_at_ns, tbuf, sizeof(tbuf)));
        return 0;
}

/* The node's own namespace (a hostNetwork pod's): refused unless --allow-host-netns; allowed, the fault is
 * narrowed to the traffic of the target's cgroup, so the node's own traffic is never hit. */
static int host_netns_check(Registry *r, const FaultSpec *spec, const TargetFound *found, Fault *f, RpcError *err) {
        char path[CGROUP_PATH_MAX];
        unsigned level = 0;
        bool host = false;
        int k;

        for (size_t i = 0; i < r->n_host_netns; i++)
                host = host || (f->netns.dev == r->host_netns[i].dev && f->netns.ino == r->host_netns[i].ino);
        if (!host)
                return 0;
        if (!r->allow_host_netns)
                return agent_fail_field(err, -EPERM, RPC_NOT_PERMITTED, "The target is in the node's network namespace",
                                        "target", "resolves to the node's own network namespace (a hostNetwork "
                                                  "pod); chaosletd --allow-host-netns permits it");

        switch (spec->target.kind) {
        case TARGET_CONTAINER:
        case TARGET_POD:
                if (!found->unit.unit_path[0])
                        return agent_fail_field(err, -EOPNOTSUPP, RPC_NOT_SUPPORTED,
                                                "A host-network target needs cgroup v2", "target",
                                                "only cgroup v1 names it, and the classifier tells sockets apart "
                                                "by their cgroup v2");
                snprintf(path, sizeof(path), "%s", found->unit.unit_path);
                level = found->unit.unit_level;
                break;
        case TARGET_PID:
                k = cgroup_pid_v2_path(found->pid, path, sizeof(path), &level);
                if (k == -ERANGE)
                        level = 0;
                else if (k < 0)
                        return agent_fail_field(err, k, RPC_NOT_SUPPORTED, "A host-network target needs cgroup v2",
                                                "target.pid", "the process has no cgroup v2 path");
                if (k >= 0 && level == 0)
                        return agent_invalid(err, "target.pid", "in the node's namespace and its root cgroup: its "
                                                                "traffic cannot be told from the node's");
                break;
        default:
                return agent_invalid(err, "target", "the node's own namespace by path: name the container, pod or pid "
                                                    "so that only its traffic is hit");
        }
        if (level == 0 || level > UINT8_MAX)
                return agent_invalid(err, "target", "its cgroup is outside chaosletd's cgroup namespace (or deeper "
                                                    "than 255): run chaosletd in the node's cgroup namespace");
        /* At tc ingress a packet has no socket yet, so no cgroup to tell the target's traffic by. */
        if (spec->direction != DIRECTION_EGRESS)
                return agent_invalid(err, "direction", "a target in the node's namespace is matched by its "
                                                       "sockets' cgroup, which only egress packets carry: use egress");
        k = cgroup_id_of_path(path, &f->cgroup_id);
        if (k < 0)
                return agent_fail_field(err, k, RPC_TARGET_NOT_FOUND, "The target's cgroup cannot be opened", "target",
                                        strerror(-k));
        f->cgroup_path = strdup(path);
        if (!f->cgroup_path)
                return -ENOMEM;
        f->cgroup_level = level;
        return 0;
}

/* The nsid a live fault in the same namespace already has: a namespace keeps its nsid for as long as it lives, and
 * its cookie is never another's, so no round trip is needed to learn it again. -1 without a cookie to be sure by. */
static int32_t known_nsid(Registry *r, NetnsId id) {
        if (id.cookie == 0)
                return -1;
        for (Fault *g = r->faults; g; g = g->next)
                if (g->nsid >= 0 && g->netns.cookie == id.cookie && netns_id_same(g->netns, id))
                        return g->nsid;
        return -1;
}

static void apply_undo(Registry *r, Fault *f, void *userdata) {
        registry_fault_unlink(r, f);
}

int registry_apply(Registry *r, FaultSpec *spec, Fault **ret, RpcError *err) {
        _cleanup_(rtnl_netns_done) RtnlNetns ns = RTNL_NETNS_NULL;
        TargetFound found = {};
        Link links[LINKS_MAX];
        char tbuf[4200];
        size_t n_links = 0;
        Fault *f, *existing;
        int k;

        existing = spec->id[0] ? registry_find(r, spec->id) : NULL;
        if (existing) {
                k = renew(r, existing, spec, err);
                if (k < 0)
                        return k;
                *ret = existing;
                return 0;
        }

        k = check_limits(r, spec, err);
        if (k < 0)
                return k;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;

        /* Resolve the target: its namespace, and the devices in it. */
        k = target_open(&spec->target, &ns, &f->netns, &found, err);
        if (k < 0)
                goto fail;
        /* Before anything changes in the kernel, the nsid included. */
        k = host_netns_check(r, spec, &found, f, err);
        if (k < 0)
                goto fail;
        /* So that the namespace's death is announced to us (RTM_DELNSID) without our holding it alive. */
        f->nsid = known_nsid(r, f->netns);
        if (f->nsid < 0 && r->home && nsid_get_or_assign(r->home, ns.fd, &f->nsid) < 0)
                log_debug("No nsid for the namespace of %s: its death is noticed when the fault is next touched",
                          fault_target_describe(&spec->target, tbuf, sizeof(tbuf)));
        k = target_links(&ns, spec, links, &n_links, err);
        if (k < 0)
                goto fail;
        /* After the target: a wrong target is worth knowing about on any kernel. */
        k = check_features(r, spec, err);
        if (k < 0)
                goto fail;

        /* Build its rules in the classifier. */
        k = registry_rules_load(r, f, spec, -1, err);
        if (k < 0)
                goto fail;

        /* Place it on its devices (nothing reaches the kernel yet). */
        f->spec = *spec;
        k = device_place(r, f, links, n_links, err);
        if (k < 0)
                goto fail_devices;

        if (spec->id[0])
                snprintf(f->id, sizeof(f->id), "%s", spec->id);
        else
                do
                        generate_id(f->id, sizeof(f->id));
                while (registry_find(r, f->id));
        f->order = ++r->next_order;
        f->applied_at_ns = now_ns(CLOCK_REALTIME);
        set_times(r, f);

        /* Before the first change in the namespace, so that a crash after the change knows where to look. */
        k = registry_journal_note(r, f);
        if (k < 0) {
                k = journal_failed(err, k);
                goto fail_devices;
        }
        CRASH_POINT("apply:after-netns-note");
        /* Listed before syncing, so the devices' desired state includes it; then each device's kernel state is
         * brought in line, all or nothing. */
        registry_fault_link(r, f);
        k = device_sync_fault(r, f, &ns, apply_undo, NULL, err);
        if (k < 0)
                goto fail_devices;
        CRASH_POINT("apply:after-batch");
        /* Durable before it is acknowledged; if it cannot be, the apply is undone. */
        k = registry_journal_write(r, f);
        if (k < 0) {
                k = journal_failed(err, k);
                registry_fault_unlink(r, f);
                for (size_t i = 0; i < f->n_devices; i++) {
                        RpcError ignored = {};
                        (void) device_sync(r, f->devices[i].device, &ns, NULL, &ignored);
                        rpc_error_done(&ignored);
                }
                goto fail_devices;
        }
        CRASH_POINT("apply:after-journal");

        *spec = (FaultSpec) {}; /* f owns its allocations now */
        registry_timer_arm(r);
        metrics_fault_applied(&r->metrics, &f->spec);
        fault_target_describe(&f->spec.target, tbuf, sizeof(tbuf));
        log_fault(LOG_INFO, f->id, tbuf, "Applied fault %s to %s (netns inode %" PRIu64 ", %zu device%s)", f->id,
                  tbuf, f->netns.ino, f->n_devices, f->n_devices == 1 ? "" : "s");
        *ret = f;
        return 0;

fail_devices:
        for (size_t i = 0; i < f->n_devices; i++)
                device_release(r, f->devices[i].device);
        registry_rules_unload(r, f);
fail:
        free(f->cgroup_path);
        free(f); /* f->spec, if set, is still the caller's */
        return k;
}

/* ---- remove, recover, expire -------------------------------------------------------------------------------- */

/* Take a fault off its devices and out of the registry. A namespace that is gone took our state with it. When the
 * namespace cannot be reached, or the kernel refuses, the fault stays (and err says why), so a later recover or
 * expiry tries again: forgetting it would leave its tree behind. force (the agent stopping) forgets regardless. */
static int fault_remove(Registry *r, Fault *f, const char *why, bool force, RpcError *err) {
        _cleanup_(rtnl_netns_done) RtnlNetns ns = RTNL_NETNS_NULL;
        char tbuf[4200];
        bool gone, unreachable;
        int k;

        /* Only when a device's tree changes: a fault the classifier alone carried out, beside others that keep the
         * tree, goes with a map update, and its namespace is not even looked for (if it is gone, the faults that
         * keep the tree are dropped with it). */
        bool need = false;
        for (size_t i = 0; i < f->n_devices && !need; i++)
                need = device_sync_needs_netns(r, f->devices[i].device, f);
        k = need ? target_reopen(&f->spec.target, f->netns, &ns) : 0;
        if (k < 0 && k != -ENOENT && !force) {
                rpc_error_set(err, k == -EACCES || k == -EPERM ? RPC_NOT_PERMITTED : RPC_INTERNAL_ERROR,
                              "Cannot reach the fault's network namespace; the fault stays, try again");
                err->data = cJSON_CreateObject();
                cJSON_AddNumberToObject(err->data, "errno", -k);
                cJSON_AddStringToObject(err->data, "message", strerror(-k));
                fault_target_describe(&f->spec.target, tbuf, sizeof(tbuf));
                (void) log_fault_full_errno(LOG_WARNING, k, f->id, tbuf,
                                            "Cannot reach the namespace of fault %s to remove it: %m", f->id);
                return k;
        }
        gone = k == -ENOENT;
        /* Only when forced (the agent stopping): it is forgotten, but its namespace's record stays in the journal, so
         * that the next agent's sweep finds what chaoslet left there. */
        unreachable = k < 0 && !gone;
        /* Not looked for, but known gone: a device of ours that is no longer installed lost its namespace (a fault
         * removed before this one found it gone). */
        for (size_t i = 0; i < f->n_devices && !need && !gone; i++)
                gone = !f->devices[i].device->installed;

        for (size_t i = 0; i < f->n_devices; i++) {
                Device *d = f->devices[i].device;
                RpcError e = {};

                if (gone || unreachable) {
                        device_forget_kernel_state(r, d);
                        continue;
                }
                k = device_sync(r, d, &ns, f, &e);
                if (k < 0 && !force) {
                        log_warning("Failed to remove fault %s from %s: %s", f->id, d->link_name, e.message);
                        rpc_error_done(err);
                        *err = e;
                        return k;
                }
                if (k < 0)
                        log_warning("Failed to remove fault %s from %s: %s", f->id, d->link_name, e.message);
                rpc_error_done(&e);
        }

        CRASH_POINT("recover:after-batch");
        registry_journal_drop(r, f, !unreachable && (gone || force));
        CRASH_POINT("recover:after-journal-unlink");
        registry_fault_unlink(r, f);
        for (size_t i = 0; i < f->n_devices; i++)
                device_release(r, f->devices[i].device);
        /* Only now: until every device stopped consulting them, the fault's rules had to stay whole. */
        registry_rules_unload(r, f);

        fault_target_describe(&f->spec.target, tbuf, sizeof(tbuf));
        log_fault(LOG_INFO, f->id, tbuf, "%s fault %s on %s%s", why, f->id, tbuf,
                  gone ? " (its network namespace is gone)" :
                  unreachable ? " (its network namespace could not be reached: left to the next agent's sweep)" : "");
        registry_fault_free(f);
        registry_timer_arm(r);
        return 0;
}

int registry_get(Registry *r, const char *id, Fault **ret, RpcError *err) {
        Fault *f = registry_find(r, id);
        int k;

        if (!f) {
                k = agent_fail_field(err, -ENOENT, RPC_UNKNOWN_FAULT, "Unknown fault id", "id",
                                     "no live fault has this id");
                cJSON_AddStringToObject(err->data, "id", id);
                return k;
        }
        *ret = f;
        return 0;
}

int registry_recover(Registry *r, const char *id, RpcError *err) {
        Fault *f;
        int k;

        k = registry_get(r, id, &f, err);
        if (k < 0)
                return k;
        return fault_remove(r, f, "Recovered", false, err);
}

#define EXPIRY_RETRY_NS (1000ll * 1000 * 1000)
#define EXPIRY_RETRY_SHIFT_MAX 6 /* 64 s: a namespace that stays out of reach costs a warning a minute */

void registry_expire(Registry *r) {
        int64_t now = now_ns(CLOCK_MONOTONIC);
        Fault *f;

        do {
                for (f = r->faults; f; f = f->next)
                        if (f->deadline_ns <= now && f->retry_ns <= now)
                                break;
                if (f) {
                        RpcError e = {};
                        if (fault_remove(r, f, "Expired", false, &e) < 0)
                                /* The classifier already ignores it. */
                                f->retry_ns = now + (EXPIRY_RETRY_NS << (f->n_retries < EXPIRY_RETRY_SHIFT_MAX
                                                                                ? f->n_retries++
                                                                                : EXPIRY_RETRY_SHIFT_MAX));
                        rpc_error_done(&e);
                }
        } while (f);
        registry_timer_arm(r);
}

bool registry_expiry_due(const Registry *r) {
        int64_t now = now_ns(CLOCK_MONOTONIC);

        for (const Fault *f = r->faults; f; f = f->next)
                if (f->deadline_ns <= now && f->retry_ns <= now)
                        return true;
        return false;
}

static bool netns_gone(Fault *f) {
        RtnlNetns ns = RTNL_NETNS_NULL;
        bool gone = target_reopen(&f->spec.target, f->netns, &ns) == -ENOENT;

        rtnl_netns_done(&ns);
        return gone;
}

void registry_netns_deleted(Registry *r, int32_t nsid) {
        Fault *next;

        /* One pass: a fault whose removal fails stays live (not listed as ended), and is not met again here. */
        for (Fault *f = r->faults; f; f = next) {
                next = f->next;
                /* nsids are reused once freed: make sure this fault's namespace is really gone. */
                if (f->nsid != nsid || !netns_gone(f))
                        continue;
                RpcError e = {};
                /* The view is taken before the removal frees f; kept only if f goes. */
                bool ended = registry_fault_ended(r, f, "its network namespace was destroyed");
                if (fault_remove(r, f, "Dropped", false, &e) < 0 && ended)
                        registry_ended_drop_newest(r);
                rpc_error_done(&e);
        }
}

void registry_netns_recheck(Registry *r) {
        _cleanup_free_ int32_t *gone = calloc(r->n_faults + 1, sizeof(int32_t));
        size_t n = 0;

        if (!gone)
                return;
        for (Fault *f = r->faults; f; f = f->next) {
                bool seen = false;

                for (size_t i = 0; i < n && !seen; i++)
                        seen = gone[i] == f->nsid;
                if (!seen && f->nsid >= 0 && netns_gone(f))
                        gone[n++] = f->nsid;
        }
        for (size_t i = 0; i < n; i++)
                registry_netns_deleted(r, gone[i]);
}

void registry_recover_all(Registry *r) {
        while (r->faults) {
                RpcError e = {};
                (void) fault_remove(r, r->faults, "Recovered (agent stopping)", true, &e);
                rpc_error_done(&e);
        }
}

int registry_init(Registry *r, Classifier *classifier, const KernelFeatures *features, int64_t max_duration_ns) {
        int fd;

        *r = (Registry) {
                .classifier = classifier,
                .features = *features,
                .max_duration_ns = max_duration_ns,
        };
        r->nsid_fd = -EBADF;
        /* The node's namespace: the agent's own as a host service, PID 1's in the DaemonSet (hostPID, not
         * hostNetwork). Both are refused as targets; on a node they are usually one. */
        for (pid_t pid = getpid(), i = 0; i < 2; pid = 1, i++) {
                NetnsId id;

                if (netns_open_pid(pid, &fd, &id, NULL) < 0)
                        continue;
                safe_close(fd);
                if (r->n_host_netns == 0 || id.dev != r->host_netns[0].dev || id.ino != r->host_netns[0].ino)
                        r->host_netns[r->n_host_netns++] = id;
        }
        r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (r->timer_fd < 0)
                return negative_errno();
        /* Without these the agent still works: a dead namespace's faults go when next touched or at expiry. */
        if (rtnl_open(&r->home) < 0 || nsid_listener_open(&r->nsid_fd) < 0)
                log_warning("Cannot follow namespace deaths (nsid): faults of a vanished target go at expiry");
        return 0;
}

void registry_done(Registry *r) {
        if (!r->keep_faults_on_exit)
                registry_recover_all(r);
        else if (r->faults) {
                /* Their kernel state and their journal entries stay: the next agent's reconcile adopts them. */
                log_info("Leaving %u fault%s to the next agent (--keep-faults-on-exit)", r->n_faults,
                         r->n_faults == 1 ? "" : "s");
                while (r->faults) {
                        Fault *f = r->faults;
                        registry_fault_unlink(r, f);
                        registry_fault_free(f);
                }
        }
        registry_ended_free_all(r);
        while (r->devices) {
                Device *d = r->devices;
                r->devices = d->next;
                free(d);
        }
        r->timer_fd = safe_close(r->timer_fd);
        r->nsid_fd = safe_close(r->nsid_fd);
        r->home = rtnl_free(r->home);
}
