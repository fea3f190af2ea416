/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: how long a fault takes to go in and come out again, through chaosletd, against the same
 * work done the way exec-based chaos daemons do it, measured in the same run, interleaved round by round.
 *
 *   bench-apply [--json FILE] [--quick] [--rounds N] [--cli PATH] --tc-netns NS --tc-device DEV
 *               --agent LABEL,SOCKET,NETNS,COLD-DEV,WARM-DEV [--agent ...]
 *
 * The suite's `apply` benchmark on the host (tests/bench/apply-host.sh sets up the namespaces and agents). No
 * sch_netem is needed: the faults are a tbf bandwidth cap and a partition. Per round, for each agent:
 *  - cold device: fault.apply + fault.recover of {"bandwidth":{"rate":"10mbit"}} on COLD-DEV, which carries nothing
 *    of chaoslet's before and after, over one open socket connection (proto/client.h);
 *  - cold device through the CLI: `chaoslet --socket S apply ...` and `chaoslet --socket S recover ID`, two execs;
 *  - warm device: apply + recover of a partition of 198.51.100.7/32 on WARM-DEV, where a bandwidth fault applied
 *    at the start stays live;
 *  - the RPC floor: two fault.get requests of an unknown id, which change nothing: the round trips alone, the
 *    warm row's floor;
 * and once per round, on DEV in NS:
 *  - exec tc: `ip netns exec NS tc qdisc add dev DEV root tbf rate 10mbit burst 32k latency 50ms` and
 *    `ip netns exec NS tc qdisc del dev DEV root`, two posix_spawn()s, each waited for;
 *  - the kernel's floor: `tc -n NS -batch FILE` with the add and the del once and 21 times; the floor of one
 *    add+del is (T21 - T1) / 20, so tc's own start-up cancels out. Twice: the qdisc alone, and chaoslet's tree for
 *    the same fault (htb root, class, the qdisc as leaf, a cls_bpf filter), the target's floor;
 *  - the exec floor: two posix_spawn()s of `true`, what any two processes cost here: the CLI's rows stand
 *    beside it, since no CLI can start faster than that;
 *  - a namespace visit: opening NS's namespace file, identifying it and making a bound rtnetlink socket in it
 *    (netns_open_path(), the agent's own code, in this process), then closing both; per visit, of VISITS.
 * The cold rows also stand beside the least any agent over a socket could take, round by round: the tc -batch
 * floor of chaoslet's tree, plus that agent's RPC floor, plus two namespace visits (an apply and a recover each
 * have to talk rtnetlink inside the namespace, and a socket kept there would keep a dead pod's namespace alive).
 * LABEL names the agent in the rows (for instance its --state-dir's file system). Default 200 rounds, --quick 30.
 *
 *   bench-apply SOCKET NETNS-NAME DEVICE [ROUNDS [partition|bandwidth]]
 *
 * The older form: apply+recover of a 90 ms netem fault against `ip netns exec NS tc` adding and deleting the same
 * netem qdisc (inside user-mode Linux, tests/bench/apply-recover.sh), or with "partition" (or "bandwidth", a 10mbit
 * cap) that fault alone and no baseline (tests/bench/journal-cost.sh; profiling one path). Prints one line or a
 * small table.
 *
 * Exit status: 0, 1 on a failure, 2 on a usage error. Timings never fail it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-client.h"
#include "bench-report.h"
#include "bench-util.h"
#include "macro.h"
#include "netns.h"

#define AGENTS_MAX 4
#define ROUNDS_DEFAULT 200
#define ROUNDS_QUICK 30
#define ROUNDS_MAX 10000
#define BATCH_MANY 21
#define VISITS 10
#define TC_ARGS_MAX 16
#define WARM_CIDR "198.51.100.7/32"
#define COLD_ID "bench-apply-cold"
#define CLI_ID "bench-apply-cli"
#define WARM_ID "bench-apply-warm"
#define BACKGROUND_ID "bench-apply-background"

/* What the cold device gets: a bandwidth cap on the host (no sch_netem there), a netem delay with --netem (user-mode
 * Linux), through the socket, the CLI, exec tc and tc -batch alike. */
typedef struct ColdFault {
        const char *bench, *env, *what, *json, *cli_opt, *cli_val, *tc_qdisc;
} ColdFault;

static const ColdFault cold_bandwidth = {
        "apply", "host", "a 10mbit bandwidth fault", "\"bandwidth\":{\"rate\":\"10mbit\"}", "--bandwidth", "10mbit",
        "tbf rate 10mbit burst 32k latency 50ms",
}, cold_netem = {
        "apply-netem", "uml", "a 90 ms netem fault", "\"netem\":{\"latency\":\"90ms\"}", "--latency", "90ms",
        "netem delay 90ms",
};
static const ColdFault *cold_fault = &cold_bandwidth;

typedef struct Agent {
        char *label, *socket, *netns, *cold_dev, *warm_dev;
        char netns_path[256];
        RpcClient *client;
        double *cold, *cli, *warm, *noop, *least;
} Agent;

static int apply_recover(RpcClient *c, const char *apply, const char *recover) {
        return bench_call_text(c, "fault.apply", apply, NULL) < 0 ||
               bench_call_text(c, "fault.recover", recover, NULL) < 0 ? -EPROTO : 0;
}

/* The floor of any two requests over the socket: fault.get of an id nobody uses, twice, each answered with the
 * unknown-id error. It changes nothing and touches no namespace: what is left is the round trip itself (two
 * wake-ups of each side, the JSON on both ends). */
static int noop_pair(RpcClient *c) {
        for (int i = 0; i < 2; i++) {
                RpcError err = {};
                cJSON *result = NULL;
                int r = rpc_client_call(c, "fault.get", cJSON_Parse("{\"id\":\"bench-no-such-fault\"}"), &result,
                                        &err);

                cJSON_Delete(result);
                cJSON_Delete(err.data);
                if (r != -EPROTO || err.code != RPC_UNKNOWN_FAULT) {
                        fprintf(stderr, "fault.get of an unknown id: %d %d %s\n", r, err.code, err.message);
                        return -EPROTO;
                }
        }
        return 0;
}

/* One visit of the namespace at path, the way the agent makes one: open, identify, a rtnetlink socket inside. */
static int visit(const char *path) {
        int fd, route_fd, k;

        k = netns_open_path(path, &fd, NULL, &route_fd);
        if (k < 0)
                return k;
        safe_close(route_fd);
        safe_close(fd);
        return 0;
}

/* ---- the older form, kept for tests/bench/apply-recover.sh (UML, netem) and tests/bench/journal-cost.sh ---- */

static int legacy_main(int argc, char **argv) {
        const char *sock = argv[1], *ns = argv[2], *dev = argv[3];
        bool partition = argc > 5 && strcmp(argv[5], "partition") == 0,
             bandwidth = argc > 5 && strcmp(argv[5], "bandwidth") == 0;
        int rounds = argc > 4 ? atoi(argv[4]) : 50;
        char apply[512], path[256];
        RpcClient *c = NULL;
        double *agent, *tc;
        struct utsname un;
        BenchStat sa, st;

        if (rounds < 5 || rounds > ROUNDS_MAX)
                rounds = 50;
        agent = calloc(rounds, sizeof(double));
        tc = calloc(rounds, sizeof(double));
        if (!agent || !tc)
                return 1;

        snprintf(path, sizeof(path), "/run/netns/%s", ns);
        snprintf(apply, sizeof(apply), "{\"id\":\"bench\",\"target\":{\"netns\":\"%s\"},\"device\":\"%s\",%s}", path,
                 dev, partition ? "\"partition\":true" :
                      bandwidth ? "\"bandwidth\":{\"rate\":\"10mbit\"}" : "\"netem\":{\"latency\":\"90ms\"}");

        if (rpc_client_connect(sock, &c) < 0) {
                fprintf(stderr, "cannot connect to %s\n", sock);
                return 1;
        }

        /* Warm up both paths once (page cache, module loads). */
        if (apply_recover(c, apply, "{\"id\":\"bench\"}") < 0)
                return 1;
        if (partition || bandwidth) {
                for (int i = 0; i < rounds; i++) {
                        double t0 = bench_now_us();

                        if (apply_recover(c, apply, "{\"id\":\"bench\"}") < 0)
                                return 1;
                        agent[i] = (bench_now_us() - t0) / 1e3;
                }
                sa = bench_stat(agent, rounds);
                printf("apply+recover of a %s, %d rounds: median %.3f ms, p99 %.3f ms\n",
                       partition ? "partition" : "10mbit bandwidth fault", rounds, sa.median, sa.p99);
                return 0;
        }

        char *add[] = { "ip", "netns", "exec", (char *) ns, "tc", "qdisc", "add", "dev", (char *) dev, "root",
                        "netem", "delay", "90ms", NULL };
        char *del[] = { "ip", "netns", "exec", (char *) ns, "tc", "qdisc", "del", "dev", (char *) dev, "root", NULL };
        if (bench_exec(add, false) != 0 || bench_exec(del, false) != 0) {
                fprintf(stderr, "the tc baseline failed (is sch_netem there?)\n");
                return 1;
        }

        /* Interleaved, so drift on a shared machine hits both alike. */
        for (int i = 0; i < rounds; i++) {
                double t0 = bench_now_us();

                if (apply_recover(c, apply, "{\"id\":\"bench\"}") < 0)
                        return 1;
                agent[i] = (bench_now_us() - t0) / 1e3;

                t0 = bench_now_us();
                if (bench_exec(add, false) != 0 || bench_exec(del, false) != 0)
                        return 1;
                tc[i] = (bench_now_us() - t0) / 1e3;
        }
        rpc_client_free(c);

        sa = bench_stat(agent, rounds);
        st = bench_stat(tc, rounds);
        uname(&un);
        printf("apply+recover of a 90 ms netem fault, %d rounds, kernel %s, %ld CPUs\n", rounds, un.release,
               sysconf(_SC_NPROCESSORS_ONLN));
        printf("| path                                   | median ms | p99 ms |\n");
        printf("|----------------------------------------|-----------|--------|\n");
        printf("| chaosletd over its socket              | %9.3f | %6.3f |\n", sa.median, sa.p99);
        printf("| ip netns exec NS tc qdisc add + del    | %9.3f | %6.3f |\n", st.median, st.p99);
        printf("speed-up (median): %.1fx\n", st.median / sa.median);
        return 0;
}

/* ---- the host benchmark ---- */

static void help(void) {
        printf("Usage: bench-apply [--json FILE] [--quick] [--rounds N] [--cli PATH] --tc-netns NS --tc-device DEV\n"
               "                   --agent LABEL,SOCKET,NETNS,COLD-DEV,WARM-DEV [--agent ...]\n"
               "       bench-apply SOCKET NETNS-NAME DEVICE [ROUNDS [partition|bandwidth]]\n"
               "\n"
               "apply+recover latency through chaosletd (socket and CLI, cold and warm device) against\n"
               "`ip netns exec NS tc` and the `tc -batch` floor, interleaved in the same run.\n"
               "\n"
               "  --json FILE     Also write the report contract's object (tests/bench/bench-report.h)\n"
               "  --quick         %d rounds instead of %d\n"
               "  --rounds N      Rounds (5 to %d)\n"
               "  --cli PATH      The chaoslet CLI (default: chaoslet in PATH)\n"
               "  --netem         The cold fault is a 90 ms netem delay instead of a 10mbit bandwidth cap (the\n"
               "                  report's bench \"apply-netem\", for user-mode Linux: the host has no sch_netem)\n"
               "  --tc-netns NS   The namespace (its name) and device of the tc baselines; nothing else may\n"
               "  --tc-device DEV   be on that device's root\n"
               "  --agent ...     A running chaosletd's socket, labelled, with the namespace name and two devices\n"
               "                  of its own: COLD-DEV carries nothing, WARM-DEV gets a live bandwidth fault\n",
               ROUNDS_QUICK, ROUNDS_DEFAULT, ROUNDS_MAX);
}

static int parse_agent(char *arg, Agent *ret) {
        char *f[5];

        for (size_t i = 0; i < 5; i++) {
                f[i] = strsep(&arg, ",");
                if (!f[i] || !*f[i])
                        return -EINVAL;
        }
        if (arg)
                return -EINVAL;
        *ret = (Agent) { .label = f[0], .socket = f[1], .netns = f[2], .cold_dev = f[3], .warm_dev = f[4] };
        snprintf(ret->netns_path, sizeof(ret->netns_path), "/run/netns/%s", ret->netns);
        return 0;
}

/* A batch file with the add and the del of the baseline's qdisc, n times; with tree, of the same objects chaoslet
 * installs for the fault: an htb root, a class, the qdisc as its leaf and a cls_bpf filter (classic BPF here: tc
 * cannot use the agent's program), deleted with the root. */
static int write_batch(const char *dev, unsigned n, bool tree, char *path) {
        FILE *f;
        int fd;

        fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return -errno;
        }
        for (unsigned i = 0; i < n; i++)
                if (tree)
                        fprintf(f, "qdisc add dev %1$s root handle c4a0: htb\n"
                                   "class add dev %1$s parent c4a0: classid c4a0:1 htb rate 10gbit quantum 60000\n"
                                   "qdisc add dev %1$s parent c4a0:1 handle c4a1: %2$s\n"
                                   "filter add dev %1$s parent c4a0: protocol all prio 1 bpf bytecode \"1,6 0 0 0\" "
                                   "classid c4a0:1\n"
                                   "qdisc del dev %1$s root\n", dev, cold_fault->tc_qdisc);
                else
                        fprintf(f, "qdisc add dev %s root %s\nqdisc del dev %s root\n", dev, cold_fault->tc_qdisc,
                                dev);
        return fclose(f) == 0 ? 0 : -errno;
}

static void print_row(const char *figure, BenchStat s, const char *baseline, BenchStat b, const char *target,
                      int met) {
        if (baseline)
                printf("| %s | %.1f | %.1f | %s | %.1f | %.1f | %s | %s |\n", figure, s.median, s.p99, baseline,
                       b.median, b.p99, target ? target : "–", met < 0 ? "–" : met ? "yes" : "**no**");
        else
                printf("| %s | %.1f | %.1f | – | – | – | %s | %s |\n", figure, s.median, s.p99, target ? target : "–",
                       met < 0 ? "–" : met ? "yes" : "**no**");
}

static void row(cJSON *report, const char *figure, BenchStat s, const char *baseline, BenchStat b,
                const char *target, int met) {
        bench_report_row(report, figure, "us", s, baseline, b, target, met);
        print_row(figure, s, baseline, b, target, met);
}

static int agent_round(Agent *a, const char *cli, unsigned i) {
        char cold[768], warm[768], rec_cold[64], rec_warm[64];
        double t0;

        snprintf(cold, sizeof(cold),
                 "{\"id\":\"" COLD_ID "\",\"target\":{\"netns\":\"%s\"},\"device\":\"%s\",%s}", a->netns_path,
                 a->cold_dev, cold_fault->json);
        snprintf(warm, sizeof(warm),
                 "{\"id\":\"" WARM_ID "\",\"target\":{\"netns\":\"%s\"},\"device\":\"%s\",\"partition\":true,"
                 "\"match\":{\"cidrs\":[\"" WARM_CIDR "\"]}}", a->netns_path, a->warm_dev);
        snprintf(rec_cold, sizeof(rec_cold), "{\"id\":\"" COLD_ID "\"}");
        snprintf(rec_warm, sizeof(rec_warm), "{\"id\":\"" WARM_ID "\"}");

        char *cli_apply[] = { (char *) cli, "--socket", a->socket, "apply", "--id", CLI_ID, "--netns", a->netns_path,
                              "--device", a->cold_dev, (char *) cold_fault->cli_opt, (char *) cold_fault->cli_val,
                              NULL };
        char *cli_recover[] = { (char *) cli, "--socket", a->socket, "recover", CLI_ID, NULL };

        t0 = bench_now_us();
        if (apply_recover(a->client, cold, rec_cold) < 0)
                return -EPROTO;
        a->cold[i] = bench_now_us() - t0;

        t0 = bench_now_us();
        if (apply_recover(a->client, warm, rec_warm) < 0)
                return -EPROTO;
        a->warm[i] = bench_now_us() - t0;

        t0 = bench_now_us();
        if (noop_pair(a->client) < 0)
                return -EPROTO;
        a->noop[i] = bench_now_us() - t0;

        t0 = bench_now_us();
        if (bench_exec(cli_apply, true) != 0 || bench_exec(cli_recover, true) != 0) {
                fprintf(stderr, "%s apply/recover failed\n", cli);
                return -EPROTO;
        }
        a->cli[i] = bench_now_us() - t0;
        return 0;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                BENCH_OPTIONS,
                { "rounds", required_argument, NULL, 'r' },   { "cli", required_argument, NULL, 'c' },
                { "tc-netns", required_argument, NULL, 'n' }, { "tc-device", required_argument, NULL, 'd' },
                { "agent", required_argument, NULL, 'a' },    { "netem", no_argument, NULL, 'N' },
                {}
        };
        const char *json = NULL, *cli = "chaoslet", *tc_ns = NULL, *tc_dev = NULL;
        char batch1[] = "/tmp/bench-apply-XXXXXX", batch_many[] = "/tmp/bench-apply-XXXXXX",
             tree1[] = "/tmp/bench-apply-XXXXXX", tree_many[] = "/tmp/bench-apply-XXXXXX";
        Agent agents[AGENTS_MAX];
        unsigned n_agents = 0, rounds = ROUNDS_DEFAULT;
        double *exec_tc, *floor_tc, *floor_tree, *exec_true, *visits, t0, t1, t_many;
        char background[768], text[256], tc_path[256];
        BenchStat s_exec, s_floor, s_tree, s_true, s_visit;
        cJSON *report;
        int opt, code, r = 1;

        if (argc >= 4 && argv[1][0] != '-')
                return legacy_main(argc, argv);

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'q':
                        rounds = ROUNDS_QUICK;
                        break;
                case 'N':
                        cold_fault = &cold_netem;
                        break;
                case 'r':
                        rounds = (unsigned) strtoul(optarg, NULL, 10);
                        if (rounds < 5 || rounds > ROUNDS_MAX) {
                                fprintf(stderr, "--rounds: 5 to %d\n", ROUNDS_MAX);
                                return 2;
                        }
                        break;
                case 'c':
                        cli = optarg;
                        break;
                case 'n':
                        tc_ns = optarg;
                        break;
                case 'd':
                        tc_dev = optarg;
                        break;
                case 'a':
                        if (n_agents == AGENTS_MAX || parse_agent(optarg, &agents[n_agents]) < 0) {
                                fprintf(stderr, "--agent LABEL,SOCKET,NETNS,COLD-DEV,WARM-DEV (at most %d)\n",
                                        AGENTS_MAX);
                                return 2;
                        }
                        n_agents++;
                        break;
                default:
                        code = bench_opt_default(opt, optarg, &json, help);
                        if (code >= 0)
                                return code;
                }
        if (optind < argc || !tc_ns || !tc_dev || n_agents == 0) {
                help();
                return 2;
        }

        exec_tc = calloc(rounds, sizeof(double));
        exec_true = calloc(rounds, sizeof(double));
        floor_tc = calloc(rounds, sizeof(double));
        floor_tree = calloc(rounds, sizeof(double));
        visits = calloc(rounds, sizeof(double));
        if (!exec_tc || !floor_tc || !floor_tree || !exec_true || !visits)
                return 1;
        snprintf(tc_path, sizeof(tc_path), "/run/netns/%s", tc_ns);
        for (unsigned k = 0; k < n_agents; k++) {
                Agent *a = &agents[k];

                a->cold = calloc(rounds, sizeof(double));
                a->cli = calloc(rounds, sizeof(double));
                a->warm = calloc(rounds, sizeof(double));
                a->noop = calloc(rounds, sizeof(double));
                a->least = calloc(rounds, sizeof(double));
                if (!a->cold || !a->cli || !a->warm || !a->noop || !a->least)
                        return 1;
                if (rpc_client_connect(a->socket, &a->client) < 0) {
                        fprintf(stderr, "cannot connect to %s\n", a->socket);
                        return 1;
                }
                snprintf(background, sizeof(background),
                         "{\"id\":\"" BACKGROUND_ID "\",\"target\":{\"netns\":\"%s\"},\"device\":\"%s\","
                         "\"bandwidth\":{\"rate\":\"10mbit\"}}", a->netns_path, a->warm_dev);
                if (bench_call_text(a->client, "fault.apply", background, NULL) < 0)
                        return 1;
        }

        char *add[TC_ARGS_MAX + 11] = { "ip", "netns", "exec", (char *) tc_ns, "tc", "qdisc", "add", "dev",
                                        (char *) tc_dev, "root" };
        char qdisc_words[128], *save = NULL;
        size_t n_add = 10;

        snprintf(qdisc_words, sizeof(qdisc_words), "%s", cold_fault->tc_qdisc);
        for (char *w = strtok_r(qdisc_words, " ", &save); w && n_add < TC_ARGS_MAX + 10; w = strtok_r(NULL, " ", &save))
                add[n_add++] = w;
        add[n_add] = NULL;
        char *del[] = { "ip", "netns", "exec", (char *) tc_ns, "tc", "qdisc", "del", "dev", (char *) tc_dev, "root",
                        NULL };
        char *true_argv[] = { "true", NULL };
        char *tc1[] = { "tc", "-n", (char *) tc_ns, "-batch", batch1, NULL };
        char *tc_many[] = { "tc", "-n", (char *) tc_ns, "-batch", batch_many, NULL };
        char *tree_1[] = { "tc", "-n", (char *) tc_ns, "-batch", tree1, NULL };
        char *tree_n[] = { "tc", "-n", (char *) tc_ns, "-batch", tree_many, NULL };
        if (write_batch(tc_dev, 1, false, batch1) < 0 || write_batch(tc_dev, BATCH_MANY, false, batch_many) < 0 ||
            write_batch(tc_dev, 1, true, tree1) < 0 || write_batch(tc_dev, BATCH_MANY, true, tree_many) < 0) {
                perror("batch file");
                return 1;
        }

        /* One round untimed: page cache, module loads, the agents' first look at each namespace. */
        if (bench_exec(add, false) != 0 || bench_exec(del, false) != 0 || bench_exec(tc1, false) != 0 ||
            bench_exec(tc_many, false) != 0 || bench_exec(tree_1, true) != 0 || bench_exec(tree_n, true) != 0) {
                fprintf(stderr, "the tc baseline failed\n");
                goto finish;
        }
        if (visit(tc_path) < 0) {
                fprintf(stderr, "cannot visit the namespace %s\n", tc_path);
                goto finish;
        }
        for (unsigned k = 0; k < n_agents; k++)
                if (agent_round(&agents[k], cli, 0) < 0)
                        goto finish;

        /* Interleaved, so drift on a shared machine hits every path alike; the agents' order reversed every other
         * round, so that neither always comes first after the tc baselines' process creations. */
        for (unsigned i = 0; i < rounds; i++) {
                for (unsigned j = 0; j < n_agents; j++)
                        if (agent_round(&agents[i % 2 ? n_agents - 1 - j : j], cli, i) < 0)
                                goto finish;

                t0 = bench_now_us();
                if (bench_exec(add, false) != 0 || bench_exec(del, false) != 0)
                        goto finish;
                exec_tc[i] = bench_now_us() - t0;

                t0 = bench_now_us();
                if (bench_exec(true_argv, false) != 0 || bench_exec(true_argv, false) != 0)
                        goto finish;
                exec_true[i] = bench_now_us() - t0;

                t0 = bench_now_us();
                if (bench_exec(tc1, false) != 0)
                        goto finish;
                t1 = bench_now_us() - t0;
                t0 = bench_now_us();
                if (bench_exec(tc_many, false) != 0)
                        goto finish;
                t_many = bench_now_us() - t0;
                floor_tc[i] = (t_many - t1) / (BATCH_MANY - 1);

                t0 = bench_now_us();
                if (bench_exec(tree_1, true) != 0)
                        goto finish;
                t1 = bench_now_us() - t0;
                t0 = bench_now_us();
                if (bench_exec(tree_n, true) != 0)
                        goto finish;
                t_many = bench_now_us() - t0;
                floor_tree[i] = (t_many - t1) / (BATCH_MANY - 1);

                t0 = bench_now_us();
                for (unsigned v = 0; v < VISITS; v++)
                        if (visit(tc_path) < 0)
                                goto finish;
                visits[i] = (bench_now_us() - t0) / VISITS;
        }
        /* Round by round, before bench_stat() sorts any of them in place. */
        for (unsigned k = 0; k < n_agents; k++)
                for (unsigned i = 0; i < rounds; i++)
                        agents[k].least[i] = floor_tree[i] + agents[k].noop[i] + 2 * visits[i];

        report = bench_report_new(cold_fault->bench, cold_fault == &cold_netem ?
                                  "apply+recover latency, netem (user-mode Linux)" : "apply+recover latency",
                                  cold_fault->env);
        snprintf(text, sizeof(text), "%u rounds, interleaved; %ld CPUs; times in microseconds per apply+recover",
                 rounds, sysconf(_SC_NPROCESSORS_ONLN));
        bench_report_note(report, text);
        snprintf(text, sizeof(text), "exec tc: `ip netns exec NS tc qdisc add dev D root %s` + `ip netns exec NS tc "
                 "qdisc del dev D root`, two posix_spawn()s, each waited for", cold_fault->tc_qdisc);
        bench_report_note(report, text);
        bench_report_note(report, "tc -batch floor: (T21 - T1) / 20 of `tc -n NS -batch FILE` with the add and del "
                                  "1 and 21 times: the kernel's own cost of one add+del of that qdisc");
        snprintf(text, sizeof(text), "cold: %s on a device without chaoslet's tree, over one socket connection; CLI: "
                 "`chaoslet apply` + `chaoslet recover`, two execs; warm: a partition of " WARM_CIDR " on a device "
                 "where a bandwidth fault is live", cold_fault->what);
        bench_report_note(report, text);

        s_exec = bench_stat(exec_tc, rounds);
        s_floor = bench_stat(floor_tc, rounds);
        s_tree = bench_stat(floor_tree, rounds);
        bench_report_note(report, "tc -batch floor, chaoslet's tree: the same, with the objects chaoslet installs for "
                                  "the fault (htb root, class, that qdisc as its leaf, a cls_bpf filter of classic "
                                  "BPF), deleted with the root: the kernel's cost of the same change");
        s_true = bench_stat(exec_true, rounds);
        bench_report_note(report, "exec floor: two posix_spawn()s of `true`, each waited for: what any two execs cost "
                                  "here, the CLI's included");
        s_visit = bench_stat(visits, rounds);
        bench_report_note(report, "least an agent over a socket can take: per round, the tc -batch floor of "
                                  "chaoslet's tree + that agent's RPC floor + 2 namespace visits (open the namespace "
                                  "file, identify it, a bound rtnetlink socket inside, close: the agent's own "
                                  "netns_open_path(), timed in the benchmark)");
        printf("apply+recover (cold: %s), %u rounds, kernel %s, %ld CPUs (us)\n\n", cold_fault->what, rounds,
               cJSON_GetStringValue(cJSON_GetObjectItem(report, "kernel")), sysconf(_SC_NPROCESSORS_ONLN));
        printf("| figure | median | p99 | baseline | baseline median | baseline p99 | target | met |\n");
        printf("|---|---|---|---|---|---|---|---|\n");
        for (unsigned k = 0; k < n_agents; k++) {
                Agent *a = &agents[k];
                BenchStat s_cold = bench_stat(a->cold, rounds), s_cli = bench_stat(a->cli, rounds),
                          s_warm = bench_stat(a->warm, rounds), s_noop = bench_stat(a->noop, rounds);
                char figure[128];

                snprintf(figure, sizeof(figure), "cold device, socket, state on %s", a->label);
                row(report, figure, s_cold, "exec tc add+del", s_exec, ">= 10x faster than exec tc",
                    s_exec.median >= 10 * s_cold.median);
                row(report, figure, s_cold, "tc -batch floor, chaoslet's tree", s_tree,
                    "<= 1.5x the tc -batch floor", s_cold.median <= 1.5 * s_tree.median);
                row(report, figure, s_cold, "tc -batch floor, the qdisc alone", s_floor, NULL, -1);
                row(report, figure, s_cold, "least an agent over a socket can take", bench_stat(a->least, rounds),
                    NULL, -1);
                snprintf(figure, sizeof(figure), "cold device, CLI (2 execs), state on %s", a->label);
                row(report, figure, s_cli, "exec tc add+del", s_exec, ">= 10x faster than exec tc",
                    s_exec.median >= 10 * s_cli.median);
                row(report, figure, s_cli, "exec floor: 2 execs of true", s_true, NULL, -1);
                snprintf(figure, sizeof(figure), "warm device (partition beside a live bandwidth fault), state on %s",
                         a->label);
                row(report, figure, s_warm, "RPC floor: 2 requests that change nothing", s_noop, "<= 150 us median",
                    s_warm.median <= 150);
        }
        row(report, "a namespace visit (open, identify, rtnetlink socket inside)", s_visit, NULL, s_visit, NULL, -1);
        r = bench_report_finish(report, json) < 0 ? 1 : 0;

finish:
        for (unsigned k = 0; k < n_agents; k++) {
                if (agents[k].client)
                        bench_call_text(agents[k].client, "fault.recover", "{\"id\":\"" BACKGROUND_ID "\"}", NULL);
                rpc_client_free(agents[k].client);
        }
        unlink(batch1);
        unlink(batch_many);
        unlink(tree1);
        unlink(tree_many);
        return r;
}
