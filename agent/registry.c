/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>

#include "ifb.h"
#include "links.h"
#include "nsid.h"
#include "log.h"
#include "macro.h"
#include "registry.h"
#include "target.h"
#include "units.h"

static int64_t now_ns(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool bit_test(const uint8_t *map, unsigned i) {
        return map[i / 8] & (1u << (i % 8));
}
static void bit_set(uint8_t *map, unsigned i, bool v) {
        if (v)
                map[i / 8] |= (uint8_t) (1u << (i % 8));
        else
                map[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static int alloc_bit(uint8_t *map, unsigned lo, unsigned hi, unsigned *ret) {
        for (unsigned i = lo; i < hi; i++)
                if (!bit_test(map, i)) {
                        bit_set(map, i, true);
                        *ret = i;
                        return 0;
                }
        return -ENOSPC;
}

static const char *target_describe(const FaultTarget *t, char *buf, size_t len) {
        if (t->kind == TARGET_PID)
                snprintf(buf, len, "pid:%d", (int) t->pid);
        else
                snprintf(buf, len, "netns:%s", t->netns);
        return buf;
}

/* ---- devices ---------------------------------------------------------------------------------------------- */

static Device *device_find(Registry *r, NetnsId ns, int link_ifindex, uint8_t direction) {
        for (Device *d = r->devices; d; d = d->next)
                if (d->netns.dev == ns.dev && d->netns.ino == ns.ino && d->link_ifindex == link_ifindex &&
                    d->direction == direction)
                        return d;
        return NULL;
}

static int device_get(Registry *r, NetnsId ns, const Link *link, uint8_t direction, Device **ret) {
        Device *d = device_find(r, ns, link->ifindex, direction);
        unsigned key;
        int k;

        if (d) {
                *ret = d;
                return 0;
        }
        k = alloc_bit(r->device_keys, TREE_DEVICE_KEY_MIN, 65536, &key);
        if (k < 0)
                return k;
        d = calloc(1, sizeof(*d));
        if (!d) {
                bit_set(r->device_keys, key, false);
                return -ENOMEM;
        }
        d->netns = ns;
        d->link_ifindex = link->ifindex;
        snprintf(d->link_name, sizeof(d->link_name), "%s", link->name);
        d->direction = direction;
        d->key = (uint16_t) key;
        d->l2_len = (uint8_t) link_l2_len(link);
        if (direction == CLASSIFIER_DIR_EGRESS) {
                d->ifindex = link->ifindex;
                snprintf(d->name, sizeof(d->name), "%s", link->name);
        } else
                ifb_name(link->ifindex, d->name, sizeof(d->name));
        d->next = r->devices;
        r->devices = d;
        *ret = d;
        return 0;
}

/* Forget a device that has no faults left and nothing of ours in the kernel. */
static void device_release(Registry *r, Device *d) {
        if (d->installed || d->classes)
                return;
        for (Fault *f = r->faults; f; f = f->next)
                for (size_t i = 0; i < f->n_devices; i++)
                        if (f->devices[i].device == d)
                                return;
        for (Device **p = &r->devices; *p; p = &(*p)->next)
                if (*p == d) {
                        *p = d->next;
                        break;
                }
        bit_set(r->device_keys, d->key, false);
        free(d);
}

/* The live faults on a device, in application order, excluding one being removed. */
static size_t device_faults(Registry *r, Device *d, const Fault *skip, Fault **ret, uint16_t *ret_minors) {
        size_t n = 0;

        for (Fault *f = r->faults; f; f = f->next) {
                if (f == skip)
                        continue;
                for (size_t i = 0; i < f->n_devices; i++)
                        if (f->devices[i].device == d && n < TREE_CLASSES_MAX) {
                                size_t j = n++;

                                /* insertion sort by order: at most 64 entries */
                                while (j > 0 && ret[j - 1]->order > f->order) {
                                        ret[j] = ret[j - 1];
                                        ret_minors[j] = ret_minors[j - 1];
                                        j--;
                                }
                                ret[j] = f;
                                ret_minors[j] = f->devices[i].minor;
                        }
        }
        return n;
}

static void kernel_error(RpcError *err, const RtnlError *e, const Device *d, const char *what) {
        char buf[300];

        rpc_error_set(err, RPC_KERNEL_REFUSED, "The kernel refused the change");
        if (e->error == -EPERM)
                rpc_error_set(err, RPC_NOT_PERMITTED, "Not permitted to change traffic control on the target");
        err->data = cJSON_CreateObject();
        cJSON_AddNumberToObject(err->data, "errno", -e->error);
        rtnl_error_format(e, buf, sizeof(buf));
        cJSON_AddStringToObject(err->data, "message", buf);
        cJSON_AddStringToObject(err->data, "device", d->link_name);
        cJSON_AddStringToObject(err->data, "operation", what);
}

static int conflict_error(RpcError *err, const Device *d, const char *kind, const char *reason) {
        rpc_error_set(err, RPC_CONFLICT, "The device's qdisc belongs to somebody else");
        err->data = cJSON_CreateObject();
        cJSON_AddStringToObject(err->data, "device", d->link_name);
        cJSON_AddStringToObject(err->data, "qdisc", kind);
        cJSON_AddStringToObject(err->data, "reason", reason);
        return RPC_CONFLICT;
}

/* Loss alone, without correlation, is decided by the classifier (bpf_get_prandom_u32): no netem needed, so it
 * works on kernels without sch_netem. Anything else netem does needs a netem leaf, and so a class. */
static bool fault_loss_in_classifier(const FaultSpec *spec) {
        return spec->netem.set == NETEM_HAS_LOSS;
}

static bool fault_needs_class(const FaultSpec *spec) {
        return spec->netem.set && !fault_loss_in_classifier(spec);
}

/* The slot a fault takes in a device's classifier table. */
static void fill_slot(struct classifier_slot *s, const Fault *f, uint16_t minor) {
        const FaultSpec *spec = &f->spec;

        *s = (struct classifier_slot) {
                .deadline_ns = (uint64_t) f->deadline_ns,
                .minor = minor,
                .fault_key = f->counter_key,
                .protocol = spec->match.protocol,
                .n_ports = (uint8_t) spec->match.n_ports,
        };
        if (spec->partition)
                s->flags |= CLASSIFIER_F_PARTITION;
        if (fault_loss_in_classifier(spec)) {
                s->flags |= CLASSIFIER_F_LOSS;
                s->loss_prob = netem_percent_to_prob(spec->netem.loss);
        }
        classifier_slot_set_cidrs(s, &f->cidr_set);
}

typedef struct Plan {
        struct classifier_device table;
        Fault *faults[TREE_CLASSES_MAX];
        uint16_t minors[TREE_CLASSES_MAX];
        size_t n;
        uint64_t want;                  /* classes the live faults need */
} Plan;

static void plan_device(Registry *r, Device *d, const Fault *skip, Plan *p) {
        *p = (Plan) {};
        p->n = device_faults(r, d, skip, p->faults, p->minors);
        for (size_t i = 0; i < p->n; i++) {
                if (p->minors[i])
                        p->want |= 1ull << (p->minors[i] - 1);
                fill_slot(&p->table.slots[i], p->faults[i], p->minors[i]);
                if (p->table.slots[i].protocol || p->table.slots[i].n_ports ||
                    (p->table.slots[i].flags & CLASSIFIER_F_CIDRS))
                        p->table.inspect = 1;
        }
        p->table.n = (uint32_t) p->n;
        p->table.direction = d->direction;
        p->table.l2_len = d->l2_len;
}

static int queue_classes(Rtnl *rtnl, Device *d, const Plan *p, uint64_t which, uint16_t *ret_queued, unsigned *ret_n) {
        unsigned q = 0;

        for (size_t i = 0; i < p->n; i++)
                if (p->minors[i] && (which & (1ull << (p->minors[i] - 1)))) {
                        if (tree_queue_class_add(rtnl, d->ifindex, p->minors[i], &p->faults[i]->spec.netem) < 0)
                                return -ENOBUFS;
                        if (ret_queued)
                                ret_queued[q] = p->minors[i];
                        q++;
                }
        if (ret_n)
                *ret_n = q;
        return 0;
}

/* Is the tree on d's ifindex one that another live device of ours put there? Then it is not stale. */
static bool device_owns(Registry *r, const Device *d) {
        for (Device *o = r->devices; o; o = o->next)
                if (o != d && o->installed && o->ifindex == d->ifindex && o->netns.dev == d->netns.dev &&
                    o->netns.ino == d->netns.ino)
                        return true;
        return false;
}

/* A fresh tree on d->ifindex: root, the classes, the classifier's filter. All or nothing. */
static int tree_install(Registry *r, Rtnl *rtnl, Device *d, const Plan *p, RpcError *err) {
        int results[RTNL_BATCH_MAX];
        bool retried = false;
        RtnlError e = {};
        int k;

again:
        k = classifier_device_update(r->classifier, d->key, &p->table);
        if (k < 0) {
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to update the classifier's map");
                return RPC_INTERNAL_ERROR;
        }
        tree_queue_root_add(rtnl, d->ifindex);
        if (queue_classes(rtnl, d, p, p->want, NULL, NULL) < 0)
                goto too_big;
        tree_queue_filter_add(rtnl, d->ifindex, d->key, classifier_prog_fd(r->classifier));

        k = rtnl_batch_commit(rtnl, results, &e);
        if (k >= 0) {
                d->classes = p->want;
                return 0;
        }

        /* Undo: the root takes everything below it along. */
        if (results[0] >= 0) {
                tree_queue_root_del(rtnl, d->ifindex);
                (void) rtnl_batch_commit(rtnl, NULL, NULL);
        }
        (void) classifier_device_update(r->classifier, d->key, NULL);

        if (results[0] == -EEXIST) {
                TreeRootState state;
                char kind[32] = "";

                if (tree_root_state(rtnl, d->ifindex, &state, kind, sizeof(kind)) >= 0 && state == TREE_ROOT_OURS &&
                    !retried && !device_owns(r, d)) {
                        /* Our handle, but no fault of ours: left by an agent that was killed. */
                        log_notice("Removing a stale chaoslet root on %s", d->name);
                        tree_queue_root_del(rtnl, d->ifindex);
                        (void) rtnl_batch_commit(rtnl, NULL, NULL);
                        retried = true;
                        goto again;
                }
                return conflict_error(err, d, kind, "chaoslet never replaces a root qdisc it did not create");
        }
        kernel_error(err, &e, d, e.index == 0 ? "add root qdisc" : "add fault class");
        return err->code;

too_big:
        rtnl_batch_reset(rtnl);
        (void) classifier_device_update(r->classifier, d->key, NULL);
        rpc_error_set(err, RPC_INTERNAL_ERROR, "The change does not fit in one netlink batch");
        return RPC_INTERNAL_ERROR;
}

/* Live tree, new set of faults: add the classes that are new, switch the classifier over in one map update, then
 * remove the classes no fault uses any more. Other faults' classes are never touched. */
static int tree_update(Registry *r, Rtnl *rtnl, Device *d, const Plan *p, RpcError *err) {
        uint64_t add = p->want & ~d->classes, del = d->classes & ~p->want;
        int results[RTNL_BATCH_MAX];
        RtnlError e = {};
        int k;

        if (add) {
                uint16_t added[TREE_CLASSES_MAX];
                unsigned queued = 0;

                if (queue_classes(rtnl, d, p, add, added, &queued) < 0) {
                        rtnl_batch_reset(rtnl);
                        rpc_error_set(err, RPC_INTERNAL_ERROR, "The change does not fit in one netlink batch");
                        return RPC_INTERNAL_ERROR;
                }
                k = rtnl_batch_commit(rtnl, results, &e);
                if (k < 0) {
                        /* Each class is two messages (class, leaf); remove every class that made it. */
                        for (unsigned i = 0; i < queued; i++)
                                if (results[2 * i] >= 0)
                                        tree_queue_class_del(rtnl, d->ifindex, added[i]);
                        (void) rtnl_batch_commit(rtnl, NULL, NULL);
                        kernel_error(err, &e, d, "add fault class");
                        return err->code;
                }
        }

        k = classifier_device_update(r->classifier, d->key, &p->table);
        if (k < 0) {
                for (unsigned m = 1; m <= TREE_CLASSES_MAX; m++)
                        if (add & (1ull << (m - 1)))
                                tree_queue_class_del(rtnl, d->ifindex, (uint16_t) m);
                (void) rtnl_batch_commit(rtnl, NULL, NULL);
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to update the classifier's map");
                return RPC_INTERNAL_ERROR;
        }
        d->classes |= add;

        if (del) {
                for (unsigned m = 1; m <= TREE_CLASSES_MAX; m++)
                        if (del & (1ull << (m - 1)))
                                tree_queue_class_del(rtnl, d->ifindex, (uint16_t) m);
                k = rtnl_batch_commit(rtnl, NULL, &e);
                if (k < 0)
                        log_debug("Removing classes on %s: %s", d->name, strerror(-k));
                d->classes &= ~del;
        }
        return 0;
}

/* Resolve the IFB's ifindex by name, inside the namespace. */
static int ifb_lookup(int netns_fd, const char *name, int *ret) {
        char *names[] = { (char *) name, NULL };
        Link link;
        int k;

        k = links_resolve(netns_fd, names, 1, &link, NULL);
        if (k < 0)
                return k;
        *ret = link.ifindex;
        return 0;
}

/* Take chaoslet's ingress hook off a device: the whole clsact when it carries nothing but our filter, else just our
 * filter, so nobody else's filters go with it. */
static void ingress_unhook(Rtnl *rtnl, int link_ifindex) {
        IngressHookState hook;

        if (ingress_hook_state(rtnl, link_ifindex, &hook) < 0 || !hook.ours)
                return;
        if (hook.others)
                ingress_queue_redirect_del(rtnl, link_ifindex);
        else
                ingress_queue_clsact_del(rtnl, link_ifindex);
        (void) rtnl_batch_commit(rtnl, NULL, NULL);
}

/* Ingress: the IFB, its tree, and the hook that feeds it. All or nothing. */
static int ingress_install(Registry *r, Rtnl *rtnl, int netns_fd, Device *d, const Plan *p, RpcError *err) {
        bool retried = false;
        RtnlError e = {};
        int k;

again:
        ifb_queue_create(rtnl, d->name);
        k = rtnl_batch_commit(rtnl, NULL, &e);
        if (k == -EEXIST && !retried && ifb_lookup(netns_fd, d->name, &d->ifindex) >= 0) {
                /* Our name, but no fault of ours: left by an agent that was killed. Its hook goes first, so
                 * nothing is ever redirected to an IFB that is gone. */
                log_notice("Removing a stale chaoslet IFB %s and its ingress hook on %s", d->name, d->link_name);
                ingress_unhook(rtnl, d->link_ifindex);
                ifb_queue_delete(rtnl, d->ifindex, d->name);
                (void) rtnl_batch_commit(rtnl, NULL, NULL);
                retried = true;
                goto again;
        }
        if (k < 0) {
                kernel_error(err, &e, d, "create the IFB device");
                return err->code;
        }
        d->ifindex = 0;
        k = ifb_lookup(netns_fd, d->name, &d->ifindex);
        if (k >= 0) {
                ifb_queue_up(rtnl, d->ifindex);
                k = rtnl_batch_commit(rtnl, NULL, &e);
        }
        if (k < 0) {
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to bring chaoslet's IFB device up");
                goto fail_ifb;
        }

        k = tree_install(r, rtnl, d, p, err);
        if (k < 0)
                goto fail_ifb;

        /* The clsact alone first: the kernel would otherwise go on to add our filter to somebody else's clsact. */
        ingress_queue_clsact_add(rtnl, d->link_ifindex);
        k = rtnl_batch_commit(rtnl, NULL, &e);
        if (k < 0) {
                if (k == -EEXIST)
                        conflict_error(err, d, "clsact",
                                       "the device already has a clsact qdisc, which chaoslet does not share");
                else
                        kernel_error(err, &e, d, "add the ingress hook");
                goto fail_tree;
        }
        ingress_queue_redirect(rtnl, d->link_ifindex, classifier_ingress_prog_fd(r->classifier), d->ifindex);
        k = rtnl_batch_commit(rtnl, NULL, &e);
        if (k < 0) {
                ingress_queue_clsact_del(rtnl, d->link_ifindex);
                (void) rtnl_batch_commit(rtnl, NULL, NULL);
                kernel_error(err, &e, d, "add the ingress hook");
                goto fail_tree;
        }
        return 0;

fail_tree:
        (void) classifier_device_update(r->classifier, d->key, NULL);
fail_ifb:
        /* Deleting the IFB takes its tree along. */
        ifb_queue_delete(rtnl, d->ifindex, d->name);
        (void) rtnl_batch_commit(rtnl, NULL, NULL);
        d->ifindex = 0;
        d->classes = 0;
        return err->code ? err->code : RPC_INTERNAL_ERROR;
}

static void device_uninstall(Registry *r, Rtnl *rtnl, Device *d) {
        RtnlError e = {};
        int k;

        (void) classifier_device_update(r->classifier, d->key, NULL);
        if (d->direction == CLASSIFIER_DIR_INGRESS) {
                ingress_unhook(rtnl, d->link_ifindex);
                ifb_queue_delete(rtnl, d->ifindex, d->name);
        } else
                tree_queue_root_del(rtnl, d->ifindex);
        k = rtnl_batch_commit(rtnl, NULL, &e);
        /* Gone already (device or namespace removed, root replaced by somebody else): nothing of ours is left to
         * remove, and we must not touch what is there now. */
        if (k < 0 && k != -ENOENT && k != -EINVAL && k != -ENODEV)
                log_debug("Removing chaoslet's tree on %s failed: %s", d->name, strerror(-k));
        d->installed = false;
        d->classes = 0;
        if (d->direction == CLASSIFIER_DIR_INGRESS)
                d->ifindex = 0;
}

/* Bring one device's kernel state to what its live faults ask for: the one path every apply, recover, expiry and
 * cleanup goes through. skip is a fault being removed. On failure the device is left as it was. */
static int device_sync(Registry *r, Device *d, int netns_fd, const Fault *skip, RpcError *err) {
        _cleanup_(rtnl_freep) Rtnl *rtnl = NULL;
        Plan plan;
        int k;

        plan_device(r, d, skip, &plan);

        k = rtnl_open_in_netns(netns_fd, &rtnl);
        if (k < 0) {
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to open rtnetlink in the target namespace");
                return RPC_INTERNAL_ERROR;
        }

        if (plan.n == 0) {
                if (d->installed)
                        device_uninstall(r, rtnl, d);
                return 0;
        }
        if (d->installed)
                return tree_update(r, rtnl, d, &plan, err);

        if (d->direction == CLASSIFIER_DIR_INGRESS)
                k = ingress_install(r, rtnl, netns_fd, d, &plan, err);
        else
                k = tree_install(r, rtnl, d, &plan, err);
        if (k < 0)
                return k;
        d->installed = true;
        return 0;
}

/* The namespace is gone: so is everything we had put in it. */
static void device_forget_kernel_state(Registry *r, Device *d) {
        (void) classifier_device_update(r->classifier, d->key, NULL);
        d->installed = false;
        d->classes = 0;
}

/* ---- faults ----------------------------------------------------------------------------------------------- */

static void timer_arm(Registry *r) {
        struct itimerspec its = {};
        int64_t next = INT64_MAX;

        for (Fault *f = r->faults; f; f = f->next) {
                int64_t t = f->deadline_ns > f->retry_ns ? f->deadline_ns : f->retry_ns;
                if (t < next)
                        next = t;
        }
        if (next != INT64_MAX) {
                its.it_value.tv_sec = next / 1000000000;
                its.it_value.tv_nsec = next % 1000000000;
                if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                        its.it_value.tv_nsec = 1;
        }
        if (timerfd_settime(r->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                log_error_errno(errno, "Failed to arm the expiry timer: %m");
}

static void fault_free(Registry *r, Fault *f) {
        if (!f)
                return;
        bit_set(r->counter_keys, f->counter_key, false);
        fault_spec_done(&f->spec);
        free(f);
}

static void fault_unlink(Registry *r, Fault *f) {
        for (Fault **p = &r->faults; *p; p = &(*p)->next)
                if (*p == f) {
                        *p = f->next;
                        r->n_faults--;
                        return;
                }
}

Fault *registry_find(Registry *r, const char *id) {
        for (Fault *f = r->faults; f; f = f->next)
                if (strcmp(f->id, id) == 0)
                        return f;
        return NULL;
}

static void generate_id(char *buf, size_t len) {
        uint8_t b[8] = {};

        if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
                uint64_t t = (uint64_t) now_ns(CLOCK_MONOTONIC);
                memcpy(b, &t, sizeof(b));
        }
        snprintf(buf, len, "f-%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
}

static int feature_missing(RpcError *err, const char *feature, const char *why) {
        rpc_error_set(err, RPC_NOT_SUPPORTED, "Not supported by this kernel");
        err->data = cJSON_CreateObject();
        cJSON_AddStringToObject(err->data, "feature", feature);
        cJSON_AddStringToObject(err->data, "reason", why);
        return RPC_NOT_SUPPORTED;
}

static int check_features(Registry *r, const FaultSpec *spec, RpcError *err) {
        if (!r->classifier || !r->features.has[FEATURE_BPF])
                return feature_missing(err, "bpf", "the classifier could not be loaded");
        if (!r->features.has[FEATURE_SCH_HTB])
                return feature_missing(err, "sch_htb", "chaoslet's root qdisc is htb");
        if (!r->features.has[FEATURE_CLS_BPF])
                return feature_missing(err, "cls_bpf", "the classifier is attached with cls_bpf");
        if (spec->direction != DIRECTION_EGRESS && !r->features.has[FEATURE_IFB])
                return feature_missing(err, "ifb", "ingress faults run on chaoslet's IFB device");
        if (spec->direction != DIRECTION_EGRESS && !r->features.has[FEATURE_CLSACT])
                return feature_missing(err, "clsact", "ingress faults are fed to the IFB from a clsact hook");
        if (fault_needs_class(spec) && !r->features.has[FEATURE_SCH_NETEM])
                return feature_missing(err, "sch_netem",
                                       "the kernel has no netem qdisc (on some distributions it ships in an extra "
                                       "modules package, such as kernel-modules-extra)");
        return 0;
}

static void set_times(Registry *r, Fault *f) {
        int64_t span = f->spec.duration_ns > 0 ? f->spec.duration_ns : r->max_duration_ns;

        f->expires_at_ns = now_ns(CLOCK_REALTIME) + span;
        f->deadline_ns = now_ns(CLOCK_MONOTONIC) + span;
}

/* Sync every device of f (with f skipped when removing); on failure, put back the ones already changed. */
static int fault_sync_devices(Registry *r, Fault *f, int netns_fd, bool removing, RpcError *err) {
        for (size_t i = 0; i < f->n_devices; i++) {
                int k = device_sync(r, f->devices[i].device, netns_fd, removing ? f : NULL, err);

                if (k < 0) {
                        for (size_t j = 0; j < i; j++) {
                                RpcError ignored = {};
                                (void) device_sync(r, f->devices[j].device, netns_fd, removing ? NULL : f,
                                                   &ignored);
                                rpc_error_done(&ignored);
                        }
                        return k;
                }
        }
        return 0;
}

static int renew(Registry *r, Fault *f, const FaultSpec *spec, RpcError *err) {
        _cleanup_close_ int fd = -EBADF;
        int64_t old_expires, old_deadline;
        char tbuf[64];
        NetnsId id;
        int k;

        if (!fault_spec_equal(&f->spec, spec)) {
                rpc_error_set(err, RPC_CONFLICT, "A fault with this id exists with a different spec");
                rpc_error_set_field(err, "id", "already in use by a different fault; recover it first");
                return RPC_CONFLICT;
        }
        k = target_open(&spec->target, &fd, &id, err);
        if (k < 0)
                return k;
        if (id.ino != f->netns.ino || id.dev != f->netns.dev) {
                rpc_error_set(err, RPC_CONFLICT, "The target now lives in another network namespace");
                rpc_error_set_field(err, "target", "resolves to a different network namespace than when applied; "
                                                   "recover the fault first");
                return RPC_CONFLICT;
        }

        /* All devices get the new deadline, or none: a failure puts the old one back everywhere. */
        old_expires = f->expires_at_ns;
        old_deadline = f->deadline_ns;
        set_times(r, f);
        for (size_t i = 0; i < f->n_devices; i++) {
                k = device_sync(r, f->devices[i].device, fd, NULL, err);
                if (k < 0) {
                        f->expires_at_ns = old_expires;
                        f->deadline_ns = old_deadline;
                        for (size_t j = 0; j < i; j++) {
                                RpcError ignored = {};
                                (void) device_sync(r, f->devices[j].device, fd, NULL, &ignored);
                                rpc_error_done(&ignored);
                        }
                        timer_arm(r);
                        return k;
                }
        }
        timer_arm(r);
        log_info("Renewed fault %s until %s", f->id, format_rfc3339(f->expires_at_ns, tbuf, sizeof(tbuf)));
        return 0;
}

int registry_apply(Registry *r, FaultSpec *spec, Fault **ret, RpcError *err) {
        _cleanup_close_ int fd = -EBADF;
        Link links[LINKS_MAX];
        char tbuf[4200];
        size_t n_links = 0, missing = 0;
        Fault *f, *existing;
        bool have_key = false, have_cidrs = false;
        unsigned key;
        int k;

        if (spec->id[0]) {
                existing = registry_find(r, spec->id);
                if (existing) {
                        k = renew(r, existing, spec, err);
                        if (k < 0)
                                return k;
                        *ret = existing;
                        return 0;
                }
        }

        if (spec->duration_ns > r->max_duration_ns) {
                char b[64];
                rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params");
                rpc_error_set_field(err, "duration", "longer than this agent's --max-duration");
                cJSON_AddStringToObject(err->data, "max_duration",
                                        format_duration_ns(r->max_duration_ns, b, sizeof(b)));
                return RPC_INVALID_PARAMS;
        }

        if (r->n_faults >= REGISTRY_FAULTS_MAX) {
                rpc_error_set(err, RPC_INVALID_PARAMS, "Too many faults");
                rpc_error_set_field(err, "id", "the agent already runs its maximum of 1024 faults");
                return RPC_INVALID_PARAMS;
        }

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;

        k = target_open(&spec->target, &fd, &f->netns, err);
        if (k < 0)
                goto fail;
        /* So that the namespace's death is announced to us (RTM_DELNSID) without our holding it alive. */
        f->nsid = -1;
        if (r->home && nsid_get_or_assign(r->home, fd, &f->nsid) < 0)
                log_debug("No nsid for the namespace of %s: its death is noticed when the fault is next touched",
                          target_describe(&spec->target, tbuf, sizeof(tbuf)));

        if (spec->devices) {
                for (size_t i = 0; i < spec->n_devices; i++)
                        if (strncmp(spec->devices[i], IFB_NAME_PREFIX, strlen(IFB_NAME_PREFIX)) == 0) {
                                char field[32];
                                snprintf(field, sizeof(field), spec->n_devices > 1 ? "device[%zu]" : "device", i);
                                rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params");
                                rpc_error_set_field(err, field, "chaoslet's own IFB device is not a target: name the "
                                                                "device it serves, with direction ingress");
                                k = RPC_INVALID_PARAMS;
                                goto fail;
                        }
                if (spec->n_devices > LINKS_MAX) {
                        rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params");
                        rpc_error_set_field(err, "device", "too many devices");
                        k = RPC_INVALID_PARAMS;
                        goto fail;
                }
                k = links_resolve(fd, spec->devices, spec->n_devices, links, &missing);
                n_links = spec->n_devices;
                if (k == -ENODEV) {
                        char field[32];
                        snprintf(field, sizeof(field), spec->n_devices > 1 ? "device[%zu]" : "device", missing);
                        rpc_error_set(err, RPC_TARGET_NOT_FOUND, "Device not found in the target's namespace");
                        rpc_error_set_field(err, field, "no such device in the target's network namespace");
                        cJSON_AddStringToObject(err->data, "device", spec->devices[missing]);
                        k = RPC_TARGET_NOT_FOUND;
                        goto fail;
                }
        } else
                k = links_list(fd, links, LINKS_MAX, &n_links);
        if (k < 0) {
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to list the target's devices");
                k = RPC_INTERNAL_ERROR;
                goto fail;
        }
        if (n_links == 0) {
                rpc_error_set(err, RPC_TARGET_NOT_FOUND, "The target has no device but loopback");
                rpc_error_set_field(err, "device", "no non-loopback device in the target's network namespace");
                k = RPC_TARGET_NOT_FOUND;
                goto fail;
        }
        if (n_links > FAULT_DEVICES_MAX) {
                rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params");
                rpc_error_set_field(err, "device", "the target has more than 64 devices: name them");
                k = RPC_INVALID_PARAMS;
                goto fail;
        }

        /* After the target: a wrong target is worth knowing about on any kernel. */
        k = check_features(r, spec, err);
        if (k < 0)
                goto fail;

        k = alloc_bit(r->counter_keys, 0, CLASSIFIER_COUNTERS_MAX, &key);
        if (k < 0) {
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Out of counter slots");
                k = RPC_INTERNAL_ERROR;
                goto fail;
        }
        f->counter_key = key;
        have_key = true;
        (void) classifier_counters_reset(r->classifier, key);

        k = classifier_cidrs_add(r->classifier, key, spec->match.cidrs, spec->match.n_cidrs, &f->cidr_set);
        if (k < 0) {
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to load the fault's CIDRs into the classifier");
                k = RPC_INTERNAL_ERROR;
                goto fail;
        }
        have_cidrs = true;

        {
                struct classifier_port_range ranges[MATCH_PORT_RANGES_MAX];

                for (size_t i = 0; i < spec->match.n_ports; i++)
                        ranges[i] = (struct classifier_port_range) { spec->match.ports[i].lo,
                                                                     spec->match.ports[i].hi };
                k = classifier_ports_set(r->classifier, key, ranges, spec->match.n_ports);
                if (k < 0) {
                        rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to load the fault's ports into the classifier");
                        k = RPC_INTERNAL_ERROR;
                        goto fail;
                }
        }

        /* Place the fault on each device and direction: a slot in its table, and a class if it needs one. */
        for (size_t i = 0; i < n_links; i++)
                for (uint8_t dir = CLASSIFIER_DIR_EGRESS; dir <= CLASSIFIER_DIR_INGRESS; dir++) {
                        uint64_t used;
                        unsigned m = 0, count = 0;
                        Device *d;

                        if ((dir == CLASSIFIER_DIR_EGRESS && spec->direction == DIRECTION_INGRESS) ||
                            (dir == CLASSIFIER_DIR_INGRESS && spec->direction == DIRECTION_EGRESS))
                                continue;

                        k = device_get(r, f->netns, &links[i], dir, &d);
                        if (k < 0) {
                                rpc_error_set(err, RPC_INTERNAL_ERROR, "Out of device slots");
                                k = RPC_INTERNAL_ERROR;
                                goto fail_devices;
                        }
                        /* Placed before the check, so a failure releases a device this fault created. */
                        f->devices[f->n_devices++] = (FaultDevice) { .device = d };

                        used = d->classes;
                        for (Fault *g = r->faults; g; g = g->next)
                                for (size_t j = 0; j < g->n_devices; j++)
                                        if (g->devices[j].device == d) {
                                                count++;
                                                if (g->devices[j].minor)
                                                        used |= 1ull << (g->devices[j].minor - 1);
                                        }
                        if (count >= CLASSIFIER_FAULTS_MAX) {
                                rpc_error_set(err, RPC_INVALID_PARAMS, "Too many faults on one device");
                                rpc_error_set_field(err, "device", "the device already carries 64 live faults");
                                cJSON_AddStringToObject(err->data, "device", d->link_name);
                                k = RPC_INVALID_PARAMS;
                                goto fail_devices;
                        }
                        if (fault_needs_class(spec))
                                for (m = 1; m <= TREE_CLASSES_MAX && (used & (1ull << (m - 1))); m++)
                                        ;
                        f->devices[f->n_devices - 1].minor = (uint16_t) m;
                }

        if (spec->id[0])
                snprintf(f->id, sizeof(f->id), "%s", spec->id);
        else
                do
                        generate_id(f->id, sizeof(f->id));
                while (registry_find(r, f->id));

        f->spec = *spec;
        f->order = ++r->next_order;
        f->applied_at_ns = now_ns(CLOCK_REALTIME);
        set_times(r, f);

        /* Listed before syncing, so the devices' desired state includes it. */
        f->next = r->faults;
        r->faults = f;
        r->n_faults++;

        k = fault_sync_devices(r, f, fd, false, err);
        if (k < 0) {
                fault_unlink(r, f);
                f->spec = (FaultSpec) {}; /* still the caller's */
                goto fail_devices;
        }

        *spec = (FaultSpec) {};
        timer_arm(r);
        log_info("Applied fault %s to %s (netns inode %" PRIu64 ", %zu device%s)", f->id,
                 target_describe(&f->spec.target, tbuf, sizeof(tbuf)), f->netns.ino, f->n_devices,
                 f->n_devices == 1 ? "" : "s");
        *ret = f;
        return 0;

fail_devices:
        for (size_t i = 0; i < f->n_devices; i++)
                device_release(r, f->devices[i].device);
fail:
        if (have_key)
                (void) classifier_ports_set(r->classifier, key, NULL, 0);
        if (have_cidrs)
                classifier_cidrs_remove(r->classifier, key, spec->match.cidrs, spec->match.n_cidrs, &f->cidr_set);
        if (have_key)
                bit_set(r->counter_keys, f->counter_key, false);
        free(f);
        return k;
}

/* Take a fault off its devices and out of the registry. A namespace that is gone took our state with it. When the
 * namespace cannot be reached, or the kernel refuses, the fault stays (and err says why), so a later recover or
 * expiry tries again: forgetting it would leave its tree behind. force (the agent stopping) forgets regardless. */
static int fault_remove(Registry *r, Fault *f, const char *why, bool force, RpcError *err) {
        _cleanup_close_ int fd = -EBADF;
        char tbuf[4200];
        bool gone;
        int k;

        k = target_reopen(&f->spec.target, f->netns, &fd);
        if (k < 0 && k != -ENOENT && !force) {
                rpc_error_set(err, k == -EACCES || k == -EPERM ? RPC_NOT_PERMITTED : RPC_INTERNAL_ERROR,
                              "Cannot reach the fault's network namespace; the fault stays, try again");
                err->data = cJSON_CreateObject();
                cJSON_AddNumberToObject(err->data, "errno", -k);
                cJSON_AddStringToObject(err->data, "message", strerror(-k));
                log_warning("Cannot reach the namespace of fault %s to remove it: %s", f->id, strerror(-k));
                return err->code;
        }
        gone = k < 0;

        for (size_t i = 0; i < f->n_devices; i++) {
                Device *d = f->devices[i].device;
                RpcError e = {};

                if (gone) {
                        device_forget_kernel_state(r, d);
                        continue;
                }
                k = device_sync(r, d, fd, f, &e);
                if (k < 0 && !force) {
                        log_warning("Failed to remove fault %s from %s: %s", f->id, d->link_name, e.message);
                        rpc_error_done(err);
                        *err = e;
                        return err->code;
                }
                if (k < 0)
                        log_warning("Failed to remove fault %s from %s: %s", f->id, d->link_name, e.message);
                rpc_error_done(&e);
        }

        fault_unlink(r, f);
        for (size_t i = 0; i < f->n_devices; i++)
                device_release(r, f->devices[i].device);
        /* Only now: until every device stopped consulting them, the fault's rules had to stay whole. */
        classifier_cidrs_remove(r->classifier, f->counter_key, f->spec.match.cidrs, f->spec.match.n_cidrs,
                                &f->cidr_set);
        (void) classifier_ports_set(r->classifier, f->counter_key, NULL, 0);

        log_info("%s fault %s on %s%s", why, f->id, target_describe(&f->spec.target, tbuf, sizeof(tbuf)),
                 gone ? " (its network namespace is gone)" : "");
        fault_free(r, f);
        timer_arm(r);
        return 0;
}

int registry_recover(Registry *r, const char *id, RpcError *err) {
        Fault *f = registry_find(r, id);

        if (!f) {
                rpc_error_set(err, RPC_UNKNOWN_FAULT, "Unknown fault id");
                rpc_error_set_field(err, "id", "no live fault has this id");
                cJSON_AddStringToObject(err->data, "id", id);
                return RPC_UNKNOWN_FAULT;
        }
        return fault_remove(r, f, "Recovered", false, err);
}

#define EXPIRY_RETRY_NS (1000ll * 1000 * 1000)

void registry_expire(Registry *r) {
        int64_t now = now_ns(CLOCK_MONOTONIC);
        Fault *f;

        do {
                for (f = r->faults; f; f = f->next)
                        if (f->deadline_ns <= now && f->retry_ns <= now)
                                break;
                if (f) {
                        RpcError e = {};
                        if (fault_remove(r, f, "Expired", false, &e) < 0)
                                f->retry_ns = now + EXPIRY_RETRY_NS; /* the classifier already ignores it */
                        rpc_error_done(&e);
                }
        } while (f);
        timer_arm(r);
}

void registry_netns_deleted(Registry *r, int32_t nsid) {
        Fault *f;

        do {
                _cleanup_close_ int fd = -EBADF;

                for (f = r->faults; f; f = f->next)
                        /* nsids are reused once freed: make sure this fault's namespace is really gone. */
                        if (f->nsid == nsid && target_reopen(&f->spec.target, f->netns, &fd) == -ENOENT)
                                break;
                if (f) {
                        RpcError e = {};
                        (void) fault_remove(r, f, "Dropped", false, &e);
                        rpc_error_done(&e);
                }
        } while (f);
}

int registry_recover_all(Registry *r) {
        while (r->faults) {
                RpcError e = {};
                (void) fault_remove(r, r->faults, "Recovered (agent stopping)", true, &e);
                rpc_error_done(&e);
        }
        return 0;
}

int registry_init(Registry *r, Classifier *classifier, const KernelFeatures *features, int64_t max_duration_ns) {
        *r = (Registry) {
                .classifier = classifier,
                .features = *features,
                .max_duration_ns = max_duration_ns,
        };
        r->nsid_fd = -EBADF;
        r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (r->timer_fd < 0)
                return negative_errno();
        /* Without these the agent still works: a dead namespace's faults go when next touched or at expiry. */
        if (rtnl_open(&r->home) < 0 || nsid_listener_open(&r->nsid_fd) < 0)
                log_warning("Cannot follow namespace deaths (nsid): faults of a vanished target go at expiry");
        return 0;
}

void registry_done(Registry *r) {
        registry_recover_all(r);
        while (r->devices) {
                Device *d = r->devices;
                r->devices = d->next;
                free(d);
        }
        r->timer_fd = safe_close(r->timer_fd);
        r->nsid_fd = safe_close(r->nsid_fd);
        r->home = rtnl_free(r->home);
}

cJSON *fault_to_json(Registry *r, const Fault *f) {
        cJSON *o = cJSON_CreateObject(), *t, *devs, *co;
        struct classifier_counters c;
        char buf[64];

        cJSON_AddStringToObject(o, "id", f->id);
        cJSON_AddStringToObject(o, "state", "active");
        t = cJSON_AddObjectToObject(o, "target");
        if (f->spec.target.kind == TARGET_PID)
                cJSON_AddNumberToObject(t, "pid", f->spec.target.pid);
        else
                cJSON_AddStringToObject(t, "netns", f->spec.target.netns);
        cJSON_AddNumberToObject(t, "netns_inode", (double) f->netns.ino);
        devs = cJSON_AddArrayToObject(o, "devices");
        for (size_t i = 0; i < f->n_devices; i++) {
                bool seen = false;
                for (size_t j = 0; j < i; j++)
                        seen = seen || f->devices[j].device->link_ifindex == f->devices[i].device->link_ifindex;
                if (!seen)
                        cJSON_AddItemToArray(devs, cJSON_CreateString(f->devices[i].device->link_name));
        }
        cJSON_AddStringToObject(o, "applied_at", format_rfc3339(f->applied_at_ns, buf, sizeof(buf)));
        cJSON_AddStringToObject(o, "expires_at", format_rfc3339(f->expires_at_ns, buf, sizeof(buf)));
        cJSON_AddItemToObject(o, "spec", fault_spec_to_json(&f->spec));
        /* Always there, so clients need no special case: zeros if the map cannot be read. */
        if (classifier_counters_read(r->classifier, f->counter_key, &c) < 0)
                c = (struct classifier_counters) {};
        co = cJSON_AddObjectToObject(o, "counters");
        cJSON_AddNumberToObject(co, "matched_packets", (double) c.matched_packets);
        cJSON_AddNumberToObject(co, "matched_bytes", (double) c.matched_bytes);
        cJSON_AddNumberToObject(co, "dropped_packets", (double) c.dropped_packets);
        return o;
}
