/* SPDX-License-Identifier: MIT */
#pragma once

/* The RTM_NEWQDISC requests that iproute2's tc sent, as captured by capture-tc-netem.sh into
 * fixtures/KIND/NAME.hex, and the checks both encoder tests make on a message's framing. Runs with cwd =
 * tests/unit (meson's workdir for the unit tests). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlattr;
struct nlmsghdr;

/* Hex bytes, whitespace separated; lines starting with '#' are comments. Returns the length, or -errno. */
int tc_fixture_read(const char *kind, const char *name, uint8_t *buf, size_t size);

/* True when the attributes in [data, data + len) are well formed and exactly fill it. */
bool tc_attrs_fill(const void *data, size_t len);

/* Start a RTM_NEWQDISC request in buf as tc's "qdisc add dev lo root" would: the header and tcmsg, no
 * attributes yet. */
struct nlmsghdr *tc_qdisc_request(uint8_t *buf);

/* The TCA_OPTIONS of a whole RTM_NEWQDISC message of this TCA_KIND, after checking its framing; NULL (with the
 * reason on stderr) when it is not one. */
const struct nlattr *tc_find_options(const struct nlmsghdr *nlh, size_t len, const char *kind);
