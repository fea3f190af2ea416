/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "classifier.skel.h"
#include "loader.h"
#include "log.h"
#include "macro.h"

struct Classifier {
        struct classifier *skel;
        int ncpus;
        struct classifier_counters *percpu; /* scratch for per-CPU reads */
};

__attribute__((format(printf, 2, 0))) static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap) {
        char buf[1024];
        int ours;
        size_t n;

        /* The library's warnings are our notices, its infos our debug; its debug chatter is only for -v -v. */
        switch (level) {
        case LIBBPF_WARN:
                ours = LOG_NOTICE;
                break;
        case LIBBPF_INFO:
                ours = LOG_DEBUG;
                break;
        default:
                return 0;
        }
        if (ours > log_get_max_level())
                return 0;
        vsnprintf(buf, sizeof(buf), fmt, ap);
        n = strlen(buf);
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = 0;
        log_full(ours, "libbpf: %s", buf);
        return 0;
}

void classifier_setup_logging(void) {
        libbpf_set_print(print_fn);
}

Classifier *classifier_free(Classifier *c) {
        if (!c)
                return NULL;
        classifier__destroy(c->skel);
        free(c->percpu);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Classifier *, classifier_free);

int classifier_load(Classifier **ret) {
        _cleanup_(classifier_freep) Classifier *c = NULL;
        int k;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;

        c->ncpus = libbpf_num_possible_cpus();
        if (c->ncpus <= 0)
                return c->ncpus < 0 ? c->ncpus : -EINVAL;
        c->percpu = calloc(c->ncpus, sizeof(struct classifier_counters));
        if (!c->percpu)
                return -ENOMEM;

        c->skel = classifier__open();
        if (!c->skel)
                return negative_errno();
        k = classifier__load(c->skel);
        if (k < 0)
                return k;

        *ret = TAKE_PTR(c);
        return 0;
}

int classifier_prog_fd(const Classifier *c) {
        return bpf_program__fd(c->skel->progs.chaoslet_classify);
}

int classifier_ingress_prog_fd(const Classifier *c) {
        return bpf_program__fd(c->skel->progs.chaoslet_ingress);
}

int classifier_ids(const Classifier *c, ClassifierIds *ret) {
        ClassifierIds ids = {};
        struct bpf_program *prog;
        struct bpf_map *map;

        bpf_object__for_each_program(prog, c->skel->obj) {
                struct bpf_prog_info info = {};
                uint32_t len = sizeof(info);

                if (ids.n_progs >= CLASSIFIER_IDS_MAX)
                        return -E2BIG;
                if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) < 0)
                        return -errno;
                ids.prog_ids[ids.n_progs++] = info.id;
        }
        bpf_object__for_each_map(map, c->skel->obj) {
                struct bpf_map_info info = {};
                uint32_t len = sizeof(info);

                if (ids.n_maps >= CLASSIFIER_IDS_MAX)
                        return -E2BIG;
                if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) < 0)
                        return -errno;
                ids.map_ids[ids.n_maps++] = info.id;
        }
        *ret = ids;
        return 0;
}

static int cidr_op(Classifier *c, uint32_t fault_key, const Cidr *x, bool lpm, bool add) {
        uint8_t one = 1;
        int fd, k;

        if (!lpm && x->prefixlen <= 64) {
                struct classifier_hash_key64 key = {
                        .tag = classifier_hash_tag(fault_key, x->family == AF_INET ? 4 : 6, x->prefixlen),
                };

                memcpy(key.addr, x->addr, x->family == AF_INET ? 4 : 8);
                fd = bpf_map__fd(c->skel->maps.cidr_hash64);
                k = add ? bpf_map_update_elem(fd, &key, &one, BPF_ANY) : bpf_map_delete_elem(fd, &key);
        } else if (!lpm) {
                struct classifier_hash_key key = {
                        .fault_key = fault_key,
                        .family = x->family == AF_INET ? 4 : 6,
                        .prefixlen = x->prefixlen,
                };

                /* Host bits are zero already (cidr_from_string refuses others), as the classifier masks them. */
                memcpy(key.addr, x->addr, x->family == AF_INET ? 4 : 16);
                fd = bpf_map__fd(c->skel->maps.cidr_hash);
                k = add ? bpf_map_update_elem(fd, &key, &one, BPF_ANY) : bpf_map_delete_elem(fd, &key);
        } else if (x->family == AF_INET) {
                struct classifier_lpm4 key = { .prefixlen = 32 + x->prefixlen, .fault_key = htonl(fault_key) };

                memcpy(key.addr, x->addr, 4);
                fd = bpf_map__fd(c->skel->maps.cidrs4);
                k = add ? bpf_map_update_elem(fd, &key, &one, BPF_ANY) : bpf_map_delete_elem(fd, &key);
        } else {
                struct classifier_lpm6 key = { .prefixlen = 32 + x->prefixlen, .fault_key = htonl(fault_key) };

                memcpy(key.addr, x->addr, 16);
                fd = bpf_map__fd(c->skel->maps.cidrs6);
                k = add ? bpf_map_update_elem(fd, &key, &one, BPF_ANY) : bpf_map_delete_elem(fd, &key);
        }
        return k < 0 ? negative_errno() : 0;
}

/* Few distinct prefix lengths: per-length hash (a lookup per length). Many: the LPM trie (one walk). */
static void plan_set(const Cidr *cidrs, size_t n, ClassifierCidrSet *ret) {
        uint64_t seen4 = 0, seen6[3] = {};
        ClassifierCidrSet set = {};
        unsigned d4 = 0, d6 = 0;

        for (size_t i = 0; i < n; i++) {
                unsigned l = cidrs[i].prefixlen;

                if (cidrs[i].family == AF_INET) {
                        set.flags |= CLASSIFIER_F_CIDRS | CLASSIFIER_F_CIDR4;
                        if (!(seen4 & (1ull << l))) {
                                seen4 |= 1ull << l;
                                if (d4 < CLASSIFIER_HASH_LENS_MAX)
                                        set.lens4[d4] = (uint8_t) l;
                                d4++;
                        }
                } else {
                        set.flags |= CLASSIFIER_F_CIDRS | CLASSIFIER_F_CIDR6;
                        if (!(seen6[l / 64] & (1ull << (l % 64)))) {
                                seen6[l / 64] |= 1ull << (l % 64);
                                if (d6 < CLASSIFIER_HASH_LENS_MAX)
                                        set.lens6[d6] = (uint8_t) l;
                                d6++;
                        }
                }
        }
        if (d4 > CLASSIFIER_HASH_LENS_MAX)
                set.flags |= CLASSIFIER_F_CIDR4_LPM;
        else
                set.n_lens4 = (uint8_t) d4;
        if (d6 > CLASSIFIER_HASH_LENS_MAX)
                set.flags |= CLASSIFIER_F_CIDR6_LPM;
        else
                set.n_lens6 = (uint8_t) d6;
        *ret = set;
}

static bool in_lpm(const ClassifierCidrSet *set, const Cidr *x) {
        return set->flags & (x->family == AF_INET ? CLASSIFIER_F_CIDR4_LPM : CLASSIFIER_F_CIDR6_LPM);
}

static int cidrs_add(Classifier *c, uint32_t fault_key, const Cidr *cidrs, size_t n, const ClassifierCidrSet *set) {
        for (size_t i = 0; i < n; i++) {
                int k = cidr_op(c, fault_key, &cidrs[i], in_lpm(set, &cidrs[i]), true);
                if (k < 0) {
                        classifier_cidrs_remove(c, fault_key, cidrs, i, set);
                        return k;
                }
        }
        return 0;
}

int classifier_cidrs_add(Classifier *c, uint32_t fault_key, const Cidr *cidrs, size_t n, ClassifierCidrSet *ret) {
        ClassifierCidrSet set;
        int k;

        plan_set(cidrs, n, &set);
        k = cidrs_add(c, fault_key, cidrs, n, &set);
        if (k == -ENOMEM && !(set.flags & CLASSIFIER_F_CIDR4_LPM && set.flags & CLASSIFIER_F_CIDR6_LPM)) {
                /* The hash maps allocate per element from a cache the kernel refills asynchronously; where the
                 * refill lags behind a burst of updates (seen in user-mode Linux 6.1: ENOMEM after a handful),
                 * the trie, which allocates directly, takes the set instead. Slower per packet, never refused. */
                set.flags |= CLASSIFIER_F_CIDR4_LPM | CLASSIFIER_F_CIDR6_LPM;
                set.n_lens4 = set.n_lens6 = 0;
                k = cidrs_add(c, fault_key, cidrs, n, &set);
        }
        if (k < 0)
                return k;
        *ret = set;
        return 0;
}

void classifier_cidrs_remove(Classifier *c, uint32_t fault_key, const Cidr *cidrs, size_t n,
                             const ClassifierCidrSet *set) {
        /* Duplicates in the list were one map entry: the second delete finds nothing, which is fine. */
        for (size_t i = 0; i < n; i++)
                (void) cidr_op(c, fault_key, &cidrs[i], in_lpm(set, &cidrs[i]), false);
}

int classifier_ports_set(Classifier *c, uint32_t fault_key, const struct classifier_port_range *ranges, size_t n) {
        _cleanup_free_ struct classifier_ports *bm = NULL;
        int fd = bpf_map__fd(c->skel->maps.port_sets);

        if (n == 0) {
                if (bpf_map_delete_elem(fd, &fault_key) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        bm = calloc(1, sizeof(*bm));
        if (!bm)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                for (unsigned p = ranges[i].lo; p <= ranges[i].hi; p++)
                        bm->bits[p / 64] |= 1ull << (p % 64);
        if (bpf_map_update_elem(fd, &fault_key, bm, BPF_ANY) < 0)
                return negative_errno();
        return 0;
}

void classifier_slot_set_cidrs(struct classifier_slot *s, const ClassifierCidrSet *set) {
        s->flags |= set->flags;
        s->n_lens4 = set->n_lens4;
        s->n_lens6 = set->n_lens6;
        memcpy(s->lens4, set->lens4, sizeof(s->lens4));
        memcpy(s->lens6, set->lens6, sizeof(s->lens6));
}

int classifier_device_update(Classifier *c, uint16_t device_key, const struct classifier_device *dev) {
        uint32_t key = device_key;
        int fd = bpf_map__fd(c->skel->maps.devices);

        if (!dev || dev->n == 0) {
                if (bpf_map_delete_elem(fd, &key) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
        }
        if (bpf_map_update_elem(fd, &key, dev, BPF_ANY) < 0)
                return negative_errno();
        return 0;
}

int classifier_counters_read(Classifier *c, uint32_t fault_key, struct classifier_counters *ret) {
        struct classifier_counters sum = {};
        int fd = bpf_map__fd(c->skel->maps.counters);

        if (bpf_map_lookup_elem(fd, &fault_key, c->percpu) < 0)
                return negative_errno();
        for (int i = 0; i < c->ncpus; i++) {
                sum.matched_packets += c->percpu[i].matched_packets;
                sum.matched_bytes += c->percpu[i].matched_bytes;
                sum.dropped_packets += c->percpu[i].dropped_packets;
        }
        *ret = sum;
        return 0;
}

int classifier_counters_reset(Classifier *c, uint32_t fault_key) {
        int fd = bpf_map__fd(c->skel->maps.counters);

        memset(c->percpu, 0, sizeof(struct classifier_counters) * c->ncpus);
        if (bpf_map_update_elem(fd, &fault_key, c->percpu, BPF_ANY) < 0)
                return negative_errno();
        return 0;
}
