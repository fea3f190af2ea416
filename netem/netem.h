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

/* What chaoslet asks of sch_netem for a fault, beyond what the fault says (docs/kernel-layout.md, "netem's order
 * and queue"):
 *  - jitter without a rate of its own gets NETEM_ORDER_RATE_BPS, far above any link: with a rate, netem_enqueue()
 *    never schedules a packet before the one queued last, so jitter varies the delay without reordering the flow
 *    (without one, tfifo sorts by each packet's own time to send). An explicit reorder still reorders.
 *  - no limit of its own: room for NETEM_LIMIT_PPS (or the fault's rate in full-size frames, when lower) over the
 *    longest delay it draws, between the kernel's default NETEM_LIMIT_DEFAULT and NETEM_LIMIT_MAX. */
NetemParams netem_params_kernel(const NetemParams *p);

/* Convert 0..100 percent to netem's 0..UINT32_MAX probability, rounding as tc does. */
uint32_t netem_percent_to_prob(double percent);

/* The delay distribution table for d, generated at first use (NETEM_DIST_SCALE fixed point, as the tables that
 * iproute2 ships). Uniform has none: returns NULL with *ret_n = 0. */
const int16_t *netem_dist_table(NetemDist d, size_t *ret_n);
