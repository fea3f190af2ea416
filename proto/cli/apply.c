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

/* apply's flags beyond the common ones. */
enum {
        OPT_PID = 0x100,
        OPT_PARTITION,
        OPT_MEMBER,     /* OPT_MEMBER + i: member_flags[i] */
        OPT_SHAPING = OPT_MEMBER + 0x100,       /* OPT_SHAPING + i: apply-shaping.c's flag i */
};

/* The flags whose argument goes, as given, to a member of the params: the agent checks and normalises each
 * ("containerd://ID" or the bare ID, a pod UID with dashes or underscores, ports as "80" or "8000-8100") and says
 * which member was wrong. */
static const struct {
        const char *flag;
        const char *object;     /* the member's object; NULL: the params themselves */
        const char *member;
        bool repeatable;        /* each use appends to an array, rather than the flag being allowed once */
} member_flags[] = {
        { "id", NULL, "id", false },
        { "netns", "target", "netns", false },
        { "container", "target", "container", false },
        { "pod", "target", "pod", false },
        { "device", NULL, "device", true },
        { "duration", NULL, "duration", false },
        { "cidr", "match", "cidrs", true },
        { "port", "match", "ports", true },
        { "protocol", "match", "protocol", false },
        { "direction", NULL, "direction", false },
        { "latency", "netem", "latency", false },
        { "jitter", "netem", "jitter", false },
        { "correlation", "netem", "correlation", false },
        { "distribution", "netem", "distribution", false },
        { "loss", "netem", "loss", false },
        { "loss-correlation", "netem", "loss_correlation", false },
        { "duplicate", "netem", "duplicate", false },
        { "duplicate-correlation", "netem", "duplicate_correlation", false },
        { "corrupt", "netem", "corrupt", false },
        { "corrupt-correlation", "netem", "corrupt_correlation", false },
        { "reorder", "netem", "reorder", false },
        { "reorder-correlation", "netem", "reorder_correlation", false },
        { "gap", "netem", "gap", false },
        { "rate", "netem", "rate", false },
        { "limit", "netem", "limit", false },
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

/* The options before the member and shaping flags, which cli_verb_apply() appends. */
static const struct option apply_options[] = {
        CLI_COMMON_LONG_OPTIONS,
        { "pid", required_argument, NULL, OPT_PID },
        { "partition", no_argument, NULL, OPT_PARTITION },
};

/* One member flag: its argument into its member. */
static int member_flag(cJSON *params, size_t i, const char *value) {
        cJSON *o = member_flags[i].object ? object_member(params, member_flags[i].object) : params;

        if (member_flags[i].repeatable)
                return append_string(o, member_flags[i].member, value);
        return set_once(o, member_flags[i].member, member_flags[i].flag, value);
}

int cli_verb_apply(int argc, char **argv) {
        struct option options[ELEMENTSOF(apply_options) + ELEMENTSOF(member_flags) + CLI_SHAPING_OPTIONS_MAX + 1] = {};
        static const CliParamsOps ops = { object_member, set_once };
        _cleanup_(cJSON_Deletep) cJSON *params = cJSON_CreateObject();
        size_t n_shaping;
        const char *file = NULL;
        bool flags = false;
        size_t k = ELEMENTSOF(apply_options);
        int c, r;

        memcpy(options, apply_options, sizeof apply_options);
        for (size_t i = 0; i < ELEMENTSOF(member_flags); i++)
                options[k + i] = (struct option) { member_flags[i].flag, required_argument, NULL, OPT_MEMBER + (int) i };
        n_shaping = cli_shaping_options(options + k + ELEMENTSOF(member_flags), OPT_SHAPING);
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
                case OPT_PARTITION:
                        if (!cJSON_HasObjectItem(params, "partition"))
                                r = cJSON_AddTrueToObject(params, "partition") ? 0 : -ENOMEM;
                        break;
                default:
                        if (c >= OPT_MEMBER && c < OPT_MEMBER + (int) ELEMENTSOF(member_flags)) {
                                r = member_flag(params, (size_t) (c - OPT_MEMBER), optarg);
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
