/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

struct nlmsghdr;

/* htb as chaoslet's root: TCA_KIND and TCA_OPTIONS for the qdisc and for its classes. */
int htb_fill_root(struct nlmsghdr *nlh, uint32_t direct_qlen);
int htb_fill_class(struct nlmsghdr *nlh, uint64_t rate_Bps, uint32_t quantum);
