/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "rtnl.h"

/* One builder for every cls_bpf filter chaoslet adds: the classifier under its tree's root (direct-action, with
 * the classid that tells the program which device it runs on) and the ingress hook (classic mode, whose match
 * runs an act_mirred redirect to chaoslet's IFB). Filters match every protocol (ETH_P_ALL). */
typedef struct FilterBpf {
        int ifindex;
        uint32_t parent;                /* the qdisc (or clsact hook) the filter hangs on */
        uint16_t prio;
        int prog_fd;
        const char *name;               /* TCA_BPF_NAME: how chaoslet recognises its own filters in a dump */
        bool direct_action;             /* the program's return is the verdict; else -1 runs the actions */
        uint32_t classid;               /* TCA_BPF_CLASSID; 0: none */
        int redirect_ifindex;           /* an act_mirred egress redirect to this device; 0: no action */
        bool replace;                   /* change the filter at (parent, prio, handle 1) in place when it is there
                                         * (CREATE without EXCL): the kernel swaps the program atomically */
} FilterBpf;

/* Queue the filter's RTM_NEWTFILTER (CREATE|EXCL, or CREATE alone with replace) into the batch. -ENOBUFS when the batch is full. */
int filter_queue_bpf_add(Rtnl *r, const FilterBpf *f);
/* Queue the removal of the bpf filter at (ifindex, parent, prio). */
int filter_queue_bpf_del(Rtnl *r, int ifindex, uint32_t parent, uint16_t prio);
