/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: one chaosletd holding 1,000 live faults, 10 in each of 100 namespaces.
 *
 *   bench-scale [--json FILE] [--quick] [--idle-seconds N] [--setup-ms MS] --socket PATH --agent-pid PID
 *               --netns NAME:DEV [--netns ...]
 *
 * The suite's `scale` benchmark (tests/bench/scale.sh creates the namespaces and starts the agent). Every fault is
 * selective, on DEV in its namespace, and lives 10m: fault j of a namespace matches 198.51.100.(j+1)/32 (j < 5) or
 * 203.0.113.(j-4)/32, and is a partition, a 30% loss (done by the classifier alone) or a 10mbit cap, in turn.
 * In order:
 *  - at start: the agent's VmHWM, its idle CPU with no fault, fault.list with no fault;
 *  - the exec baseline: `ip netns exec NS tc class add dev DEV parent 1: classid 1:K htb rate 10mbit` (and the
 *    matching `tc class del`) TC_SAMPLES times over the first namespaces, each on an htb root put there untimed and
 *    deleted afterwards: one exec per fault, a lower bound of the exec way;
 *  - fault.apply of all faults over one connection, one after the other;
 *  - VmHWM, fault.list (100 calls), idle CPU, all with every fault live, and once `ip netns exec NS tc qdisc show`
 *    in every namespace (what listing costs the exec way);
 *  - fault.recover of every fault, then: fault.list is empty, and no namespace has chaoslet's htb root (c4a0:) or
 *    an IFB (chaoslet-i*).
 * Idle CPU is the agent's time on CPU (sum of /proc/PID/task/TID/schedstat, nanoseconds) per 1 s window; the
 * utime+stime of /proc/PID/stat over the whole time is given in a note (it counts in ticks).
 *
 * Exit status: 0, 1 on a failure, 2 on a usage error. Timings never fail it. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench-client.h"
#include "bench-report.h"
#include "bench-util.h"

#define NETNS_MAX 100
#define NETNS_QUICK 10
#define FAULTS_PER_NETNS 10
#define FAULTS_MAX 1000                 /* the agent holds 1024 */
#define LIST_CALLS 100
#define TC_SAMPLES 100
#define TC_NETNS 10
#define IDLE_SECONDS 10
#define IDLE_SECONDS_QUICK 3
#define IDLE_SECONDS_MAX 60
#define CAPTURE_MAX (1u << 20)

typedef struct Netns {
        char *name, *dev;
        char path[256];
} Netns;

typedef struct Bench {
        RpcClient *client;
        pid_t agent;
        Netns netns[NETNS_MAX];
        unsigned n_netns, per_netns, n_faults, idle_seconds;
        cJSON *report;
} Bench;

static BenchStat one(double v) {
        return (BenchStat) { v, v, 1 };
}

static void fault_id(char *buf, size_t size, unsigned n, unsigned j) {
        snprintf(buf, size, "scale-%03u-%u", n, j);
}

static cJSON *fault_params(const Netns *ns, unsigned n, unsigned j, unsigned per_netns) {
        cJSON *p = cJSON_CreateObject(), *cidrs;
        char id[32], cidr[32];

        fault_id(id, sizeof(id), n, j);
        if (j < (per_netns + 1) / 2)
                snprintf(cidr, sizeof(cidr), "198.51.100.%u/32", j + 1);
        else
                snprintf(cidr, sizeof(cidr), "203.0.113.%u/32", j - (per_netns + 1) / 2 + 1);
        cJSON_AddStringToObject(p, "id", id);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "target"), "netns", ns->path);
        cJSON_AddStringToObject(p, "device", ns->dev);
        cJSON_AddStringToObject(p, "duration", "10m");
        cidrs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(p, "match"), "cidrs");
        cJSON_AddItemToArray(cidrs, cJSON_CreateString(cidr));
        switch (j % 3) {
        case 0:
                cJSON_AddTrueToObject(p, "partition");
                break;
        case 1:
                cJSON_AddNumberToObject(cJSON_AddObjectToObject(p, "netem"), "loss", 30);
                break;
        default:
                cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "bandwidth"), "rate", "10mbit");
                break;
        }
        return p;
}

static cJSON *id_params(unsigned n, unsigned j) {
        cJSON *p = cJSON_CreateObject();
        char id[32];

        fault_id(id, sizeof(id), n, j);
        cJSON_AddStringToObject(p, "id", id);
        return p;
}

/* A field of /proc/PID/status, in kB; -errno. */
static long status_kb(pid_t pid, const char *field) {
        char path[64], line[256];
        size_t len = strlen(field);
        long kb = -ENOENT;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, field, len) == 0 && line[len] == ':') {
                        kb = strtol(line + len + 1, NULL, 10);
                        break;
                }
        fclose(f);
        return kb;
}

/* The agent's time on CPU, all threads, in ns (schedstat's first field); -errno. */
static int64_t cpu_ns(pid_t pid) {
        char path[320];
        struct dirent *de;
        int64_t sum = 0;
        DIR *d;

        snprintf(path, sizeof(path), "/proc/%d/task", (int) pid);
        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                unsigned long long ns;
                FILE *f;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int) pid, de->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                if (fscanf(f, "%llu", &ns) == 1)
                        sum += (int64_t) ns;
                fclose(f);
        }
        closedir(d);
        return sum;
}

/* utime+stime of /proc/PID/stat, in clock ticks; -errno. */
static long cpu_ticks(pid_t pid) {
        char path[64], buf[1024], *p;
        unsigned long ut, st;
        size_t n;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        /* The command name may hold spaces and parentheses: the fields start after the last ')'. Fields 14 and 15,
         * counted from the state (field 3). */
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
                return -EBADMSG;
        return (long) (ut + st);
}

/* The agent's CPU, in %, in each of `seconds` windows of 1 s; *ret_ticks gets the utime+stime delta. */
static int idle_cpu(Bench *b, double *pct, long *ret_ticks) {
        struct timespec second = { 1, 0 };
        long t0 = cpu_ticks(b->agent), t1;

        for (unsigned i = 0; i < b->idle_seconds; i++) {
                int64_t c0 = cpu_ns(b->agent), c1;
                double w0 = bench_now_ms(), w1;

                while (nanosleep(&second, &second) < 0 && errno == EINTR)
                        ;
                second = (struct timespec) { 1, 0 };
                c1 = cpu_ns(b->agent);
                w1 = bench_now_ms();
                if (c0 < 0 || c1 < 0) {
                        fprintf(stderr, "cannot read the agent's schedstat\n");
                        return -EIO;
                }
                pct[i] = (double) (c1 - c0) / 1e6 / (w1 - w0) * 100;
        }
        t1 = cpu_ticks(b->agent);
        *ret_ticks = t0 >= 0 && t1 >= 0 ? t1 - t0 : -1;
        return 0;
}

static double thread_cpu_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* LIST_CALLS fault.list calls, each checked for `expect` faults. Where the time goes, per call: the agent's CPU
 * and this client's (sending, receiving and parsing the reply), in ms. */
static int list_latency(Bench *b, unsigned expect, double *ms, size_t *ret_bytes, double *ret_agent_ms,
                        double *ret_client_ms) {
        int64_t agent0 = cpu_ns(b->agent);
        double client0 = thread_cpu_ms();

        for (unsigned i = 0; i < LIST_CALLS; i++) {
                cJSON *result = NULL;
                double t0 = bench_now_ms();
                int n;

                if (bench_call(b->client, "fault.list", NULL, &result) < 0)
                        return -EPROTO;
                ms[i] = bench_now_ms() - t0;
                n = cJSON_GetArraySize(cJSON_GetObjectItem(result, "faults"));
                if (i == 0 && ret_bytes) {
                        char *text = cJSON_PrintUnformatted(result);

                        *ret_bytes = text ? strlen(text) : 0;
                        free(text);
                }
                cJSON_Delete(result);
                if (n != (int) expect) {
                        fprintf(stderr, "fault.list has %d faults, expected %u\n", n, expect);
                        return -EPROTO;
                }
        }
        if (ret_agent_ms)
                *ret_agent_ms = (double) (cpu_ns(b->agent) - agent0) / 1e6 / LIST_CALLS;
        if (ret_client_ms)
                *ret_client_ms = (thread_cpu_ms() - client0) / LIST_CALLS;
        return 0;
}

/* TC_SAMPLES exec `tc class add` (and as many `tc class del`), spread over the first TC_NETNS namespaces, each
 * holding an htb root of the baseline's own meanwhile. */
static int exec_tc(Bench *b, double *add, double *del) {
        unsigned k = b->n_netns < TC_NETNS ? b->n_netns : TC_NETNS, per = TC_SAMPLES / k, i = 0;
        char classid[16];
        int r = 0;

        for (unsigned n = 0; n < k; n++) {
                Netns *ns = &b->netns[n];
                char *root_add[] = { "tc", "-n", ns->name, "qdisc", "add", "dev", ns->dev, "root", "handle", "1:",
                                     "htb", NULL };
                char *root_del[] = { "tc", "-n", ns->name, "qdisc", "del", "dev", ns->dev, "root", NULL };
                char *class_add[] = { "ip", "netns", "exec", ns->name, "tc", "class", "add", "dev", ns->dev,
                                      "parent", "1:", "classid", classid, "htb", "rate", "10mbit", NULL };
                char *class_del[] = { "ip", "netns", "exec", ns->name, "tc", "class", "del", "dev", ns->dev,
                                      "classid", classid, NULL };
                unsigned count = n == k - 1 ? TC_SAMPLES - i : per;

                if (bench_exec(root_add, true) != 0) {
                        fprintf(stderr, "tc qdisc add htb root in %s failed\n", ns->name);
                        return -EIO;
                }
                for (unsigned c = 0; c < count && r == 0; c++) {
                        double t0 = bench_now_ms();

                        snprintf(classid, sizeof(classid), "1:%x", c + 1);
                        if (bench_exec(class_add, true) != 0)
                                r = -EIO;
                        add[i + c] = bench_now_ms() - t0;
                }
                for (unsigned c = 0; c < count && r == 0; c++) {
                        double t0 = bench_now_ms();

                        snprintf(classid, sizeof(classid), "1:%x", c + 1);
                        if (bench_exec(class_del, true) != 0)
                                r = -EIO;
                        del[i + c] = bench_now_ms() - t0;
                }
                if (bench_exec(root_del, true) != 0 && r == 0)
                        r = -EIO;
                if (r < 0) {
                        fprintf(stderr, "the exec tc baseline failed in %s\n", ns->name);
                        return r;
                }
                i += count;
        }
        return 0;
}

/* `ip netns exec NS tc qdisc show dev DEV` in every namespace, once: the total in ms. */
static double exec_tc_show(Bench *b, char *buf) {
        double t0 = bench_now_ms();

        for (unsigned n = 0; n < b->n_netns; n++) {
                Netns *ns = &b->netns[n];
                char *show[] = { "ip", "netns", "exec", ns->name, "tc", "qdisc", "show", "dev", ns->dev, NULL };

                if (bench_exec_capture(show, buf, CAPTURE_MAX) != 0)
                        return NAN;
        }
        return bench_now_ms() - t0;
}

/* The number of namespaces with something of chaoslet's left: its htb root, or an IFB. */
static unsigned residue(Bench *b, char *buf) {
        unsigned left = 0;

        for (unsigned n = 0; n < b->n_netns; n++) {
                Netns *ns = &b->netns[n];
                char *qdiscs[] = { "tc", "-n", ns->name, "qdisc", "show", NULL };
                char *links[] = { "ip", "-n", ns->name, "-o", "link", "show", NULL };
                bool dirty;

                dirty = bench_exec_capture(qdiscs, buf, CAPTURE_MAX) != 0 || strstr(buf, "htb c4a0:");
                if (!dirty)
                        dirty = bench_exec_capture(links, buf, CAPTURE_MAX) != 0 || strstr(buf, "chaoslet-i");
                if (dirty) {
                        fprintf(stderr, "something of chaoslet's is left in %s:\n%s\n", ns->name, buf);
                        left++;
                }
        }
        return left;
}

static void row(Bench *b, const char *figure, const char *unit, BenchStat s, const char *baseline, BenchStat base,
                const char *target, int met) {
        bench_report_row(b->report, figure, unit, s, baseline, base, target, met);
        printf("| %s | %.3f %s | %.3f %s | %s | %.3f | %.3f | %s | %s |\n", figure, s.median, unit, s.p99, unit,
               baseline ? baseline : "–", base.median, base.p99, target ? target : "–",
               !target || met < 0 ? "–" : met ? "yes" : "**no**");
}

static void note(Bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(Bench *b, const char *fmt, ...) {
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        bench_report_note(b->report, text);
}

static void help(void) {
        printf("Usage: bench-scale [--json FILE] [--quick] [--idle-seconds N] [--faults-per-netns N] [--setup-ms MS]\n"
               "                   --socket PATH --agent-pid PID --netns NAME:DEV [--netns ...]\n"
               "\n"
               "One chaosletd with %d faults in each namespace given (up to %d), all live at once: apply time,\n"
               "fault.list latency, peak RSS, idle CPU, recover time and what is left, against exec tc and the\n"
               "agent without faults, in the same run. tests/bench/scale.sh sets it up.\n"
               "\n"
               "  --json FILE        Also write the report contract's object (tests/bench/bench-report.h)\n"
               "  --quick            Only the first %d namespaces, idle CPU over %d s instead of %d s\n"
               "  --idle-seconds N   Idle CPU windows of 1 s (1 to %d)\n"
               "  --faults-per-netns N  Faults in each namespace (default %d, at most 64; %d in all)\n"
               "  --setup-ms MS      How long the namespaces took to make, for a note\n"
               "  --socket PATH      The agent's socket\n"
               "  --agent-pid PID    The agent's process, for /proc/PID/{status,stat,task}\n"
               "  --netns NAME:DEV   A namespace (its name under /run/netns) and its device\n",
               FAULTS_PER_NETNS, NETNS_MAX, NETNS_QUICK, IDLE_SECONDS_QUICK, IDLE_SECONDS, IDLE_SECONDS_MAX,
               FAULTS_PER_NETNS, FAULTS_MAX);
}

static int run_bench(Bench *b) {
        double *apply = NULL, *recover = NULL, *tc_add = NULL, *tc_del = NULL, list0[LIST_CALLS],
               list_n[LIST_CALLS], idle0[IDLE_SECONDS_MAX], idle_n[IDLE_SECONDS_MAX], t0, apply_total,
               recover_total, tc_show, list_agent_ms, list_client_ms;
        long hwm0, rss0, hwm_apply, hwm_n, rss_n, ticks0, ticks_n;
        char figure[128], base[160], *buf = NULL;
        unsigned i = 0, left;
        BenchStat s, sb;
        size_t list_bytes = 0;
        cJSON *result = NULL;
        int r = -ENOMEM;

        apply = calloc(b->n_faults, sizeof(double));
        recover = calloc(b->n_faults, sizeof(double));
        tc_add = calloc(TC_SAMPLES, sizeof(double));
        tc_del = calloc(TC_SAMPLES, sizeof(double));
        buf = malloc(CAPTURE_MAX);
        if (!apply || !recover || !tc_add || !tc_del || !buf)
                goto finish;

        /* The agent as started, and with nothing to do. */
        r = -EIO;
        hwm0 = status_kb(b->agent, "VmHWM");
        rss0 = status_kb(b->agent, "VmRSS");
        if (hwm0 < 0 || rss0 < 0) {
                fprintf(stderr, "cannot read /proc/%d/status\n", (int) b->agent);
                goto finish;
        }
        if (idle_cpu(b, idle0, &ticks0) < 0 || list_latency(b, 0, list0, NULL, NULL, NULL) < 0)
                goto finish;
        if (exec_tc(b, tc_add, tc_del) < 0)
                goto finish;

        t0 = bench_now_ms();
        for (unsigned n = 0; n < b->n_netns; n++)
                for (unsigned j = 0; j < b->per_netns; j++, i++) {
                        double t1 = bench_now_ms();

                        if (bench_call(b->client, "fault.apply", fault_params(&b->netns[n], n, j, b->per_netns),
                                       NULL) < 0) {
                                fprintf(stderr, "fault %u of %s\n", j, b->netns[n].name);
                                goto finish;
                        }
                        apply[i] = bench_now_ms() - t1;
                }
        apply_total = bench_now_ms() - t0;

        hwm_apply = status_kb(b->agent, "VmHWM");
        if (list_latency(b, b->n_faults, list_n, &list_bytes, &list_agent_ms, &list_client_ms) < 0 ||
            idle_cpu(b, idle_n, &ticks_n) < 0)
                goto finish;
        /* The peak with every fault live: the lists' replies are part of it. */
        hwm_n = status_kb(b->agent, "VmHWM");
        rss_n = status_kb(b->agent, "VmRSS");
        tc_show = exec_tc_show(b, buf);

        t0 = bench_now_ms();
        i = 0;
        for (unsigned n = 0; n < b->n_netns; n++)
                for (unsigned j = 0; j < b->per_netns; j++, i++) {
                        double t1 = bench_now_ms();

                        if (bench_call(b->client, "fault.recover", id_params(n, j), NULL) < 0)
                                goto finish;
                        recover[i] = bench_now_ms() - t1;
                }
        recover_total = bench_now_ms() - t0;
        if (bench_call(b->client, "fault.list", NULL, &result) < 0)
                goto finish;
        left = residue(b, buf) + (cJSON_GetArraySize(cJSON_GetObjectItem(result, "faults")) > 0);

        printf("%u faults over %u namespaces, kernel %s, %ld CPUs\n\n", b->n_faults, b->n_netns,
               cJSON_GetStringValue(cJSON_GetObjectItem(b->report, "kernel")), sysconf(_SC_NPROCESSORS_ONLN));
        printf("| figure | median | p99 | baseline | baseline median | baseline p99 | target | met |\n");
        printf("|---|---|---|---|---|---|---|---|\n");

        /* The exec baseline's total is its sample scaled to the same number of changes. */
        s = bench_stat(tc_add, TC_SAMPLES);
        snprintf(figure, sizeof(figure), "apply %u faults, one connection, sequential (total)", b->n_faults);
        snprintf(base, sizeof(base), "%u x exec `tc class add` (%d timed, scaled)", b->n_faults, TC_SAMPLES);
        {
                double sum = 0;

                for (unsigned k = 0; k < TC_SAMPLES; k++)
                        sum += tc_add[k];
                row(b, figure, "s", one(apply_total / 1e3), base, one(sum * b->n_faults / TC_SAMPLES / 1e3), NULL,
                    -1);
        }
        sb = bench_stat(apply, b->n_faults);
        row(b, "fault.apply, each", "ms", sb, "exec `ip netns exec NS tc class add ... htb`, each", s, NULL, -1);

        s = bench_stat(list_n, LIST_CALLS);
        sb = bench_stat(list0, LIST_CALLS);
        snprintf(figure, sizeof(figure), "fault.list with %u live faults", b->n_faults);
        row(b, figure, "ms", s, "fault.list with 0 faults", sb, "<= 20 ms", s.p99 <= 20);

        snprintf(figure, sizeof(figure), "agent peak RSS (VmHWM) with %u faults", b->n_faults);
        row(b, figure, "MiB", one(hwm_n / 1024.0), "VmHWM at start", one(hwm0 / 1024.0), "<= 8 MiB",
            hwm_n <= 8 * 1024);

        s = bench_stat(idle_n, b->idle_seconds);
        sb = bench_stat(idle0, b->idle_seconds);
        snprintf(figure, sizeof(figure), "agent idle CPU with %u live faults (1 s windows)", b->n_faults);
        row(b, figure, "%", s, "idle CPU with 0 faults", sb, "< 0.1%", s.p99 < 0.1);

        {
                double sum = 0;

                for (unsigned k = 0; k < TC_SAMPLES; k++)
                        sum += tc_del[k];
                snprintf(figure, sizeof(figure), "recover %u faults, sequential (total)", b->n_faults);
                snprintf(base, sizeof(base), "%u x exec `tc class del` (%d timed, scaled)", b->n_faults,
                         TC_SAMPLES);
                row(b, figure, "s", one(recover_total / 1e3), base, one(sum * b->n_faults / TC_SAMPLES / 1e3),
                    "nothing left", left == 0);
        }
        row(b, "fault.recover, each", "ms", bench_stat(recover, b->n_faults),
            "exec `ip netns exec NS tc class del`, each", bench_stat(tc_del, TC_SAMPLES), NULL, -1);

        note(b, "%u namespaces, one device each (veth), %u faults in each, every one selective (one /32 of "
                "198.51.100.0/24 or 203.0.113.0/24) and 10m long: partition, 30%% loss (classifier) and 10mbit cap "
                "in turn (%u, %u and %u of them)", b->n_netns, b->per_netns,
             b->n_netns * ((b->per_netns + 2) / 3), b->n_netns * ((b->per_netns + 1) / 3),
             b->n_netns * (b->per_netns / 3));
        note(b, "exec baseline: %d `ip netns exec NS tc class add dev D parent 1: classid 1:K htb rate 10mbit` "
                "(and as many `tc class del`) over %u namespaces, posix_spawn()ed and waited for; the totals scale "
                "that sample to %u; one exec per fault is a lower bound for an exec-based daemon",
             TC_SAMPLES, b->n_netns < TC_NETNS ? b->n_netns : TC_NETNS, b->n_faults);
        note(b, "fault.apply each: the first fault of a namespace builds its tree (the p99), the other %u are warm",
             b->per_netns - 1);
        note(b, "fault.list: %d calls over one connection, each reply parsed by cJSON in the client (%zu bytes "
                "of JSON with %u faults); per call %.2f ms of the agent's CPU (schedstat) and %.2f ms of the "
                "client's (CLOCK_THREAD_CPUTIME_ID); baseline fault.list with no fault, measured first",
             LIST_CALLS, list_bytes, b->n_faults, list_agent_ms, list_client_ms);
        note(b, "listing the same namespaces the exec way, `ip netns exec NS tc qdisc show dev D` in each of the "
                "%u, took %.0f ms", b->n_netns, tc_show);
        note(b, "RSS: VmHWM %ld kB after the applies, %ld kB after the fault.list calls too (the row; VmRSS then "
                "%ld kB); at start VmHWM %ld kB (VmRSS %ld kB)", hwm_apply, hwm_n, rss_n, hwm0, rss0);
        note(b, "idle CPU: the agent's schedstat run time per 1 s window, %u windows; utime+stime of /proc/PID/stat "
                "over them: %ld ticks with the faults, %ld with none (%ld ticks/s)", b->idle_seconds, ticks_n,
             ticks0, sysconf(_SC_CLK_TCK));
        note(b, "recover: after it, fault.list %s, and %u of %u namespaces had an htb c4a0: root or a chaoslet-i* "
                "link left", cJSON_GetArraySize(cJSON_GetObjectItem(result, "faults")) ? "was NOT empty" : "was empty",
             left - (cJSON_GetArraySize(cJSON_GetObjectItem(result, "faults")) > 0), b->n_netns);
        r = 0;

finish:
        cJSON_Delete(result);
        if (r < 0) {
                /* Leave nothing behind for the next run: best effort, errors already printed. */
                for (unsigned n = 0; n < b->n_netns; n++)
                        for (unsigned j = 0; j < b->per_netns; j++) {
                                RpcError err = {};
                                cJSON *res = NULL;

                                if (rpc_client_call(b->client, "fault.recover", id_params(n, j), &res, &err) < 0)
                                        cJSON_Delete(err.data);
                                cJSON_Delete(res);
                        }
        }
        free(apply);
        free(recover);
        free(tc_add);
        free(tc_del);
        free(buf);
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                BENCH_OPTIONS,
                { "idle-seconds", required_argument, NULL, 'i' }, { "setup-ms", required_argument, NULL, 'S' },
                { "socket", required_argument, NULL, 's' },       { "agent-pid", required_argument, NULL, 'p' },
                { "netns", required_argument, NULL, 'n' },        { "faults-per-netns", required_argument, NULL, 'f' },
                {}
        };
        const char *json = NULL, *sock = NULL;
        char title[128];
        Bench b = { .idle_seconds = IDLE_SECONDS, .per_netns = FAULTS_PER_NETNS };
        double setup_ms = NAN;
        bool quick = false, idle_set = false;
        int opt, r;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'q':
                        quick = true;
                        break;
                case 'i':
                        b.idle_seconds = (unsigned) strtoul(optarg, NULL, 10);
                        if (b.idle_seconds < 1 || b.idle_seconds > IDLE_SECONDS_MAX) {
                                fprintf(stderr, "--idle-seconds: 1 to %d\n", IDLE_SECONDS_MAX);
                                return 2;
                        }
                        idle_set = true;
                        break;
                case 'f':
                        b.per_netns = (unsigned) strtoul(optarg, NULL, 10);
                        if (b.per_netns < 1 || b.per_netns > 64) {     /* the agent holds 64 on a device */
                                fprintf(stderr, "--faults-per-netns: 1 to 64\n");
                                return 2;
                        }
                        break;
                case 'S':
                        setup_ms = strtod(optarg, NULL);
                        break;
                case 's':
                        sock = optarg;
                        break;
                case 'p':
                        b.agent = (pid_t) strtol(optarg, NULL, 10);
                        break;
                case 'n': {
                        char *dev = strchr(optarg, ':');
                        Netns *ns;

                        if (b.n_netns == NETNS_MAX || !dev || dev == optarg || !dev[1]) {
                                fprintf(stderr, "--netns NAME:DEV (at most %d)\n", NETNS_MAX);
                                return 2;
                        }
                        *dev++ = 0;
                        ns = &b.netns[b.n_netns++];
                        *ns = (Netns) { .name = optarg, .dev = dev };
                        snprintf(ns->path, sizeof(ns->path), "/run/netns/%s", ns->name);
                        break;
                }
                default:
                        r = bench_opt_default(opt, optarg, &json, help);
                        if (r >= 0)
                                return r;
                }
        if (optind < argc || !sock || b.agent <= 0 || b.n_netns == 0) {
                help();
                return 2;
        }
        if (quick) {
                if (b.n_netns > NETNS_QUICK)
                        b.n_netns = NETNS_QUICK;
                if (!idle_set)
                        b.idle_seconds = IDLE_SECONDS_QUICK;
        }
        b.n_faults = b.n_netns * b.per_netns;
        if (b.n_faults > FAULTS_MAX) {
                fprintf(stderr, "at most %d faults in all (the agent holds 1024)\n", FAULTS_MAX);
                return 2;
        }

        if (rpc_client_connect(sock, &b.client) < 0) {
                fprintf(stderr, "cannot connect to %s\n", sock);
                return 1;
        }
        snprintf(title, sizeof(title), "%u live faults in %u namespaces, one agent", b.n_faults, b.n_netns);
        b.report = bench_report_new("scale", title, "host");
        if (isfinite(setup_ms))
                note(&b, "setup: the %u namespaces (veth pairs, tests/lib/netns.sh) took %.0f ms to make", b.n_netns,
                     setup_ms);

        r = run_bench(&b);
        rpc_client_free(b.client);
        if (r < 0) {
                cJSON_Delete(b.report);
                return 1;
        }
        return bench_report_finish(b.report, json) < 0 ? 1 : 0;
}
