/* SPDX-License-Identifier: MIT */
/*
 * The generated delay distribution tables: checks of their shape that need nothing installed, then a comparison
 * with the normal, pareto and paretonormal .dist files iproute2 ships (what "tc ... distribution X" sends). The
 * comparison is skipped (exit 77) when those files are not installed.
 */
#include <linux/pkt_sched.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "netem.h"
#include "tap.h"

#define TABLE_MAX NETEM_DIST_MAX
#define MAX_INT(a, b) ((a) > (b) ? (a) : (b))

/* Where iproute2 installs its tables, in the order tc's get_tc_lib() would find them (TC_LIB_DIR first). */
static const char *const tc_lib_dirs[] = {
        "/usr/lib/x86_64-linux-gnu/tc",
        "/usr/lib64/tc",
        "/usr/lib/tc",
};

static void stats(const int16_t *t, size_t n, double *ret_mean, double *ret_sd) {
        double sum = 0, sum2 = 0, mean;

        for (size_t i = 0; i < n; i++) {
                sum += t[i];
                sum2 += (double) t[i] * t[i];
        }
        mean = sum / (double) n;
        *ret_mean = mean;
        *ret_sd = sqrt(sum2 / (double) n - mean * mean);
}

static bool nondecreasing(const int16_t *t, size_t n) {
        for (size_t i = 1; i < n; i++)
                if (t[i] < t[i - 1])
                        return false;
        return true;
}

static void test_shape(void) {
        const int16_t *t;
        double mean, sd;
        size_t n = 1;
        int asym = 0;

        CHECK(!netem_dist_table(NETEM_DIST_UNIFORM, &n));
        CHECK_EQ_INT(n, 0);
        CHECK(!netem_dist_table(_NETEM_DIST_INVALID, &n));
        CHECK(!netem_dist_table(_NETEM_DIST_MAX, &n));

        for (NetemDist d = NETEM_DIST_NORMAL; d < _NETEM_DIST_MAX; d++) {
                size_t m = 0;

                t = netem_dist_table(d, &n);
                CHECK(t);
                if (!t)
                        return;
                /* An inverse CDF, of the size tc sends and the kernel accepts. */
                CHECK_EQ_INT(n, 4096);
                CHECK(n <= NETEM_DIST_MAX);
                CHECK(nondecreasing(t, n));
                /* Generated once. */
                CHECK(netem_dist_table(d, &m) == t && m == n);

                stats(t, n, &mean, &sd);
                printf("%s: %zu entries, mean %.1f, sd %.1f (%.3f sigma), min %d, max %d\n", netem_dist_to_string(d),
                       n, mean, sd, sd / NETEM_DIST_SCALE, t[0], t[n - 1]);
        }

        /* Normal: mean 0 and sigma NETEM_DIST_SCALE, symmetric about the median; the lowest entry (-4 sigma)
         * is clamped to the s16 range. */
        t = netem_dist_table(NETEM_DIST_NORMAL, &n);
        stats(t, n, &mean, &sd);
        CHECK(fabs(mean) < 0.005 * NETEM_DIST_SCALE);
        CHECK(fabs(sd - NETEM_DIST_SCALE) < 0.01 * NETEM_DIST_SCALE);
        CHECK(abs(t[n / 2]) <= 1);
        CHECK_EQ_INT(t[0], INT16_MIN);
        /* Entry j is the quantile of (4j + 0.5) / 16384, so j and n - j mirror each other to 1/16384; within the
         * middle three quarters that is under 3 units. */
        for (size_t j = n / 8; j <= n - n / 8; j++)
                asym = MAX_INT(asym, abs(t[j] + t[n - j]));
        printf("normal: largest |t[j] + t[n-j]| in the middle 3/4: %d\n", asym);
        CHECK(asym <= 4);

        /* Pareto, shape 3, shifted to mean 0: starts at -(3/2 - 1) * 4/3 sigma, skewed right (median below the
         * mean), its tail clamped at INT16_MAX, which pulls the mean a little below 0. */
        t = netem_dist_table(NETEM_DIST_PARETO, &n);
        stats(t, n, &mean, &sd);
        CHECK_EQ_INT(t[0], -5461);
        CHECK_EQ_INT(t[n - 1], INT16_MAX);
        CHECK(t[n / 2] < 0);
        CHECK(fabs(mean) < 0.05 * NETEM_DIST_SCALE);

        /* Paretonormal is a quarter normal and three quarters pareto. */
        t = netem_dist_table(NETEM_DIST_PARETONORMAL, &n);
        stats(t, n, &mean, &sd);
        CHECK(t[n / 2] < 0);
        CHECK(fabs(mean) < 0.05 * NETEM_DIST_SCALE);
        {
                size_t nn, np;
                const int16_t *normal = netem_dist_table(NETEM_DIST_NORMAL, &nn);
                const int16_t *pareto = netem_dist_table(NETEM_DIST_PARETO, &np);
                int worst = 0;

                /* Only the first normal entry is clamped; elsewhere the mix is exact to truncation. */
                for (size_t j = 1; j < n; j++)
                        worst = MAX_INT(worst, abs(t[j] - (normal[j] + 3 * pareto[j]) / 4));
                CHECK(worst == 0);
        }
}

/* tc's format: '#' comment lines, then whitespace-separated integers. Returns the count, or -errno. */
static int read_dist_file(const char *path, int16_t *table, size_t max) {
        char line[4096];
        size_t n = 0;
        FILE *f;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *p = line, *end;

                if (line[0] == '#' || line[0] == '\n')
                        continue;
                for (;;) {
                        long v = strtol(p, &end, 0);

                        if (end == p)
                                break;
                        if (n >= max || v < INT16_MIN || v > INT16_MAX) {
                                fclose(f);
                                return -ERANGE;
                        }
                        table[n++] = (int16_t) v;
                        p = end;
                }
        }
        fclose(f);
        return (int) n;
}

static const char *find_tc_lib(void) {
        static char path[512];
        const char *env = getenv("TC_LIB_DIR");

        if (env && *env) {
                snprintf(path, sizeof(path), "%s/normal.dist", env);
                if (access(path, R_OK) == 0)
                        return env;
        }
        for (size_t i = 0; i < ELEMENTSOF(tc_lib_dirs); i++) {
                snprintf(path, sizeof(path), "%s/normal.dist", tc_lib_dirs[i]);
                if (access(path, R_OK) == 0)
                        return tc_lib_dirs[i];
        }
        return NULL;
}

/* Returns false when the files are not there. */
static bool test_against_iproute2(void) {
        static int16_t ref[TABLE_MAX];
        const char *dir = find_tc_lib();

        if (!dir)
                return false;

        for (NetemDist d = NETEM_DIST_NORMAL; d < _NETEM_DIST_MAX; d++) {
                char path[512];
                const int16_t *t;
                size_t n, differ = 0, worst_at = 0;
                int k, worst = 0;

                snprintf(path, sizeof(path), "%s/%s.dist", dir, netem_dist_to_string(d));
                k = read_dist_file(path, ref, ELEMENTSOF(ref));
                if (k < 0) {
                        fprintf(stderr, "%s: %s\n", path, strerror(-k));
                        tap_failures++;
                        continue;
                }
                t = netem_dist_table(d, &n);
                CHECK_EQ_INT(n, k);
                for (size_t j = 0; j < n && j < (size_t) k; j++) {
                        int dev = abs(t[j] - ref[j]);

                        differ += dev != 0;
                        if (dev > worst) {
                                worst = dev;
                                worst_at = j;
                        }
                }
                printf("%s vs %s: %d entries, %zu differ, max deviation %d%s\n", netem_dist_to_string(d), path, k,
                       differ, worst, worst ? "" : " (identical)");
                if (worst)
                        printf("  worst at [%zu]: ours %d, iproute2 %d\n", worst_at, t[worst_at], ref[worst_at]);
                CHECK(worst <= 1);
        }
        return true;
}

int main(void) {
        test_shape();
        if (!test_against_iproute2()) {
                if (tap_failures)
                        TAP_EXIT();
                fprintf(stderr, "SKIP comparison: iproute2's normal.dist not found in $TC_LIB_DIR or %s, %s, %s "
                        "(install iproute2); the shape checks passed\n", tc_lib_dirs[0], tc_lib_dirs[1],
                        tc_lib_dirs[2]);
                return 77;
        }
        TAP_EXIT();
}
