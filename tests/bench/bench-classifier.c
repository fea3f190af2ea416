/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: the classifier's cost per packet, measured with BPF_PROG_TEST_RUN on the program chaosletd
 * loads, for a fault with 0, 1, 1,000 and 65,536 CIDRs that do not match the packet (the worst case: every rule is
 * consulted and the LPM walk goes as deep as it can). Baseline in the same run: the device with no fault at all.
 *
 *   bench-classifier [--json FILE] [--quick] [--batches N] [REPEAT]
 *
 * Each figure is N batches (default 101; --quick, the performance suite's quick mode, 31) of REPEAT runs (default
 * 20,000); the kernel times each batch, and the row gives the median and p99 of the N per-batch means. --json writes the report contract's object (bench-report.h).
 *
 * CIDRs are IPv6 prefixes inside 2001:db8::/32 (documentation space): 2001:db8:N::/48 for N = 1..65535, then
 * 2001:db8:0:N::/64; the packet goes to 2001:db8::2, which none of them covers. Two prefix lengths: the per-length
 * hash (ebpf/classifier.h). A last row spreads the same prefixes over five lengths, which takes the LPM trie. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench-report.h"
#include "caps.h"
#include "cidr.h"
#include "loader.h"

static unsigned char packet[14 + 40 + 8 + 64];

static void build_packet(void) {
        struct ipv6hdr *ip6 = (struct ipv6hdr *) (packet + 14);
        struct udphdr *udp = (struct udphdr *) (packet + 14 + 40);

        memset(packet, 0, sizeof(packet));
        packet[12] = 0x86; /* ETH_P_IPV6 */
        packet[13] = 0xdd;
        ip6->version = 6;
        ip6->payload_len = htons(8 + 64);
        ip6->nexthdr = IPPROTO_UDP;
        ip6->hop_limit = 64;
        inet_pton(AF_INET6, "2001:db8::1", &ip6->saddr);
        inet_pton(AF_INET6, "2001:db8::2", &ip6->daddr);
        udp->source = htons(40000);
        udp->dest = htons(7);
        udp->len = htons(8 + 64);
}

static Cidr nth_cidr(unsigned i) {
        Cidr c = { .family = AF_INET6 };
        char buf[64];

        if (i < 65535)
                snprintf(buf, sizeof(buf), "2001:db8:%x::/48", i + 1);
        else
                snprintf(buf, sizeof(buf), "2001:db8:0:%x::/64", i - 65535 + 1);
        if (cidr_from_string(buf, &c) < 0)
                abort();
        return c;
}

static unsigned batches = 101;

/* ns per run, as the kernel measured it over `repeat` runs, for each of `batches` batches. */
static BenchStat run(int prog_fd, unsigned repeat, int *ret_retval) {
        double *v = calloc(batches, sizeof(double));
        BenchStat s;

        if (!v)
                abort();
        for (unsigned b = 0; b < batches; b++) {
                LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = packet, .data_size_in = sizeof(packet),
                            .repeat = repeat);
                if (bpf_prog_test_run_opts(prog_fd, &o) < 0) {
                        perror("BPF_PROG_TEST_RUN");
                        exit(1);
                }
                v[b] = o.duration;
                *ret_retval = (int) o.retval;
        }
        s = bench_stat(v, batches);
        free(v);
        return s;
}

static const char *row_name(unsigned n) {
        switch (n) {
        case 0: return "0 CIDRs (rule misses on protocol)";
        case 1: return "1 CIDR, miss";
        case 1000: return "1k CIDRs, miss";
        default: return "64k CIDRs, miss";
        }
}

static void print_row(const char *name, BenchStat t, BenchStat base, BenchStat zero) {
        printf("| %-34s | %9.1f | %9.1f | %+17.1f | %+16.1f |\n", name, t.median, t.p99, t.median - base.median,
               zero.n ? t.median - zero.median : 0.0);
}

int main(int argc, char **argv) {
        static const unsigned sizes[] = { 0, 1, 1000, 65536 };
        unsigned repeat = 20000;
        const char *json = NULL;
        struct classifier_device dev = { .n = 0, .l2_len = 14, .inspect = 1 };
        Classifier *c = NULL;
        Cidr *cidrs;
        BenchStat base, zero = {};
        ClassifierCidrSet set = {};
        int k, retval;
        struct utsname un;
        cJSON *report;
        char note[256];

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
                        json = argv[++i];
                else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
                        batches = (unsigned) atoi(argv[++i]);
                else if (strcmp(argv[i], "--quick") == 0)
                        batches = 31;
                else if (argv[i][0] != '-')
                        repeat = (unsigned) atoi(argv[i]);
                else {
                        fprintf(stderr, "usage: %s [--json FILE] [--quick] [--batches N] [REPEAT]\n", argv[0]);
                        return 2;
                }
        }
        if (batches < 1 || batches > 100000 || repeat < 1) {
                fprintf(stderr, "--batches must be 1..100000 and REPEAT at least 1\n");
                return 2;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "needs root (BPF_PROG_TEST_RUN on a tc program)\n");
                return 77;
        }

        /* Load it as chaosletd does, with the agent's capabilities only: without CAP_PERFMON the verifier keeps its
         * Spectre hardening, which costs time per packet, and the agent's figure is the one that matters. */
        k = caps_drop_to_minimum();
        if (k < 0) {
                fprintf(stderr, "dropping to the agent's capabilities failed: %s\n", strerror(-k));
                return 1;
        }
        k = classifier_load(&c);
        if (k < 0) {
                fprintf(stderr, "loading the classifier failed: %s\n", strerror(-k));
                return 1;
        }
        build_packet();
        cidrs = calloc(65536, sizeof(Cidr));
        if (!cidrs)
                return 1;
        for (unsigned i = 0; i < 65536; i++)
                cidrs[i] = nth_cidr(i);

        report = bench_report_new("classifier", "Classifier cost per packet (BPF_PROG_TEST_RUN)", "host");
        snprintf(note, sizeof(note), "%u batches of %u runs per figure; median and p99 of the per-batch mean ns", batches,
                 repeat);
        bench_report_note(report, note);
        bench_report_note(report, "loaded with the agent's capabilities (no CAP_PERFMON: Spectre hardening on)");
        bench_report_note(report, "IPv6 UDP packet to 2001:db8::2; CIDRs are 2001:db8:N::/48 and /64, none covers it");

        /* BPF_PROG_TEST_RUN hands the program a zero tc_classid, so the device is key 0 here (the agent's keys
         * start at 0x100). */
        classifier_device_update(c, 0, &dev);
        dev.n = 0;
        base = run(classifier_prog_fd(c), repeat, &retval);
        bench_report_row(report, "no fault", "ns", base, NULL, base, NULL, -1);

        uname(&un);
        {
                struct bpf_prog_info info = {};
                __u32 len = sizeof(info);

                if (bpf_obj_get_info_by_fd(classifier_prog_fd(c), &info, &len) == 0) {
                        printf("verifier: %u instructions processed of its 1,000,000 budget; %u instructions\n",
                               info.verified_insns, info.xlated_prog_len / 8);
                        snprintf(note, sizeof(note), "verifier: %u instructions processed; program %u instructions",
                                 info.verified_insns, info.xlated_prog_len / 8);
                        bench_report_note(report, note);
                }
        }
        printf("classifier cost per packet (BPF_PROG_TEST_RUN, %u batches of %u runs), kernel %s, loaded with the "
               "agent's capabilities\n", batches, repeat, un.release);
        printf("| %-34s | ns median |   ns p99  | added vs no fault | added vs 0 CIDRs |\n", "CIDRs in the fault");
        printf("|------------------------------------|-----------|-----------|-------------------|------------------|\n");
        print_row("no fault", base, base, zero);

        dev.n = 1;
        dev.slots[0] = (struct classifier_slot) { .minor = 1, .fault_key = 7 };
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
                BenchStat t;

                if (sizes[s] > 0) {
                        dev.slots[0].flags = 0;
                        dev.slots[0].protocol = 0;
                        classifier_cidrs_remove(c, 7, cidrs, 65536, &set);
                        if (classifier_cidrs_add(c, 7, cidrs, sizes[s], &set) < 0) {
                                fprintf(stderr, "loading %u CIDRs failed\n", sizes[s]);
                                return 1;
                        }
                        classifier_slot_set_cidrs(&dev.slots[0], &set);
                } else {
                        /* No CIDRs; a protocol the packet does not have (TCP, for a UDP packet), so the rule is
                         * evaluated and misses without a map lookup: the difference to the rows below is the CIDR
                         * lookup alone. */
                        dev.slots[0].flags = 0;
                        dev.slots[0].protocol = IPPROTO_TCP;
                }
                classifier_device_update(c, 0, &dev);
                t = run(classifier_prog_fd(c), repeat, &retval);
                if (sizes[s] == 0) {
                        zero = t;
                        bench_report_row(report, row_name(0), "ns", t, "no fault", base, NULL, -1);
                } else if (sizes[s] == 65536)
                        bench_report_row(report, row_name(sizes[s]), "ns", t, row_name(0), zero,
                                         "<= 50 ns added vs 0 CIDRs", t.median - zero.median <= 50.0);
                else
                        bench_report_row(report, row_name(sizes[s]), "ns", t, row_name(0), zero, NULL, -1);
                print_row(row_name(sizes[s]), t, base, zero);
        }
        /* The same 65,536 prefixes spread over five lengths (/48../52 on the same addresses): more lengths than the
         * per-length hash takes, so they go to the LPM trie. */
        classifier_cidrs_remove(c, 7, cidrs, 65536, &set);
        for (unsigned i = 0; i < 65535; i++)
                cidrs[i].prefixlen = (uint8_t) (48 + i % 5);
        if (classifier_cidrs_add(c, 7, cidrs, 65536, &set) < 0)
                return 1;
        dev.slots[0].flags = 0;
        classifier_slot_set_cidrs(&dev.slots[0], &set);
        classifier_device_update(c, 0, &dev);
        {
                BenchStat t = run(classifier_prog_fd(c), repeat, &retval);

                print_row("64k CIDRs, 5 lengths (LPM trie)", t, base, zero);
                bench_report_row(report, "64k CIDRs over 5 prefix lengths (LPM trie), miss", "ns", t, row_name(0),
                                 zero, NULL, -1);
        }
        classifier_free(c);
        free(cidrs);
        if (json)
                return bench_report_write(report, json) < 0 ? 1 : 0;
        cJSON_Delete(report);
        return 0;
}
