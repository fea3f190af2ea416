/* SPDX-License-Identifier: MIT */
/* What the decoders of fault.apply params share: the error's field path, the walk over an object's members and
 * the value decoders. Each decoder names the field it is given in its errors. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "spec-internal.h"
#include "units.h"

/* Copy at most size-1 bytes, cutting before a UTF-8 continuation byte so a long member name stays valid text. */
static void copy_truncated(char *dst, size_t size, const char *src) {
        size_t n = strlen(src);

        if (n >= size) {
                n = size - 1;
                while (n > 0 && ((unsigned char) src[n] & 0xC0) == 0x80)
                        n--;
        }
        memcpy(dst, src, n);
        dst[n] = '\0';
}

int spec_error_set(SpecError *err, const char *field, const char *fmt, ...) {
        va_list ap;

        if (!err)
                return -EINVAL;

        copy_truncated(err->field, sizeof err->field, field ?: "");
        va_start(ap, fmt);
        vsnprintf(err->reason, sizeof err->reason, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

void spec_field_path(char *buf, size_t size, const char *prefix, const char *name) {
        char tmp[SPEC_FIELD_MAX * 2];

        if (!prefix) {
                copy_truncated(buf, size, name);
                return;
        }
        snprintf(tmp, sizeof tmp, "%s.%s", prefix, name);
        copy_truncated(buf, size, tmp);
}

int spec_member_check(const cJSON *c, const char *prefix, bool known, bool seen, char field[static SPEC_FIELD_MAX],
                      SpecError *err) {
        spec_field_path(field, SPEC_FIELD_MAX, prefix, c->string);
        if (!known)
                return spec_error_set(err, field, "unknown member");
        if (seen)
                return spec_error_set(err, field, "duplicate member");
        return 0;
}

int spec_members_from_json(const cJSON *o, const char *prefix, const SpecMember *members, size_t n_members,
                           void *userdata, uint64_t *ret_seen, SpecError *err) {
        uint64_t seen = 0;
        const cJSON *c;
        int r;

        assert(n_members <= SPEC_MEMBERS_MAX);

        cJSON_ArrayForEach(c, o) {
                char field[SPEC_FIELD_MAX];
                size_t i = 0;
                bool known;

                while (i < n_members && strcmp(c->string, members[i].name) != 0)
                        i++;
                known = i < n_members;
                r = spec_member_check(c, prefix, known, known && SPEC_MEMBER_SEEN(seen, i), field, err);
                if (r < 0)
                        return r;
                seen |= UINT64_C(1) << i;

                if (members[i].from_json) {
                        r = members[i].from_json(c, field, userdata, err);
                        if (r < 0)
                                return r;
                }
        }

        if (ret_seen)
                *ret_seen = seen;
        return 0;
}

int spec_json_array_add(cJSON *a, cJSON *v) {
        if (!v || !cJSON_AddItemToArray(a, v)) {
                cJSON_Delete(v);
                return -ENOMEM;
        }
        return 0;
}

#define DURATION_REASON "must be a duration string such as \"90ms\""

int spec_json_duration(const cJSON *v, const char *field, int64_t *ret_ns, SpecError *err) {
        int64_t ns;
        int r;

        if (!cJSON_IsString(v))
                return spec_error_set(err, field, DURATION_REASON);

        r = parse_duration_ns(v->valuestring, &ns);
        if (r == -ERANGE)
                return spec_error_set(err, field, v->valuestring[0] == '-' ? "must not be negative" : "too large");
        if (r < 0)
                return spec_error_set(err, field, DURATION_REASON);

        *ret_ns = ns;
        return 0;
}

#define PERCENT_REASON "must be a percent from 0 to 100, as a number or a string such as \"25\""

int spec_json_percent(const cJSON *v, const char *field, double *ret, SpecError *err) {
        double d;
        int r;

        if (cJSON_IsNumber(v)) {
                d = v->valuedouble;
                if (!isfinite(d) || d < 0 || d > 100)
                        return spec_error_set(err, field, "must be between 0 and 100");
        } else if (cJSON_IsString(v)) {
                r = parse_percent(v->valuestring, &d);
                if (r == -ERANGE)
                        return spec_error_set(err, field, "must be between 0 and 100");
                if (r < 0)
                        return spec_error_set(err, field, PERCENT_REASON);
        } else
                return spec_error_set(err, field, PERCENT_REASON);

        *ret = d + 0.0;
        return 0;
}

/* A count as a JSON integer or a decimal string (the CLI sends every value as a string), min..UINT32_MAX. */
int spec_json_u32(const cJSON *v, const char *field, uint32_t min, uint32_t *ret, SpecError *err) {
        const char *reason = min > 0 ? "must be a positive integer" : "must be a non-negative integer";
        uint64_t u = 0;

        if (cJSON_IsNumber(v)) {
                double d = v->valuedouble;

                if (!isfinite(d) || d != floor(d) || d < 0)
                        return spec_error_set(err, field, "%s", reason);
                if (d > UINT32_MAX)
                        return spec_error_set(err, field, "must be at most %" PRIu32, UINT32_MAX);
                u = (uint64_t) d;
        } else if (cJSON_IsString(v)) {
                const char *s = v->valuestring;

                if (*s == '\0')
                        return spec_error_set(err, field, "%s", reason);
                for (; *s; s++) {
                        if (*s < '0' || *s > '9')
                                return spec_error_set(err, field, "%s", reason);
                        u = u * 10 + (uint64_t) (*s - '0');
                        if (u > UINT32_MAX)
                                return spec_error_set(err, field, "must be at most %" PRIu32, UINT32_MAX);
                }
        } else
                return spec_error_set(err, field, "%s", reason);

        if (u < min)
                return spec_error_set(err, field, "%s", reason);

        *ret = (uint32_t) u;
        return 0;
}

int spec_json_size(const cJSON *v, const char *field, uint32_t min, uint32_t *ret, SpecError *err) {
        uint64_t bytes;
        int r;

        if (cJSON_IsNumber(v))
                return spec_json_u32(v, field, min, ret, err);
        if (!cJSON_IsString(v))
                return spec_error_set(err, field, "must be a byte count: an integer, or a tc size such as \"32kb\"");
        r = parse_size_bytes(v->valuestring, &bytes);
        if (r == -EINVAL)
                return spec_error_set(err, field,
                                      "must be a byte count: an integer, or a tc size such as \"32kb\" (kb is 1024 bytes)");
        if (r < 0 || bytes > UINT32_MAX)
                return spec_error_set(err, field, "must be at most %" PRIu32 " bytes", UINT32_MAX);
        if (bytes < min)
                return spec_error_set(err, field, "must be at least %" PRIu32 " bytes", min);
        *ret = (uint32_t) bytes;
        return 0;
}

int spec_json_rate(const cJSON *v, const char *field, uint64_t *ret, SpecError *err) {
        uint64_t Bps;
        int r;

        if (!cJSON_IsString(v))
                return spec_error_set(err, field, "must be a rate string such as \"10mbit\"");

        r = parse_rate_Bps(v->valuestring, &Bps);
        if (r == -ERANGE)
                return spec_error_set(err, field, "must be above zero and below 2^64 bytes per second");
        if (r < 0)
                return spec_error_set(err, field,
                                      "must be a tc rate such as \"10mbit\", \"1gbit\" or \"500kbps\" (bps is bytes)");

        *ret = Bps;
        return 0;
}

int spec_object_from_json(const cJSON *v, const char *field, const SpecMember *members, size_t n_members,
                          void *userdata, const char *required_reason, uint32_t *ret_set, SpecError *err) {
        char first[SPEC_FIELD_MAX];
        uint64_t seen;
        int r;

        assert(n_members <= 32);
        if (!cJSON_IsObject(v))
                return spec_error_set(err, field, "must be an object with at least \"%s\"", members[0].name);
        r = spec_members_from_json(v, field, members, n_members, userdata, &seen, err);
        if (r < 0)
                return r;
        *ret_set = (uint32_t) seen;
        if (!SPEC_MEMBER_SEEN(seen, 0)) {
                spec_field_path(first, sizeof first, field, members[0].name);
                return spec_error_set(err, first, "required: %s", required_reason);
        }
        return 0;
}
