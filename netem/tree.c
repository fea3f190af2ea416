/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "filter.h"
#include "htb.h"
#include "macro.h"
#include "tbf.h"
#include "tree.h"

/* Far above any link, so a fault's class never shapes: its netem leaf does whatever shaping the fault asks for. */
#define TREE_CLASS_RATE_BPS (100ull * 1000 * 1000 * 1000 / 8)  /* 100 Gbit/s */
#define TREE_CLASS_QUANTUM 200000u
#define TREE_DIRECT_QLEN 1000u

/* The rate that keeps jittered netem in order is the classes' own, so it adds no cap of its own. */
_Static_assert(NETEM_ORDER_RATE_BPS == TREE_CLASS_RATE_BPS, "netem's ordering rate is the class rate");

/* A whole tree is one batch: root, filter, and a class, its leaf and the leaf's child per fault (rtnl.h). */
_Static_assert(2 + TREE_CLASS_MESSAGES_MAX * TREE_CLASSES_MAX <= RTNL_BATCH_MAX,
               "a full tree must fit in one netlink batch");

int tree_queue_root_add(Rtnl *r, int ifindex) {
        struct nlmsghdr *nlh;

        /* CREATE|EXCL, as "tc qdisc add": the kernel treats a default root (handle 0:) as absent and refuses to
         * replace anybody else's, which is exactly the ownership rule we want, decided atomically. */
        nlh = rtnl_tc_message(r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_ROOT, TREE_ROOT_HANDLE, 0);
        if (!nlh)
                return -ENOBUFS;
        return htb_fill_root(nlh, TREE_DIRECT_QLEN);
}

int tree_queue_root_del(Rtnl *r, int ifindex) {
        /* With the handle given, the kernel deletes the root only if it is still ours ("Invalid handle"). */
        return rtnl_tc_message(r, RTM_DELQDISC, 0, ifindex, TC_H_ROOT, TREE_ROOT_HANDLE, 0) ? 0 : -ENOBUFS;
}

static int queue_filter(Rtnl *r, int ifindex, uint16_t device_key, int prog_fd, bool replace) {
        /* The classid is how the classifier learns which device it runs on (ebpf/classifier.h). */
        return filter_queue_bpf_add(r, &(FilterBpf) {
                .ifindex = ifindex,
                .parent = TREE_ROOT_HANDLE,
                .prio = TREE_FILTER_PRIO,
                .prog_fd = prog_fd,
                .name = TREE_FILTER_NAME,
                .direct_action = true,
                .classid = TREE_ROOT_HANDLE | device_key,
                .replace = replace,
        });
}

int tree_queue_filter_add(Rtnl *r, int ifindex, uint16_t device_key, int prog_fd) {
        return queue_filter(r, ifindex, device_key, prog_fd, false);
}

int tree_queue_filter_replace(Rtnl *r, int ifindex, uint16_t device_key, int prog_fd) {
        return queue_filter(r, ifindex, device_key, prog_fd, true);
}

static int queue_qdisc(Rtnl *r, int ifindex, uint32_t parent, uint32_t handle, const TreeClass *what, bool netem) {
        struct nlmsghdr *nlh;
        NetemParams kernel;

        nlh = rtnl_tc_message(r, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, parent, handle, 0);
        if (!nlh)
                return -ENOBUFS;
        if (!netem)
                return tbf_fill_options(nlh, rtnl_message_room(r, nlh), what->bandwidth);
        mnl_attr_put_strz(nlh, TCA_KIND, "netem");
        /* Jitter that keeps the flow's order, and a queue that holds the delay (netem_params_kernel()). */
        kernel = netem_params_kernel(what->netem);
        return netem_fill_options(nlh, rtnl_message_room(r, nlh), &kernel);
}

/* With both, netem is the leaf and tbf its child (netem's one class, :1): netem delays, then tbf shapes into its
 * own byte fifo, so bandwidth.limit is the queue that TCP fills. The other way round, tbf's child would be the
 * netem, tbf's limit would size nothing (fifo_set_limit() ignores a child that is not a fifo) and the queue
 * would be netem's 1000 packets, seconds of it at 1 Mbit/s (docs/kernel-layout.md). */
int tree_queue_class_add(Rtnl *r, int ifindex, uint16_t minor, const TreeClass *what) {
        struct nlmsghdr *nlh;
        int k, n = 1;

        if (minor == 0 || minor > TREE_CLASSES_MAX)
                return -ERANGE;

        nlh = rtnl_tc_message(r, RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL, ifindex, TREE_ROOT_HANDLE,
                         tree_class_handle(minor), 0);
        if (!nlh)
                return -ENOBUFS;
        k = htb_fill_class(nlh, TREE_CLASS_RATE_BPS, TREE_CLASS_QUANTUM);
        if (k < 0)
                return k;

        if (what->netem) {
                k = queue_qdisc(r, ifindex, tree_class_handle(minor), tree_leaf_handle(minor), what, true);
                if (k < 0)
                        return k;
                n++;
        }
        if (what->bandwidth) {
                uint32_t parent = what->netem ? tree_leaf_handle(minor) | 1 : tree_class_handle(minor);

                k = queue_qdisc(r, ifindex, parent, what->netem ? tree_child_handle(minor) : tree_leaf_handle(minor),
                                what, false);
                if (k < 0)
                        return k;
                n++;
        }
        return n;
}

int tree_queue_class_del(Rtnl *r, int ifindex, uint16_t minor) {
        /* Deleting an htb class takes its leaf qdisc with it. */
        if (!rtnl_tc_message(r, RTM_DELTCLASS, 0, ifindex, TREE_ROOT_HANDLE, tree_class_handle(minor), 0))
                return -ENOBUFS;
        return 0;
}

struct root_query {
        int ifindex;
        bool found;
        uint32_t handle;
        char kind[32];
};

static int root_cb(const struct nlmsghdr *nlh, void *userdata) {
        struct root_query *q = userdata;
        const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *attr;

        if (nlh->nlmsg_type != RTM_NEWQDISC || tcm->tcm_ifindex != q->ifindex || tcm->tcm_parent != TC_H_ROOT)
                return MNL_CB_OK;

        q->found = true;
        q->handle = tcm->tcm_handle;
        mnl_attr_for_each(attr, nlh, sizeof(*tcm))
                if (mnl_attr_get_type(attr) == TCA_KIND && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
                        snprintf(q->kind, sizeof(q->kind), "%s", mnl_attr_get_str(attr));
        return MNL_CB_OK;
}

struct class_query {
        int ifindex;
        uint64_t minors;
};

static int class_cb(const struct nlmsghdr *nlh, void *userdata) {
        struct class_query *q = userdata;
        const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
        uint32_t minor = TC_H_MIN(tcm->tcm_handle);

        if (nlh->nlmsg_type == RTM_NEWTCLASS && tcm->tcm_ifindex == q->ifindex &&
            TC_H_MAJ(tcm->tcm_handle) == TREE_ROOT_HANDLE && minor >= 1 && minor <= TREE_CLASSES_MAX)
                q->minors |= 1ull << (minor - 1);
        return MNL_CB_OK;
}

int tree_classes(Rtnl *r, int ifindex, uint64_t *ret) {
        struct class_query q = { .ifindex = ifindex };
        struct nlmsghdr *nlh;
        struct tcmsg *tcm;
        int k;

        nlh = rtnl_request(r, RTM_GETTCLASS, NLM_F_DUMP);
        tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
        tcm->tcm_family = AF_UNSPEC;
        tcm->tcm_ifindex = ifindex;
        tcm->tcm_parent = TREE_ROOT_HANDLE;

        k = rtnl_call(r, nlh, class_cb, &q, NULL);
        if (k < 0)
                return k;
        *ret = q.minors;
        return 0;
}

int tree_root_state(Rtnl *r, int ifindex, TreeRootState *ret, char *ret_kind, size_t kind_len) {
        struct root_query q = { .ifindex = ifindex };
        struct nlmsghdr *nlh;
        struct tcmsg *tcm;
        int k;

        /* A dump filtered by ifindex (the kernel honours tcm_ifindex in tc_dump_qdisc) rather than a GET, because
         * GET of the root answers with nothing for noqueue on some kernels. */
        nlh = rtnl_request(r, RTM_GETQDISC, NLM_F_DUMP);
        tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
        tcm->tcm_family = AF_UNSPEC;
        tcm->tcm_ifindex = ifindex;

        k = rtnl_call(r, nlh, root_cb, &q, NULL);
        if (k < 0)
                return k;

        if (ret_kind)
                snprintf(ret_kind, kind_len, "%s", q.found ? q.kind : "");
        if (!q.found || q.handle == 0)
                *ret = TREE_ROOT_DEFAULT;
        else if (q.handle == TREE_ROOT_HANDLE && strcmp(q.kind, "htb") == 0)
                *ret = TREE_ROOT_OURS;
        else
                *ret = TREE_ROOT_FOREIGN;
        return 0;
}
