/* SPDX-License-Identifier: MIT */
/*
 * fault.apply's networkchaos: every row of docs/chaos-mesh.md's field table maps as the table says, and what the
 * translation refuses is refused with the NetworkChaos field named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "tap.h"

#define ROWS_MIN 27

/* A section's required member, to make a spec the row's field can sit in. */
static const struct {
        const char *prefix, *section, *action, *base;
} bases[] = {
        { "delay", "delay", "delay", "{\"latency\":\"10ms\"}" },
        { "delay.reorder", "delay", "delay", "{\"latency\":\"10ms\",\"reorder\":{\"reorder\":\"10\"}}" },
        { "loss", "loss", "loss", "{\"loss\":\"1\"}" },
        { "duplicate", "duplicate", "duplicate", "{\"duplicate\":\"1\"}" },
        { "corrupt", "corrupt", "corrupt", "{\"corrupt\":\"1\"}" },
        { "rate", "rate", "rate", "{\"rate\":\"1mbit\"}" },
        { "bandwidth", "bandwidth", "bandwidth", "{\"rate\":\"1mbit\",\"peakrate\":\"100mbit\"}" },
};

/* Set the value at a dotted path ("delay.reorder.gap") inside o, creating the objects on the way. */
static void put_path(cJSON *o, const char *path, cJSON *v) {
        char buf[128], *dot;

        snprintf(buf, sizeof buf, "%s", path);
        while ((dot = strchr(buf, '.'))) {
                *dot = '\0';
                cJSON *next = cJSON_GetObjectItemCaseSensitive(o, buf) ?: cJSON_AddObjectToObject(o, buf);
                memmove(buf, dot + 1, strlen(dot + 1) + 1);
                o = next;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(o, buf);
        cJSON_AddItemToObject(o, buf, v);
}

static const cJSON *get_path(const cJSON *o, const char *path) {
        char buf[128], *tok, *save = NULL;

        snprintf(buf, sizeof buf, "%s", path);
        for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
                o = cJSON_GetObjectItemCaseSensitive(o, tok);
        return o;
}

/* "`x`" -> x, in place; NULL when the cell is not one backquoted value. */
static char *cell_value(char *cell) {
        size_t n;

        while (*cell == ' ')
                cell++;
        n = strlen(cell);
        while (n > 0 && cell[n - 1] == ' ')
                cell[--n] = '\0';
        if (n < 2 || cell[0] != '`' || cell[n - 1] != '`')
                return NULL;
        cell[n - 1] = '\0';
        return cell + 1;
}

static void check_row(const char *nc_field, const char *value, const char *native, const char *expected) {
        cJSON *params = cJSON_Parse("{\"target\":{\"pid\":1}}"), *nc = cJSON_AddObjectToObject(params, "networkchaos");
        cJSON *v = cJSON_Parse(value), *want = cJSON_Parse(expected), *out = NULL;
        const char *action = "delay", *base = bases[0].base, *base_section = "delay";
        FaultSpec spec = {};
        SpecError err = {};

        CHECK(v && want);
        /* The longest prefix that the row's field is under (later rows are longer). */
        for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
                if (strncmp(nc_field, bases[i].prefix, strlen(bases[i].prefix)) == 0 &&
                    nc_field[strlen(bases[i].prefix)] == '.') {
                        action = bases[i].action;
                        base = bases[i].base;
                        base_section = bases[i].section;
                }
        if (strcmp(nc_field, "action") == 0) {
                action = v && cJSON_IsString(v) ? v->valuestring : "?";
                base = NULL;
        }
        cJSON_AddStringToObject(nc, "action", action);
        if (base)
                cJSON_AddItemToObject(nc, base_section, cJSON_Parse(base));
        if (strcmp(nc_field, "action") != 0)
                put_path(nc, nc_field, cJSON_Duplicate(v, true));

        if (fault_spec_from_json(params, &spec, &err) < 0) {
                fprintf(stderr, "row %s = %s: refused: %s: %s\n", nc_field, value, err.field, err.reason);
                tap_failures++;
        } else {
                out = fault_spec_to_json(&spec);
                /* A fault shows what was ignored beside its spec, which stays a native, decodable one. */
                if (spec.ignored)
                        cJSON_AddItemToObject(out, "ignored", fault_spec_ignored_to_json(&spec));
                if (!cJSON_Compare(get_path(out, native), want, true)) {
                        char *got = get_path(out, native) ? cJSON_PrintUnformatted(get_path(out, native)) : NULL;
                        fprintf(stderr, "row %s = %s: %s is %s, the table says %s\n", nc_field, value, native,
                                got ?: "(absent)", expected);
                        free(got);
                        tap_failures++;
                }
        }
        cJSON_Delete(out);
        cJSON_Delete(v);
        cJSON_Delete(want);
        cJSON_Delete(params);
        fault_spec_done(&spec);
}

static void test_table(void) {
        FILE *f = fopen("../../docs/chaos-mesh.md", "re");
        char line[2048];
        size_t rows = 0;

        CHECK(f != NULL);
        if (!f)
                return;
        while (fgets(line, sizeof line, f)) {
                char *cells[7], *p = line, *bar;
                size_t n = 0;

                if (strncmp(line, "| `", 3) != 0)
                        continue;
                p++;
                while (n < 7 && (bar = strchr(p, '|'))) {
                        *bar = '\0';
                        cells[n++] = p;
                        p = bar + 1;
                }
                if (n < 6)
                        continue;
                char *nc_field = cell_value(cells[0]), *value = cell_value(cells[1]),
                     *native = cell_value(cells[2]), *expected = cell_value(cells[3]);
                if (!nc_field || !value || !native || !expected)
                        continue;       /* not a row of the field table */
                check_row(nc_field, value, native, expected);
                rows++;
        }
        fclose(f);
        /* The table is there and read: the checks above can fail. */
        CHECK(rows >= ROWS_MIN);
}

static void expect_error(const char *json, const char *field, const char *reason_part) {
        cJSON *params = cJSON_Parse(json);
        FaultSpec spec = {};
        SpecError err = {};

        CHECK(params != NULL);
        if (fault_spec_from_json(params, &spec, &err) >= 0) {
                fprintf(stderr, "accepted: %s\n", json);
                tap_failures++;
        } else if (strcmp(err.field, field) != 0 || !strstr(err.reason, reason_part)) {
                fprintf(stderr, "%s: got %s: %s, expected %s: ...%s...\n", json, err.field, err.reason, field,
                        reason_part);
                tap_failures++;
        }
        fault_spec_done(&spec);
        cJSON_Delete(params);
}

static void test_errors(void) {
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"delay\",\"delay\":{\"latency\":\"9z\"}}}",
                     "networkchaos.delay.latency", "duration");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"kind\":\"NetworkChaos\",\"spec\":{\"action\":"
                     "\"delay\",\"delay\":{\"latency\":\"9z\"}}}}", "networkchaos.spec.delay.latency", "duration");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"kind\":\"PodChaos\",\"spec\":{}}}",
                     "networkchaos.kind", "NetworkChaos");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"delay\"}}", "networkchaos.delay.latency",
                     "required");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"delay\",\"delay\":{\"jitter\":\"1ms\"}}}",
                     "networkchaos.delay.latency", "required");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"teleport\"}}", "networkchaos.action",
                     "must be one of");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"netem\"}}", "networkchaos.action",
                     "at least one");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"delay\",\"delay\":{\"latency\":\"1ms\"},"
                     "\"loss\":{\"loss\":\"5\"}}}", "networkchaos.loss", "not used by action delay");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"delay\",\"delay\":{\"latency\":\"1ms\","
                     "\"latncy\":\"1ms\"}}}", "networkchaos.delay.latncy", "unknown");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"delay\",\"delay\":{\"latency\":\"1ms\"},"
                     "\"bogus\":1}}", "networkchaos.bogus", "unknown");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"partition\",\"target\":{\"mode\":\"all\"}}}",
                     "networkchaos.target", "externalTargets");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"partition\",\"externalTargets\":"
                     "[\"192.0.2.1\",\"db.example\"]}}", "networkchaos.externalTargets[1]", "hostname");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"partition\",\"externalTargets\":"
                     "[\"192.0.2.1/24\"]}}", "networkchaos.externalTargets[0]", "host bits");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":{\"action\":\"partition\",\"direction\":\"sideways\"}}",
                     "networkchaos.direction", "\"to\"");
        expect_error("{\"target\":{\"pid\":1},\"netem\":{\"latency\":\"1ms\"},\"networkchaos\":{\"action\":\"partition\"}}",
                     "netem", "cannot be combined with networkchaos");
        expect_error("{\"networkchaos\":{\"action\":\"partition\"}}", "target", "required");
        expect_error("{\"target\":{\"pid\":1},\"networkchaos\":[]}", "networkchaos", "must be an object");
}

/* The 180 s, 90 ms delay of Chaos Mesh's documentation, pasted as it is. */
static void test_docs_example(void) {
        cJSON *params = cJSON_Parse(
                "{\"target\":{\"pid\":1},\"networkchaos\":{\"apiVersion\":\"chaos-mesh.org/v1alpha1\",\"kind\":"
                "\"NetworkChaos\",\"metadata\":{\"name\":\"delay\",\"namespace\":\"chaos-mesh\"},\"spec\":{\"action\":"
                "\"delay\",\"mode\":\"one\",\"selector\":{\"namespaces\":[\"default\"],\"labelSelectors\":{\"app\":"
                "\"web-show\"}},\"delay\":{\"latency\":\"90ms\",\"correlation\":\"100\",\"jitter\":\"0ms\"},"
                "\"duration\":\"180s\"}}}");
        FaultSpec spec = {};
        SpecError err = {};

        CHECK(fault_spec_from_json(params, &spec, &err) == 0);
        CHECK_EQ_INT(spec.netem.latency_ns, 90000000);
        CHECK_EQ_INT(spec.duration_ns, 180000000000ll);
        CHECK(spec.direction == DIRECTION_EGRESS);
        CHECK(spec.ignored && spec.ignored[0] && spec.ignored[1] && !spec.ignored[2]);
        fault_spec_done(&spec);
        cJSON_Delete(params);
}

int main(void) {
        test_table();
        test_errors();
        test_docs_example();
        TAP_EXIT();
}
