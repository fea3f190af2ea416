/* SPDX-License-Identifier: MIT */
#pragma once

/* What the files of the chaoslet CLI share: main.c (the commands and their common options), print.c (the human
 * output) and apply.c (the apply command). */

#include <getopt.h>
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "jsonrpc.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete);

enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
};

/* What an option parser returns to go on; any other value is the exit code to end with. */
#define CLI_GO_ON (-1)

/* Options every command takes after its name too: "chaoslet list --json". */
#define CLI_COMMON_LONG_OPTIONS                              \
        { "socket", required_argument, NULL, 's' },          \
        { "json", no_argument, NULL, 'j' },                  \
        { "help", no_argument, NULL, 'h' }

/* "chaoslet: <message>" and a pointer to --help, on stderr. Returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) _printf_(1, 2);

/* Handle an option that a command's own parser does not know: --socket and --json, --help, or a usage error for
 * anything else. synopsis is the command's ("list", "apply FLAGS | -f FILE"), NULL before the command. --help
 * prints the whole help when full_help, else the command's usage line. Returns CLI_GO_ON after --socket and
 * --json, else the exit code. */
int cli_common_option(int c, const char *synopsis, bool full_help);

/* Call method with params (consumed) and print its result with printer, or as JSON with --json or when printer is
 * NULL. Returns the exit code. */
int cli_run(const char *method, cJSON *params, void (*printer)(const cJSON *result));

/* print.c */
int cli_print_json(const cJSON *v);
int cli_print_rpc_error(const RpcError *e);
void cli_print_fault(const cJSON *f);
void cli_print_info(const cJSON *info);
void cli_print_list(const cJSON *result);
void cli_print_recovered(const cJSON *r);

/* apply.c */
int cli_verb_apply(int argc, char **argv);

/* apply-shaping.c: bandwidth and the netem flags that are objects or booleans (--ecn, --slot, --loss-model-ge).
 * The helpers apply.c builds its params with, so that both refuse a flag given twice alike. */
typedef struct CliParamsOps {
        cJSON *(*object_member)(cJSON *parent, const char *name);
        int (*set_once)(cJSON *o, const char *name, const char *flag, const char *value);
} CliParamsOps;

#define CLI_SHAPING_OPTIONS_MAX 16
/* Append the shaping flags to dst, with vals base + 0.. . Returns how many. */
size_t cli_shaping_options(struct option *dst, int base);
/* Handle shaping flag index (its val - base). Returns 0, -EEXIST after a usage error it printed, -ENOMEM. */
int cli_shaping_option(int index, const char *arg, cJSON *params, const CliParamsOps *ops);
