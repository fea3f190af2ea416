/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "rtnl.h"

/* Ingress faults: chaoslet's IFB device in the target namespace, and the clsact ingress hook on the real device
 * that hands its packets to the IFB (a classic-mode cls_bpf filter with act_mirred). The IFB then carries the
 * same tree as an egress device. */

#define IFB_NAME_PREFIX "chaoslet-i"
#define INGRESS_FILTER_NAME "chaoslet-ingress"
#define INGRESS_FILTER_PRIO 1

/* "chaoslet-i<ifindex in base 36>": tells at a glance whose it is, and which device it serves. */
void ifb_name(int parent_ifindex, char *buf, size_t len);

/* Each queues one message into the batch. */
int ifb_queue_create(Rtnl *r, const char *name);
int ifb_queue_up(Rtnl *r, int ifindex);
int ifb_queue_delete(Rtnl *r, int ifindex, const char *name);
int ingress_queue_clsact_add(Rtnl *r, int ifindex);
int ingress_queue_clsact_del(Rtnl *r, int ifindex);
/* What the device's clsact carries: chaoslet's ingress filter, and/or anybody else's filters. */
typedef struct IngressHookState {
        bool ours;
        bool others;
} IngressHookState;

int ingress_hook_state(Rtnl *r, int ifindex, IngressHookState *ret);
/* Remove just chaoslet's filter from the clsact ingress hook. */
int ingress_queue_redirect_del(Rtnl *r, int ifindex);

/* On the device's clsact ingress hook: prog_fd returns -1 ("match") and mirred redirects to ifb_ifindex. replace:
 * change chaoslet's filter in place when it is there (a restarted agent taking over a killed one's hook). */
int ingress_queue_redirect(Rtnl *r, int ifindex, int prog_fd, int ifb_ifindex, bool replace);
