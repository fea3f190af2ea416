/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: how late a fault's expires_at is enforced on real packets.
 *
 *   bench-expiry [--json FILE] [--quick] [--trials N] [--interval-us US] --socket PATH --agent-pid PID
 *                --netns NAME --device DEV --peer-netns NAME --to ADDR
 *
 * The suite's `expiry` benchmark on the host (tests/bench/expiry-host.sh sets up the namespaces and the agent). A
 * one-way UDP probe stream goes from NAME (a socket opened there) over DEV to ADDR, received by a socket opened in
 * the peer namespace, one probe every --interval-us (default 500 us, the resolution of every figure). Each
 * trial partitions ADDR/32 for a random 300..700 ms and starts probing 20 ms before the deadline. Its lateness is
 * the send time (CLOCK_REALTIME) of the first probe that arrives, minus the deadline. Four kinds of trial,
 * interleaved:
 *  - agent: fault.apply of the partition; the deadline is the expires_at it answers (RFC 3339, whole
 *    milliseconds, rounded down: up to 1 ms of the figure is that rounding). Also timed: the RTM_DELQDISC of
 *    DEV's root, the agent's timer tearing the tree down, seen by a monitor socket in NAME.
 *  - agent stopped: the same, with the agent SIGSTOPped right after the apply answer, so only the deadline in
 *    the classifier's map can end the partition; SIGCONT once a probe passed, then fault.list.
 *  - agent, root kept: as the first, beside a second partition (of KEEPER_CIDR, which no probe matches) applied
 *    before and recovered after, so the expiry removes a class and the fault's rules but not DEV's root.
 *  - exec: what an exec-based daemon does. `ip netns exec NAME tc qdisc add dev DEV root tbf rate 1mbit burst 100`
 *    (a tbf whose burst is smaller than a probe drops every probe, and lets ARP through), and at the deadline
 *    (noticed by this loop within one interval, as a daemon's own timer would) a posix_spawn() of
 *    `ip netns exec NAME tc qdisc del dev DEV root`, not waited for before probing on.
 * fault.list is read right after each expiry: what a client sees then is counted in the notes.
 *
 * Default 50 trials of each kind, --quick 10. Exit status: 0, 1 on a failure, 2 on a usage error, 77 when it
 * cannot run here. Timings never fail it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "bench-client.h"
#include "bench-report.h"
#include "bench-util.h"

#define TRIALS_DEFAULT 50
#define TRIALS_QUICK 10
#define TRIALS_MAX 1000
#define INTERVAL_US_DEFAULT 500
#define DURATION_MS_MIN 300
#define DURATION_MS_SPAN 401                    /* 300..700 ms */
#define LEAD_NS (20 * 1000000ll)                /* probing starts this long before the deadline */
#define WINDOW_NS (2000 * 1000000ll)            /* and gives up this long after it */
#define GONE_WAIT_MS 2000                       /* after SIGCONT, how long the agent may take to drop the fault */
#define LOST_DRAIN_US 5000
#define TRIAL_PROBES_MAX ((LEAD_NS + WINDOW_NS) / 50000 + 2)      /* at the shortest interval, 50 us */
#define PROBE_PORT 9
#define PROBE_SIZE 256                          /* > the tbf's burst of 100 bytes */
#define PROBE_MAGIC UINT32_C(0x636c6578)        /* "clex" */
#define FAULT_ID "bench-expiry"
#define KEEPER_ID "bench-expiry-keeper"
#define KEEPER_CIDR "198.51.100.7/32"         /* matches none of the probes */
#define TARGET "p99 <= 20 ms"
#define TARGET_MS 20.0

typedef enum Mode {
        MODE_AGENT,
        MODE_STOPPED,
        MODE_WARM,
        MODE_EXEC,
        _MODE_MAX,
} Mode;

static const char *const mode_name[_MODE_MAX] = {
        [MODE_AGENT] = "agent",
        [MODE_STOPPED] = "agent stopped",
        [MODE_WARM] = "agent, root kept",
        [MODE_EXEC] = "exec",
};

typedef struct Probe {
        uint32_t magic, nonce, seq, pad;
        int64_t sent_ns;                        /* CLOCK_REALTIME */
} Probe;

typedef struct Bench {
        const char *socket, *netns, *peer_netns, *device, *to;
        pid_t agent_pid;
        unsigned trials, interval_us;
        RpcClient *client;
        int tx_fd, rx_fd;
        struct mnl_socket *mon;
        unsigned ifindex;
        uint32_t nonce, seq, seq0;              /* seq0: the trial's first */
        int64_t *sent_ns;                       /* by seq - seq0: when each probe of the trial went out */
        bool *got;                              /* by seq - seq0: whether it arrived */
} Bench;

typedef struct Trial {
        double pass_ms;                         /* first probe through, minus the deadline; NAN: none */
        double teardown_ms;                     /* DEV's root deleted, minus the deadline; NAN: not seen */
        int64_t teardown_ns;                    /* when, CLOCK_REALTIME */
        unsigned early;                         /* 1: the first probe through was sent before the deadline */
        unsigned sent;
        uint32_t first_seq;                     /* of the first probe through */
        unsigned received_after;                /* probes through from first_seq on */
        unsigned lost_after;                    /* probes lost after the first one through */
        int duration_ms;
} Trial;

typedef struct Tally {
        double *pass, *teardown;
        unsigned n_pass, n_teardown, early, no_pass, sent, lost_after, trials_lost_after;
        double lost_min_ms, lost_max_ms;        /* send times of those lost after the first through, - RTM_DELQDISC */
        unsigned listed_active, listed_gone;    /* what fault.list showed right after the expiry */
        char listed_state[32];
} Tally;

static int64_t now_ns(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void sleep_until(clockid_t clock, int64_t t) {
        struct timespec ts = { .tv_sec = t / 1000000000ll, .tv_nsec = t % 1000000000ll };

        while (clock_nanosleep(clock, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

/* "2026-12-03T10:20:00.123Z", as format_rfc3339() writes it. */
static int parse_rfc3339_ms(const char *s, int64_t *ret_ns) {
        struct tm tm = {};
        int ms, n = 0;
        time_t t;

        if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                         &tm.tm_min, &tm.tm_sec, &ms, &n) != 7 || s[n] != '\0')
                return -EINVAL;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        t = timegm(&tm);
        if (t == (time_t) -1)
                return -EINVAL;
        *ret_ns = (int64_t) t * 1000000000ll + ms * 1000000ll;
        return 0;
}

/* Opens a socket in the named network namespace: a socket stays in the namespace it was created in. */
static int socket_in_netns(const char *netns, int domain, int type, int protocol, struct mnl_socket **ret_mnl) {
        char path[256];
        int self, fd, r = 0;

        snprintf(path, sizeof(path), "/run/netns/%s", netns);
        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
                r = -errno;
                goto out;
        }
        if (ret_mnl) {
                *ret_mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
                r = *ret_mnl ? 0 : -errno;
        } else {
                r = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
                if (r < 0)
                        r = -errno;
        }
        if (setns(self, CLONE_NEWNET) < 0) {
                perror("setns back");
                exit(1);
        }
out:
        if (fd >= 0)
                close(fd);
        close(self);
        return r;
}

static int bench_open(Bench *b) {
        struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(PROBE_PORT) };
        struct mnl_socket *mon = NULL;
        int r;

        if (inet_pton(AF_INET, b->to, &sin.sin_addr) != 1)
                return fprintf(stderr, "--to %s: not an IPv4 address\n", b->to), -EINVAL;

        b->rx_fd = socket_in_netns(b->peer_netns, AF_INET, SOCK_DGRAM, 0, NULL);
        if (b->rx_fd < 0)
                return fprintf(stderr, "socket in %s: %s\n", b->peer_netns, strerror(-b->rx_fd)), b->rx_fd;
        if (bind(b->rx_fd, (struct sockaddr *) &sin, sizeof(sin)) < 0)
                return fprintf(stderr, "bind %s:%d in %s: %m\n", b->to, PROBE_PORT, b->peer_netns), -errno;

        b->tx_fd = socket_in_netns(b->netns, AF_INET, SOCK_DGRAM, 0, NULL);
        if (b->tx_fd < 0)
                return fprintf(stderr, "socket in %s: %s\n", b->netns, strerror(-b->tx_fd)), b->tx_fd;
        if (connect(b->tx_fd, (struct sockaddr *) &sin, sizeof(sin)) < 0)
                return fprintf(stderr, "connect %s: %m\n", b->to), -errno;

        r = socket_in_netns(b->netns, 0, 0, 0, &mon);
        if (r < 0)
                return fprintf(stderr, "netlink socket in %s: %s\n", b->netns, strerror(-r)), r;
        b->mon = mon;
        if (mnl_socket_bind(mon, RTMGRP_TC, MNL_SOCKET_AUTOPID) < 0)
                return fprintf(stderr, "netlink bind RTMGRP_TC: %m\n"), -errno;

        /* The ifindex as NAME sees it: look it up from a socket there. */
        {
                struct ifreq ifr = {};
                snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", b->device);
                if (ioctl(b->tx_fd, SIOCGIFINDEX, &ifr) < 0)
                        return fprintf(stderr, "%s in %s: %m\n", b->device, b->netns), -errno;
                b->ifindex = (unsigned) ifr.ifr_ifindex;
        }

        r = rpc_client_connect(b->socket, &b->client);
        if (r < 0)
                return fprintf(stderr, "cannot connect to %s: %s\n", b->socket, strerror(-r)), r;
        return 0;
}

/* Whether fault.list shows FAULT_ID: 1 listed (ret_state its state), 0 not, -errno on failure. */
static int listed(Bench *b, char *ret_state, size_t len) {
        cJSON *result = NULL, *f;
        int r = 0;

        if (bench_call_text(b->client, "fault.list", "{}", &result) < 0)
                return -EPROTO;
        cJSON_ArrayForEach(f, cJSON_GetObjectItem(result, "faults")) {
                const cJSON *id = cJSON_GetObjectItem(f, "id"), *state = cJSON_GetObjectItem(f, "state");
                if (cJSON_IsString(id) && strcmp(id->valuestring, FAULT_ID) == 0) {
                        snprintf(ret_state, len, "%s", cJSON_IsString(state) ? state->valuestring : "?");
                        r = 1;
                }
        }
        cJSON_Delete(result);
        return r;
}

static int mon_cb(const struct nlmsghdr *nlh, void *data) {
        const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
        Bench *b = data;

        /* Adding a root announces the deletion of the device's default noqueue (handle 0) too. */
        if (nlh->nlmsg_type == RTM_DELQDISC && (unsigned) tcm->tcm_ifindex == b->ifindex &&
            tcm->tcm_parent == TC_H_ROOT && tcm->tcm_handle != 0)
                return MNL_CB_STOP;
        return MNL_CB_OK;
}

/* Drains the monitor socket; 1 when DEV's root qdisc was deleted. */
static int mon_read(Bench *b) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        int deleted = 0;
        ssize_t n;

        while ((n = mnl_socket_recvfrom(b->mon, buf, sizeof(buf))) > 0)
                if (mnl_cb_run(buf, n, 0, 0, mon_cb, b) == MNL_CB_STOP)
                        deleted = 1;
        return deleted;
}

/* Drains the receiver. Returns the send time of the first of this trial's probes in it, or INT64_MIN; t (if
 * given) remembers the first one's sequence number and counts those from it on. */
static int64_t rx_read(Bench *b, Trial *t) {
        int64_t first = INT64_MIN;
        char buf[PROBE_SIZE];
        Probe p;

        while (recv(b->rx_fd, buf, sizeof(buf), 0) >= (ssize_t) sizeof(p)) {
                memcpy(&p, buf, sizeof(p));
                if (p.magic != PROBE_MAGIC || p.nonce != b->nonce)
                        continue;
                if (first == INT64_MIN)
                        first = p.sent_ns;
                if (!t)
                        continue;
                if (t->received_after == 0)
                        t->first_seq = p.seq;
                if (p.seq >= t->first_seq)
                        t->received_after++;
                if (p.seq - b->seq0 < TRIAL_PROBES_MAX)
                        b->got[p.seq - b->seq0] = true;
        }
        return first;
}

static void tx_probe(Bench *b) {
        char buf[PROBE_SIZE] = {};
        Probe p = { .magic = PROBE_MAGIC, .nonce = b->nonce, .seq = b->seq++, .sent_ns = now_ns(CLOCK_REALTIME) };

        if (p.seq - b->seq0 < TRIAL_PROBES_MAX) {
                b->sent_ns[p.seq - b->seq0] = p.sent_ns;
                b->got[p.seq - b->seq0] = false;
        }

        memcpy(buf, &p, sizeof(p));
        (void) send(b->tx_fd, buf, sizeof(buf), 0);     /* a full queue is one probe less, not an error */
}

/* Probes from deadline - LEAD_NS until a probe passes (and, for the agent, its tree is gone), at most WINDOW_NS
 * past the deadline. For MODE_EXEC, spawns del_argv at the deadline. */
static int probe_through(Bench *b, Mode mode, int64_t deadline, char *const del_argv[], Trial *t) {
        int64_t end = deadline + WINDOW_NS, next, now;
        pid_t child = 0;
        int r = 0;

        sleep_until(CLOCK_REALTIME, deadline - LEAD_NS);
        b->seq0 = b->seq;
        next = now_ns(CLOCK_MONOTONIC);
        while ((now = now_ns(CLOCK_REALTIME)) < end) {
                struct pollfd pfd[2] = { { .fd = b->rx_fd, .events = POLLIN },
                                         { .fd = mnl_socket_get_fd(b->mon), .events = POLLIN } };
                int64_t wait, sent;

                if (now_ns(CLOCK_MONOTONIC) >= next) {
                        tx_probe(b);
                        t->sent++;
                        next += b->interval_us * 1000ll;
                }
                if (mode == MODE_EXEC && !child && now >= deadline) {
                        r = bench_exec_start(del_argv, BENCH_STDOUT_NULL, &child);
                        if (r < 0)
                                return fprintf(stderr, "spawn tc qdisc del: %s\n", strerror(-r)), r;
                }
                wait = next - now_ns(CLOCK_MONOTONIC);
                if (wait < 0)
                        wait = 0;
                if (ppoll(pfd, 2, &(struct timespec) { .tv_nsec = wait }, NULL) < 0 && errno != EINTR)
                        return -errno;
                if (pfd[0].revents & POLLIN) {
                        sent = rx_read(b, t);
                        if (sent != INT64_MIN && sent < deadline && isnan(t->pass_ms))
                                t->early++;
                        if (sent != INT64_MIN && isnan(t->pass_ms))
                                t->pass_ms = (sent - deadline) / 1e6;
                }
                if ((pfd[1].revents & POLLIN) && mon_read(b) && isnan(t->teardown_ms))
                {
                        t->teardown_ns = now_ns(CLOCK_REALTIME);
                        t->teardown_ms = (t->teardown_ns - deadline) / 1e6;
                }
                if (!isnan(t->pass_ms) && (mode != MODE_AGENT || !isnan(t->teardown_ms)))
                        break;
        }
        /* What is still in flight arrives within a few ms; then every probe from the first through on is counted. */
        usleep(LOST_DRAIN_US);
        (void) rx_read(b, t);
        if (t->received_after)
                t->lost_after = (b->seq - t->first_seq) - t->received_after;
        if (child) {
                r = bench_exec_wait(child);
                if (r != 0)
                        return fprintf(stderr, "tc qdisc del exited with %d\n", r), -EPROTO;
        }
        return 0;
}

static void tally_listing(Bench *b, Tally *y) {
        int r = listed(b, y->listed_state, sizeof(y->listed_state));

        if (r > 0)
                y->listed_active++;
        else if (r == 0)
                y->listed_gone++;
}

static int trial(Bench *b, Mode mode, Tally *y) {
        Trial t = { .pass_ms = NAN, .teardown_ms = NAN, .duration_ms = DURATION_MS_MIN + (int) (random() % DURATION_MS_SPAN) };
        char *add[] = { "ip", "netns", "exec", (char *) b->netns, "tc", "qdisc", "add", "dev", (char *) b->device,
                        "root", "tbf", "rate", "1mbit", "burst", "100", "limit", "10000", NULL };
        char *del[] = { "ip", "netns", "exec", (char *) b->netns, "tc", "qdisc", "del", "dev", (char *) b->device,
                        "root", NULL };
        int64_t deadline;
        int r;

        b->nonce = (uint32_t) random();
        (void) rx_read(b, NULL);
        (void) mon_read(b);

        if (mode == MODE_EXEC) {
                r = bench_exec(add, true);
                if (r != 0)
                        return fprintf(stderr, "tc qdisc add tbf: %d\n", r), -EPROTO;
                (void) mon_read(b);
                deadline = now_ns(CLOCK_REALTIME) + t.duration_ms * 1000000ll;
                r = probe_through(b, mode, deadline, del, &t);
                if (r < 0)
                        return r;
        } else {
                char params[512];
                cJSON *result = NULL;

                snprintf(params, sizeof(params),
                         "{\"id\":\"" FAULT_ID "\",\"target\":{\"netns\":\"/run/netns/%s\"},\"device\":\"%s\","
                         "\"partition\":true,\"duration\":\"%dms\",\"match\":{\"cidrs\":[\"%s/32\"]}}",
                         b->netns, b->device, t.duration_ms, b->to);
                if (mode == MODE_WARM) {
                        char keeper[512];

                        snprintf(keeper, sizeof(keeper),
                                 "{\"id\":\"" KEEPER_ID "\",\"target\":{\"netns\":\"/run/netns/%s\"},"
                                 "\"device\":\"%s\",\"partition\":true,\"duration\":\"1m\","
                                 "\"match\":{\"cidrs\":[\"" KEEPER_CIDR "\"]}}", b->netns, b->device);
                        if (bench_call_text(b->client, "fault.apply", keeper, NULL) < 0)
                                return -EPROTO;
                }
                if (bench_call_text(b->client, "fault.apply", params, &result) < 0)
                        return -EPROTO;
                if (mode == MODE_STOPPED && kill(b->agent_pid, SIGSTOP) < 0) {
                        cJSON_Delete(result);
                        return fprintf(stderr, "SIGSTOP %d: %m\n", (int) b->agent_pid), -errno;
                }
                r = parse_rfc3339_ms(cJSON_GetStringValue(cJSON_GetObjectItem(result, "expires_at")), &deadline);
                cJSON_Delete(result);
                (void) mon_read(b);     /* the apply's own announcements */
                if (r >= 0)
                        r = probe_through(b, mode, deadline, NULL, &t);
                if (mode == MODE_STOPPED && kill(b->agent_pid, SIGCONT) < 0)
                        return fprintf(stderr, "SIGCONT %d: %m\n", (int) b->agent_pid), -errno;
                if (r < 0)
                        return fprintf(stderr, "fault.apply: no expires_at, or probing failed\n"), r;
                /* Right after the expiry (for a stopped agent: right after SIGCONT), what does a client see? */
                tally_listing(b, y);
                if (mode == MODE_WARM &&
                    bench_call_text(b->client, "fault.recover", "{\"id\":\"" KEEPER_ID "\"}", NULL) < 0)
                        return -EPROTO;
                if (mode == MODE_STOPPED) {
                        char state[32];
                        int i;

                        /* The next trial needs the device free again. */
                        for (i = 0; i < GONE_WAIT_MS && listed(b, state, sizeof(state)) > 0; i++)
                                usleep(1000);
                        if (i == GONE_WAIT_MS)
                                return fprintf(stderr, "the agent did not drop the fault within %d ms of SIGCONT\n",
                                               GONE_WAIT_MS), -ETIMEDOUT;
                }
        }

        y->sent += t.sent;
        y->early += t.early;
        y->lost_after += t.lost_after;
        y->trials_lost_after += t.lost_after > 0;
        /* Where the losses after the first probe through sit, against the root's deletion. */
        if (t.lost_after && !isnan(t.teardown_ms))
                for (uint32_t s = t.first_seq; s != b->seq; s++) {
                        double at;

                        if (s - b->seq0 >= TRIAL_PROBES_MAX || b->got[s - b->seq0])
                                continue;
                        at = (b->sent_ns[s - b->seq0] - t.teardown_ns) / 1e6;
                        if (isnan(y->lost_min_ms) || at < y->lost_min_ms)
                                y->lost_min_ms = at;
                        if (isnan(y->lost_max_ms) || at > y->lost_max_ms)
                                y->lost_max_ms = at;
                }
        if (isnan(t.pass_ms))
                y->no_pass++;
        else
                y->pass[y->n_pass++] = t.pass_ms;
        if (!isnan(t.teardown_ms))
                y->teardown[y->n_teardown++] = t.teardown_ms;
        return 0;
}

static void help(void) {
        printf("Usage: bench-expiry [--json FILE] [--quick] [--trials N] [--interval-us US] --socket PATH\n"
               "                    --agent-pid PID --netns NAME --device DEV --peer-netns NAME --to ADDR\n"
               "\n"
               "  --json FILE         write the report object (tests/bench/bench-report.h) to FILE\n"
               "  --quick             %d trials of each kind instead of %d\n"
               "  --trials N          trials of each kind (agent, agent stopped, agent with the root kept, exec)\n"
               "  --interval-us US    one probe every US microseconds (default %d): the figures' resolution\n"
               "  --socket PATH       the agent's socket\n"
               "  --agent-pid PID     the agent, SIGSTOPped for the classifier-deadline trials\n"
               "  --netns NAME        the namespace (/run/netns/NAME) that holds DEV and sends the probes\n"
               "  --device DEV        the device the partition goes on\n"
               "  --peer-netns NAME   the namespace that holds ADDR and receives them\n"
               "  --to ADDR           the partitioned IPv4 address (UDP port %d)\n",
               TRIALS_QUICK, TRIALS_DEFAULT, INTERVAL_US_DEFAULT, PROBE_PORT);
}

static BenchStat stat_of(double *v, unsigned n) {
        return bench_stat(v, n);
}

int main(int argc, char **argv) {
        enum { ARG_TRIALS = 0x100, ARG_INTERVAL, ARG_SOCKET, ARG_AGENT_PID, ARG_NETNS, ARG_DEVICE, ARG_PEER, ARG_TO };
        static const struct option options[] = {
                BENCH_OPTIONS,
                { "trials", required_argument, NULL, ARG_TRIALS },
                { "interval-us", required_argument, NULL, ARG_INTERVAL },
                { "socket", required_argument, NULL, ARG_SOCKET },
                { "agent-pid", required_argument, NULL, ARG_AGENT_PID },
                { "netns", required_argument, NULL, ARG_NETNS },
                { "device", required_argument, NULL, ARG_DEVICE },
                { "peer-netns", required_argument, NULL, ARG_PEER },
                { "to", required_argument, NULL, ARG_TO },
                {}
        };
        Bench b = { .trials = TRIALS_DEFAULT, .interval_us = INTERVAL_US_DEFAULT, .tx_fd = -1, .rx_fd = -1 };
        Tally y[_MODE_MAX] = {};
        const char *json = NULL;
        BenchStat s[_MODE_MAX], td[_MODE_MAX];
        char note[512];
        int64_t t0;
        cJSON *o;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'q':
                        b.trials = TRIALS_QUICK;
                        break;
                case ARG_TRIALS:
                        b.trials = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case ARG_INTERVAL:
                        b.interval_us = (unsigned) strtoul(optarg, NULL, 10);
                        break;
                case ARG_SOCKET:
                        b.socket = optarg;
                        break;
                case ARG_AGENT_PID:
                        b.agent_pid = (pid_t) strtol(optarg, NULL, 10);
                        break;
                case ARG_NETNS:
                        b.netns = optarg;
                        break;
                case ARG_DEVICE:
                        b.device = optarg;
                        break;
                case ARG_PEER:
                        b.peer_netns = optarg;
                        break;
                case ARG_TO:
                        b.to = optarg;
                        break;
                default:
                        r = bench_opt_default(c, optarg, &json, help);
                        if (r >= 0)
                                return r;
                }
        if (!b.socket || b.agent_pid <= 0 || !b.netns || !b.device || !b.peer_netns || !b.to || b.trials < 1 ||
            b.trials > TRIALS_MAX || b.interval_us < 50 || b.interval_us > 100000) {
                help();
                return 2;
        }
        if (geteuid() != 0) {
                printf("skip: needs root (network namespaces, SIGSTOP of the agent)\n");
                return 77;
        }
        if (bench_open(&b) < 0)
                return 1;

        for (int m = 0; m < _MODE_MAX; m++) {
                y[m].pass = calloc(b.trials, sizeof(double));
                y[m].teardown = calloc(b.trials, sizeof(double));
                y[m].lost_min_ms = y[m].lost_max_ms = NAN;
                if (!y[m].pass || !y[m].teardown)
                        return 1;
        }
        b.sent_ns = calloc(TRIAL_PROBES_MAX, sizeof(int64_t));
        b.got = calloc(TRIAL_PROBES_MAX, sizeof(bool));
        if (!b.sent_ns || !b.got)
                return 1;
        srandom((unsigned) now_ns(CLOCK_REALTIME) ^ (unsigned) getpid());

        t0 = now_ns(CLOCK_MONOTONIC);
        for (unsigned i = 0; i < b.trials; i++)
                /* Rotated, so drift on a shared machine hits every kind alike. */
                for (int k = 0; k < _MODE_MAX; k++) {
                        Mode m = (Mode) ((i + k) % _MODE_MAX);
                        if (trial(&b, m, &y[m]) < 0) {
                                fprintf(stderr, "trial %u (%s) failed\n", i, mode_name[m]);
                                return 1;
                        }
                }
        rpc_client_free(b.client);

        for (int m = 0; m < _MODE_MAX; m++) {
                s[m] = stat_of(y[m].pass, y[m].n_pass);
                td[m] = stat_of(y[m].teardown, y[m].n_teardown);
        }

        o = bench_report_new("expiry", "Expiry: how late a fault's end reaches packets", "host");
        bench_report_row(o, "agent running: first probe through after expires_at", "ms", s[MODE_AGENT],
                         "exec: tc qdisc del spawned at the deadline", s[MODE_EXEC], TARGET,
                         y[MODE_AGENT].n_pass ? s[MODE_AGENT].p99 <= TARGET_MS : -1);
        bench_report_row(o, "agent SIGSTOPped: first probe through (classifier deadline)", "ms", s[MODE_STOPPED],
                         "exec: tc qdisc del spawned at the deadline", s[MODE_EXEC], TARGET,
                         y[MODE_STOPPED].n_pass ? s[MODE_STOPPED].p99 <= TARGET_MS : -1);
        bench_report_row(o, "agent running, root kept by a second fault: first probe through", "ms", s[MODE_WARM],
                         "exec: tc qdisc del spawned at the deadline", s[MODE_EXEC], TARGET,
                         y[MODE_WARM].n_pass ? s[MODE_WARM].p99 <= TARGET_MS : -1);
        bench_report_row(o, "agent running: its tree deleted (RTM_DELQDISC) after expires_at", "ms", td[MODE_AGENT],
                         "exec: RTM_DELQDISC of the tbf", td[MODE_EXEC], NULL, -1);

        printf("expiry of a partition (300..700 ms), %u trials of each kind, one probe every %u us, kernel %s\n",
               b.trials, b.interval_us, cJSON_GetStringValue(cJSON_GetObjectItem(o, "kernel")));
        {
                const struct { const char *label; BenchStat st; } rows[] = {
                        { "agent running: first probe through", s[MODE_AGENT] },
                        { "agent SIGSTOPped: first probe through (classifier)", s[MODE_STOPPED] },
                        { "agent running, root kept by a second fault: first through", s[MODE_WARM] },
                        { "agent running: its tree deleted (RTM_DELQDISC)", td[MODE_AGENT] },
                        { "exec: tc qdisc del at the deadline, first probe through", s[MODE_EXEC] },
                };

                printf("| %-58s | median  | p99     | n   |\n", "lateness after the deadline, ms");
                printf("|------------------------------------------------------------|---------|---------|-----|\n");
                for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
                        printf("| %-58s | %7.3f | %7.3f | %3u |\n", rows[i].label, rows[i].st.median, rows[i].st.p99,
                               rows[i].st.n);
        }
        snprintf(note, sizeof(note),
                 "Lateness = send time (CLOCK_REALTIME) of the first probe that arrives - the deadline; one probe "
                 "every %u us (the resolution); expires_at has whole milliseconds, rounded down, so up to 1 ms of "
                 "the agent's figures is that rounding.", b.interval_us);
        bench_report_note(o, note);
        bench_report_note(o, "With the agent running the classifier's deadline ends the partition first; the "
                             "agent's timer then deletes the tree (the RTM_DELQDISC row).");
        bench_report_note(o, "Baseline: a tbf root with burst 100 bytes drops every 256-byte probe; at the deadline "
                             "this loop posix_spawn()s `ip netns exec NS tc qdisc del dev DEV root` (what an "
                             "exec-based daemon does), without waiting for it.");
        for (int m = 0; m < _MODE_MAX; m++) {
                int k = snprintf(note, sizeof(note),
                                 "%s: %u trials, %u probes sent, %u trials whose first probe through was sent "
                                 "before the deadline, %u trials with no probe through within 2 s, %u probes lost "
                                 "after the first one through (in %u trials)", mode_name[m], b.trials, y[m].sent,
                                 y[m].early, y[m].no_pass, y[m].lost_after, y[m].trials_lost_after);

                if (!isnan(y[m].lost_min_ms) && k > 0 && (size_t) k < sizeof(note))
                        snprintf(note + k, sizeof(note) - k, ", sent %.3f..%.3f ms from the RTM_DELQDISC's arrival",
                                 y[m].lost_min_ms, y[m].lost_max_ms);
                bench_report_note(o, note);
                printf("- %s\n", note);
        }
        snprintf(note, sizeof(note),
                 "fault.list right after the first probe passed (agent running, after its RTM_DELQDISC): listed "
                 "%u times, gone %u times; right after SIGCONT of a stopped agent: listed %u times%s%s%s, gone %u "
                 "times.",
                 y[MODE_AGENT].listed_active, y[MODE_AGENT].listed_gone, y[MODE_STOPPED].listed_active,
                 y[MODE_STOPPED].listed_active ? " (state \"" : "", y[MODE_STOPPED].listed_state,
                 y[MODE_STOPPED].listed_active ? "\", expires_at in the past)" : "", y[MODE_STOPPED].listed_gone);
        bench_report_note(o, note);
        printf("- %s\n", note);
        snprintf(note, sizeof(note), "run time %.1f s", (now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
        bench_report_note(o, note);
        printf("- %s\n", note);

        if (bench_report_finish(o, json) < 0)
                return 1;
        mnl_socket_close(b.mon);
        return 0;
}
