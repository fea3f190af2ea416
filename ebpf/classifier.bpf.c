// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The chaoslet classifier: attached in direct-action mode as a cls_bpf filter on chaoslet's root qdisc (a device's
 * own for egress, chaoslet's IFB for ingress). Picks the class of the first live fault whose rule matches a packet,
 * or drops the packet for a partition and for classifier-side loss.
 *
 * Only __sk_buff, bpf_skb_load_bytes() and UAPI headers: no vmlinux.h, no CO-RE, no direct packet access, so it
 * loads on 5.x and 6.x kernels alike, JIT or interpreter. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "classifier.h"

#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, CLASSIFIER_DEVICES_MAX);
        /* Entries are ~5.6 KiB: allocate them as devices come, not 4096 of them up front. */
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, __u32);
        __type(value, struct classifier_device);
} devices SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, CLASSIFIER_COUNTERS_MAX);
        __type(key, __u32);
        __type(value, struct classifier_counters);
} counters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_LPM_TRIE);
        __uint(max_entries, CLASSIFIER_CIDRS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct classifier_lpm4);
        __type(value, __u8);
} cidrs4 SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_LPM_TRIE);
        __uint(max_entries, CLASSIFIER_CIDRS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct classifier_lpm6);
        __type(value, __u8);
} cidrs6 SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, CLASSIFIER_CIDRS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct classifier_hash_key);
        __type(value, __u8);
} cidr_hash SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, CLASSIFIER_CIDRS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, struct classifier_hash_key64);
        __type(value, __u8);
} cidr_hash64 SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, CLASSIFIER_COUNTERS_MAX);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, __u32);
        __type(value, struct classifier_ports);
} port_sets SEC(".maps");

/* What a rule looks at, taken from the packet once. */
struct packet {
        __u8 family;            /* 4, 6, or 0: not IP */
        __u8 protocol;
        __u8 has_port;
        __u16 port;             /* host order: the remote end's port */
        __u8 addr[16];          /* the remote end's address */
};

/* Walk at most this many IPv6 extension headers looking for the transport header. */
#define IPV6_EXT_MAX 4

static __always_inline void parse(struct __sk_buff *skb, const struct classifier_device *dev, struct packet *p) {
        __u32 off = dev->l2_len, ports_off;
        int ingress = dev->direction == CLASSIFIER_DIR_INGRESS;
        __u16 ports[2];

        /* One helper call per header: each bpf_skb_load_bytes() costs about as much as the rest of the parse. */
        if (skb->protocol == bpf_htons(ETH_P_IP)) {
                __u8 hdr[20];

                if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
                        return;
                p->family = 4;
                p->protocol = hdr[9];
                __builtin_memcpy(p->addr, ingress ? hdr + 12 : hdr + 16, 4);
                /* A non-first fragment has no transport header: it has no port. */
                if (((hdr[6] << 8) | hdr[7]) & 0x1fff)
                        return;
                ports_off = off + (hdr[0] & 0x0f) * 4;
        } else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
                __u8 hdr[40], next;

                if (bpf_skb_load_bytes(skb, off, hdr, sizeof(hdr)) < 0)
                        return;
                p->family = 6;
                next = hdr[6];
                __builtin_memcpy(p->addr, ingress ? hdr + 8 : hdr + 24, 16);
                ports_off = off + 40;
                for (int i = 0; i < IPV6_EXT_MAX; i++) {
                        __u8 ext[4];

                        /* hop-by-hop, routing, destination options: length in 8-octet units past the first 8 */
                        if (next != 0 && next != 43 && next != 60 && next != 44)
                                break;
                        if (bpf_skb_load_bytes(skb, ports_off, ext, sizeof(ext)) < 0)
                                return;
                        if (next == 44) {
                                next = ext[0];
                                ports_off += 8;
                                if (((ext[2] << 8) | ext[3]) & 0xfff8) {
                                        /* A non-first fragment: its payload is not a transport header. */
                                        p->protocol = next;
                                        return;
                                }
                                continue;
                        }
                        next = ext[0];
                        ports_off += (ext[1] + 1) * 8;
                }
                p->protocol = next;
        } else
                return;

        if (p->protocol != IPPROTO_TCP && p->protocol != IPPROTO_UDP && p->protocol != IPPROTO_SCTP)
                return;
        if (bpf_skb_load_bytes(skb, ports_off, ports, 4) < 0)
                return;
        p->has_port = 1;
        p->port = bpf_ntohs(ingress ? ports[0] : ports[1]);
}

/* Network-order mask of the first plen bits of a 64-bit half. */
static __always_inline __u64 mask64(int plen) {
        if (plen <= 0)
                return 0;
        if (plen >= 64)
                return ~0ULL;
        return bpf_cpu_to_be64(~0ULL << (64 - plen));
}

static __always_inline int hash_matches(const struct classifier_slot *s, const struct packet *p) {
        struct classifier_hash_key k = { .fault_key = s->fault_key, .family = p->family };
        const __u8 *lens = p->family == 4 ? s->lens4 : s->lens6;
        int n = p->family == 4 ? s->n_lens4 : s->n_lens6;
        __u64 hi, lo;

        __builtin_memcpy(&hi, p->addr, 8);
        __builtin_memcpy(&lo, p->addr + 8, 8);
        for (int i = 0; i < CLASSIFIER_HASH_LENS_MAX; i++) {
                int plen;
                __u64 h, l;

                if (i >= n)
                        break;
                plen = lens[i];
                h = hi & mask64(plen);
                if (plen <= 64) {
                        struct classifier_hash_key64 k64 = {
                                .tag = classifier_hash_tag(s->fault_key, p->family, plen),
                        };

                        __builtin_memcpy(k64.addr, &h, 8);
                        if (bpf_map_lookup_elem(&cidr_hash64, &k64))
                                return 1;
                        continue;
                }
                l = lo & mask64(plen - 64);
                k.prefixlen = plen;
                __builtin_memcpy(k.addr, &h, 8);
                __builtin_memcpy(k.addr + 8, &l, 8);
                if (bpf_map_lookup_elem(&cidr_hash, &k))
                        return 1;
        }
        return 0;
}

static __always_inline int lpm4_matches(const struct classifier_slot *s, const struct packet *p) {
        struct classifier_lpm4 k = { .prefixlen = 64, .fault_key = bpf_htonl(s->fault_key) };

        __builtin_memcpy(k.addr, p->addr, 4);
        return bpf_map_lookup_elem(&cidrs4, &k) != 0;
}

static __always_inline int lpm6_matches(const struct classifier_slot *s, const struct packet *p) {
        struct classifier_lpm6 k = { .prefixlen = 160, .fault_key = bpf_htonl(s->fault_key) };

        __builtin_memcpy(k.addr, p->addr, 16);
        return bpf_map_lookup_elem(&cidrs6, &k) != 0;
}

static __always_inline int addr_matches(const struct classifier_slot *s, const struct packet *p) {
        if (!(s->flags & CLASSIFIER_F_CIDRS))
                return 1;
        if (p->family == 4 && (s->flags & CLASSIFIER_F_CIDR4)) {
                if (!(s->flags & CLASSIFIER_F_CIDR4_LPM))
                        return hash_matches(s, p);
                return lpm4_matches(s, p);
        }
        if (p->family == 6 && (s->flags & CLASSIFIER_F_CIDR6)) {
                if (!(s->flags & CLASSIFIER_F_CIDR6_LPM))
                        return hash_matches(s, p);
                return lpm6_matches(s, p);
        }
        return 0;
}

static __always_inline int protocol_matches(const struct classifier_slot *s, const struct packet *p) {
        if (s->protocol == 0)
                return 1;
        if (p->family == 0)
                return 0;
        if (s->protocol == IPPROTO_ICMP)
                return p->protocol == (p->family == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
        return p->protocol == s->protocol;
}

static __always_inline int port_matches(const struct classifier_slot *s, const struct packet *p) {
        const struct classifier_ports *ports;
        __u32 word;

        if (s->n_ports == 0)
                return 1;
        if (!p->has_port)
                return 0;
        ports = bpf_map_lookup_elem(&port_sets, &s->fault_key);
        if (!ports)
                return 0;
        /* The check the verifier sees on the very register used as the index: 6.1's loses the bound of a
         * masked value that clang computed early and spilled. */
        word = p->port >> 6;
        asm volatile("" : "+r"(word));
        if (word >= 65536 / 64)
                return 0;
        return (ports->bits[word] >> (p->port & 63)) & 1;
}

/* A target in the node's own namespace (a hostNetwork pod) is told apart by its sockets' cgroup: the ancestor of
 * the socket's cgroup at the target's depth is the target's cgroup. bpf_skb_ancestor_cgroup_id() rather than
 * bpf_skb_cgroup_id(): a pod's sockets sit in its containers' cgroups below the pod's, and a container's may sit
 * in a child of its scope (crun's "container" subgroup). Packets without a local socket (forwarded ones) give 0,
 * which never matches: they are the node's. Egress only: at tc ingress no socket is attached yet. */
static __always_inline int cgroup_matches(struct __sk_buff *skb, const struct classifier_slot *s) {
        if (!(s->flags & CLASSIFIER_F_CGROUP))
                return 1;
        return bpf_skb_ancestor_cgroup_id(skb, s->cgroup_level) == s->cgroup_id;
}

SEC("tc")
int chaoslet_classify(struct __sk_buff *skb) {
        /* cls_bpf presets tc_classid to the 16-bit minor of the filter's own classid, which chaoslet sets to the
         * device's key (see classifier.h). */
        __u32 key = skb->tc_classid;
        struct classifier_device *dev;
        struct packet p = {};
        __u64 now;

        dev = bpf_map_lookup_elem(&devices, &key);
        if (!dev)
                goto unmatched;

        now = bpf_ktime_get_ns();
        /* Only when some rule looks at the packet: faults on all traffic need no parse. */
        if (dev->inspect) {
                __u32 family, protocol, has_port, port;

                parse(skb, dev, &p);
                /* Launder what parse() found into plain unknown scalars. parse() has many exits, each leaving
                 * different known constants behind; without this the verifier walks the 64-slot loop once per
                 * exit, which is most of its instruction budget. */
                family = p.family;
                protocol = p.protocol;
                has_port = p.has_port;
                port = p.port;
                asm volatile("" : "+r"(family), "+r"(protocol), "+r"(has_port), "+r"(port));
                p.family = family;
                p.protocol = protocol;
                p.has_port = has_port;
                p.port = port;
        }

        for (__u32 i = 0; i < CLASSIFIER_FAULTS_MAX; i++) {
                const struct classifier_slot *s;
                struct classifier_counters *c;

                if (i >= dev->n)
                        break;
                s = &dev->slots[i];
                /* Past its deadline a fault is inert, whether or not the agent is alive to remove it. */
                if (s->deadline_ns && now >= s->deadline_ns)
                        continue;
                if (!protocol_matches(s, &p) || !port_matches(s, &p) || !addr_matches(s, &p) ||
                    !cgroup_matches(skb, s))
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
                /* Only the minor: the kernel ORs in the filter's own major (cls_bpf, direct-action). Minor 0 for a
                 * fault without a class: the packet survived its loss, and goes on unshaped. */
                skb->tc_classid = s->minor;
                return TC_ACT_OK;
        }

unmatched:
        /* Minor 0 is the qdisc itself: htb sends the packet to its direct queue, unshaped. */
        skb->tc_classid = 0;
        return TC_ACT_OK;
}

/* Ingress: a classic-mode filter on the device's clsact ingress hook. Returning -1 means "match, use the filter's
 * own result", and the filter's act_mirred then hands the packet to chaoslet's IFB, where chaoslet_classify picks
 * the fault. bpf_redirect() to an IFB loses packets on 6.1 kernels; mirred works on every kernel (DESIGN.md). */
SEC("tc")
int chaoslet_ingress(struct __sk_buff *skb) {
        return -1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
