/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: the latency of apply+recover of a 90 ms netem fault through chaosletd's socket, against
 * the same qdisc added and deleted the way exec-based chaos daemons do it (`ip netns exec NS tc ...`), measured
 * in the same run on the same namespace. Prints a table.
 *
 *   bench-apply SOCKET NETNS-NAME DEVICE [ROUNDS [partition]]
 *
 * With "partition", the fault is a partition (the classifier alone: no sch_netem needed) and there is no tc
 * baseline: that is how tests/bench/journal-cost.sh measures what the journal's fsyncs add, on any kernel.
 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

extern char **environ;

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, double p) {
        size_t i = (size_t) (p * (double) (n - 1) + 0.5);
        return v[i < n ? i : n - 1];
}

static int run(char *const argv[]) {
        pid_t pid;
        int status;

        if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
                return -1;
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int call(RpcClient *c, const char *method, const char *params) {
        RpcError err = {};
        cJSON *result = NULL;
        int k = rpc_client_call(c, method, cJSON_Parse(params), &result, &err);

        cJSON_Delete(result);
        if (k < 0) {
                fprintf(stderr, "%s failed: %d %s\n", method, err.code, err.message);
                cJSON_Delete(err.data);
        }
        return k;
}

int main(int argc, char **argv) {
        const char *sock, *ns, *dev;
        int rounds = 50;
        bool partition = argc > 5 && strcmp(argv[5], "partition") == 0;
        double *agent, *tc;
        RpcClient *c = NULL;
        char apply[512], path[256];
        struct utsname un;

        if (argc < 4) {
                fprintf(stderr, "usage: %s SOCKET NETNS-NAME DEVICE [ROUNDS]\n", argv[0]);
                return 2;
        }
        sock = argv[1];
        ns = argv[2];
        dev = argv[3];
        if (argc > 4)
                rounds = atoi(argv[4]);
        if (rounds < 5 || rounds > 10000)
                rounds = 50;
        agent = calloc(rounds, sizeof(double));
        tc = calloc(rounds, sizeof(double));

        snprintf(path, sizeof(path), "/run/netns/%s", ns);
        snprintf(apply, sizeof(apply),
                 "{\"id\":\"bench\",\"target\":{\"netns\":\"%s\"},\"device\":\"%s\",%s}",
                 path, dev, partition ? "\"partition\":true" : "\"netem\":{\"latency\":\"90ms\"}");

        if (rpc_client_connect(sock, &c) < 0) {
                fprintf(stderr, "cannot connect to %s\n", sock);
                return 1;
        }

        /* Warm up both paths once (page cache, module loads). */
        if (call(c, "fault.apply", apply) < 0 || call(c, "fault.recover", "{\"id\":\"bench\"}") < 0)
                return 1;
        if (partition) {
                for (int i = 0; i < rounds; i++) {
                        double t0 = now_ms();
                        if (call(c, "fault.apply", apply) < 0 || call(c, "fault.recover", "{\"id\":\"bench\"}") < 0)
                                return 1;
                        agent[i] = now_ms() - t0;
                }
                qsort(agent, rounds, sizeof(double), cmp_double);
                printf("apply+recover of a partition, %d rounds: median %.3f ms, p99 %.3f ms\n", rounds,
                       percentile(agent, rounds, 0.5), percentile(agent, rounds, 0.99));
                return 0;
        }

        char *add[] = { "ip", "netns", "exec", (char *) ns, "tc", "qdisc", "add", "dev", (char *) dev, "root",
                        "netem", "delay", "90ms", NULL };
        char *del[] = { "ip", "netns", "exec", (char *) ns, "tc", "qdisc", "del", "dev", (char *) dev, "root", NULL };
        if (run(add) != 0 || run(del) != 0) {
                fprintf(stderr, "the tc baseline failed (is sch_netem there?)\n");
                return 1;
        }

        /* Interleaved, so drift on a shared machine hits both alike. */
        for (int i = 0; i < rounds; i++) {
                double t0 = now_ms();
                if (call(c, "fault.apply", apply) < 0 || call(c, "fault.recover", "{\"id\":\"bench\"}") < 0)
                        return 1;
                agent[i] = now_ms() - t0;

                t0 = now_ms();
                if (run(add) != 0 || run(del) != 0)
                        return 1;
                tc[i] = now_ms() - t0;
        }
        rpc_client_free(c);

        qsort(agent, rounds, sizeof(double), cmp_double);
        qsort(tc, rounds, sizeof(double), cmp_double);
        uname(&un);

        printf("apply+recover of a 90 ms netem fault, %d rounds, kernel %s, %ld CPUs\n", rounds, un.release,
               sysconf(_SC_NPROCESSORS_ONLN));
        printf("| path                                   | median ms | p99 ms |\n");
        printf("|----------------------------------------|-----------|--------|\n");
        printf("| chaosletd over its socket              | %9.3f | %6.3f |\n", percentile(agent, rounds, 0.5),
               percentile(agent, rounds, 0.99));
        printf("| ip netns exec NS tc qdisc add + del    | %9.3f | %6.3f |\n", percentile(tc, rounds, 0.5),
               percentile(tc, rounds, 0.99));
        printf("speed-up (median): %.1fx\n", percentile(tc, rounds, 0.5) / percentile(agent, rounds, 0.5));
        return 0;
}
