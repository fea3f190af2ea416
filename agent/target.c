/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "macro.h"
#include "target.h"

int target_open(const FaultTarget *t, int *ret_fd, NetnsId *ret_id, RpcError *err) {
        const char *field = t->kind == TARGET_PID ? "target.pid" : "target.netns";
        char what[4200];
        int k;

        if (t->kind == TARGET_PID) {
                k = netns_open_pid(t->pid, ret_fd, ret_id);
                snprintf(what, sizeof(what), "process %d", (int) t->pid);
        } else {
                k = netns_open_path(t->netns, ret_fd, ret_id);
                snprintf(what, sizeof(what), "%s", t->netns);
        }
        if (k >= 0)
                return 0;

        switch (k) {
        case -ENOENT:
        case -ESRCH:
        case -ENOTDIR:
                rpc_error_set(err, RPC_TARGET_NOT_FOUND, "Target not found");
                rpc_error_set_field(err, field, t->kind == TARGET_PID ? "no such process" : "no such file");
                break;
        case -EACCES:
        case -EPERM:
                rpc_error_set(err, RPC_NOT_PERMITTED, "Not permitted to enter the target's network namespace");
                rpc_error_set_field(err, field, strerror(-k));
                break;
        case -EINVAL:
                rpc_error_set(err, RPC_TARGET_NOT_FOUND, "Target not found");
                rpc_error_set_field(err, field, "not a network namespace");
                break;
        default:
                rpc_error_set(err, RPC_TARGET_NOT_FOUND, "Target not found");
                rpc_error_set_field(err, field, strerror(-k));
        }
        log_debug("Failed to open the network namespace of %s: %s", what, strerror(-k));
        return err->code;
}

static int open_if_same(const char *path, NetnsId id, int *ret_fd) {
        NetnsId got;
        int fd, k;

        k = netns_open_path(path, &fd, &got);
        if (k < 0)
                return k;
        if (got.dev != id.dev || got.ino != id.ino) {
                safe_close(fd);
                return -ESTALE;
        }
        *ret_fd = fd;
        return 0;
}

static int scan_dir(const char *dir, bool pids, NetnsId id, int *ret_fd) {
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
                k = open_if_same(path, id, ret_fd);
                if (k >= 0)
                        break;
        }
        closedir(d);
        return k;
}

int target_reopen(const FaultTarget *hint, NetnsId id, int *ret_fd) {
        char path[64];
        int k, first_error = 0;

        if (hint && hint->kind == TARGET_PID) {
                snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) hint->pid);
                k = open_if_same(path, id, ret_fd);
        } else if (hint && hint->kind == TARGET_NETNS)
                k = open_if_same(hint->netns, id, ret_fd);
        else
                k = -ENOENT;
        if (k >= 0)
                return 0;
        /* "Not there" and "something else is there now" are answers; anything else (not permitted, out of fds)
         * means we could not look, which is not the same as the namespace being gone. */
        if (k != -ENOENT && k != -ESTALE && k != -ESRCH && k != -EINVAL && k != -ENOTDIR)
                first_error = k;

        k = scan_dir("/proc", true, id, ret_fd);
        if (k >= 0)
                return 0;
        k = scan_dir("/run/netns", false, id, ret_fd);
        if (k >= 0)
                return 0;
        return first_error ? first_error : k;
}
