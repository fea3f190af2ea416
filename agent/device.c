/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "crash.h"
#include "device.h"
#include "error.h"
#include "ifb.h"
#include "log.h"
#include "macro.h"

/* ---- which devices exist, and which faults they carry -------------------------------------------------------- */

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
        k = bitmap_alloc(r->device_keys, TREE_DEVICE_KEY_MIN, 65536, &key);
        if (k < 0)
                return k;
        d = calloc(1, sizeof(*d));
        if (!d) {
                bitmap_set(r->device_keys, key, false);
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

void device_release(Registry *r, Device *d) {
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
        bitmap_set(r->device_keys, d->key, false);
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

int device_place(Registry *r, Fault *f, const Link *links, size_t n_links, RpcError *err) {
        const FaultSpec *spec = &f->spec;

        /* Sized to the links, not to FAULT_DEVICES_MAX: that was 2 KiB a fault, most of its memory. Called once a
         * fault. */
        f->devices = calloc(n_links > 0 ? 2 * n_links : 1, sizeof(FaultDevice));
        if (!f->devices)
                return -ENOMEM;
        for (size_t i = 0; i < n_links; i++)
                for (uint8_t dir = CLASSIFIER_DIR_EGRESS; dir <= CLASSIFIER_DIR_INGRESS; dir++) {
                        uint64_t used;
                        unsigned m = 0, count = 0;
                        Device *d;
                        int k;

                        if ((dir == CLASSIFIER_DIR_EGRESS && spec->direction == DIRECTION_INGRESS) ||
                            (dir == CLASSIFIER_DIR_INGRESS && spec->direction == DIRECTION_EGRESS))
                                continue;

                        k = device_get(r, f->netns, &links[i], dir, &d);
                        if (k < 0)
                                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Out of device slots");
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
                                k = agent_fail_field(err, -E2BIG, RPC_INVALID_PARAMS, "Too many faults on one device",
                                                     "device", "the device already carries 64 live faults");
                                cJSON_AddStringToObject(err->data, "device", d->link_name);
                                return k;
                        }
                        if (fault_needs_class(spec))
                                for (m = 1; m <= TREE_CLASSES_MAX && (used & (1ull << (m - 1))); m++)
                                        ;
                        f->devices[f->n_devices - 1].minor = (uint16_t) m;
                }
        return 0;
}

int device_sync_fault(Registry *r, Fault *f, RtnlNetns *ns, void (*undo)(Registry *r, Fault *f, void *userdata),
                      void *userdata, RpcError *err) {
        for (size_t i = 0; i < f->n_devices; i++) {
                int k = device_sync(r, f->devices[i].device, ns, NULL, err);

                if (k < 0) {
                        undo(r, f, userdata);
                        for (size_t j = 0; j < i; j++) {
                                RpcError ignored = {};
                                (void) device_sync(r, f->devices[j].device, ns, NULL, &ignored);
                                rpc_error_done(&ignored);
                        }
                        return k;
                }
        }
        return 0;
}

/* ---- errors ----------------------------------------------------------------------------------------------- */

/* The kernel said no: its errno and its own words, for the client. Returns the errno. */
static int kernel_error(RpcError *err, const RtnlError *e, const Device *d, const char *what) {
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
        return e->error < 0 ? e->error : -EIO;
}

static int conflict_error(RpcError *err, const Device *d, const char *kind, const char *reason) {
        rpc_error_set(err, RPC_CONFLICT, "The device's qdisc belongs to somebody else");
        err->data = cJSON_CreateObject();
        cJSON_AddStringToObject(err->data, "device", d->link_name);
        cJSON_AddStringToObject(err->data, "qdisc", kind);
        cJSON_AddStringToObject(err->data, "reason", reason);
        return -EBUSY;
}

/* Loss alone, without correlation, is decided by the classifier (bpf_get_prandom_u32): no netem needed, so it
 * works on kernels without sch_netem. Anything else netem does needs a netem leaf, and so a class; so does
 * bandwidth (a tbf). */
static bool fault_loss_in_classifier(const FaultSpec *spec) {
        return spec->netem.set == NETEM_HAS_LOSS;
}

bool fault_needs_netem(const FaultSpec *spec) {
        return spec->netem.set && !fault_loss_in_classifier(spec);
}

bool fault_needs_class(const FaultSpec *spec) {
        return fault_needs_netem(spec) || spec->bandwidth.set;
}

/* ---- the desired state, and getting there --------------------------------------------------------------- */

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
        if (f->cgroup_id) {
                s->flags |= CLASSIFIER_F_CGROUP;
                s->cgroup_id = f->cgroup_id;
                s->cgroup_level = (uint8_t) f->cgroup_level;
        }
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

/* What a fault's class holds (tree.h): netem unless the classifier carries all of its netem, tbf for bandwidth. */
static TreeClass class_contents(const FaultSpec *spec) {
        return (TreeClass) {
                .netem = fault_needs_netem(spec) ? &spec->netem : NULL,
                .bandwidth = spec->bandwidth.set ? &spec->bandwidth : NULL,
        };
}

/* Queue the classes in which, each with what it holds. For each, ret_queued gets its minor and ret_index the
 * batch position of its class message (its leaf and child follow it). Any message that does not fit fails it
 * all: the caller resets the batch. */
static int queue_classes(Rtnl *rtnl, Device *d, const Plan *p, uint64_t which, uint16_t *ret_queued,
                         unsigned *ret_index, unsigned *ret_n) {
        unsigned q = 0;

        for (size_t i = 0; i < p->n; i++)
                if (p->minors[i] && (which & (1ull << (p->minors[i] - 1)))) {
                        TreeClass what = class_contents(&p->faults[i]->spec);
                        unsigned at = rtnl_batch_size(rtnl);

                        if (tree_queue_class_add(rtnl, d->ifindex, p->minors[i], &what) < 0)
                                return -ENOBUFS;
                        if (ret_queued)
                                ret_queued[q] = p->minors[i];
                        if (ret_index)
                                ret_index[q] = at;
                        q++;
                }
        if (ret_n)
                *ret_n = q;
        return 0;
}


/* Removals are one small message per class: at most 64 always fit in an empty batch (rtnl.h). */
static void queue_classes_del(Rtnl *rtnl, Device *d, uint64_t which) {
        for (unsigned m = 1; m <= TREE_CLASSES_MAX; m++)
                if (which & (1ull << (m - 1)))
                        (void) tree_queue_class_del(rtnl, d->ifindex, (uint16_t) m);
}

/* Is the tree on d's ifindex one that another live device of ours put there? Then it is not stale. */
static bool device_owns(Registry *r, const Device *d) {
        for (Device *o = r->devices; o; o = o->next)
                if (o != d && o->installed && o->ifindex == d->ifindex && o->netns.dev == d->netns.dev &&
                    o->netns.ino == d->netns.ino)
                        return true;
        return false;
}

/* A tree of ours that no live fault explains: left by an agent that was killed, or stopped with
 * --keep-faults-on-exit, whose faults this one is adopting. Make it this plan's in place, in one batch: every class
 * of the old tree removed (with the packets its leaf held), the plan's classes added, and the filter changed in
 * place to this agent's program (the old one reads the old agent's maps, which only it keeps alive). The root
 * stays: deleting it would deactivate the device for a moment and drop traffic that no fault matches. On failure
 * the caller removes the root instead. */
static int tree_takeover(Registry *r, Rtnl *rtnl, Device *d, const Plan *p) {
        uint64_t old = 0;
        int k;

        k = tree_classes(rtnl, d->ifindex, &old);
        if (k < 0)
                return k;
        k = classifier_device_update(r->classifier, d->key, &p->table);
        if (k < 0)
                return k;
        queue_classes_del(rtnl, d, old);
        if (queue_classes(rtnl, d, p, p->want, NULL, NULL, NULL) < 0 ||
            tree_queue_filter_replace(rtnl, d->ifindex, d->key, classifier_prog_fd(r->classifier)) < 0) {
                rtnl_batch_reset(rtnl);
                k = -ENOBUFS;
                goto fail;
        }
        k = rtnl_batch_commit(rtnl, NULL, NULL);
        if (k < 0)
                goto fail;
        d->classes = p->want;
        return 0;

fail:
        (void) classifier_device_update(r->classifier, d->key, NULL);
        return k;
}

/* A fresh tree on d->ifindex: root, the classes, the classifier's filter. All or nothing. */
static int tree_install(Registry *r, Rtnl *rtnl, Device *d, const Plan *p, RpcError *err) {
        int results[RTNL_BATCH_MAX];
        bool retried = false;
        RtnlError e = {};
        int k;

again:
        k = classifier_device_update(r->classifier, d->key, &p->table);
        if (k < 0)
                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to update the classifier's map");
        /* All of it or none of it: a root without its filter would pass every packet unclassified. */
        if (tree_queue_root_add(rtnl, d->ifindex) < 0 || queue_classes(rtnl, d, p, p->want, NULL, NULL, NULL) < 0 ||
            tree_queue_filter_add(rtnl, d->ifindex, d->key, classifier_prog_fd(r->classifier)) < 0)
                goto too_big;

        k = rtnl_batch_commit(rtnl, results, &e);
        if (k >= 0) {
                d->classes = p->want;
                return 0;
        }

        /* Undo: the root takes everything below it along. */
        if (results[0] >= 0) {
                (void) rtnl_batch_commit_queued(rtnl, tree_queue_root_del(rtnl, d->ifindex), NULL);
        }
        (void) classifier_device_update(r->classifier, d->key, NULL);

        if (results[0] == -EEXIST) {
                TreeRootState state;
                char kind[32] = "";

                if (tree_root_state(rtnl, d->ifindex, &state, kind, sizeof(kind)) >= 0 && state == TREE_ROOT_OURS &&
                    !retried && !device_owns(r, d)) {
                        /* Our handle, but no fault of ours: left by an agent that was killed. */
                        k = tree_takeover(r, rtnl, d, p);
                        if (k >= 0) {
                                log_info("Took over the chaoslet tree on %s that a previous agent left", d->name);
                                return 0;
                        }
                        log_notice("Removing a stale chaoslet root on %s (taking it over failed: %s)", d->name,
                                   strerror(-k));
                        (void) rtnl_batch_commit_queued(rtnl, tree_queue_root_del(rtnl, d->ifindex), NULL);
                        retried = true;
                        goto again;
                }
                return conflict_error(err, d, kind, "chaoslet never replaces a root qdisc it did not create");
        }
        return kernel_error(err, &e, d, e.index == 0 ? "add root qdisc" : "add fault class");

too_big:
        rtnl_batch_reset(rtnl);
        (void) classifier_device_update(r->classifier, d->key, NULL);
        return agent_fail(err, -ENOBUFS, RPC_INTERNAL_ERROR, "The change does not fit in one netlink batch");
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
                unsigned at[TREE_CLASSES_MAX], queued = 0;

                if (queue_classes(rtnl, d, p, add, added, at, &queued) < 0) {
                        rtnl_batch_reset(rtnl);
                        return agent_fail(err, -ENOBUFS, RPC_INTERNAL_ERROR,
                                          "The change does not fit in one netlink batch");
                }
                k = rtnl_batch_commit(rtnl, results, &e);
                if (k < 0) {
                        /* Each class is one to three messages (class, leaf, child): remove every class whose own
                         * message made it, which takes whatever of its leaf and child did along. */
                        for (unsigned i = 0; i < queued; i++)
                                if (results[at[i]] >= 0)
                                        (void) tree_queue_class_del(rtnl, d->ifindex, added[i]);
                        (void) rtnl_batch_commit(rtnl, NULL, NULL);
                        return kernel_error(err, &e, d, "add fault class");
                }
        }

        k = classifier_device_update(r->classifier, d->key, &p->table);
        if (k < 0) {
                queue_classes_del(rtnl, d, add);
                (void) rtnl_batch_commit(rtnl, NULL, NULL);
                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to update the classifier's map");
        }
        d->classes |= add;

        if (del) {
                queue_classes_del(rtnl, d, del);
                k = rtnl_batch_commit(rtnl, NULL, &e);
                if (k < 0)
                        log_debug("Removing classes on %s: %s", d->name, strerror(-k));
                d->classes &= ~del;
        }
        return 0;
}

/* Resolve the IFB's ifindex by name, inside the namespace. */
static int ifb_lookup(Rtnl *rtnl, const char *name, int *ret) {
        char *names[] = { (char *) name, NULL };
        Link link;
        int k;

        k = links_resolve(rtnl, names, 1, &link, NULL);
        if (k < 0)
                return k;
        *ret = link.ifindex;
        return 0;
}

/* Take chaoslet's ingress hook off a device: the whole clsact when it carries nothing but our filter, else just our
 * filter, so nobody else's filters go with it. */
void device_ingress_unhook(Rtnl *rtnl, int link_ifindex, bool stale_ifb) {
        IngressHookState hook;

        if (ingress_hook_state(rtnl, link_ifindex, &hook) < 0)
                return;
        /* chaoslet adds its clsact and then its filter (two commits: ingress_install()), and creates the IFB before
         * either: an empty clsact beside a stale IFB of ours is what an agent killed between the two left. */
        if (!hook.ours && !(stale_ifb && !hook.others))
                return;
        (void) rtnl_batch_commit_queued(rtnl, hook.others ? ingress_queue_redirect_del(rtnl, link_ifindex)
                                        : ingress_queue_clsact_del(rtnl, link_ifindex), NULL);
}

/* The IFB d->ifindex and the hook that feeds it are a killed agent's: its tree taken over (tree_install() does it),
 * the hook's filter changed in place to this agent's program and this IFB. Only when our filter is on the hook:
 * anything less is what a crash half-way through ingress_install() left, which carried no traffic yet. */
static int ingress_takeover(Registry *r, Rtnl *rtnl, Device *d, const Plan *p) {
        IngressHookState hook;
        RpcError ignored = {};
        int k;

        k = ingress_hook_state(rtnl, d->link_ifindex, &hook);
        if (k < 0)
                return k;
        if (!hook.ours)
                return -ENOENT;
        k = rtnl_batch_commit_queued(rtnl, ifb_queue_up(rtnl, d->ifindex), NULL);
        if (k >= 0)
                k = tree_install(r, rtnl, d, p, &ignored);
        rpc_error_done(&ignored);
        if (k < 0)
                return k;
        k = rtnl_batch_commit_queued(rtnl, ingress_queue_redirect(rtnl, d->link_ifindex,
                                                                  classifier_ingress_prog_fd(r->classifier),
                                                                  d->ifindex, true), NULL);
        if (k < 0) {
                (void) classifier_device_update(r->classifier, d->key, NULL);
                d->classes = 0;
        }
        return k;
}

/* Ingress: the IFB, its tree, and the hook that feeds it. All or nothing. */
static int ingress_install(Registry *r, Rtnl *rtnl, Device *d, const Plan *p, RpcError *err) {
        bool retried = false;
        RtnlError e = {};
        int k;

again:
        k = rtnl_batch_commit_queued(rtnl, ifb_queue_create(rtnl, d->name), &e);
        if (k == -EEXIST && !retried && ifb_lookup(rtnl, d->name, &d->ifindex) >= 0) {
                /* Our name, but no fault of ours: left by an agent that was killed. With its hook in place, take
                 * all three over where they are, so that nothing the hook redirects is lost. */
                if (ingress_takeover(r, rtnl, d, p) >= 0) {
                        log_info("Took over the chaoslet IFB %s and its ingress hook on %s that a previous agent left",
                                 d->name, d->link_name);
                        return 0;
                }
                /* Else remove them. The hook goes first, so nothing is ever redirected to an IFB that is gone. */
                log_notice("Removing a stale chaoslet IFB %s and its ingress hook on %s", d->name, d->link_name);
                device_ingress_unhook(rtnl, d->link_ifindex, true);
                (void) rtnl_batch_commit_queued(rtnl, ifb_queue_delete(rtnl, d->ifindex, d->name), NULL);
                retried = true;
                goto again;
        }
        if (k < 0)
                return kernel_error(err, &e, d, "create the IFB device");

        d->ifindex = 0;
        k = ifb_lookup(rtnl, d->name, &d->ifindex);
        if (k >= 0)
                k = rtnl_batch_commit_queued(rtnl, ifb_queue_up(rtnl, d->ifindex), &e);
        if (k < 0) {
                rpc_error_set(err, RPC_INTERNAL_ERROR, "Failed to bring chaoslet's IFB device up");
                goto fail_ifb;
        }

        CRASH_POINT("apply:after-ifb");
        k = tree_install(r, rtnl, d, p, err);
        if (k < 0)
                goto fail_ifb;
        CRASH_POINT("apply:after-ingress-tree");

        /* The clsact alone first: the kernel would otherwise go on to add our filter to somebody else's clsact. */
        k = rtnl_batch_commit_queued(rtnl, ingress_queue_clsact_add(rtnl, d->link_ifindex), &e);
        if (k == -EEXIST) {
                k = conflict_error(err, d, "clsact", "the device already has a clsact qdisc, which chaoslet does not share");
                goto fail_tree;
        }
        if (k < 0) {
                k = kernel_error(err, &e, d, "add the ingress hook");
                goto fail_tree;
        }
        CRASH_POINT("apply:after-clsact");
        k = rtnl_batch_commit_queued(rtnl, ingress_queue_redirect(rtnl, d->link_ifindex,
                                                                  classifier_ingress_prog_fd(r->classifier),
                                                                  d->ifindex, false), &e);
        if (k < 0) {
                (void) rtnl_batch_commit_queued(rtnl, ingress_queue_clsact_del(rtnl, d->link_ifindex), NULL);
                k = kernel_error(err, &e, d, "add the ingress hook");
                goto fail_tree;
        }
        return 0;

fail_tree:
        (void) classifier_device_update(r->classifier, d->key, NULL);
fail_ifb:
        /* Deleting the IFB takes its tree along. */
        (void) rtnl_batch_commit_queued(rtnl, ifb_queue_delete(rtnl, d->ifindex, d->name), NULL);
        d->ifindex = 0;
        d->classes = 0;
        return k;
}

static void device_uninstall(Registry *r, Rtnl *rtnl, Device *d) {
        RtnlError e = {};
        int k;

        (void) classifier_device_update(r->classifier, d->key, NULL);
        if (d->direction == CLASSIFIER_DIR_INGRESS) {
                device_ingress_unhook(rtnl, d->link_ifindex, false);
                CRASH_POINT("recover:after-unhook");
                k = rtnl_batch_commit_queued(rtnl, ifb_queue_delete(rtnl, d->ifindex, d->name), &e);
        } else
                k = rtnl_batch_commit_queued(rtnl, tree_queue_root_del(rtnl, d->ifindex), &e);
        /* Gone already (device or namespace removed, root replaced by somebody else): nothing of ours is left to
         * remove, and we must not touch what is there now. */
        if (k < 0 && k != -ENOENT && k != -EINVAL && k != -ENODEV)
                log_debug("Removing chaoslet's tree on %s failed: %s", d->name, strerror(-k));
        d->installed = false;
        d->classes = 0;
        if (d->direction == CLASSIFIER_DIR_INGRESS)
                d->ifindex = 0;
}

/* Whether the plan needs netlink in the device's namespace, or only the classifier's map (which is the agent's own,
 * in no namespace): a partition, a classifier loss or a match change beside faults that keep the tree, applied
 * or removed, changes no class. */
static bool plan_needs_netlink(const Device *d, const Plan *p) {
        if (p->n == 0)
                return d->installed;
        return !d->installed || p->want != d->classes;
}

bool device_sync_needs_netns(Registry *r, Device *d, const Fault *skip) {
        Plan plan;

        plan_device(r, d, skip, &plan);
        return plan_needs_netlink(d, &plan);
}

/* Bring one device's kernel state to what its live faults ask for: the one path every apply, recover, expiry and
 * cleanup goes through. skip is a fault being removed. On failure the device is left as it was. */
int device_sync(Registry *r, Device *d, RtnlNetns *ns, const Fault *skip, RpcError *err) {
        Rtnl *rtnl;
        Plan plan;
        int k;

        plan_device(r, d, skip, &plan);

        /* No socket in the namespace, no switch into it: a warm apply or recover of such a fault is a map update. */
        if (!plan_needs_netlink(d, &plan)) {
                if (plan.n == 0)
                        return 0;
                k = classifier_device_update(r->classifier, d->key, &plan.table);
                return k < 0 ? agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to update the classifier's map") : 0;
        }

        k = rtnl_netns_get(ns, &rtnl);
        if (k < 0)
                return agent_fail(err, k, RPC_INTERNAL_ERROR, "Failed to open rtnetlink in the target namespace");

        if (plan.n == 0) {
                if (d->installed)
                        device_uninstall(r, rtnl, d);
                return 0;
        }
        if (d->installed)
                return tree_update(r, rtnl, d, &plan, err);

        if (d->direction == CLASSIFIER_DIR_INGRESS)
                k = ingress_install(r, rtnl, d, &plan, err);
        else
                k = tree_install(r, rtnl, d, &plan, err);
        if (k < 0)
                return k;
        d->installed = true;
        return 0;
}

/* The namespace is gone: so is everything we had put in it. */
void device_forget_kernel_state(Registry *r, Device *d) {
        (void) classifier_device_update(r->classifier, d->key, NULL);
        d->installed = false;
        d->classes = 0;
}

