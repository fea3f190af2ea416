/* SPDX-License-Identifier: MIT */
#pragma once

#include <net/if.h>
#include <stddef.h>

#include "rtnl.h"

/* Device discovery inside a target namespace. */

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

/* Each works on rtnl, a socket in the namespace (rtnl.h), and enters no namespace itself. */

/* Every device in the namespace except loopback (and chaoslet's own IFBs), sorted by ifindex: libnl's link cache. */
int links_list(Rtnl *rtnl, Link *ret, size_t max, size_t *ret_n);

/* chaoslet's own IFBs (IFB_NAME_PREFIX) in the namespace, sorted by ifindex. */
int links_list_ifbs(Rtnl *rtnl, Link *ret, size_t max, size_t *ret_n);

/* Resolve the named devices, one RTM_GETLINK each; -ENODEV with *ret_missing set to the index of the first unknown
 * name. */
int links_resolve(Rtnl *rtnl, char *const *names, size_t n, Link *ret, size_t *ret_missing);
