/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "filter.h"
#include "ifb.h"

void ifb_name(int parent_ifindex, char *buf, size_t len) {
        /* Base 36 keeps every ifindex (up to 2^31: "zik0zj") inside IFNAMSIZ after the prefix. */
        static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
        char tmp[8];
        unsigned v = (unsigned) parent_ifindex;
        size_t n = 0;

        do {
                tmp[n++] = digits[v % 36];
                v /= 36;
        } while (v && n < sizeof(tmp));
        snprintf(buf, len, "%s", IFB_NAME_PREFIX);
        for (size_t i = strlen(buf); n > 0 && i + 1 < len; i++)
                buf[i] = tmp[--n], buf[i + 1] = 0;
}

int ifb_queue_create(Rtnl *r, const char *name) {
        struct nlmsghdr *nlh = rtnl_link_message(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        struct nlattr *info;

        if (!nlh)
                return -ENOBUFS;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
        mnl_attr_nest_end(nlh, info);
        return 0;
}

int ifb_queue_up(Rtnl *r, int ifindex) {
        struct nlmsghdr *nlh = rtnl_link_message(r, RTM_NEWLINK, 0, ifindex);
        struct ifinfomsg *ifi;

        if (!nlh)
                return -ENOBUFS;
        ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        return 0;
}

int ifb_queue_delete(Rtnl *r, int ifindex, const char *name) {
        struct nlmsghdr *nlh = rtnl_link_message(r, RTM_DELLINK, 0, ifindex);

        if (!nlh)
                return -ENOBUFS;
        /* By name when the ifindex is not known (a lookup failed right after creating it). */
        if (ifindex == 0)
                mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        return 0;
}

int ingress_queue_clsact_add(Rtnl *r, int ifindex) {
        /* EXCL: a clsact somebody else added (a CNI's, say) is theirs; we never share or replace it. */
        struct nlmsghdr *nlh = rtnl_tc_message(r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_CLSACT,
                                          TC_H_MAKE(TC_H_CLSACT, 0), 0);
        if (!nlh)
                return -ENOBUFS;
        mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
        return 0;
}

int ingress_queue_clsact_del(Rtnl *r, int ifindex) {
        return rtnl_tc_message(r, RTM_DELQDISC, 0, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0) ? 0 : -ENOBUFS;
}

int ingress_queue_redirect(Rtnl *r, int ifindex, int prog_fd, int ifb_ifindex, bool replace) {
        if (ifb_ifindex <= 0)
                return -EINVAL; /* a filter without its redirect would hand nothing to the IFB */
        /* Classic mode, not direct-action: the program's -1 ("match") runs the mirred redirect. */
        return filter_queue_bpf_add(r, &(FilterBpf) {
                .ifindex = ifindex,
                .parent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
                .prio = INGRESS_FILTER_PRIO,
                .prog_fd = prog_fd,
                .name = INGRESS_FILTER_NAME,
                .redirect_ifindex = ifb_ifindex,
                .replace = replace,
        });
}

int ingress_queue_redirect_del(Rtnl *r, int ifindex) {
        return filter_queue_bpf_del(r, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), INGRESS_FILTER_PRIO);
}

struct hook_query {
        unsigned ours, foreign;
};

static int hook_filter_cb(const struct nlmsghdr *nlh, void *userdata) {
        struct hook_query *q = userdata;
        const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *attr, *opt;
        bool bpf = false, named_ours = false;

        if (nlh->nlmsg_type != RTM_NEWTFILTER || tcm->tcm_handle == 0)
                return MNL_CB_OK; /* the per-priority chain header, not a filter */

        mnl_attr_for_each(attr, nlh, sizeof(*tcm)) {
                if (mnl_attr_get_type(attr) == TCA_KIND && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
                        bpf = strcmp(mnl_attr_get_str(attr), "bpf") == 0;
                if (mnl_attr_get_type(attr) == TCA_OPTIONS)
                        mnl_attr_for_each_nested(opt, attr)
                                if (mnl_attr_get_type(opt) == TCA_BPF_NAME &&
                                    mnl_attr_validate(opt, MNL_TYPE_NUL_STRING) >= 0 &&
                                    strcmp(mnl_attr_get_str(opt), INGRESS_FILTER_NAME) == 0)
                                        named_ours = true;
        }
        if (bpf && named_ours)
                q->ours++;
        else
                q->foreign++;
        return MNL_CB_OK;
}

int ingress_hook_state(Rtnl *r, int ifindex, IngressHookState *ret) {
        static const uint32_t parents[] = { TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
                                            TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS) };
        struct hook_query q = {};

        for (size_t i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
                struct nlmsghdr *nlh = rtnl_request(r, RTM_GETTFILTER, NLM_F_DUMP);
                struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
                int k;

                tcm->tcm_family = AF_UNSPEC;
                tcm->tcm_ifindex = ifindex;
                tcm->tcm_parent = parents[i];
                k = rtnl_call(r, nlh, hook_filter_cb, &q, NULL);
                if (k == -ENOENT || k == -EINVAL) /* no clsact at all */
                        break;
                if (k < 0)
                        return k;
        }
        *ret = (IngressHookState) { .ours = q.ours > 0, .others = q.foreign > 0 };
        return 0;
}
