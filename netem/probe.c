/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "ifb.h"
#include "macro.h"
#include "netns.h"
#include "probe.h"
#include "rtnl.h"

static const char *const feature_names[_FEATURE_MAX] = {
        [FEATURE_SCH_NETEM] = "sch_netem",
        [FEATURE_SCH_TBF] = "sch_tbf",
        [FEATURE_SCH_HTB] = "sch_htb",
        [FEATURE_SCH_PRIO] = "sch_prio",
        [FEATURE_CLSACT] = "clsact",
        [FEATURE_CLS_BPF] = "cls_bpf",
        [FEATURE_IFB] = "ifb",
        [FEATURE_BPF] = "bpf",
};

const char *kernel_feature_to_string(KernelFeature f) {
        if (f < 0 || f >= _FEATURE_MAX)
                return NULL;
        return feature_names[f];
}

static int open_cb(void *userdata) {
        return rtnl_open(userdata);
}

/* A kind the kernel does not know is -ENOENT ("Specified qdisc kind is unknown", "TC classifier not found") after
 * it tried to load the module. Any other answer, bad options included, means the kind exists. */
static bool known(int result) {
        return result != -ENOENT && result != -EOPNOTSUPP;
}

/* Send the one probe just queued; a message that did not fit (never, in an empty batch) knows nothing. */
static bool probe_commit(Rtnl *r, bool queued) {
        int result = -ENOBUFS;

        if (!queued) {
                rtnl_batch_reset(r);
                return false;
        }
        (void) rtnl_batch_commit(r, &result, NULL);
        return known(result);
}

static bool probe_tc(Rtnl *r, uint16_t type, uint32_t parent, uint32_t handle, uint32_t info, const char *kind) {
        /* ifindex 1: lo, the one device a new namespace has. */
        struct nlmsghdr *nlh = rtnl_tc_message(r, type, NLM_F_CREATE | NLM_F_EXCL, 1, parent, handle, info);

        if (nlh)
                mnl_attr_put_strz(nlh, TCA_KIND, kind);
        return probe_commit(r, nlh);
}

static bool probe_qdisc(Rtnl *r, const char *kind, uint32_t parent) {
        return probe_tc(r, RTM_NEWQDISC, parent, parent == TC_H_CLSACT ? TC_H_MAKE(TC_H_CLSACT, 0) : 0, 0, kind);
}

int kernel_features_probe(KernelFeatures *ret) {
        KernelFeatures f = {};
        Rtnl *r = NULL;
        int k;

        k = netns_run_scratch(open_cb, &r);
        if (k < 0)
                return k;

        f.has[FEATURE_SCH_NETEM] = probe_qdisc(r, "netem", TC_H_ROOT);
        f.has[FEATURE_SCH_TBF] = probe_qdisc(r, "tbf", TC_H_ROOT);
        f.has[FEATURE_SCH_HTB] = probe_qdisc(r, "htb", TC_H_ROOT);
        f.has[FEATURE_SCH_PRIO] = probe_qdisc(r, "prio", TC_H_ROOT);
        f.has[FEATURE_CLSACT] = probe_qdisc(r, "clsact", TC_H_CLSACT);

        /* cls_bpf without options: -EINVAL when the classifier exists. Needs a qdisc to hang on: clsact. */
        if (f.has[FEATURE_CLSACT])
                f.has[FEATURE_CLS_BPF] = probe_tc(r, RTM_NEWTFILTER, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), 0,
                                                  TC_H_MAKE(1u << 16, htons(0x0003 /* ETH_P_ALL */)), "bpf");
        f.has[FEATURE_IFB] = probe_commit(r, ifb_queue_create(r, "clprobe0") >= 0);

        /* Closing the last socket in the scratch namespace frees it, and whatever the probes created with it. */
        rtnl_free(r);
        *ret = f;
        return 0;
}
