/* SPDX-License-Identifier: MIT */
/* chaoslet: the command line client. It is just another JSON-RPC client: values go to the agent as given, so that
 * every validation error comes from one place, the agent. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "jsonrpc.h"
#include "macro.h"
#include "units.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete);
DEFINE_TRIVIAL_CLEANUP_FUNC(RpcClient *, rpc_client_free);

enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
};

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
                "  apply -f FILE|-         Apply a fault from fault.apply params in JSON\n"
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
                "  --device DEV            A device in the target (repeatable; default: all but loopback)\n"
                "  --latency D --jitter D  Delay, as durations such as 90ms, 1.5s, 500us\n"
                "  --correlation P --distribution uniform|normal|pareto|paretonormal\n"
                "  --loss P --loss-correlation P\n"
                "  --duplicate P --duplicate-correlation P\n"
                "  --corrupt P --corrupt-correlation P\n"
                "  --reorder P --reorder-correlation P --gap N\n"
                "  --rate RATE             tc units: 10mbit, 1gbit, 500kbps (bps is bytes per second)\n"
                "  --limit PACKETS\n"
                "  --partition             Drop every matched packet (instead of netem flags)\n"
                "  --cidr CIDR             Only traffic to (egress) or from (ingress) this address or prefix\n"
                "                          (repeatable, up to 65536; default: every address)\n"
                "  --port PORT|LO-HI       Only this remote port or range (repeatable, up to 16)\n"
                "  --protocol tcp|udp|icmp|all   Only this protocol (default all)\n"
                "  --direction egress|ingress|both   Outgoing traffic, incoming, or both (default egress)\n"
                "  --duration D            End the fault by itself after this long\n"
                "Percents (P) are 0 to 100, such as 25 or 0.5.\n");
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("chaoslet: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'chaoslet --help'.\n", stderr);
        return EXIT_USAGE;
}

/* Render a JSON value for a table cell: strings bare, everything else as compact JSON. */
static char *value_to_text(const cJSON *v) {
        if (!v)
                return strdup("-");
        if (cJSON_IsString(v))
                return strdup(v->valuestring);
        if (cJSON_IsNumber(v)) {
                char buf[64];
                snprintf(buf, sizeof buf, "%.15g", v->valuedouble);
                return strdup(buf);
        }
        return cJSON_PrintUnformatted(v);
}

static void print_error_data(FILE *f, const cJSON *data) {
        const cJSON *field = cJSON_GetObjectItemCaseSensitive(data, "field"),
                    *reason = cJSON_GetObjectItemCaseSensitive(data, "reason"), *c;
        bool first = true;

        if (!data || cJSON_IsNull(data))
                return;

        if (cJSON_IsString(field)) {
                fprintf(f, " (field: %s: %s)", field->valuestring,
                        cJSON_IsString(reason) ? reason->valuestring : "invalid");
                return;
        }
        if (!cJSON_IsObject(data)) {
                _cleanup_free_ char *t = value_to_text(data);
                fprintf(f, " (%s)", t ?: "?");
                return;
        }

        /* {"feature": "sch_netem"} -> " (feature: sch_netem)", {"errno": 22, "message": "..."} likewise. */
        fputs(" (", f);
        cJSON_ArrayForEach(c, data) {
                _cleanup_free_ char *t = value_to_text(c);
                fprintf(f, "%s%s: %s", first ? "" : ", ", c->string, t ?: "?");
                first = false;
        }
        fputs(")", f);
}

static int print_rpc_error(const RpcError *e) {
        fprintf(stderr, "error %d: %s", e->code, e->message);
        print_error_data(stderr, e->data);
        fputc('\n', stderr);
        return EXIT_FAIL;
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
                r = print_rpc_error(&err);
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

static int print_json(const cJSON *v) {
        _cleanup_free_ char *s = cJSON_Print(v);

        if (!s) {
                fputs("chaoslet: out of memory\n", stderr);
                return EXIT_FAIL;
        }
        puts(s);
        return EXIT_OK;
}

static void print_kv(const char *key, const char *value) {
        printf("%-12s %s\n", key, value && *value ? value : "-");
}

static const cJSON *get(const cJSON *o, const char *name) {
        return cJSON_GetObjectItemCaseSensitive(o, name);
}

static const char *get_str(const cJSON *o, const char *name) {
        const cJSON *v = get(o, name);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A growing string for table cells. */
typedef struct Text {
        char *s;
        size_t n;
} Text;

static void text_add(Text *t, const char *fmt, ...) _printf_(2, 3);
static void text_add(Text *t, const char *fmt, ...) {
        va_list ap;
        char *add = NULL, *s;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&add, fmt, ap);
        va_end(ap);
        if (k < 0)
                return;
        s = realloc(t->s, t->n + (size_t) k + 1);
        if (!s) {
                free(add);
                return;
        }
        memcpy(s + t->n, add, (size_t) k + 1);
        t->s = s;
        t->n += (size_t) k;
        free(add);
}

static char *target_text(const cJSON *target) {
        const cJSON *pid = get(target, "pid"), *netns = get(target, "netns"), *ino = get(target, "netns_inode");
        Text t = {};

        if (cJSON_IsNumber(pid))
                text_add(&t, "pid %.0f", pid->valuedouble);
        else if (cJSON_IsString(netns))
                text_add(&t, "netns %s", netns->valuestring);
        else
                text_add(&t, "-");
        if (cJSON_IsNumber(ino))
                text_add(&t, " (inode %.0f)", ino->valuedouble);
        return t.s;
}

static char *target_short(const cJSON *target) {
        const cJSON *pid = get(target, "pid"), *netns = get(target, "netns");
        Text t = {};

        if (cJSON_IsNumber(pid))
                text_add(&t, "pid:%.0f", pid->valuedouble);
        else if (cJSON_IsString(netns))
                text_add(&t, "netns:%s", netns->valuestring);
        else
                text_add(&t, "-");
        return t.s;
}

/* The strings and numbers of an array joined by sep, the first max of them and a count of the rest. */
static char *strings_text(const cJSON *a, const char *sep, size_t max) {
        const cJSON *v;
        size_t i = 0;
        Text t = {};

        cJSON_ArrayForEach(v, a) {
                if (i++ >= max)
                        continue;
                if (cJSON_IsString(v))
                        text_add(&t, "%s%s", t.n > 0 ? sep : "", v->valuestring);
                else if (cJSON_IsNumber(v))
                        text_add(&t, "%s%.0f", t.n > 0 ? sep : "", v->valuedouble);
        }
        if (i > max)
                text_add(&t, "%s(+%zu more)", t.n > 0 ? " " : "", i - max);
        if (t.n == 0)
                text_add(&t, "-");
        return t.s;
}

static char *devices_text(const cJSON *devices, const char *sep) {
        return strings_text(devices, sep, SIZE_MAX);
}

/* "cidrs=10.96.0.0/12 ports=80,8000-8100 protocol=tcp"; a match of 65,536 CIDRs shows the first few. */
static char *match_text(const cJSON *spec, size_t max_cidrs) {
        const cJSON *match = get(spec, "match"), *cidrs = get(match, "cidrs"), *ports = get(match, "ports");
        Text t = {};

        if (cJSON_IsArray(cidrs)) {
                _cleanup_free_ char *c = strings_text(cidrs, ",", max_cidrs);
                text_add(&t, "cidrs=%s", c ?: "?");
        }
        if (cJSON_IsArray(ports)) {
                _cleanup_free_ char *p = strings_text(ports, ",", SIZE_MAX);
                text_add(&t, "%sports=%s", t.n > 0 ? " " : "", p ?: "?");
        }
        if (get_str(match, "protocol"))
                text_add(&t, "%sprotocol=%s", t.n > 0 ? " " : "", get_str(match, "protocol"));
        if (t.n == 0)
                text_add(&t, "all traffic");
        return t.s;
}

static char *counter_text(const cJSON *counters, const char *name) {
        const cJSON *v = get(counters, name);
        char buf[32];

        if (!cJSON_IsNumber(v))
                return strdup("-");
        snprintf(buf, sizeof buf, "%.0f", v->valuedouble);
        return strdup(buf);
}

/* "latency=90ms jitter=10ms loss=25%" from a normalised spec. */
static char *netem_text(const cJSON *spec) {
        const cJSON *netem = get(spec, "netem"), *m;
        Text t = {};

        cJSON_ArrayForEach(m, netem) {
                bool percent = cJSON_IsNumber(m) && strcmp(m->string, "gap") != 0 && strcmp(m->string, "limit") != 0;
                _cleanup_free_ char *v = value_to_text(m);

                text_add(&t, "%s%s=%s%s", t.n > 0 ? " " : "", m->string, v ?: "?", percent ? "%" : "");
        }
        if (t.n == 0)
                text_add(&t, "-");
        return t.s;
}

#define FAULT_CIDRS_SHOWN 8

static void print_fault(const cJSON *f) {
        const cJSON *spec = get(f, "spec"), *counters = get(f, "counters");
        _cleanup_free_ char *target = target_text(get(f, "target")), *devices = devices_text(get(f, "devices"), " "),
                            *match = match_text(spec, FAULT_CIDRS_SHOWN), *netem = netem_text(spec);

        print_kv("id", get_str(f, "id"));
        print_kv("state", get_str(f, "state"));
        print_kv("target", target);
        print_kv("devices", devices);
        print_kv("direction", get_str(spec, "direction") ?: "egress");
        print_kv("match", match);
        print_kv("applied at", get_str(f, "applied_at"));
        print_kv("expires at", get_str(f, "expires_at"));
        if (get_str(spec, "duration"))
                print_kv("duration", get_str(spec, "duration"));
        if (cJSON_IsTrue(get(spec, "partition")))
                print_kv("partition", "yes: every matched packet is dropped");
        else
                print_kv("netem", netem);
        if (cJSON_IsObject(counters)) {
                _cleanup_free_ char *mp = counter_text(counters, "matched_packets"),
                                    *mb = counter_text(counters, "matched_bytes"),
                                    *dp = counter_text(counters, "dropped_packets");
                Text t = {};

                text_add(&t, "%s packets (%s bytes) matched, %s dropped", mp ?: "-", mb ?: "-", dp ?: "-");
                print_kv("counters", t.s);
                free(t.s);
        }
}

static void print_info(const cJSON *info) {
        const cJSON *kernel = get(info, "kernel"), *features = get(kernel, "features"), *faults = get(info, "faults"),
                    *active = get(faults, "active"), *uptime = get(info, "uptime_s"), *f;
        Text have = {}, missing = {};
        char buf[DURATION_STRING_MAX];

        cJSON_ArrayForEach(f, features)
                text_add(cJSON_IsTrue(f) ? &have : &missing, "%s%s", (cJSON_IsTrue(f) ? have.n : missing.n) ? " " : "",
                         f->string);

        print_kv("version", get_str(info, "version"));
        print_kv("kernel", get_str(kernel, "release"));
        print_kv("features", have.s ?: "none");
        print_kv("missing", missing.s ?: "none");
        if (cJSON_IsArray(get(info, "capabilities"))) {
                _cleanup_free_ char *caps = strings_text(get(info, "capabilities"), " ", SIZE_MAX);
                print_kv("capabilities", caps);
        }
        if (cJSON_IsNumber(active))
                printf("%-12s %.0f\n", "faults", active->valuedouble);
        else
                print_kv("faults", NULL);
        if (cJSON_IsNumber(uptime) && isfinite(uptime->valuedouble) && uptime->valuedouble >= 0 &&
            uptime->valuedouble < 9e9)
                print_kv("uptime", format_duration_ns((int64_t) (uptime->valuedouble * 1e9), buf, sizeof buf));
        else
                print_kv("uptime", NULL);

        free(have.s);
        free(missing.s);
}

#define LIST_COLUMNS 10
#define LIST_CIDRS_SHOWN 2

static void print_list(const cJSON *result) {
        static const char *const header[LIST_COLUMNS] = { "ID", "STATE", "TARGET", "DEVICES", "DIRECTION", "EXPIRES",
                                                          "MATCHED", "DROPPED", "MATCH", "SPEC" };
        const cJSON *faults = get(result, "faults"), *f;
        int n = cJSON_GetArraySize(faults), i = 0;
        size_t width[LIST_COLUMNS];
        char *(*cells)[LIST_COLUMNS];

        if (n <= 0) {
                puts("No faults.");
                return;
        }
        cells = calloc((size_t) n, sizeof *cells);
        if (!cells)
                return;

        for (int c = 0; c < LIST_COLUMNS; c++)
                width[c] = strlen(header[c]);

        cJSON_ArrayForEach(f, faults) {
                cells[i][0] = value_to_text(get(f, "id"));
                cells[i][1] = value_to_text(get(f, "state"));
                cells[i][2] = target_short(get(f, "target"));
                cells[i][3] = devices_text(get(f, "devices"), ",");
                cells[i][4] = strdup(get_str(get(f, "spec"), "direction") ?: "egress");
                cells[i][5] = value_to_text(get(f, "expires_at"));
                cells[i][6] = counter_text(get(f, "counters"), "matched_packets");
                cells[i][7] = counter_text(get(f, "counters"), "dropped_packets");
                cells[i][8] = match_text(get(f, "spec"), LIST_CIDRS_SHOWN);
                cells[i][9] = cJSON_IsTrue(get(get(f, "spec"), "partition")) ? strdup("partition") :
                                                                                netem_text(get(f, "spec"));
                for (int c = 0; c < LIST_COLUMNS; c++)
                        if (cells[i][c] && strlen(cells[i][c]) > width[c])
                                width[c] = strlen(cells[i][c]);
                i++;
        }

        for (i = -1; i < n; i++)
                for (int c = 0; c < LIST_COLUMNS; c++) {
                        const char *s = i < 0 ? header[c] : cells[i][c] ?: "-";
                        if (c < LIST_COLUMNS - 1)
                                printf("%-*s  ", (int) width[c], s);
                        else
                                printf("%s\n", s);
                }

        for (i = 0; i < n; i++)
                for (int c = 0; c < LIST_COLUMNS; c++)
                        free(cells[i][c]);
        free(cells);
}

static void print_recovered(const cJSON *r) {
        print_kv("id", get_str(r, "id"));
        print_kv("state", get_str(r, "state"));
}

static int run(const char *method, cJSON *params, void (*printer)(const cJSON *)) {
        _cleanup_(cJSON_Deletep) cJSON *result = NULL;
        int r;

        r = call(method, params, &result);
        if (r != EXIT_OK)
                return r;
        if (arg_json || !printer)
                return print_json(result);
        printer(result);
        return EXIT_OK;
}

/* Options every command takes after its name too: "chaoslet list --json". */
#define COMMON_LONG_OPTIONS                                  \
        { "socket", required_argument, NULL, 's' },          \
        { "json", no_argument, NULL, 'j' },                  \
        { "help", no_argument, NULL, 'h' }

/* Parse a command's own arguments; positional ones land in pos[]. Returns -1 to go on, or an exit code. */
static int parse_simple(int argc, char **argv, const char *synopsis, size_t n_min, size_t n_max, char **pos,
                        size_t *ret_n) {
        static const struct option options[] = { COMMON_LONG_OPTIONS, {} };
        size_t n = 0;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "s:jh", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        arg_socket = optarg;
                        break;
                case 'j':
                        arg_json = true;
                        break;
                case 'h':
                        printf("Usage: chaoslet [--socket PATH] [--json] %s\n", synopsis);
                        return EXIT_OK;
                default:
                        return usage_error("usage: chaoslet %s", synopsis);
                }

        for (int i = optind; i < argc; i++) {
                if (n >= n_max)
                        return usage_error("too many arguments; usage: chaoslet %s", synopsis);
                pos[n++] = argv[i];
        }
        if (n < n_min)
                return usage_error("missing argument; usage: chaoslet %s", synopsis);
        *ret_n = n;
        return -1;
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

        return r >= 0 ? r : run("agent.info", NULL, print_info);
}

static int verb_list(int argc, char **argv) {
        char *pos[1] = {};
        size_t n = 0;
        int r = parse_simple(argc, argv, "list", 0, 0, pos, &n);

        return r >= 0 ? r : run("fault.list", NULL, print_list);
}

/* get ID and recover ID: one positional id, one method, one printer. */
static int verb_with_id(int argc, char **argv, const char *usage, const char *method,
                        void (*print)(const cJSON *result)) {
        char *pos[1] = {};
        size_t n = 0;
        int r = parse_simple(argc, argv, usage, 1, 1, pos, &n);

        if (r >= 0)
                return r;
        cJSON *p = id_params(pos[0]);
        return p ? run(method, p, print) : EXIT_FAIL;
}

static int verb_get(int argc, char **argv) {
        return verb_with_id(argc, argv, "get ID", "fault.get", print_fault);
}

static int verb_recover(int argc, char **argv) {
        return verb_with_id(argc, argv, "recover ID", "fault.recover", print_recovered);
}

static int verb_rpc(int argc, char **argv) {
        _cleanup_(cJSON_Deletep) cJSON *params = NULL;
        char *pos[2] = {};
        size_t n = 0;
        int r = parse_simple(argc, argv, "rpc METHOD [JSON]", 1, 2, pos, &n);

        if (r >= 0)
                return r;
        if (n == 2) {
                params = cJSON_ParseWithOpts(pos[1], NULL, /* require_null_terminated= */ true);
                if (!params)
                        return usage_error("rpc: params are not valid JSON: %s", pos[1]);
        }
        arg_json = true;        /* raw in, raw out */
        return run(pos[0], TAKE_PTR(params), NULL);
}

/* apply: flag -> member of the params. */
enum {
        OPT_ID = 0x100,
        OPT_PID,
        OPT_NETNS,
        OPT_DEVICE,
        OPT_DURATION,
        OPT_CIDR,
        OPT_PORT,
        OPT_PROTOCOL,
        OPT_DIRECTION,
        OPT_PARTITION,
        OPT_NETEM,      /* OPT_NETEM + i: netem_flags[i] */
};

static const char *const netem_flags[][2] = {
        { "latency", "latency" },
        { "jitter", "jitter" },
        { "correlation", "correlation" },
        { "distribution", "distribution" },
        { "loss", "loss" },
        { "loss-correlation", "loss_correlation" },
        { "duplicate", "duplicate" },
        { "duplicate-correlation", "duplicate_correlation" },
        { "corrupt", "corrupt" },
        { "corrupt-correlation", "corrupt_correlation" },
        { "reorder", "reorder" },
        { "reorder-correlation", "reorder_correlation" },
        { "gap", "gap" },
        { "rate", "rate" },
        { "limit", "limit" },
};

static cJSON *object_member(cJSON *parent, const char *name) {
        cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, name);
        return o ?: cJSON_AddObjectToObject(parent, name);
}

/* Set a string member once; a second --flag is a usage error rather than a silent override. */
static int set_once(cJSON *o, const char *name, const char *flag, const char *value) {
        if (!o)
                return -ENOMEM;
        if (cJSON_HasObjectItem(o, name)) {
                usage_error("--%s given twice", flag);
                return -EEXIST;
        }
        return cJSON_AddStringToObject(o, name, value) ? 0 : -ENOMEM;
}

/* Append a string to an array member, creating it: the repeatable flags. */
static int append_string(cJSON *o, const char *name, const char *value) {
        cJSON *a, *s;

        if (!o)
                return -ENOMEM;
        a = cJSON_GetObjectItemCaseSensitive(o, name) ?: cJSON_AddArrayToObject(o, name);
        s = cJSON_CreateString(value);
        if (!a || !s || !cJSON_AddItemToArray(a, s)) {
                cJSON_Delete(s);
                return -ENOMEM;
        }
        return 0;
}

static int read_params_file(const char *path, cJSON **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, cap = 0;
        FILE *f;

        f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
        if (!f) {
                fprintf(stderr, "chaoslet: %s: %s\n", path, strerror(errno));
                return EXIT_FAIL;
        }
        for (;;) {
                if (n == cap) {
                        /* The request must fit one protocol line anyway. */
                        if (cap > RPC_LINE_MAX) {
                                fprintf(stderr, "chaoslet: %s: larger than %u bytes\n", path, RPC_LINE_MAX);
                                if (f != stdin)
                                        fclose(f);
                                return EXIT_FAIL;
                        }
                        cap = cap ? cap * 2 : 4096;
                        char *b = realloc(buf, cap);
                        if (!b) {
                                if (f != stdin)
                                        fclose(f);
                                return EXIT_FAIL;
                        }
                        buf = b;
                }
                size_t k = fread(buf + n, 1, cap - n, f);
                n += k;
                if (k == 0)
                        break;
        }
        bool failed = ferror(f);
        if (f != stdin)
                fclose(f);
        if (failed) {
                fprintf(stderr, "chaoslet: %s: read error\n", path);
                return EXIT_FAIL;
        }

        buf[n] = '\0';         /* the loop above only stops with room to spare */
        cJSON *p = cJSON_ParseWithOpts(buf, NULL, /* require_null_terminated= */ true);
        if (!cJSON_IsObject(p)) {
                cJSON_Delete(p);
                fprintf(stderr, "chaoslet: %s: not a JSON object with fault.apply params\n", path);
                return EXIT_FAIL;
        }
        *ret = p;
        return EXIT_OK;
}

/* The options above the netem flags, with room to spare; verb_apply() appends netem_flags after the last. */
#define APPLY_OPTIONS_FIXED 16

static int verb_apply(int argc, char **argv) {
        struct option options[APPLY_OPTIONS_FIXED + ELEMENTSOF(netem_flags) + 1] = {
                COMMON_LONG_OPTIONS,
                { "id", required_argument, NULL, OPT_ID },
                { "pid", required_argument, NULL, OPT_PID },
                { "netns", required_argument, NULL, OPT_NETNS },
                { "device", required_argument, NULL, OPT_DEVICE },
                { "duration", required_argument, NULL, OPT_DURATION },
                { "cidr", required_argument, NULL, OPT_CIDR },
                { "port", required_argument, NULL, OPT_PORT },
                { "protocol", required_argument, NULL, OPT_PROTOCOL },
                { "direction", required_argument, NULL, OPT_DIRECTION },
                { "partition", no_argument, NULL, OPT_PARTITION },
        };
        _cleanup_(cJSON_Deletep) cJSON *params = cJSON_CreateObject();
        const char *file = NULL;
        bool flags = false;
        size_t k = 0;
        int c, r;

        while (options[k].name)
                k++;
        for (size_t i = 0; i < ELEMENTSOF(netem_flags); i++)
                options[k + i] = (struct option) { netem_flags[i][0], required_argument, NULL, OPT_NETEM + (int) i };
        if (!params)
                return EXIT_FAIL;

        optind = 0;
        while ((c = getopt_long(argc, argv, "s:jhf:", options, NULL)) >= 0) {
                r = 0;
                switch (c) {
                case 's':
                        arg_socket = optarg;
                        continue;
                case 'j':
                        arg_json = true;
                        continue;
                case 'h':
                        help(stdout);
                        return EXIT_OK;
                case 'f':
                        if (file)
                                return usage_error("-f given twice");
                        file = optarg;
                        continue;
                case OPT_ID:
                        r = set_once(params, "id", "id", optarg);
                        break;
                case OPT_PID: {
                        char *end;
                        long long pid;

                        errno = 0;
                        pid = strtoll(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end != '\0')
                                return usage_error("--pid needs an integer, not '%s'", optarg);
                        cJSON *t = object_member(params, "target");
                        if (!t)
                                return EXIT_FAIL;
                        if (cJSON_HasObjectItem(t, "pid"))
                                return usage_error("--pid given twice");
                        r = cJSON_AddNumberToObject(t, "pid", (double) pid) ? 0 : -ENOMEM;
                        break;
                }
                case OPT_NETNS:
                        r = set_once(object_member(params, "target"), "netns", "netns", optarg);
                        break;
                case OPT_DEVICE:
                        r = append_string(params, "device", optarg);
                        break;
                case OPT_DURATION:
                        r = set_once(params, "duration", "duration", optarg);
                        break;
                /* Ports go as strings, as given: the agent takes "80" and "8000-8100" alike. */
                case OPT_CIDR:
                        r = append_string(object_member(params, "match"), "cidrs", optarg);
                        break;
                case OPT_PORT:
                        r = append_string(object_member(params, "match"), "ports", optarg);
                        break;
                case OPT_PROTOCOL:
                        r = set_once(object_member(params, "match"), "protocol", "protocol", optarg);
                        break;
                case OPT_DIRECTION:
                        r = set_once(params, "direction", "direction", optarg);
                        break;
                case OPT_PARTITION:
                        if (!cJSON_HasObjectItem(params, "partition"))
                                r = cJSON_AddTrueToObject(params, "partition") ? 0 : -ENOMEM;
                        break;
                default:
                        if (c >= OPT_NETEM && c < OPT_NETEM + (int) ELEMENTSOF(netem_flags)) {
                                const char *const *m = netem_flags[c - OPT_NETEM];
                                r = set_once(object_member(params, "netem"), m[1], m[0], optarg);
                                break;
                        }
                        return usage_error("usage: chaoslet apply FLAGS | -f FILE");
                }
                if (r == -EEXIST)
                        return EXIT_USAGE;
                if (r < 0) {
                        fputs("chaoslet: out of memory\n", stderr);
                        return EXIT_FAIL;
                }
                flags = true;
        }

        if (optind < argc)
                return usage_error("apply: unexpected argument '%s'", argv[optind]);
        if (file && flags)
                return usage_error("apply: -f and fault flags cannot be mixed");
        if (!file && !flags)
                return usage_error("apply: give fault flags (--pid/--netns, --latency, ... or --partition) or -f FILE");

        if (file) {
                cJSON_Delete(TAKE_PTR(params));
                r = read_params_file(file, &params);
                if (r != EXIT_OK)
                        return r;
        }

        return run("fault.apply", TAKE_PTR(params), print_fault);
}

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
} verbs[] = {
        { "info", verb_info },
        { "apply", verb_apply },
        { "recover", verb_recover },
        { "list", verb_list },
        { "get", verb_get },
        { "rpc", verb_rpc },
};

int main(int argc, char **argv) {
        static const struct option options[] = { COMMON_LONG_OPTIONS, {} };
        int c;

        /* '+': stop at the command; its own flags are parsed by it. */
        while ((c = getopt_long(argc, argv, "+s:jh", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        arg_socket = optarg;
                        break;
                case 'j':
                        arg_json = true;
                        break;
                case 'h':
                        help(stdout);
                        return EXIT_OK;
                default:
                        return usage_error("unknown option");
                }

        if (optind >= argc)
                return usage_error("missing command");

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(argv[optind], verbs[i].name) == 0)
                        return verbs[i].run(argc - optind, argv + optind);

        return usage_error("unknown command '%s'", argv[optind]);
}
