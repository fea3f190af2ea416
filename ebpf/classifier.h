/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#pragma once

/* Shared between classifier.bpf.c and user space. Plain UAPI types only. */

#include <linux/types.h>

/* At most this many live faults per device, in application order. */
#define CLASSIFIER_FAULTS_MAX 64

/* One device's live faults, keyed by an agent-wide unique 16-bit device key.
 *
 * How the program learns which device a packet is on: cls_bpf copies the filter's own classid into
 * qdisc_skb_cb(skb)->tc_classid before running the program (net/sched/cls_bpf.c, cls_bpf_classify()), but that
 * field is 16 bits wide, so only the classid's minor survives. chaoslet therefore attaches the filter with classid
 * <root major>:<device key>. In direct-action mode the kernel then builds the result as
 * TC_H_MAJ(filter classid) | skb->tc_classid, so the program writes back just the class minor. */
struct classifier_slot {
        __u64 deadline_ns;      /* bpf_ktime_get_ns() clock (CLOCK_MONOTONIC); 0: none */
        __u16 minor;            /* the fault's class minor on this device */
        __u16 flags;            /* CLASSIFIER_F_* */
        __u32 loss_prob;        /* drop probability, 0..UINT32_MAX, decided here (no netem needed) */
        __u32 fault_key;        /* index into the counters map */
        __u32 pad;
};

struct classifier_device {
        __u32 n;
        __u32 pad;
        struct classifier_slot slots[CLASSIFIER_FAULTS_MAX];
};

enum {
        CLASSIFIER_F_PARTITION = 1 << 0,
        CLASSIFIER_F_LOSS = 1 << 1,
};

struct classifier_counters {
        __u64 matched_packets;
        __u64 matched_bytes;
        __u64 dropped_packets;
};

#define CLASSIFIER_DEVICES_MAX 4096
#define CLASSIFIER_COUNTERS_MAX 65536
