/* SPDX-License-Identifier: MIT */
/* libFuzzer: a journal entry's bytes, as reconcile reads them from --state-dir (a torn write, a disk error, an
 * older or newer agent's file). An entry that decodes must encode and decode again to the same fault. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        JournalEntry e = {}, again = {};
        char why[300], *text;
        cJSON *o;

        if (size > JOURNAL_ENTRY_MAX || journal_entry_from_json((const char *) data, size, &e, why, sizeof(why)) < 0)
                return 0;
        o = journal_entry_to_json(&e);
        text = o ? cJSON_PrintUnformatted(o) : NULL;
        if (text) {
                if (journal_entry_from_json(text, strlen(text), &again, why, sizeof(why)) < 0 ||
                    !fault_spec_equal(&e.spec, &again.spec) || strcmp(e.id, again.id) != 0 ||
                    e.deadline_ns != again.deadline_ns || e.n_devices != again.n_devices)
                        abort();
                journal_entry_done(&again);
        }
        free(text);
        cJSON_Delete(o);
        journal_entry_done(&e);
        return 0;
}
