/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "ifb.h"
#include "links.h"
#include "macro.h"
#include "netns.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free);

static int connect_cb(void *userdata) {
        return nl_connect(userdata, NETLINK_ROUTE) < 0 ? -EIO : 0;
}

/* A libnl socket in the namespace: around *route_fd when the caller brought one made there (netns.h; taken, even
 * on failure), else connected on a visit of its own. */
static int sock_open(int netns_fd, int *route_fd, struct nl_sock **ret) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int k;

        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        if (route_fd && *route_fd >= 0) {
                int fd = TAKE_FD(*route_fd);

                /* On success, sk's: nl_socket_free() closes it. */
                if (nl_socket_set_fd(sk, NETLINK_ROUTE, fd) < 0) {
                        safe_close(fd);
                        return -EIO;
                }
        } else {
                k = netns_run(netns_fd, connect_cb, sk);
                if (k < 0)
                        return k;
        }
        *ret = TAKE_PTR(sk);
        return 0;
}

static int load_cache(int netns_fd, int *route_fd, struct nl_sock **ret_sock, struct nl_cache **ret_cache) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        struct nl_cache *cache = NULL;
        int k;

        k = sock_open(netns_fd, route_fd, &sk);
        if (k < 0)
                return k;
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
static int list(int netns_fd, int *route_fd, bool ifbs, Link *ret, size_t max, size_t *ret_n) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        struct nl_object *obj;
        size_t n = 0;
        int k;

        k = load_cache(netns_fd, route_fd, &sk, &cache);
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

int links_list(int netns_fd, int *route_fd, Link *ret, size_t max, size_t *ret_n) {
        return list(netns_fd, route_fd, false, ret, max, ret_n);
}

int links_list_ifbs(int netns_fd, Link *ret, size_t max, size_t *ret_n) {
        return list(netns_fd, NULL, true, ret, max, ret_n);
}

/* One RTM_GETLINK by name per device rather than a dump of every link: the same answer, at a cost that does not
 * grow with the namespace's links (a host namespace can have hundreds). The kernel also finds alternative names
 * (IFLA_ALT_IFNAME) by IFLA_IFNAME; a dump never did, so a link whose own name differs counts as missing. */
int links_resolve(int netns_fd, int *route_fd, char *const *names, size_t n, Link *ret, size_t *ret_missing) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int k;

        k = sock_open(netns_fd, route_fd, &sk);
        if (k < 0)
                return k;

        for (size_t i = 0; i < n; i++) {
                struct rtnl_link *l = NULL;
                bool same;

                k = rtnl_link_get_kernel(sk, 0, names[i], &l);
                if (k == -NLE_OBJ_NOTFOUND || k == -NLE_NODEV || k == -NLE_INVAL || k == -NLE_RANGE) {
                        if (ret_missing)
                                *ret_missing = i;
                        return -ENODEV;
                }
                if (k < 0)
                        return -EIO;
                same = strcmp(rtnl_link_get_name(l) ?: "", names[i]) == 0;
                if (same)
                        link_from_nl(l, &ret[i]);
                rtnl_link_put(l);
                if (!same) {
                        if (ret_missing)
                                *ret_missing = i;
                        return -ENODEV;
                }
        }
        return 0;
}

unsigned link_l2_len(const Link *l) {
        return l->arptype == ARPHRD_ETHER || l->arptype == ARPHRD_LOOPBACK ? 14 : 0;
}
