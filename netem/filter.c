/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>

#include <libmnl/libmnl.h>

#include "filter.h"

static uint32_t filter_info(uint16_t prio) {
        return TC_H_MAKE((uint32_t) prio << 16, htons(ETH_P_ALL));
}

static void put_redirect(struct nlmsghdr *nlh, int ifindex) {
        struct tc_mirred mirred = {
                .action = TC_ACT_STOLEN,
                .eaction = TCA_EGRESS_REDIR,
                .ifindex = (uint32_t) ifindex,
        };
        struct nlattr *acts, *act, *opts;

        acts = mnl_attr_nest_start(nlh, TCA_BPF_ACT);
        act = mnl_attr_nest_start(nlh, 1);
        mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
        opts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
        mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(mirred), &mirred);
        mnl_attr_nest_end(nlh, opts);
        mnl_attr_nest_end(nlh, act);
        mnl_attr_nest_end(nlh, acts);
}

int filter_queue_bpf_add(Rtnl *r, const FilterBpf *f) {
        struct nlmsghdr *nlh;
        struct nlattr *opts;

        /* Built here rather than with libbpf's bpf_tc_attach(), which can set neither TCA_BPF_CLASSID nor
         * actions. */
        nlh = rtnl_tc_message(r, RTM_NEWTFILTER, NLM_F_CREATE | (f->replace ? 0 : NLM_F_EXCL), f->ifindex, f->parent,
                              1, filter_info(f->prio));
        if (!nlh)
                return -ENOBUFS;
        mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
        opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
        mnl_attr_put_u32(nlh, TCA_BPF_FD, (uint32_t) f->prog_fd);
        mnl_attr_put_strz(nlh, TCA_BPF_NAME, f->name);
        if (f->direct_action)
                mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        if (f->classid)
                mnl_attr_put_u32(nlh, TCA_BPF_CLASSID, f->classid);
        if (f->redirect_ifindex)
                put_redirect(nlh, f->redirect_ifindex);
        mnl_attr_nest_end(nlh, opts);
        return 0;
}

int filter_queue_bpf_del(Rtnl *r, int ifindex, uint32_t parent, uint16_t prio) {
        struct nlmsghdr *nlh = rtnl_tc_message(r, RTM_DELTFILTER, 0, ifindex, parent, 1, filter_info(prio));

        if (!nlh)
                return -ENOBUFS;
        mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
        return 0;
}
