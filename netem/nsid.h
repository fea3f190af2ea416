/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

#include "rtnl.h"

/* Learning that a target namespace died, without keeping it alive: give it an nsid in the agent's own namespace
 * (which holds no reference to it), and listen for the kernel's RTM_DELNSID on RTNLGRP_NSID when it is destroyed. */

/* The nsid of the namespace behind netns_fd, as seen from home's namespace; assigned when it has none. */
int nsid_get_or_assign(Rtnl *home, int netns_fd, int32_t *ret_nsid);

/* A non-blocking socket subscribed to RTNLGRP_NSID. */
int nsid_listener_open(int *ret_fd);
/* Read what is pending; call cb for each deleted nsid. -ENOBUFS: an overrun lost events (call again to read on). */
int nsid_listener_dispatch(int fd, void (*cb)(int32_t nsid, void *userdata), void *userdata);
