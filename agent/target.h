/* SPDX-License-Identifier: MIT */
#pragma once

#include "jsonrpc.h"
#include "links.h"
#include "netns.h"
#include "spec.h"

/* Resolve a target to its network namespace: an fd (held only while the caller works on it, never kept: a held fd
 * pins a pod's namespace after the pod is gone) and its identity. Fills *err on failure. */
int target_open(const FaultTarget *t, int *ret_fd, NetnsId *ret_id, RpcError *err);

/* The devices a fault is about, in the namespace behind netns_fd: the ones its spec names, or every device but
 * loopback when it names none (at most FAULT_DEVICES_MAX). links has room for LINKS_MAX. Fills *err on failure. */
int target_links(int netns_fd, const FaultSpec *spec, Link *links, size_t *ret_n, RpcError *err);

/* Find the namespace with this identity again, without having pinned it: first through the target as the client
 * gave it (the PID may be reused, the path re-mounted: the identity is checked), then through any process that
 * lives in it, then any bind mount under /run/netns. -ENOENT when it is gone. */
int target_reopen(const FaultTarget *hint, NetnsId id, int *ret_fd);
