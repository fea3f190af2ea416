/* SPDX-License-Identifier: MIT */
#pragma once

#include "cgroup.h"
#include "jsonrpc.h"
#include "links.h"
#include "netns.h"
#include "spec.h"

/* What resolving a target found besides its namespace. */
typedef struct TargetFound {
        pid_t pid;              /* pid: that one; container, pod: a process of it; netns: 0 */
        CgroupMatch unit;       /* container, pod: the cgroup that named it */
} TargetFound;

/* Resolve a target to its network namespace and its identity, into ret_ns (RTNL_NETNS_NULL before; the caller
 * ends it with rtnl_netns_done()): the namespace's fd (held only while the caller works on it, never kept: a held
 * fd pins a pod's namespace after the pod is gone), and the rtnetlink socket made on the visit that identified
 * it (netns.h), so that what the request then asks there costs no second visit. A container or pod is found by a
 * scan of /proc/PID/cgroup (cgroup.h). ret_found may be NULL. Fills *err on failure. */
int target_open(const FaultTarget *t, RtnlNetns *ret_ns, NetnsId *ret_id, TargetFound *ret_found, RpcError *err);

/* The devices a fault is about, in ns: the ones its spec names, or every device but loopback when it names none
 * (at most FAULT_DEVICES_MAX). links has room for LINKS_MAX. Fills *err on failure. */
int target_links(RtnlNetns *ns, const FaultSpec *spec, Link *links, size_t *ret_n, RpcError *err);

/* Find the namespace with this identity again, without having pinned it: first through the target as the client
 * gave it (the PID may be reused, the path re-mounted, a container restarted: the identity is checked; a container
 * or pod is scanned for again), then through any process that lives in it, then any bind mount under /run/netns.
 * -ENOENT when it is gone. Found, it goes into ret (RTNL_NETNS_NULL before), as with target_open(). */
int target_reopen(const FaultTarget *hint, NetnsId id, RtnlNetns *ret);

/* Every network namespace a process is in, found with one pass over /proc (reconcile at start: the journal's
 * namespaces are looked up here, rather than with a scan of every process per entry). */
typedef struct TargetNetnsSeen {
        NetnsId id;
        pid_t pid;
} TargetNetnsSeen;

typedef struct TargetScan {
        TargetNetnsSeen *seen;
        size_t n;
} TargetScan;

int target_scan_processes(TargetScan *ret);
void target_scan_done(TargetScan *s);
/* target_reopen(), with the processes' namespaces from scan: a pid or netns hint first, then scan's processes,
 * then /run/netns. -ENOENT when none is in it. */
int target_reopen_scanned(const FaultTarget *hint, NetnsId id, const TargetScan *scan, RtnlNetns *ret);
