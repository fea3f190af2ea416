/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The fault journal: each live fault as one file, <state-dir>/faults/<name>.json, written atomically (a temporary
 * file in the same directory, renamed over) before its apply is acknowledged, and unlinked when the fault is
 * removed. It outlives the agent, not the node: nothing is fsynced (journal.c says why). Beside it,
 * <state-dir>/netns/<dev>-<ino>.json records each namespace chaoslet is about to change, before the first change
 * there: a crash between a netlink batch and the fault's entry still leaves the namespace recorded, so the next
 * agent's reconcile knows where to look for what nobody else recorded (agent/reconcile.c).
 *
 * A file that does not decode (torn, wrong version, oversized) is reported, renamed aside to <file>.corrupt and
 * skipped: it never stops the agent starting.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fault.h"
#include "netns.h"

#define JOURNAL_VERSION 1
/* 65,536 CIDRs are legal in one fault: the largest entry is a few MiB. Anything beyond this is not ours. */
#define JOURNAL_ENTRY_MAX (16u * 1024u * 1024u)
#define JOURNAL_BOOT_ID_MAX 40

/* One placement of the fault: a direction of one link, and what it had there. */
typedef struct JournalDevice {
        int link_ifindex;
        char link_name[16];
        uint8_t direction;              /* CLASSIFIER_DIR_* */
        uint16_t minor;                 /* its class c4a0:minor; 0: none */
        uint16_t key;                   /* the classifier's device key */
} JournalDevice;

typedef struct JournalEntry {
        char id[FAULT_ID_MAX + 1];
        FaultSpec spec;                 /* owned after a decode; for journal_write() it may alias the fault's */
        NetnsId netns;
        uint64_t order;
        int64_t applied_at_ns;          /* CLOCK_REALTIME */
        int64_t expires_at_ns;          /* CLOCK_REALTIME */
        int64_t deadline_ns;            /* CLOCK_MONOTONIC, meaningful only on the boot named by boot_id */
        char boot_id[JOURNAL_BOOT_ID_MAX];
        uint32_t counter_key;
        uint64_t cgroup_id;
        unsigned cgroup_level;
        char *cgroup_path;              /* owned after a decode */
        JournalDevice devices[2 * FAULT_DEVICES_MAX];
        size_t n_devices;
} JournalEntry;

void journal_entry_done(JournalEntry *e);

/* The entry as JSON, and back. A decode failure returns -EBADMSG (or -EPROTO for another version) with why. */
cJSON *journal_entry_to_json(const JournalEntry *e);
int journal_entry_from_json(const char *text, size_t len, JournalEntry *ret, char *why, size_t why_len);

typedef struct Journal Journal;

/* Create <state_dir>/faults and <state_dir>/netns (0700) when missing, and read this boot's id. */
int journal_open(const char *state_dir, Journal **ret);
Journal *journal_free(Journal *j);
const char *journal_path(const Journal *j);
const char *journal_boot_id(const Journal *j);

int journal_write(Journal *j, const JournalEntry *e);
int journal_remove(Journal *j, const char *id);

/* Each entry that decodes, to cb (which may take its allocations: the entry is done after cb returns). The
 * others are renamed aside and counted. Stale temporary files are removed. */
int journal_load(Journal *j, void (*cb)(JournalEntry *e, void *userdata), void *userdata);
/* Entries on disk now, and corrupt ones set aside by this agent. */
unsigned journal_entries(Journal *j);
unsigned journal_corrupt(const Journal *j);

/* Record a namespace before chaoslet first changes something in it (a no-op when it is recorded already), with
 * the target that found it, as a hint to find it again; forget it when nothing of ours is left there. */
int journal_netns_note(Journal *j, NetnsId id, const FaultTarget *hint);
int journal_netns_forget(Journal *j, NetnsId id);
/* Each recorded namespace to cb; hint is NULL when the record has none that decodes. */
int journal_netns_load(Journal *j, void (*cb)(NetnsId id, const FaultTarget *hint, void *userdata), void *userdata);

/* The target as a client gives it ({"pid": N}, {"netns": PATH}, ...), and back. */
cJSON *journal_target_to_json(const FaultTarget *t);
