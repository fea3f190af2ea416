/* SPDX-License-Identifier: MIT */
/* The human-readable output of each command; --json prints the agent's result as it is instead. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "units.h"

/* Render a JSON value for a table cell: strings bare, everything else as compact JSON. */
static char *value_to_text(const cJSON *v) {
        if (!v)
                return strdup("-");
        if (cJSON_IsString(v))
                return strdup(v->valuestring);
        if (cJSON_IsNumber(v)) {
                char buf[64];
                snprintf(buf, sizeof buf, "%.15g", v->valuedouble);
                return strdup(buf);
        }
        return cJSON_PrintUnformatted(v);
}

static void print_error_data(FILE *f, const cJSON *data) {
        const cJSON *field = cJSON_GetObjectItemCaseSensitive(data, "field"),
                    *reason = cJSON_GetObjectItemCaseSensitive(data, "reason"), *c;
        bool first = true;

        if (!data || cJSON_IsNull(data))
                return;

        if (cJSON_IsString(field)) {
                fprintf(f, " (field: %s: %s", field->valuestring,
                        cJSON_IsString(reason) ? reason->valuestring : "invalid");
                /* What else the agent said, such as what it searched for a container. */
                cJSON_ArrayForEach(c, data)
                        if (c != field && c != reason) {
                                _cleanup_free_ char *t = value_to_text(c);
                                fprintf(f, "; %s: %s", c->string, t ?: "?");
                        }
                fputs(")", f);
                return;
        }
        if (!cJSON_IsObject(data)) {
                _cleanup_free_ char *t = value_to_text(data);
                fprintf(f, " (%s)", t ?: "?");
                return;
        }

        /* {"feature": "sch_netem"} -> " (feature: sch_netem)", {"errno": 22, "message": "..."} likewise. */
        fputs(" (", f);
        cJSON_ArrayForEach(c, data) {
                _cleanup_free_ char *t = value_to_text(c);
                fprintf(f, "%s%s: %s", first ? "" : ", ", c->string, t ?: "?");
                first = false;
        }
        fputs(")", f);
}

int cli_print_rpc_error(const RpcError *e) {
        fprintf(stderr, "error %d: %s", e->code, e->message);
        print_error_data(stderr, e->data);
        fputc('\n', stderr);
        return EXIT_FAIL;
}

int cli_print_json(const cJSON *v) {
        _cleanup_free_ char *s = cJSON_Print(v);

        if (!s) {
                fputs("chaoslet: out of memory\n", stderr);
                return EXIT_FAIL;
        }
        puts(s);
        return EXIT_OK;
}

static void print_kv(const char *key, const char *value) {
        printf("%-12s %s\n", key, value && *value ? value : "-");
}

static const cJSON *get(const cJSON *o, const char *name) {
        return cJSON_GetObjectItemCaseSensitive(o, name);
}

static const char *get_str(const cJSON *o, const char *name) {
        const cJSON *v = get(o, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "pid 42 (inode 4026531840)" for one fault, "pid:42" (as the agent's log names targets) in a list. A target in
 * the node's namespace shows the cgroup it is narrowed to. */
static char *target_text(const cJSON *target, bool brief) {
        static const char *const by_name[] = { "netns", "container", "pod" };
        const cJSON *pid = get(target, "pid"), *ino = get(target, "netns_inode");
        const char *sep = brief ? ":" : " ", *cgroup = get_str(target, "cgroup");
        Buf t = {};

        if (cJSON_IsNumber(pid))
                buf_appendf(&t, "pid%s%.0f", sep, pid->valuedouble);
        else
                for (size_t i = 0; i < ELEMENTSOF(by_name); i++)
                        if (get_str(target, by_name[i])) {
                                buf_appendf(&t, "%s%s%s", by_name[i], sep, get_str(target, by_name[i]));
                                break;
                        }
        if (t.len == 0)
                buf_appendf(&t, "-");
        if (!brief && cJSON_IsNumber(ino))
                buf_appendf(&t, " (inode %.0f)", ino->valuedouble);
        if (!brief && cgroup)
                buf_appendf(&t, ", node's namespace, cgroup %s", cgroup);
        return buf_take(&t);
}

/* The strings and numbers of an array joined by sep, the first max of them and a count of the rest. */
static char *strings_text(const cJSON *a, const char *sep, size_t max) {
        const cJSON *v;
        size_t i = 0;
        Buf t = {};

        cJSON_ArrayForEach(v, a) {
                if (i++ >= max)
                        continue;
                if (cJSON_IsString(v))
                        buf_appendf(&t, "%s%s", t.len > 0 ? sep : "", v->valuestring);
                else if (cJSON_IsNumber(v))
                        buf_appendf(&t, "%s%.0f", t.len > 0 ? sep : "", v->valuedouble);
        }
        if (i > max)
                buf_appendf(&t, "%s(+%zu more)", t.len > 0 ? " " : "", i - max);
        if (t.len == 0)
                buf_appendf(&t, "-");
        return buf_take(&t);
}

static char *devices_text(const cJSON *devices, const char *sep) {
        return strings_text(devices, sep, SIZE_MAX);
}

/* "cidrs=10.96.0.0/12 ports=80,8000-8100 protocol=tcp"; a match of 65,536 CIDRs shows the first few. */
static char *match_text(const cJSON *spec, size_t max_cidrs) {
        const cJSON *match = get(spec, "match"), *cidrs = get(match, "cidrs"), *ports = get(match, "ports");
        Buf t = {};

        if (cJSON_IsArray(cidrs)) {
                _cleanup_free_ char *c = strings_text(cidrs, ",", max_cidrs);
                buf_appendf(&t, "cidrs=%s", c ?: "?");
        }
        if (cJSON_IsArray(ports)) {
                _cleanup_free_ char *p = strings_text(ports, ",", SIZE_MAX);
                buf_appendf(&t, "%sports=%s", t.len > 0 ? " " : "", p ?: "?");
        }
        if (get_str(match, "protocol"))
                buf_appendf(&t, "%sprotocol=%s", t.len > 0 ? " " : "", get_str(match, "protocol"));
        if (t.len == 0)
                buf_appendf(&t, "all traffic");
        return buf_take(&t);
}

static char *counter_text(const cJSON *counters, const char *name) {
        const cJSON *v = get(counters, name);
        char buf[32];

        if (!cJSON_IsNumber(v))
                return strdup("-");
        snprintf(buf, sizeof buf, "%.0f", v->valuedouble);
        return strdup(buf);
}

/* "latency=90ms jitter=10ms loss=25%" from a normalised spec's netem, "rate=1mbit burst=10000" from its
 * bandwidth. netem's bare numbers are percents, but for gap and limit; bandwidth's are bytes. */
static void members_text(Buf *t, const cJSON *o, bool netem) {
        const cJSON *m;

        cJSON_ArrayForEach(m, o) {
                bool percent = netem && cJSON_IsNumber(m) && strcmp(m->string, "gap") != 0 &&
                               strcmp(m->string, "limit") != 0;
                _cleanup_free_ char *v = value_to_text(m);

                buf_appendf(t, "%s%s=%s%s", t->len > 0 ? " " : "", m->string, v ?: "?", percent ? "%" : "");
        }
}

static char *netem_text(const cJSON *spec) {
        Buf t = {};

        members_text(&t, get(spec, "netem"), true);
        if (t.len == 0)
                buf_appendf(&t, "-");
        return buf_take(&t);
}

static char *bandwidth_text(const cJSON *spec) {
        Buf t = {};

        members_text(&t, get(spec, "bandwidth"), false);
        return buf_take(&t);
}

/* The SPEC column of a list: "partition", the netem members, "bandwidth rate=1mbit ...", or both. */
static char *spec_text(const cJSON *spec) {
        _cleanup_free_ char *b = NULL;
        Buf t = {};

        if (cJSON_IsTrue(get(spec, "partition")))
                return strdup("partition");
        if (get(spec, "netem"))
                members_text(&t, get(spec, "netem"), true);
        b = bandwidth_text(spec);
        if (b)
                buf_appendf(&t, "%sbandwidth %s", t.len > 0 ? " " : "", b);
        if (t.len == 0)
                buf_appendf(&t, "-");
        return buf_take(&t);
}

#define FAULT_CIDRS_SHOWN 8

void cli_print_fault(const cJSON *f) {
        const cJSON *spec = get(f, "spec"), *counters = get(f, "counters");
        _cleanup_free_ char *target = target_text(get(f, "target"), /* brief= */ false),
                            *devices = devices_text(get(f, "devices"), " "),
                            *match = match_text(spec, FAULT_CIDRS_SHOWN), *netem = netem_text(spec),
                            *bandwidth = bandwidth_text(spec);

        print_kv("id", get_str(f, "id"));
        print_kv("state", get_str(f, "state"));
        print_kv("target", target);
        print_kv("devices", devices);
        print_kv("direction", get_str(spec, "direction") ?: "egress");
        print_kv("match", match);
        print_kv("applied at", get_str(f, "applied_at"));
        print_kv("expires at", get_str(f, "expires_at"));
        if (get_str(spec, "duration"))
                print_kv("duration", get_str(spec, "duration"));
        if (cJSON_IsTrue(get(spec, "partition")))
                print_kv("partition", "yes: every matched packet is dropped");
        else if (get(spec, "netem") || !bandwidth)
                print_kv("netem", netem);
        if (bandwidth)
                print_kv("bandwidth", bandwidth);
        if (cJSON_IsArray(get(f, "ignored"))) {
                _cleanup_free_ char *ignored = strings_text(get(f, "ignored"), ", ", SIZE_MAX);
                print_kv("ignored", ignored);
        }
        if (cJSON_IsObject(counters)) {
                _cleanup_free_ char *mp = counter_text(counters, "matched_packets"),
                                    *mb = counter_text(counters, "matched_bytes"),
                                    *dp = counter_text(counters, "dropped_packets");
                _cleanup_(buf_done) Buf t = {};

                buf_appendf(&t, "%s packets (%s bytes) matched, %s dropped", mp ?: "-", mb ?: "-", dp ?: "-");
                print_kv("counters", t.data);
        }
}

void cli_print_info(const cJSON *info) {
        const cJSON *kernel = get(info, "kernel"), *features = get(kernel, "features"), *faults = get(info, "faults"),
                    *active = get(faults, "active"), *uptime = get(info, "uptime_s"), *f;
        _cleanup_(buf_done) Buf have = {}, missing = {};
        char buf[DURATION_STRING_MAX];

        cJSON_ArrayForEach(f, features)
                buf_appendf(cJSON_IsTrue(f) ? &have : &missing, "%s%s",
                            (cJSON_IsTrue(f) ? have.len : missing.len) ? " " : "", f->string);

        print_kv("version", get_str(info, "version"));
        print_kv("kernel", get_str(kernel, "release"));
        print_kv("features", have.data ?: "none");
        print_kv("missing", missing.data ?: "none");
        if (cJSON_IsArray(get(info, "capabilities"))) {
                _cleanup_free_ char *caps = strings_text(get(info, "capabilities"), " ", SIZE_MAX);
                print_kv("capabilities", caps);
        }
        if (cJSON_IsNumber(active))
                printf("%-12s %.0f\n", "faults", active->valuedouble);
        else
                print_kv("faults", NULL);
        if (cJSON_IsNumber(uptime) && isfinite(uptime->valuedouble) && uptime->valuedouble >= 0 &&
            uptime->valuedouble < 9e9)
                print_kv("uptime", format_duration_ns((int64_t) (uptime->valuedouble * 1e9), buf, sizeof buf));
        else
                print_kv("uptime", NULL);
}

#define LIST_COLUMNS 10
#define LIST_CIDRS_SHOWN 2

void cli_print_list(const cJSON *result) {
        static const char *const header[LIST_COLUMNS] = { "ID", "STATE", "TARGET", "DEVICES", "DIRECTION", "EXPIRES",
                                                          "MATCHED", "DROPPED", "MATCH", "SPEC" };
        const cJSON *faults = get(result, "faults"), *f;
        int n = cJSON_GetArraySize(faults), i = 0;
        size_t width[LIST_COLUMNS];
        char *(*cells)[LIST_COLUMNS];

        if (n <= 0) {
                puts("No faults.");
                return;
        }
        cells = calloc((size_t) n, sizeof *cells);
        if (!cells)
                return;

        for (int c = 0; c < LIST_COLUMNS; c++)
                width[c] = strlen(header[c]);

        cJSON_ArrayForEach(f, faults) {
                cells[i][0] = value_to_text(get(f, "id"));
                cells[i][1] = value_to_text(get(f, "state"));
                cells[i][2] = target_text(get(f, "target"), /* brief= */ true);
                cells[i][3] = devices_text(get(f, "devices"), ",");
                cells[i][4] = strdup(get_str(get(f, "spec"), "direction") ?: "egress");
                cells[i][5] = value_to_text(get(f, "expires_at"));
                cells[i][6] = counter_text(get(f, "counters"), "matched_packets");
                cells[i][7] = counter_text(get(f, "counters"), "dropped_packets");
                cells[i][8] = match_text(get(f, "spec"), LIST_CIDRS_SHOWN);
                cells[i][9] = spec_text(get(f, "spec"));
                for (int c = 0; c < LIST_COLUMNS; c++)
                        if (cells[i][c] && strlen(cells[i][c]) > width[c])
                                width[c] = strlen(cells[i][c]);
                i++;
        }

        for (i = -1; i < n; i++)
                for (int c = 0; c < LIST_COLUMNS; c++) {
                        const char *s = i < 0 ? header[c] : cells[i][c] ?: "-";
                        if (c < LIST_COLUMNS - 1)
                                printf("%-*s  ", (int) width[c], s);
                        else
                                printf("%s\n", s);
                }

        for (i = 0; i < n; i++)
                for (int c = 0; c < LIST_COLUMNS; c++)
                        free(cells[i][c]);
        free(cells);
}

void cli_print_recovered(const cJSON *r) {
        print_kv("id", get_str(r, "id"));
        print_kv("state", get_str(r, "state"));
}
