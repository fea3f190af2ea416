/* SPDX-License-Identifier: MIT */
/* chaoslet: the command line client. It is just another JSON-RPC client: values go to the agent as given, so that
 * every validation error comes from one place, the agent. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(RpcClient *, rpc_client_free);

static const char *arg_socket = CHAOSLET_SOCKET_DEFAULT;
static bool arg_json = false;

static void help(FILE *f) {
        fprintf(f,
                "Usage: chaoslet [--socket PATH] [--json] COMMAND ...\n"
                "\n"
                "Talk to chaosletd, the network fault injection agent.\n"
                "\n"
                "Commands:\n"
                "  info                    The agent's version, kernel features and active faults\n"
                "  apply FLAGS             Apply a fault (see below)\n"
                "  apply -f FILE|-         Apply fault.apply params, or a Chaos Mesh NetworkChaos, in JSON\n"
                "  recover ID              Remove a fault\n"
                "  list                    List the faults\n"
                "  get ID                  Show one fault\n"
                "  rpc METHOD [JSON]       Call a method with raw params and print the raw result\n"
                "\n"
                "Options:\n"
                "  -s --socket PATH        The agent's socket (default " CHAOSLET_SOCKET_DEFAULT ")\n"
                "  -j --json               Print the raw JSON result instead of a table\n"
                "  -h --help               Show this help\n"
                "\n"
                "apply flags:\n"
                "  --id ID                 The fault's name (default: the agent picks one)\n"
                "  --pid PID | --netns PATH   The target network namespace\n"
                "  --container ID | --pod UID   Or a container's (containerd://ID, cri-o://ID, docker://ID or the\n"
                "                          bare 64-hex ID) or a pod's, found by its cgroup on this node\n"
                "  --device DEV            A device in the target (repeatable; default: all but loopback)\n"
                "  --latency D --jitter D  Delay, as durations such as 90ms, 1.5s, 500us\n"
                "  --correlation P --distribution uniform|normal|pareto|paretonormal\n"
                "  --loss P --loss-correlation P\n"
                "  --duplicate P --duplicate-correlation P\n"
                "  --corrupt P --corrupt-correlation P\n"
                "  --reorder P --reorder-correlation P --gap N\n"
                "  --rate RATE             tc units: 10mbit, 1gbit, 500kbps (bps is bytes per second)\n"
                "  --limit PACKETS\n"
                "  --loss-model-ge P,R[,H[,K]]   Gilbert-Elliott loss: P good to bad, R bad to good (default 100-P),\n"
                "                          H and K delivered in the bad and good state (default 0 and 100)\n"
                "  --ecn                   Mark ECN-capable packets instead of dropping them (needs a loss)\n"
                "  --slot MIN[,MAX[,PACKETS[,BYTES]]]   Send in slots MIN to MAX apart, each at most PACKETS\n"
                "                          packets and BYTES bytes (default: no limit)\n"
                "  --bandwidth RATE        Cap the rate with tbf (no sch_netem needed); tc units, as --rate\n"
                "  --burst BYTES --bandwidth-limit BYTES   tbf's bucket and queue, as 10000 or 32kb\n"
                "                          (default: max(10 ms at RATE, 10000) and burst + 100 ms at RATE)\n"
                "  --peakrate RATE --minburst BYTES   A second bucket that caps how fast bursts go\n"
                "                          (minburst default 2048)\n"
                "  --partition             Drop every matched packet (instead of netem flags)\n"
                "  --cidr CIDR             Only traffic to (egress) or from (ingress) this address or prefix\n"
                "                          (repeatable, up to 65536; default: every address)\n"
                "  --port PORT|LO-HI       Only this remote port or range (repeatable, up to 16)\n"
                "  --protocol tcp|udp|icmp|all   Only this protocol (default all)\n"
                "  --direction egress|ingress|both   Outgoing traffic, incoming, or both (default egress)\n"
                "  --duration D            End the fault by itself after this long\n"
                "Percents (P) are 0 to 100, such as 25 or 0.5.\n");
}

int cli_usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("chaoslet: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'chaoslet --help'.\n", stderr);
        return EXIT_USAGE;
}

int cli_common_option(int c, const char *synopsis, bool full_help) {
        switch (c) {
        case 's':
                arg_socket = optarg;
                return CLI_GO_ON;
        case 'j':
                arg_json = true;
                return CLI_GO_ON;
        case 'h':
                if (full_help)
                        help(stdout);
                else
                        printf("Usage: chaoslet [--socket PATH] [--json] %s\n", synopsis);
                return EXIT_OK;
        default:
                return synopsis ? cli_usage_error("usage: chaoslet %s", synopsis) : cli_usage_error("unknown option");
        }
}

static int call(const char *method, cJSON *params, cJSON **ret_result) {
        _cleanup_(rpc_client_freep) RpcClient *c = NULL;
        RpcError err = {};
        int r;

        r = rpc_client_connect(arg_socket, &c);
        if (r < 0) {
                cJSON_Delete(params);
                fprintf(stderr, "chaoslet: cannot connect to %s: %s%s\n", arg_socket, strerror(-r),
                        r == -ENOENT || r == -ECONNREFUSED ? " (is chaosletd running? --socket PATH picks another)" :
                        r == -EACCES ? " (the socket is mode 0660: run as root or as a member of its group)" : "");
                return EXIT_FAIL;
        }

        r = rpc_client_call(c, method, params, ret_result, &err);
        if (r == -EPROTO) {
                r = cli_print_rpc_error(&err);
                rpc_error_done(&err);
                return r;
        }
        if (r < 0) {
                fprintf(stderr, "chaoslet: %s: %s\n", method,
                        r == -ECONNRESET ? "the agent closed the connection before it replied" :
                        r == -EBADMSG ? "the agent sent a reply that is not JSON-RPC 2.0" : strerror(-r));
                return EXIT_FAIL;
        }
        return EXIT_OK;
}

int cli_run(const char *method, cJSON *params, void (*printer)(const cJSON *)) {
        _cleanup_(cJSON_Deletep) cJSON *result = NULL;
        int r;

        r = call(method, params, &result);
        if (r != EXIT_OK)
                return r;
        if (arg_json || !printer)
                return cli_print_json(result);
        printer(result);
        return EXIT_OK;
}

/* Parse a command's own arguments; positional ones land in pos[]. Returns CLI_GO_ON, or an exit code. */
static int parse_simple(int argc, char **argv, const char *synopsis, size_t n_min, size_t n_max, char **pos,
                        size_t *ret_n) {
        static const struct option options[] = { CLI_COMMON_LONG_OPTIONS, {} };
        size_t n = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "s:jh", options, NULL)) >= 0) {
                r = cli_common_option(c, synopsis, false);
                if (r != CLI_GO_ON)
                        return r;
        }

        for (int i = optind; i < argc; i++) {
                if (n >= n_max)
                        return cli_usage_error("too many arguments; usage: chaoslet %s", synopsis);
                pos[n++] = argv[i];
        }
        if (n < n_min)
                return cli_usage_error("missing argument; usage: chaoslet %s", synopsis);
        *ret_n = n;
        return CLI_GO_ON;
}

static cJSON *id_params(const char *id) {
        cJSON *p = cJSON_CreateObject();

        if (p && !cJSON_AddStringToObject(p, "id", id)) {
                cJSON_Delete(p);
                return NULL;
        }
        return p;
}

static int verb_info(int argc, char **argv) {
        char *pos[1] = {};
        size_t n = 0;
        int r = parse_simple(argc, argv, "info", 0, 0, pos, &n);

        return r != CLI_GO_ON ? r : cli_run("agent.info", NULL, cli_print_info);
}

static int verb_list(int argc, char **argv) {
        char *pos[1] = {};
        size_t n = 0;
        int r = parse_simple(argc, argv, "list", 0, 0, pos, &n);

        return r != CLI_GO_ON ? r : cli_run("fault.list", NULL, cli_print_list);
}

/* get ID and recover ID: one positional id, one method, one printer. */
static int verb_with_id(int argc, char **argv, const char *usage, const char *method,
                        void (*print)(const cJSON *result)) {
        char *pos[1] = {};
        size_t n = 0;
        int r = parse_simple(argc, argv, usage, 1, 1, pos, &n);

        if (r != CLI_GO_ON)
                return r;
        cJSON *p = id_params(pos[0]);
        return p ? cli_run(method, p, print) : EXIT_FAIL;
}

static int verb_get(int argc, char **argv) {
        return verb_with_id(argc, argv, "get ID", "fault.get", cli_print_fault);
}

static int verb_recover(int argc, char **argv) {
        return verb_with_id(argc, argv, "recover ID", "fault.recover", cli_print_recovered);
}

static int verb_rpc(int argc, char **argv) {
        _cleanup_(cJSON_Deletep) cJSON *params = NULL;
        char *pos[2] = {};
        size_t n = 0;
        int r = parse_simple(argc, argv, "rpc METHOD [JSON]", 1, 2, pos, &n);

        if (r != CLI_GO_ON)
                return r;
        if (n == 2) {
                params = cJSON_ParseWithOpts(pos[1], NULL, /* require_null_terminated= */ true);
                if (!params)
                        return cli_usage_error("rpc: params are not valid JSON: %s", pos[1]);
        }
        arg_json = true;        /* raw in, raw out */
        return cli_run(pos[0], TAKE_PTR(params), NULL);
}

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
} verbs[] = {
        { "info", verb_info },
        { "apply", cli_verb_apply },
        { "recover", verb_recover },
        { "list", verb_list },
        { "get", verb_get },
        { "rpc", verb_rpc },
};

int main(int argc, char **argv) {
        static const struct option options[] = { CLI_COMMON_LONG_OPTIONS, {} };
        int c, r;

        /* '+': stop at the command; its own flags are parsed by it. */
        while ((c = getopt_long(argc, argv, "+s:jh", options, NULL)) >= 0) {
                r = cli_common_option(c, NULL, true);
                if (r != CLI_GO_ON)
                        return r;
        }

        if (optind >= argc)
                return cli_usage_error("missing command");

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(argv[optind], verbs[i].name) == 0)
                        return verbs[i].run(argc - optind, argv + optind);

        return cli_usage_error("unknown command '%s'", argv[optind]);
}
