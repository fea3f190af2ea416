/* SPDX-License-Identifier: MIT */
#pragma once

#include "jsonrpc.h"
#include "netns.h"
#include "spec.h"

/* Resolve a target to its network namespace: an fd (held only while the caller works on it, never kept: a held fd
 * pins a pod's namespace after the pod is gone) and its identity. Fills *err on failure. */
int target_open(const FaultTarget *t, int *ret_fd, NetnsId *ret_id, RpcError *err);

/* Find the namespace with this identity again, without having pinned it: first through the target as the client
 * gave it (the PID may be reused, the path re-mounted: the identity is checked), then through any process that
 * lives in it, then any bind mount under /run/netns. -ENOENT when it is gone. */
int target_reopen(const FaultTarget *hint, NetnsId id, int *ret_fd);
