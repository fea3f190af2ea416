/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "log.h"
#include "macro.h"
#include "netns.h"
#include "rtnl.h"

struct Rtnl {
        struct mnl_socket *nl;
        uint32_t portid;
        uint32_t seq;
        char *buf;              /* the batch being built */
        size_t used;            /* bytes of the finished messages, before 'last' */
        struct nlmsghdr *last;  /* the message being built */
        unsigned n;
        uint32_t first_seq;
        char *rbuf;             /* replies */
};

Rtnl *rtnl_free(Rtnl *r) {
        if (!r)
                return NULL;
        if (r->nl)
                mnl_socket_close(r->nl);
        free(r->buf);
        free(r->rbuf);
        free(r);
        return NULL;
}

/* A new Rtnl around nl (taken, even on failure): its buffers, and the socket options every Rtnl has. */
static int rtnl_new(struct mnl_socket *nl, Rtnl **ret) {
        _cleanup_(rtnl_freep) Rtnl *r = NULL;
        int one = 1, sndbuf = (int) RTNL_BUFFER_SIZE * 2;

        r = calloc(1, sizeof(*r));
        if (!r) {
                mnl_socket_close(nl);
                return -ENOMEM;
        }
        r->nl = nl;
        r->buf = malloc(RTNL_BUFFER_SIZE);
        r->rbuf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
        if (!r->buf || !r->rbuf)
                return -ENOMEM;

        /* The kernel's own words for a refusal ("Specified qdisc kind is unknown") beat a bare errno; and
         * capped acks keep a big request (a netem distribution table) from being echoed back. */
        (void) mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
        /* Best effort: without CAP_NET_ADMIN the default still carries every ordinary batch. The receive side
         * too: the kernel answers a whole batch (up to 194 messages for a full tree) before we read, and an ack
         * lost to an overrun would make a change the kernel made look failed. */
        (void) setsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
        (void) setsockopt(mnl_socket_get_fd(r->nl), SOL_SOCKET, SO_RCVBUFFORCE, &sndbuf, sizeof(sndbuf));

        r->portid = mnl_socket_get_portid(r->nl);
        r->seq = (uint32_t) time(NULL);
        *ret = TAKE_PTR(r);
        return 0;
}

int rtnl_open(Rtnl **ret) {
        struct mnl_socket *nl;

        nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!nl)
                return negative_errno();
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int k = negative_errno();

                mnl_socket_close(nl);
                return k;
        }
        return rtnl_new(nl, ret);
}

int rtnl_adopt(int fd, Rtnl **ret) {
        struct mnl_socket *nl;

        nl = mnl_socket_fdopen(fd);
        if (!nl) {
                int k = errno > 0 ? -errno : -EINVAL;

                safe_close(fd);
                return k;
        }
        return rtnl_new(nl, ret);
}

static int open_cb(void *userdata) {
        return rtnl_open(userdata);
}

int rtnl_open_in_netns(int netns_fd, Rtnl **ret) {
        Rtnl *r = NULL;
        int k;

        k = netns_run(netns_fd, open_cb, &r);
        if (k < 0)
                return k;
        *ret = r;
        return 0;
}

int rtnl_fd(const Rtnl *r) {
        return mnl_socket_get_fd(r->nl);
}

int rtnl_netns_get(RtnlNetns *n, Rtnl **ret) {
        int k;

        if (!n->rtnl) {
                if (n->route_fd >= 0)
                        k = rtnl_adopt(TAKE_FD(n->route_fd), &n->rtnl);
                else
                        k = rtnl_open_in_netns(n->fd, &n->rtnl);
                if (k < 0)
                        return k;
        }
        *ret = n->rtnl;
        return 0;
}

void rtnl_netns_done(RtnlNetns *n) {
        n->rtnl = rtnl_free(n->rtnl);
        n->route_fd = safe_close(n->route_fd);
        n->fd = safe_close(n->fd);
}

void rtnl_batch_reset(Rtnl *r) {
        r->used = 0;
        r->last = NULL;
        r->n = 0;
}

/* Bytes of the whole batch, the message being built included. */
static size_t batch_length(Rtnl *r) {
        return r->used + (r->last ? MNL_ALIGN(r->last->nlmsg_len) : 0);
}

unsigned rtnl_batch_size(Rtnl *r) {
        return r->n;
}

struct nlmsghdr *rtnl_message(Rtnl *r, uint16_t type, uint16_t flags) {
        struct nlmsghdr *nlh;

        if (r->n >= RTNL_BATCH_MAX || RTNL_BUFFER_SIZE - batch_length(r) < RTNL_MESSAGE_MIN_ROOM)
                return NULL;

        r->used = batch_length(r);
        nlh = mnl_nlmsg_put_header(r->buf + r->used);
        r->last = nlh;
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        nlh->nlmsg_seq = ++r->seq;
        if (r->n == 0)
                r->first_seq = nlh->nlmsg_seq;
        r->n++;
        return nlh;
}

/* A message in the batch with its family header (tcmsg, ifinfomsg) zeroed in place. */
static struct nlmsghdr *message_with_header(Rtnl *r, uint16_t type, uint16_t flags, size_t header_len,
                                            void **ret_header) {
        struct nlmsghdr *nlh = rtnl_message(r, type, flags);

        if (nlh)
                *ret_header = mnl_nlmsg_put_extra_header(nlh, header_len);
        return nlh;
}

struct nlmsghdr *rtnl_tc_message(Rtnl *r, uint16_t type, uint16_t flags, int ifindex, uint32_t parent,
                                 uint32_t handle, uint32_t info) {
        struct tcmsg *tcm;
        struct nlmsghdr *nlh = message_with_header(r, type, flags, sizeof(*tcm), (void **) &tcm);

        if (nlh)
                *tcm = (struct tcmsg) { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent,
                                        .tcm_handle = handle, .tcm_info = info };
        return nlh;
}

struct nlmsghdr *rtnl_link_message(Rtnl *r, uint16_t type, uint16_t flags, int ifindex) {
        struct ifinfomsg *ifi;
        struct nlmsghdr *nlh = message_with_header(r, type, flags, sizeof(*ifi), (void **) &ifi);

        if (nlh)
                *ifi = (struct ifinfomsg) { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
        return nlh;
}

size_t rtnl_message_room(Rtnl *r, const struct nlmsghdr *nlh) {
        size_t off = (const char *) nlh - r->buf;
        return RTNL_BUFFER_SIZE - off;
}

void rtnl_parse_extack(const struct nlmsghdr *nlh, RtnlError *e) {
        const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
        const struct nlattr *attr;
        size_t off;

        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
                return;

        /* The TLVs follow the nlmsgerr and, unless capped, the whole echoed request. */
        off = sizeof(*err);
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
                if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
                        return;
                off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
        }
        if (off > mnl_nlmsg_get_payload_len(nlh))
                return;

        mnl_attr_for_each(attr, nlh, off) {
                if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
                    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
                        snprintf(e->message, sizeof(e->message), "%s", mnl_attr_get_str(attr));
                        return;
                }
        }
}

int rtnl_ack_error(const struct nlmsghdr *nlh) {
        const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

        if (mnl_nlmsg_get_payload_len(nlh) < sizeof(err->error))
                return -EBADMSG;
        return err->error;
}

static void record_error(RtnlError *e, int error, int index, const struct nlmsghdr *nlh) {
        if (!e || e->error != 0)
                return;
        e->error = error;
        e->index = index;
        e->message[0] = 0;
        if (nlh)
                rtnl_parse_extack(nlh, e);
}

int rtnl_batch_commit(Rtnl *r, int *results, RtnlError *ret_err) {
        RtnlError first = {};
        unsigned pending = r->n, n = r->n;
        uint32_t first_seq = r->first_seq;
        size_t len;

        if (n == 0)
                return 0;

        len = batch_length(r);
        rtnl_batch_reset(r);

        if (results)
                for (unsigned i = 0; i < n; i++)
                        results[i] = RTNL_RESULT_UNKNOWN;

        if (mnl_socket_sendto(r->nl, r->buf, len) < 0) {
                int k = negative_errno();
                record_error(&first, k, 0, NULL);
                if (ret_err)
                        *ret_err = first;
                return k;
        }

        while (pending > 0) {
                ssize_t got = mnl_socket_recvfrom(r->nl, r->rbuf, MNL_SOCKET_BUFFER_SIZE * 4);
                const struct nlmsghdr *nlh;
                int len_left;

                if (got < 0) {
                        int k = negative_errno();
                        record_error(&first, k, -1, NULL);
                        break;
                }

                len_left = (int) got;
                for (nlh = (const struct nlmsghdr *) r->rbuf; mnl_nlmsg_ok(nlh, len_left);
                     nlh = mnl_nlmsg_next(nlh, &len_left)) {
                        uint32_t idx;
                        int error;

                        if (nlh->nlmsg_pid != r->portid || nlh->nlmsg_type != NLMSG_ERROR)
                                continue;
                        idx = nlh->nlmsg_seq - first_seq;
                        if (idx >= n)
                                continue; /* a stale reply from an earlier exchange */

                        error = rtnl_ack_error(nlh);
                        if (results)
                                results[idx] = error;
                        if (error != 0)
                                record_error(&first, error, (int) idx, nlh);
                        pending--;
                }
        }

        if (ret_err)
                *ret_err = first;
        return first.error;
}

struct nlmsghdr *rtnl_request(Rtnl *r, uint16_t type, uint16_t flags) {
        struct nlmsghdr *nlh;

        rtnl_batch_reset(r);
        nlh = mnl_nlmsg_put_header(r->buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | flags;
        nlh->nlmsg_seq = ++r->seq;
        return nlh;
}

/* A dump is read to its NLMSG_DONE even when the caller's answer is known before (cb stopped or failed, a message
 * too large for the buffer): the socket serves the rest of the request (RtnlNetns), and a dump left running in the
 * kernel would make its next dump fail with -EBUSY behind the unread messages. */
int rtnl_call(Rtnl *r, struct nlmsghdr *nlh, int (*cb)(const struct nlmsghdr *nlh, void *userdata), void *userdata,
              RtnlError *ret_err) {
        bool dump = nlh->nlmsg_flags & NLM_F_DUMP, decided = false;
        RtnlError first = {};
        uint32_t seq = nlh->nlmsg_seq;
        int k, result = 0;

        if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
                return negative_errno();

        for (;;) {
                ssize_t got = mnl_socket_recvfrom(r->nl, r->rbuf, MNL_SOCKET_BUFFER_SIZE * 4);
                const struct nlmsghdr *h;
                int left;

                if (got < 0) {
                        k = negative_errno();
                        /* A truncated message is consumed all the same, and the rest of the dump still comes. */
                        if (!dump || k != -ENOSPC)
                                return decided ? result : k;
                        if (!decided)
                                result = k;
                        decided = true;
                        continue;
                }

                left = (int) got;
                for (h = (const struct nlmsghdr *) r->rbuf; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
                        if (h->nlmsg_seq != seq || h->nlmsg_pid != r->portid)
                                continue;
                        if (h->nlmsg_type == NLMSG_DONE)
                                return result;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                int error = rtnl_ack_error(h);

                                if (decided || error == 0)
                                        return decided ? result : 0;
                                record_error(&first, error, 0, h);
                                if (ret_err)
                                        *ret_err = first;
                                return error;
                        }
                        if (cb && !decided) {
                                k = cb(h, userdata);
                                if (k < MNL_CB_OK || k == MNL_CB_STOP) {
                                        result = k < MNL_CB_OK ? -EIO : 0;
                                        decided = true;
                                }
                        }
                        if (!(h->nlmsg_flags & NLM_F_MULTI) && !(nlh->nlmsg_flags & NLM_F_ACK))
                                return result;
                }
        }
}

void rtnl_error_format(const RtnlError *e, char *buf, size_t len) {
        /* The kernel's extended ack when it gave one; data.errno carries the number either way. */
        snprintf(buf, len, "%s", e->message[0] ? e->message : strerror(-e->error));
}

int rtnl_batch_commit_queued(Rtnl *r, int queued, RtnlError *ret_err) {
        if (queued < 0) {
                rtnl_batch_reset(r);
                return queued;
        }
        return rtnl_batch_commit(r, NULL, ret_err);
}
