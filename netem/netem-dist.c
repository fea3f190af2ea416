/* SPDX-License-Identifier: MIT */
/*
 * Delay distribution tables for netem, generated in memory instead of read from iproute2's *.dist files (which a
 * node may not have installed).
 *
 * A table is the inverse CDF of a zero-mean distribution sampled at NETEM_DIST_TABLE_SIZE points, in units of
 * sigma / NETEM_DIST_SCALE: the kernel draws t = table[random % size] and delays by mu + sigma * t / NETEM_DIST_SCALE
 * (sch_netem.c tabledist()). To be interchangeable with the tables iproute2 ships, these follow the NIST Net
 * definitions those were made from: 4096 entries, each one every fourth of a 16384-point quantile grid.
 */
#include <linux/pkt_sched.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"
#include "netem.h"

#define NETEM_DIST_TABLE_SIZE 4096
#define QUANTILE_GRID 16384 /* the NIST Net generators resolve the CDF to 1/16384 and keep every 4th point */

/* The normal table was made by sweeping x over [-10, 10] in steps of 1/20000 and keeping, for each grid index,
 * the last x that rounded to it. Quantising our exact quantile to the same lattice reproduces those entries. */
#define NORMAL_SWEEP_START (-10.0)
#define NORMAL_SWEEP_STEP 0.00005

/* Pareto with shape 3 and scale 1: mean 3/2, shifted to mean 0 and multiplied by 4/3 as NIST Net does. */
#define PARETO_SHAPE 3.0
#define PARETO_SHIFT 1.5
#define PARETO_FACTOR (4.0 / 3.0)

static int16_t clamp_s16(double v) {
        if (v < INT16_MIN)
                return INT16_MIN;
        if (v > INT16_MAX)
                return INT16_MAX;
        return (int16_t) v;
}

static double std_normal_cdf(double x) {
        /* erfc keeps precision in the lower tail, where 0.5 + 0.5*erf() would cancel. */
        return 0.5 * erfc(-x / M_SQRT2);
}

/* The x at which the standard normal CDF equals p, by bisection: monotone and exact to the last bit, and only
 * run 4096 times, once. */
static double std_normal_quantile(double p) {
        double lo = NORMAL_SWEEP_START, hi = -NORMAL_SWEEP_START;

        for (int i = 0; i < 200; i++) {
                double mid = 0.5 * (lo + hi);

                if (mid <= lo || mid >= hi)
                        break;
                if (std_normal_cdf(mid) < p)
                        lo = mid;
                else
                        hi = mid;
        }
        return lo;
}

/* Unclamped, because paretonormal mixes it in before clamping. */
static double normal_entry(unsigned j) {
        /* Grid index i = 4j covers the x with rint(16384 * CDF(x)) == i; the sweep kept the largest such x,
         * i.e. the last lattice point below the quantile of (i + 0.5) / 16384. */
        double b = std_normal_quantile((4.0 * j + 0.5) / QUANTILE_GRID);
        double k = ceil((b - NORMAL_SWEEP_START) / NORMAL_SWEEP_STEP) - 1;

        return rint((NORMAL_SWEEP_START + k * NORMAL_SWEEP_STEP) * NETEM_DIST_SCALE);
}

static double pareto_entry(unsigned j) {
        /* Inverse CDF of Pareto(1, a) at survival probability u: u^(-1/a). u runs from 1 down to 1/4096. */
        double u = (double) (65536 - 16 * j) / 65536.0;
        double v = (pow(u, -1.0 / PARETO_SHAPE) - PARETO_SHIFT) * PARETO_FACTOR * NETEM_DIST_SCALE;

        return rint(fmin(v, INT16_MAX));
}

static void generate(int16_t table[static NETEM_DIST_TABLE_SIZE], NetemDist d) {
        for (unsigned j = 0; j < NETEM_DIST_TABLE_SIZE; j++) {
                switch (d) {
                case NETEM_DIST_NORMAL:
                        table[j] = clamp_s16(normal_entry(j));
                        break;
                case NETEM_DIST_PARETO:
                        table[j] = clamp_s16(pareto_entry(j));
                        break;
                case NETEM_DIST_PARETONORMAL: {
                        /* One part normal to three parts pareto, in integers truncated toward zero as NIST
                         * Net's table is. */
                        int v = ((int) normal_entry(j) + 3 * (int) pareto_entry(j)) / 4;

                        table[j] = clamp_s16(v);
                        break;
                }
                default:
                        table[j] = 0;
                }
        }
}

const int16_t *netem_dist_table(NetemDist d, size_t *ret_n) {
        /* The agent is single-threaded; generation is deterministic, so a racing second caller would only
         * write the same values again. */
        static int16_t tables[_NETEM_DIST_MAX][NETEM_DIST_TABLE_SIZE];
        static bool generated[_NETEM_DIST_MAX];

        if (d < 0 || d >= _NETEM_DIST_MAX)
                return NULL;

        if (d == NETEM_DIST_UNIFORM) {
                /* The kernel's default with no table is uniform over [mu - sigma, mu + sigma). */
                if (ret_n)
                        *ret_n = 0;
                return NULL;
        }

        if (!generated[d]) {
                generate(tables[d], d);
                generated[d] = true;
        }

        if (ret_n)
                *ret_n = NETEM_DIST_TABLE_SIZE;
        return tables[d];
}
