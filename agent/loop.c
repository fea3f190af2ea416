/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "macro.h"

typedef struct LoopSource {
        loop_fd_cb cb;
        void *userdata;
        uint32_t generation;    /* tells a stale event for a reused fd number from a fresh one */
        bool used;
} LoopSource;

struct Loop {
        int epfd;
        bool quit;
        int code;
        LoopSource sources[LOOP_FDS_MAX];
};

Loop *loop_free(Loop *l) {
        if (!l)
                return NULL;
        safe_close(l->epfd);
        free(l);
        return NULL;
}

int loop_new(Loop **ret) {
        Loop *l = calloc(1, sizeof(*l));

        if (!l)
                return -ENOMEM;
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epfd < 0) {
                int k = negative_errno();
                free(l);
                return k;
        }
        *ret = l;
        return 0;
}

static uint64_t source_tag(Loop *l, int fd) {
        return (uint64_t) l->sources[fd].generation << 32 | (uint32_t) fd;
}

int loop_add(Loop *l, int fd, uint32_t events, loop_fd_cb cb, void *userdata) {
        struct epoll_event ev = { .events = events };
        uint32_t generation;

        if (fd < 0 || fd >= LOOP_FDS_MAX)
                return -EMFILE;
        generation = l->sources[fd].generation + 1;
        l->sources[fd] = (LoopSource) { .cb = cb, .userdata = userdata, .generation = generation, .used = true };
        ev.data.u64 = source_tag(l, fd);
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                l->sources[fd].used = false;
                return negative_errno();
        }
        return 0;
}

int loop_modify(Loop *l, int fd, uint32_t events) {
        struct epoll_event ev = { .events = events, .data.u64 = source_tag(l, fd) };

        if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
                return negative_errno();
        return 0;
}

void loop_remove(Loop *l, int fd) {
        if (fd < 0 || fd >= LOOP_FDS_MAX || !l->sources[fd].used)
                return;
        (void) epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
        l->sources[fd].used = false;
        l->sources[fd].cb = NULL;
        l->sources[fd].userdata = NULL;
}

void loop_quit(Loop *l, int code) {
        l->quit = true;
        l->code = code;
}

int loop_run(Loop *l) {
        struct epoll_event events[64];

        while (!l->quit) {
                int n = epoll_wait(l->epfd, events, ELEMENTSOF(events), -1);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "epoll_wait() failed: %m");
                }
                for (int i = 0; i < n && !l->quit; i++) {
                        int fd = (int) (uint32_t) events[i].data.u64;
                        uint32_t generation = (uint32_t) (events[i].data.u64 >> 32);
                        LoopSource *s = &l->sources[fd];

                        /* A callback earlier in this round may have closed this fd, and another may have opened a
                         * new one with the same number. */
                        if (!s->used || s->generation != generation)
                                continue;
                        s->cb(l, fd, s->userdata, events[i].events);
                }
        }
        return l->code;
}

void loop_spare_take(int *spare_fd) {
        if (*spare_fd < 0)
                *spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int loop_refuse_one(int listen_fd, int *spare_fd, const void *reply, size_t len) {
        int cfd;

        loop_spare_take(spare_fd);
        if (*spare_fd < 0)
                return -EMFILE;
        *spare_fd = safe_close(*spare_fd);
        cfd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd >= 0) {
                (void) send(cfd, reply, len, MSG_NOSIGNAL | MSG_DONTWAIT);
                safe_close(cfd);
        }
        loop_spare_take(spare_fd);
        return cfd >= 0;
}
