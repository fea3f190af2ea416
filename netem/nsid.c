/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "config.h"
#include "macro.h"
#include "nsid.h"

static int nsid_cb(const struct nlmsghdr *nlh, void *userdata) {
        const struct nlattr *attr;

        mnl_attr_for_each(attr, nlh, sizeof(struct rtgenmsg))
                if (mnl_attr_get_type(attr) == NETNSA_NSID && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
                        *(int32_t *) userdata = (int32_t) mnl_attr_get_u32(attr);
        return MNL_CB_OK;
}

static int query(Rtnl *home, uint16_t type, int netns_fd, int32_t *nsid) {
        struct nlmsghdr *nlh = rtnl_request(home, type, type == RTM_NEWNSID ? NLM_F_ACK : 0);
        struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

        g->rtgen_family = AF_UNSPEC;
        mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t) netns_fd);
        if (type == RTM_NEWNSID)
                mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t) NETNSA_NSID_NOT_ASSIGNED); /* any free id */
        return rtnl_call(home, nlh, nsid_cb, nsid, NULL);
}

int nsid_get_or_assign(Rtnl *home, int netns_fd, int32_t *ret_nsid) {
        int32_t nsid = NETNSA_NSID_NOT_ASSIGNED;
        int k;

        k = query(home, RTM_GETNSID, netns_fd, &nsid);
        if (k < 0)
                return k;
        if (nsid < 0) {
                k = query(home, RTM_NEWNSID, netns_fd, &nsid);
                /* Somebody (ip netns set, another agent) got there first: fine, read it back. */
                if (k < 0 && k != -EEXIST)
                        return k;
                k = query(home, RTM_GETNSID, netns_fd, &nsid);
                if (k < 0)
                        return k;
                if (nsid < 0)
                        return -ENOENT;
        }
        *ret_nsid = nsid;
        return 0;
}

int nsid_listener_open(int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        int group = RTNLGRP_NSID, rcvbuf = 4 * 1024 * 1024;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (fd < 0)
                return negative_errno();
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return negative_errno();
        if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
                return negative_errno();
        /* Every nsid assigned anywhere in this namespace is an RTM_NEWNSID here too: room for a burst of them while
         * the loop is busy (past net.core.rmem_max with CAP_NET_ADMIN). An overrun is still survived: see
         * nsid_listener_dispatch(). */
#if CHAOSLET_CRASH_POINTS
        /* Test-only, with the crash points: a small buffer, so that a test can overrun it (host-agent-nsid-overrun). */
        if (getenv("CHAOSLET_TEST_NSID_RCVBUF"))
                rcvbuf = atoi(getenv("CHAOSLET_TEST_NSID_RCVBUF"));
#endif
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int nsid_listener_dispatch(int fd, void (*cb)(int32_t nsid, void *userdata), void *userdata) {
        char buf[MNL_SOCKET_BUFFER_SIZE];

        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                const struct nlmsghdr *nlh;
                int left;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        /* ENOBUFS: events were lost to an overrun; the socket goes on. */
                        return errno == EAGAIN ? 0 : negative_errno();
                }
                left = (int) n;
                for (nlh = (const struct nlmsghdr *) buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
                        int32_t nsid = NETNSA_NSID_NOT_ASSIGNED;

                        if (nlh->nlmsg_type != RTM_DELNSID)
                                continue;
                        (void) nsid_cb(nlh, &nsid);
                        if (nsid >= 0)
                                cb(nsid, userdata);
                }
        }
}
