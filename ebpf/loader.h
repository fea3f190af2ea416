/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "classifier.h"

/* The classifier, loaded once per agent from the skeleton embedded in the binary, and shared by every device. */
typedef struct Classifier Classifier;

/* Open, load and verify. -EPERM without CAP_BPF/CAP_NET_ADMIN; other -errno from the verifier. */
int classifier_load(Classifier **ret);
Classifier *classifier_free(Classifier *c);

int classifier_prog_fd(const Classifier *c);
/* The classic-mode "match everything" program of the clsact ingress hook (the filter's mirred does the work). */
int classifier_ingress_prog_fd(const Classifier *c);

/* The kernel's ids of what the agent loaded: its programs and maps. Each lives only while an fd, a filter or a pin
 * holds it, so a test can tell that a dead agent's classifier is gone (bpftool prog show id N) without a global
 * look at a kernel that parallel tests share. */
#define CLASSIFIER_IDS_MAX 16
typedef struct ClassifierIds {
        uint32_t prog_ids[CLASSIFIER_IDS_MAX], map_ids[CLASSIFIER_IDS_MAX];
        size_t n_progs, n_maps;
} ClassifierIds;

int classifier_ids(const Classifier *c, ClassifierIds *ret);

/* Where a fault's CIDRs went (classifier.h: per-length hash or LPM trie, per family), for its slots. */
typedef struct ClassifierCidrSet {
        uint16_t flags;         /* CLASSIFIER_F_CIDRS, _CIDR4, _CIDR6, _CIDR4_LPM, _CIDR6_LPM */
        uint8_t n_lens4, n_lens6;
        uint8_t lens4[CLASSIFIER_HASH_LENS_MAX], lens6[CLASSIFIER_HASH_LENS_MAX];
} ClassifierCidrSet;

/* A fault's CIDR set: add every prefix, or remove them all again. Adding rolls back what it added on failure. */
int classifier_cidrs_add(Classifier *c, uint32_t fault_key, const Cidr *cidrs, size_t n, ClassifierCidrSet *ret);
void classifier_cidrs_remove(Classifier *c, uint32_t fault_key, const Cidr *cidrs, size_t n,
                             const ClassifierCidrSet *set);
/* A fault's port ranges as its bitmap (n == 0: none, the entry is removed). */
int classifier_ports_set(Classifier *c, uint32_t fault_key, const struct classifier_port_range *ranges, size_t n);

/* Copy a set's placement into a slot. */
void classifier_slot_set_cidrs(struct classifier_slot *s, const ClassifierCidrSet *set);

/* Replace a device's live-fault table in one map update: the classifier sees the old table or the new, never a
 * mix. n == 0 removes the device's entry. */
int classifier_device_update(Classifier *c, uint16_t device_key, const struct classifier_device *dev);

/* Sum a fault's per-CPU counters, and zero them (for a fault key about to be reused). */
int classifier_counters_read(Classifier *c, uint32_t fault_key, struct classifier_counters *ret);
int classifier_counters_reset(Classifier *c, uint32_t fault_key);

/* Route libbpf's messages into our logger, one level below libbpf's own. */
void classifier_setup_logging(void);
