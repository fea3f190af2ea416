/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "netem-params.h"

struct nlmsghdr;

/* Append netem's TCA_OPTIONS to a RTM_NEWQDISC message being built with libmnl: struct tc_netem_qopt followed by
 * TCA_NETEM_* attributes (TCA_OPTIONS is not a nested attribute for netem). Latency and jitter always go as
 * LATENCY64/JITTER64. Returns 0, or -EMSGSIZE when the message buffer is too small. */
int netem_fill_options(struct nlmsghdr *nlh, size_t buf_size, const NetemParams *p);

/* Convert 0..100 percent to netem's 0..UINT32_MAX probability, rounding as tc does. */
uint32_t netem_percent_to_prob(double percent);

/* The delay distribution table for d, generated at first use (NETEM_DIST_SCALE fixed point, as the tables that
 * iproute2 ships). Uniform has none: returns NULL with *ret_n = 0. */
const int16_t *netem_dist_table(NetemDist d, size_t *ret_n);
