/* SPDX-License-Identifier: MIT */
/* The benchmark report contract (tests/bench/run merges these): each benchmark writes, with --json FILE, one object
 *   {"bench","title","kernel","env","notes":[...],"rows":[{"figure","unit","median","p99","n","baseline",
 *    "baseline_median","baseline_p99","target","met"}]}
 * Header-only so that the C benchmarks share one spelling of it. */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <cjson/cJSON.h>

typedef struct BenchStat {
        double median, p99;
        unsigned n;
} BenchStat;

static inline int bench_cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

/* Sorts v in place. Median (mean of the middle two for even n) and p99 by nearest rank. */
static inline BenchStat bench_stat(double *v, unsigned n) {
        BenchStat s = { .n = n };
        unsigned r;

        if (n == 0)
                return (BenchStat) { NAN, NAN, 0 };
        qsort(v, n, sizeof(double), bench_cmp_double);
        s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        r = (unsigned) ceil(0.99 * n);
        s.p99 = v[(r ? r : 1) - 1];
        return s;
}

/* For a figure where lower is worse (throughput, pps), the "p99" of the contract is the tail a user sees:
 * the 1st percentile. */
static inline BenchStat bench_stat_low_tail(double *v, unsigned n) {
        BenchStat s = bench_stat(v, n);
        unsigned r;

        if (n == 0)
                return s;
        r = (unsigned) floor(0.01 * n);
        s.p99 = v[r];
        return s;
}

static inline cJSON *bench_report_new(const char *bench, const char *title, const char *env) {
        struct utsname un;
        cJSON *o = cJSON_CreateObject();

        uname(&un);
        cJSON_AddStringToObject(o, "bench", bench);
        cJSON_AddStringToObject(o, "title", title);
        cJSON_AddStringToObject(o, "kernel", un.release);
        cJSON_AddStringToObject(o, "env", env);
        cJSON_AddArrayToObject(o, "notes");
        cJSON_AddArrayToObject(o, "rows");
        return o;
}

static inline void bench_report_note(cJSON *o, const char *text) {
        cJSON_AddItemToArray(cJSON_GetObjectItem(o, "notes"), cJSON_CreateString(text));
}

static inline void bench_add_number_or_null(cJSON *row, const char *name, double v) {
        if (isfinite(v))
                cJSON_AddNumberToObject(row, name, round(v * 1000) / 1000);
        else
                cJSON_AddNullToObject(row, name);
}

/* baseline may be NULL (then its figures are null); target NULL means met is null. met: -1 null, 0 false, 1 true. */
static inline void bench_report_row(cJSON *o, const char *figure, const char *unit, BenchStat s, const char *baseline,
                                    BenchStat b, const char *target, int met) {
        cJSON *row = cJSON_CreateObject();

        cJSON_AddStringToObject(row, "figure", figure);
        cJSON_AddStringToObject(row, "unit", unit);
        bench_add_number_or_null(row, "median", s.median);
        bench_add_number_or_null(row, "p99", s.p99);
        cJSON_AddNumberToObject(row, "n", s.n);
        if (baseline) {
                cJSON_AddStringToObject(row, "baseline", baseline);
                bench_add_number_or_null(row, "baseline_median", b.median);
                bench_add_number_or_null(row, "baseline_p99", b.p99);
        } else {
                cJSON_AddNullToObject(row, "baseline");
                cJSON_AddNullToObject(row, "baseline_median");
                cJSON_AddNullToObject(row, "baseline_p99");
        }
        if (target)
                cJSON_AddStringToObject(row, "target", target);
        else
                cJSON_AddNullToObject(row, "target");
        if (!target || met < 0)
                cJSON_AddNullToObject(row, "met");
        else
                cJSON_AddBoolToObject(row, "met", met > 0);
        cJSON_AddItemToArray(cJSON_GetObjectItem(o, "rows"), row);
}

/* Writes and frees o. Returns 0, or -1 with a message on stderr. */
static inline int bench_report_write(cJSON *o, const char *path) {
        char *text = cJSON_Print(o);
        FILE *f;
        int r = 0;

        cJSON_Delete(o);
        if (!text)
                return -1;
        f = fopen(path, "we");
        if (!f || fputs(text, f) < 0 || fputc('\n', f) < 0)
                r = -1;
        if (f && fclose(f) != 0)
                r = -1;
        if (r < 0)
                perror(path);
        free(text);
        return r;
}

/* The end of a run's report: written to path with --json (bench_report_write()), else only freed. */
static inline int bench_report_finish(cJSON *o, const char *path) {
        if (!path) {
                cJSON_Delete(o);
                return 0;
        }
        return bench_report_write(o, path);
}
