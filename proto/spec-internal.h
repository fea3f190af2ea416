/* SPDX-License-Identifier: MIT */
#pragma once

/* What the fault.apply decoders (proto/spec*.c) share; not for other modules. A new source of faults (a Chaos
 * Mesh NetworkChaos, say) or a new member of fault.apply (bandwidth) is a new file that uses these. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "spec.h"

#define SPEC_FIELD_MAX sizeof(((SpecError *) NULL)->field)

/* "prefix.name", or name alone when prefix is NULL, cut to fit SpecError.field. */
void spec_field_path(char *buf, size_t size, const char *prefix, const char *name);

/* Put the path of member c of the object at prefix in field, and refuse the member when it is not known or was
 * seen before in the same object. */
int spec_member_check(const cJSON *c, const char *prefix, bool known, bool seen, char field[static SPEC_FIELD_MAX],
                      SpecError *err);

/* A member of a JSON object that a decoder knows. */
typedef struct SpecMember {
        const char *name;
        /* Decodes the member's value v into the object being built (userdata); field is its path. NULL: the
         * member is only checked for, and the caller reads it after the walk. */
        int (*from_json)(const cJSON *v, const char *field, void *userdata, SpecError *err);
} SpecMember;

#define SPEC_MEMBERS_MAX 64
#define SPEC_MEMBER_SEEN(seen, i) (((seen) >> (i)) & 1u)

/* Decode the members of object o in document order, each with its row of members[] (at most SPEC_MEMBERS_MAX).
 * A member that is not in the table, or that comes twice, is an error naming prefix.name. Sets bit i of
 * *ret_seen for each members[i] that was there. */
int spec_members_from_json(const cJSON *o, const char *prefix, const SpecMember *members, size_t n_members,
                           void *userdata, uint64_t *ret_seen, SpecError *err);

/* A small object of its own (netem.slot, a loss model): its members by spec_members_from_json(), and members[0]
 * required, with why it is needed as the error's reason. *ret_set gets bit i for each members[i] given. */
int spec_object_from_json(const cJSON *v, const char *field, const SpecMember *members, size_t n_members,
                          void *userdata, const char *required_reason, uint32_t *ret_set, SpecError *err);

/* The values of fault.apply, in the JSON forms chaoslet.openrpc.json documents. Each names field in its errors and
 * leaves *ret untouched on failure. */
int spec_json_duration(const cJSON *v, const char *field, int64_t *ret_ns, SpecError *err);
int spec_json_percent(const cJSON *v, const char *field, double *ret, SpecError *err);
int spec_json_u32(const cJSON *v, const char *field, uint32_t min, uint32_t *ret, SpecError *err);
int spec_json_rate(const cJSON *v, const char *field, uint64_t *ret, SpecError *err);
/* A byte count, min..UINT32_MAX: a JSON integer, or a string with a tc size ("10000", "32kb", "1mbit"). */
int spec_json_size(const cJSON *v, const char *field, uint32_t min, uint32_t *ret, SpecError *err);

/* Append v, a value just created, to array a. v is consumed either way; NULL (a create that failed) and a failed
 * append are -ENOMEM. */
int spec_json_array_add(cJSON *a, cJSON *v);

/* spec-netem.c: the "netem" member, driven by model/'s netem_members table. */
int spec_netem_from_json(const cJSON *o, NetemParams *ret, SpecError *err);
cJSON *spec_netem_to_json(const NetemParams *p);

/* spec-bandwidth.c: the "bandwidth" member. */
int spec_bandwidth_from_json(const cJSON *o, BandwidthParams *ret, SpecError *err);
cJSON *spec_bandwidth_to_json(const BandwidthParams *p);

/* spec-networkchaos.c: params whose fault is said by nc, a Chaos Mesh NetworkChaos spec (or the whole object).
 * Decodes the native members it stands for into *ret, which then lists what it ignored. */
int spec_networkchaos_from_json(const cJSON *params, const cJSON *nc, FaultSpec *ret, SpecError *err);

/* spec-match.c: the "match" member. to_json adds nothing for an empty match. */
int spec_match_from_json(const cJSON *o, FaultMatch *ret, SpecError *err);
int spec_match_to_json(cJSON *parent, const FaultMatch *m);
