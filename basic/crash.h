/* SPDX-License-Identifier: MIT */
#pragma once

/* Test-only crash points (meson -Dcrash-points=true, never in a release build): CRASH_POINT("apply:after-batch")
 * aborts the process when CHAOSLET_CRASH_AT names that step, so that a test can kill the agent at each step of an
 * apply or recover and check what the next agent makes of it. Compiled out otherwise. */

#include "config.h"

#if CHAOSLET_CRASH_POINTS
#include <stdlib.h>
#include <string.h>

static inline void crash_point(const char *name) {
        const char *at = getenv("CHAOSLET_CRASH_AT");

        if (at && strcmp(at, name) == 0)
                abort();
}
#define CRASH_POINT(name) crash_point(name)
#else
#define CRASH_POINT(name) do {} while (0)
#endif
