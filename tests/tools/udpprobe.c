/* SPDX-License-Identifier: MIT */
/*
 * udpprobe: a UDP echo server and round-trip prober for the host and kernel test suites.
 *
 *   udpprobe echo  --bind ADDR:PORT [--count-limit N] [--timeout S] [--buffer BYTES]
 *   udpprobe probe --to ADDR:PORT [--count N] [--interval MS] [--timeout MS] [--size BYTES] [--tos N] [--json]
 *                  [--rtts] [--buffer BYTES]
 *
 * ADDR is numeric IPv4 or bracketed IPv6 ("192.0.2.1:7", "[2001:db8::1]:7").
 *
 * The prober sends on a fixed schedule and never waits for a reply before the next send, so loss and delay do
 * not stretch the schedule. Replies are matched by sequence number and by a per-run nonce, so a late reply to an
 * earlier run is ignored. A reply that arrives more than --timeout after its own send counts as lost.
 *
 * ECN: the echo writes the TOS (IPv4) or traffic class (IPv6) byte its datagram arrived with into the reply, at
 * offset PROBE_HEADER_SIZE, and the prober counts the replies whose probe arrived marked Congestion Experienced
 * ("ce_marked"). --tos sets the probes' byte: 2 is ECT(0), ECN-capable. The reply's own byte is never looked at,
 * so only the probe's way out is measured.
 *
 * Loss runs: "loss_runs" is the number of maximal runs of consecutive lost sequence numbers, and
 * "longest_loss_run" the longest; lost / loss_runs is the mean run, about 1 / (1 - loss) for independent loss.
 *
 * --buffer sets the socket's send and receive buffers (SO_SNDBUFFORCE and SO_RCVBUFFORCE as root, else up to the
 * sysctl maxima), so that a burst of probes after a scheduling stall (the schedule catches up at once) is not lost
 * in the sockets themselves.
 *
 * --rtts (with --json) adds "rtt_ms": every probe's round trip in sequence order, null for a lost one, so that a
 * caller can compute what the summary does not give.
 *
 * Exit status: 0 on success (loss is reported, not an error), 1 on a socket error, 2 on a usage error.
 * Only libc and libm: CI images build it without the project's libraries.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tool-util.h"


#define PROBE_MAGIC UINT32_C(0x636c7570) /* "clup" */
#define PROBE_HEADER_SIZE 24
#define PROBE_SIZE_MAX 65507             /* largest IPv4 UDP payload */
#define PROBE_COUNT_MAX 1000000
#define PROBE_INTERVAL_MS_MAX 60000
#define PROBE_TIMEOUT_MS_MAX 600000
#define ECHO_TIMEOUT_S_MAX 86400
#define RECV_BATCH_MAX 256               /* datagrams drained per wake-up before the schedule is checked again */
#define PROBE_TOS_OFFSET PROBE_HEADER_SIZE /* where the echo puts the TOS byte the probe arrived with */
#define ECN_MASK 3
#define ECN_CE 3


/* Host byte order: the echo returns the bytes untouched, and only the prober that wrote them reads them. */
struct probe_header {
        uint32_t magic;
        uint32_t seq;
        uint64_t nonce;
        int64_t sent_ns;
};

_Static_assert(sizeof(struct probe_header) == PROBE_HEADER_SIZE, "probe header layout");






/* "192.0.2.1:7" or "[2001:db8::1]:7". Strictly numeric (inet_pton, not getaddrinfo, which would take "1.2.3"
 * for 1.2.0.3): a typo must fail, never send test traffic somewhere else. */

static int usage(void) {
        fprintf(stderr,
                "usage: udpprobe echo  --bind ADDR:PORT [--count-limit N] [--timeout S (default 60)]\n"
                "                      [--buffer BYTES]\n"
                "       udpprobe probe --to ADDR:PORT [--count N (100)] [--interval MS (10)]\n"
                "                      [--timeout MS (1000)] [--size BYTES (64)] [--tos N (0)] [--json [--rtts]]\n"
                "                      [--buffer BYTES]\n");
        return 2;
}

/* recvfrom() that also returns the TOS or traffic class byte the datagram arrived with (0 when none came). */
static ssize_t recv_with_tos(int fd, char *buf, size_t size, struct sockaddr_storage *peer, socklen_t *peer_len,
                             uint8_t *ret_tos) {
        char control[CMSG_SPACE(sizeof(int)) * 2];
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr msg = {
                .msg_name = peer, .msg_namelen = *peer_len, .msg_iov = &iov, .msg_iovlen = 1,
                .msg_control = control, .msg_controllen = sizeof(control),
        };
        ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);

        *ret_tos = 0;
        if (n < 0)
                return n;
        *peer_len = msg.msg_namelen;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                /* IP_TOS comes as one byte, IPV6_TCLASS as an int. */
                if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
                        *ret_tos = *CMSG_DATA(c);
                else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
                        int t;
                        memcpy(&t, CMSG_DATA(c), sizeof(t));
                        *ret_tos = (uint8_t) t;
                }
        }
        return n;
}

#define SOCKET_BUFFER_MAX (256u << 20)

/* Both buffers of fd to bytes; the FORCE options pass the sysctl maxima, and need CAP_NET_ADMIN. */
static int set_buffers(int fd, unsigned long long bytes) {
        int v = (int) bytes;

        if (bytes == 0)
                return 0;
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0 &&
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
                return -errno;
        return 0;
}

static int run_echo(int argc, char **argv) {
        struct sockaddr_storage addr;
        socklen_t addr_len = 0;
        unsigned long long count_limit = 0, timeout_s = 60, buffer = 0;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        unsigned long long echoed = 0;
        int64_t deadline;

        for (int i = 2; i < argc; i += 2) {
                const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(arg, "--bind") == 0 && val) {
                        if (parse_endpoint(val, &addr, &addr_len) < 0) {
                                fprintf(stderr, "udpprobe: invalid --bind '%s'\n", val);
                                return 2;
                        }
                } else if (strcmp(arg, "--buffer") == 0 && val) {
                        if (parse_uint(val, SOCKET_BUFFER_MAX, &buffer) < 0)
                                return usage();
                } else if (strcmp(arg, "--count-limit") == 0 && val) {
                        if (parse_uint(val, UINT64_MAX, &count_limit) < 0)
                                return usage();
                } else if (strcmp(arg, "--timeout") == 0 && val) {
                        if (parse_uint(val, ECHO_TIMEOUT_S_MAX, &timeout_s) < 0 || timeout_s == 0)
                                return usage();
                } else
                        return usage();
        }
        if (addr_len == 0)
                return usage();

        buf = malloc(PROBE_SIZE_MAX + 1);
        if (!buf)
                return 1;

        fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                fprintf(stderr, "udpprobe: socket: %m\n");
                return 1;
        }
        if (set_buffers(fd, buffer) < 0) {
                fprintf(stderr, "udpprobe: --buffer: %m\n");
                return 1;
        }
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int) { 1 }, sizeof(int)) < 0 ||
            bind(fd, (struct sockaddr *) &addr, addr_len) < 0) {
                fprintf(stderr, "udpprobe: bind: %m\n");
                return 1;
        }
        if (addr.ss_family == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &(int) { 1 }, sizeof(int))
                                       : setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &(int) { 1 }, sizeof(int))) {
                fprintf(stderr, "udpprobe: IP_RECVTOS: %m\n");
                return 1;
        }

        deadline = now_ns() + (int64_t) timeout_s * NSEC_PER_SEC;
        while (count_limit == 0 || echoed < count_limit) {
                struct sockaddr_storage peer;
                socklen_t peer_len = sizeof(peer);
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                uint8_t tos;
                int64_t left = deadline - now_ns();
                ssize_t n;

                if (left <= 0)
                        break;
                if (poll(&pfd, 1, ns_to_poll_ms(left)) < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "udpprobe: poll: %m\n");
                        return 1;
                }
                if (!(pfd.revents & POLLIN))
                        continue;

                n = recv_with_tos(fd, buf, PROBE_SIZE_MAX + 1, &peer, &peer_len, &tos);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                continue;
                        fprintf(stderr, "udpprobe: recvmsg: %m\n");
                        return 1;
                }
                if (n > PROBE_TOS_OFFSET)
                        buf[PROBE_TOS_OFFSET] = (char) tos;
                /* A full queue on the way back is loss, which the prober measures; it is not our error. */
                (void) sendto(fd, buf, (size_t) n, MSG_DONTWAIT, (struct sockaddr *) &peer, peer_len);
                echoed++;
        }
        return 0;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

/* Linear interpolation between closest ranks (numpy's default), on sorted values. */
static double quantile(const double *sorted, size_t n, double q) {
        double pos = q * (double) (n - 1);
        size_t lo = (size_t) pos;

        if (lo + 1 >= n)
                return sorted[n - 1];
        return sorted[lo] + (pos - (double) lo) * (sorted[lo + 1] - sorted[lo]);
}

struct probe_run {
        uint64_t nonce;
        uint32_t count;
        int64_t timeout_ns;
        uint8_t *replies;       /* per sequence number: replies seen, saturating */
        double *rtt_ms;         /* per sequence number: round trip of the first reply */
        uint64_t received, duplicates, reordered, ce_marked;
        int64_t highest_seq;    /* highest sequence number answered so far, -1 if none */
};

static void probe_account(struct probe_run *run, const char *buf, ssize_t n, int64_t now) {
        struct probe_header h;

        if (n < (ssize_t) sizeof(h))
                return;
        memcpy(&h, buf, sizeof(h));
        if (h.magic != PROBE_MAGIC || h.nonce != run->nonce || h.seq >= run->count)
                return;
        if (now - h.sent_ns > run->timeout_ns)
                return; /* past its wait horizon: counted as lost */

        if (run->replies[h.seq] > 0) {
                run->duplicates++;
                if (run->replies[h.seq] < UINT8_MAX)
                        run->replies[h.seq]++;
                return;
        }
        run->replies[h.seq] = 1;
        run->rtt_ms[h.seq] = (double) (now - h.sent_ns) / (double) NSEC_PER_MSEC;
        run->received++;
        if (n > PROBE_TOS_OFFSET && ((uint8_t) buf[PROBE_TOS_OFFSET] & ECN_MASK) == ECN_CE)
                run->ce_marked++;
        if ((int64_t) h.seq < run->highest_seq)
                run->reordered++;
        else
                run->highest_seq = h.seq;
}

/* sorted: scratch room for run->count values. The standard deviation is the sample one (n - 1). */
static void probe_report_rtts(const struct probe_run *run) {
        printf(",\"rtt_ms\":[");
        for (uint32_t i = 0; i < run->count; i++) {
                if (run->replies[i])
                        printf("%s%.3f", i ? "," : "", run->rtt_ms[i]);
                else
                        printf("%snull", i ? "," : "");
        }
        printf("]");
}

static void probe_report(const struct probe_run *run, double *sorted, bool json, bool rtts) {
        double mean = 0, var = 0;
        size_t n = 0;
        uint64_t runs = 0, longest = 0, current = 0;

        for (uint32_t i = 0; i < run->count; i++) {
                if (run->replies[i]) {
                        sorted[n++] = run->rtt_ms[i];
                        current = 0;
                        continue;
                }
                if (current++ == 0)
                        runs++;
                if (current > longest)
                        longest = current;
        }

        if (json)
                printf("{\"sent\":%" PRIu32 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
                       ",\"duplicates\":%" PRIu64 ",\"reordered\":%" PRIu64 ",\"ce_marked\":%" PRIu64
                       ",\"loss_runs\":%" PRIu64 ",\"longest_loss_run\":%" PRIu64,
                       run->count, run->received, (uint64_t) run->count - run->received,
                       run->duplicates, run->reordered, run->ce_marked, runs, longest);
        else
                printf("sent %" PRIu32 " received %" PRIu64 " lost %" PRIu64 " duplicates %" PRIu64
                       " reordered %" PRIu64,
                       run->count, run->received, (uint64_t) run->count - run->received,
                       run->duplicates, run->reordered);

        if (n == 0) {
                if (json && rtts)
                        probe_report_rtts(run);
                if (json)
                        printf(",\"min_ms\":null,\"median_ms\":null,\"p90_ms\":null,\"p99_ms\":null"
                               ",\"max_ms\":null,\"mean_ms\":null,\"stddev_ms\":null}\n");
                else
                        printf(" rtt n/a\n");
                return;
        }

        qsort(sorted, n, sizeof(double), cmp_double);
        for (size_t i = 0; i < n; i++)
                mean += sorted[i];
        mean /= (double) n;
        for (size_t i = 0; i < n; i++)
                var += (sorted[i] - mean) * (sorted[i] - mean);
        var = n > 1 ? var / (double) (n - 1) : 0;

        if (json && rtts)
                probe_report_rtts(run);
        if (json)
                printf(",\"min_ms\":%.3f,\"median_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f"
                       ",\"max_ms\":%.3f,\"mean_ms\":%.3f,\"stddev_ms\":%.3f}\n",
                       sorted[0], quantile(sorted, n, 0.5), quantile(sorted, n, 0.9),
                       quantile(sorted, n, 0.99), sorted[n - 1], mean, sqrt(var));
        else
                printf(" rtt min/median/p90/p99/max %.3f/%.3f/%.3f/%.3f/%.3f ms mean %.3f stddev %.3f ms\n",
                       sorted[0], quantile(sorted, n, 0.5), quantile(sorted, n, 0.9),
                       quantile(sorted, n, 0.99), sorted[n - 1], mean, sqrt(var));
}

static int run_probe(int argc, char **argv) {
        struct sockaddr_storage addr;
        socklen_t addr_len = 0;
        unsigned long long count = 100, interval_ms = 10, timeout_ms = 1000, size = 64, tos = 0, buffer = 0;
        bool json = false, rtts = false;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ uint8_t *replies = NULL;
        _cleanup_free_ double *rtt_ms = NULL, *sorted = NULL;
        struct probe_run run;
        uint32_t next_seq = 0;
        int64_t start, last_send = 0;

        for (int i = 2; i < argc;) {
                const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
                int r = 0;

                if (strcmp(arg, "--json") == 0) {
                        json = true;
                        i++;
                        continue;
                }
                if (strcmp(arg, "--rtts") == 0) {
                        rtts = true;
                        i++;
                        continue;
                }
                if (!val)
                        return usage();
                if (strcmp(arg, "--to") == 0) {
                        if (parse_endpoint(val, &addr, &addr_len) < 0) {
                                fprintf(stderr, "udpprobe: invalid --to '%s'\n", val);
                                return 2;
                        }
                } else if (strcmp(arg, "--count") == 0)
                        r = parse_uint(val, PROBE_COUNT_MAX, &count);
                else if (strcmp(arg, "--interval") == 0)
                        r = parse_uint(val, PROBE_INTERVAL_MS_MAX, &interval_ms);
                else if (strcmp(arg, "--timeout") == 0)
                        r = parse_uint(val, PROBE_TIMEOUT_MS_MAX, &timeout_ms);
                else if (strcmp(arg, "--size") == 0)
                        r = parse_uint(val, PROBE_SIZE_MAX, &size);
                else if (strcmp(arg, "--buffer") == 0)
                        r = parse_uint(val, SOCKET_BUFFER_MAX, &buffer);
                else if (strcmp(arg, "--tos") == 0)
                        r = parse_uint(val, 255, &tos);
                else
                        return usage();
                if (r < 0)
                        return usage();
                i += 2;
        }
        if (addr_len == 0 || count == 0)
                return usage();
        if (size < PROBE_TOS_OFFSET + 1)
                size = PROBE_TOS_OFFSET + 1;

        buf = calloc(1, PROBE_SIZE_MAX + 1);
        replies = calloc(count, sizeof(uint8_t));
        rtt_ms = calloc(count, sizeof(double));
        sorted = calloc(count, sizeof(double));
        if (!buf || !replies || !rtt_ms || !sorted) {
                fprintf(stderr, "udpprobe: out of memory\n");
                return 1;
        }

        fd = socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
                fprintf(stderr, "udpprobe: socket: %m\n");
                return 1;
        }
        if (set_buffers(fd, buffer) < 0) {
                fprintf(stderr, "udpprobe: --buffer: %m\n");
                return 1;
        }
        if (tos && (addr.ss_family == AF_INET6
                            ? setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &(int) { (int) tos }, sizeof(int))
                            : setsockopt(fd, IPPROTO_IP, IP_TOS, &(int) { (int) tos }, sizeof(int)))) {
                fprintf(stderr, "udpprobe: --tos: %m\n");
                return 1;
        }
        /* Connected, so only the target's replies arrive and its ICMP errors are reported on this socket. */
        if (connect(fd, (struct sockaddr *) &addr, addr_len) < 0) {
                fprintf(stderr, "udpprobe: connect: %m\n");
                return 1;
        }

        start = now_ns();
        run = (struct probe_run) {
                .nonce = ((uint64_t) getpid() << 32) ^ (uint64_t) start,
                .count = (uint32_t) count,
                .timeout_ns = (int64_t) timeout_ms * NSEC_PER_MSEC,
                .replies = replies,
                .rtt_ms = rtt_ms,
                .highest_seq = -1,
        };

        /* Bounded: the last send is due at start + (count-1)*interval, and the loop ends timeout after it. */
        for (;;) {
                int64_t now = now_ns(), wake;
                struct pollfd pfd = { .fd = fd, .events = POLLIN };

                while (next_seq < run.count && now >= start + (int64_t) next_seq * (int64_t) interval_ms * NSEC_PER_MSEC) {
                        struct probe_header h = {
                                .magic = PROBE_MAGIC,
                                .seq = next_seq,
                                .nonce = run.nonce,
                                .sent_ns = now_ns(),
                        };

                        memcpy(buf, &h, sizeof(h));
                        /* ECONNREFUSED (echo not up yet), ENOBUFS, EAGAIN: the probe is lost, which we measure. */
                        if (send(fd, buf, size, 0) < 0 &&
                            !(errno == ECONNREFUSED || errno == ENOBUFS || errno == EAGAIN || errno == EINTR ||
                              errno == EHOSTUNREACH || errno == ENETUNREACH)) {
                                fprintf(stderr, "udpprobe: send: %m\n");
                                return 1;
                        }
                        last_send = h.sent_ns;
                        next_seq++;
                        now = now_ns();
                }

                if (next_seq >= run.count && (run.received >= run.count || now - last_send >= run.timeout_ns))
                        break;

                wake = next_seq < run.count ? start + (int64_t) next_seq * (int64_t) interval_ms * NSEC_PER_MSEC
                                            : last_send + run.timeout_ns;
                if (poll(&pfd, 1, ns_to_poll_ms(wake - now)) < 0 && errno != EINTR) {
                        fprintf(stderr, "udpprobe: poll: %m\n");
                        return 1;
                }
                if (!(pfd.revents & (POLLIN | POLLERR)))
                        continue;

                for (int i = 0; i < RECV_BATCH_MAX; i++) {
                        ssize_t n = recv(fd, buf, PROBE_SIZE_MAX + 1, 0);

                        if (n < 0) {
                                if (errno == ECONNREFUSED)
                                        continue; /* ICMP port unreachable for an earlier probe */
                                if (errno == EAGAIN || errno == EINTR)
                                        break;
                                fprintf(stderr, "udpprobe: recv: %m\n");
                                return 1;
                        }
                        probe_account(&run, buf, n, now_ns());
                }
        }

        probe_report(&run, sorted, json, rtts);
        return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
        if (argc < 2)
                return usage();
        if (strcmp(argv[1], "echo") == 0)
                return run_echo(argc, argv);
        if (strcmp(argv[1], "probe") == 0)
                return run_probe(argc, argv);
        return usage();
}
