/* SPDX-License-Identifier: MIT */
#pragma once

#include <net/if.h>
#include <stddef.h>

/* Device discovery inside a target namespace, through libnl's link cache. */

typedef struct Link {
        int ifindex;
        char name[IF_NAMESIZE];
        unsigned flags;         /* IFF_* */
} Link;

#define LINKS_MAX 256

/* Every device in the namespace behind netns_fd except loopback (and chaoslet's own IFBs), sorted by ifindex. */
int links_list(int netns_fd, Link *ret, size_t max, size_t *ret_n);

/* Resolve the named devices; -ENODEV with *ret_missing set to the index of the first unknown name. */
int links_resolve(int netns_fd, char *const *names, size_t n, Link *ret, size_t *ret_missing);
