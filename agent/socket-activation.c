/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "socket-activation.h"

#define SD_LISTEN_FDS_START 3

static int parse_int(const char *s, int *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (!*s || *end || errno || v < 0 || v > 0x7fffffff)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

static int sockopt_int(int fd, int opt, int *ret) {
        socklen_t len = sizeof(*ret);

        if (getsockopt(fd, SOL_SOCKET, opt, ret, &len) < 0)
                return negative_errno();
        return 0;
}

/* What socket_activation_take() accepts: an AF_UNIX SOCK_STREAM socket in listen(). */
static int check_listener(int fd) {
        int domain, type, listening, k;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Socket activation: fd %d: %m", fd);
        if (!S_ISSOCK(st.st_mode))
                return log_error_errno(ENOTSOCK, "Socket activation: fd %d is not a socket", fd);
        k = sockopt_int(fd, SO_DOMAIN, &domain);
        if (k >= 0)
                k = sockopt_int(fd, SO_TYPE, &type);
        if (k >= 0)
                k = sockopt_int(fd, SO_ACCEPTCONN, &listening);
        if (k < 0)
                return log_error_errno(k, "Socket activation: fd %d: getsockopt: %m", fd);
        if (domain != AF_UNIX || type != SOCK_STREAM)
                return log_error_errno(EPROTOTYPE, "Socket activation: fd %d is not an AF_UNIX SOCK_STREAM socket "
                                       "(domain %d, type %d): chaosletd takes ListenStream= on a path", fd, domain,
                                       type);
        if (!listening)
                return log_error_errno(EINVAL, "Socket activation: fd %d is not listening", fd);
        return 0;
}

static char *bound_path(int fd) {
        struct sockaddr_un sa = {};
        socklen_t len = sizeof(sa);

        if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0 || len <= offsetof(struct sockaddr_un, sun_path))
                return strdup("(unbound)");
        if (sa.sun_path[0] == '\0')
                return strdup("(abstract)");
        return strndup(sa.sun_path, len - offsetof(struct sockaddr_un, sun_path));
}

int socket_activation_take(int *ret_fd, char **ret_path) {
        const char *e_pid = getenv("LISTEN_PID"), *e_fds = getenv("LISTEN_FDS");
        char *path;
        int pid, n, k;

        if (!e_pid || !e_fds) {
                k = 0;
                goto finish;
        }
        if (parse_int(e_pid, &pid) < 0 || parse_int(e_fds, &n) < 0) {
                k = log_error_errno(EINVAL, "Socket activation: LISTEN_PID=%s LISTEN_FDS=%s: not numbers", e_pid,
                                    e_fds);
                goto finish;
        }
        if (pid != getpid()) {
                log_warning("Socket activation: LISTEN_PID=%d is not this process (%d), ignoring LISTEN_FDS", pid,
                            (int) getpid());
                k = 0;
                goto finish;
        }
        /* Whatever else happens, none of the passed fds leaks into a child. */
        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n && fd >= SD_LISTEN_FDS_START; fd++)
                if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
                        k = log_error_errno(errno, "Socket activation: fd %d: %m", fd);
                        goto finish;
                }
        if (n == 0) {
                k = 0;
                goto finish;
        }
        if (n != 1) {
                k = log_error_errno(E2BIG, "Socket activation: %d sockets passed, chaosletd takes exactly one", n);
                goto finish;
        }
        k = check_listener(SD_LISTEN_FDS_START);
        if (k < 0)
                goto finish;
        /* The accept loop reads until EAGAIN. */
        k = fcntl(SD_LISTEN_FDS_START, F_GETFL);
        if (k < 0 || fcntl(SD_LISTEN_FDS_START, F_SETFL, k | O_NONBLOCK) < 0) {
                k = log_error_errno(errno, "Socket activation: fd %d: %m", SD_LISTEN_FDS_START);
                goto finish;
        }
        path = bound_path(SD_LISTEN_FDS_START);
        if (!path) {
                k = -ENOMEM;
                goto finish;
        }
        log_info("Socket activation: serving %s (fd %d), made by the service manager", path, SD_LISTEN_FDS_START);
        *ret_fd = SD_LISTEN_FDS_START;
        *ret_path = path;
        k = 1;
finish:
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        return k;
}
