/* SPDX-License-Identifier: MIT */
/* chaoslet apply: fault flags, or fault.apply params from a file, to the agent as they are. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"

/* apply: flag -> member of the params. */
enum {
        OPT_ID = 0x100,
        OPT_PID,
        OPT_NETNS,
        OPT_CONTAINER,
        OPT_POD,
        OPT_DEVICE,
        OPT_DURATION,
        OPT_CIDR,
        OPT_PORT,
        OPT_PROTOCOL,
        OPT_DIRECTION,
        OPT_PARTITION,
        OPT_NETEM,      /* OPT_NETEM + i: netem_flags[i] */
        OPT_SHAPING = OPT_NETEM + 0x100,        /* OPT_SHAPING + i: apply-shaping.c's flag i */
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
                cli_usage_error("--%s given twice", flag);
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

/* The request must fit one protocol line anyway. Reading stops at twice that; a file below it goes out and the
 * agent refuses a line that is too long with its own error. */
#define PARAMS_FILE_MAX (2 * (size_t) RPC_LINE_MAX)

static int read_text(FILE *f, const char *path, Buf *ret) {
        char chunk[4096];
        size_t k;

        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
                if (buf_append(ret, chunk, k) < 0)
                        return EXIT_FAIL;
                if (ret->len >= PARAMS_FILE_MAX) {
                        fprintf(stderr, "chaoslet: %s: larger than %u bytes\n", path, RPC_LINE_MAX);
                        return EXIT_FAIL;
                }
        }
        if (ferror(f)) {
                fprintf(stderr, "chaoslet: %s: read error\n", path);
                return EXIT_FAIL;
        }
        return EXIT_OK;
}

static int read_params_file(const char *path, cJSON **ret) {
        _cleanup_(buf_done) Buf text = {};
        FILE *f;
        int r;

        f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
        if (!f) {
                fprintf(stderr, "chaoslet: %s: %s\n", path, strerror(errno));
                return EXIT_FAIL;
        }
        r = read_text(f, path, &text);
        if (f != stdin)
                fclose(f);
        if (r != EXIT_OK)
                return r;

        cJSON *p = cJSON_ParseWithOpts(text.data ?: "", NULL, /* require_null_terminated= */ true);
        if (!cJSON_IsObject(p)) {
                cJSON_Delete(p);
                fprintf(stderr, "chaoslet: %s: not a JSON object with fault.apply params\n", path);
                return EXIT_FAIL;
        }
        *ret = p;
        return EXIT_OK;
}

/* A Chaos Mesh NetworkChaos, as kubectl or a manifest has it: the spec (it has an action) or the whole object. */
static bool is_networkchaos(const cJSON *o) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");

        return cJSON_HasObjectItem(o, "action") || (cJSON_IsString(kind) && strcmp(kind->valuestring, "NetworkChaos") == 0);
}

/* -f FILE with a NetworkChaos: the flags' target and id go with it, the agent takes its spec. Consumes content. */
static int params_add_networkchaos(cJSON *params, cJSON *content) {
        for (const cJSON *m = params->child; m; m = m->next)
                if (strcmp(m->string, "target") != 0 && strcmp(m->string, "id") != 0) {
                        cJSON_Delete(content);
                        return cli_usage_error("apply: a NetworkChaos file says the fault: give only its target "
                                               "and --id as flags");
                }
        if (!cJSON_AddItemToObject(params, "networkchaos", content)) {
                cJSON_Delete(content);
                return EXIT_FAIL;
        }
        return EXIT_OK;
}

/* The options before the netem and shaping flags, which cli_verb_apply() appends. */
static const struct option apply_options[] = {
        CLI_COMMON_LONG_OPTIONS,
        { "id", required_argument, NULL, OPT_ID },
        { "pid", required_argument, NULL, OPT_PID },
        { "netns", required_argument, NULL, OPT_NETNS },
        { "container", required_argument, NULL, OPT_CONTAINER },
        { "pod", required_argument, NULL, OPT_POD },
        { "device", required_argument, NULL, OPT_DEVICE },
        { "duration", required_argument, NULL, OPT_DURATION },
        { "cidr", required_argument, NULL, OPT_CIDR },
        { "port", required_argument, NULL, OPT_PORT },
        { "protocol", required_argument, NULL, OPT_PROTOCOL },
        { "direction", required_argument, NULL, OPT_DIRECTION },
        { "partition", no_argument, NULL, OPT_PARTITION },
};

int cli_verb_apply(int argc, char **argv) {
        struct option options[ELEMENTSOF(apply_options) + ELEMENTSOF(netem_flags) + CLI_SHAPING_OPTIONS_MAX + 1] = {};
        static const CliParamsOps ops = { object_member, set_once };
        _cleanup_(cJSON_Deletep) cJSON *params = cJSON_CreateObject();
        size_t n_shaping;
        const char *file = NULL;
        bool flags = false;
        size_t k = ELEMENTSOF(apply_options);
        int c, r;

        memcpy(options, apply_options, sizeof apply_options);
        for (size_t i = 0; i < ELEMENTSOF(netem_flags); i++)
                options[k + i] = (struct option) { netem_flags[i][0], required_argument, NULL, OPT_NETEM + (int) i };
        n_shaping = cli_shaping_options(options + k + ELEMENTSOF(netem_flags), OPT_SHAPING);
        if (!params)
                return EXIT_FAIL;

        optind = 0;
        while ((c = getopt_long(argc, argv, "s:jhf:", options, NULL)) >= 0) {
                r = 0;
                switch (c) {
                case 'f':
                        if (file)
                                return cli_usage_error("-f given twice");
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
                                return cli_usage_error("--pid needs an integer, not '%s'", optarg);
                        cJSON *t = object_member(params, "target");
                        if (!t)
                                return EXIT_FAIL;
                        if (cJSON_HasObjectItem(t, "pid"))
                                return cli_usage_error("--pid given twice");
                        r = cJSON_AddNumberToObject(t, "pid", (double) pid) ? 0 : -ENOMEM;
                        break;
                }
                case OPT_NETNS:
                        r = set_once(object_member(params, "target"), "netns", "netns", optarg);
                        break;
                /* As given: the agent checks and normalises them ("containerd://ID" or the bare ID; a pod UID
                 * with dashes or underscores), and says which member was wrong. */
                case OPT_CONTAINER:
                        r = set_once(object_member(params, "target"), "container", "container", optarg);
                        break;
                case OPT_POD:
                        r = set_once(object_member(params, "target"), "pod", "pod", optarg);
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
                        if (c >= OPT_SHAPING && c < OPT_SHAPING + (int) n_shaping) {
                                r = cli_shaping_option(c - OPT_SHAPING, optarg, params, &ops);
                                break;
                        }
                        r = cli_common_option(c, "apply FLAGS | -f FILE", /* full_help= */ true);
                        if (r != CLI_GO_ON)
                                return r;
                        continue;
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
                return cli_usage_error("apply: unexpected argument '%s'", argv[optind]);
        if (!file && !flags)
                return cli_usage_error("apply: give fault flags (--pid/--netns/--container/--pod, --latency, ..., "
                                       "--bandwidth or --partition) or -f FILE");

        if (file) {
                cJSON *content = NULL;

                r = read_params_file(file, &content);
                if (r != EXIT_OK)
                        return r;
                if (is_networkchaos(content)) {
                        r = params_add_networkchaos(params, content);
                        if (r != EXIT_OK)
                                return r;
                } else if (params->child) {
                        cJSON_Delete(content);
                        return cli_usage_error("apply: -f and fault flags cannot be mixed");
                } else {
                        /* fault.apply params stand alone. */
                        cJSON_Delete(params);
                        params = content;
                }
        }

        return cli_run("fault.apply", TAKE_PTR(params), cli_print_fault);
}
