/* SPDX-License-Identifier: MIT */
/* fault.apply's "match" member: the packets a fault hits, by CIDR, port and protocol. Lists come out sorted and
 * without duplicates, so that two orderings of one set are the same spec (fault_spec_equal()). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "macro.h"
#include "spec-internal.h"
#include "string-table.h"

/* Sort l and drop the repeats that compare() sees. Returns how many are left. */
static size_t sort_unique(void *l, size_t n, size_t size, int (*compare)(const void *, const void *)) {
        uint8_t *p = l;
        size_t k = 1;

        if (n == 0)
                return 0;
        qsort(l, n, size, compare);
        for (size_t i = 1; i < n; i++)
                if (compare(p + i * size, p + (k - 1) * size) != 0)
                        memmove(p + k++ * size, p + i * size, size);
        return k;
}

/* The canonical order that match_equal() relies on: family, then prefix length, then address. */
static int cidr_compare(const void *x, const void *y) {
        const Cidr *a = x, *b = y;

        if (a->family != b->family)
                return a->family < b->family ? -1 : 1;
        if (a->prefixlen != b->prefixlen)
                return a->prefixlen < b->prefixlen ? -1 : 1;
        return memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

#define CIDR_REASON "not a CIDR: must be an address or a prefix such as \"10.96.0.0/12\" or \"2001:db8::/32\""

/* cidr_from_string() answers -EINVAL to everything. Only on that error path, tell a prefix with host bits set
 * ("10.0.0.1/24", usually a wrong prefix length) and a prefix that is too long from text that is no CIDR. */
static int cidr_error(SpecError *err, const char *field, const char *s) {
        const char *slash = strchr(s, '/'), *p;
        char addr[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN + 8];
        unsigned len = 0, bits;
        Cidr c;

        if (!slash || (size_t) (slash - s) >= sizeof addr)
                return spec_error_set(err, field, CIDR_REASON);
        memcpy(addr, s, (size_t) (slash - s));
        addr[slash - s] = '\0';
        if (cidr_from_string(addr, &c) < 0)
                return spec_error_set(err, field, CIDR_REASON);
        bits = c.prefixlen;     /* a bare address is a host prefix: 32 or 128 */

        /* The prefix length as cidr_from_string() takes it: 1 to 3 digits, no leading zero. */
        for (p = slash + 1; *p >= '0' && *p <= '9' && p - slash <= 3; p++)
                len = len * 10 + (unsigned) (*p - '0');
        if (p == slash + 1 || *p || (slash[1] == '0' && slash[2]))
                return spec_error_set(err, field, CIDR_REASON);
        if (len > bits)
                return spec_error_set(err, field, "prefix length /%u is above /%u", len, bits);

        c.prefixlen = (uint8_t) len;
        for (unsigned i = 0; i < bits / 8; i++) {
                unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
                c.addr[i] &= (uint8_t) (0xff00 >> keep);
        }
        return spec_error_set(err, field, "host bits set below the /%u prefix (the network is %s)", len,
                              cidr_to_string(&c, net, sizeof net));
}

static int cidrs_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        FaultMatch *m = userdata;
        _cleanup_free_ Cidr *l = NULL;
        const cJSON *c;
        size_t n = 0, k = 0;

        if (!cJSON_IsArray(v))
                return spec_error_set(err, field, "must be an array of CIDR strings such as \"10.96.0.0/12\"");

        /* Counted first, so that an oversized list is refused before anything is allocated for it. */
        cJSON_ArrayForEach(c, v)
                if (++n > MATCH_CIDRS_MAX)
                        return spec_error_set(err, field, "at most %d CIDRs", MATCH_CIDRS_MAX);
        /* An empty list that meant "nothing" must not turn into "everything". */
        if (n == 0)
                return spec_error_set(err, field,
                                      "must list at least one CIDR; leave cidrs out to match every address");

        l = malloc(n * sizeof *l);
        if (!l)
                return -ENOMEM;

        cJSON_ArrayForEach(c, v) {
                if (!cJSON_IsString(c) || cidr_from_string(c->valuestring, &l[k]) < 0) {
                        char item[SPEC_FIELD_MAX];

                        snprintf(item, sizeof item, "%s[%zu]", field, k);
                        if (!cJSON_IsString(c))
                                return spec_error_set(err, item, CIDR_REASON);
                        return cidr_error(err, item, c->valuestring);
                }
                k++;
        }

        m->n_cidrs = sort_unique(l, n, sizeof *l, cidr_compare);
        m->cidrs = TAKE_PTR(l);
        return 0;
}

#define PORT_REASON "must be a port from 1 to 65535, as a number or a string, or a range such as \"8000-8100\""

/* One end of a port range written as text: decimal digits only. */
static int port_from_text(const char *s, size_t n, const char *field, uint16_t *ret, SpecError *err) {
        uint32_t u = 0;

        if (n == 0)
                return spec_error_set(err, field, PORT_REASON);
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return spec_error_set(err, field, PORT_REASON);
                if (u <= UINT16_MAX)    /* stays above the limit once there, without overflowing */
                        u = u * 10 + (uint32_t) (s[i] - '0');
        }
        if (u > UINT16_MAX)
                return spec_error_set(err, field, "port %.*s is above 65535", n > 32 ? 32 : (int) n, s);
        if (u == 0)
                return spec_error_set(err, field, "port 0 is below 1");

        *ret = (uint16_t) u;
        return 0;
}

static int port_range_from_json(const cJSON *v, const char *field, PortRange *ret, SpecError *err) {
        PortRange p;
        int r;

        if (cJSON_IsNumber(v)) {
                double d = v->valuedouble;

                if (!isfinite(d) || d != floor(d))
                        return spec_error_set(err, field, PORT_REASON);
                if (d > UINT16_MAX)
                        return spec_error_set(err, field, "port %.15g is above 65535", d);
                if (d < 1)
                        return spec_error_set(err, field, "port %.15g is below 1", d + 0.0);
                p.lo = p.hi = (uint16_t) d;

        } else if (cJSON_IsString(v)) {
                const char *s = v->valuestring, *dash = strchr(s, '-');

                if (!dash) {
                        r = port_from_text(s, strlen(s), field, &p.lo, err);
                        if (r < 0)
                                return r;
                        p.hi = p.lo;
                } else {
                        r = port_from_text(s, (size_t) (dash - s), field, &p.lo, err);
                        if (r < 0)
                                return r;
                        r = port_from_text(dash + 1, strlen(dash + 1), field, &p.hi, err);
                        if (r < 0)
                                return r;
                        if (p.lo > p.hi)
                                return spec_error_set(err, field, "reversed range %u-%u", p.lo, p.hi);
                }
        } else
                return spec_error_set(err, field, PORT_REASON);

        *ret = p;
        return 0;
}

static int port_range_compare(const void *x, const void *y) {
        const PortRange *a = x, *b = y;

        if (a->lo != b->lo)
                return a->lo < b->lo ? -1 : 1;
        return a->hi < b->hi ? -1 : a->hi > b->hi;
}

/* Overlapping ranges are kept as given. */
static int ports_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        FaultMatch *m = userdata;
        PortRange l[MATCH_PORT_RANGES_MAX];
        const cJSON *c;
        size_t n = 0;
        int r;

        if (!cJSON_IsArray(v))
                return spec_error_set(err, field,
                                      "must be an array of ports and ranges such as [80, \"8000-8100\"]");

        cJSON_ArrayForEach(c, v) {
                char item[SPEC_FIELD_MAX];

                if (n >= MATCH_PORT_RANGES_MAX)
                        return spec_error_set(err, field, "at most %d ports or port ranges", MATCH_PORT_RANGES_MAX);
                snprintf(item, sizeof item, "%s[%zu]", field, n);
                r = port_range_from_json(c, item, &l[n], err);
                if (r < 0)
                        return r;
                n++;
        }
        if (n == 0)
                return spec_error_set(err, field,
                                      "must list at least one port; leave ports out to match every port");

        m->n_ports = sort_unique(l, n, sizeof *l, port_range_compare);
        memcpy(m->ports, l, m->n_ports * sizeof *l);
        return 0;
}

/* Indexed by IP protocol number. */
static const char *const match_protocol_names[] = {
        [0] = "all",
        [IPPROTO_TCP] = "tcp",
        [IPPROTO_UDP] = "udp",
        /* The classifier takes it to mean ICMPv6 in IPv6 packets. */
        [IPPROTO_ICMP] = "icmp",
};

static const char *match_protocol_to_string(uint8_t protocol) {
        return protocol < ELEMENTSOF(match_protocol_names) ? match_protocol_names[protocol] : NULL;
}

static int protocol_from_json(const cJSON *v, const char *field, void *userdata, SpecError *err) {
        ssize_t p = string_table_lookup(match_protocol_names, ELEMENTSOF(match_protocol_names),
                                        cJSON_IsString(v) ? v->valuestring : NULL);

        if (p < 0)
                return spec_error_set(err, field, "must be one of tcp, udp, icmp, all");
        ((FaultMatch *) userdata)->protocol = (uint8_t) p;
        return 0;
}

static const SpecMember match_members[] = {
        { "cidrs", cidrs_from_json },
        { "ports", ports_from_json },
        { "protocol", protocol_from_json },
};

int spec_match_from_json(const cJSON *o, FaultMatch *ret, SpecError *err) {
        _cleanup_(fault_match_done) FaultMatch m = {};
        int r;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, "match", "must be an object with cidrs, ports or protocol");

        r = spec_members_from_json(o, "match", match_members, ELEMENTSOF(match_members), &m, NULL, err);
        if (r < 0)
                return r;

        /* ICMP has no ports: such a match could never hit a packet. */
        if (m.n_ports > 0 && m.protocol == IPPROTO_ICMP)
                return spec_error_set(err, "match.ports", "ports need tcp, udp or all");

        *ret = m;
        m = (FaultMatch) {};
        return 0;
}

static int add_port_range(cJSON *a, const PortRange *p) {
        char buf[sizeof "65535-65535"];
        cJSON *v;

        if (p->lo == p->hi)
                v = cJSON_CreateNumber(p->lo);
        else {
                snprintf(buf, sizeof buf, "%u-%u", p->lo, p->hi);
                v = cJSON_CreateString(buf);
        }
        return spec_json_array_add(a, v);
}

/* Only what was given: an empty match is left out, like every other default. */
int spec_match_to_json(cJSON *parent, const FaultMatch *m) {
        cJSON *o, *a;

        if (m->n_cidrs == 0 && m->n_ports == 0 && m->protocol == 0)
                return 0;

        o = cJSON_AddObjectToObject(parent, "match");
        if (!o)
                return -ENOMEM;

        if (m->n_cidrs > 0) {
                a = cJSON_AddArrayToObject(o, "cidrs");
                if (!a)
                        return -ENOMEM;
                for (size_t i = 0; i < m->n_cidrs; i++) {
                        char buf[INET6_ADDRSTRLEN + 8];
                        const char *s = cidr_to_string(&m->cidrs[i], buf, sizeof buf);

                        if (spec_json_array_add(a, cJSON_CreateString(s)) < 0)
                                return -ENOMEM;
                }
        }

        if (m->n_ports > 0) {
                a = cJSON_AddArrayToObject(o, "ports");
                if (!a)
                        return -ENOMEM;
                for (size_t i = 0; i < m->n_ports && i < MATCH_PORT_RANGES_MAX; i++)
                        if (add_port_range(a, &m->ports[i]) < 0)
                                return -ENOMEM;
        }

        if (m->protocol != 0 &&
            !cJSON_AddStringToObject(o, "protocol", match_protocol_to_string(m->protocol) ?: "invalid"))
                return -ENOMEM;
        return 0;
}
