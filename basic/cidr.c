/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"

int cidr_from_string(const char *s, Cidr *ret) {
        char buf[INET6_ADDRSTRLEN + 8];
        const char *slash;
        Cidr c = {};
        size_t alen, bits, bytes;
        unsigned long len;
        char *end;

        if (!s || strlen(s) >= sizeof(buf))
                return -EINVAL;
        slash = strchr(s, '/');
        alen = slash ? (size_t) (slash - s) : strlen(s);
        memcpy(buf, s, alen);
        buf[alen] = 0;

        if (inet_pton(AF_INET, buf, c.addr) == 1) {
                c.family = AF_INET;
                bits = 32;
        } else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
                c.family = AF_INET6;
                bits = 128;
        } else
                return -EINVAL;

        if (slash) {
                if (!slash[1] || slash[1] < '0' || slash[1] > '9')
                        return -EINVAL;
                errno = 0;
                len = strtoul(slash + 1, &end, 10);
                if (errno || *end || len > bits || (slash[1] == '0' && slash[2]))
                        return -EINVAL;
        } else
                len = bits;
        c.prefixlen = (uint8_t) len;

        /* Host bits must be zero. */
        bytes = bits / 8;
        for (size_t i = 0; i < bytes; i++) {
                unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
                uint8_t mask = keep == 0 ? 0 : (uint8_t) (0xff << (8 - keep));
                if (c.addr[i] & (uint8_t) ~mask)
                        return -EINVAL;
        }

        *ret = c;
        return 0;
}

char *cidr_to_string(const Cidr *c, char *buf, size_t len) {
        char a[INET6_ADDRSTRLEN];

        inet_ntop(c->family, c->addr, a, sizeof(a));
        snprintf(buf, len, "%s/%u", a, c->prefixlen);
        return buf;
}

bool cidr_equal(const Cidr *a, const Cidr *b) {
        return a->family == b->family && a->prefixlen == b->prefixlen &&
               memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}
