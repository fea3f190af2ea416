/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "macro.h"
#include "spec.h"
#include "strv.h"
#include "units.h"

/* The longest path open(2) takes, without its NUL. */
#define NETNS_PATH_MAX 4095
/* IFNAMSIZ, without <net/if.h>: it clashes with <linux/if.h> in the files that include both. */
#define IFNAMSIZ_ 16

/* Copy at most size-1 bytes, cutting before a UTF-8 continuation byte so a long member name stays valid text. */
static void copy_truncated(char *dst, size_t size, const char *src) {
        size_t n = strlen(src);

        if (n >= size) {
                n = size - 1;
                while (n > 0 && ((unsigned char) src[n] & 0xC0) == 0x80)
                        n--;
        }
        memcpy(dst, src, n);
        dst[n] = '\0';
}

int spec_error_set(SpecError *err, const char *field, const char *fmt, ...) {
        va_list ap;

        if (!err)
                return -EINVAL;

        copy_truncated(err->field, sizeof err->field, field ?: "");
        va_start(ap, fmt);
        vsnprintf(err->reason, sizeof err->reason, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* "prefix.name", cut to fit SpecError.field. */
static void field_join(char *buf, size_t size, const char *prefix, const char *name) {
        char tmp[sizeof ((SpecError *) NULL)->field * 2];

        snprintf(tmp, sizeof tmp, "%s.%s", prefix, name);
        copy_truncated(buf, size, tmp);
}

#define FIELD_MAX sizeof(((SpecError *) NULL)->field)

static int unknown_member(SpecError *err, const char *prefix, const char *name) {
        char f[FIELD_MAX];

        if (prefix)
                field_join(f, sizeof f, prefix, name);
        else
                copy_truncated(f, sizeof f, name);
        return spec_error_set(err, f, "unknown member");
}

static int duplicate_member(SpecError *err, const char *field) {
        return spec_error_set(err, field, "duplicate member");
}

#define DURATION_REASON "must be a duration string such as \"90ms\""

static int json_duration(const cJSON *v, const char *field, int64_t *ret_ns, SpecError *err) {
        int64_t ns;
        int r;

        if (!cJSON_IsString(v))
                return spec_error_set(err, field, DURATION_REASON);

        r = parse_duration_ns(v->valuestring, &ns);
        if (r == -ERANGE)
                return spec_error_set(err, field, v->valuestring[0] == '-' ? "must not be negative" : "too large");
        if (r < 0)
                return spec_error_set(err, field, DURATION_REASON);

        *ret_ns = ns;
        return 0;
}

#define PERCENT_REASON "must be a percent from 0 to 100, as a number or a string such as \"25\""

static int json_percent(const cJSON *v, const char *field, double *ret, SpecError *err) {
        double d;
        int r;

        if (cJSON_IsNumber(v)) {
                d = v->valuedouble;
                if (!isfinite(d) || d < 0 || d > 100)
                        return spec_error_set(err, field, "must be between 0 and 100");
        } else if (cJSON_IsString(v)) {
                r = parse_percent(v->valuestring, &d);
                if (r == -ERANGE)
                        return spec_error_set(err, field, "must be between 0 and 100");
                if (r < 0)
                        return spec_error_set(err, field, PERCENT_REASON);
        } else
                return spec_error_set(err, field, PERCENT_REASON);

        *ret = d + 0.0;
        return 0;
}

/* A count as a JSON integer or a decimal string (the CLI sends every value as a string), min..UINT32_MAX. */
static int json_u32(const cJSON *v, const char *field, uint32_t min, uint32_t *ret, SpecError *err) {
        const char *reason = min > 0 ? "must be a positive integer" : "must be a non-negative integer";
        uint64_t u = 0;

        if (cJSON_IsNumber(v)) {
                double d = v->valuedouble;

                if (!isfinite(d) || d != floor(d) || d < 0)
                        return spec_error_set(err, field, "%s", reason);
                if (d > UINT32_MAX)
                        return spec_error_set(err, field, "must be at most %" PRIu32, UINT32_MAX);
                u = (uint64_t) d;
        } else if (cJSON_IsString(v)) {
                const char *s = v->valuestring;

                if (*s == '\0')
                        return spec_error_set(err, field, "%s", reason);
                for (; *s; s++) {
                        if (*s < '0' || *s > '9')
                                return spec_error_set(err, field, "%s", reason);
                        u = u * 10 + (uint64_t) (*s - '0');
                        if (u > UINT32_MAX)
                                return spec_error_set(err, field, "must be at most %" PRIu32, UINT32_MAX);
                }
        } else
                return spec_error_set(err, field, "%s", reason);

        if (u < min)
                return spec_error_set(err, field, "%s", reason);

        *ret = (uint32_t) u;
        return 0;
}

static int json_rate(const cJSON *v, const char *field, uint64_t *ret, SpecError *err) {
        uint64_t Bps;
        int r;

        if (!cJSON_IsString(v))
                return spec_error_set(err, field, "must be a rate string such as \"10mbit\"");

        r = parse_rate_Bps(v->valuestring, &Bps);
        if (r == -ERANGE)
                return spec_error_set(err, field, "must be above zero and below 2^64 bytes per second");
        if (r < 0)
                return spec_error_set(err, field,
                                      "must be a tc rate such as \"10mbit\", \"1gbit\" or \"500kbps\" (bps is bytes)");

        *ret = Bps;
        return 0;
}

static int json_distribution(const cJSON *v, const char *field, NetemDist *ret, SpecError *err) {
        NetemDist d;

        if (!cJSON_IsString(v) || (d = netem_dist_from_string(v->valuestring)) < 0)
                return spec_error_set(err, field, "must be one of uniform, normal, pareto, paretonormal");

        *ret = d;
        return 0;
}

static int netem_member_from_json(const NetemMember *m, const cJSON *v, const char *field, NetemParams *p,
                                  SpecError *err) {
        void *dst = (uint8_t *) p + m->offset;

        switch (m->kind) {
        case NETEM_VALUE_DURATION:
                return json_duration(v, field, dst, err);
        case NETEM_VALUE_PERCENT:
                return json_percent(v, field, dst, err);
        case NETEM_VALUE_DISTRIBUTION:
                return json_distribution(v, field, dst, err);
        case NETEM_VALUE_GAP:
                return json_u32(v, field, 0, dst, err);
        case NETEM_VALUE_RATE:
                return json_rate(v, field, dst, err);
        case NETEM_VALUE_LIMIT:
                return json_u32(v, field, 1, dst, err);
        default:
                break;
        }
        return spec_error_set(err, field, "unsupported");
}

static int netem_from_json(const cJSON *o, NetemParams *ret, SpecError *err) {
        NetemParams p = {};
        const cJSON *c;
        int r;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, "netem", "must be an object");
        if (!o->child)
                return spec_error_set(err, "netem", "must have at least one member");

        cJSON_ArrayForEach(c, o) {
                const NetemMember *m = netem_member_by_name(c->string);
                char field[FIELD_MAX];

                if (!m)
                        return unknown_member(err, "netem", c->string);

                field_join(field, sizeof field, "netem", m->name);
                if (p.set & m->flag)
                        return duplicate_member(err, field);

                r = netem_member_from_json(m, c, field, &p, err);
                if (r < 0)
                        return r;
                p.set |= m->flag;
        }

        /* Checked after all members are in, so the verdict does not depend on their order. */
        NETEM_MEMBER_FOREACH(m) {
                char field[FIELD_MAX];

                if (!(p.set & m->flag))
                        continue;
                field_join(field, sizeof field, "netem", m->name);

                if (m->requires && !(p.set & m->requires))
                        return spec_error_set(err, field, "requires netem.%s", netem_member_by_flag(m->requires)->name);
                if (m->flag == NETEM_HAS_REORDER && p.latency_ns == 0)
                        return spec_error_set(err, field, "requires a non-zero netem.latency");
        }

        /* The kernel keeps jitter as s64 but its distribution math works in 32 bits (sch_netem.c tabledist()). */
        if ((p.set & NETEM_HAS_JITTER) && p.jitter_ns > NETEM_JITTER_MAX_NS)
                return spec_error_set(err, "netem.jitter", "must be at most 2.147483647s (kernel limit)");

        *ret = p;
        return 0;
}

static int target_from_json(const cJSON *o, FaultTarget *ret, SpecError *err) {
        const cJSON *pid = NULL, *netns = NULL, *c;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, "target", "must be an object with \"pid\" or \"netns\"");

        cJSON_ArrayForEach(c, o) {
                if (strcmp(c->string, "pid") == 0) {
                        if (pid)
                                return duplicate_member(err, "target.pid");
                        pid = c;
                } else if (strcmp(c->string, "netns") == 0) {
                        if (netns)
                                return duplicate_member(err, "target.netns");
                        netns = c;
                } else
                        return unknown_member(err, "target", c->string);
        }

        if (!pid == !netns)
                return spec_error_set(err, "target", "must have exactly one of \"pid\" or \"netns\"");

        if (pid) {
                double d = pid->valuedouble;

                if (!cJSON_IsNumber(pid) || !isfinite(d) || d != floor(d) || d < 1 || d > INT32_MAX)
                        return spec_error_set(err, "target.pid", "must be a positive integer");

                *ret = (FaultTarget) { .kind = TARGET_PID, .pid = (pid_t) d };
                return 0;
        }

        /* An embedded NUL cannot reach here: the request decoder refuses "\u0000" (see jsonrpc.c). */
        if (!cJSON_IsString(netns) || netns->valuestring[0] != '/')
                return spec_error_set(err, "target.netns", "must be an absolute path such as \"/run/netns/x\"");
        if (strlen(netns->valuestring) > NETNS_PATH_MAX)
                return spec_error_set(err, "target.netns", "must be at most %d bytes", NETNS_PATH_MAX);

        char *path = strdup(netns->valuestring);
        if (!path)
                return -ENOMEM;
        *ret = (FaultTarget) { .kind = TARGET_NETNS, .netns = path };
        return 0;
}

/* The kernel's dev_valid_name(): 1..IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or white space. */
static bool ifname_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n >= IFNAMSIZ_)
                return false;
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (; *s; s++)
                if (*s == '/' || *s == ':' || isspace((unsigned char) *s))
                        return false;
        return true;
}

#define IFNAME_REASON "must be an interface name: 1 to 15 bytes, without '/', ':' or spaces"

static int devices_from_json(const cJSON *v, char ***ret, size_t *ret_n, SpecError *err) {
        char **l = NULL;
        size_t n = 0;
        const cJSON *c;
        int r;

        if (cJSON_IsString(v)) {
                if (!ifname_valid(v->valuestring))
                        return spec_error_set(err, "device", IFNAME_REASON);
                l = calloc(2, sizeof(char *));
                if (!l)
                        return -ENOMEM;
                l[0] = strdup(v->valuestring);
                if (!l[0]) {
                        free(l);
                        return -ENOMEM;
                }
                *ret = l;
                *ret_n = 1;
                return 0;
        }

        if (!cJSON_IsArray(v))
                return spec_error_set(err, "device", "must be a string or an array of strings");

        l = calloc(FAULT_DEVICES_MAX + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        cJSON_ArrayForEach(c, v) {
                char field[FIELD_MAX];

                snprintf(field, sizeof field, "device[%zu]", n);
                if (n >= FAULT_DEVICES_MAX) {
                        r = spec_error_set(err, "device", "must list at most %d devices", FAULT_DEVICES_MAX);
                        goto fail;
                }
                if (!cJSON_IsString(c) || !ifname_valid(c->valuestring)) {
                        r = spec_error_set(err, field, IFNAME_REASON);
                        goto fail;
                }
                for (size_t j = 0; j < n; j++)
                        if (strcmp(l[j], c->valuestring) == 0) {
                                r = spec_error_set(err, field, "duplicate of device[%zu]", j);
                                goto fail;
                        }
                l[n] = strdup(c->valuestring);
                if (!l[n]) {
                        r = -ENOMEM;
                        goto fail;
                }
                n++;
        }
        if (n == 0) {
                r = spec_error_set(err, "device", "must list at least one device");
                goto fail;
        }

        *ret = l;
        *ret_n = n;
        return 0;

fail:
        strv_free(l);
        return r;
}

static bool id_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > FAULT_ID_MAX)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
                      *s == '.' || *s == '_' || *s == '-'))
                        return false;
        return true;
}

/* --- match: the packets a fault hits ------------------------------------------------------------------------- */

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

/* Sorted and without duplicates, so that two orderings of one set are the same spec (fault_spec_equal()). */
static int cidrs_from_json(const cJSON *v, Cidr **ret, size_t *ret_n, SpecError *err) {
        _cleanup_free_ Cidr *l = NULL;
        const cJSON *c;
        size_t n = 0, k = 0;

        if (!cJSON_IsArray(v))
                return spec_error_set(err, "match.cidrs", "must be an array of CIDR strings such as \"10.96.0.0/12\"");

        /* Counted first, so that an oversized list is refused before anything is allocated for it. */
        cJSON_ArrayForEach(c, v)
                if (++n > MATCH_CIDRS_MAX)
                        return spec_error_set(err, "match.cidrs", "at most %d CIDRs", MATCH_CIDRS_MAX);
        /* An empty list that meant "nothing" must not turn into "everything". */
        if (n == 0)
                return spec_error_set(err, "match.cidrs",
                                      "must list at least one CIDR; leave cidrs out to match every address");

        l = malloc(n * sizeof *l);
        if (!l)
                return -ENOMEM;

        cJSON_ArrayForEach(c, v) {
                if (!cJSON_IsString(c) || cidr_from_string(c->valuestring, &l[k]) < 0) {
                        char field[FIELD_MAX];

                        snprintf(field, sizeof field, "match.cidrs[%zu]", k);
                        if (!cJSON_IsString(c))
                                return spec_error_set(err, field, CIDR_REASON);
                        return cidr_error(err, field, c->valuestring);
                }
                k++;
        }

        qsort(l, n, sizeof *l, cidr_compare);
        k = 1;
        for (size_t i = 1; i < n; i++)
                if (cidr_compare(&l[i], &l[k - 1]) != 0)
                        l[k++] = l[i];

        *ret = TAKE_PTR(l);
        *ret_n = k;
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

/* Sorted and without duplicates, like the CIDRs. Overlapping ranges are kept as given. */
static int ports_from_json(const cJSON *v, FaultMatch *m, SpecError *err) {
        PortRange l[MATCH_PORT_RANGES_MAX];
        const cJSON *c;
        size_t n = 0, k;
        int r;

        if (!cJSON_IsArray(v))
                return spec_error_set(err, "match.ports",
                                      "must be an array of ports and ranges such as [80, \"8000-8100\"]");

        cJSON_ArrayForEach(c, v) {
                char field[FIELD_MAX];

                if (n >= MATCH_PORT_RANGES_MAX)
                        return spec_error_set(err, "match.ports", "at most %d ports or port ranges",
                                              MATCH_PORT_RANGES_MAX);
                snprintf(field, sizeof field, "match.ports[%zu]", n);
                r = port_range_from_json(c, field, &l[n], err);
                if (r < 0)
                        return r;
                n++;
        }
        if (n == 0)
                return spec_error_set(err, "match.ports",
                                      "must list at least one port; leave ports out to match every port");

        qsort(l, n, sizeof *l, port_range_compare);
        k = 1;
        for (size_t i = 1; i < n; i++)
                if (port_range_compare(&l[i], &l[k - 1]) != 0)
                        l[k++] = l[i];

        memcpy(m->ports, l, k * sizeof *l);
        m->n_ports = k;
        return 0;
}

static const struct {
        const char *name;
        uint8_t protocol;
} match_protocols[] = {
        { "all", 0 },
        { "tcp", IPPROTO_TCP },
        { "udp", IPPROTO_UDP },
        /* The classifier takes it to mean ICMPv6 in IPv6 packets. */
        { "icmp", IPPROTO_ICMP },
};

static const char *match_protocol_to_string(uint8_t protocol) {
        for (size_t i = 0; i < ELEMENTSOF(match_protocols); i++)
                if (match_protocols[i].protocol == protocol)
                        return match_protocols[i].name;
        return NULL;
}

static int match_from_json(const cJSON *o, FaultMatch *ret, SpecError *err) {
        _cleanup_(fault_match_done) FaultMatch m = {};
        bool have_cidrs = false, have_ports = false, have_protocol = false;
        const cJSON *c;
        int r;

        if (!cJSON_IsObject(o))
                return spec_error_set(err, "match", "must be an object with cidrs, ports or protocol");

        cJSON_ArrayForEach(c, o) {
                if (strcmp(c->string, "cidrs") == 0) {
                        if (have_cidrs)
                                return duplicate_member(err, "match.cidrs");
                        have_cidrs = true;
                        r = cidrs_from_json(c, &m.cidrs, &m.n_cidrs, err);
                        if (r < 0)
                                return r;

                } else if (strcmp(c->string, "ports") == 0) {
                        if (have_ports)
                                return duplicate_member(err, "match.ports");
                        have_ports = true;
                        r = ports_from_json(c, &m, err);
                        if (r < 0)
                                return r;

                } else if (strcmp(c->string, "protocol") == 0) {
                        bool found = false;

                        if (have_protocol)
                                return duplicate_member(err, "match.protocol");
                        have_protocol = true;
                        for (size_t i = 0; cJSON_IsString(c) && i < ELEMENTSOF(match_protocols); i++)
                                if (strcmp(c->valuestring, match_protocols[i].name) == 0) {
                                        m.protocol = match_protocols[i].protocol;
                                        found = true;
                                }
                        if (!found)
                                return spec_error_set(err, "match.protocol", "must be one of tcp, udp, icmp, all");

                } else
                        return unknown_member(err, "match", c->string);
        }

        /* ICMP has no ports: such a match could never hit a packet. */
        if (m.n_ports > 0 && m.protocol == IPPROTO_ICMP)
                return spec_error_set(err, "match.ports", "ports need tcp, udp or all");

        *ret = m;
        m = (FaultMatch) {};
        return 0;
}

static int direction_from_json(const cJSON *v, FaultDirection *ret, SpecError *err) {
        for (FaultDirection d = 0; d < _DIRECTION_MAX && cJSON_IsString(v); d++)
                if (strcmp(v->valuestring, fault_direction_to_string(d)) == 0) {
                        *ret = d;
                        return 0;
                }
        return spec_error_set(err, "direction", "must be one of egress, ingress, both");
}

int fault_spec_from_json(const cJSON *params, FaultSpec *ret, SpecError *err) {
        _cleanup_(fault_spec_done) FaultSpec spec = {};
        bool have_id = false, have_target = false, have_device = false, have_netem = false, have_duration = false,
                have_match = false, have_direction = false, have_partition = false;
        const cJSON *c;
        int r;

        if (!ret)
                return -EINVAL;
        if (!cJSON_IsObject(params))
                return spec_error_set(err, "params", "must be an object");

        cJSON_ArrayForEach(c, params) {
                const char *name = c->string;

                if (strcmp(name, "id") == 0) {
                        if (have_id)
                                return duplicate_member(err, "id");
                        have_id = true;
                        if (!cJSON_IsString(c) || !id_valid(c->valuestring))
                                return spec_error_set(err, "id",
                                                      "must be 1 to %d characters of A-Z a-z 0-9 . _ -", FAULT_ID_MAX);
                        strcpy(spec.id, c->valuestring);

                } else if (strcmp(name, "target") == 0) {
                        if (have_target)
                                return duplicate_member(err, "target");
                        have_target = true;
                        r = target_from_json(c, &spec.target, err);
                        if (r < 0)
                                return r;

                } else if (strcmp(name, "device") == 0) {
                        if (have_device)
                                return duplicate_member(err, "device");
                        have_device = true;
                        r = devices_from_json(c, &spec.devices, &spec.n_devices, err);
                        if (r < 0)
                                return r;

                } else if (strcmp(name, "netem") == 0) {
                        if (have_netem)
                                return duplicate_member(err, "netem");
                        have_netem = true;
                        r = netem_from_json(c, &spec.netem, err);
                        if (r < 0)
                                return r;

                } else if (strcmp(name, "match") == 0) {
                        if (have_match)
                                return duplicate_member(err, "match");
                        have_match = true;
                        r = match_from_json(c, &spec.match, err);
                        if (r < 0)
                                return r;

                } else if (strcmp(name, "direction") == 0) {
                        if (have_direction)
                                return duplicate_member(err, "direction");
                        have_direction = true;
                        r = direction_from_json(c, &spec.direction, err);
                        if (r < 0)
                                return r;

                } else if (strcmp(name, "partition") == 0) {
                        if (have_partition)
                                return duplicate_member(err, "partition");
                        have_partition = true;
                        if (!cJSON_IsBool(c))
                                return spec_error_set(err, "partition", "must be true or false");
                        spec.partition = cJSON_IsTrue(c);

                } else if (strcmp(name, "duration") == 0) {
                        if (have_duration)
                                return duplicate_member(err, "duration");
                        have_duration = true;
                        r = json_duration(c, "duration", &spec.duration_ns, err);
                        if (r < 0)
                                return r;
                        if (spec.duration_ns == 0)
                                return spec_error_set(err, "duration", "must be greater than zero");

                } else
                        return unknown_member(err, NULL, name);
        }

        if (!have_target)
                return spec_error_set(err, "target", "required: {\"pid\": N} or {\"netns\": \"/path\"}");
        /* A partition drops what it matches, so netem would never see a packet. */
        if (spec.partition && have_netem)
                return spec_error_set(err, "partition", "cannot be combined with netem");
        if (!spec.partition && !have_netem)
                return spec_error_set(err, "netem", "required unless partition is true");

        *ret = spec;
        spec = (FaultSpec) {};
        return 0;
}

static cJSON *netem_to_json(const NetemParams *p) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
                return NULL;

        NETEM_MEMBER_FOREACH(m) {
                const void *src = (const uint8_t *) p + m->offset;
                char buf[DURATION_STRING_MAX + RATE_STRING_MAX];
                cJSON *v = NULL;

                if (!(p->set & m->flag))
                        continue;

                switch (m->kind) {
                case NETEM_VALUE_DURATION:
                        if (format_duration_ns(*(const int64_t *) src, buf, sizeof buf))
                                v = cJSON_CreateString(buf);
                        break;
                case NETEM_VALUE_PERCENT:
                        v = cJSON_CreateNumber(*(const double *) src);
                        break;
                case NETEM_VALUE_DISTRIBUTION:
                        v = cJSON_CreateString(netem_dist_to_string(*(const NetemDist *) src) ?: "invalid");
                        break;
                case NETEM_VALUE_GAP:
                case NETEM_VALUE_LIMIT:
                        v = cJSON_CreateNumber(*(const uint32_t *) src);
                        break;
                case NETEM_VALUE_RATE:
                        if (format_rate_Bps(*(const uint64_t *) src, buf, sizeof buf))
                                v = cJSON_CreateString(buf);
                        break;
                default:
                        break;
                }
                if (!v || !cJSON_AddItemToObject(o, m->name, v)) {
                        cJSON_Delete(v);
                        cJSON_Delete(o);
                        return NULL;
                }
        }
        return o;
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
        if (!v || !cJSON_AddItemToArray(a, v)) {
                cJSON_Delete(v);
                return -ENOMEM;
        }
        return 0;
}

/* Only what was given: an empty match is left out, like every other default. */
static int match_to_json(cJSON *parent, const FaultMatch *m) {
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
                        cJSON *s = cJSON_CreateString(cidr_to_string(&m->cidrs[i], buf, sizeof buf));

                        if (!s || !cJSON_AddItemToArray(a, s)) {
                                cJSON_Delete(s);
                                return -ENOMEM;
                        }
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

cJSON *fault_spec_to_json(const FaultSpec *spec) {
        cJSON *o, *n;

        if (!spec)
                return NULL;

        o = cJSON_CreateObject();
        if (!o)
                return NULL;

        if (spec->devices) {
                cJSON *a = cJSON_AddArrayToObject(o, "device");
                if (!a)
                        goto fail;
                STRV_FOREACH(d, spec->devices) {
                        cJSON *s = cJSON_CreateString(*d);
                        if (!s || !cJSON_AddItemToArray(a, s)) {
                                cJSON_Delete(s);
                                goto fail;
                        }
                }
        }

        if (match_to_json(o, &spec->match) < 0)
                goto fail;

        if (!cJSON_AddStringToObject(o, "direction", fault_direction_to_string(spec->direction) ?: "invalid"))
                goto fail;

        if (spec->partition && !cJSON_AddTrueToObject(o, "partition"))
                goto fail;

        /* A partition has no netem; anything else always has one. */
        if (spec->netem.set != 0 || !spec->partition) {
                n = netem_to_json(&spec->netem);
                if (!n || !cJSON_AddItemToObject(o, "netem", n)) {
                        cJSON_Delete(n);
                        goto fail;
                }
        }

        if (spec->duration_ns > 0) {
                char buf[DURATION_STRING_MAX];
                if (!format_duration_ns(spec->duration_ns, buf, sizeof buf) ||
                    !cJSON_AddStringToObject(o, "duration", buf))
                        goto fail;
        }
        return o;

fail:
        cJSON_Delete(o);
        return NULL;
}
