// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The chaoslet classifier: attached in direct-action mode as a cls_bpf filter on chaoslet's root qdisc. Picks the
 * class of the first live fault that matches a packet, or drops it for partition and classifier-side loss.
 * Only __sk_buff and UAPI headers: no vmlinux.h, no CO-RE, so it loads on 5.x and 6.x kernels alike, JIT or not. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "classifier.h"

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, CLASSIFIER_DEVICES_MAX);
        __type(key, __u32);
        __type(value, struct classifier_device);
} devices SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, CLASSIFIER_COUNTERS_MAX);
        __type(key, __u32);
        __type(value, struct classifier_counters);
} counters SEC(".maps");

static __always_inline int slot_matches(const struct classifier_slot *s, struct __sk_buff *skb, __u64 now) {
        if (s->deadline_ns && now >= s->deadline_ns)
                return 0;
        /* Rules (CIDRs, ports, protocol) extend this. Today every live fault matches all traffic. */
        return 1;
}

SEC("tc")
int chaoslet_classify(struct __sk_buff *skb) {
        /* cls_bpf presets tc_classid to the 16-bit minor of the filter's own classid, which chaoslet sets to the
         * device's key (see classifier.h). */
        __u32 key = skb->tc_classid;
        struct classifier_device *dev;
        __u64 now = bpf_ktime_get_ns();

        dev = bpf_map_lookup_elem(&devices, &key);
        if (!dev)
                goto unmatched;

        for (__u32 i = 0; i < CLASSIFIER_FAULTS_MAX; i++) {
                const struct classifier_slot *s;
                struct classifier_counters *c;

                if (i >= dev->n)
                        break;
                s = &dev->slots[i];
                if (!slot_matches(s, skb, now))
                        continue;

                c = bpf_map_lookup_elem(&counters, &s->fault_key);
                if (c) {
                        c->matched_packets++;
                        c->matched_bytes += skb->len;
                }
                if ((s->flags & CLASSIFIER_F_PARTITION) ||
                    ((s->flags & CLASSIFIER_F_LOSS) && bpf_get_prandom_u32() < s->loss_prob)) {
                        if (c)
                                c->dropped_packets++;
                        return TC_ACT_SHOT;
                }
                /* Only the minor: the kernel ORs in the filter's own major (cls_bpf, direct-action). */
                skb->tc_classid = s->minor;
                return TC_ACT_OK;
        }

unmatched:
        /* Minor 0 is the qdisc itself: htb sends the packet to its direct queue, unshaped. */
        skb->tc_classid = 0;
        return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
