/* SPDX-License-Identifier: MIT */
#pragma once

#include <cjson/cJSON.h>

#include "fault.h"

/* fault.apply params as JSON, to and from FaultSpec (model/fault.h). */

/* Where a spec was wrong: a JSON path such as "netem.latency" and a human reason. */
typedef struct SpecError {
        char field[128];
        char reason[256];
} SpecError;

/* Decode and validate fault.apply params. Unknown members are errors. On failure returns -EINVAL, fills *err and
 * leaves *ret untouched. */
int fault_spec_from_json(const cJSON *params, FaultSpec *ret, SpecError *err);

/* Normalised form: durations as Go strings, percents as numbers, rate as tc string, defaults omitted. The target
 * and id are not part of it. */
cJSON *fault_spec_to_json(const FaultSpec *spec);

/* The members a NetworkChaos spec had that chaoslet accepted and ignored, as paths ("networkchaos.selector"); NULL
 * for a native spec. Kept out of the normal form, which decodes back to the same spec. */
cJSON *fault_spec_ignored_to_json(const FaultSpec *spec);

/* Field-path helpers shared by the params decoders. */
int spec_error_set(SpecError *err, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
