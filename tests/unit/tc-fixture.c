/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc-fixture.h"

int tc_fixture_read(const char *kind, const char *name, uint8_t *buf, size_t size) {
        char path[256], line[1024];
        size_t n = 0;
        FILE *f;

        snprintf(path, sizeof(path), "fixtures/%s/%s.hex", kind, name);
        f = fopen(path, "re");
        if (!f) {
                int r = -errno;

                fprintf(stderr, "%s: %m (the test runs with cwd = tests/unit)\n", path);
                return r;
        }
        while (fgets(line, sizeof(line), f)) {
                char *p = line, *end;

                if (line[0] == '#')
                        continue;
                for (;;) {
                        unsigned long v = strtoul(p, &end, 16);

                        if (end == p)
                                break;
                        if (v > 0xff || n >= size) {
                                fprintf(stderr, "%s: bad byte, or longer than %zu bytes\n", path, size);
                                fclose(f);
                                return -EINVAL;
                        }
                        buf[n++] = (uint8_t) v;
                        p = end;
                }
        }
        fclose(f);
        return (int) n;
}

struct nlmsghdr *tc_qdisc_request(uint8_t *buf) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        struct tcmsg *tcm;

        nlh->nlmsg_type = RTM_NEWQDISC;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
        tcm->tcm_ifindex = 1;
        tcm->tcm_parent = TC_H_ROOT;
        return nlh;
}

bool tc_attrs_fill(const void *data, size_t len) {
        const struct nlattr *attr;

        mnl_attr_for_each_payload(data, len) {
        }
        return (const uint8_t *) attr == (const uint8_t *) data + len;
}

const struct nlattr *tc_find_options(const struct nlmsghdr *nlh, size_t len, const char *want_kind) {
        const struct nlattr *attr, *opts = NULL;
        const char *kind = NULL;
        size_t hdr = mnl_nlmsg_size(sizeof(struct tcmsg));

        if (len < hdr || nlh->nlmsg_len != len || nlh->nlmsg_type != RTM_NEWQDISC) {
                fprintf(stderr, "not a whole RTM_NEWQDISC message\n");
                return NULL;
        }
        if (!tc_attrs_fill((const uint8_t *) nlh + hdr, len - hdr)) {
                fprintf(stderr, "attributes do not fill the message\n");
                return NULL;
        }
        mnl_attr_for_each(attr, nlh, sizeof(struct tcmsg)) {
                if (mnl_attr_get_type(attr) == TCA_KIND)
                        kind = mnl_attr_get_str(attr);
                else if (mnl_attr_get_type(attr) == TCA_OPTIONS)
                        opts = attr;
        }
        if (!kind || strcmp(kind, want_kind) != 0 || !opts) {
                fprintf(stderr, "no %s TCA_KIND or TCA_OPTIONS\n", want_kind);
                return NULL;
        }
        return opts;
}
