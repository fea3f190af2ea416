/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct nlmsghdr;

/* The rtnetlink write path (libmnl). One socket lives in one network namespace: the one current when it was
 * opened. Messages are collected into a batch and sent with one sendmsg; the kernel handles them in order and
 * acks each, so the caller learns which succeeded and can undo exactly those. */

/* Batch headroom, the rule every caller follows:
 *   - A change goes to the kernel as one batch, or not at all. The result of every rtnl_message() and
 *     *_queue_*() of a change is checked; a full batch (NULL, -ENOBUFS) means rtnl_batch_reset() and an error,
 *     never committing the part that fitted (a tree without its filter would pass every packet unclassified).
 *     Undoing a change queues small deletes into an empty batch, which always fit.
 *   - The largest batch chaoslet builds is one whole tree: root, filter, and per fault a class, its leaf and the
 *     leaf's child (a netem with a tbf under it), 2 + 3 x TREE_CLASSES_MAX = 194 messages (tree.c asserts it
 *     fits).
 *   - A netem leaf with a distribution table is about 8.4 KiB, a tbf with a peak rate 2.2 KiB (two 1 KiB rate
 *     tables), the rest well under 1 KiB: a full tree needs about 700 KiB, and every message starts with
 *     RTNL_MESSAGE_MIN_ROOM free. The socket's send buffer is raised to match, or the kernel refuses a batch
 *     larger than net.core.wmem_default. */
#define RTNL_BATCH_MAX 256
#define RTNL_BUFFER_SIZE (1024u * 1024u)
#define RTNL_MESSAGE_MIN_ROOM (16u * 1024u)

typedef struct Rtnl Rtnl;

/* The first failure in a batch: which message, its -errno, and the kernel's extended ack text. */
typedef struct RtnlError {
        int error;
        int index;
        char message[256];
} RtnlError;

/* An NLMSG_ERROR reply (nlmsg_len already checked against what was received): its error, 0 for an ack, or
 * -EBADMSG when it is too short to hold one. */
int rtnl_ack_error(const struct nlmsghdr *nlh);
/* The kernel's extended-ack message of such a reply, when it has one, into e->message. Bounded by nlmsg_len, whatever
 * the reply says of itself (the fuzzer's fuzz-extack feeds it crafted ones). */
void rtnl_parse_extack(const struct nlmsghdr *nlh, RtnlError *e);

int rtnl_open(Rtnl **ret);
/* Open the socket inside the namespace behind netns_fd, and come back. */
int rtnl_open_in_netns(int netns_fd, Rtnl **ret);
/* Around fd, a bound NETLINK_ROUTE socket made elsewhere (netns_open_path()): taken, even on failure. */
int rtnl_adopt(int fd, Rtnl **ret);
Rtnl *rtnl_free(Rtnl *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Rtnl *, rtnl_free);
/* The socket, for a library that talks on it in turn (links.c's libnl dump): between two calls of ours, whatever
 * was asked on it has been answered in full. */
int rtnl_fd(const Rtnl *r);

/* A target namespace for the length of one request, and rtnetlink in it, made at most once: from the socket that
 * identifying the namespace left (netns_open_path()'s ret_route_fd) when there is one, else on a visit. Owns all
 * three; rtnl_netns_done() closes them. Never kept past the request: its fds would keep the namespace alive. */
typedef struct RtnlNetns {
        int fd;                 /* the namespace; -EBADF: none (a change of the classifier's map alone) */
        int route_fd;           /* until rtnl_netns_get() takes it */
        Rtnl *rtnl;
} RtnlNetns;

#define RTNL_NETNS_NULL ((RtnlNetns) { .fd = -EBADF, .route_fd = -EBADF })

int rtnl_netns_get(RtnlNetns *n, Rtnl **ret);
void rtnl_netns_done(RtnlNetns *n);

/* Start a new message in the batch. NLM_F_REQUEST|NLM_F_ACK are added to flags. Returns NULL when the batch is
 * full. The payload is built with libmnl (mnl_nlmsg_put_extra_header, mnl_attr_put...). */
struct nlmsghdr *rtnl_message(Rtnl *r, uint16_t type, uint16_t flags);
/* A traffic-control message (qdisc, class, filter) in the batch: the tcmsg header filled in, attributes to follow. */
struct nlmsghdr *rtnl_tc_message(Rtnl *r, uint16_t type, uint16_t flags, int ifindex, uint32_t parent,
                                 uint32_t handle, uint32_t info);
/* A link message (RTM_NEWLINK, RTM_DELLINK) in the batch: the ifinfomsg header filled in, attributes to follow. */
struct nlmsghdr *rtnl_link_message(Rtnl *r, uint16_t type, uint16_t flags, int ifindex);
/* Room left in the buffer for the message being built, for encoders that check sizes. */
size_t rtnl_message_room(Rtnl *r, const struct nlmsghdr *nlh);
unsigned rtnl_batch_size(Rtnl *r);
void rtnl_batch_reset(Rtnl *r);

/* A message whose ack never came (the receive failed): it may or may not have been applied, so undo it. */
#define RTNL_RESULT_UNKNOWN 1

/* Send the batch and wait for every ack. results (may be NULL) receives 0, -errno, or RTNL_RESULT_UNKNOWN per
 * message, in order; a caller undoing a batch undoes every message whose result is >= 0.
 * Returns 0 when all succeeded, else the first failure's -errno with *ret_err describing it. The batch is
 * empty afterwards. */
int rtnl_batch_commit(Rtnl *r, int *results, RtnlError *ret_err);
/* Commit what was just queued by a rtnl-queueing call that returned queued. A message that did not fit
 * (queued < 0) fails the whole change: the batch is reset and nothing goes out. */
int rtnl_batch_commit_queued(Rtnl *r, int queued, RtnlError *ret_err);

/* One request with a reply callback, used for dumps (NLM_F_DUMP) and gets. cb returns MNL_CB_* */
int rtnl_call(Rtnl *r, struct nlmsghdr *nlh, int (*cb)(const struct nlmsghdr *nlh, void *userdata), void *userdata,
              RtnlError *ret_err);
/* A standalone message buffer for rtnl_call. */
struct nlmsghdr *rtnl_request(Rtnl *r, uint16_t type, uint16_t flags);

void rtnl_error_format(const RtnlError *e, char *buf, size_t len);
