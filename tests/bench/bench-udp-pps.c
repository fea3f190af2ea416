/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: small-UDP packets per second over a veth pair, over IPv6 (2001:db8::1 -> 2001:db8::2) and
 * over IPv4 (192.0.2.1 -> 192.0.2.2), with no fault, against the same with one chaoslet fault whose match holds
 * 65,536 CIDRs of the traffic's family, none of which covers it. The fault is a partition, so it would drop whatever
 * it matched; it matches nothing, so what it costs is chaoslet's tree and the classifier's work on every packet:
 * with 64-byte datagrams that work is a far larger share of each packet's cost than with bulk TCP
 * (bench-throughput), so this is where a slow classifier would show.
 *
 * Two sets of 65,536 per family (bench_cidr_set_new(), bench-netns.h): two prefix lengths, so the per-length hash;
 * six, so the LPM trie. A reference per family, the root of chaoslet's tree (htb) with no filter, splits what the
 * fault costs into the qdisc's share (a veth has none of its own: noqueue) and the classifier's. A second reference
 * per family, the hook, is the hash row's fault with its tree swapped for the same classifier on a clsact egress hook
 * (bench_hook_instead_of_tree(), bench-netns.h): what a fault that needs no class would cost without a tree. A
 * closing control per family applies a fault whose set does cover the traffic, and checks that it stops it, on the
 * tree and on the hook: the filter is on the traffic's path.
 *
 *   bench-udp-pps [--rounds N] [--seconds S] [--quick] [--json FILE] [--verbose]
 *
 * The traffic: one thread in the sender's namespace sends 64-byte datagrams with sendmmsg, BATCH at a time, for S
 * seconds or MAX_PPS * S packets, whichever comes first; one in the sink's receives them with recvmmsg and counts.
 * Sender and sink are pinned to two CPUs. The figure is the datagrams the sink received per second of sending (and,
 * beside it, those the sender's sendmmsg took), per round. veth hands a packet to the peer on the sending CPU
 * (veth_xmit -> __netif_rx), so the sender's CPU carries the qdisc, the classifier and the receiving stack, and the
 * sink's only the copy out.
 *
 * --quick is the performance suite's mode (tests/bench/run): 2 rounds of 1 s, about half a minute; the default is
 * 5 rounds of 3 s, about two and a half minutes. --json FILE writes the report contract's object (bench-report.h):
 * per configuration its kpps against no fault (median and the 1st percentile, the low tail, as "p99"), and for
 * chaoslet the paired ratio against the target of >= 97% of no fault.
 *
 * The fault goes in through the agent's own code (registry_apply(), as fault.apply does), not over the socket: a
 * JSON-RPC line cannot carry 65,536 distinct CIDRs within the protocol's 1 MiB limit.
 *
 * Every round gets a fresh pair of namespaces per configuration, made here and deleted after it (and on every exit
 * path, signals included), all live side by side. Within a round each configuration's S seconds are sent in slices
 * of SLICE_MS, the configurations taking turns, so that the load of a shared machine, which comes and goes within
 * seconds, falls on all alike; "paired" is the median over rounds of a configuration's ratio to the same round's
 * no fault.
 *
 * Exit status: 0, 1 on a failure, 2 on a usage error, 77 when this machine cannot run it (not root, no cls_bpf,
 * no htb, classifier not loadable). */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>

#include "bench-netns.h"
#include "bench-report.h"
#include "loader.h"
#include "log.h"
#include "netns.h"
#include "probe.h"

#define N_CONFIGS 10           /* per family: no fault, the htb reference, hash, trie, the hook reference */
#define BATCH 64
#define PAYLOAD 64
#define MAX_PPS 20000000        /* the count bound: far above what veth carries, so time is what ends a run */
#define SINK_PORT 5201
#define SINK_RCVBUF (8 << 20)
#define SINK_IDLE_MS 10         /* once the sender is done, the sink stops after this long without a datagram */
#define SLICE_MS 250
#define FAULT_ID "bench-udp-pps"        /* and -N, a configuration's */
#define SETTLE_MS 500
#define SETTLE_QUICK_MS 100
#define PRIME_TRIES 50
#define PRIME_WAIT_MS 100

typedef struct Config {
        int family;
        bool chaoslet;
        bool htb_only;                  /* the reference: chaoslet's htb root alone, no filter */
        bool hook;                      /* the other reference: a chaoslet row's fault, its classifier on a clsact
                                         * egress hook instead of its tree (bench_hook_instead_of_tree()) */
        bool trie;
        char label[96];
        const Cidr *cidrs;              /* chaoslet: BENCH_N_CIDRS of them */
        bool skipped;
        char reason[320];               /* why skipped */
        double rx_kpps[BENCH_ROUNDS_MAX];       /* in round order */
        double tx_kpps[BENCH_ROUNDS_MAX];
        double setup_ms[BENCH_ROUNDS_MAX];
        double teardown_ms[BENCH_ROUNDS_MAX];
        unsigned n;
        double paired;                  /* median of rx_kpps[i] / the same family's no-fault rx_kpps[i] */
} Config;

static int cpus[2];

static const char *family_name(int family) {
        return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* The sink's address and port, of the pair's family. */
static socklen_t sink_sockaddr(int family, struct sockaddr_storage *ret) {
        memset(ret, 0, sizeof(*ret));
        if (family == AF_INET6) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *) ret;

                a->sin6_family = AF_INET6;
                a->sin6_port = htons(SINK_PORT);
                (void) inet_pton(AF_INET6, "2001:db8::2", &a->sin6_addr);
                return sizeof(*a);
        }
        struct sockaddr_in *a = (struct sockaddr_in *) ret;

        a->sin_family = AF_INET;
        a->sin_port = htons(SINK_PORT);
        (void) inet_pton(AF_INET, "192.0.2.2", &a->sin_addr);
        return sizeof(*a);
}

typedef struct SocketArgs {
        int family;
        int fd;
} SocketArgs;

static int socket_here(void *userdata) {
        SocketArgs *a = userdata;

        a->fd = socket(a->family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
        return a->fd < 0 ? -errno : 0;
}

/* A UDP socket in the named namespace: it stays there after netns_run() brings this thread back. */
static int socket_in_netns(const char *netns, int family, int *ret_fd) {
        _cleanup_close_ int ns = -EBADF;
        SocketArgs a = { .family = family, .fd = -EBADF };
        char path[PATH_MAX];
        int k;

        snprintf(path, sizeof(path), "/run/netns/%s", netns);
        k = netns_open_path(path, &ns, NULL, NULL);
        if (k < 0)
                return k;
        k = netns_run(ns, socket_here, &a);
        if (k < 0) {
                safe_close(a.fd);
                return k;
        }
        *ret_fd = a.fd;
        return 0;
}

/* One configuration's traffic in a round: its pair of namespaces, a sink socket bound in one and a sender socket
 * connected from the other (kept across the round's slices), and its fault or reference qdisc. */
typedef struct Flow {
        BenchPair pair;
        bool live;                      /* pair made */
        int family;
        int sink_fd, send_fd;
        Fault *fault;
        char fault_id[32];
        unsigned long long rx, tx;      /* packets over the round's slices */
        double elapsed_ms;              /* of sending, over the slices */
} Flow;

typedef struct Blast {
        int fd;
        int cpu;
        double seconds;
        atomic_bool sender_done;
        unsigned long long packets;     /* sent, or received */
        double elapsed_ms;              /* the sender's */
        int error;
} Blast;

static void pin(int cpu) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        (void) sched_setaffinity(0, sizeof(set), &set);
}

static void *sender_main(void *userdata) {
        static const char payload[PAYLOAD];
        struct iovec iov = { .iov_base = (void *) payload, .iov_len = sizeof(payload) };
        struct mmsghdr msgs[BATCH] = {};
        Blast *b = userdata;
        unsigned long long max = (unsigned long long) (MAX_PPS * b->seconds);
        double t0, deadline;

        pin(b->cpu);
        for (size_t i = 0; i < ELEMENTSOF(msgs); i++)
                msgs[i].msg_hdr = (struct msghdr) { .msg_iov = &iov, .msg_iovlen = 1 };
        t0 = bench_now_ms();
        deadline = t0 + b->seconds * 1000;
        while (b->packets < max && bench_now_ms() < deadline) {
                int n = sendmmsg(b->fd, msgs, BATCH, 0);

                if (n > 0)
                        b->packets += (unsigned) n;
                else if (n < 0 && errno != EINTR && errno != ENOBUFS) {
                        b->error = -errno;
                        break;
                }
        }
        b->elapsed_ms = bench_now_ms() - t0;
        return NULL;
}

/* Bounded by the sender: once it is done, the first SINK_IDLE_MS without a datagram ends this (SO_RCVTIMEO). */
static void *sink_main(void *userdata) {
        static char bufs[BATCH][PAYLOAD + 1];
        struct iovec iovs[BATCH];
        struct mmsghdr msgs[BATCH] = {};
        Blast *b = userdata;

        pin(b->cpu);
        for (size_t i = 0; i < ELEMENTSOF(msgs); i++) {
                iovs[i] = (struct iovec) { .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
                msgs[i].msg_hdr = (struct msghdr) { .msg_iov = &iovs[i], .msg_iovlen = 1 };
        }
        for (;;) {
                int n = recvmmsg(b->fd, msgs, BATCH, MSG_WAITFORONE, NULL);

                if (n > 0)
                        b->packets += (unsigned) n;
                else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        if (atomic_load(&b->sender_done))
                                break;
                } else if (n < 0 && errno != EINTR) {
                        b->error = -errno;
                        break;
                }
        }
        return NULL;
}

/* Sends for `seconds` on the flow, the sink on its own thread; adds to the flow's counts. */
static int blast(Flow *fl, double seconds) {
        Blast rx = { .fd = fl->sink_fd, .cpu = cpus[1], .seconds = seconds };
        Blast tx = { .fd = fl->send_fd, .cpu = cpus[0], .seconds = seconds };
        pthread_t rx_thread, tx_thread;
        int k;

        k = -pthread_create(&rx_thread, NULL, sink_main, &rx);
        if (k < 0)
                return k;
        k = -pthread_create(&tx_thread, NULL, sender_main, &tx);
        if (k < 0) {
                atomic_store(&rx.sender_done, true);
                (void) pthread_join(rx_thread, NULL);
                return k;
        }
        (void) pthread_join(tx_thread, NULL);
        atomic_store(&rx.sender_done, true);
        (void) pthread_join(rx_thread, NULL);
        if (tx.error < 0 || rx.error < 0) {
                fprintf(stderr, "bench-udp-pps: %s failed: %s\n", tx.error < 0 ? "sendmmsg" : "recvmmsg",
                        strerror(-(tx.error < 0 ? tx.error : rx.error)));
                return -EIO;
        }
        fl->rx += rx.packets;
        fl->tx += tx.packets;
        fl->elapsed_ms += tx.elapsed_ms;
        return 0;
}

static void flow_close(Flow *fl) {
        fl->sink_fd = safe_close(fl->sink_fd);
        fl->send_fd = safe_close(fl->send_fd);
}

/* The flow's sockets, and one datagram through before anything is measured. Bounded: PRIME_TRIES of
 * PRIME_WAIT_MS. */
static int flow_open(Flow *fl, unsigned seq, int family) {
        struct timeval wait = { .tv_usec = PRIME_WAIT_MS * 1000 }, idle = { .tv_usec = SINK_IDLE_MS * 1000 };
        struct sockaddr_storage sa;
        socklen_t sa_len = sink_sockaddr(family, &sa);
        int rcvbuf = SINK_RCVBUF, k;
        char buf[PAYLOAD] = {};

        *fl = (Flow) { .family = family, .sink_fd = -EBADF, .send_fd = -EBADF };
        k = bench_pair_make(seq, false, &fl->pair);
        if (k < 0)
                return k;
        fl->live = true;
        if ((k = socket_in_netns(fl->pair.sink, family, &fl->sink_fd)) < 0 ||
            (k = socket_in_netns(fl->pair.sender, family, &fl->send_fd)) < 0)
                return k;
        /* FORCE: past net.core.rmem_max, so a burst the sink is late for does not overflow it. */
        if (setsockopt(fl->sink_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 ||
            setsockopt(fl->sink_fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)) < 0 ||
            bind(fl->sink_fd, (struct sockaddr *) &sa, sa_len) < 0 ||
            connect(fl->send_fd, (struct sockaddr *) &sa, sa_len) < 0)
                return -errno;
        for (unsigned i = 0;; i++) {
                if (i == PRIME_TRIES) {
                        fprintf(stderr, "bench-udp-pps: no %s datagram got from %s to %s in %d ms\n",
                                family_name(family), fl->pair.sender, fl->pair.sink, PRIME_TRIES * PRIME_WAIT_MS);
                        return -ETIMEDOUT;
                }
                if (send(fl->send_fd, buf, sizeof(buf), 0) < 0)
                        return -errno;
                if (recv(fl->sink_fd, buf, sizeof(buf), 0) > 0)
                        break;
        }
        if (setsockopt(fl->sink_fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) < 0)
                return -errno;
        return 0;
}

/* The reference configuration: the root of chaoslet's tree for a partition alone (htb, default 0 so that
 * unclassified packets take the direct queue, direct_qlen 1000: netem/tree.c), with no filter. What a chaoslet row
 * costs above this one is its classifier; what this one costs above no fault, the qdisc a veth lacks (noqueue). */
static int htb_root(const BenchPair *p) {
        if (BENCH_RUN("tc", "-n", (char *) p->sender, "qdisc", "add", "dev", "to-b", "root", "handle", "1:", "htb",
                      "default", "0", "direct_qlen", "1000") != 0) {
                fprintf(stderr, "bench-udp-pps: setting up the htb reference on %s failed\n", p->sender);
                return -EIO;
        }
        return 0;
}

static int recover(Registry *reg, Flow *fl, double *ret_ms) {
        RpcError err = {};
        double t0 = bench_now_ms();
        int k = 0;

        if (!fl->fault)
                return 0;
        if (registry_recover(reg, fl->fault_id, &err) != 0) {
                fprintf(stderr, "bench-udp-pps: registry_recover failed: %s\n", err.message);
                k = -EIO;
        }
        fl->fault = NULL;
        rpc_error_done(&err);
        if (ret_ms)
                *ret_ms = bench_now_ms() - t0;
        return k;
}

/* Whether the fault is on the traffic's path at all: the same fault with a CIDR covering the traffic in place of its
 * last one (of a length the set already has, or of one length less, so the same kind of set) must stop the
 * datagrams, and its counters must show the drops. */
static int control(Registry *reg, const Config *c, unsigned seq) {
        _cleanup_free_ Cidr *covering = malloc(BENCH_N_CIDRS * sizeof(Cidr));
        const char *cover = c->family == AF_INET6 ? "2001:db8::/64" : "192.0.2.0/29";
        struct classifier_counters cnt = {};
        char reason[320];
        Flow fl;
        int k;

        if (!covering)
                return -ENOMEM;
        memcpy(covering, c->cidrs, BENCH_N_CIDRS * sizeof(Cidr));
        if (cidr_from_string(cover, &covering[BENCH_N_CIDRS - 1]) < 0)
                return -EINVAL;
        k = flow_open(&fl, seq, c->family);
        if (k < 0)
                goto finish;
        snprintf(fl.fault_id, sizeof(fl.fault_id), "%s-control", FAULT_ID);
        k = bench_apply_partition(reg, &fl.pair, fl.fault_id, covering, BENCH_N_CIDRS, &fl.fault, reason,
                                  sizeof(reason));
        if (k >= 0 && c->hook)
                k = bench_hook_instead_of_tree(reg, &fl.pair, fl.fault);
        if (k < 0)
                goto finish;
        k = blast(&fl, SLICE_MS / 1000.0);
        if (k < 0)
                goto finish;
        if (classifier_counters_read(reg->classifier, fl.fault->counter_key, &cnt) < 0)
                k = -EIO;
        else if (fl.rx > 0 || fl.tx == 0 || cnt.dropped_packets == 0) {
                fprintf(stderr, "bench-udp-pps: control: a fault covering the %s traffic did not stop it (%llu "
                        "datagrams received of %llu sent, %llu dropped): the classifier is not on the path\n",
                        family_name(c->family), fl.rx, fl.tx, (unsigned long long) cnt.dropped_packets);
                k = -EBADE;
        } else
                printf("control %s%s: the same fault with %s in place of its last CIDR stops the datagrams (%llu "
                       "sent, none received, %llu dropped by the classifier): it is on the traffic's path\n",
                       family_name(c->family), c->hook ? " on the clsact hook" : "", cover, fl.tx,
                       (unsigned long long) cnt.dropped_packets);

finish:
        if (c->hook && fl.fault)
                bench_hook_undo(&fl.pair, fl.fault);
        if (recover(reg, &fl, NULL) < 0 && k >= 0)
                k = -EIO;
        flow_close(&fl);
        bench_pair_delete();
        return k;
}

/* One round: every configuration's flow set up side by side, then `seconds` of each sent in slices of SLICE_MS,
 * the configurations taking turns (from a different one each slice), so that the load of a shared machine, which
 * comes and goes in seconds, falls on all alike. warm_up: two slices of the first flow first, not recorded. */
static int round_run(Config *configs, Registry *reg, unsigned *seq, unsigned seconds, int settle_ms, bool warm_up) {
        unsigned slices = seconds * 1000 / SLICE_MS;    /* seconds >= 1: at least 4 */
        Flow flows[N_CONFIGS];
        double setup[N_CONFIGS] = {}, teardown[N_CONFIGS] = {};
        int k = 0;

        for (size_t i = 0; i < N_CONFIGS; i++)
                flows[i] = (Flow) { .sink_fd = -EBADF, .send_fd = -EBADF };
        for (size_t i = 0; i < N_CONFIGS; i++) {
                Config *c = &configs[i];
                Flow *fl = &flows[i];
                double t0;

                if (c->skipped)
                        continue;
                k = flow_open(fl, (*seq)++, c->family);
                if (k < 0)
                        goto finish;
                t0 = bench_now_ms();
                if (c->chaoslet) {
                        snprintf(fl->fault_id, sizeof(fl->fault_id), "%s-%zu", FAULT_ID, i);
                        k = bench_apply_partition(reg, &fl->pair, fl->fault_id, c->cidrs, BENCH_N_CIDRS, &fl->fault,
                                                  c->reason, sizeof(c->reason));
                        if (k >= 0 && c->hook)
                                k = bench_hook_instead_of_tree(reg, &fl->pair, fl->fault);
                        if (k < 0 && c->n == 0) {
                                /* Not this benchmark's failure but the agent's, on this kernel: say so in the table,
                                 * and measure the rest. */
                                fprintf(stderr, "bench-udp-pps: '%s' cannot be applied here; dropped\n", c->label);
                                c->skipped = true;
                                k = 0;
                                continue;
                        }
                } else if (c->htb_only)
                        k = htb_root(&fl->pair);
                setup[i] = bench_now_ms() - t0;
                if (k < 0)
                        goto finish;
                if (c->chaoslet && log_get_max_level() >= LOG_DEBUG) {
                        (void) BENCH_RUN("tc", "-n", fl->pair.sender, "qdisc", "show", "dev", "to-b");
                        (void) BENCH_RUN("tc", "-n", fl->pair.sender, "filter", "show", "dev", "to-b");
                }
        }

        if (warm_up) {
                k = blast(&flows[0], 2 * SLICE_MS / 1000.0);
                if (k < 0)
                        goto finish;
                fprintf(stderr, "  warm-up: %s %.1f kpps received\n", configs[0].label,
                        (double) flows[0].rx / flows[0].elapsed_ms);
                flows[0].rx = flows[0].tx = 0;
                flows[0].elapsed_ms = 0;
        }
        for (unsigned s = 0; s < slices; s++)
                for (size_t j = 0; j < N_CONFIGS; j++) {
                        size_t i = (j + s) % N_CONFIGS;

                        if (configs[i].skipped)
                                continue;
                        k = blast(&flows[i], SLICE_MS / 1000.0);
                        if (k < 0)
                                goto finish;
                }

        for (size_t i = 0; i < N_CONFIGS; i++) {
                Config *c = &configs[i];
                Flow *fl = &flows[i];
                struct classifier_counters cnt = {};
                char s[32] = "";

                if (c->skipped)
                        continue;
                if (fl->fault && classifier_counters_read(reg->classifier, fl->fault->counter_key, &cnt) >= 0 &&
                    cnt.matched_packets > 0) {
                        fprintf(stderr, "bench-udp-pps: '%s' matched %llu packets; it must match none\n", c->label,
                                (unsigned long long) cnt.matched_packets);
                        k = -EBADE;
                        goto finish;
                }
                if (c->hook)
                        bench_hook_undo(&fl->pair, fl->fault);
                k = recover(reg, fl, &teardown[i]);
                if (k < 0)
                        goto finish;
                if (fl->elapsed_ms <= 0) {
                        k = -EIO;
                        goto finish;
                }
                if (c->chaoslet || c->htb_only)
                        snprintf(s, sizeof(s), "  (setup %.0f ms)", setup[i]);
                /* packets per ms: kpps */
                c->rx_kpps[c->n] = (double) fl->rx / fl->elapsed_ms;
                c->tx_kpps[c->n] = (double) fl->tx / fl->elapsed_ms;
                c->setup_ms[c->n] = setup[i];
                c->teardown_ms[c->n] = teardown[i];
                fprintf(stderr, "  %-58s %8.1f kpps received, %8.1f sent%s\n", c->label, c->rx_kpps[c->n],
                        c->tx_kpps[c->n], s);
                c->n++;
        }

finish:
        for (size_t i = 0; i < N_CONFIGS; i++) {
                (void) recover(reg, &flows[i], NULL);
                flow_close(&flows[i]);
        }
        bench_pair_delete();
        /* A deleted namespace is torn down afterwards by a kernel worker (netns cleanup_net): let it finish rather
         * than share the CPUs with the next measurement. */
        usleep((useconds_t) settle_ms * 1000);
        return k;
}

/* The same family's no-fault configuration. */
static const Config *config_base(const Config *configs, const Config *c) {
        return &configs[c->family == AF_INET6 ? 0 : N_CONFIGS / 2];
}

/* Paired: the median of the per-round ratios to that round's no-fault run, which drift between rounds cancels. */
static void compute_paired(Config *configs) {
        for (size_t i = 0; i < N_CONFIGS; i++) {
                Config *c = &configs[i];
                const Config *b = config_base(configs, c);
                double v[BENCH_ROUNDS_MAX];

                if (c->n == 0 || c->n != b->n)
                        continue;
                for (unsigned j = 0; j < c->n; j++)
                        v[j] = c->rx_kpps[j] / b->rx_kpps[j];
                c->paired = bench_median(v, c->n);
        }
}

/* A sorted copy's stat: rx_kpps and tx_kpps stay in round order. */
static BenchStat stat_of(const double *v, unsigned n, bool low_tail) {
        double w[BENCH_ROUNDS_MAX];

        memcpy(w, v, n * sizeof(double));
        return low_tail ? bench_stat_low_tail(w, n) : bench_stat(w, n);
}

static void print_table(const Config *configs, unsigned rounds, unsigned seconds) {

        printf("\nSmall-UDP packets per second over a veth pair, %d-byte datagrams by sendmmsg/recvmmsg in batches of "
               "%d, %u rounds of %u s per configuration sent in %d ms slices taking turns, fresh namespaces per round\n",
               PAYLOAD, BATCH, rounds, seconds, SLICE_MS);
        bench_veth_print_machine(cpus);
        printf("| configuration                                                | received kpps, median | 1st pct | "
               "sent kpps | vs no fault | paired | setup ms |\n");
        printf("|--------------------------------------------------------------|-----------------------|---------|-"
               "----------|-------------|--------|----------|\n");
        for (size_t i = 0; i < N_CONFIGS; i++) {
                const Config *c = &configs[i];
                BenchStat rx, tx, base;
                char s[32] = "-", paired[32] = "-";

                if (c->skipped || c->n == 0) {
                        printf("| %-60s | %21s | %7s | %9s | %11s | %6s | %8s |\n", c->label, "not run", "-", "-",
                               "-", "-", "-");
                        continue;
                }
                rx = stat_of(c->rx_kpps, c->n, true);
                tx = stat_of(c->tx_kpps, c->n, true);
                base = stat_of(config_base(configs, c)->rx_kpps, config_base(configs, c)->n, true);
                if (c->chaoslet || c->htb_only) {
                        snprintf(s, sizeof(s), "%.0f", stat_of(c->setup_ms, c->n, false).median);
                        snprintf(paired, sizeof(paired), "%.1f%%", 100 * c->paired);
                }
                printf("| %-60s | %21.1f | %7.1f | %9.1f | %10.1f%% | %6s | %8s |\n", c->label, rx.median, rx.p99,
                       tx.median, 100 * rx.median / base.median, paired, s);
        }
        printf("\nreceived and sent: per second of sending. 1st pct: the 1st percentile of the runs (their minimum at "
               "this n). paired: the median of\neach round's ratio to that round's no-fault run of the same family. "
               "setup: registry_apply (maps, htb root, cls_bpf filter).\n");
        for (size_t i = 0; i < N_CONFIGS; i++) {
                const Config *c = &configs[i];

                if (c->skipped || c->n == 0) {
                        printf("not run: %s: %s\n", c->label, c->reason[0] ? c->reason : "no run recorded");
                        continue;
                }
                if (!c->chaoslet || c->hook)
                        continue;
                printf("%s: registry_recover median %.0f ms; target >= 97%% of no fault (paired): %.1f%%, %s\n",
                       c->label, stat_of(c->teardown_ms, c->n, false).median, 100 * c->paired,
                       c->paired >= 0.97 ? "met" : "NOT met");
        }
}

static int write_json(const char *path, const Config *configs, unsigned rounds, unsigned seconds) {
        cJSON *o = bench_report_new("udp-pps", "veth small-UDP packets per second, 65,536-CIDR non-matching fault",
                                    "host");
        char note[384];

        snprintf(note, sizeof(note), "%d-byte UDP datagrams over a veth pair, sendmmsg/recvmmsg in batches of %d, "
                 "sender and sink pinned to two CPUs, %u rounds of %u s per configuration sent in %d ms slices taking "
                 "turns, fresh namespaces per round; p99 column is the low tail (1st percentile, the minimum at this "
                 "n)", PAYLOAD, BATCH, rounds, seconds, SLICE_MS);
        bench_report_note(o, note);
        bench_report_note(o, "reference: the root of chaoslet's tree (htb, direct queue) alone, no filter: what is "
                          "left of a chaoslet row's cost above it is the classifier's");
        bench_report_note(o, "hook reference: the hash row's fault with its tree swapped for the same classifier, maps "
                          "and device key on a clsact egress hook, no qdisc in the way: what chaoslet would cost on "
                          "this path if a fault that needs no class installed no tree");
        bench_report_note(o, "received and sent: datagrams per second of sending, at the sink and at the sender");
        bench_report_note(o, "paired: median over rounds of the run's ratio to the same round's no-fault run");
        for (size_t i = 0; i < N_CONFIGS; i++) {
                const Config *c = &configs[i], *b = config_base(configs, c);
                char fig[160], base_rx[128], base_tx[128];

                if (c->skipped || c->n == 0) {
                        snprintf(note, sizeof(note), "not run: %s: %s", c->label,
                                 c->reason[0] ? c->reason : "no run recorded");
                        bench_report_note(o, note);
                        continue;
                }
                snprintf(base_rx, sizeof(base_rx), "%s, received", b->label);
                snprintf(base_tx, sizeof(base_tx), "%s, sent", b->label);
                snprintf(fig, sizeof(fig), "%s, received", c->label);
                bench_report_row(o, fig, "kpps", stat_of(c->rx_kpps, c->n, true), c != b ? base_rx : NULL,
                                 stat_of(b->rx_kpps, b->n, true), NULL, -1);
                snprintf(fig, sizeof(fig), "%s, sent", c->label);
                bench_report_row(o, fig, "kpps", stat_of(c->tx_kpps, c->n, true), c != b ? base_tx : NULL,
                                 stat_of(b->tx_kpps, b->n, true), NULL, -1);
                if (c != b && c->n == b->n) {
                        double v[BENCH_ROUNDS_MAX];

                        for (unsigned j = 0; j < c->n; j++)
                                v[j] = 100 * c->rx_kpps[j] / b->rx_kpps[j];
                        snprintf(fig, sizeof(fig), "%s, paired ratio to no fault", c->label);
                        /* The reference is no target of chaoslet's, only where its cost comes from. */
                        bench_report_row(o, fig, "%", bench_stat_low_tail(v, c->n), NULL, (BenchStat) {},
                                         c->chaoslet && !c->hook ? ">= 97% of no fault" : NULL,
                                         c->paired >= 0.97);
                }
                if (c->chaoslet && c->n == b->n) {
                        snprintf(fig, sizeof(fig), "%s, registry_apply", c->label);
                        bench_report_row(o, fig, "ms", stat_of(c->setup_ms, c->n, false), NULL, (BenchStat) {}, NULL,
                                         -1);
                }
        }
        return bench_report_write(o, path);
}

static void help(void) {
        printf("usage: bench-udp-pps [--rounds N (5)] [--seconds S (3)] [--quick] [--json FILE] [--verbose]\n"
               "  --quick      2 rounds of 1 s (the performance suite's mode, tests/bench/run)\n"
               "  --json FILE  also write the report contract's object (tests/bench/bench-report.h) to FILE\n");
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                BENCH_VETH_OPTIONS,
                {},
        };
        static Config configs[N_CONFIGS] = {
                { .family = AF_INET6, .label = "IPv6 no fault" },
                { .family = AF_INET6, .htb_only = true, .label = "IPv6 reference: htb root alone, no filter" },
                { .family = AF_INET6, .chaoslet = true, .label = "IPv6 chaoslet: 65,536 CIDRs, 2 lengths (hash)" },
                { .family = AF_INET6, .chaoslet = true, .trie = true,
                  .label = "IPv6 chaoslet: 65,536 CIDRs, 6 lengths (LPM trie)" },
                { .family = AF_INET6, .chaoslet = true, .hook = true,
                  .label = "IPv6 hook reference: the hash row's classifier on clsact, no htb" },
                { .family = AF_INET, .label = "IPv4 no fault" },
                { .family = AF_INET, .htb_only = true, .label = "IPv4 reference: htb root alone, no filter" },
                { .family = AF_INET, .chaoslet = true, .label = "IPv4 chaoslet: 65,536 CIDRs, 2 lengths (hash)" },
                { .family = AF_INET, .chaoslet = true, .trie = true,
                  .label = "IPv4 chaoslet: 65,536 CIDRs, 6 lengths (LPM trie)" },
                { .family = AF_INET, .chaoslet = true, .hook = true,
                  .label = "IPv4 hook reference: the hash row's classifier on clsact, no htb" },
        };
        Cidr *sets[N_CONFIGS] = {};
        unsigned rounds = 5, seconds = 3, seq = 0;
        int settle_ms = SETTLE_MS;
        const char *json = NULL;
        BenchAgent agent = {};
        int opt, k, r = 1;

        log_set_max_level(LOG_WARNING);
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'q':
                        rounds = 2;
                        seconds = 1;
                        settle_ms = SETTLE_QUICK_MS;
                        break;
                default:
                        k = bench_veth_option(opt, optarg, 1, &rounds, &seconds, &json, help);
                        if (k >= 0)
                                return k;
                }
        if (optind < argc) {
                help();
                return 2;
        }

        k = bench_need_root();
        if (k == 0)
                k = bench_agent_open(&agent, cpus);
        if (k != 0)
                return k;

        for (size_t i = 0; i < N_CONFIGS; i++) {
                if (!configs[i].chaoslet)
                        continue;
                sets[i] = bench_cidr_set_new(configs[i].family, configs[i].trie);
                if (!sets[i])
                        goto finish;
                configs[i].cidrs = sets[i];
        }

        if (bench_agent_registry(&agent) < 0)
                goto finish;

        for (unsigned round = 0; round < rounds; round++) {
                fprintf(stderr, "round %u/%u:\n", round + 1, rounds);
                k = round_run(configs, &agent.reg, &seq, seconds, settle_ms, round == 0);
                if (k < 0) {
                        fprintf(stderr, "bench-udp-pps: round %u failed: %s\n", round + 1, strerror(-k));
                        goto finish;
                }
        }

        compute_paired(configs);
        print_table(configs, rounds, seconds);
        if (json && write_json(json, configs, rounds, seconds) < 0)
                goto finish;
        /* Per family, with the first set that could be applied here; and the hook reference's, which must be on the
         * path too, or its figure would flatter. */
        for (size_t family = 0; family < 2; family++) {
                for (size_t i = family * N_CONFIGS / 2; i < (family + 1) * N_CONFIGS / 2; i++)
                        if (configs[i].chaoslet && !configs[i].hook && !configs[i].skipped) {
                                if (control(&agent.reg, &configs[i], seq++) < 0)
                                        goto finish;
                                break;
                        }
                for (size_t i = family * N_CONFIGS / 2; i < (family + 1) * N_CONFIGS / 2; i++)
                        if (configs[i].hook && !configs[i].skipped && control(&agent.reg, &configs[i], seq++) < 0)
                                goto finish;
        }
        r = 0;

finish:
        bench_agent_done(&agent);
        for (size_t i = 0; i < N_CONFIGS; i++)
                free(sets[i]);
        return r;
}
