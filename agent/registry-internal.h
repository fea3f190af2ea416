/* SPDX-License-Identifier: MIT */
#pragma once

/* What registry.c shares with reconcile.c (adopting journalled faults) and fault-view.c (what clients see). */

#include "registry.h"

void registry_timer_arm(Registry *r);
void registry_fault_free(Fault *f);
void registry_fault_link(Registry *r, Fault *f);
void registry_fault_unlink(Registry *r, Fault *f);

/* Load spec's match into the classifier under a fresh key (want_key when it is free and >= 0). All or nothing. */
int registry_rules_load(Registry *r, Fault *f, const FaultSpec *spec, int want_key, RpcError *err);
void registry_rules_unload(Registry *r, Fault *f);

/* The journal (none: all succeed): record the fault's namespace before its first change there, write the fault's
 * entry, drop it. With forget_netns (the namespace is gone, or the agent stops), the namespace's record goes too
 * once no live fault is left there; otherwise it stays, so that the next apply there costs one file written, not
 * two (reconcile forgets records that explain nothing). */
int registry_journal_note(Registry *r, const Fault *f);
int registry_journal_write(Registry *r, const Fault *f);
void registry_journal_drop(Registry *r, const Fault *f, bool forget_netns);

/* Print once what fault.list shows of f that never changes (fault-view.c); what cannot be printed for want of
 * memory is built at each view instead. */
void fault_view_prepare(Fault *f);
/* The fault's namespace died: keep what it looked like for a while, as state "ended" (fault-view.c). */
/* Keep f's view as ended, for fault.list and fault.get, for REGISTRY_ENDED_KEEP_NS. False when it could not. */
bool registry_fault_ended(Registry *r, const Fault *f, const char *reason);
/* Take back the record registry_fault_ended() just added (its fault could not be removed after all). */
void registry_ended_drop_newest(Registry *r);
/* Forget ended faults past their time; the next such time (CLOCK_MONOTONIC), or INT64_MAX. */
int64_t registry_ended_expire(Registry *r, int64_t now);
void registry_ended_free_all(Registry *r);
