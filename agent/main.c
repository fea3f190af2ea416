/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "client.h"
#include "config.h"
#include "log.h"
#include "journal.h"
#include "loader.h"
#include "loop.h"
#include "nsid.h"
#include "macro.h"
#include "metrics-http.h"
#include "probe.h"
#include "rpc.h"
#include "server.h"
#include "socket-activation.h"
#include "time-util.h"
#include "units.h"

typedef struct Options {
        const char *socket_path;
        const char *state_dir;
        int64_t max_duration_ns;
        bool keep_caps;
        bool allow_host_netns;
        const char *socket_group;
        int64_t idle_timeout_ns;
        bool keep_faults;
        const char *metrics_address;
} Options;

enum {
        ARG_SOCKET = 0x100,
        ARG_STATE_DIR,
        ARG_MAX_DURATION,
        ARG_KEEP_CAPS,
        ARG_ALLOW_HOST_NETNS,
        ARG_VERSION,
        ARG_SOCKET_GROUP,
        ARG_IDLE_TIMEOUT,
        ARG_KEEP_FAULTS,
        ARG_LOG_FORMAT,
        ARG_METRICS_ADDRESS,
};

/* The options that store their argument, or true, in Options as they are. */
static const struct {
        int arg;
        size_t offset;
        bool flag;
} simple_options[] = {
        { ARG_SOCKET, offsetof(Options, socket_path), false },
        { ARG_STATE_DIR, offsetof(Options, state_dir), false },
        { ARG_SOCKET_GROUP, offsetof(Options, socket_group), false },
        { ARG_METRICS_ADDRESS, offsetof(Options, metrics_address), false },
        { ARG_KEEP_FAULTS, offsetof(Options, keep_faults), true },
        { ARG_KEEP_CAPS, offsetof(Options, keep_caps), true },
        { ARG_ALLOW_HOST_NETNS, offsetof(Options, allow_host_netns), true },
};

static int simple_option(Options *o, int c) {
        for (size_t i = 0; i < ELEMENTSOF(simple_options); i++)
                if (simple_options[i].arg == c) {
                        char *field = (char *) o + simple_options[i].offset;

                        if (simple_options[i].flag)
                                *(bool *) field = true;
                        else
                                *(const char **) field = optarg;
                        return 0;
                }
        return -EINVAL;
}

static void help(void) {
        printf("Usage: chaosletd [OPTIONS]\n\n"
               "The chaoslet agent: network faults in other network namespaces, over JSON-RPC.\n\n"
               "  --socket PATH         Unix socket to listen on (default " CHAOSLET_SOCKET_DEFAULT ")\n"
               "  --state-dir DIR       the fault journal, reconciled at start (default /run/chaoslet/state)\n"
               "  --keep-faults-on-exit leave live faults (kernel state and journal) to the next agent on\n"
               "                        SIGTERM, for upgrades; without it stopping recovers every fault\n"
               "  --max-duration DUR    longest a fault may live (default 1h)\n"
               "  --socket-group GROUP  who may connect besides root: the socket's group, a name or a number\n"
               "                        (default root)\n"
               "  --idle-timeout DUR    close a client silent for this long (default 60s)\n"
               "  --allow-host-netns    allow targets in the node's own network namespace (hostNetwork pods);\n"
               "                        their faults hit only their cgroup's egress traffic\n"
               "  --keep-capabilities   do not drop capabilities (debugging only)\n"
               "  --metrics-address HOST:PORT\n"
               "                        serve Prometheus metrics at http://HOST:PORT/metrics (off by default;\n"
               "                        use loopback, 127.0.0.1:9464; port 0 picks a free one, logged)\n"
               "  --log-format FORMAT   text (default) or json: one JSON object a line\n"
               "  -v, --verbose         debug logging\n"
               "  -h, --help            this help\n"
               "  --version             print the version\n");
}

static int positive_duration(const char *option, const char *s, int64_t *ret) {
        int64_t ns;

        if (parse_duration_ns(s, &ns) < 0 || ns <= 0) {
                fprintf(stderr, "chaosletd: %s: not a positive duration: %s\n", option, s);
                return -EINVAL;
        }
        *ret = ns;
        return 0;
}

static int parse_args(int argc, char **argv, Options *o) {
        static const struct option options[] = {
                { "socket", required_argument, NULL, ARG_SOCKET },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "max-duration", required_argument, NULL, ARG_MAX_DURATION },
                { "keep-capabilities", no_argument, NULL, ARG_KEEP_CAPS },
                { "allow-host-netns", no_argument, NULL, ARG_ALLOW_HOST_NETNS },
                { "socket-group", required_argument, NULL, ARG_SOCKET_GROUP },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                { "keep-faults-on-exit", no_argument, NULL, ARG_KEEP_FAULTS },
                { "log-format", required_argument, NULL, ARG_LOG_FORMAT },
                { "metrics-address", required_argument, NULL, ARG_METRICS_ADDRESS },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "vh", options, NULL)) >= 0)
                switch (c) {
                case ARG_MAX_DURATION:
                        if (positive_duration("--max-duration", optarg, &o->max_duration_ns) < 0)
                                return -EINVAL;
                        break;
                case ARG_IDLE_TIMEOUT:
                        if (positive_duration("--idle-timeout", optarg, &o->idle_timeout_ns) < 0)
                                return -EINVAL;
                        break;
                case ARG_LOG_FORMAT: {
                        LogFormat f = log_format_from_string(optarg);

                        if (f < 0) {
                                fprintf(stderr, "chaosletd: --log-format: must be text or json: %s\n", optarg);
                                return -EINVAL;
                        }
                        log_set_format(f);
                        break;
                }
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("chaosletd %s\n", CHAOSLET_VERSION);
                        return 0;
                default:
                        if (simple_option(o, c) < 0)
                                return -EINVAL;
                }
        if (o->metrics_address && !metrics_server_supported()) {
                fprintf(stderr, "chaosletd: --metrics-address: this chaosletd was built without metrics "
                        "(libmicrohttpd; meson setup -Dmetrics=enabled)\n");
                return -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "chaosletd: unexpected argument: %s\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* A group name, or a number that names no group (a gid the operator hands out without /etc/group). */
static int resolve_group(const char *name, gid_t *ret) {
        struct group *g = getgrnam(name);
        char *end;
        unsigned long v;

        if (g) {
                *ret = g->gr_gid;
                return 0;
        }
        errno = 0;
        v = strtoul(name, &end, 10);
        if (name[0] < '0' || name[0] > '9' || *end || errno || v >= (gid_t) -1)
                return -ENOENT;
        *ret = (gid_t) v;
        return 0;
}

static void on_timer(Loop *loop, int fd, void *userdata, uint32_t events) {
        Agent *a = userdata;
        uint64_t ticks;

        (void) read(fd, &ticks, sizeof(ticks));
        registry_expire(&a->registry);
}

static void netns_deleted(int32_t nsid, void *userdata) {
        registry_netns_deleted(userdata, nsid);
}

static void on_nsid(Loop *loop, int fd, void *userdata, uint32_t events) {
        Agent *a = userdata;
        bool lost = false;

        /* Until the socket is drained (bounded: the loop comes back if more is left). An overrun lost some events,
         * a namespace's death among them perhaps: then look at every fault's namespace, once. */
        for (int i = 0; i < 16 && nsid_listener_dispatch(fd, netns_deleted, &a->registry) == -ENOBUFS; i++)
                lost = true;
        if (lost) {
                log_warning("Namespace events were lost (netlink overrun): checking each fault's namespace");
                registry_netns_recheck(&a->registry);
        }
}

static void on_signal(Loop *loop, int fd, void *userdata, uint32_t events) {
        struct signalfd_siginfo si;

        if (read(fd, &si, sizeof(si)) != sizeof(si))
                return;
        log_info("Received %s, stopping", strsignal((int) si.ssi_signo));
        loop_quit(loop, 0);
}

/* Everything here waits in epoll, nothing in select(): the soft limit's usual 1,024 guards against nothing, and each
 * client and each request's namespace takes an fd. Up to the hard limit, which takes no privilege, but no further
 * than the loop can serve (and down to that, from a container runtime's 1,048,576): beyond it an fd is EMFILE,
 * which the server answers, rather than one the loop refuses. */
static void raise_fd_limit(void) {
        struct rlimit rl;
        rlim_t want;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
                return;
        want = rl.rlim_max < LOOP_FDS_MAX ? rl.rlim_max : LOOP_FDS_MAX;
        if (rl.rlim_cur == want)
                return;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_debug_errno(errno, "Failed to set the open files limit to %llu: %m", (unsigned long long) want);
}

int main(int argc, char **argv) {
        Options o = {
                .socket_path = CHAOSLET_SOCKET_DEFAULT,
                .socket_group = "root",
                .state_dir = "/run/chaoslet/state",
                .max_duration_ns = 3600 * NSEC_PER_SEC,
        };
        _cleanup_close_ int sigfd = -EBADF;
        Classifier *classifier = NULL;
        ServerOptions server_opts = {};
        _cleanup_free_ char *activated_path = NULL;
        int activated_fd = -EBADF;
        MetricsServer *metrics = NULL;
        Server *server = NULL;
        Loop *loop = NULL;
        KernelFeatures features = {};
        struct utsname un;
        Agent agent = {};
        sigset_t mask;
        int k, r = EXIT_FAILURE;

        k = parse_args(argc, argv, &o);
        if (k <= 0)
                return k < 0 ? 2 : 0;

        setvbuf(stderr, NULL, _IOLBF, 0);
        log_setup();
        classifier_setup_logging();
        raise_fd_limit();

        /* The socket before the capability drop: giving it its group takes CAP_CHOWN. Clients wait in the
         * backlog until the loop runs. */
        if (resolve_group(o.socket_group, &server_opts.socket_gid) < 0) {
                log_error("--socket-group: no such group: %s", o.socket_group);
                return EXIT_FAILURE;
        }
        server_opts.socket_group = o.socket_group;
        server_opts.idle_timeout_ns = o.idle_timeout_ns;
        k = loop_new(&loop);
        if (k < 0)
                return log_error_errno(k, "Failed to create the event loop: %m"), EXIT_FAILURE;
        /* A socket passed by systemd (chaosletd.socket) wins over --socket, and stays as its unit made it. */
        k = socket_activation_take(&activated_fd, &activated_path);
        if (k > 0) {
                o.socket_path = activated_path;
                k = server_new_listening(loop, activated_fd, &server_opts, agent_dispatch, &agent, &server);
        } else if (k == 0)
                k = server_new(loop, o.socket_path, &server_opts, agent_dispatch, &agent, &server);
        if (k < 0) {
                loop_free(loop);
                return EXIT_FAILURE;
        }

        /* Bound before the capability drop too: a port below 1024 takes CAP_NET_BIND_SERVICE. */
        if (o.metrics_address) {
                k = metrics_server_new(loop, o.metrics_address, &agent, &metrics);
                if (k < 0) {
                        server_free(server);
                        loop_free(loop);
                        return EXIT_FAILURE;
                }
                log_info("Serving metrics on %s", metrics_server_url(metrics));
        }

        if (!o.keep_caps) {
                k = caps_drop_to_minimum();
                if (k < 0) {
                        log_error_errno(k, "Failed to drop capabilities: %m");
                        metrics_server_free(metrics);
                        server_free(server);
                        loop_free(loop);
                        return EXIT_FAILURE;
                }
        }

        /* Before anything else can fail half-way: signals arrive through the loop only. */
        sigemptyset(&mask);
        /* Every signal that would otherwise end the agent recovers the faults first. */
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGQUIT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (sigfd < 0)
                return log_error_errno(errno, "Failed to create a signalfd: %m"), EXIT_FAILURE;

        k = kernel_features_probe(&features);
        if (k < 0)
                log_warning_errno(k, "Failed to probe kernel features: %m");

        k = classifier_load(&classifier);
        if (k < 0)
                log_warning_errno(k, "Failed to load the eBPF classifier, faults cannot be applied: %m");
        else
                features.has[FEATURE_BPF] = true;

        uname(&un);
        snprintf(agent.kernel_release, sizeof(agent.kernel_release), "%s", un.release);
        agent.started_mono_ns = now_ns(CLOCK_MONOTONIC);

        k = registry_init(&agent.registry, classifier, &features, o.max_duration_ns);
        if (k < 0) {
                log_error_errno(k, "Failed to set up the fault registry: %m");
                goto finish;
        }
        agent.registry.allow_host_netns = o.allow_host_netns;
        agent.registry.keep_faults_on_exit = o.keep_faults;
        k = journal_open(o.state_dir, &agent.registry.journal);
        if (k < 0) {
                log_error_errno(k, "Failed to open the fault journal in %s: %m", o.state_dir);
                goto finish;
        }

        /* The socket is bound (a second agent on it has refused to start), but no client is accepted before the
         * journal's faults are back. */
        k = registry_reconcile(&agent.registry);
        if (k < 0)
                goto finish;
        if (loop_add(loop, sigfd, EPOLLIN, on_signal, NULL) < 0 ||
            loop_add(loop, agent.registry.timer_fd, EPOLLIN, on_timer, &agent) < 0 ||
            (agent.registry.nsid_fd >= 0 &&
             loop_add(loop, agent.registry.nsid_fd, EPOLLIN, on_nsid, &agent) < 0)) {
                log_error("Failed to register event sources");
                goto finish;
        }

        log_info("chaosletd %s started on %s (kernel %s; netem %s, htb %s, cls_bpf %s, ifb %s, classifier %s)",
                 CHAOSLET_VERSION, o.socket_path, un.release, features.has[FEATURE_SCH_NETEM] ? "yes" : "no",
                 features.has[FEATURE_SCH_HTB] ? "yes" : "no", features.has[FEATURE_CLS_BPF] ? "yes" : "no",
                 features.has[FEATURE_IFB] ? "yes" : "no", features.has[FEATURE_BPF] ? "loaded" : "missing");

        k = loop_run(loop);
        r = k < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

finish:
        /* Every path out recovers every fault (nothing of ours stays in anybody's namespace), unless
         * --keep-faults-on-exit hands them to the next agent. */
        registry_done(&agent.registry);
        agent.registry.journal = journal_free(agent.registry.journal);
        metrics_server_free(metrics);
        server_free(server);
        loop_free(loop);
        classifier_free(classifier);
        log_info("chaosletd stopped");
        return r;
}
