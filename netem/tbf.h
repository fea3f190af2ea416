/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "bandwidth.h"

struct nlmsghdr;

/* Append tbf's TCA_KIND and TCA_OPTIONS to a RTM_NEWQDISC message being built with libmnl, with the defaults of
 * bandwidth_params_resolve() for what p leaves out. The attributes are those tc 6.1 sends, in its order:
 * TCA_TBF_PARMS, TCA_TBF_BURST, TCA_TBF_RATE64 (rates of 2^32 bytes/s and more), TCA_TBF_RTAB, and with a peak
 * rate TCA_TBF_PRATE64, TCA_TBF_PBURST, TCA_TBF_PTAB. Returns 0, or -EMSGSIZE (message left as it was) when the
 * buffer is too small, -EINVAL without a rate. */
int tbf_fill_options(struct nlmsghdr *nlh, size_t buf_size, const BandwidthParams *p);

/* Time to send size bytes at Bps, in the kernel's 64 ns psched ticks, computed as tc does (whole microseconds
 * first, then ticks, each truncated), so equal inputs give tc's bytes. Saturates at UINT32_MAX. */
uint32_t tbf_xmit_ticks(uint64_t Bps, uint32_t size);
