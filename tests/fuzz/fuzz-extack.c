/* SPDX-License-Identifier: MIT */
/* libFuzzer: a crafted NLMSG_ERROR reply, as the kernel (or anything that answers on the socket) could send one,
 * into the ack and extended-ack parsers. The bytes are the whole message; nlmsg_len is checked against their
 * length first, as mnl_nlmsg_ok() does for a received buffer. */
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct nlmsghdr *nlh;
        RtnlError e = {};
        void *copy;

        if (size < sizeof(*nlh))
                return 0;
        /* Aligned, as the receive buffer is; exactly size bytes, so that ASan sees any read past it. */
        copy = aligned_alloc(8, (size + 7) & ~(size_t) 7);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        nlh = copy;
        if (nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= size) {
                (void) rtnl_ack_error(nlh);
                rtnl_parse_extack(nlh, &e);
                if (strnlen(e.message, sizeof e.message) >= sizeof e.message)
                        abort();
        }
        free(copy);
        return 0;
}
