/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers shared by the test tools (udpprobe, tcpblast): time, number and endpoint parsing. Endpoints are parsed
 * with inet_pton only, never getaddrinfo, which accepts legacy forms such as "1.2.3" for 1.2.0.3 and so could
 * send test traffic somewhere nobody meant. */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "macro.h"

#define NSEC_PER_MSEC INT64_C(1000000)
#define NSEC_PER_SEC INT64_C(1000000000)

static inline int64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* poll() takes milliseconds: round up so a wake-up is never early, and clamp to [0, 1000000]. */
static inline int ns_to_poll_ms(int64_t ns) {
        if (ns <= 0)
                return 0;
        int64_t ms = (ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
        return ms > 1000000 ? 1000000 : (int) ms;
}

static inline int parse_uint(const char *s, unsigned long long max, unsigned long long *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s || *s == '-')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0' || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

static inline int parse_endpoint(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *h = s, *port;
        unsigned long long portnum;
        struct sockaddr_storage sa = {};
        size_t hlen;

        if (s[0] == '[') {
                const char *close_bracket = strchr(s, ']');
                if (!close_bracket || close_bracket[1] != ':')
                        return -EINVAL;
                h = s + 1;
                hlen = (size_t) (close_bracket - h);
                port = close_bracket + 2;
        } else {
                const char *colon = strchr(s, ':');
                if (!colon || strchr(colon + 1, ':'))
                        return -EINVAL;
                hlen = (size_t) (colon - s);
                port = colon + 1;
        }
        if (hlen == 0 || hlen >= sizeof(host) || parse_uint(port, UINT16_MAX, &portnum) < 0 || portnum == 0)
                return -EINVAL;
        memcpy(host, h, hlen);
        host[hlen] = '\0';

        if (s[0] == '[') {
                struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &sa;
                if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
                        return -EINVAL;
                sin6->sin6_family = AF_INET6;
                sin6->sin6_port = htons((uint16_t) portnum);
                *ret_len = sizeof(*sin6);
        } else {
                struct sockaddr_in *sin = (struct sockaddr_in *) &sa;
                if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
                        return -EINVAL;
                sin->sin_family = AF_INET;
                sin->sin_port = htons((uint16_t) portnum);
                *ret_len = sizeof(*sin);
        }
        *ret = sa;
        return 0;
}

