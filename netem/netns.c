/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "log.h"
#include "macro.h"
#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

typedef struct Visit {
        uint64_t cookie;
        int route_fd;           /* wanted: >= 0 after the visit; not wanted: -EBADF */
        bool want_route;
} Visit;

/* Inside the namespace: a socket to read its cookie from. When the caller is going to talk rtnetlink there anyway,
 * that socket is a bound NETLINK_ROUTE one and is kept, so that the talking costs no second visit. */
static int visit_cb(void *userdata) {
        _cleanup_close_ int fd = -EBADF;
        Visit *v = userdata;
        socklen_t len = sizeof(v->cookie);

        if (v->want_route) {
                struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

                fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
                if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                        return negative_errno();
        } else {
                fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return negative_errno();
        }
        /* Best effort: without it (before 5.14) the identity is dev and ino alone. */
        if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &v->cookie, &len) < 0)
                v->cookie = 0;
        if (v->want_route)
                v->route_fd = TAKE_FD(fd);
        return 0;
}

static int id_from_fd(int fd, NetnsId *ret_id, int *ret_route_fd) {
        Visit v = { .route_fd = -EBADF, .want_route = ret_route_fd };
        struct stat st;
        int k;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        k = netns_run(fd, visit_cb, &v);
        /* Not allowed to enter: the identity is dev and ino alone, and a caller who wanted a socket in there
         * cannot have one. */
        if (k < 0 && ret_route_fd)
                return k;
        if (ret_route_fd)
                *ret_route_fd = v.route_fd;
        *ret_id = (NetnsId) { .dev = st.st_dev, .ino = st.st_ino, .cookie = k < 0 ? 0 : v.cookie };
        return 0;
}

int netns_id_from_fd(int fd, NetnsId *ret_id) {
        return id_from_fd(fd, ret_id, NULL);
}

int netns_open_path(const char *path, int *ret_fd, NetnsId *ret_id, int *ret_route_fd) {
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

        k = id_from_fd(fd, &id, ret_route_fd);
        if (k < 0)
                return k;

        if (ret_id)
                *ret_id = id;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int netns_open_pid(pid_t pid, int *ret_fd, NetnsId *ret_id, int *ret_route_fd) {
        char path[64];

        if (pid <= 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) pid);
        return netns_open_path(path, ret_fd, ret_id, ret_route_fd);
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
