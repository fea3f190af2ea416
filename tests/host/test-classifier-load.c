/* SPDX-License-Identifier: MIT */
/* The classifier loads with the agent's capabilities on this kernel, and the verifier's work stays well inside its
 * 1,000,000-instruction budget: a change that walks it towards the limit fails here, not on a user's kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "caps.h"
#include "loader.h"

#define BUDGET 1000000u
#define MARGIN 0.75

int main(void) {
        struct bpf_prog_info info = {};
        __u32 len = sizeof(info);
        Classifier *c = NULL;
        int k;

        if (geteuid() != 0) {
                fprintf(stderr, "skip: loading BPF programs needs root\n");
                return 77;
        }
        k = caps_drop_to_minimum();
        if (k < 0) {
                fprintf(stderr, "dropping to the agent's capabilities failed: %s\n", strerror(-k));
                return 1;
        }
        k = classifier_load(&c);
        if (k < 0) {
                fprintf(stderr, "the classifier did not load with the agent's capabilities: %s\n", strerror(-k));
                return 1;
        }
        if (bpf_obj_get_info_by_fd(classifier_prog_fd(c), &info, &len) < 0) {
                fprintf(stderr, "BPF_OBJ_GET_INFO_BY_FD: %s\n", strerror(errno));
                return 1;
        }
        printf("classifier: %u instructions; the verifier processed %u of its %u budget (%.1f%%)\n",
               info.xlated_prog_len / 8, info.verified_insns, BUDGET, 100.0 * info.verified_insns / BUDGET);
        classifier_free(c);
        if (info.verified_insns == 0) {
                fprintf(stderr, "skip: this kernel does not report verified_insns (before 5.16)\n");
                return 77;
        }
        if (info.verified_insns > MARGIN * BUDGET) {
                fprintf(stderr, "the verifier's work is above %.0f%% of its budget\n", MARGIN * 100);
                return 1;
        }
        return 0;
}
