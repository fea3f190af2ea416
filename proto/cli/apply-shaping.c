/* SPDX-License-Identifier: MIT */
/* chaoslet apply: the flags of bandwidth (tbf) and of netem's loss model, ECN and slots. Their own table, so that
 * apply.c's target and match flags grow without touching these. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Flag -> member of "bandwidth". --rate and --limit are netem's; bandwidth's rate is the flag's own name. */
static const char *const bandwidth_flags[][2] = {
        { "bandwidth", "rate" },
        { "burst", "burst" },
        { "bandwidth-limit", "limit" },
        { "peakrate", "peakrate" },
        { "minburst", "minburst" },
};

enum {
        SHAPING_ECN = ELEMENTSOF(bandwidth_flags),
        SHAPING_SLOT,
        SHAPING_LOSS_MODEL_GE,
        _SHAPING_MAX,
};

_Static_assert(_SHAPING_MAX <= CLI_SHAPING_OPTIONS_MAX, "room for the shaping flags in apply's option table");

size_t cli_shaping_options(struct option *dst, int base) {
        for (size_t i = 0; i < ELEMENTSOF(bandwidth_flags); i++)
                dst[i] = (struct option) { bandwidth_flags[i][0], required_argument, NULL, base + (int) i };
        dst[SHAPING_ECN] = (struct option) { "ecn", no_argument, NULL, base + SHAPING_ECN };
        dst[SHAPING_SLOT] = (struct option) { "slot", required_argument, NULL, base + SHAPING_SLOT };
        dst[SHAPING_LOSS_MODEL_GE] = (struct option) { "loss-model-ge", required_argument, NULL,
                                                       base + SHAPING_LOSS_MODEL_GE };
        return _SHAPING_MAX;
}

/* "A,B,C" into the members names[0..] of a new object o[member], as strings: the agent parses the values, so
 * its errors name the member ("netem.slot.max_delay"). At most n values, at least min. */
static int split_into(cJSON *parent, const char *member, const char *flag, const char *arg, const char *const *names,
                      size_t min, size_t n) {
        _cleanup_free_ char *copy = strdup(arg);
        cJSON *o;
        char *p, *save = NULL;
        size_t i = 0;

        if (!copy)
                return -ENOMEM;
        if (cJSON_HasObjectItem(parent, member)) {
                cli_usage_error("--%s given twice", flag);
                return -EEXIST;
        }
        o = cJSON_AddObjectToObject(parent, member);
        if (!o)
                return -ENOMEM;
        for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save), i++) {
                if (i >= n) {
                        cli_usage_error("--%s takes at most %zu comma-separated values", flag, n);
                        return -EEXIST;
                }
                if (!cJSON_AddStringToObject(o, names[i], p))
                        return -ENOMEM;
        }
        if (i < min) {
                cli_usage_error("--%s needs at least %zu comma-separated values", flag, min);
                return -EEXIST;
        }
        return 0;
}

int cli_shaping_option(int index, const char *arg, cJSON *params, const CliParamsOps *ops) {
        static const char *const slot_names[] = { "min_delay", "max_delay", "packets", "bytes" };
        static const char *const ge_names[] = { "p", "r", "h", "k" };
        cJSON *netem, *model;

        if (index >= 0 && index < (int) ELEMENTSOF(bandwidth_flags))
                return ops->set_once(ops->object_member(params, "bandwidth"), bandwidth_flags[index][1],
                                     bandwidth_flags[index][0], arg);

        netem = ops->object_member(params, "netem");
        if (!netem)
                return -ENOMEM;
        switch (index) {
        case SHAPING_ECN:
                if (cJSON_HasObjectItem(netem, "ecn"))
                        return 0;
                return cJSON_AddTrueToObject(netem, "ecn") ? 0 : -ENOMEM;
        case SHAPING_SLOT:
                return split_into(netem, "slot", "slot", arg, slot_names, 1, ELEMENTSOF(slot_names));
        case SHAPING_LOSS_MODEL_GE:
                model = ops->object_member(netem, "loss_model");
                if (!model)
                        return -ENOMEM;
                return split_into(model, "gilbert_elliott", "loss-model-ge", arg, ge_names, 1, ELEMENTSOF(ge_names));
        default:
                return -EINVAL;
        }
}
