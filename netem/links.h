/* SPDX-License-Identifier: MIT */
#pragma once

#include <net/if.h>
#include <stddef.h>

/* Device discovery inside a target namespace, through libnl's link cache. */

typedef struct Link {
        int ifindex;
        char name[IF_NAMESIZE];
        unsigned flags;         /* IFF_* */
        unsigned arptype;       /* ARPHRD_* */
} Link;

/* Bytes before the network header in a packet on this device, as tc sees it: Ethernet-like devices carry a
 * 14-byte header, L3 devices (tun, wireguard, ipip) none. */
unsigned link_l2_len(const Link *l);

#define LINKS_MAX 256

/* route_fd, where a function takes it: NULL, or a NETLINK_ROUTE socket already made in that namespace
 * (netns_open_path()), used and taken (set to -EBADF) instead of a visit to make one; -EBADF there is as NULL. */

/* Every device in the namespace behind netns_fd except loopback (and chaoslet's own IFBs), sorted by ifindex. */
int links_list(int netns_fd, int *route_fd, Link *ret, size_t max, size_t *ret_n);

/* chaoslet's own IFBs (IFB_NAME_PREFIX) in the namespace, sorted by ifindex. */
int links_list_ifbs(int netns_fd, Link *ret, size_t max, size_t *ret_n);

/* Resolve the named devices; -ENODEV with *ret_missing set to the index of the first unknown name. */
int links_resolve(int netns_fd, int *route_fd, char *const *names, size_t n, Link *ret, size_t *ret_missing);
