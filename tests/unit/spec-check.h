/* SPDX-License-Identifier: MIT */
#pragma once

/* What the fault spec decoder's tests share: parse a params document, and expect it to pass, to fail naming a
 * field, to read back as JSON, or to equal another. Include after tap.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "tap.h"

/* Parse a params document; the spec must come back untouched on failure. */
static inline int parse(const char *json, FaultSpec *ret, SpecError *err) {
        cJSON *o = cJSON_Parse(json);
        int r;

        if (!o) {
                fprintf(stderr, "test bug: not JSON: %s\n", json);
                tap_failures++;
                return -EBADMSG;
        }
        *err = (SpecError) {};
        r = fault_spec_from_json(o, ret, err);
        cJSON_Delete(o);
        return r;
}

static inline void expect_ok(const char *json) {
        FaultSpec s = {};
        SpecError e;
        int r = parse(json, &s, &e);

        if (r != 0) {
                fprintf(stderr, "expected success for %s, got %d: %s: %s\n", json, r, e.field, e.reason);
                tap_failures++;
        }
        fault_spec_done(&s);
}

static inline void expect_error(const char *json, const char *field, const char *reason) {
        FaultSpec s = { .id = "sentinel", .duration_ns = 42 };
        SpecError e;
        int r = parse(json, &s, &e);

        if (r != -EINVAL || strcmp(e.field, field) != 0 || !strstr(e.reason, reason)) {
                fprintf(stderr, "for %s:\n  got %d field \"%s\" reason \"%s\"\n  expected -EINVAL field \"%s\" reason ~\"%s\"\n",
                        json, r, e.field, e.reason, field, reason);
                tap_failures++;
        }
        /* ret untouched on failure */
        CHECK_STREQ(s.id, "sentinel");
        CHECK_EQ_INT(s.duration_ns, 42);
        CHECK(s.devices == NULL && s.target.netns == NULL);
}

static inline char *to_json_string(const FaultSpec *s) {
        cJSON *o = fault_spec_to_json(s);
        char *t = o ? cJSON_PrintUnformatted(o) : NULL;

        cJSON_Delete(o);
        return t;
}

static inline bool equal_json(const char *a, const char *b) {
        FaultSpec x = {}, y = {};
        SpecError e;
        bool eq;

        CHECK_EQ_INT(parse(a, &x, &e), 0);
        CHECK_EQ_INT(parse(b, &y, &e), 0);
        eq = fault_spec_equal(&x, &y);
        CHECK(fault_spec_equal(&y, &x) == eq);
        fault_spec_done(&x);
        fault_spec_done(&y);
        return eq;
}

