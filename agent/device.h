/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "jsonrpc.h"
#include "links.h"
#include "netns.h"
#include "registry.h"

/* One direction of one interface in one namespace, with chaoslet's tree on it while any fault lives there. Egress:
 * the tree is on the interface itself. Ingress: on chaoslet's IFB, fed by a clsact hook on the interface.
 *
 * Its desired kernel state is a function of the live faults placed on it (device_sync() computes it and applies
 * the difference): the one path every apply, renew, recover, expiry and cleanup goes through. */
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

/* Place f on each link in each direction its spec asks for: the device (created when new), and a free class
 * minor when the fault needs a class (a netem or tbf leaf). Nothing reaches the kernel yet. On failure f->devices lists what was
 * placed so far, for device_release(). */
int device_place(Registry *r, Fault *f, const Link *links, size_t n_links, RpcError *err);

/* Forget a device that has no faults left and nothing of ours in the kernel. */
void device_release(Registry *r, Device *d);

/* Bring d's kernel state to what its live faults ask for, with skip (a fault being removed) left out, talking
 * rtnetlink in ns (its socket made on first need, and kept for the rest of the request). On failure the device is
 * left as it was. */
int device_sync(Registry *r, Device *d, RtnlNetns *ns, const Fault *skip, RpcError *err);

/* Whether device_sync() with skip would reach into d's namespace (ns is then used), or change the classifier's
 * map alone (ns->fd may then be -EBADF). */
bool device_sync_needs_netns(Registry *r, Device *d, const Fault *skip);

/* Sync every device of f after a change to the registry (f applied, or renewed). All or nothing: on a failure,
 * undo() takes the change back in the registry, and the devices already synced are synced again, to what they
 * were. */
int device_sync_fault(Registry *r, Fault *f, RtnlNetns *ns, void (*undo)(Registry *r, Fault *f, void *userdata),
                      void *userdata, RpcError *err);

/* Take chaoslet's ingress hook off a device (the clsact too when nothing else hangs on it). stale_ifb: the device's
 * IFB of ours is there and no live fault explains it, so an empty clsact is ours too. */
void device_ingress_unhook(Rtnl *rtnl, int link_ifindex, bool stale_ifb);

/* The namespace is gone: so is everything we had put in it. */
void device_forget_kernel_state(Registry *r, Device *d);

/* Whether a fault's spec needs a class (else the classifier alone carries it out): for a netem leaf, or a tbf. */
bool fault_needs_class(const FaultSpec *spec);
/* Whether it needs sch_netem: netem members other than plain loss, which the classifier decides. */
bool fault_needs_netem(const FaultSpec *spec);
