/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "bandwidth.h"
#include "netem.h"
#include "rtnl.h"

/* chaoslet's qdisc tree on one device:
 *
 *   root  htb  c4a0:  default 0        unclassified traffic takes htb's direct queue, unshaped
 *     filter  bpf (direct-action) classid c4a0:<device key>   picks a class per packet (ebpf/classifier.h)
 *     class  c4a0:<minor>  htb, rate far above any link    one per live fault
 *       qdisc  <leaf major>:  netem                          the fault's netem, or its tbf when it has no netem
 *         qdisc  <child major>:  tbf                         its tbf, when it has both
 *
 * htb rather than prio: prio has at most 16 bands and is missing from some kernels (this build machine's included),
 * while htb is everywhere and its direct queue passes unmatched traffic untouched (docs/kernel-layout.md). */

#define TREE_ROOT_MAJOR 0xC4A0u
#define TREE_ROOT_HANDLE (TREE_ROOT_MAJOR << 16)
#define TREE_CLASSES_MAX 64
/* Class minors are 1..TREE_CLASSES_MAX; device keys start above them, so a filter's classid never names a class. */
#define TREE_DEVICE_KEY_MIN 0x100u
#define TREE_FILTER_PRIO 1
#define TREE_FILTER_NAME "chaoslet"

static inline uint32_t tree_class_handle(uint16_t minor) {
        return TREE_ROOT_HANDLE | minor;
}
/* Each class's leaf gets a major of its own, derived from the minor, inside the device's handle space. */
static inline uint32_t tree_leaf_handle(uint16_t minor) {
        return (uint32_t) (0xC400u + minor) << 16;
}
/* And the leaf's child (a tbf under a netem) one more, clear of the leaves' and the root's (c4a0). */
static inline uint32_t tree_child_handle(uint16_t minor) {
        return (uint32_t) (0xC500u + minor) << 16;
}

/* What goes in one fault's class: a netem leaf, a tbf leaf, or a netem leaf with a tbf child. NULL: not there. */
typedef struct TreeClass {
        const NetemParams *netem;
        const BandwidthParams *bandwidth;
} TreeClass;

/* The most messages one class takes: the class, its leaf, the leaf's child. */
#define TREE_CLASS_MESSAGES_MAX 3

typedef enum TreeRootState {
        TREE_ROOT_DEFAULT,      /* the kernel's own default (handle 0:), or none: free to take */
        TREE_ROOT_OURS,         /* htb c4a0: */
        TREE_ROOT_FOREIGN,      /* somebody else's: never touched */
        _TREE_ROOT_STATE_MAX,
        _TREE_ROOT_STATE_INVALID = -EINVAL,
} TreeRootState;

int tree_root_state(Rtnl *r, int ifindex, TreeRootState *ret, char *ret_kind, size_t kind_len);

/* Queue the messages for each step into r's batch; the caller commits, and undoes by queueing the inverse. */
int tree_queue_root_add(Rtnl *r, int ifindex);
int tree_queue_root_del(Rtnl *r, int ifindex);
int tree_queue_filter_add(Rtnl *r, int ifindex, uint16_t device_key, int prog_fd);
/* The same filter, changed in place when it is there: the kernel swaps its program (and classid) in one step, so
 * no packet meets the tree without a classifier. */
int tree_queue_filter_replace(Rtnl *r, int ifindex, uint16_t device_key, int prog_fd);
/* Which classes c4a0:1..64 exist on ifindex, as bit minor-1 (a dump). */
int tree_classes(Rtnl *r, int ifindex, uint64_t *ret);
/* Queues the class and what it holds, in the order the kernel needs them (parent first). Returns how many
 * messages it queued (1..TREE_CLASS_MESSAGES_MAX), or -errno. On an error some may be queued: reset the batch. */
int tree_queue_class_add(Rtnl *r, int ifindex, uint16_t minor, const TreeClass *what);
int tree_queue_class_del(Rtnl *r, int ifindex, uint16_t minor);
