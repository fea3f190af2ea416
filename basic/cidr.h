/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 prefix, address in network byte order, host bits zero. */
typedef struct Cidr {
        int family;             /* AF_INET or AF_INET6 */
        uint8_t prefixlen;
        uint8_t addr[16];
} Cidr;

/* "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). Host bits set below the prefix are an error
 * (-EINVAL), as a typo there usually means a wrong prefix. */
int cidr_from_string(const char *s, Cidr *ret);
/* Canonical text: "192.0.2.0/24", "2001:db8::/32". */
char *cidr_to_string(const Cidr *c, char *buf, size_t len);
bool cidr_equal(const Cidr *a, const Cidr *b);
