/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "macro.h"
#include "peer.h"
#include "ratelimit.h"
#include "server.h"
#include "time-util.h"

typedef struct Client {
        Server *server;
        int fd;
        LineBuffer in;
        Buf out;                /* replies not yet sent */
        bool closing;           /* flush what is queued, then close */
        int64_t last_active_ns; /* CLOCK_MONOTONIC of its last complete request, or of its last reply taken */
        PeerCred peer;
        struct Client *next;
} Client;

struct Server {
        Loop *loop;
        int fd;
        char *path;
        int idle_fd;            /* timerfd: the idle check */
        ServerOptions opts;
        char *group;
        server_dispatch_fn dispatch;
        void *userdata;
        Client *clients;
        unsigned n_clients;
        int spare_fd;           /* /dev/null, held back so that a client can be told when we are out of fds */
        bool accept_paused;     /* out of fds and no spare: not listening until a client goes or the idle tick */
        unsigned n_refused_fds; /* clients refused for want of an fd since it began, 0: not out of fds */
        RateLimit refused_log;  /* clients refused or evicted: each is a connect() away */
};

/* Up to 5 lines in 10 s, then one that says how many were left out. */
#define SERVER_LOG_INTERVAL_NS ((int64_t) (10 * NSEC_PER_SEC))
#define SERVER_LOG_BURST 5

static bool refused_log_below(Server *s, char *note, size_t size) {
        unsigned missed;

        if (!ratelimit_below(&s->refused_log, now_ns(CLOCK_MONOTONIC), &missed))
                return false;
        if (missed > 0)
                snprintf(note, size, " (%u more refused or evicted not logged)", missed);
        else
                note[0] = 0;
        return true;
}

static void accept_resume(Server *s) {
        loop_spare_take(&s->spare_fd); /* when it was lost (ENFILE, or another taking its number first) */
        if (!s->accept_paused)
                return;
        if (loop_modify(s->loop, s->fd, EPOLLIN) < 0)
                return; /* the next tick tries again */
        s->accept_paused = false;
}

static void client_free(Client *c) {
        Server *s = c->server;

        for (Client **p = &s->clients; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        s->n_clients--;
        loop_remove(s->loop, c->fd);
        safe_close(c->fd);
        line_buffer_done(&c->in);
        buf_done(&c->out);
        free(c);
        accept_resume(s); /* an fd is free again */
}

static int client_queue(Client *c, const char *data, size_t n) {
        /* The cap is on replies piling up unread, not on one reply: a large fault.list always goes out. */
        if (c->out.len > 0 && c->out.len + n > SERVER_OUTPUT_MAX)
                return -ENOBUFS;
        return buf_append(&c->out, data, n);
}

/* Write what we can without blocking. Returns 1 when everything went out, 0 when some is left, <0 on error. */
static int client_flush(Client *c) {
        while (c->out.len > 0) {
                ssize_t w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (w < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return 0;
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                buf_consume(&c->out, (size_t) w);
                c->last_active_ns = now_ns(CLOCK_MONOTONIC);
        }
        return 1;
}

static void client_update_events(Client *c) {
        /* A closing client only waits to drain its replies: RDHUP (level-triggered) would fire on every pass for
         * a peer that half-closed and never reads, spinning the loop. */
        uint32_t events = c->closing ? 0 : EPOLLIN | EPOLLRDHUP;

        if (c->out.len > 0)
                events |= EPOLLOUT;
        (void) loop_modify(c->server->loop, c->fd, events);
}

static void client_reply(Client *c, char *line) {
        if (!line || client_queue(c, line, strlen(line)) < 0) {
                /* Out of memory, or a client that does not read its replies: drop it. */
                c->closing = true;
                buf_consume(&c->out, c->out.len);
        }
        free(line);
}

static void client_handle_line(Client *c, const char *line, size_t len) {
        Server *s = c->server;
        char *reply = NULL;

        if (rpc_line_process(line, len, s->dispatch, s->userdata, &reply) < 0)
                client_reply(c, NULL);
        else if (reply)
                client_reply(c, reply);
}

/* At the client limit, make room by closing the client idle the longest (nothing half-read, nothing to send):
 * connections that never speak cannot lock everybody else out. */
static bool evict_idle(Server *s) {
        Client *victim = NULL;
        char note[64];

        for (Client *c = s->clients; c; c = c->next)
                if (!c->closing && c->in.len == c->in.start && c->out.len == 0 &&
                    (!victim || c->last_active_ns < victim->last_active_ns))
                        victim = c;
        if (!victim)
                return false;
        if (refused_log_below(s, note, sizeof note))
                log_info("Closing the client idle the longest to admit a new one (%d clients)%s", SERVER_CLIENTS_MAX,
                         note);
        client_free(victim);
        return true;
}

static void client_read(Client *c) {
        char buf[65536];
        ssize_t n;

        n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return;
                c->closing = true;
                return;
        }
        if (n == 0) {
                c->closing = true;
                return;
        }
        if (line_buffer_append(&c->in, buf, (size_t) n) < 0) {
                c->closing = true;
                return;
        }

        for (;;) {
                _cleanup_free_ char *line = NULL;
                size_t len;
                int k = line_buffer_pop(&c->in, &line, &len);

                if (k == 0)
                        break;
                if (k < 0) {
                        RpcError err = {};

                        /* Framing is lost beyond this point: answer once, then hang up. */
                        rpc_error_set(&err, RPC_INVALID_REQUEST, "Request line too long");
                        err.data = cJSON_CreateObject();
                        cJSON_AddNumberToObject(err.data, "max_bytes", RPC_LINE_MAX);
                        client_reply(c, rpc_reply_error(NULL, &err));
                        rpc_error_done(&err);
                        c->closing = true;
                        break;
                }
                c->last_active_ns = now_ns(CLOCK_MONOTONIC);
                client_handle_line(c, line, len);
                if (c->closing)
                        break;
        }
}

static void client_event(Loop *loop, int fd, void *userdata, uint32_t events) {
        Client *c = userdata;
        int k;

        if ((events & EPOLLIN) && !c->closing)
                client_read(c);
        else if (events & (EPOLLHUP | EPOLLERR))
                c->closing = true;

        k = client_flush(c);
        if (k < 0 || (c->closing && (k == 1 || (events & (EPOLLHUP | EPOLLERR))))) {
                client_free(c);
                return;
        }
        client_update_events(c);
}

/* Sent at once on connect, before the client speaks: then the connection is closed. */
static void refuse(Server *s, int fd, const PeerCred *p) {
        _cleanup_free_ char *line = NULL;
        RpcError err = {};
        char message[200], note[64];

        snprintf(message, sizeof message, "uid %u is not root and not in group %s", (unsigned) p->uid, s->group);
        if (refused_log_below(s, note, sizeof note))
                log_warning("Refused a client: %s (pid %d)%s", message, (int) p->pid, note);
        rpc_error_set(&err, RPC_NOT_PERMITTED, message);
        err.data = cJSON_CreateObject();
        if (err.data) {
                cJSON_AddNumberToObject(err.data, "uid", p->uid);
                cJSON_AddNumberToObject(err.data, "pid", p->pid);
                cJSON_AddStringToObject(err.data, "group", s->group);
        }
        line = rpc_reply_error(NULL, &err);
        rpc_error_done(&err);
        if (line)
                (void) send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* accept() failed with EMFILE or ENFILE (it takes the fd before it looks at the backlog, so an empty backlog says
 * so too): answer one waiting client from the spare fd (loop_refuse_one). Returns true when a client was turned away
 * (more may wait); false when none waits, or when there is no spare to give, and then the socket is paused until a
 * client goes or the next idle tick. */
static bool out_of_fds(Server *s, int error) {
        char reply[200];
        int n, k;

        n = snprintf(reply, sizeof reply,
                     "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":%d,"
                     "\"message\":\"Out of file descriptors; try again\",\"data\":{\"errno\":\"%s\"}}}\n",
                     RPC_INTERNAL_ERROR, error == ENFILE ? "ENFILE" : "EMFILE");
        k = loop_refuse_one(s->fd, &s->spare_fd, reply, (size_t) n);
        if (k > 0 && s->n_refused_fds++ == 0)
                log_warning_errno(error, "Out of file descriptors, refusing clients until some are free: %m");
        if (k >= 0)
                return k > 0;
        log_warning_errno(error, "Out of file descriptors with none in reserve, not accepting clients for up to 1 s: %m");
        if (loop_modify(s->loop, s->fd, 0) == 0)
                s->accept_paused = true;
        return false;
}

static void server_accept(Loop *loop, int fd, void *userdata, uint32_t events) {
        Server *s = userdata;

        for (;;) {
                _cleanup_close_ int cfd = -EBADF;
                PeerCred peer = {};
                Client *c;
                int k;

                cfd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        k = errno;
                        if (k == EMFILE || k == ENFILE) {
                                if (out_of_fds(s, k))
                                        continue;
                        } else if (k != EAGAIN && k != EINTR)
                                log_warning_errno(k, "Failed to accept a client: %m");
                        return;
                }
                if (s->n_refused_fds > 0) {
                        log_info("Accepting clients again: %u refused for want of file descriptors", s->n_refused_fds);
                        s->n_refused_fds = 0;
                }
                loop_spare_take(&s->spare_fd);
                k = peer_check(cfd, s->opts.socket_gid, &peer);
                if (k < 0) {
                        log_warning_errno(k, "Failed to read a client's credentials, closing it: %m");
                        continue;
                }
                if (k == 0) {
                        refuse(s, cfd, &peer);
                        continue;
                }
                if (s->n_clients >= SERVER_CLIENTS_MAX && !evict_idle(s)) {
                        static const char busy[] =
                                "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
                                "\"message\":\"Too many clients\",\"data\":{\"max_clients\":256}}}\n";
                        char note[64];

                        (void) send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (refused_log_below(s, note, sizeof note))
                                log_warning("Refused a client: %u clients connected already%s", s->n_clients, note);
                        continue;
                }

                c = calloc(1, sizeof(*c));
                if (!c)
                        return;
                c->server = s;
                c->fd = cfd;
                c->peer = peer;
                c->last_active_ns = now_ns(CLOCK_MONOTONIC);
                line_buffer_init(&c->in, RPC_LINE_MAX);
                if (loop_add(s->loop, cfd, EPOLLIN | EPOLLRDHUP, client_event, c) < 0) {
                        line_buffer_done(&c->in);
                        free(c);
                        return;
                }
                TAKE_FD(cfd);
                c->next = s->clients;
                s->clients = c;
                s->n_clients++;
        }
}

/* A connection that holds a slot and does nothing, a request half-sent or replies left unread, goes. */
static void server_idle_check(Loop *loop, int fd, void *userdata, uint32_t events) {
        Server *s = userdata;
        int64_t now = now_ns(CLOCK_MONOTONIC);
        uint64_t ticks;
        Client *next;

        (void) read(fd, &ticks, sizeof(ticks));
        accept_resume(s);
        for (Client *c = s->clients; c; c = next) {
                next = c->next;
                if (now - c->last_active_ns < s->opts.idle_timeout_ns)
                        continue;
                log_info("Closing an idle client (uid %u, pid %d): no request for %" PRIi64 " ms",
                         (unsigned) c->peer.uid, (int) c->peer.pid, (now - c->last_active_ns) / (int64_t) NSEC_PER_MSEC);
                client_free(c);
        }
}

static int idle_timer_new(Server *s) {
        /* A quarter of the timeout between checks: a client goes at most 25% late. */
        int64_t every = s->opts.idle_timeout_ns / 4;
        struct itimerspec its;

        if (every > (int64_t) NSEC_PER_SEC)
                every = NSEC_PER_SEC;
        if (every < (int64_t) NSEC_PER_MSEC)
                every = NSEC_PER_MSEC;
        its.it_interval = (struct timespec) { .tv_sec = every / (int64_t) NSEC_PER_SEC,
                                              .tv_nsec = every % (int64_t) NSEC_PER_SEC };
        its.it_value = its.it_interval;
        s->idle_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (s->idle_fd < 0)
                return negative_errno();
        if (timerfd_settime(s->idle_fd, 0, &its, NULL) < 0)
                return negative_errno();
        return loop_add(s->loop, s->idle_fd, EPOLLIN, server_idle_check, s);
}

static int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *copy = strdup(path);
        char *dir;

        if (!copy)
                return -ENOMEM;
        dir = dirname(copy);
        if (strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0)
                return 0;
        if (mkdir(dir, mode) < 0) {
                if (errno == ENOENT) {
                        int k = mkdir_parents(dir, 0755);

                        if (k < 0)
                                return k;
                        if (mkdir(dir, mode) < 0 && errno != EEXIST)
                                return negative_errno();
                } else if (errno != EEXIST)
                        return negative_errno();
                else
                        return 0; /* an existing directory keeps the mode its owner gave it */
        }
        /* mkdir() honours the umask; the mode is part of the contract. */
        if (chmod(dir, mode) < 0)
                return negative_errno();
        return 1;
}

/* Is somebody answering on this socket path? */
static int socket_alive(const struct sockaddr_un *sa, socklen_t len) {
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return negative_errno();
        if (connect(fd, (const struct sockaddr *) sa, len) == 0)
                return 1;
        return errno == ECONNREFUSED || errno == ENOENT ? 0 : negative_errno();
}

/* Takes fd in every case. path: the socket we bound and unlink at the end, or NULL for one we were given. */
static int server_attach(Loop *loop, int fd, const char *path, const ServerOptions *opts, server_dispatch_fn fn,
                         void *userdata, Server **ret) {
        Server *s;
        int k;

        s = calloc(1, sizeof(*s));
        if (!s) {
                safe_close(fd);
                return -ENOMEM;
        }
        s->fd = fd;
        s->path = path ? strdup(path) : NULL;
        s->group = strdup(opts->socket_group);
        s->opts = *opts;
        s->opts.socket_group = NULL;
        if (s->opts.idle_timeout_ns <= 0)
                s->opts.idle_timeout_ns = SERVER_IDLE_TIMEOUT_NS;
        s->idle_fd = -EBADF;
        s->spare_fd = -EBADF;
        loop_spare_take(&s->spare_fd);
        s->refused_log = RATELIMIT_INIT(SERVER_LOG_INTERVAL_NS, SERVER_LOG_BURST);
        s->loop = loop;
        s->dispatch = fn;
        s->userdata = userdata;
        if ((path && !s->path) || !s->group) {
                server_free(s);
                return -ENOMEM;
        }
        if (s->spare_fd < 0) {
                k = log_error_errno(errno, "Failed to open /dev/null: %m");
                server_free(s);
                return k;
        }

        k = loop_add(loop, s->fd, EPOLLIN, server_accept, s);
        if (k >= 0)
                k = idle_timer_new(s);
        if (k < 0) {
                server_free(s);
                return k;
        }
        *ret = s;
        return 0;
}

int server_new(Loop *loop, const char *path, const ServerOptions *opts, server_dispatch_fn fn, void *userdata,
               Server **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int fd = -EBADF;
        socklen_t salen;
        mode_t old;
        int k;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        salen = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;

        if (!dir)
                return -ENOMEM;
        k = mkdir_parents(path, 0750);
        if (k < 0)
                return log_error_errno(k, "Failed to create the directory of %s: %m", path);
        if (k > 0 && chown(dirname(dir), (uid_t) -1, opts->socket_gid) < 0)
                return log_error_errno(errno, "Failed to give %s to group %s: %m", dir, opts->socket_group);

        k = socket_alive(&sa, salen);
        if (k > 0)
                return log_error_errno(EADDRINUSE, "Another chaosletd is already listening on %s", path);
        if (k == 0 && unlink(path) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove the stale socket %s: %m", path);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create a socket: %m");

        /* Born 0660: no window in which the socket is more open than that. */
        old = umask(0117);
        k = bind(fd, (struct sockaddr *) &sa, salen);
        umask(old);
        if (k < 0)
                return log_error_errno(errno, "Failed to bind %s: %m", path);
        if (chown(path, (uid_t) -1, opts->socket_gid) < 0) {
                k = log_error_errno(errno, "Failed to give %s to group %s: %m", path, opts->socket_group);
                (void) unlink(path);
                return k;
        }
        if (listen(fd, 64) < 0)
                return log_error_errno(errno, "Failed to listen on %s: %m", path);

        return server_attach(loop, TAKE_FD(fd), path, opts, fn, userdata, ret);
}

int server_new_listening(Loop *loop, int fd, const ServerOptions *opts, server_dispatch_fn fn, void *userdata,
                         Server **ret) {
        return server_attach(loop, fd, NULL, opts, fn, userdata, ret);
}

Server *server_free(Server *s) {
        if (!s)
                return NULL;
        while (s->clients)
                client_free(s->clients);
        loop_remove(s->loop, s->fd);
        safe_close(s->fd);
        loop_remove(s->loop, s->idle_fd);
        safe_close(s->idle_fd);
        safe_close(s->spare_fd);
        if (s->path)
                (void) unlink(s->path);
        free(s->path);
        free(s->group);
        free(s);
        return NULL;
}
