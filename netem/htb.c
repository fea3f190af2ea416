/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "htb.h"

/* htb's rate fields are 32-bit bytes per second; anything faster goes in TCA_HTB_RATE64/CEIL64. */
static void put_rate(struct tc_ratespec *spec, uint64_t Bps) {
        spec->rate = Bps >= UINT32_MAX ? UINT32_MAX : (uint32_t) Bps;
        /* A link-layer-aware ratespec lets the kernel skip the legacy rate table (sch_htb.c htb_change_class()). */
        spec->linklayer = TC_LINKLAYER_ETHERNET;
}

int htb_fill_root(struct nlmsghdr *nlh, uint32_t direct_qlen) {
        struct tc_htb_glob glob = {
                .version = 3,           /* TC_HTB_PROTOVER */
                .rate2quantum = 10,
                .defcls = 0,            /* unclassified packets take the direct queue */
        };
        struct nlattr *opts;

        mnl_attr_put_strz(nlh, TCA_KIND, "htb");
        opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
        mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(glob), &glob);
        /* Set explicitly: htb copies the device's tx_queue_len, and some CNI veths have 0. */
        mnl_attr_put_u32(nlh, TCA_HTB_DIRECT_QLEN, direct_qlen);
        mnl_attr_nest_end(nlh, opts);
        return 0;
}

int htb_fill_class(struct nlmsghdr *nlh, uint64_t rate_Bps, uint32_t quantum) {
        struct tc_htb_opt opt = {};
        struct nlattr *opts;

        put_rate(&opt.rate, rate_Bps);
        put_rate(&opt.ceil, rate_Bps);
        /* Bursts sized for ~1 ms at the rate keep htb from throttling a class that should never throttle; the
         * quantum is explicit because rate/r2q overflows at this rate (the kernel warns "quantum is big"). */
        opt.buffer = 1000000;   /* in psched ticks, large */
        opt.cbuffer = 1000000;
        opt.quantum = quantum;

        mnl_attr_put_strz(nlh, TCA_KIND, "htb");
        opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
        mnl_attr_put(nlh, TCA_HTB_PARMS, sizeof(opt), &opt);
        if (rate_Bps >= UINT32_MAX) {
                mnl_attr_put_u64(nlh, TCA_HTB_RATE64, rate_Bps);
                mnl_attr_put_u64(nlh, TCA_HTB_CEIL64, rate_Bps);
        }
        mnl_attr_nest_end(nlh, opts);
        return 0;
}
