/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "ifb.h"
#include "log.h"
#include "macro.h"
#include "target.h"

static const char *target_field(TargetKind kind) {
        switch (kind) {
        case TARGET_PID:
                return "target.pid";
        case TARGET_NETNS:
                return "target.netns";
        case TARGET_CONTAINER:
                return "target.container";
        default:
                return "target.pod";
        }
}

/* Out of fds or memory: the agent could not look, which says nothing about the target. */
static bool resource_error(int k) {
        return k == -EMFILE || k == -ENFILE || k == -ENOMEM || k == -ENOBUFS;
}

static int no_resources(RpcError *err, int k, const char *field) {
        return agent_fail_field(err, k, RPC_INTERNAL_ERROR,
                                "Cannot open the target's network namespace now; try again", field, strerror(-k));
}

static int not_found_in_cgroups(const FaultTarget *t, const CgroupScan *s, RpcError *err) {
        char reason[160], searched[64];
        int k;

        snprintf(reason, sizeof(reason), "no process in a cgroup of %s %s",
                 t->kind == TARGET_CONTAINER ? "container" : "pod", t->id);
        k = agent_fail_field(err, -ENOENT, RPC_TARGET_NOT_FOUND, "Target not found", target_field(t->kind), reason);
        snprintf(searched, sizeof(searched), "/proc/*/cgroup (%u processes)", s->n_procs);
        cJSON_AddStringToObject(err->data, "searched", searched);
        return k;
}

/* A container or pod: scan for a process of it, then open that process's namespace. The process may exit between
 * the two, so a namespace that is gone or another than the scan saw is looked for once more. */
static int open_by_cgroup(const FaultTarget *t, int *ret_fd, NetnsId *ret_id, int *ret_route_fd,
                          TargetFound *ret_found, RpcError *err) {
        const char *field = target_field(t->kind);
        CgroupScan s;
        int k;

        for (int attempt = 0; attempt < 2; attempt++) {
                _cleanup_close_ int fd = -EBADF;
                NetnsId id;

                k = cgroup_scan("/proc", t->kind, t->id, NULL, &s);
                if (k == -ENOENT)
                        return not_found_in_cgroups(t, &s, err);
                if (k == -EXDEV) {
                        char reason[200];

                        snprintf(reason, sizeof(reason), "its processes are in different network namespaces "
                                 "(pid %d and pid %d): name one by its pid", (int) s.pid, (int) s.other_pid);
                        k = agent_fail_field(err, k, RPC_TARGET_NOT_FOUND, "Target not found in one namespace",
                                             field, reason);
                        cJSON *pids = cJSON_AddArrayToObject(err->data, "pids");
                        cJSON_AddItemToArray(pids, cJSON_CreateNumber(s.pid));
                        cJSON_AddItemToArray(pids, cJSON_CreateNumber(s.other_pid));
                        return k;
                }
                if (k < 0)
                        return agent_fail_field(err, k, RPC_INTERNAL_ERROR, "Cannot scan /proc", field, strerror(-k));

                k = netns_open_pid(s.pid, &fd, &id, ret_route_fd);
                if (k >= 0 && ret_route_fd && (id.dev != s.netns.dev || id.ino != s.netns.ino))
                        *ret_route_fd = safe_close(*ret_route_fd);
                if (k >= 0 && id.dev == s.netns.dev && id.ino == s.netns.ino) {
                        *ret_fd = TAKE_FD(fd);
                        *ret_id = id;
                        if (ret_found)
                                *ret_found = (TargetFound) { .pid = s.pid, .unit = s.match };
                        return 0;
                }
                if (k == -EACCES || k == -EPERM)
                        return agent_fail_field(err, k, RPC_NOT_PERMITTED,
                                                "Not permitted to enter the target's network namespace", field,
                                                strerror(-k));
                if (resource_error(k))
                        return no_resources(err, k, field);
        }
        return not_found_in_cgroups(t, &s, err);
}

int target_open(const FaultTarget *t, RtnlNetns *ret_ns, NetnsId *ret_id, TargetFound *ret_found, RpcError *err) {
        const char *field = target_field(t->kind);
        char what[4200];
        int k;

        if (t->kind == TARGET_CONTAINER || t->kind == TARGET_POD)
                return open_by_cgroup(t, &ret_ns->fd, ret_id, &ret_ns->route_fd, ret_found, err);

        if (t->kind == TARGET_PID)
                k = netns_open_pid(t->pid, &ret_ns->fd, ret_id, &ret_ns->route_fd);
        else
                k = netns_open_path(t->netns, &ret_ns->fd, ret_id, &ret_ns->route_fd);
        if (k >= 0) {
                if (ret_found)
                        *ret_found = (TargetFound) { .pid = t->kind == TARGET_PID ? t->pid : 0 };
                return 0;
        }

        log_debug("Failed to open the network namespace of %s: %s", fault_target_describe(t, what, sizeof(what)),
                  strerror(-k));
        switch (k) {
        case -ENOENT:
        case -ESRCH:
        case -ENOTDIR:
                return agent_fail_field(err, k, RPC_TARGET_NOT_FOUND, "Target not found", field,
                                        t->kind == TARGET_PID ? "no such process" : "no such file");
        case -EACCES:
        case -EPERM:
                return agent_fail_field(err, k, RPC_NOT_PERMITTED,
                                        "Not permitted to enter the target's network namespace", field, strerror(-k));
        case -EINVAL:
                return agent_fail_field(err, k, RPC_TARGET_NOT_FOUND, "Target not found", field,
                                        "not a network namespace");
        case -EMFILE:
        case -ENFILE:
        case -ENOMEM:
        case -ENOBUFS:
                return no_resources(err, k, field);
        default:
                return agent_fail_field(err, k, RPC_TARGET_NOT_FOUND, "Target not found", field, strerror(-k));
        }
}

/* "device", or "device[i]" when the spec names several. */
static const char *device_field(const FaultSpec *spec, size_t i, char *buf, size_t len) {
        snprintf(buf, len, spec->n_devices > 1 ? "device[%zu]" : "device", i);
        return buf;
}

int target_links(RtnlNetns *ns, const FaultSpec *spec, Link *links, size_t *ret_n, RpcError *err) {
        size_t n = 0, missing = 0;
        char field[32];
        Rtnl *rtnl;
        int k;

        /* Before the lookup: a bad name is the client's mistake whether or not the namespace can be talked to. */
        for (size_t i = 0; spec->devices && i < spec->n_devices; i++)
                if (strncmp(spec->devices[i], IFB_NAME_PREFIX, strlen(IFB_NAME_PREFIX)) == 0)
                        return agent_invalid(err, device_field(spec, i, field, sizeof(field)),
                                             "chaoslet's own IFB device is not a target: name the device it "
                                             "serves, with direction ingress");
        if (spec->devices && spec->n_devices > FAULT_DEVICES_MAX)
                return agent_invalid(err, "device", "too many devices");

        k = rtnl_netns_get(ns, &rtnl);
        if (k < 0)
                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to open rtnetlink in the target namespace");
        if (!spec->devices) {
                k = links_list(rtnl, links, LINKS_MAX, &n);
                if (k < 0)
                        return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to list the target's devices");
                if (n == 0)
                        return agent_fail_field(err, -ENODEV, RPC_TARGET_NOT_FOUND,
                                                "The target has no device but loopback", "device",
                                                "no non-loopback device in the target's network namespace");
                if (n > FAULT_DEVICES_MAX)
                        return agent_invalid(err, "device", "the target has more than 64 devices: name them");
                *ret_n = n;
                return 0;
        }

        k = links_resolve(rtnl, spec->devices, spec->n_devices, links, &missing);
        if (k == -ENODEV) {
                k = agent_fail_field(err, k, RPC_TARGET_NOT_FOUND, "Device not found in the target's namespace",
                                     device_field(spec, missing, field, sizeof(field)),
                                     "no such device in the target's network namespace");
                cJSON_AddStringToObject(err->data, "device", spec->devices[missing]);
                return k;
        }
        if (k < 0)
                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to list the target's devices");
        *ret_n = spec->n_devices;
        return 0;
}

static int open_if_same(const char *path, NetnsId id, RtnlNetns *ret) {
        int fd, route_fd, k;
        NetnsId got;

        k = netns_open_path(path, &fd, &got, &route_fd);
        if (k < 0)
                return k;
        /* The cookie as well: the inode number of a namespace that died may be another's now. */
        if (!netns_id_same(got, id)) {
                safe_close(route_fd);
                safe_close(fd);
                return -ESTALE;
        }
        ret->fd = fd;
        ret->route_fd = route_fd;
        return 0;
}

static int scan_dir(const char *dir, bool pids, NetnsId id, RtnlNetns *ret) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int k = -ENOENT;

        if (!d)
                return -ENOENT;
        while ((de = readdir(d))) {
                char path[512];
                struct stat st;

                if (pids) {
                        if (de->d_name[0] < '1' || de->d_name[0] > '9')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s/ns/net", dir, de->d_name);
                } else {
                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                }
                /* stat() follows the magic link to the nsfs inode without opening anything. */
                if (stat(path, &st) < 0 || st.st_ino != id.ino || st.st_dev != id.dev)
                        continue;
                k = open_if_same(path, id, ret);
                if (k >= 0)
                        break;
                if (k == -ESTALE)
                        k = -ENOENT; /* the same inode number, another namespace: not the one sought */
        }
        closedir(d);
        return k;
}

int target_reopen(const FaultTarget *hint, NetnsId id, RtnlNetns *ret) {
        CgroupScan scan;
        char path[64];
        int k, first_error = 0;

        if (hint && hint->kind == TARGET_PID) {
                snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) hint->pid);
                k = open_if_same(path, id, ret);
        } else if (hint && hint->kind == TARGET_NETNS)
                k = open_if_same(hint->netns, id, ret);
        else if (hint && (hint->kind == TARGET_CONTAINER || hint->kind == TARGET_POD)) {
                /* A restarted container has a new process (and, for a container target, a new ID: then the
                 * namespace is found below, through the pod's other processes). */
                k = cgroup_scan("/proc", hint->kind, hint->id, &id, &scan);
                if (k >= 0) {
                        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) scan.pid);
                        k = open_if_same(path, id, ret);
                }
        } else
                k = -ENOENT;
        if (k >= 0)
                return 0;
        /* "Not there" and "something else is there now" are answers; anything else (not permitted, out of fds)
         * means we could not look, which is not the same as the namespace being gone. */
        if (k != -ENOENT && k != -ESTALE && k != -ESRCH && k != -EINVAL && k != -ENOTDIR)
                first_error = k;

        k = scan_dir("/proc", true, id, ret);
        if (k >= 0)
                return 0;
        k = scan_dir("/run/netns", false, id, ret);
        if (k >= 0)
                return 0;
        return first_error ? first_error : k;
}

int target_scan_processes(TargetScan *ret) {
        TargetScan s = {};
        size_t cap = 0;
        struct dirent *de;
        DIR *d = opendir("/proc");

        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                char path[300];
                struct stat st;
                bool seen = false;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
                if (stat(path, &st) < 0)
                        continue;
                for (size_t i = 0; i < s.n && !seen; i++)
                        seen = s.seen[i].id.dev == st.st_dev && s.seen[i].id.ino == st.st_ino;
                if (seen)
                        continue;
                if (s.n == cap) {
                        TargetNetnsSeen *n = realloc(s.seen, (cap = cap ? 2 * cap : 64) * sizeof(*n));
                        if (!n) {
                                closedir(d);
                                target_scan_done(&s);
                                return -ENOMEM;
                        }
                        s.seen = n;
                }
                s.seen[s.n++] = (TargetNetnsSeen) { { st.st_dev, st.st_ino }, (pid_t) atoi(de->d_name) };
        }
        closedir(d);
        *ret = s;
        return 0;
}

void target_scan_done(TargetScan *s) {
        free(s->seen);
        *s = (TargetScan) {};
}

int target_reopen_scanned(const FaultTarget *hint, NetnsId id, const TargetScan *scan, RtnlNetns *ret) {
        char path[64];
        int k = -ENOENT;

        if (hint && hint->kind == TARGET_PID) {
                snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) hint->pid);
                k = open_if_same(path, id, ret);
        } else if (hint && hint->kind == TARGET_NETNS)
                k = open_if_same(hint->netns, id, ret);
        for (size_t i = 0; k < 0 && i < scan->n; i++)
                if (scan->seen[i].id.dev == id.dev && scan->seen[i].id.ino == id.ino) {
                        /* That process may have gone since: then the namespace may still be found below. */
                        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) scan->seen[i].pid);
                        k = open_if_same(path, id, ret);
                        if (k == -EACCES || k == -EPERM)
                                return k;
                }
        if (k >= 0)
                return 0;
        return scan_dir("/run/netns", false, id, ret);
}
