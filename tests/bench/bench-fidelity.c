/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: does a fault do to real packets what it says? Inside user-mode Linux (6.1, sch_netem),
 * UDP probes (tests/tools/udpprobe) from namespace a to an echo in b, the fault on a's side, applied through
 * chaosletd's socket (proto/client.h):
 *  - latency 1, 10, 100 ms: the round trip's error against the configured value, net of the base round trip
 *    measured in the same run without a fault (the baseline row);
 *  - jitter 10 ms on 50 ms, probes 25 ms apart (wider than the jitter's spread, so no probe waits for another):
 *    the delay's standard deviation against uniform +-10 ms's 10/sqrt(3) = 5.77 ms, net of the base's;
 *  - the same jitter, probes 1 ms apart: probes reordered, against the same netem added with tc (no rate, so
 *    netem's tfifo reorders), and the delay's spread when the order is kept;
 *  - loss 1, 10, 50 %: the observed rate and its 99 % Wilson interval, probes 1 ms apart;
 *  - 1 s of delay at 1,000 probes a second for 3 s: probes dropped, against tc's netem at its default limit.
 *
 *   bench-fidelity [--quick] [--json FILE]
 *
 * runs tests/bench/fidelity-uml.sh (its path is compiled in), which makes the namespaces, the echo and an agent of
 * its own and runs, inside namespace a, the measuring form:
 *
 *   bench-fidelity --socket SOCK --netns PATH --device DEV --to ADDR:PORT --udpprobe PATH [--quick] [--json FILE]
 *
 * Full run about 100 s inside uml-run.sh, boot included, --quick about 45 s. Exit status: 0, 77 outside user-mode Linux, 1 on
 * a failure, 2 on a usage error. Timings and rates never fail it. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-client.h"
#include "bench-report.h"
#include "bench-util.h"
#include "macro.h"

#define OUTPUT_MAX (1024 * 1024)     /* udpprobe --rtts: about 9 bytes a probe */
#define WILSON_Z99 2.5758293035489004     /* two-sided 99 % */
#define JITTER_MS 10.0
#define JITTER_BASE_MS 50.0
#define QUEUE_DELAY_MS 1000
#define LATENCY_CHUNKS 3
/* Socket buffers of prober and echo (udpprobe --buffer): after a stall of user-mode Linux the prober sends what is
 * due at once, and default buffers (about 280 small datagrams) would lose a burst of a few hundred ms of it. */
#define PROBE_BUFFER "8388608"
#define STALL_MS 2.0             /* what counts as a scheduling stall beyond a distribution's support */

typedef struct Plan {
        unsigned base, latency, jitter, order, loss, queue;      /* probes per run */
} Plan;

static const Plan plan_full = { .base = 500, .latency = 500, .jitter = 800, .order = 2000, .loss = 5000, .queue = 3000 };
static const Plan plan_quick = { .base = 200, .latency = 150, .jitter = 240, .order = 1000, .loss = 2000, .queue = 2000 };

typedef struct Bench {
        RpcClient *client;
        const char *netns, *device, *to, *udpprobe;
        cJSON *report;
} Bench;

/* One udpprobe run: its counts, and the round trips of the probes that came back, in sequence order. */
typedef struct Probe {
        unsigned sent, received, lost, reordered;
        double *rtt;            /* received of them, malloc'd */
} Probe;

static void probe_done(Probe *p) {
        free(p->rtt);
        *p = (Probe) {};
}

/* Median and p99 of rtt - offset (bench_stat(): nearest rank). */
static BenchStat probe_stat(const Probe *p, double offset) {
        double *v = malloc(sizeof(double) * (p->received ? p->received : 1));
        BenchStat s;

        if (!v)
                return (BenchStat) { NAN, NAN, 0 };
        for (unsigned i = 0; i < p->received; i++)
                v[i] = p->rtt[i] - offset;
        s = bench_stat(v, p->received);
        free(v);
        return s;
}

/* Standard deviation of the round trips within [lo, hi] ms; *ret_out counts those outside (scheduling stalls of
 * user-mode Linux, tens of ms, which would otherwise dominate it). */
static double probe_stddev_within(const Probe *p, double lo, double hi, unsigned *ret_out) {
        double sum = 0, sq = 0, mean;
        unsigned n = 0;

        for (unsigned i = 0; i < p->received; i++)
                if (p->rtt[i] >= lo && p->rtt[i] <= hi) {
                        sum += p->rtt[i];
                        n++;
                }
        *ret_out = p->received - n;
        if (n < 2)
                return NAN;
        mean = sum / n;
        for (unsigned i = 0; i < p->received; i++)
                if (p->rtt[i] >= lo && p->rtt[i] <= hi)
                        sq += (p->rtt[i] - mean) * (p->rtt[i] - mean);
        return sqrt(sq / (n - 1));
}

static double json_number(const cJSON *o, const char *name) {
        const cJSON *v = cJSON_GetObjectItem(o, name);

        return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* count probes interval_ms apart; a reply later than timeout_ms after its probe counts as lost. */
static int probe(const Bench *b, unsigned count, unsigned interval_ms, unsigned timeout_ms, Probe *ret) {
        char c[16], i[16], t[16], *out;
        char *argv[] = { (char *) b->udpprobe, "probe", "--to", (char *) b->to, "--count", c, "--interval", i,
                         "--timeout", t, "--json", "--rtts", "--buffer", PROBE_BUFFER, NULL };
        const cJSON *rtts, *v;
        Probe p = {};
        cJSON *o;
        int r;

        snprintf(c, sizeof(c), "%u", count);
        snprintf(i, sizeof(i), "%u", interval_ms);
        snprintf(t, sizeof(t), "%u", timeout_ms);
        out = malloc(OUTPUT_MAX);
        if (!out)
                return -ENOMEM;
        r = bench_exec_capture(argv, out, OUTPUT_MAX);
        o = r == 0 ? cJSON_Parse(out) : NULL;
        free(out);
        rtts = cJSON_GetObjectItem(o, "rtt_ms");
        if (!cJSON_IsArray(rtts)) {
                fprintf(stderr, "udpprobe probe failed (%d) or printed no round trips\n", r);
                cJSON_Delete(o);
                return -EIO;
        }
        p = (Probe) {
                .sent = (unsigned) json_number(o, "sent"),
                .received = (unsigned) json_number(o, "received"),
                .lost = (unsigned) json_number(o, "lost"),
                .reordered = (unsigned) json_number(o, "reordered"),
                .rtt = calloc(cJSON_GetArraySize(rtts) + 1, sizeof(double)),
        };
        if (!p.rtt) {
                cJSON_Delete(o);
                return -ENOMEM;
        }
        p.received = 0;
        cJSON_ArrayForEach(v, rtts)
                if (cJSON_IsNumber(v))
                        p.rtt[p.received++] = v->valuedouble;
        fprintf(stderr, "  %u probes %u ms apart: received %u, reordered %u, median %.3f ms, longest loss run %.0f\n",
                count, interval_ms, p.received, p.reordered, probe_stat(&p, 0).median,
                json_number(o, "longest_loss_run"));
        cJSON_Delete(o);
        *ret = p;
        return 0;
}

/* Appends what of src came back to dst, and frees src. */
static int probe_merge(Probe *dst, Probe *src) {
        double *rtt = realloc(dst->rtt, sizeof(double) * (dst->received + src->received + 1));

        if (!rtt) {
                probe_done(src);
                return -ENOMEM;
        }
        memcpy(rtt + dst->received, src->rtt, sizeof(double) * src->received);
        dst->rtt = rtt;
        dst->sent += src->sent;
        dst->received += src->received;
        dst->lost += src->lost;
        dst->reordered += src->reordered;
        probe_done(src);
        return 0;
}

/* netem is the fault's "netem" object, as JSON text. */
static int apply(const Bench *b, const char *id, const char *netem) {
        cJSON *p = cJSON_CreateObject(), *target = cJSON_AddObjectToObject(p, "target");

        cJSON_AddStringToObject(p, "id", id);
        cJSON_AddStringToObject(target, "netns", b->netns);
        cJSON_AddStringToObject(p, "device", b->device);
        cJSON_AddItemToObject(p, "netem", cJSON_Parse(netem));
        return bench_call(b->client, "fault.apply", p, NULL);
}

static int recover(const Bench *b, const char *id) {
        cJSON *p = cJSON_CreateObject();

        cJSON_AddStringToObject(p, "id", id);
        return bench_call(b->client, "fault.recover", p, NULL);
}

/* The baselines' netem, added with tc as a user would (this process runs in the target namespace). */
static int tc_netem(const Bench *b, bool add, const char *delay, const char *jitter) {
        char *argv[] = { "tc", "qdisc", add ? "add" : "del", "dev", (char *) b->device, "root", "netem", "delay",
                         (char *) delay, (char *) jitter, NULL };

        if (!add)
                argv[6] = NULL;
        return bench_exec(argv, true) == 0 ? 0 : -EIO;
}

/* Wilson score interval of k successes in n, in percent. */
static void wilson(unsigned k, unsigned n, double *ret_lo, double *ret_hi) {
        double p = (double) k / n, z2 = WILSON_Z99 * WILSON_Z99, d = 1 + z2 / n;
        double c = (p + z2 / (2. * n)) / d, h = WILSON_Z99 * sqrt(p * (1 - p) / n + z2 / (4. * n * n)) / d;

        *ret_lo = 100 * fmax(0, c - h);
        *ret_hi = 100 * fmin(1, c + h);
}

/* The delay's spread alone: the base round trip's variance comes off (independent sums add variances). */
static double net_stddev(double sd, double base_sd) {
        return sd > base_sd ? sqrt(sd * sd - base_sd * base_sd) : 0;
}

/* The spread of a jittered delay, net of the base's: both within a window that holds every delay netem can draw
 * (JITTER_BASE_MS +- JITTER_MS) and STALL_MS beyond it, so only stalls fall outside. */
static double jitter_stddev(const Probe *p, const Probe *base, BenchStat bs, unsigned *ret_out) {
        unsigned base_out;
        double sd = probe_stddev_within(p, bs.median + JITTER_BASE_MS - JITTER_MS - STALL_MS,
                                        bs.median + JITTER_BASE_MS + JITTER_MS + STALL_MS, ret_out);
        double base_sd = probe_stddev_within(base, bs.median - STALL_MS, bs.median + STALL_MS, &base_out);

        return net_stddev(sd, base_sd);
}

static const char *cell(double v, char *buf, size_t size) {
        if (!isfinite(v))
                return "–";
        snprintf(buf, size, "%.3f", v);
        return buf;
}

static void row(const Bench *b, const char *figure, const char *unit, BenchStat s, const char *baseline, BenchStat bs,
                const char *target, int met) {
        char c[4][32];

        bench_report_row(b->report, figure, unit, s, baseline, bs, target, met);
        printf("| %s | %s %s | %s | %s | %s | %s | %s | %s |\n", figure, cell(s.median, c[0], sizeof(c[0])), unit,
               cell(s.p99, c[1], sizeof(c[1])), baseline ? baseline : "–",
               cell(baseline ? bs.median : NAN, c[2], sizeof(c[2])), cell(baseline ? bs.p99 : NAN, c[3], sizeof(c[3])),
               target ? target : "–", met < 0 || !target ? "–" : met ? "yes" : "**no**");
        fflush(stdout);
}

static int measure(Bench *b, const Plan *plan) {
        static const double latencies[] = { 1, 10, 100 };
        static const double losses[] = { 1, 10, 50 };
        Probe base = {}, base_fast = {}, p = {}, tcp = {};
        char figure[160], netem[160], target[96], delay[32], note[320], baseline_buf[96];
        double lo, hi, expected = JITTER_MS / sqrt(3), sd, tc_sd;
        BenchStat none = { NAN, NAN, 0 }, bs, s, ts;
        unsigned out, tc_out;
        bool carried;
        int r = -EIO;

        printf("| figure | median | p99 | baseline | baseline median | baseline p99 | target | met |\n");
        printf("|---|---|---|---|---|---|---|---|\n");

        fprintf(stderr, "base (no fault):\n");
        if (probe(b, plan->base, 10, 1000, &base) < 0)
                goto finish;
        bs = probe_stat(&base, 0);
        row(b, "base RTT, no fault (probes 10 ms apart)", "ms", bs, NULL, none, NULL, -1);

        for (size_t i = 0; i < ELEMENTSOF(latencies); i++) {
                double l = latencies[i], tol = fmax(0.2, l * 0.02);

                fprintf(stderr, "latency %.0f ms, chaoslet then tc:\n", l);
                snprintf(netem, sizeof(netem), "{\"latency\":\"%.0fms\"}", l);
                snprintf(delay, sizeof(delay), "%.0fms", l);
                /* Interleaved in chunks, so that a slow spell of the shared machine hits both alike. */
                for (unsigned k = 0; k < LATENCY_CHUNKS; k++) {
                        Probe chunk = {};

                        if (apply(b, "fidelity", netem) < 0 ||
                            probe(b, plan->latency / LATENCY_CHUNKS, 10, 500, &chunk) < 0 ||
                            recover(b, "fidelity") < 0 || probe_merge(&p, &chunk) < 0)
                                goto finish;
                        if (tc_netem(b, true, delay, NULL) < 0 ||
                            probe(b, plan->latency / LATENCY_CHUNKS, 10, 500, &chunk) < 0 ||
                            tc_netem(b, false, NULL, NULL) < 0 || probe_merge(&tcp, &chunk) < 0)
                                goto finish;
                }
                s = probe_stat(&p, bs.median + l);
                ts = probe_stat(&tcp, bs.median + l);
                snprintf(figure, sizeof(figure), "latency %.0f ms: RTT - base - %.0f ms", l, l);
                snprintf(baseline_buf, sizeof(baseline_buf), "tc netem delay %s, same error", delay);
                /* No "|" in it: the report is a markdown table. */
                snprintf(target, sizeof(target), "median within +-%.1f ms", tol);
                row(b, figure, "ms", s, baseline_buf, ts, target, fabs(s.median) <= tol);
                probe_done(&p);
                probe_done(&tcp);
        }

        fprintf(stderr, "jitter, probes 25 ms apart:\n");
        snprintf(netem, sizeof(netem), "{\"latency\":\"%.0fms\",\"jitter\":\"%.0fms\"}", JITTER_BASE_MS, JITTER_MS);
        if (apply(b, "fidelity", netem) < 0 || probe(b, plan->jitter, 25, 1000, &p) < 0)
                goto finish;
        sd = jitter_stddev(&p, &base, bs, &out);
        row(b, "jitter 10 ms on 50 ms, probes 25 ms apart: delay stddev", "ms", (BenchStat) { sd, NAN, p.received },
            "uniform +-10 ms: 10/sqrt(3)", (BenchStat) { expected, NAN, 0 }, "within 15 % of 5.774 ms",
            fabs(sd - expected) <= 0.15 * expected);
        snprintf(note, sizeof(note), "Jitter, probes 25 ms apart: %u of %u round trips outside 50 +- 12 ms (stalls) "
                 "left out of the stddev; delay median %.3f ms, p99 %.3f ms (uniform: 50, 59.8).",
                 out, p.received, probe_stat(&p, bs.median).median, probe_stat(&p, bs.median).p99);
        bench_report_note(b->report, note);
        probe_done(&p);

        fprintf(stderr, "jitter, probes 1 ms apart, chaoslet then tc:\n");
        if (probe(b, plan->order, 1, 2000, &p) < 0 || recover(b, "fidelity") < 0)
                goto finish;
        if (tc_netem(b, true, "50ms", "10ms") < 0) {
                fprintf(stderr, "tc qdisc add ... netem failed (is sch_netem there?)\n");
                goto finish;
        }
        if (probe(b, plan->order, 1, 2000, &tcp) < 0 || tc_netem(b, false, NULL, NULL) < 0)
                goto finish;
        row(b, "jitter 10 ms on 50 ms, probes 1 ms apart: reordered probes", "probes",
            (BenchStat) { p.reordered, NAN, p.sent }, "tc netem delay 50ms 10ms (no rate)",
            (BenchStat) { tcp.reordered, NAN, tcp.sent }, "0 (no reorder asked)", p.reordered == 0);
        sd = jitter_stddev(&p, &base, bs, &out);
        tc_sd = jitter_stddev(&tcp, &base, bs, &tc_out);
        row(b, "jitter 10 ms on 50 ms, probes 1 ms apart: delay stddev (order kept)", "ms",
            (BenchStat) { sd, NAN, p.received }, "tc netem delay 50ms 10ms (reorders)",
            (BenchStat) { tc_sd, NAN, tcp.received }, NULL, -1);
        row(b, "jitter 10 ms on 50 ms, probes 1 ms apart: RTT - base", "ms", probe_stat(&p, bs.median),
            "tc netem delay 50ms 10ms (reorders)", probe_stat(&tcp, bs.median), NULL, -1);
        probe_done(&p);
        probe_done(&tcp);

        fprintf(stderr, "loss baseline, probes 1 ms apart:\n");
        if (probe(b, plan->loss, 1, 1000, &base_fast) < 0)
                goto finish;
        /* Without a fault nothing may be lost; when something is, the kernel could not keep up with 1,000 probes a
         * second (a busy machine under user-mode Linux), and an observed rate says nothing about the fault. */
        carried = base_fast.lost * 1000 <= base_fast.sent;
        if (!carried) {
                snprintf(note, sizeof(note), "The no-fault run 1 ms apart lost %u of %u probes: this kernel did not "
                         "keep up with 1,000 probes a second during the run (a busy machine?), so the loss rows' met "
                         "is left empty. Rerun on a quiet machine.", base_fast.lost, base_fast.sent);
                bench_report_note(b->report, note);
        }
        for (size_t i = 0; i < ELEMENTSOF(losses); i++) {
                double l = losses[i], observed;

                fprintf(stderr, "loss %.0f %%:\n", l);
                snprintf(netem, sizeof(netem), "{\"loss\":%.0f}", l);
                if (apply(b, "fidelity", netem) < 0 || probe(b, plan->loss, 1, 1000, &p) < 0 ||
                    recover(b, "fidelity") < 0)
                        goto finish;
                observed = 100. * p.lost / p.sent;
                wilson(p.lost, p.sent, &lo, &hi);
                snprintf(figure, sizeof(figure), "loss %.0f %%: observed (99 %% Wilson interval %.2f-%.2f %%)", l,
                         lo, hi);
                row(b, figure, "%", (BenchStat) { observed, NAN, p.sent }, "no fault, probes 1 ms apart",
                    (BenchStat) { 100. * base_fast.lost / base_fast.sent, NAN, base_fast.sent },
                    "configured in the interval", carried ? lo <= l && l <= hi : -1);
                probe_done(&p);
        }

        fprintf(stderr, "1 s of delay at 1,000 pps, chaoslet then tc:\n");
        if (apply(b, "fidelity", "{\"latency\":\"1s\"}") < 0 ||
            probe(b, plan->queue, 1, QUEUE_DELAY_MS + 1500, &p) < 0 || recover(b, "fidelity") < 0)
                goto finish;
        if (tc_netem(b, true, "1s", NULL) < 0 || probe(b, plan->queue, 1, QUEUE_DELAY_MS + 1500, &tcp) < 0 ||
            tc_netem(b, false, NULL, NULL) < 0)
                goto finish;
        snprintf(figure, sizeof(figure), "1 s delay, 1,000 pps for %.0f s: probes lost", plan->queue / 1000.);
        row(b, figure, "probes", (BenchStat) { p.lost, NAN, p.sent }, "tc netem delay 1s (default limit 1,000)",
            (BenchStat) { tcp.lost, NAN, tcp.sent }, "0", p.lost == 0);
        r = 0;
finish:
        probe_done(&base);
        probe_done(&base_fast);
        probe_done(&p);
        probe_done(&tcp);
        return r;
}

static void help(void) {
        printf("Usage: bench-fidelity [--quick] [--json FILE]\n"
               "       bench-fidelity --socket SOCK --netns PATH --device DEV --to ADDR:PORT --udpprobe PATH\n"
               "                      [--quick] [--json FILE]\n"
               "\n"
               "Fidelity of latency, jitter, loss, ordering and netem's queue limit on real UDP probes, inside\n"
               "user-mode Linux (tests/kernel/uml-run.sh). The first form sets up the namespaces and an agent\n"
               "(" FIDELITY_SCRIPT ") and runs the second inside namespace a.\n"
               "\n"
               "  --json FILE   Also write the report contract's object (tests/bench/bench-report.h)\n"
               "  --quick       Fewer probes: about 45 s in user-mode Linux instead of 100 s\n");
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                BENCH_OPTIONS,
                { "socket", required_argument, NULL, 's' }, { "netns", required_argument, NULL, 'n' },
                { "device", required_argument, NULL, 'd' }, { "to", required_argument, NULL, 't' },
                { "udpprobe", required_argument, NULL, 'u' },
                {}
        };
        const char *json = NULL, *socket = NULL;
        const Plan *plan = &plan_full;
        Bench b = {};
        char note[256];
        int opt, r;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'q':
                        plan = &plan_quick;
                        break;
                case 's':
                        socket = optarg;
                        break;
                case 'n':
                        b.netns = optarg;
                        break;
                case 'd':
                        b.device = optarg;
                        break;
                case 't':
                        b.to = optarg;
                        break;
                case 'u':
                        b.udpprobe = optarg;
                        break;
                default:
                        r = bench_opt_default(opt, optarg, &json, help);
                        if (r >= 0)
                                return r;
                }
        if (optind != argc)
                return 2;

        if (!socket) {
                /* The first form: the script sets up and runs us again with the second. */
                char *args[8] = { "/bin/bash", FIDELITY_SCRIPT, argv[0] };
                unsigned n = 3;

                if (!getenv("UML_RUN")) {
                        printf("skip: runs inside user-mode Linux (sch_netem): tests/kernel/uml-run.sh %s\n", argv[0]);
                        return 77;
                }
                if (plan == &plan_quick)
                        args[n++] = "--quick";
                if (json) {
                        args[n++] = "--json";
                        args[n++] = (char *) json;
                }
                args[n] = NULL;
                setenv("BUILD_DIR", FIDELITY_BUILD_DIR, 0);
                execv(args[0], args);
                perror("exec " FIDELITY_SCRIPT);
                return 1;
        }
        if (!b.netns || !b.device || !b.to || !b.udpprobe) {
                fprintf(stderr, "--socket needs --netns, --device, --to and --udpprobe\n");
                return 2;
        }

        r = rpc_client_connect(socket, &b.client);
        if (r < 0) {
                fprintf(stderr, "cannot connect to %s: %s\n", socket, strerror(-r));
                return 1;
        }
        b.report = bench_report_new("fidelity", "Fidelity of faults on real packets", "uml");
        printf("Fidelity on real UDP probes, kernel %s (user-mode Linux), %s run\n\n",
               cJSON_GetObjectItem(b.report, "kernel")->valuestring, plan == &plan_quick ? "quick" : "full");
        r = measure(&b, plan);
        rpc_client_free(b.client);
        if (r < 0) {
                cJSON_Delete(b.report);
                return 1;
        }

        bench_report_note(b.report, "UDP probes (tests/tools/udpprobe) from namespace a to an echo in b over veth, the "
                                    "fault on a's egress, applied through chaosletd's socket; user-mode Linux has one "
                                    "CPU and its timers add their own spread.");
        bench_report_note(b.report, "Delay stddev rows are net of the base RTT's: sqrt(s^2 - s_base^2).");
        bench_report_note(b.report, "Loss without a correlation is decided by chaoslet's classifier "
                                    "(bpf_get_prandom_u32), not by netem.");
        bench_report_note(b.report, "With jitter and no rate of its own, chaoslet gives netem a 100 Gbit/s rate, so "
                                    "that no packet is scheduled before the one queued last (docs/kernel-layout.md): "
                                    "no reordering, at the price of a narrower, later delay when packets come closer "
                                    "together than the jitter's spread.");
        snprintf(note, sizeof(note), "netem's limit, when the fault gives none: 100 kpps over the longest delay, "
                                     "1,000..100,000 (100,000 for 1 s). Probes per run: %u base, %u latency, %u "
                                     "jitter, %u order, %u loss, %u queue.",
                 plan->base, plan->latency, plan->jitter, plan->order, plan->loss, plan->queue);
        bench_report_note(b.report, note);
        return bench_report_finish(b.report, json) < 0 ? 1 : 0;
}
