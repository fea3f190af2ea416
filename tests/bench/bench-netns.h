/* SPDX-License-Identifier: MIT */
/* What the veth benchmarks (bench-throughput, bench-udp-pps) share: children in process groups of their own, with a
 * timeout; a fresh pair of namespaces joined by a veth pair, deleted on every exit path, signals included; the
 * sender's and the sink's CPUs; a partition fault of a large CIDR set applied through the agent's own code
 * (registry_apply(), as fault.apply does); and the rest of their mains alike: the options both take, the root
 * check, the classifier and registry (BenchAgent) from start to end, the machine line of the table. Header-only,
 * as bench-report.h: each benchmark is one file. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/pkt_sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-report.h"
#include "bench-util.h"
#include "cidr.h"
#include "device.h"
#include "filter.h"
#include "ifb.h"
#include "loader.h"
#include "log.h"
#include "macro.h"
#include "netns.h"
#include "probe.h"
#include "registry.h"
#include "rtnl.h"
#include "tree.h"

extern char *program_invocation_short_name;

#define BENCH_CMD_TIMEOUT_MS 30000      /* ip, ethtool, a --compare command's setup */
#define BENCH_N_CIDRS 65536
#define BENCH_PAIRS_MAX 12              /* live at once: bench-udp-pps has 10 */
#define BENCH_ROUNDS_MAX 50             /* --rounds */
#define BENCH_SECONDS_MAX 60            /* --seconds */

/* What a signal handler must undo: our children (each leads its own process group) and our namespaces. Fixed
 * arrays, so the handler touches no allocator. */
static volatile pid_t bench_live_children[8];
static char bench_live_netns[2 * BENCH_PAIRS_MAX][PATH_MAX];

/* What `ip netns del` does: detach the bind mount that keeps the namespace alive, and remove the file. */
static inline void bench_netns_forget(size_t slot) {
        if (!bench_live_netns[slot][0])
                return;
        (void) umount2(bench_live_netns[slot], MNT_DETACH);
        (void) unlink(bench_live_netns[slot]);
        bench_live_netns[slot][0] = '\0';
}

static inline void bench_cleanup_async(void) {
        for (size_t i = 0; i < ELEMENTSOF(bench_live_children); i++)
                if (bench_live_children[i] > 0)
                        (void) kill(-bench_live_children[i], SIGKILL);
        for (size_t i = 0; i < ELEMENTSOF(bench_live_netns); i++)
                bench_netns_forget(i);
}

static inline void bench_on_fatal_signal(int sig) {
        bench_cleanup_async();
        _exit(128 + sig);
}

/* Before the first namespace exists. */
static inline void bench_signals_install(void) {
        signal(SIGINT, bench_on_fatal_signal);
        signal(SIGTERM, bench_on_fatal_signal);
        signal(SIGHUP, bench_on_fatal_signal);
        signal(SIGPIPE, SIG_IGN);
}

static inline void bench_child_track(pid_t pid, bool live) {
        for (size_t i = 0; i < ELEMENTSOF(bench_live_children); i++)
                if (live ? bench_live_children[i] == 0 : bench_live_children[i] == pid) {
                        bench_live_children[i] = live ? pid : 0;
                        return;
                }
}

/* Start argv in a process group of its own, stdout to out_fd and stderr to err_fd (or ours when -1). */
static inline int bench_spawn_full(char *const argv[], int out_fd, int err_fd, pid_t *ret_pid) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        pid_t pid;
        int k;

        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        if (out_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        if (err_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
        k = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (k != 0)
                return k > 0 ? -k : -EIO;       /* an errno number; said so that callers' k < 0 covers every failure */
        bench_child_track(pid, true);
        *ret_pid = pid;
        return 0;
}

static inline int bench_spawn(char *const argv[], int out_fd, pid_t *ret_pid) {
        return bench_spawn_full(argv, out_fd, -1, ret_pid);
}

/* Reap pid within timeout_ms, or kill its group and reap it (-ETIMEDOUT). Returns the exit status, 128+signal. */
static inline int bench_wait_child(pid_t pid, int timeout_ms) {
        _cleanup_close_ int pfd = (int) syscall(SYS_pidfd_open, pid, 0);
        int status, k = 0;

        if (pfd >= 0) {
                struct pollfd p = { .fd = pfd, .events = POLLIN };
                double deadline = bench_now_ms() + timeout_ms;

                for (;;) {
                        int left = (int) (deadline - bench_now_ms()), n;

                        if (left <= 0) {
                                (void) kill(-pid, SIGKILL);
                                k = -ETIMEDOUT;
                                break;
                        }
                        n = poll(&p, 1, left);
                        if (n > 0 || (n < 0 && errno != EINTR))
                                break;
                }
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        bench_child_track(pid, false);
                        return -errno;
                }
        bench_child_track(pid, false);
        if (k < 0)
                return k;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline int bench_run(char *const argv[], int timeout_ms) {
        pid_t pid;
        int k;

        k = bench_spawn(argv, -1, &pid);
        if (k < 0)
                return k;
        return bench_wait_child(pid, timeout_ms);
}

#define BENCH_RUN(...) bench_run((char *const[]) { __VA_ARGS__, NULL }, BENCH_CMD_TIMEOUT_MS)

/* Sender and sink CPUs: the first two this process may use, or its one twice. The scheduler's own placement
 * varies from run to run, and the throughput with it: by a quarter on a 2-CPU machine (same CPU or not). */
static inline void bench_cpus_pick(int cpus[static 2]) {
        cpu_set_t set;
        int n = 0;

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return;
        for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
                if (CPU_ISSET(i, &set))
                        cpus[n++] = i;
        if (n == 1)
                cpus[1] = cpus[0];
}

static inline void bench_cpu_model(char *buf, size_t len) {
        _cleanup_free_ char *line = NULL;
        size_t n = 0;
        FILE *f = fopen("/proc/cpuinfo", "re");

        snprintf(buf, len, "unknown CPU");
        if (!f)
                return;
        while (getline(&line, &n, f) > 0)
                if (strncmp(line, "model name", 10) == 0) {
                        char *v = strchr(line, ':');
                        if (v) {
                                v += strspn(v + 1, " \t") + 1;
                                v[strcspn(v, "\n")] = '\0';
                                snprintf(buf, len, "%s", v);
                        }
                        break;
                }
        fclose(f);
}

/* Sorts v. */
static inline double bench_median(double *v, unsigned n) {
        qsort(v, n, sizeof(double), bench_cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct BenchPair {
        char sender[64], sink[64];
} BenchPair;

/* Every live pair's. */
static inline void bench_pair_delete(void) {
        /* Our children in the namespaces have all been reaped by now, so nothing keeps them alive. */
        bench_cleanup_async();
}

/* Two namespaces joined by a veth pair: the sender's to-b (2001:db8::1/64, 192.0.2.1/24), the sink's to-a
 * (2001:db8::2/64, 192.0.2.2/24). no_offload: TSO and GSO off on the sender, GRO off on the sink (ethtool).
 *
 * Each end knows the other's link-layer address from the start (permanent neighbour entries): on a fresh pair the
 * first IPv6 neighbour solicitation is lost while the link comes up, and resolution waits a second for the
 * retransmission (RetransTimer), holding meanwhile what is sent in the neighbour's queue. */
#define BENCH_MAC_SENDER "02:00:00:00:00:0a"
#define BENCH_MAC_SINK "02:00:00:00:00:0b"

static inline int bench_pair_make(unsigned seq, bool no_offload, BenchPair *ret) {
        BenchPair p = {};
        size_t slot = 0;
        int k;

        while (slot < ELEMENTSOF(bench_live_netns) && bench_live_netns[slot][0])
                slot += 2;
        if (slot >= ELEMENTSOF(bench_live_netns))
                return -ENOSPC;
        snprintf(p.sender, sizeof(p.sender), "cl-%d-%u-a", (int) getpid(), seq);
        snprintf(p.sink, sizeof(p.sink), "cl-%d-%u-b", (int) getpid(), seq);
        /* Recorded before they exist, so a signal that comes in between still deletes them. */
        snprintf(bench_live_netns[slot], sizeof(bench_live_netns[slot]), "/run/netns/%s", p.sender);
        snprintf(bench_live_netns[slot + 1], sizeof(bench_live_netns[slot + 1]), "/run/netns/%s", p.sink);

        /* nodad: the addresses are usable at once instead of after duplicate address detection. */
        if ((k = BENCH_RUN("ip", "netns", "add", p.sender)) != 0 || (k = BENCH_RUN("ip", "netns", "add", p.sink)) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sender, "link", "set", "lo", "up")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sink, "link", "set", "lo", "up")) != 0 ||
            (k = BENCH_RUN("ip", "link", "add", "to-b", "netns", p.sender, "address", BENCH_MAC_SENDER, "type", "veth",
                           "peer", "name", "to-a", "netns", p.sink, "address", BENCH_MAC_SINK)) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sender, "neigh", "add", "2001:db8::2", "lladdr", BENCH_MAC_SINK, "dev", "to-b",
                           "nud", "permanent")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sender, "neigh", "add", "192.0.2.2", "lladdr", BENCH_MAC_SINK, "dev", "to-b",
                           "nud", "permanent")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sink, "neigh", "add", "2001:db8::1", "lladdr", BENCH_MAC_SENDER, "dev", "to-a",
                           "nud", "permanent")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sink, "neigh", "add", "192.0.2.1", "lladdr", BENCH_MAC_SENDER, "dev", "to-a",
                           "nud", "permanent")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sender, "addr", "add", "2001:db8::1/64", "dev", "to-b", "nodad")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sink, "addr", "add", "2001:db8::2/64", "dev", "to-a", "nodad")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sender, "addr", "add", "192.0.2.1/24", "dev", "to-b")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sink, "addr", "add", "192.0.2.2/24", "dev", "to-a")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sender, "link", "set", "to-b", "up")) != 0 ||
            (k = BENCH_RUN("ip", "-n", p.sink, "link", "set", "to-a", "up")) != 0 ||
            (no_offload && ((k = BENCH_RUN("ip", "netns", "exec", p.sender, "ethtool", "-K", "to-b", "tso", "off",
                                           "gso", "off")) != 0 ||
                            (k = BENCH_RUN("ip", "netns", "exec", p.sink, "ethtool", "-K", "to-a", "gro", "off")) != 0))) {
                fprintf(stderr, "%s: setting up namespaces %s/%s failed (%d)\n", program_invocation_short_name,
                        p.sender, p.sink, k);
                bench_netns_forget(slot);
                bench_netns_forget(slot + 1);
                return -EIO;
        }
        *ret = p;
        return 0;
}

/* A partition fault with id on the sender's egress, matching the n CIDRs (copied): it drops whatever it matches,
 * and needs no sch_netem. On failure, reason says why. */
static inline int bench_apply_partition(Registry *reg, const BenchPair *p, const char *id, const Cidr *cidrs,
                                        size_t n, Fault **ret_f, char *reason, size_t len) {
        _cleanup_(fault_spec_done) FaultSpec spec = {
                .direction = DIRECTION_EGRESS,
                .partition = true,
        };
        char path[PATH_MAX];
        RpcError err = {};
        int k;

        snprintf(spec.id, sizeof(spec.id), "%s", id);
        snprintf(path, sizeof(path), "/run/netns/%s", p->sender);
        spec.target = (FaultTarget) { .kind = TARGET_NETNS, .netns = strdup(path) };
        /* registry_apply takes the spec's allocations on success, so each fault gets a copy of its own. */
        spec.match.cidrs = malloc(n * sizeof(Cidr));
        if (!spec.target.netns || !spec.match.cidrs)
                return -ENOMEM;
        memcpy(spec.match.cidrs, cidrs, n * sizeof(Cidr));
        spec.match.n_cidrs = n;

        k = registry_apply(reg, &spec, ret_f, &err);
        if (k != 0) {
                snprintf(reason, len, "registry_apply: %d %s", err.code, err.message);
                fprintf(stderr, "%s: %s\n", program_invocation_short_name, reason);
                rpc_error_done(&err);
                return k < 0 ? k : -EIO;
        }
        return 0;
}

/* BENCH_N_CIDRS CIDRs of one family that do not cover the pair's addresses, kept in one of the classifier's two
 * ways (ebpf/classifier.h): two prefix lengths, so the per-length hash, or six, so the LPM trie.
 *  - IPv6: 2001:db8:N::/48 for N = 1..65535 and 2001:db8:0:1::/64 (hash); 2001:db8:N::/48 for N = 1..65531 and
 *    2001:db8:0:1::/64, :2::/63, :4::/62, :8::/61, :10::/60 (trie).
 *  - IPv4: /32s of 198.18.0.0/15 (RFC 2544's benchmarking range: set entries, never an address of the traffic),
 *    65,535 of them and 192.0.2.128/25 (hash); 65,531 and 192.0.2.128/25, .64/26, .32/27, .16/28, .8/29 (trie),
 *    the trie's tail beside the traffic's 192.0.2.1 and .2 as the IPv6 one is beside 2001:db8::1 and ::2.
 * NULL on a bad prefix (a bug here). */
static inline Cidr *bench_cidr_set_new(int family, bool trie) {
        static const char *const tail6[] = { "2001:db8:0:1::/64", "2001:db8:0:2::/63", "2001:db8:0:4::/62",
                                             "2001:db8:0:8::/61", "2001:db8:0:10::/60" };
        static const char *const tail4[] = { "192.0.2.128/25", "192.0.2.64/26", "192.0.2.32/27", "192.0.2.16/28",
                                             "192.0.2.8/29" };
        _cleanup_free_ Cidr *set = calloc(BENCH_N_CIDRS, sizeof(Cidr));
        unsigned n_head = trie ? BENCH_N_CIDRS - ELEMENTSOF(tail6) : BENCH_N_CIDRS - 1;

        if (!set)
                return NULL;
        for (unsigned i = 0; i < BENCH_N_CIDRS; i++) {
                char buf[64];

                if (i >= n_head)
                        snprintf(buf, sizeof(buf), "%s", family == AF_INET6 ? tail6[i - n_head] : tail4[i - n_head]);
                else if (family == AF_INET6)
                        snprintf(buf, sizeof(buf), "2001:db8:%x::/48", i + 1);
                else
                        snprintf(buf, sizeof(buf), "198.%u.%u.%u/32", 18 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
                if (cidr_from_string(buf, &set[i]) < 0) {
                        fprintf(stderr, "%s: bad CIDR %s\n", program_invocation_short_name, buf);
                        return NULL;
                }
        }
        return TAKE_PTR(set);
}

/* What chaoslet's tree needs of this kernel, probed, and the classifier loaded: 0, or 77 (this machine cannot run
 * the benchmark) with a "skip: ..." line on stdout. */
static inline int bench_classifier_open(KernelFeatures *ret_features, Classifier **ret_classifier) {
        KernelFeatures features = {};
        int k;

        k = kernel_features_probe(&features);
        if (k < 0) {
                printf("skip: probing the kernel's features failed: %s\n", strerror(-k));
                return 77;
        }
        if (!features.has[FEATURE_SCH_HTB] || !features.has[FEATURE_CLS_BPF]) {
                printf("skip: this kernel lacks %s, which chaoslet's tree needs\n",
                       !features.has[FEATURE_SCH_HTB] ? "sch_htb" : "cls_bpf");
                return 77;
        }
        k = classifier_load(ret_classifier);
        if (k < 0) {
                printf("skip: the classifier does not load here: %s\n", strerror(-k));
                return 77;
        }
        features.has[FEATURE_BPF] = true;
        *ret_features = features;
        return 0;
}

/* The reference that says what would meet the data-path targets: a fault's tree (applied by registry_apply) swapped,
 * in one batch, for the same program with the same maps and device key on a clsact egress hook, so that no qdisc
 * stands in the packets' way (a veth's own is noqueue) and the classifier's work is all that is left. Whatever
 * bench_hook_undo() and registry_recover() find afterwards, they remove; the latter's root delete then finds none,
 * which it tolerates. A bench's measurement, not a layout chaoslet installs. */
#define BENCH_HOOK_FILTER_NAME "chaoslet-bench-hook"

static inline int bench_hook_batch(const BenchPair *p, int ifindex, bool install, uint16_t key, int prog_fd) {
        _cleanup_(rtnl_freep) Rtnl *rtnl = NULL;
        _cleanup_close_ int fd = -EBADF;
        char path[PATH_MAX];
        int k;

        snprintf(path, sizeof(path), "/run/netns/%s", p->sender);
        k = netns_open_path(path, &fd, NULL, NULL);
        if (k >= 0)
                k = rtnl_open_in_netns(fd, &rtnl);
        if (k < 0)
                return k;
        if (!install)
                return rtnl_batch_commit_queued(rtnl, ingress_queue_clsact_del(rtnl, ifindex), NULL);
        if (tree_queue_root_del(rtnl, ifindex) < 0 || ingress_queue_clsact_add(rtnl, ifindex) < 0 ||
            filter_queue_bpf_add(rtnl, &(FilterBpf) {
                    .ifindex = ifindex,
                    .parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS),
                    .prio = TREE_FILTER_PRIO,
                    .prog_fd = prog_fd,
                    .name = BENCH_HOOK_FILTER_NAME,
                    .direct_action = true,
                    .classid = TREE_ROOT_HANDLE | key,  /* the program learns its device from the minor */
            }) < 0)
                return -ENOBUFS;
        return rtnl_batch_commit(rtnl, NULL, NULL);
}

static inline int bench_hook_instead_of_tree(Registry *reg, const BenchPair *p, const Fault *f) {
        const Device *d = f->devices[0].device;
        int k = bench_hook_batch(p, d->ifindex, true, d->key, classifier_prog_fd(reg->classifier));

        if (k < 0)
                fprintf(stderr, "%s: the clsact hook reference on %s failed: %s\n", program_invocation_short_name,
                        p->sender, strerror(-k));
        return k;
}

static inline void bench_hook_undo(const BenchPair *p, const Fault *f) {
        (void) bench_hook_batch(p, f->devices[0].device->ifindex, false, 0, -EBADF);
}

/* The options both veth benchmarks take, the head of their getopt_long() tables: BENCH_OPTIONS, --rounds N,
 * --seconds S and --verbose (the agent's code logs at debug level). */
#define BENCH_VETH_OPTIONS                                  \
        BENCH_OPTIONS,                                      \
        { "rounds", required_argument, NULL, 'r' },         \
        { "seconds", required_argument, NULL, 's' },        \
        { "verbose", no_argument, NULL, 'v' }

/* 0, or 77 with a "skip: ..." line on stdout when this process may not make namespaces or load BPF. */
static inline int bench_need_root(void) {
        if (geteuid() == 0)
                return 0;
        printf("skip: needs root for network namespaces, cls_bpf and BPF maps\n");
        return 77;
}

/* The agent's own code that a veth benchmark applies its faults through, as chaosletd holds it: the kernel's
 * features, the classifier, and a registry over them. */
typedef struct BenchAgent {
        KernelFeatures features;
        Classifier *classifier;
        Registry reg;
        bool reg_live;
} BenchAgent;

/* The start of a veth benchmark, its options read, before its first namespace: stdout by lines (a table's rows
 * show as they come), the sender's and sink's CPUs, libbpf's messages routed into the log, the signal handler, and
 * the classifier (bench_classifier_open(): 0, or 77). */
static inline int bench_agent_open(BenchAgent *a, int cpus[static 2]) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        bench_cpus_pick(cpus);
        classifier_setup_logging();
        bench_signals_install();
        return bench_classifier_open(&a->features, &a->classifier);
}

/* The registry that the faults go in through, as fault.apply's do; a failure is said here. */
static inline int bench_agent_registry(BenchAgent *a) {
        int k;

        k = registry_init(&a->reg, a->classifier, &a->features, 3600ll * 1000000000);
        if (k < 0) {
                fprintf(stderr, "%s: registry_init: %s\n", program_invocation_short_name, strerror(-k));
                return k;
        }
        a->reg_live = true;
        return 0;
}

/* Every exit path's, once bench_agent_open() has run: the registry, the classifier, and what is left of our
 * namespaces and children. */
static inline void bench_agent_done(BenchAgent *a) {
        if (a->reg_live)
                registry_done(&a->reg);
        a->reg_live = false;
        a->classifier = classifier_free(a->classifier);
        bench_cleanup_async();
}

/* Option arg as a whole number in [min, max], or -ERANGE with "NAME wants MIN..MAX" said. */
static inline int bench_opt_range(const char *name, const char *arg, unsigned min, unsigned max,
                                  unsigned *ret) {
        unsigned v = (unsigned) atoi(arg);

        if (v < min || v > max) {
                fprintf(stderr, "%s: %s wants %u..%u\n", program_invocation_short_name, name, min, max);
                return -ERANGE;
        }
        *ret = v;
        return 0;
}

/* The default of a veth benchmark's option switch: what BENCH_VETH_OPTIONS hold and every veth benchmark reads
 * alike, --rounds (rounds_min..BENCH_ROUNDS_MAX), --seconds and --verbose, then bench_opt_default(). Returns -1
 * when it took opt, else what main returns: 0 after --help, 2 on a usage error (said). */
static inline int bench_veth_option(int opt, const char *arg, unsigned rounds_min, unsigned *rounds,
                                    unsigned *seconds, const char **json, void (*help)(void)) {
        switch (opt) {
        case 'r':
                return bench_opt_range("--rounds", arg, rounds_min, BENCH_ROUNDS_MAX, rounds) < 0 ? 2 : -1;
        case 's':
                return bench_opt_range("--seconds", arg, 1, BENCH_SECONDS_MAX, seconds) < 0 ? 2 : -1;
        case 'v':
                log_set_max_level(LOG_DEBUG);
                return -1;
        default:
                return bench_opt_default(opt, arg, json, help);
        }
}

/* The table's second line: the machine, and the CPUs of the sender and of the sink. */
static inline void bench_veth_print_machine(const int cpus[static 2]) {
        char model[128];
        struct utsname un;

        uname(&un);
        bench_cpu_model(model, sizeof(model));
        printf("kernel %s, %ld CPUs (%s); sender on CPU %d, sink on CPU %d\n\n", un.release,
               sysconf(_SC_NPROCESSORS_ONLN), model, cpus[0], cpus[1]);
}
