/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#pragma once

/* Shared between classifier.bpf.c and user space. Plain UAPI types only. */

#include <linux/types.h>

/* At most this many live faults per device, in application order. */
#define CLASSIFIER_FAULTS_MAX 64
#define CLASSIFIER_PORT_RANGES_MAX 16

/* Which address of a packet a fault's CIDRs and ports name: the remote end. Egress: destination; ingress (on
 * chaoslet's IFB): source. */
enum {
        CLASSIFIER_DIR_EGRESS = 0,
        CLASSIFIER_DIR_INGRESS = 1,
};

enum {
        CLASSIFIER_F_PARTITION = 1 << 0,   /* drop every matched packet */
        CLASSIFIER_F_LOSS = 1 << 1,        /* drop matched packets with probability loss_prob */
        CLASSIFIER_F_CIDR4 = 1 << 2,       /* the fault has IPv4 CIDRs: an IPv4 packet must hit one */
        CLASSIFIER_F_CIDR6 = 1 << 3,       /* the fault has IPv6 CIDRs: an IPv6 packet must hit one */
        CLASSIFIER_F_CIDRS = 1 << 4,       /* the fault names addresses at all: a family without CIDRs misses */
        CLASSIFIER_F_CIDR4_LPM = 1 << 5,   /* IPv4 CIDRs are in the LPM trie, not the per-length hash */
        CLASSIFIER_F_CIDR6_LPM = 1 << 6,
        CLASSIFIER_F_CGROUP = 1 << 7,      /* only packets of sockets in cgroup v2 cgroup_id (or below it) */
};

/* A fault's CIDRs of one family live in one of two places:
 *  - the per-length hash (cidr_hash), when they use at most CLASSIFIER_HASH_LENS_MAX distinct prefix lengths: one
 *    exact lookup per length, of the packet's address masked to it. Measured on 6.18 with 65,536 /48+/64 prefixes:
 *    two hash lookups cost ~43 ns against ~70 ns for one LPM trie walk (tests/bench/bench-classifier.c);
 *  - the LPM trie (cidrs4/cidrs6) otherwise: one walk, whatever the lengths. */
#define CLASSIFIER_HASH_LENS_MAX 4

struct classifier_port_range {
        __u16 lo, hi;                      /* host byte order, inclusive; user space only: see classifier_ports */
};

struct classifier_slot {
        __u64 deadline_ns;      /* bpf_ktime_get_ns() clock (CLOCK_MONOTONIC); 0: none */
        __u16 minor;            /* the fault's class minor on this device; 0: no class (drop-only faults) */
        __u16 flags;            /* CLASSIFIER_F_* */
        __u32 loss_prob;        /* 0..UINT32_MAX */
        __u32 fault_key;        /* counters, and the CIDR sets' key prefix */
        __u8 protocol;          /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP (ICMPv6 for IPv6 packets), 0: all */
        __u8 n_ports;           /* 0: any port; else the fault's bitmap in port_sets decides */
        __u8 n_lens4, n_lens6;  /* prefix lengths in the per-length hash, per family */
        __u8 lens4[CLASSIFIER_HASH_LENS_MAX];
        __u8 lens6[CLASSIFIER_HASH_LENS_MAX];
        __u8 cgroup_level;      /* CLASSIFIER_F_CGROUP: the depth of cgroup_id below the cgroup2 root */
        __u8 pad;
        __u64 cgroup_id;        /* CLASSIFIER_F_CGROUP: the kernfs id of the target's cgroup (its directory) */
};

/* One device's live faults, keyed by an agent-wide unique 16-bit device key.
 *
 * How the program learns which device a packet is on: cls_bpf copies the filter's own classid into
 * qdisc_skb_cb(skb)->tc_classid before running the program (net/sched/cls_bpf.c, cls_bpf_classify()), but that
 * field is 16 bits wide, so only the classid's minor survives. chaoslet therefore attaches the filter with classid
 * <root major>:<device key>. In direct-action mode the kernel then builds the result as
 * TC_H_MAJ(filter classid) | skb->tc_classid, so the program writes back just the class minor. */
struct classifier_device {
        __u32 n;
        __u8 direction;         /* CLASSIFIER_DIR_* */
        __u8 l2_len;            /* bytes before the network header: 14 on Ethernet-like devices, 0 on L3 ones */
        __u8 inspect;           /* some slot's rule looks at addresses, ports or protocol: parse the packet */
        __u8 pad;
        struct classifier_slot slots[CLASSIFIER_FAULTS_MAX];
};

/* CIDR sets, one LPM trie per family shared by every fault: the key's first 32 bits are the fault key (always
 * matched in full), then the address. */
struct classifier_lpm4 {
        __u32 prefixlen;        /* 32 + the CIDR's length */
        __u32 fault_key;        /* big-endian, so it is the key's leading bits */
        __u8 addr[4];
};

struct classifier_lpm6 {
        __u32 prefixlen;
        __u32 fault_key;
        __u8 addr[16];
};

struct classifier_hash_key {
        __u32 fault_key;
        __u8 family;            /* 4 or 6 */
        __u8 prefixlen;
        __u16 pad;
        __u8 addr[16];          /* masked to prefixlen; IPv4 in the first 4 bytes */
};

/* The same for prefixes of at most 64 bits (every IPv4 one, and IPv6 up to /64), in 12 bytes: the kernel's jhash
 * takes them in one round, which measurably beats the 24-byte key. */
struct classifier_hash_key64 {
        __u32 tag;              /* classifier_hash_tag() */
        __u8 addr[8];
} __attribute__((packed));

/* fault keys stay below CLASSIFIER_COUNTERS_MAX (1024), so 16 bits hold them. */
static inline __u32 classifier_hash_tag(__u32 fault_key, __u8 family, __u8 prefixlen) {
        return fault_key << 16 | (__u32) family << 8 | prefixlen;
}

/* A fault's ports as a bitmap, one bit per port: one lookup and a bit test per packet instead of a loop over up to
 * 16 ranges, which kept the verifier's work for 64 slots within its 1,000,000-instruction budget. */
struct classifier_ports {
        __u64 bits[65536 / 64];
};

struct classifier_counters {
        __u64 matched_packets;
        __u64 matched_bytes;
        __u64 dropped_packets;
};

#define CLASSIFIER_DEVICES_MAX 4096
/* One counter set per live fault (the agent runs at most 1024); per CPU, so kept small. */
#define CLASSIFIER_COUNTERS_MAX 1024
#define CLASSIFIER_CIDRS_MAX (1u << 20)
