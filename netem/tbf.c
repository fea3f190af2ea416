/* SPDX-License-Identifier: MIT */
/*
 * tbf's TCA_OPTIONS (sch_tbf.c tbf_change()): a nested attribute with struct tc_tbf_qopt and rate tables.
 *
 * What a current kernel uses: the rates from the qopt's ratespecs (or RATE64/PRATE64 above 32 bits), the bucket
 * sizes from TCA_TBF_BURST/PBURST, and the limit, which sizes tbf's child bfifo. The buffer and mtu fields (the
 * bucket sizes as transmit times) and the RTAB/PTAB tables are what kernels before 3.13 read instead; a kernel
 * of any age still looks at the table to detect the link layer when the ratespec says TC_LINKLAYER_UNAWARE. tc
 * sends all of them, and so does this encoder, with tc's arithmetic, so the unit test can hold it to tc's bytes.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "tbf.h"

#define TBF_RTAB_ENTRIES 256
/* tc's cell size rule: the smallest cell_log at which the largest packet (minburst, or 2047 when none is given)
 * falls within the table's 256 cells. */
#define TBF_MTU_UNSET 2047u

uint32_t tbf_xmit_ticks(uint64_t Bps, uint32_t size) {
        /* tc_calc_xmittime(): microseconds as a double, truncated to an integer, times 1000/64 ticks per
         * microsecond (/proc/net/psched on every kernel since 2.6.31), truncated again. */
        double us = 1000000. * ((double) size / (double) Bps);
        uint64_t ticks;

        if (Bps == 0 || !(us < 4294967296.))
                return UINT32_MAX;
        ticks = (uint64_t) (uint32_t) us * 1000 / 64;
        return ticks > UINT32_MAX ? UINT32_MAX : (uint32_t) ticks;
}

static unsigned cell_log_for(uint32_t mtu) {
        unsigned cell_log = 0;

        if (mtu == 0)
                mtu = TBF_MTU_UNSET;
        while ((mtu >> cell_log) > TBF_RTAB_ENTRIES - 1)
                cell_log++;
        return cell_log;
}

/* Entry i: the time to send a packet of (i + 1) cells. */
static void fill_table(uint32_t table[static TBF_RTAB_ENTRIES], uint64_t Bps, unsigned cell_log) {
        for (unsigned i = 0; i < TBF_RTAB_ENTRIES; i++)
                table[i] = tbf_xmit_ticks(Bps, (i + 1) << cell_log);
}

static void fill_ratespec(struct tc_ratespec *spec, uint64_t Bps, unsigned cell_log) {
        *spec = (struct tc_ratespec) {
                .cell_log = (unsigned char) cell_log,
                /* As tc sends it: the kernel then skips the legacy link-layer detection on the table. */
                .linklayer = TC_LINKLAYER_ETHERNET,
                .cell_align = -1,
                .rate = Bps > UINT32_MAX ? UINT32_MAX : (uint32_t) Bps,
        };
}

static bool put(struct nlmsghdr *nlh, size_t buf_size, uint16_t type, size_t len, const void *data) {
        return mnl_attr_put_check(nlh, buf_size, type, len, data);
}

int tbf_fill_options(struct nlmsghdr *nlh, size_t buf_size, const BandwidthParams *given) {
        BandwidthParams p;
        uint32_t saved_len = nlh->nlmsg_len, rtab[TBF_RTAB_ENTRIES], ptab[TBF_RTAB_ENTRIES];
        struct tc_tbf_qopt opt = {};
        struct nlattr *opts;
        bool peak;
        unsigned cell_log;

        if (!(given->set & BANDWIDTH_HAS_RATE) || given->rate_Bps == 0)
                return -EINVAL;
        p = bandwidth_params_resolve(given);
        peak = (p.set & BANDWIDTH_HAS_PEAKRATE) && p.peakrate_Bps > 0;

        /* tc derives both tables' cell size from "mtu" (minburst), which it sends only with a peak rate. The
         * legacy fields are computed from the 32-bit rates, saturated, as tc 6.1 does: that is the rate a kernel
         * that knows no RATE64 works with, and the tables and times it needs are for that rate. */
        cell_log = cell_log_for(peak ? p.minburst : 0);
        fill_ratespec(&opt.rate, p.rate_Bps, cell_log);
        fill_table(rtab, opt.rate.rate, cell_log);
        opt.limit = p.limit;
        opt.buffer = tbf_xmit_ticks(opt.rate.rate, p.burst);
        if (peak) {
                fill_ratespec(&opt.peakrate, p.peakrate_Bps, cell_log);
                fill_table(ptab, opt.peakrate.rate, cell_log);
                opt.mtu = tbf_xmit_ticks(opt.peakrate.rate, p.minburst);
        }

        if (!put(nlh, buf_size, TCA_KIND, sizeof("tbf"), "tbf"))
                goto fail;
        opts = mnl_attr_nest_start_check(nlh, buf_size, TCA_OPTIONS);
        if (!opts)
                goto fail;
        if (!put(nlh, buf_size, TCA_TBF_PARMS, sizeof(opt), &opt) ||
            !put(nlh, buf_size, TCA_TBF_BURST, sizeof(p.burst), &p.burst))
                goto fail;
        if (p.rate_Bps > UINT32_MAX && !put(nlh, buf_size, TCA_TBF_RATE64, sizeof(p.rate_Bps), &p.rate_Bps))
                goto fail;
        if (!put(nlh, buf_size, TCA_TBF_RTAB, sizeof(rtab), rtab))
                goto fail;
        if (peak) {
                if (p.peakrate_Bps > UINT32_MAX &&
                    !put(nlh, buf_size, TCA_TBF_PRATE64, sizeof(p.peakrate_Bps), &p.peakrate_Bps))
                        goto fail;
                if (!put(nlh, buf_size, TCA_TBF_PBURST, sizeof(p.minburst), &p.minburst) ||
                    !put(nlh, buf_size, TCA_TBF_PTAB, sizeof(ptab), ptab))
                        goto fail;
        }
        mnl_attr_nest_end(nlh, opts);
        return 0;

fail:
        nlh->nlmsg_len = saved_len;
        return -EMSGSIZE;
}
