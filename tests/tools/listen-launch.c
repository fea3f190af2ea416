/* SPDX-License-Identifier: MIT */
/* listen-launch KIND PATH [--wrong-pid] -- PROGRAM ARGS...: exec PROGRAM with one fd at 3 and LISTEN_FDS=1,
 * LISTEN_PID=its pid (this process's: exec keeps it), as systemd passes a socket unit's socket. host-socket-
 * activation runs chaosletd so, with the right socket and with the wrong things. KIND:
 *   unix        an AF_UNIX SOCK_STREAM socket bound to PATH and listening: what chaosletd.socket makes (its mode is
 *               0777 less the caller's umask, so a test can tell whether the program changed it)
 *   unlistened  the same, bound but never listen()ed
 *   dgram       an AF_UNIX SOCK_DGRAM socket bound to PATH
 *   udp         an AF_INET UDP socket, unbound (PATH is ignored)
 *   file        PATH opened read-only: not a socket
 * --wrong-pid sets LISTEN_PID to our parent's pid instead. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* -1 with errno on failure, as socket() and open() do. */
static int unix_socket(const char *path, int type, int listening) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                errno = ENAMETOOLONG;
                return -1;
        }
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, type, 0);
        if (fd < 0)
                return -1;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || (listening && listen(fd, 64) < 0)) {
                int k = errno;

                close(fd);
                errno = k;
                return -1;
        }
        return fd;
}

int main(int argc, char **argv) {
        const char *kind, *path;
        char pid[16];
        int fd, i = 3;

        if (argc < 5) {
                fprintf(stderr, "Usage: listen-launch unix|unlistened|dgram|udp|file PATH [--wrong-pid] -- "
                        "PROGRAM ARGS...\n");
                return 2;
        }
        kind = argv[1];
        path = argv[2];
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        if (strcmp(argv[i], "--wrong-pid") == 0) {
                snprintf(pid, sizeof(pid), "%d", (int) getppid());
                i++;
        }
        if (i >= argc - 1 || strcmp(argv[i], "--") != 0) {
                fprintf(stderr, "listen-launch: expected -- PROGRAM\n");
                return 2;
        }
        i++;

        if (strcmp(kind, "unix") == 0)
                fd = unix_socket(path, SOCK_STREAM, 1);
        else if (strcmp(kind, "unlistened") == 0)
                fd = unix_socket(path, SOCK_STREAM, 0);
        else if (strcmp(kind, "dgram") == 0)
                fd = unix_socket(path, SOCK_DGRAM, 0);
        else if (strcmp(kind, "udp") == 0)
                fd = socket(AF_INET, SOCK_DGRAM, 0);
        else if (strcmp(kind, "file") == 0)
                fd = open(path, O_RDONLY);
        else {
                fprintf(stderr, "listen-launch: unknown kind %s\n", kind);
                return 2;
        }
        if (fd < 0) {
                fprintf(stderr, "listen-launch: %s %s: %s\n", kind, path, strerror(errno));
                return 1;
        }
        if (fd != 3) {
                if (dup2(fd, 3) < 0) {
                        perror("listen-launch: dup2");
                        return 1;
                }
                close(fd);
        }
        if (setenv("LISTEN_FDS", "1", 1) < 0 || setenv("LISTEN_PID", pid, 1) < 0) {
                perror("listen-launch: setenv");
                return 1;
        }
        execv(argv[i], argv + i);
        fprintf(stderr, "listen-launch: %s: %s\n", argv[i], strerror(errno));
        return 127;
}
