/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The fault registry: ids, leases, deadlines, each fault's rules in the classifier's maps, and which devices each
 * fault is placed on. device.h owns what each device's kernel state must be and brings it there.
 *
 * Errors, in every agent function (STYLE.md, after systemd):
 *   - The return value is 0 (or a positive value) on success and -errno on failure, never a JSON-RPC code.
 *   - A failure the client must hear about also fills the RpcError: its JSON-RPC code, message and data (the
 *     field, the kernel's words). The -errno says what happened in errno terms: -EINVAL bad params, -ENOENT or
 *     -ENODEV no such target, device or fault, -EEXIST or -EBUSY a conflict, -EPERM or -EACCES not permitted,
 *     -EOPNOTSUPP a kernel feature missing, and the kernel's own errno when it refused a change.
 *   - A failure that leaves the RpcError empty (out of memory, say) is sent as -32603 "Internal error" with
 *     data {errno, message}; agent_dispatch() does that, at the one boundary that logs.
 */

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jsonrpc.h"
#include "loader.h"
#include "metrics.h"
#include "netns.h"
#include "probe.h"
#include "rtnl.h"
#include "spec.h"
#include "tree.h"

#define REGISTRY_FAULTS_MAX 1024

typedef struct Device Device;
typedef struct Fault Fault;
typedef struct Journal Journal;

/* A fault whose namespace died: shown (state "ended", with a reason) for REGISTRY_ENDED_KEEP_NS, then forgotten. */
#define REGISTRY_ENDED_KEEP_NS (60ll * 1000 * 1000 * 1000)
typedef struct EndedFault {
        char id[FAULT_ID_MAX + 1];
        cJSON *view;                    /* what fault.get shows */
        uint64_t order;
        int64_t until_ns;               /* CLOCK_MONOTONIC */
        struct EndedFault *next;
} EndedFault;

typedef struct FaultDevice {
        Device *device;
        uint16_t minor;                 /* its class c4a0:minor on that device; 0: none (classifier-only) */
} FaultDevice;

struct Fault {
        char id[FAULT_ID_MAX + 1];
        FaultSpec spec;
        NetnsId netns;
        uint64_t order;                 /* application order: the first applied wins a packet */
        int64_t applied_at_ns;          /* CLOCK_REALTIME, for display */
        int64_t expires_at_ns;          /* CLOCK_REALTIME, for display */
        int64_t deadline_ns;            /* CLOCK_MONOTONIC, what the timer and the classifier act on */
        int64_t retry_ns;               /* CLOCK_MONOTONIC: an expiry that failed is tried again from then */
        unsigned n_retries;             /* expiries that failed: the next waits 1 s, 2 s, 4 s ... 64 s */
        uint32_t counter_key;
        int32_t nsid;                   /* the target namespace's nsid in the agent's namespace; -1: none */
        /* A target in the node's own namespace (allowed by --allow-host-netns) is hit only in the traffic of
         * sockets in this cgroup v2 (its id and depth; 0: no cgroup match) */
        uint64_t cgroup_id;
        unsigned cgroup_level;
        char *cgroup_path;
        ClassifierCidrSet cidr_set;     /* where the classifier keeps its CIDRs */
        FaultDevice *devices;           /* egress and/or ingress per link: room for two per link placed on */
        char *target_json, *spec_json;  /* as fault.list shows them, printed once (they never change); NULL:
                                         * built at each view */
        size_t n_devices;
        Fault *next;
};

typedef struct Registry {
        Classifier *classifier;
        KernelFeatures features;
        int64_t max_duration_ns;
        Fault *faults;
        Device *devices;
        unsigned n_faults;
        uint64_t next_order;
        int timer_fd;
        Rtnl *home;                     /* rtnetlink in the agent's own namespace (nsids) */
        NetnsId host_netns[2];          /* the node's namespace: the agent's own, and PID 1's (the DaemonSet runs
                                         * with hostPID but not hostNetwork) */
        size_t n_host_netns;
        bool allow_host_netns;          /* chaosletd --allow-host-netns */
        int nsid_fd;                    /* RTNLGRP_NSID listener: namespaces being destroyed */
        Journal *journal;               /* --state-dir; NULL: none (tests that need no durability) */
        bool keep_faults_on_exit;       /* --keep-faults-on-exit: stopping leaves live faults to the next agent */
        EndedFault *ended;
        unsigned n_ended;
        uint8_t counter_keys[CLASSIFIER_COUNTERS_MAX / 8];
        uint8_t device_keys[65536 / 8];
        Metrics metrics;                /* what GET /metrics shows besides the faults themselves */
} Registry;

int registry_init(Registry *r, Classifier *classifier, const KernelFeatures *features, int64_t max_duration_ns);
void registry_done(Registry *r);

/* fault.apply. A new fault takes spec's allocations (spec is emptied); a renew of the same id and spec leaves spec
 * with the caller. */
int registry_apply(Registry *r, FaultSpec *spec, Fault **ret, RpcError *err);
int registry_recover(Registry *r, const char *id, RpcError *err);
Fault *registry_find(Registry *r, const char *id);
/* registry_find(), or -ENOENT with the "unknown fault" error (-32005) filled. */
int registry_get(Registry *r, const char *id, Fault **ret, RpcError *err);

/* Recover whatever has passed its deadline, and re-arm the timer. Called from the timerfd. */
void registry_expire(Registry *r);
/* Whether a fault has passed its deadline (and is not waiting to retry its removal). */
bool registry_expiry_due(const Registry *r);
/* The namespace with this nsid was destroyed: drop its faults (their kernel state went with it). */
void registry_netns_deleted(Registry *r, int32_t nsid);
/* Namespace events were lost: drop the faults of every namespace that is gone. */
void registry_netns_recheck(Registry *r);

/* Recover every fault (SIGTERM). */
void registry_recover_all(Registry *r);

/* At start, before any client: adopt the journal's live faults, clean up what expired or nobody recorded
 * (agent/reconcile.c). */
int registry_reconcile(Registry *r);

cJSON *fault_to_json(Registry *r, const Fault *f);
/* fault.get of a fault that ended a short while ago (its namespace died), or NULL. */
const EndedFault *registry_find_ended(Registry *r, const char *id);
