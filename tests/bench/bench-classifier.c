/* SPDX-License-Identifier: MIT */
/* Benchmark, not a test: the classifier's cost per packet, measured with BPF_PROG_TEST_RUN on the program chaosletd
 * loads, for a fault with 0, 1, 1,000 and 65,536 CIDRs that do not match the packet (the worst case: every rule is
 * consulted and the LPM walk goes as deep as it can). Baseline in the same run: the device with no fault at all.
 *
 *   bench-classifier [REPEAT]
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

/* ns per run, as the kernel measured it over `repeat` runs; the median of 5 such batches. */
static double run(int prog_fd, unsigned repeat, int *ret_retval) {
        double v[5];

        for (int b = 0; b < 5; b++) {
                LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = packet, .data_size_in = sizeof(packet),
                            .repeat = repeat);
                if (bpf_prog_test_run_opts(prog_fd, &o) < 0) {
                        perror("BPF_PROG_TEST_RUN");
                        exit(1);
                }
                v[b] = o.duration;
                *ret_retval = (int) o.retval;
        }
        for (int i = 0; i < 5; i++)
                for (int j = i + 1; j < 5; j++)
                        if (v[j] < v[i]) {
                                double t = v[i];
                                v[i] = v[j];
                                v[j] = t;
                        }
        return v[2];
}

int main(int argc, char **argv) {
        static const unsigned sizes[] = { 0, 1, 1000, 65536 };
        unsigned repeat = argc > 1 ? (unsigned) atoi(argv[1]) : 200000;
        struct classifier_device dev = { .n = 0, .l2_len = 14, .inspect = 1 };
        Classifier *c = NULL;
        Cidr *cidrs;
        double base, zero = 0;
        ClassifierCidrSet set = {};
        int k, retval;
        struct utsname un;

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
        for (unsigned i = 0; i < 65536; i++)
                cidrs[i] = nth_cidr(i);

        /* BPF_PROG_TEST_RUN hands the program a zero tc_classid, so the device is key 0 here (the agent's keys
         * start at 0x100). */
        classifier_device_update(c, 0, &dev);
        dev.n = 0;
        base = run(classifier_prog_fd(c), repeat, &retval);

        uname(&un);
        {
                struct bpf_prog_info info = {};
                __u32 len = sizeof(info);

                if (bpf_obj_get_info_by_fd(classifier_prog_fd(c), &info, &len) == 0)
                        printf("verifier: %u instructions processed of its 1,000,000 budget; %u instructions\n",
                               info.verified_insns, info.xlated_prog_len / 8);
        }
        printf("classifier cost per packet (BPF_PROG_TEST_RUN, %u runs x 5, median), kernel %s, loaded with the agent's "
               "capabilities\n", repeat, un.release);
        printf("| CIDRs in the fault | ns/packet | added vs no fault | added vs 0 CIDRs     |\n");
        printf("|--------------------|-----------|-------------------|----------------------|\n");
        printf("| no fault           | %9.1f | %17s | %20s |\n", base, "-", "-");

        dev.n = 1;
        dev.slots[0] = (struct classifier_slot) { .minor = 1, .fault_key = 7 };
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
                double t;

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
                if (sizes[s] == 0)
                        zero = t;
                printf("| %18u | %9.1f | %+17.1f | %+20.1f |\n", sizes[s], t, t - base, t - zero);
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
                double t = run(classifier_prog_fd(c), repeat, &retval);
                printf("| %18s | %9.1f | %+17.1f | %+20.1f |\n", "65536, LPM trie", t, t - base, t - zero);
        }
        classifier_free(c);
        free(cidrs);
        return 0;
}
