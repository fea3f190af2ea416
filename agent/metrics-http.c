/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "macro.h"
#include "metrics-http.h"
#include "time-util.h"

#if HAVE_MICROHTTPD
#include <microhttpd.h>

/* libmicrohttpd is loaded when --metrics-address asks for it, not linked: linked, it brings gnutls, p11-kit,
 * nettle, gmp, libidn2 and libunistring into every agent, metrics or not, and its start-up RSS went from 3.6 to
 * 6.3 MiB (bench-scale). What it is called through: */
static struct {
        typeof(MHD_start_daemon) *start_daemon;
        typeof(MHD_stop_daemon) *stop_daemon;
        typeof(MHD_run) *run;
        typeof(MHD_get_timeout) *get_timeout;
        typeof(MHD_get_daemon_info) *get_daemon_info;
        typeof(MHD_create_response_from_buffer) *create_response_from_buffer;
        typeof(MHD_add_response_header) *add_response_header;
        typeof(MHD_queue_response) *queue_response;
        typeof(MHD_destroy_response) *destroy_response;
        typeof(MHD_add_connection) *add_connection;
} mhd;

static int mhd_load(void) {
        static void *dl;
        void *h;

        if (dl)
                return 0;
        /* Kept loaded for the agent's life: its functions are called until the server is freed at exit. */
        h = dlopen(MICROHTTPD_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!h)
                return log_error_errno(ENOPKG, "--metrics-address needs %s, which cannot be loaded: %s",
                                       MICROHTTPD_SONAME, dlerror());
#define SYM(name) ((mhd.name = (typeof(mhd.name)) dlsym(h, "MHD_" #name)) != NULL)
        if (!SYM(start_daemon) || !SYM(stop_daemon) || !SYM(run) || !SYM(get_timeout) || !SYM(get_daemon_info) ||
            !SYM(create_response_from_buffer) || !SYM(add_response_header) || !SYM(queue_response) ||
            !SYM(destroy_response) || !SYM(add_connection)) {
                log_error("--metrics-address: %s lacks a function chaosletd calls: %s", MICROHTTPD_SONAME, dlerror());
                dlclose(h);
                mhd = (typeof(mhd)) {};
                return -ENOPKG;
        }
#undef SYM
        dl = h;
        return 0;
}

/* A scraper, or a few: anything more is someone else's, and waits in the backlog or is refused. */
#define METRICS_CONNECTIONS_MAX 16
#define METRICS_CONNECTION_TIMEOUT_S 10

struct MetricsServer {
        Loop *loop;
        Agent *agent;
        struct MHD_Daemon *daemon;
        int listen_fd;          /* ours: the agent accepts, and hands each connection to the daemon */
        int spare_fd;           /* /dev/null, given up to accept a connection when out of fds, and close it */
        bool accept_paused;     /* out of fds and no spare: the timer resumes accepting at resume_ns */
        int64_t resume_ns;      /* CLOCK_MONOTONIC */
        int epoll_fd;           /* the daemon's own epoll set, watched by the agent's loop */
        int timer_fd;           /* the daemon's next timeout (an idle connection to close), or the resumption */
        int port;
        char url[128];          /* http://HOST:PORT/metrics, the port as bound */
};

bool metrics_server_supported(void) {
        return true;
}

_printf_(2, 0) static void mhd_log(void *cls, const char *fmt, va_list ap) {
        char buf[512];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        buf[strcspn(buf, "\n")] = 0;
        log_debug("metrics: %s", buf);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text) {
        struct MHD_Response *resp;
        enum MHD_Result r;

        resp = mhd.create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        (void) mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
                (void) mhd.add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        r = mhd.queue_response(c, status, resp);
        mhd.destroy_response(resp);
        return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
        MetricsServer *s = cls;
        _cleanup_(buf_done) Buf b = {};
        struct MHD_Response *resp;
        enum MHD_Result r;
        size_t len;

        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
                return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET /metrics\n");
        if (strcmp(url, "/metrics") != 0)
                return reply(c, MHD_HTTP_NOT_FOUND, "Not found: try /metrics\n");
        if (metrics_render(s->agent, &b) < 0)
                return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory\n");

        len = b.len;
        resp = mhd.create_response_from_buffer(len, buf_take(&b), MHD_RESPMEM_MUST_FREE);
        if (!resp)
                return MHD_NO;
        (void) mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        r = mhd.queue_response(c, MHD_HTTP_OK, resp);
        mhd.destroy_response(resp);
        return r;
}

/* After each round: wake up again when the daemon has something timed to do. */
static void timer_arm(MetricsServer *s) {
        struct itimerspec its = {};
        MHD_UNSIGNED_LONG_LONG ms;

        if (mhd.get_timeout(s->daemon, &ms) != MHD_YES)
                ms = UINT64_MAX;
        if (s->accept_paused) {
                int64_t left = s->resume_ns - now_ns(CLOCK_MONOTONIC);
                uint64_t left_ms = left > 0 ? (uint64_t) left / NSEC_PER_MSEC : 0;

                if (ms > left_ms)
                        ms = left_ms;
        }
        if (ms != UINT64_MAX) {
                /* 0 means "run again now", which a timerfd set to 0 would read as "disarm". */
                its.it_value.tv_sec = (time_t) (ms / 1000);
                its.it_value.tv_nsec = (long) (ms % 1000) * 1000000L + (ms == 0);
        }
        if (timerfd_settime(s->timer_fd, 0, &its, NULL) < 0)
                log_warning_errno(errno, "Failed to arm the metrics server's timer: %m");
}

static void on_event(Loop *loop, int fd, void *userdata, uint32_t events) {
        MetricsServer *s = userdata;
        uint64_t ticks;

        if (fd == s->timer_fd) {
                (void) read(fd, &ticks, sizeof(ticks));
                loop_spare_take(&s->spare_fd);
                if (s->accept_paused && now_ns(CLOCK_MONOTONIC) >= s->resume_ns &&
                    loop_modify(s->loop, s->listen_fd, EPOLLIN) == 0)
                        s->accept_paused = false;
        }
        (void) mhd.run(s->daemon);
        timer_arm(s);
}

/* Out of fds (EMFILE, ENFILE): answer one waiting connection 503 from the spare fd (loop_refuse_one), where
 * libmicrohttpd's own accepting spun a core; without a spare, stop listening for up to 1 s. Returns true when a
 * connection was turned away (more may wait). */
static bool out_of_fds(MetricsServer *s) {
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        int k = loop_refuse_one(s->listen_fd, &s->spare_fd, busy, sizeof(busy) - 1);

        if (k >= 0)
                return k > 0;
        if (loop_modify(s->loop, s->listen_fd, 0) == 0) {
                s->accept_paused = true;
                s->resume_ns = now_ns(CLOCK_MONOTONIC) + (int64_t) NSEC_PER_SEC;
        }
        return false;
}

static void on_accept(Loop *loop, int fd, void *userdata, uint32_t events) {
        MetricsServer *s = userdata;
        struct sockaddr_storage sa;
        socklen_t len;
        int cfd, n = 0;

        for (;;) {
                len = sizeof(sa);
                cfd = accept4(s->listen_fd, (struct sockaddr *) &sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if ((errno == EMFILE || errno == ENFILE) && out_of_fds(s))
                                continue;
                        break;
                }
                /* Taken in every case: closed when the daemon cannot serve it (its connection limit). */
                (void) mhd.add_connection(s->daemon, cfd, (const struct sockaddr *) &sa, len);
                n++;
        }
        if (n > 0 || s->accept_paused) {
                (void) mhd.run(s->daemon);
                timer_arm(s);
        }
}

/* "IP:PORT" or "[IPv6]:PORT", numeric: the agent looks no name up. */
static int address_parse(const char *address, struct addrinfo **ret) {
        _cleanup_free_ char *host = NULL;
        struct addrinfo hints = {
                .ai_socktype = SOCK_STREAM,
                .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
        };
        const char *colon = strrchr(address, ':');
        size_t n;

        if (!colon || colon == address || !colon[1])
                return -EINVAL;
        n = (size_t) (colon - address);
        if (address[0] == '[') {
                if (n < 3 || address[n - 1] != ']')
                        return -EINVAL;
                host = strndup(address + 1, n - 2);
                hints.ai_family = AF_INET6;
        } else {
                host = strndup(address, n);
                hints.ai_family = AF_INET;
        }
        if (!host)
                return -ENOMEM;
        return getaddrinfo(host, colon + 1, &hints, ret) == 0 ? 0 : -EINVAL;
}

static int listen_on(const char *address, int *ret_fd, int *ret_port) {
        struct addrinfo *ai = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_storage sa;
        socklen_t len = sizeof(sa);
        int one = 1, k;

        k = address_parse(address, &ai);
        if (k < 0)
                return k;
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            (ai->ai_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, METRICS_CONNECTIONS_MAX) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                k = negative_errno();
                freeaddrinfo(ai);
                return k;
        }
        freeaddrinfo(ai);
        *ret_port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &sa)->sin6_port
                                                   : ((struct sockaddr_in *) &sa)->sin_port);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

MetricsServer *metrics_server_free(MetricsServer *s) {
        if (!s)
                return NULL;
        if (s->epoll_fd >= 0)
                loop_remove(s->loop, s->epoll_fd);
        if (s->timer_fd >= 0)
                loop_remove(s->loop, s->timer_fd);
        if (s->listen_fd >= 0)
                loop_remove(s->loop, s->listen_fd);
        if (s->daemon)
                mhd.stop_daemon(s->daemon);
        safe_close(s->listen_fd);
        safe_close(s->spare_fd);
        safe_close(s->timer_fd);
        free(s);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(MetricsServer *, metrics_server_free);

int metrics_server_new(Loop *loop, const char *address, Agent *a, MetricsServer **ret) {
        _cleanup_(metrics_server_freep) MetricsServer *s = NULL;
        const union MHD_DaemonInfo *info;
        int k;

        k = mhd_load();
        if (k < 0)
                return k;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (MetricsServer) { .loop = loop, .agent = a, .listen_fd = -EBADF, .spare_fd = -EBADF, .epoll_fd = -EBADF,
                               .timer_fd = -EBADF };

        k = listen_on(address, &s->listen_fd, &s->port);
        if (k == -EINVAL)
                return log_error_errno(k, "--metrics-address: not IP:PORT or [IPv6]:PORT: %s", address);
        if (k < 0)
                return log_error_errno(k, "Failed to listen on %s for metrics: %m", address);
        s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (s->timer_fd < 0)
                return log_error_errno(errno, "Failed to create the metrics server's timer: %m");
        loop_spare_take(&s->spare_fd);
        if (s->spare_fd < 0)
                return log_error_errno(errno, "Failed to open /dev/null: %m");

        /* MHD_USE_EPOLL without MHD_USE_INTERNAL_POLLING_THREAD: the daemon starts no thread, and its sockets are
         * in one epoll set of its own, which the agent's loop watches; mhd.run() does one round, never blocking.
         * MHD_USE_NO_LISTEN_SOCKET: the agent accepts (on_accept), so that running out of fds is its to handle. */
        s->daemon = mhd.start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL,
                                     on_request, s,
                                     MHD_OPTION_CONNECTION_LIMIT, (unsigned) METRICS_CONNECTIONS_MAX,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) METRICS_CONNECTION_TIMEOUT_S,
                                     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                                     MHD_OPTION_END);
        if (!s->daemon)
                return log_error_errno(EIO, "Failed to start the metrics server on %s", address);
        snprintf(s->url, sizeof(s->url), "http://%.*s:%d/metrics", (int) (strrchr(address, ':') - address), address,
                 s->port);
        info = mhd.get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!info)
                return log_error_errno(EIO, "The metrics server has no epoll set");
        s->epoll_fd = info->epoll_fd;
        k = loop_add(loop, s->epoll_fd, EPOLLIN, on_event, s);
        if (k < 0) {
                s->epoll_fd = -EBADF;
                return log_error_errno(k, "Failed to watch the metrics server: %m");
        }
        k = loop_add(loop, s->timer_fd, EPOLLIN, on_event, s);
        if (k < 0) {
                safe_close(TAKE_FD(s->timer_fd));
                return log_error_errno(k, "Failed to watch the metrics server's timer: %m");
        }
        k = loop_add(loop, s->listen_fd, EPOLLIN, on_accept, s);
        if (k < 0) {
                safe_close(TAKE_FD(s->listen_fd));
                return log_error_errno(k, "Failed to watch the metrics socket: %m");
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int metrics_server_port(const MetricsServer *s) {
        return s->port;
}

const char *metrics_server_url(const MetricsServer *s) {
        return s->url;
}

#else

bool metrics_server_supported(void) {
        return false;
}

int metrics_server_new(Loop *loop, const char *address, Agent *a, MetricsServer **ret) {
        return -EOPNOTSUPP;
}

MetricsServer *metrics_server_free(MetricsServer *s) {
        return NULL;
}

int metrics_server_port(const MetricsServer *s) {
        return 0;
}

const char *metrics_server_url(const MetricsServer *s) {
        return NULL;
}

#endif
