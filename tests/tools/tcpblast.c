/* SPDX-License-Identifier: MIT */
/*
 * tcpblast: bulk TCP throughput between two test namespaces, for the benchmarks.
 *
 *   tcpblast sink --bind ADDR:PORT [--timeout S] [--cpu N]
 *   tcpblast send --to ADDR:PORT --seconds S [--size BYTES] [--sndbuf BYTES] [--cpu N]
 *
 * ADDR is numeric IPv4 or bracketed IPv6 ("192.0.2.2:5201", "[2001:db8::2]:5201").
 *
 * The sink accepts one connection, reads until EOF and prints {"bytes":N,"seconds":S,"gbit_per_s":X}, timed from
 * the accept to the EOF. The sender writes for --seconds, then closes; it prints the same object for what it
 * wrote. It retries the connect for up to CONNECT_RETRY_S while nothing listens yet, so the two can start
 * together, and fails when nothing answers by then.
 *
 * --sndbuf caps the sender's socket buffer (SO_SNDBUF, which the kernel doubles). On a shaped path (a 1 Mbit/s
 * tbf) an autotuned buffer holds megabytes, which take longer to drain after the last write than the sender waits
 * for the sink's close; the sink's figure counts them either way.
 *
 * --cpu pins the process to one CPU. On a small machine the scheduler otherwise places sender and sink on the same
 * CPU in some runs and on two in others, and the figure jumps by a quarter between runs (2-CPU VM, veth).
 *
 * Bounded: the sink gives up --timeout seconds after it started (default 60), the sender never blocks longer than
 * --seconds plus SEND_GRACE_S on a peer that stops reading.
 *
 * Exit status: 0 on success, 1 on a socket error or a timeout, 2 on a usage error. Only libc.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tool-util.h"


#define SIZE_DEFAULT (128u * 1024)
#define SIZE_MAX_ (16u * 1024 * 1024)
#define SECONDS_MAX 3600.0
#define SINK_TIMEOUT_S_DEFAULT 60
#define SINK_TIMEOUT_S_MAX 86400
#define CONNECT_RETRY_S 5
#define SEND_GRACE_S 10
#define SINK_BUF_SIZE (1024u * 1024)







static int parse_seconds(const char *s, double *ret) {
        char *end;
        double v;

        if (!s || !*s)
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || *end != '\0' || !(v > 0) || v > SECONDS_MAX)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* "192.0.2.1:5201" or "[2001:db8::1]:5201", port 1..65535. Strictly numeric (inet_pton, never getaddrinfo, which
 * would take "1.2.3" for 1.2.0.3): a typo must fail, never send test traffic somewhere else. */

static int usage(void) {
        fprintf(stderr,
                "usage: tcpblast sink --bind ADDR:PORT [--timeout S (default 60)] [--cpu N]\n"
                "       tcpblast send --to ADDR:PORT --seconds S [--size BYTES (131072)] [--sndbuf BYTES] [--cpu N]\n");
        return 2;
}

static int pin_cpu(const char *s) {
        unsigned long long cpu;
        cpu_set_t set;

        if (parse_uint(s, CPU_SETSIZE - 1, &cpu) < 0) {
                fprintf(stderr, "tcpblast: invalid --cpu '%s'\n", s);
                return -EINVAL;
        }
        CPU_ZERO(&set);
        CPU_SET((int) cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0) {
                int err = errno;

                fprintf(stderr, "tcpblast: --cpu %llu: %s\n", cpu, strerror(err));
                return -err;
        }
        return 0;
}

static void report(unsigned long long bytes, int64_t elapsed_ns) {
        double seconds = (double) elapsed_ns / (double) NSEC_PER_SEC;

        printf("{\"bytes\":%llu,\"seconds\":%.6f,\"gbit_per_s\":%.4f}\n", bytes, seconds,
               seconds > 0 ? (double) bytes * 8 / seconds / 1e9 : 0.0);
}

/* Wait until fd is ready for events, or the deadline passes (-ETIMEDOUT). */
static int wait_fd(int fd, short events, int64_t deadline) {
        for (;;) {
                struct pollfd pfd = { .fd = fd, .events = events };
                int64_t left = deadline - now_ns();
                int n;

                if (left <= 0)
                        return -ETIMEDOUT;
                n = poll(&pfd, 1, ns_to_poll_ms(left));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n > 0)
                        return 0;
        }
}

static int run_sink(int argc, char **argv) {
        struct sockaddr_storage addr;
        socklen_t addr_len = 0;
        unsigned long long timeout_s = SINK_TIMEOUT_S_DEFAULT, bytes = 0;
        _cleanup_close_ int lfd = -1, fd = -1;
        _cleanup_free_ char *buf = NULL;
        int64_t deadline, start;
        int k;

        for (int i = 2; i < argc; i += 2) {
                const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(arg, "--bind") == 0 && val) {
                        if (parse_endpoint(val, &addr, &addr_len) < 0) {
                                fprintf(stderr, "tcpblast: invalid --bind '%s'\n", val);
                                return 2;
                        }
                } else if (strcmp(arg, "--timeout") == 0 && val) {
                        if (parse_uint(val, SINK_TIMEOUT_S_MAX, &timeout_s) < 0 || timeout_s == 0)
                                return usage();
                } else if (strcmp(arg, "--cpu") == 0 && val) {
                        if (pin_cpu(val) < 0)
                                return 2;
                } else
                        return usage();
        }
        if (addr_len == 0)
                return usage();

        buf = malloc(SINK_BUF_SIZE);
        if (!buf)
                return 1;
        deadline = now_ns() + (int64_t) timeout_s * NSEC_PER_SEC;

        lfd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (lfd < 0) {
                fprintf(stderr, "tcpblast: socket: %m\n");
                return 1;
        }
        if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &(int) { 1 }, sizeof(int)) < 0 ||
            bind(lfd, (struct sockaddr *) &addr, addr_len) < 0 || listen(lfd, 1) < 0) {
                fprintf(stderr, "tcpblast: bind/listen: %m\n");
                return 1;
        }

        k = wait_fd(lfd, POLLIN, deadline);
        if (k < 0) {
                fprintf(stderr, "tcpblast: no connection within %llu s: %s\n", timeout_s, strerror(-k));
                return 1;
        }
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
                fprintf(stderr, "tcpblast: accept: %m\n");
                return 1;
        }
        start = now_ns();

        for (;;) {
                ssize_t n = read(fd, buf, SINK_BUF_SIZE);

                if (n > 0) {
                        bytes += (unsigned long long) n;
                        continue;
                }
                if (n == 0)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN) {
                        fprintf(stderr, "tcpblast: read: %m\n");
                        return 1;
                }
                k = wait_fd(fd, POLLIN, deadline);
                if (k < 0) {
                        fprintf(stderr, "tcpblast: no EOF within %llu s (%llu bytes read): %s\n", timeout_s, bytes,
                                strerror(-k));
                        return 1;
                }
        }
        report(bytes, now_ns() - start);
        return 0;
}

/* A connect that waits (bounded) for the sink to start listening, and gives up on a peer that never answers (a
 * partition drops the SYNs). The socket it returns is non-blocking. */
static int connect_retry(const struct sockaddr_storage *addr, socklen_t addr_len, int sndbuf, int *ret_fd) {
        int64_t deadline = now_ns() + CONNECT_RETRY_S * NSEC_PER_SEC;

        for (;;) {
                _cleanup_close_ int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                socklen_t len = sizeof(int);
                int err = 0, k;

                if (fd < 0)
                        return -errno;
                /* Before connect(), so the window scale is chosen for it. */
                if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
                        return -errno;
                if (connect(fd, (const struct sockaddr *) addr, addr_len) < 0) {
                        if (errno != EINPROGRESS)
                                err = errno;
                        else {
                                k = wait_fd(fd, POLLOUT, deadline);
                                if (k < 0)
                                        return k;
                                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                                        return -errno;
                        }
                }
                if (err == 0) {
                        *ret_fd = fd;
                        fd = -1;
                        return 0;
                }
                if (err != ECONNREFUSED || now_ns() >= deadline)
                        return -err;
                nanosleep(&(struct timespec) { .tv_nsec = 20 * NSEC_PER_MSEC }, NULL);
        }
}

static int run_send(int argc, char **argv) {
        struct sockaddr_storage addr;
        socklen_t addr_len = 0;
        unsigned long long size = SIZE_DEFAULT, bytes = 0, sndbuf = 0;
        double seconds = 0;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        int64_t start, end, hard_deadline;
        int k;

        for (int i = 2; i < argc; i += 2) {
                const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(arg, "--to") == 0 && val) {
                        if (parse_endpoint(val, &addr, &addr_len) < 0) {
                                fprintf(stderr, "tcpblast: invalid --to '%s'\n", val);
                                return 2;
                        }
                } else if (strcmp(arg, "--seconds") == 0 && val) {
                        if (parse_seconds(val, &seconds) < 0)
                                return usage();
                } else if (strcmp(arg, "--size") == 0 && val) {
                        if (parse_uint(val, SIZE_MAX_, &size) < 0 || size == 0)
                                return usage();
                } else if (strcmp(arg, "--sndbuf") == 0 && val) {
                        if (parse_uint(val, SIZE_MAX_, &sndbuf) < 0 || sndbuf == 0)
                                return usage();
                } else if (strcmp(arg, "--cpu") == 0 && val) {
                        if (pin_cpu(val) < 0)
                                return 2;
                } else
                        return usage();
        }
        if (addr_len == 0 || seconds <= 0)
                return usage();

        buf = malloc(size);
        if (!buf)
                return 1;
        /* Not all zeros: nothing on the path may compress or skip it. */
        for (size_t i = 0; i < size; i++)
                buf[i] = (char) (i * 131 + 7);

        k = connect_retry(&addr, addr_len, (int) sndbuf, &fd);
        if (k < 0) {
                fprintf(stderr, "tcpblast: connect: %s\n", strerror(-k));
                return 1;
        }

        start = now_ns();
        end = start + (int64_t) (seconds * (double) NSEC_PER_SEC);
        hard_deadline = end + SEND_GRACE_S * NSEC_PER_SEC;
        while (now_ns() < end) {
                ssize_t n = write(fd, buf, size);

                if (n > 0) {
                        bytes += (unsigned long long) n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN) {
                        fprintf(stderr, "tcpblast: write: %m\n");
                        return 1;
                }
                /* Wake up at the end of the run at the latest; a peer that stopped reading ends it later. */
                k = wait_fd(fd, POLLOUT, end);
                if (k == -ETIMEDOUT)
                        break;
                if (k < 0) {
                        fprintf(stderr, "tcpblast: poll: %s\n", strerror(-k));
                        return 1;
                }
        }
        /* Half-close and wait for the sink's EOF-then-close, so the run ends when the data has arrived. */
        if (shutdown(fd, SHUT_WR) < 0) {
                fprintf(stderr, "tcpblast: shutdown: %m\n");
                return 1;
        }
        for (;;) {
                char c;
                ssize_t n = read(fd, &c, 1);

                if (n >= 0 || (errno != EAGAIN && errno != EINTR))
                        break;
                if (wait_fd(fd, POLLIN, hard_deadline) == -ETIMEDOUT) {
                        fprintf(stderr, "tcpblast: the sink did not close within %d s\n", SEND_GRACE_S);
                        return 1;
                }
        }
        report(bytes, now_ns() - start);
        return 0;
}

int main(int argc, char **argv) {
        if (argc < 2)
                return usage();
        if (strcmp(argv[1], "sink") == 0)
                return run_sink(argc, argv);
        if (strcmp(argv[1], "send") == 0)
                return run_send(argc, argv);
        return usage();
}
