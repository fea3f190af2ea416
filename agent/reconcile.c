/* SPDX-License-Identifier: MIT */
/* The journal's side of the registry: what each fault's entry holds, and reconcile at start. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "error.h"
#include "ifb.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "nsid.h"
#include "registry-internal.h"
#include "target.h"
#include "time-util.h"
#include "units.h"

/* ---- writing --------------------------------------------------------------------------------------------- */

/* The entry aliases the fault's spec and cgroup path: it is only encoded, never done. */
static void entry_of_fault(Registry *r, const Fault *f, JournalEntry *e) {
        *e = (JournalEntry) {
                .spec = f->spec,
                .netns = f->netns,
                .order = f->order,
                .applied_at_ns = f->applied_at_ns,
                .expires_at_ns = f->expires_at_ns,
                .deadline_ns = f->deadline_ns,
                .counter_key = f->counter_key,
                .cgroup_id = f->cgroup_id,
                .cgroup_level = f->cgroup_level,
                .cgroup_path = f->cgroup_path,
        };
        snprintf(e->id, sizeof(e->id), "%s", f->id);
        snprintf(e->boot_id, sizeof(e->boot_id), "%s", journal_boot_id(r->journal));
        for (size_t i = 0; i < f->n_devices; i++) {
                const Device *d = f->devices[i].device;

                e->devices[e->n_devices++] = (JournalDevice) {
                        .link_ifindex = d->link_ifindex,
                        .direction = d->direction,
                        .minor = f->devices[i].minor,
                        .key = d->key,
                };
                snprintf(e->devices[i].link_name, sizeof(e->devices[i].link_name), "%s", d->link_name);
        }
}

int registry_journal_note(Registry *r, const Fault *f) {
        int k;

        if (!r->journal)
                return 0;
        k = journal_netns_note(r->journal, f->netns, &f->spec.target);
        if (k < 0)
                log_error_errno(k, "Failed to record the namespace of %s in the journal: %m", f->id);
        return k;
}

int registry_journal_write(Registry *r, const Fault *f) {
        JournalEntry e;
        int k;

        if (!r->journal)
                return 0;
        entry_of_fault(r, f, &e);
        k = journal_write(r->journal, &e);
        if (k < 0)
                log_error_errno(k, "Failed to write the journal entry of fault %s: %m", f->id);
        return k;
}

static bool netns_in_use(Registry *r, NetnsId id, const Fault *skip) {
        for (Fault *g = r->faults; g; g = g->next)
                if (g != skip && g->netns.dev == id.dev && g->netns.ino == id.ino)
                        return true;
        return false;
}

void registry_journal_drop(Registry *r, const Fault *f, bool forget_netns) {
        int k;

        if (!r->journal)
                return;
        /* A stale entry would bring the fault back at the next start: worth an error in the log. */
        k = journal_remove(r->journal, f->id);
        if (k < 0)
                log_error_errno(k, "Failed to remove the journal entry of fault %s: %m", f->id);
        if (forget_netns && !netns_in_use(r, f->netns, f))
                (void) journal_netns_forget(r->journal, f->netns);
}

/* ---- adopting a journalled fault ----------------------------------------------------------------------------- */

static void adopt_undo(Registry *r, Fault *f, void *userdata) {
        registry_fault_unlink(r, f);
}

/* Re-create a live fault in the registry, same id, order and deadlines, and bring its devices' kernel state in line
 * through device_sync(), as an apply would: the dead agent's tree, IFB and hook are recognised as stale and
 * rebuilt, so that this agent's classifier (with this fault's rules in its maps) serves them. */
static int adopt(Registry *r, JournalEntry *e, RtnlNetns *ns) {
        Link links[LINKS_MAX];
        size_t n_links = 0;
        RpcError err = {};
        char tbuf[4200], dbuf[64];
        Fault *f;
        int k;

        if (registry_find(r, e->id))
                return -EEXIST;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        snprintf(f->id, sizeof(f->id), "%s", e->id);
        f->netns = e->netns;
        f->order = e->order;
        f->applied_at_ns = e->applied_at_ns;
        f->expires_at_ns = e->expires_at_ns;
        f->deadline_ns = e->deadline_ns;
        f->cgroup_id = e->cgroup_id;
        f->cgroup_level = e->cgroup_level;
        f->cgroup_path = TAKE_PTR(e->cgroup_path);
        f->nsid = -1;
        if (r->home)
                (void) nsid_get_or_assign(r->home, ns->fd, &f->nsid);

        k = target_links(ns, &e->spec, links, &n_links, &err);
        if (k >= 0)
                k = registry_rules_load(r, f, &e->spec, (int) e->counter_key, &err);
        if (k < 0)
                goto fail;
        f->spec = e->spec;
        e->spec = (FaultSpec) {}; /* f owns it now */
        k = device_place(r, f, links, n_links, &err);
        if (k >= 0) {
                registry_fault_link(r, f);
                k = device_sync_fault(r, f, ns, adopt_undo, NULL, &err);
        }
        if (k < 0) {
                for (size_t i = 0; i < f->n_devices; i++)
                        device_release(r, f->devices[i].device);
                registry_rules_unload(r, f);
                goto fail;
        }
        /* The placement may differ from the dead agent's (keys, minors): record this one. */
        (void) registry_journal_write(r, f);
        fault_target_describe(&f->spec.target, tbuf, sizeof(tbuf));
        log_fault(LOG_INFO, f->id, tbuf, "Adopted fault %s on %s from the journal (%zu device%s, until %s)", f->id,
                  tbuf, f->n_devices, f->n_devices == 1 ? "" : "s",
                  format_rfc3339(f->expires_at_ns, dbuf, sizeof(dbuf)));
        return 0;

fail:
        log_warning("Failed to re-establish fault %s from the journal: %s; it is removed",
                    e->id, err.message[0] ? err.message : strerror(-k));
        rpc_error_done(&err);
        registry_fault_free(f);
        return k;
}

typedef struct Reconcile {
        Registry *registry;
        TargetScan scan;        /* every process's namespace, read once */
} Reconcile;

static void reconcile_entry(JournalEntry *e, void *userdata) {
        Reconcile *c = userdata;
        Registry *r = c->registry;
        _cleanup_(rtnl_netns_done) RtnlNetns ns = RTNL_NETNS_NULL;
        char tbuf[4200], when[64];
        bool expired;
        int k;

        expired = strcmp(e->boot_id, journal_boot_id(r->journal)) != 0 || e->deadline_ns <= now_ns(CLOCK_MONOTONIC);
        k = target_reopen_scanned(&e->spec.target, e->netns, &c->scan, &ns);
        if (k < 0 && k != -ENOENT) {
                log_warning_errno(k, "Cannot reach the namespace of journalled fault %s; it stays in the journal: %m",
                                  e->id);
                return;
        }
        fault_target_describe(&e->spec.target, tbuf, sizeof(tbuf));
        if (k == -ENOENT)
                log_fault(LOG_INFO, e->id, tbuf,
                          "Fault %s on %s ended while the agent was down: its network namespace is gone", e->id, tbuf);
        else if (expired)
                /* What is left of it goes with the sweep of its namespace, below. */
                log_fault(LOG_INFO, e->id, tbuf, "Expired while the agent was down: fault %s on %s (expires_at %s)",
                          e->id, tbuf, format_rfc3339(e->expires_at_ns, when, sizeof(when)));
        else if (adopt(r, e, &ns) >= 0)
                return;
        k = journal_remove(r->journal, e->id);
        if (k < 0)
                log_error_errno(k, "Failed to remove the journal entry of fault %s: %m", e->id);
}

/* ---- what nobody recorded ------------------------------------------------------------------------------------- */

/* Does a live device of ours claim this tree (root on ifindex), hook (ingress on link_ifindex) or IFB (name)? */
static bool claimed(Registry *r, NetnsId ns, int ifindex, int link_ifindex, const char *ifb) {
        for (Device *d = r->devices; d; d = d->next) {
                if (d->netns.dev != ns.dev || d->netns.ino != ns.ino || !d->installed)
                        continue;
                if (ifindex && d->ifindex == ifindex)
                        return true;
                if (link_ifindex && d->direction == CLASSIFIER_DIR_INGRESS && d->link_ifindex == link_ifindex)
                        return true;
                if (ifb && d->direction == CLASSIFIER_DIR_INGRESS && strcmp(d->name, ifb) == 0)
                        return true;
        }
        return false;
}

/* Remove chaoslet's roots (htb c4a0:), IFBs (chaoslet-i*) and ingress hooks (chaoslet-ingress) that no live fault
 * explains: a crash between a netlink batch and the journal, or a fault that expired while the agent was down.
 * Only what carries chaoslet's marks is touched. Hooks first, so that nothing is redirected to a vanished IFB. */
static void sweep_netns(Registry *r, RtnlNetns *where, NetnsId ns) {
        Link links[LINKS_MAX], ifbs[LINKS_MAX];
        size_t n = 0, n_ifbs = 0;
        unsigned removed = 0;
        Rtnl *rtnl;

        if (rtnl_netns_get(where, &rtnl) < 0 || links_list(rtnl, links, LINKS_MAX, &n) < 0 ||
            links_list_ifbs(rtnl, ifbs, LINKS_MAX, &n_ifbs) < 0) {
                log_warning("Cannot look for chaoslet's leftovers in namespace inode %" PRIu64, ns.ino);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                char name[IF_NAMESIZE];
                IngressHookState hook;
                bool stale_ifb = false;

                if (claimed(r, ns, 0, links[i].ifindex, NULL))
                        continue;
                ifb_name(links[i].ifindex, name, sizeof(name));
                for (size_t j = 0; j < n_ifbs; j++)
                        stale_ifb = stale_ifb || (strcmp(ifbs[j].name, name) == 0 && !claimed(r, ns, 0, 0, name));
                if (ingress_hook_state(rtnl, links[i].ifindex, &hook) >= 0 &&
                    (hook.ours || (stale_ifb && !hook.others))) {
                        device_ingress_unhook(rtnl, links[i].ifindex, stale_ifb);
                        removed++;
                }
        }
        for (size_t i = 0; i < n_ifbs; i++)
                if (!claimed(r, ns, 0, 0, ifbs[i].name)) {
                        (void) rtnl_batch_commit_queued(rtnl, ifb_queue_delete(rtnl, ifbs[i].ifindex, ifbs[i].name),
                                                        NULL);
                        removed++;
                }
        for (size_t i = 0; i < n; i++) {
                TreeRootState state;

                if (!claimed(r, ns, links[i].ifindex, 0, NULL) &&
                    tree_root_state(rtnl, links[i].ifindex, &state, NULL, 0) >= 0 && state == TREE_ROOT_OURS) {
                        (void) rtnl_batch_commit_queued(rtnl, tree_queue_root_del(rtnl, links[i].ifindex), NULL);
                        removed++;
                }
        }
        r->metrics.reconcile_removed += removed;
        if (removed)
                log_notice("Removed %u piece%s of chaoslet state that no live fault explains, in namespace inode %"
                           PRIu64, removed, removed == 1 ? "" : "s", ns.ino);
}

static void reconcile_netns(NetnsId id, const FaultTarget *hint, void *userdata) {
        Reconcile *c = userdata;
        Registry *r = c->registry;
        _cleanup_(rtnl_netns_done) RtnlNetns ns = RTNL_NETNS_NULL;
        int k;

        k = target_reopen_scanned(hint, id, &c->scan, &ns);
        if (k == -ENOENT) {
                (void) journal_netns_forget(r->journal, id);
                return;
        }
        if (k < 0) {
                log_warning_errno(k, "Cannot reach recorded namespace inode %" PRIu64 ": %m", id.ino);
                return;
        }
        sweep_netns(r, &ns, id);
        if (!netns_in_use(r, id, NULL))
                (void) journal_netns_forget(r->journal, id);
}

int registry_reconcile(Registry *r) {
        int64_t t0 = now_ns(CLOCK_MONOTONIC);
        int k, n;

        Reconcile c = { .registry = r };

        if (!r->journal)
                return 0;
        k = target_scan_processes(&c.scan);
        if (k < 0)
                log_warning_errno(k, "Failed to list the processes' network namespaces: %m");
        n = journal_load(r->journal, reconcile_entry, &c);
        if (n < 0) {
                target_scan_done(&c.scan);
                return log_error_errno(n, "Failed to read the journal in %s: %m", journal_path(r->journal));
        }
        k = journal_netns_load(r->journal, reconcile_netns, &c);
        if (k < 0)
                log_warning_errno(k, "Failed to read the namespace records in %s: %m", journal_path(r->journal));
        target_scan_done(&c.scan);
        registry_timer_arm(r);
        log_info("Reconciled the journal in %s: %d entr%s, %u adopted, %u corrupt, in %.1f ms",
                 journal_path(r->journal), n, n == 1 ? "y" : "ies", r->n_faults, journal_corrupt(r->journal),
                 (double) (now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
        return 0;
}
