/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "log.h"
#include "macro.h"
#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static int cookie_cb(void *userdata) {
        socklen_t len = sizeof(uint64_t);
        int fd, k = 0;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, userdata, &len) < 0)
                k = negative_errno();
        safe_close(fd);
        return k;
}

int netns_id_from_fd(int fd, NetnsId *ret_id) {
        uint64_t cookie = 0;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        /* Best effort: without it (before 5.14, or not allowed to enter) the identity is dev and ino alone. */
        if (netns_run(fd, cookie_cb, &cookie) < 0)
                cookie = 0;
        *ret_id = (NetnsId) { .dev = st.st_dev, .ino = st.st_ino, .cookie = cookie };
        return 0;
}

int netns_open_path(const char *path, int *ret_fd, NetnsId *ret_id) {
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        struct statfs sfs;
        char proc[64];
        NetnsId id;
        int type, k;

        /* O_PATH first: opening a client-chosen path for reading could block the agent (a FIFO, a hung mount)
         * or set off a device. Only an nsfs file is then really opened, through /proc/self/fd. */
        pfd = open(path, O_PATH | O_CLOEXEC);
        if (pfd < 0)
                return negative_errno();
        if (fstatfs(pfd, &sfs) < 0)
                return negative_errno();
        if (sfs.f_type != NSFS_MAGIC)
                return -EINVAL;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
        fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        /* NS_GET_NSTYPE tells a network namespace from the other namespace types. */
        type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0)
                return errno == ENOTTY ? -EINVAL : negative_errno();
        if (type != CLONE_NEWNET)
                return -EINVAL;

        k = netns_id_from_fd(fd, &id);
        if (k < 0)
                return k;

        if (ret_id)
                *ret_id = id;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int netns_open_pid(pid_t pid, int *ret_fd, NetnsId *ret_id) {
        char path[64];

        if (pid <= 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        return netns_open_path(path, ret_fd, ret_id);
}

/* The agent's own namespace, opened once and kept: every switch goes back to it, and opening
 * /proc/thread-self/ns/net costs as much as the two setns() calls of a switch. This holds because the agent is
 * single-threaded and nothing but netns_run() and netns_run_scratch() changes its namespace, each returning home
 * (or aborting) before it returns. */
static int home_fd = -EBADF;

static int home(void) {
        if (home_fd < 0) {
                int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

                if (fd < 0)
                        return negative_errno();
                home_fd = fd;
        }
        return home_fd;
}

static void go_home(void) {
        /* Failing to return would leave the agent's own sockets, probes and listeners in a pod's namespace.
         * That is not recoverable: stop loudly rather than carry on somewhere else. */
        if (setns(home_fd, CLONE_NEWNET) < 0) {
                log_error_errno(errno, "Failed to return to the agent's network namespace: %m");
                abort();
        }
}

int netns_run(int netns_fd, int (*fn)(void *userdata), void *userdata) {
        int k;

        k = home();
        if (k < 0)
                return k;
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return negative_errno();
        k = fn(userdata);
        go_home();
        return k;
}

int netns_run_scratch(int (*fn)(void *userdata), void *userdata) {
        int k;

        k = home();
        if (k < 0)
                return k;
        if (unshare(CLONE_NEWNET) < 0)
                return negative_errno();
        k = fn(userdata);
        go_home();
        return k;
}
