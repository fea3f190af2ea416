/* SPDX-License-Identifier: MIT */
#pragma once

/* Containers and pods by their cgroups: kubelet and every container runtime put a container's processes in a
 * cgroup whose path names the pod's UID and the container's ID, and /proc/PID/cgroup shows that path to anybody
 * who may read it. So a scan of /proc finds a container's processes, and their network namespace, with no
 * container runtime socket and no runtime setting (docs/targets.md lists the layouts).
 *
 * The matching functions are pure (unit-tested with the lines of every layout); cgroup_scan() reads /proc. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fault.h"
#include "netns.h"

#define CGROUP_PATH_MAX 4096

/* What one /proc/PID/cgroup text says about a container or pod. */
typedef struct CgroupMatch {
        /* The cgroup v2 path ("0::" line) up to and including the component that named the container (its scope)
         * or the pod (its slice); "" when only v1 lines matched. */
        char unit_path[CGROUP_PATH_MAX];
        /* Its depth below the cgroup2 root, the level bpf_skb_ancestor_cgroup_id() takes; 0 when the path is not
         * below our cgroup namespace's root ("/../.."), whose level we cannot tell. */
        unsigned unit_level;
} CgroupMatch;

/* Is this one component of a cgroup path the cgroup of container id (TARGET_CONTAINER: 64 lower-case hex
 * digits) or of pod uid (TARGET_POD: lower case, with dashes)? Whole components only: a pod UID never matches
 * inside a container's scope, nor an ID inside a longer name (crio-conmon-ID.scope, CRI-O's monitor, lives in
 * the node's namespace and is not the container). */
bool cgroup_component_matches(const char *c, size_t n, TargetKind kind, const char *id);

/* Does this /proc/PID/cgroup text (v2 "0::/path" and v1 "N:controllers:/path" lines alike) put the process in the
 * cgroup of the container or pod? 1 yes (and *ret filled when not NULL), 0 no. A last line without its newline
 * is ignored when the text filled the whole buffer it was read into (truncated): pass truncated = true. */
int cgroup_text_matches(const char *text, size_t len, bool truncated, TargetKind kind, const char *id,
                        CgroupMatch *ret);

/* The v2 path ("0::" line) of this /proc/PID/cgroup text and its depth. -ENOENT without a v2 line, -ERANGE when
 * it is outside our cgroup namespace. */
int cgroup_text_v2_path(const char *text, size_t len, char *buf, size_t size, unsigned *ret_level);

typedef struct CgroupScan {
        pid_t pid;              /* the first process found in the container's or pod's cgroup */
        NetnsId netns;          /* its network namespace */
        CgroupMatch match;      /* its cgroup */
        unsigned n_procs;       /* processes whose cgroup file was read */
        unsigned n_matched;     /* of those, in the container's or pod's cgroup */
        pid_t other_pid;        /* -EXDEV: a process of the same container or pod in another namespace */
} CgroupScan;

/* Scan proc (normally "/proc") for the processes of a container or pod. Cost: one open and read of each
 * /proc/PID/cgroup (a node has thousands: some ms per thousand processes), plus one stat of /proc/PID/ns/net per
 * process that matches. With want, only a process in that namespace counts, and the scan stops at the first.
 * -ENOENT: no process of it here; -EXDEV: its processes are in different network namespaces (ret->pid and
 * ret->other_pid name one of each). ret->n_procs is filled in every case. */
int cgroup_scan(const char *proc, TargetKind kind, const char *id, const NetnsId *want, CgroupScan *ret);

/* The v2 path of one process, from /proc/PID/cgroup. */
int cgroup_pid_v2_path(pid_t pid, char *buf, size_t size, unsigned *ret_level);

/* The cgroup v2 id of a path below the cgroup2 mount (the kernfs node id, what bpf_skb_cgroup_id() and its
 * ancestors return), through name_to_handle_at() as systemd does. -ENOMEDIUM: no cgroup2 mounted. */
int cgroup_id_of_path(const char *path, uint64_t *ret);
