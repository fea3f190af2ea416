/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jsonrpc.h"
#include "loader.h"
#include "netns.h"
#include "probe.h"
#include "spec.h"
#include "tree.h"

#define REGISTRY_FAULTS_MAX 1024

typedef struct Device Device;
typedef struct Fault Fault;

typedef struct FaultDevice {
        Device *device;
        uint16_t minor;
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
        uint32_t counter_key;
        int32_t nsid;                   /* the target namespace's nsid in the agent's namespace; -1: none */
        ClassifierCidrSet cidr_set;     /* where the classifier keeps its CIDRs */
        FaultDevice devices[2 * FAULT_DEVICES_MAX];   /* egress and/or ingress per link */
        size_t n_devices;
        Fault *next;
};

/* One direction of one interface in one namespace, with chaoslet's tree on it while any fault lives there. Egress:
 * the tree is on the interface itself. Ingress: on chaoslet's IFB, fed by a clsact hook on the interface. */
struct Device {
        NetnsId netns;
        int link_ifindex;               /* the interface the faults are about */
        char link_name[16];
        uint8_t direction;              /* CLASSIFIER_DIR_* */
        int ifindex;                    /* where the tree is: the interface, or the IFB (0 while there is none) */
        char name[16];                  /* ditto */
        uint16_t key;                   /* the classifier's device key, TREE_DEVICE_KEY_MIN.. */
        uint8_t l2_len;                 /* link_l2_len() of the interface */
        bool installed;                 /* our root (and for ingress, the IFB and the hook) are there */
        uint64_t classes;               /* bit m-1: class c4a0:m and its leaf exist */
        Device *next;
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
        int nsid_fd;                    /* RTNLGRP_NSID listener: namespaces being destroyed */
        uint8_t counter_keys[CLASSIFIER_COUNTERS_MAX / 8];
        uint8_t device_keys[65536 / 8];
} Registry;

int registry_init(Registry *r, Classifier *classifier, const KernelFeatures *features, int64_t max_duration_ns);
void registry_done(Registry *r);

/* fault.apply: spec is consumed on success. */
int registry_apply(Registry *r, FaultSpec *spec, Fault **ret, RpcError *err);
int registry_recover(Registry *r, const char *id, RpcError *err);
Fault *registry_find(Registry *r, const char *id);

/* Recover whatever has passed its deadline, and re-arm the timer. Called from the timerfd. */
void registry_expire(Registry *r);
/* The namespace with this nsid was destroyed: drop its faults (their kernel state went with it). */
void registry_netns_deleted(Registry *r, int32_t nsid);

/* Recover every fault (SIGTERM). Returns how many could not be cleaned. */
int registry_recover_all(Registry *r);

cJSON *fault_to_json(Registry *r, const Fault *f);
