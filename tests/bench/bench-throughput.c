/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: single-stream TCP throughput over an IPv6 veth pair (2001:db8::1 -> 2001:db8::2) with no
 * fault, against the same with one chaoslet fault whose match holds 65,536 IPv6 CIDRs, none of which covers the
 * traffic (2001:db8:0:0::/64). The fault is a partition, so it would drop whatever it matched; it matches nothing,
 * so what it costs is chaoslet's tree and the classifier's work on every packet. Prints a table with the median of
 * each configuration and its ratio to no fault.
 *
 * Two sets of 65,536, because the classifier keeps a set in one of two ways (ebpf/classifier.h):
 *  - 2001:db8:N::/48 for N = 1..65535 and 2001:db8:0:1::/64: two prefix lengths, so the per-length hash;
 *  - 2001:db8:N::/48 for N = 1..65531 and 2001:db8:0:1::/64, :2::/63, :4::/62, :8::/61, :10::/60: six lengths, so
 *    the LPM trie.
 * A reference, the hook, is the hash set's fault with its tree swapped for the same classifier on a clsact egress
 * hook (bench_hook_instead_of_tree(), bench-netns.h): what a fault that needs no class would cost without a tree.
 * A closing control applies a fault whose set does cover the traffic, and checks that it stops it, on the tree and
 * on the hook: the filter is on the traffic's path.
 *
 *   bench-throughput [--rounds N] [--seconds S] [--quick] [--json FILE] [--tcpblast PATH] [--no-offload]
 *                    [--compare LABEL=COMMAND]... [--verbose]
 *
 * --quick is the performance suite's mode (tests/bench/run): 5 rounds of 2 s and the per-length-hash set only, about
 * a minute. --json FILE writes the report contract's object (bench-report.h): per configuration its Gbit/s against
 * no fault (median and the 1st percentile, the low tail, as "p99"), and for chaoslet the paired ratio against the
 * target of >= 97%.
 *
 * With veth's offloads on, the sender's packets are 64 KiB TSO super-packets, and what a classifier costs per
 * packet hides behind the copying of 64 KiB; --no-offload turns TSO, GSO and GRO off, so every 1500-byte packet is
 * classified on its own and the per-packet cost shows as it would with many small messages.
 *
 * The fault goes in through the agent's own code (registry_apply(), as fault.apply does), not over the socket: a
 * JSON-RPC line cannot carry 65,536 distinct documentation-range IPv6 CIDRs within the protocol's 1 MiB limit.
 *
 * Every run gets a fresh pair of namespaces, made here and deleted after it (and on every exit path, signals
 * included), so no configuration inherits state from another: netfilter, for one, keeps a table's hooks in a
 * namespace once it has been used there. Runs interleave (no fault, fault, [compare...], no fault, fault, ...) so
 * drift on a shared machine hits all alike.
 *
 * --compare adds a configuration set up by an external command, run as `sh -c 'COMMAND "$@"' sh NETNS DEVICE` in
 * the sender's fresh namespace before the transfer (tests/bench/chaosd-select.sh: the chaos-daemon way, ipset and
 * iptables). Its time is reported as the setup time. A command that exits 77 drops its configuration, with the
 * reason it printed.
 *
 * Exit status: 0, 1 on a failure, 2 on a usage error, 77 when this machine cannot run it (not root, no cls_bpf,
 * no htb, classifier not loadable). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench-netns.h"
#include "bench-report.h"
#include "cidr.h"
#include "loader.h"
#include "log.h"
#include "macro.h"
#include "probe.h"
#include "registry.h"

#define N_CIDRS BENCH_N_CIDRS
#define ROUNDS_MIN 3
#define COMPARE_MAX 4
#define CONFIGS_MAX (4 + COMPARE_MAX)
#define SINK_ADDR "[2001:db8::2]:5201"
#define FAULT_ID "bench-throughput"
#define HOOK_TIMEOUT_MS 120000          /* loading 65,536 set entries takes seconds in user-mode Linux */
#define SETTLE_MS 500

typedef enum ConfigKind {
        CONFIG_NONE,
        CONFIG_CHAOSLET,
        CONFIG_COMPARE,
} ConfigKind;

typedef struct Config {
        ConfigKind kind;
        char label[96];
        const char *command;            /* CONFIG_COMPARE */
        const Cidr *cidrs;              /* CONFIG_CHAOSLET: N_CIDRS of them */
        bool hook;                      /* CONFIG_CHAOSLET, the reference: its classifier on a clsact egress hook
                                         * instead of its tree (bench_hook_instead_of_tree()) */
        bool skipped;
        char reason[320];               /* why skipped */
        double gbit[BENCH_ROUNDS_MAX];
        double gbit_round[BENCH_ROUNDS_MAX]; /* gbit in round order (print_table sorts gbit) */
        double setup_ms[BENCH_ROUNDS_MAX];
        double teardown_ms[BENCH_ROUNDS_MAX];
        unsigned n;
        double paired;          /* median of gbit[i] / the no-fault gbit[i] of the same round */
} Config;

/* --no-offload: the sender's TSO and GSO and the sink's GRO off, so every packet is one MTU (1500 bytes) and not a
 * 64 KiB TSO super-packet: about 40 times more packets for the same bytes, and each is classified. */
static bool no_offload;

/* Sender and sink CPUs: bench_cpus_pick(). */
static int cpus[2];

/* One transfer of `seconds` from the sender to the sink; the sink's figure (accept to EOF) is the result. */
static int transfer(const BenchPair *p, const char *tcpblast, unsigned seconds, double *ret_gbit) {
        char secs[16], timeout[16], send_cpu[16], sink_cpu[16], out[512];
        int pipefd[2], k, ks;
        pid_t sink, send;
        size_t len = 0;
        const char *g;

        snprintf(send_cpu, sizeof(send_cpu), "%d", cpus[0]);
        snprintf(sink_cpu, sizeof(sink_cpu), "%d", cpus[1]);
        snprintf(secs, sizeof(secs), "%u", seconds);
        snprintf(timeout, sizeof(timeout), "%u", seconds + 30);
        _cleanup_close_ int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        _cleanup_close_ int rfd = pipefd[0];
        k = bench_spawn((char *const[]) { "ip", "netns", "exec", (char *) p->sink, (char *) tcpblast, "sink", "--bind",
                                    SINK_ADDR, "--timeout", timeout, "--cpu", sink_cpu, NULL },
                  pipefd[1], &sink);
        safe_close(pipefd[1]);
        if (k < 0)
                return k;
        k = bench_spawn((char *const[]) { "ip", "netns", "exec", (char *) p->sender, (char *) tcpblast, "send", "--to",
                                    SINK_ADDR, "--seconds", secs, "--cpu", send_cpu, NULL },
                  devnull, &send);
        if (k < 0) {
                (void) kill(-sink, SIGKILL);
                (void) bench_wait_child(sink, 1000);
                return k;
        }
        /* Both are bounded themselves; these limits only catch a tool that is broken. */
        k = bench_wait_child(send, (int) (seconds + 40) * 1000);
        for (;;) {
                struct pollfd pfd = { .fd = rfd, .events = POLLIN };
                ssize_t n;

                if (poll(&pfd, 1, 15000) <= 0)
                        break;
                n = read(rfd, out + len, sizeof(out) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t) n;
                if (len == sizeof(out) - 1)
                        break;
        }
        out[len] = '\0';
        ks = bench_wait_child(sink, 15000);
        if (k != 0 || ks != 0) {
                fprintf(stderr, "bench-throughput: tcpblast failed (send %d, sink %d)\n", k, ks);
                return -EIO;
        }
        g = strstr(out, "\"gbit_per_s\":");
        if (!g) {
                fprintf(stderr, "bench-throughput: unexpected sink output: %s\n", out);
                return -EBADMSG;
        }
        *ret_gbit = strtod(g + strlen("\"gbit_per_s\":"), NULL);
        return 0;
}

/* sh -c 'COMMAND "$@"' sh NETNS to-b: 0, 77 (this machine cannot), or a failure. Its output goes to our stderr;
 * its "skip: ..." line, if any, becomes c->reason. */
static int run_compare(Config *c, const BenchPair *p) {
        char script[1024], out[4096];
        int pipefd[2], k;
        double deadline = bench_now_ms() + HOOK_TIMEOUT_MS;
        size_t len = 0;
        const char *skip;
        pid_t pid;

        snprintf(script, sizeof(script), "%s \"$@\"", c->command);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        _cleanup_close_ int rfd = pipefd[0];
        k = bench_spawn((char *const[]) { "/bin/sh", "-c", script, "sh", (char *) p->sender, "to-b", NULL }, pipefd[1],
                  &pid);
        safe_close(pipefd[1]);
        if (k < 0)
                return k;
        for (;;) {
                struct pollfd pfd = { .fd = rfd, .events = POLLIN };
                char buf[512];
                ssize_t n;
                int left = (int) (deadline - bench_now_ms());

                if (left <= 0 || poll(&pfd, 1, left) <= 0)
                        break;
                n = read(rfd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                fwrite(buf, 1, (size_t) n, stderr);
                if (len + (size_t) n < sizeof(out)) {
                        memcpy(out + len, buf, (size_t) n);
                        len += (size_t) n;
                }
        }
        out[len] = '\0';
        k = bench_wait_child(pid, (int) (deadline - bench_now_ms()) > 0 ? (int) (deadline - bench_now_ms()) : 1);
        skip = strstr(out, "skip: ");
        if (k == 77 && skip)
                snprintf(c->reason, sizeof(c->reason), "%.*s", (int) strcspn(skip + 6, "\n"), skip + 6);
        return k;
}

/* Whether the fault is on the traffic's path at all: the same fault with 2001:db8::/64 in place of its last
 * CIDR (same prefix lengths but one, so the same kind of set) must partition the transfer (the sender's connect
 * gives up), and its counters must show the drops. */
static int control(Registry *reg, const Cidr *cidrs, bool hook, unsigned seq, const char *tcpblast) {
        _cleanup_free_ Cidr *covering = malloc(N_CIDRS * sizeof(Cidr));
        _cleanup_close_ int devnull = -EBADF;
        struct classifier_counters cnt = {};
        char reason[320];
        RpcError err = {};
        Fault *f = NULL;
        pid_t sink, send;
        int ks, kd, k;
        BenchPair p;

        if (!covering)
                return -ENOMEM;
        memcpy(covering, cidrs, N_CIDRS * sizeof(Cidr));
        if (cidr_from_string("2001:db8::/64", &covering[N_CIDRS - 1]) < 0)
                return -EINVAL;
        k = bench_pair_make(seq, no_offload, &p);
        if (k < 0)
                return k;
        k = bench_apply_partition(reg, &p, FAULT_ID, covering, N_CIDRS, &f, reason, sizeof(reason));
        if (k >= 0 && hook)
                k = bench_hook_instead_of_tree(reg, &p, f);
        if (k < 0)
                goto finish;
        /* Both fail by design (the sender's connect times out after 5 s, the sink's wait after 6): quiet. */
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (devnull < 0) {
                k = -errno;
                goto finish;
        }
        k = bench_spawn_full((char *const[]) { "ip", "netns", "exec", p.sink, (char *) tcpblast, "sink", "--bind",
                                         SINK_ADDR, "--timeout", "6", NULL },
                       devnull, devnull, &sink);
        if (k < 0)
                goto finish;
        k = bench_spawn_full((char *const[]) { "ip", "netns", "exec", p.sender, (char *) tcpblast, "send", "--to",
                                         SINK_ADDR, "--seconds", "1", NULL },
                       devnull, devnull, &send);
        if (k < 0) {
                (void) kill(-sink, SIGKILL);
                (void) bench_wait_child(sink, 1000);
                goto finish;
        }
        kd = bench_wait_child(send, 20000);
        ks = bench_wait_child(sink, 20000);
        if (classifier_counters_read(reg->classifier, f->counter_key, &cnt) < 0)
                k = -EIO;
        else if (kd == 0 || ks == 0 || cnt.dropped_packets == 0) {
                fprintf(stderr, "bench-throughput: control: a fault covering the traffic did not stop it (sender %d, "
                        "sink %d, %llu packets dropped): the classifier is not on the path\n",
                        kd, ks, (unsigned long long) cnt.dropped_packets);
                k = -EBADE;
        } else
                printf("control%s: the same fault with 2001:db8::/64 in place of its last CIDR stops the transfer "
                       "(%llu packets dropped by the classifier): it is on the traffic's path\n",
                       hook ? " on the clsact hook" : "", (unsigned long long) cnt.dropped_packets);

finish:
        if (f && hook)
                bench_hook_undo(&p, f);
        if (f && registry_recover(reg, FAULT_ID, &err) != 0 && k >= 0)
                k = -EIO;
        rpc_error_done(&err);
        bench_pair_delete();
        return k;
}

static int run_one(Config *c, Registry *reg, unsigned seq, const char *tcpblast, unsigned seconds, bool record) {
        Fault *f = NULL;
        double t0, setup = 0, teardown = 0, gbit = 0;
        BenchPair p;
        int k;

        k = bench_pair_make(seq, no_offload, &p);
        if (k < 0)
                return k;

        t0 = bench_now_ms();
        if (c->kind == CONFIG_CHAOSLET) {
                k = bench_apply_partition(reg, &p, FAULT_ID, c->cidrs, N_CIDRS, &f, c->reason, sizeof(c->reason));
                if (k >= 0 && c->hook)
                        k = bench_hook_instead_of_tree(reg, &p, f);
                if (k < 0 && c->n == 0) {
                        /* Not this benchmark's failure but the agent's, on this kernel: say so in the table, and
                         * measure the rest. */
                        fprintf(stderr, "bench-throughput: '%s' cannot be applied here; dropped\n", c->label);
                        c->skipped = true;
                        bench_pair_delete();
                        return 0;
                }
        } else if (c->kind == CONFIG_COMPARE) {
                k = run_compare(c, &p);
                if (k == 77) {
                        fprintf(stderr, "bench-throughput: '%s' cannot run here; dropped\n", c->label);
                        if (!c->reason[0])
                                snprintf(c->reason, sizeof(c->reason), "its setup exited 77");
                        c->skipped = true;
                        bench_pair_delete();
                        return 0;
                }
                if (k != 0) {
                        fprintf(stderr, "bench-throughput: '%s' setup failed (%d)\n", c->label, k);
                        k = -EIO;
                }
        }
        setup = bench_now_ms() - t0;
        if (k < 0)
                goto finish;
        if (c->kind != CONFIG_NONE && log_get_max_level() >= LOG_DEBUG) {
                (void) BENCH_RUN("tc", "-n", p.sender, "qdisc", "show", "dev", "to-b");
                (void) BENCH_RUN("tc", "-n", p.sender, "filter", "show", "dev", "to-b");
        }

        k = transfer(&p, tcpblast, seconds, &gbit);
        if (k < 0)
                goto finish;

        if (f) {
                struct classifier_counters cnt = {};
                RpcError err = {};

                if (classifier_counters_read(reg->classifier, f->counter_key, &cnt) >= 0 && cnt.matched_packets > 0) {
                        fprintf(stderr, "bench-throughput: the fault matched %llu packets; it must match none\n",
                                (unsigned long long) cnt.matched_packets);
                        k = -EBADE;
                }
                if (c->hook)
                        bench_hook_undo(&p, f);
                t0 = bench_now_ms();
                if (registry_recover(reg, FAULT_ID, &err) != 0) {
                        fprintf(stderr, "bench-throughput: registry_recover failed: %s\n", err.message);
                        if (k >= 0)
                                k = -EIO;
                }
                teardown = bench_now_ms() - t0;
                rpc_error_done(&err);
                f = NULL;
        }
        if (k >= 0) {
                char s[32] = "";

                if (c->kind != CONFIG_NONE)
                        snprintf(s, sizeof(s), "  (setup %.0f ms)", setup);
                fprintf(stderr, "  %-64s %7.2f Gbit/s%s%s\n", c->label, gbit, s, record ? "" : "  [warm-up]");
                if (record) {
                        c->gbit[c->n] = gbit;
                        c->setup_ms[c->n] = setup;
                        c->teardown_ms[c->n] = teardown;
                        c->n++;
                }
        }

finish:
        if (f) {
                RpcError err = {};
                (void) registry_recover(reg, FAULT_ID, &err);
                rpc_error_done(&err);
        }
        bench_pair_delete();
        /* A deleted namespace is torn down afterwards by a kernel worker (netns cleanup_net): let it finish rather
         * than share the CPUs with the next measurement. */
        usleep(SETTLE_MS * 1000);
        return k;
}

static void print_table(Config *configs, size_t n_configs, unsigned rounds, unsigned seconds) {
        double base;

        printf("\nTCP throughput, one stream 2001:db8::1 -> 2001:db8::2 over a veth pair, %u interleaved runs of %u s "
               "per configuration, fresh namespaces per run\n%s\n",
               rounds, seconds,
               no_offload ? "offloads off (--no-offload): TSO/GSO off on the sender, GRO off on the sink, every packet "
                            "one MTU"
                          : "offloads on (veth's defaults): TSO on the sender, so most packets are 64 KiB");
        bench_veth_print_machine(cpus);
        printf("| configuration                                                   | median Gbit/s |   min |   max | "
               "vs no fault | paired | setup ms |\n");
        printf("|-----------------------------------------------------------------|---------------|-------|-------|-"
               "------------|--------|----------|\n");
        /* Paired: the median of the per-round ratios to that round's no-fault run, which drift between rounds
         * cancels. Computed before bench_median() sorts the runs out of their rounds. */
        for (size_t i = 0; i < n_configs; i++) {
                Config *c = &configs[i];
                double v[BENCH_ROUNDS_MAX];

                memcpy(c->gbit_round, c->gbit, sizeof(c->gbit));
                if (c->n == 0 || c->n != configs[0].n)
                        continue;
                for (unsigned j = 0; j < c->n; j++)
                        v[j] = c->gbit[j] / configs[0].gbit[j];
                c->paired = bench_median(v, c->n);
        }
        base = bench_median(configs[0].gbit, configs[0].n);
        for (size_t i = 0; i < n_configs; i++) {
                Config *c = &configs[i];
                double m, setup;
                char s[32] = "-";

                if (c->skipped || c->n == 0) {
                        printf("| %-63s | %13s | %5s | %5s | %11s | %6s | %8s |\n", c->label, "not run", "-", "-", "-",
                               "-", "-");
                        continue;
                }
                m = bench_median(c->gbit, c->n);
                if (c->kind != CONFIG_NONE) {
                        setup = bench_median(c->setup_ms, c->n);
                        snprintf(s, sizeof(s), "%.0f", setup);
                }
                printf("| %-63s | %13.2f | %5.2f | %5.2f | %10.1f%% | %5.1f%% | %8s |\n", c->label, m, c->gbit[0],
                       c->gbit[c->n - 1], 100 * m / base, 100 * c->paired, s);
        }
        printf("\npaired: the median of each round's ratio to that round's no-fault run. setup: registry_apply for "
               "chaoslet\n(maps, htb root, cls_bpf filter), the whole command for the others (ipset restore included).\n");
        for (size_t i = 0; i < n_configs; i++) {
                Config *c = &configs[i];

                if (c->skipped || c->n == 0) {
                        printf("not run: %s: %s\n", c->label, c->reason[0] ? c->reason : "no run recorded");
                        continue;
                }
                if (c->kind != CONFIG_CHAOSLET || c->hook)
                        continue;
                printf("%s: registry_apply of %d CIDRs median %.0f ms (min %.0f, max %.0f), registry_recover median "
                       "%.0f ms; target >= 97%% of no fault (paired): %.1f%%, %s\n",
                       c->label, N_CIDRS, bench_median(c->setup_ms, c->n), c->setup_ms[0], c->setup_ms[c->n - 1],
                       bench_median(c->teardown_ms, c->n), 100 * c->paired, c->paired >= 0.97 ? "met" : "NOT met");
        }
}

static int write_json(const char *path, Config *configs, size_t n_configs, unsigned rounds, unsigned seconds) {
        cJSON *o = bench_report_new(no_offload ? "throughput-no-offload" : "throughput",
                                    no_offload ? "veth TCP throughput, offloads off, 65,536-CIDR non-matching fault"
                                               : "veth TCP throughput, 65,536-CIDR non-matching fault",
                                    "host");
        BenchStat base;
        char note[256];

        snprintf(note, sizeof(note), "one TCP stream over a veth pair, %u interleaved rounds of %u s, fresh namespaces "
                 "per run; p99 column is the low tail (1st percentile, the minimum at this n)", rounds, seconds);
        bench_report_note(o, note);
        bench_report_note(o, "paired: median over rounds of the run's ratio to the same round's no-fault run");
        base = bench_stat_low_tail(configs[0].gbit, configs[0].n);
        bench_report_row(o, "no fault", "Gbit/s", base, NULL, base, NULL, -1);
        for (size_t i = 1; i < n_configs; i++) {
                Config *c = &configs[i];
                char fig[160];

                if (c->skipped || c->n == 0) {
                        snprintf(note, sizeof(note), "not run: %s: %s", c->label,
                                 c->reason[0] ? c->reason : "no run recorded");
                        bench_report_note(o, note);
                        continue;
                }
                bench_report_row(o, c->label, "Gbit/s", bench_stat_low_tail(c->gbit, c->n), "no fault", base, NULL,
                                 -1);
                if (c->kind == CONFIG_CHAOSLET && c->n == configs[0].n) {
                        double v[BENCH_ROUNDS_MAX];

                        for (unsigned j = 0; j < c->n; j++)
                                v[j] = 100 * c->gbit_round[j] / configs[0].gbit_round[j];
                        snprintf(fig, sizeof(fig), "%s, paired ratio to no fault", c->label);
                        bench_report_row(o, fig, "%", bench_stat_low_tail(v, c->n), NULL, base,
                                         c->hook ? NULL : ">= 97% of no fault", c->hook ? -1 : c->paired >= 0.97);
                        snprintf(fig, sizeof(fig), "%s, registry_apply", c->label);
                        memcpy(v, c->setup_ms, c->n * sizeof(double));
                        bench_report_row(o, fig, "ms", bench_stat(v, c->n), NULL, base, NULL, -1);
                }
        }
        return bench_report_write(o, path);
}

static void help(void) {
        printf("usage: bench-throughput [--rounds N (5)] [--seconds S (3)] [--quick] [--json FILE] [--tcpblast PATH]\n"
               "                        [--no-offload]\n"
               "                        [--compare LABEL=COMMAND]... [--verbose]\n");
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                BENCH_VETH_OPTIONS,
                { "tcpblast", required_argument, NULL, 't' },
                { "compare", required_argument, NULL, 'c' },
                { "no-offload", no_argument, NULL, 'o' },
                {},
        };
        static Config configs[CONFIGS_MAX] = {
                { .kind = CONFIG_NONE, .label = "no fault" },
                { .kind = CONFIG_CHAOSLET, .label = "chaoslet: 65,536 CIDRs, /48+/64 (per-length hash), no match" },
                { .kind = CONFIG_CHAOSLET, .label = "chaoslet: 65,536 CIDRs, 6 lengths (LPM trie), no match" },
                { .kind = CONFIG_CHAOSLET, .hook = true,
                  .label = "hook reference: the hash row's classifier on clsact, no htb" },
        };
        size_t n_configs = 4;
        unsigned rounds = 5, seconds = 3, seq = 0;
        const char *tcpblast = NULL, *json = NULL;
        bool quick = false;
        _cleanup_free_ Cidr *hash_set = NULL, *trie_set = NULL;
        BenchAgent agent = {};
        int opt, k, r = 1;

        log_set_max_level(LOG_WARNING);
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 't':
                        tcpblast = optarg;
                        break;
                case 'c': {
                        const char *eq = strchr(optarg, '=');
                        Config *c = &configs[n_configs];

                        if (!eq || eq == optarg || !eq[1] || n_configs >= CONFIGS_MAX) {
                                fprintf(stderr, "bench-throughput: --compare LABEL=COMMAND, at most %d\n", COMPARE_MAX);
                                return 2;
                        }
                        *c = (Config) { .kind = CONFIG_COMPARE, .command = eq + 1 };
                        snprintf(c->label, sizeof(c->label), "%.*s", (int) (eq - optarg), optarg);
                        n_configs++;
                        break;
                }
                case 'o':
                        no_offload = true;
                        break;
                case 'q':
                        quick = true;
                        break;
                default:
                        k = bench_veth_option(opt, optarg, ROUNDS_MIN, &rounds, &seconds, &json, help);
                        if (k >= 0)
                                return k;
                }
        if (optind < argc) {
                help();
                return 2;
        }
        if (quick) {
                rounds = 5;
                seconds = 2;
                configs[2].skipped = true;
                snprintf(configs[2].reason, sizeof(configs[2].reason), "--quick runs the per-length hash set only");
        }

        k = bench_need_root();
        if (k != 0)
                return k;
        if (!tcpblast) {
                const char *b = getenv("BUILD_DIR");
                static char path[PATH_MAX];

                if (b) {
                        snprintf(path, sizeof(path), "%s/tests/tools/tcpblast", b);
                        tcpblast = path;
                }
        }
        if (no_offload && BENCH_RUN("sh", "-c", "command -v ethtool >/dev/null") != 0) {
                printf("skip: --no-offload needs ethtool (package ethtool)\n");
                return 77;
        }
        if (!tcpblast || access(tcpblast, X_OK) < 0) {
                fprintf(stderr, "bench-throughput: tcpblast not found: pass --tcpblast or set BUILD_DIR\n");
                return 2;
        }

        k = bench_agent_open(&agent, cpus);
        if (k != 0)
                return k;

        hash_set = bench_cidr_set_new(AF_INET6, false);
        trie_set = bench_cidr_set_new(AF_INET6, true);
        if (!hash_set || !trie_set)
                goto finish;
        configs[1].cidrs = hash_set;
        configs[2].cidrs = trie_set;
        configs[3].cidrs = hash_set;

        if (bench_agent_registry(&agent) < 0)
                goto finish;

        fprintf(stderr, "warm-up:\n");
        if (run_one(&configs[0], &agent.reg, seq++, tcpblast, seconds, false) < 0)
                goto finish;
        for (unsigned round = 0; round < rounds; round++) {
                fprintf(stderr, "round %u/%u:\n", round + 1, rounds);
                for (size_t i = 0; i < n_configs; i++) {
                        if (configs[i].skipped)
                                continue;
                        if (run_one(&configs[i], &agent.reg, seq++, tcpblast, seconds, true) < 0)
                                goto finish;
                }
        }

        print_table(configs, n_configs, rounds, seconds);
        if (json && write_json(json, configs, n_configs, rounds, seconds) < 0)
                goto finish;
        /* With the first set that could be applied here; and on the hook, which must be on the path too, or its
         * figure would flatter. */
        for (size_t i = 1; i <= 2; i++)
                if (!configs[i].skipped) {
                        if (control(&agent.reg, configs[i].cidrs, false, seq++, tcpblast) < 0)
                                goto finish;
                        break;
                }
        if (!configs[3].skipped && control(&agent.reg, configs[3].cidrs, true, seq++, tcpblast) < 0)
                goto finish;
        r = 0;

finish:
        bench_agent_done(&agent);
        return r;
}
