/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "ifb.h"
#include "links.h"
#include "macro.h"
#include "rtnl.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free);

/* A dump of every link into libnl's link cache, on a duplicate of rtnl's socket: the namespace's own socket, so no
 * visit to make another. libnl's sequence numbers are its own, and the dump is read to its end before we return,
 * so the Rtnl finds nothing of libnl's waiting on the socket (nor libnl anything of the Rtnl's: its calls read
 * their answers whole). nl_socket_free() closes the duplicate. */
static int load_cache(Rtnl *rtnl, struct nl_sock **ret_sock, struct nl_cache **ret_cache) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        struct nl_cache *cache = NULL;
        int fd;

        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        fd = fcntl(rtnl_fd(rtnl), F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();
        if (nl_socket_set_fd(sk, NETLINK_ROUTE, fd) < 0) {
                safe_close(fd);
                return -EIO;
        }
        if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
                return -EIO;

        *ret_sock = TAKE_PTR(sk);
        *ret_cache = cache;
        return 0;
}

static int link_cmp(const void *a, const void *b) {
        const Link *x = a, *y = b;
        return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static void link_from_nl(struct rtnl_link *l, Link *ret) {
        ret->ifindex = rtnl_link_get_ifindex(l);
        ret->flags = rtnl_link_get_flags(l);
        ret->arptype = rtnl_link_get_arptype(l);
        snprintf(ret->name, sizeof(ret->name), "%s", rtnl_link_get_name(l) ?: "");
}

/* The target's devices (every one but loopback and chaoslet's IFBs), or chaoslet's IFBs alone. */
static int list(Rtnl *rtnl, bool ifbs, Link *ret, size_t max, size_t *ret_n) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        struct nl_object *obj;
        size_t n = 0;
        int k;

        k = load_cache(rtnl, &sk, &cache);
        if (k < 0)
                return k;

        for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
                struct rtnl_link *l = (struct rtnl_link *) obj;
                Link link;

                link_from_nl(l, &link);
                /* Loopback is never a default target, and chaoslet's own IFBs are not the target's devices. */
                if ((link.flags & IFF_LOOPBACK) ||
                    ifbs != (strncmp(link.name, IFB_NAME_PREFIX, strlen(IFB_NAME_PREFIX)) == 0))
                        continue;
                if (n >= max)
                        return -E2BIG;
                ret[n++] = link;
        }

        qsort(ret, n, sizeof(Link), link_cmp);
        *ret_n = n;
        return 0;
}

int links_list(Rtnl *rtnl, Link *ret, size_t max, size_t *ret_n) {
        return list(rtnl, false, ret, max, ret_n);
}

int links_list_ifbs(Rtnl *rtnl, Link *ret, size_t max, size_t *ret_n) {
        return list(rtnl, true, ret, max, ret_n);
}

typedef struct GetLink {
        Link *link;
        bool found;
} GetLink;

static int get_link_cb(const struct nlmsghdr *nlh, void *userdata) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *attr;
        GetLink *g = userdata;

        if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
                return MNL_CB_OK;
        *g->link = (Link) { .ifindex = ifi->ifi_index, .flags = ifi->ifi_flags, .arptype = ifi->ifi_type };
        mnl_attr_for_each(attr, nlh, sizeof(*ifi))
                if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
                        snprintf(g->link->name, sizeof(g->link->name), "%s", mnl_attr_get_str(attr));
        g->found = true;
        return MNL_CB_OK;
}

/* One RTM_GETLINK by name per device rather than a dump of every link: the same answer, at a cost that does not
 * grow with the namespace's links (a host namespace can have hundreds), without the statistics the kernel would
 * otherwise fill in (RTEXT_FILTER_SKIP_STATS, ignored by kernels older than 4.20). The kernel also finds
 * alternative names (IFLA_ALT_IFNAME) by IFLA_IFNAME; a dump never did, so a link whose own name differs counts
 * as missing. */
int links_resolve(Rtnl *rtnl, char *const *names, size_t n, Link *ret, size_t *ret_missing) {
        for (size_t i = 0; i < n; i++) {
                struct nlmsghdr *nlh = rtnl_request(rtnl, RTM_GETLINK, 0);
                struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
                GetLink g = { &ret[i] };
                int k;

                *ifi = (struct ifinfomsg) { .ifi_family = AF_UNSPEC };
                mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
                mnl_attr_put_strz(nlh, IFLA_IFNAME, names[i]);
                k = rtnl_call(rtnl, nlh, get_link_cb, &g, NULL);
                if (k == -ENODEV || k == -EINVAL || k == -ERANGE || (k >= 0 && !g.found) ||
                    (k >= 0 && strcmp(ret[i].name, names[i]) != 0)) {
                        if (ret_missing)
                                *ret_missing = i;
                        return -ENODEV;
                }
                if (k < 0)
                        return k;
        }
        return 0;
}

unsigned link_l2_len(const Link *l) {
        return l->arptype == ARPHRD_ETHER || l->arptype == ARPHRD_LOOPBACK ? 14 : 0;
}
