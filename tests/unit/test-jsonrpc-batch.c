/* SPDX-License-Identifier: MIT */
/* rpc_line_process(): batches as JSON-RPC 2.0 says them, ids echoed as their own text, and the limits a line can
 * reach (nesting, numbers beyond a double). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "tap.h"

static unsigned calls;

/* "echo" answers its params, "fail" answers -32005; anything else is -32601 as the agent does. */
static int dispatch(void *userdata, const RpcRequest *req, cJSON **ret_result, RpcError *err) {
        calls++;
        if (strcmp(req->method, "echo") == 0) {
                *ret_result = req->params ? cJSON_Duplicate(req->params, true) : cJSON_CreateNull();
                return 0;
        }
        if (strcmp(req->method, "obj") == 0) {
                if (!cJSON_IsObject(req->params)) {
                        rpc_error_set(err, RPC_INVALID_PARAMS, NULL);
                        rpc_error_set_field(err, "params", "must be an object");
                        return -EINVAL;
                }
                *ret_result = cJSON_CreateTrue();
                return 0;
        }
        if (strcmp(req->method, "fail") == 0) {
                rpc_error_set(err, RPC_UNKNOWN_FAULT, NULL);
                return -ENOENT;
        }
        rpc_error_set(err, RPC_METHOD_NOT_FOUND, NULL);
        return -EOPNOTSUPP;
}

/* The reply to line, or "" for none. */
static char *process(const char *line) {
        char *reply = NULL;

        CHECK_EQ_INT(rpc_line_process(line, strlen(line), dispatch, NULL, &reply), 0);
        return reply ? reply : strdup("");
}

static void expect(const char *line, const char *reply) {
        char *got = process(line);

        if (strcmp(got, reply) != 0) {
                fprintf(stderr, "for %s\n  got      %s\n  expected %s\n", line, got, reply);
                tap_failures++;
        }
        free(got);
}

#define REQ(id, method) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"" method "\"}"
#define OK(id, result) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"result\":" result "}"
#define ERR(id, code, message) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"error\":{\"code\":" code ",\"message\":\"" message "\""

static void test_batches(void) {
        char *got;

        /* In order, one entry per request with an id; notifications get none. */
        expect("[" REQ("1", "echo") "," REQ("\"b\"", "nope") ",{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}," REQ("3", "fail")
               "]",
               "[" OK("1", "null") "," ERR("\"b\"", "-32601", "Method not found") "}}," ERR("3", "-32005",
                                                                                           "Unknown fault id") "}}]\n");
        /* A single-entry batch is still an array. */
        expect(" [ " REQ("7", "echo") " ] ", "[" OK("7", "null") "]\n");

        /* The standard's own cases. */
        expect("[]", ERR("null", "-32600", "Invalid request") ",\"data\":{\"reason\":\"empty batch\"}}}\n");
        expect("[1]", "[" ERR("null", "-32600", "Invalid request") ",\"data\":{\"reason\":\"a request must be a JSON object\"}}}]\n");
        expect("[1,2,3]", "[" ERR("null", "-32600", "Invalid request") ",\"data\":{\"reason\":\"a request must be a JSON object\"}}},"
                          ERR("null", "-32600", "Invalid request") ",\"data\":{\"reason\":\"a request must be a JSON object\"}}},"
                          ERR("null", "-32600", "Invalid request") ",\"data\":{\"reason\":\"a request must be a JSON object\"}}}]\n");
        /* A batch with an invalid JSON entry is not JSON at all: one -32700. */
        got = process("[" REQ("1", "echo") ",{\"jsonrpc\":\"2.0\",\"method\"]");
        CHECK(strncmp(got, ERR("null", "-32700", "Parse error"), strlen(ERR("null", "-32700", "Parse error"))) == 0);
        free(got);

        /* Only notifications: no reply at all, yet every one ran. */
        calls = 0;
        expect("[{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}]", "");
        CHECK_EQ_INT(calls, 2);
        expect("{\"jsonrpc\":\"2.0\",\"method\":\"fail\"}", "");

        /* A nested array is an entry that is not an object; an invalid entry keeps its id. */
        expect("[[" REQ("1", "echo") "]," "{\"jsonrpc\":\"1.0\",\"id\":2,\"method\":\"echo\"}]",
               "[" ERR("null", "-32600", "Invalid request") ",\"data\":{\"reason\":\"a request must be a JSON object\"}}},"
               ERR("2", "-32600", "Invalid request") ",\"data\":{\"field\":\"jsonrpc\",\"reason\":\"must be \\\"2.0\\\"\"}}}]\n");

        /* At most RPC_BATCH_MAX entries. */
        for (int n = RPC_BATCH_MAX; n <= RPC_BATCH_MAX + 1; n++) {
                size_t size = (size_t) n * 64 + 8;
                char *line = malloc(size), *p = line;
                cJSON *reply;

                p += sprintf(p, "[");
                for (int i = 0; i < n; i++)
                        p += sprintf(p, "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"echo\"}", i ? "," : "", i);
                sprintf(p, "]");
                calls = 0;
                got = process(line);
                reply = cJSON_Parse(got);
                if (n == RPC_BATCH_MAX) {
                        CHECK_EQ_INT(cJSON_GetArraySize(reply), RPC_BATCH_MAX);
                        CHECK_EQ_INT(cJSON_GetArrayItem(reply, 99) ? cJSON_GetArrayItem(reply, 99)->child->next->valueint : -1, 99);
                        CHECK_EQ_INT(calls, RPC_BATCH_MAX);
                } else {
                        CHECK(cJSON_IsObject(reply));
                        CHECK(strstr(got, "\"a batch of 101 requests: at most 100\"") != NULL);
                        CHECK_EQ_INT(calls, 0);
                }
                cJSON_Delete(reply);
                free(got);
                free(line);
        }
}

static void test_ids(void) {
        /* Each id comes back as it was written: cJSON alone prints 9007199254740991 as 9.00719925474099e+15. */
        static const char *const ids[] = {
                "9007199254740991", "9007199254740993", "-1", "0", "-0", "1e3", "1E+3", "1.5", "-2.50e-7",
                "1e999", "\"a\"", "\"\"", "\"tab\\tquote\\\"slash\\/\\u00e9\\ud83d\\ude00\"", "\"\xc3\xa9\"", "null",
                /* 300 digits: echoed too; the line's 1 MiB is the only limit on an id. */
                "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
                "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
                "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
                "123456789012345678901234567890",
        };
        char line[1024], want[1024];

        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
                snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\": %s ,\"method\":\"echo\"}", ids[i]);
                snprintf(want, sizeof want, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":null}\n", ids[i]);
                expect(line, want);
                /* The same in a batch, and on an error. */
                snprintf(line, sizeof line, "[{\"method\":\"echo\",\"id\":%s,\"jsonrpc\":\"2.0\"}]", ids[i]);
                snprintf(want, sizeof want, "[{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":null}]\n", ids[i]);
                expect(line, want);
                snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"nope\"}", ids[i]);
                snprintf(want, sizeof want, ERR("%s", "-32601", "Method not found") "}}\n", ids[i]);
                expect(line, want);
        }
        /* An id member in params, or a key that only decodes to "id", is not the request's id text. */
        expect("{\"jsonrpc\":\"2.0\",\"params\":{\"id\":1},\"id\":2,\"method\":\"echo\"}", OK("2", "{\"id\":1}") "\n");
        expect("{\"jsonrpc\":\"2.0\",\"\\u0069d\":3,\"method\":\"echo\"}", OK("3", "null") "\n");
}

/* {"jsonrpc":"2.0","method":"echo","id":9,"params":[[...]]} with the request `depth` deep. */
static char *nested(size_t depth, bool batch) {
        size_t inner = depth - 1;
        char *s = malloc(2 * inner + 64), *p = s;

        p = stpcpy(p, batch ? "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":9,\"params\":"
                            : "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":9,\"params\":");
        memset(p, '[', inner);
        p += inner;
        memset(p, ']', inner);
        p += inner;
        strcpy(p, batch ? "}]" : "}");
        return s;
}

static void test_limits(void) {
        char *s, *got;

        /* 64 levels are served, alone or in a batch (the batch's array does not count); 65 are -32600 with the id. */
        for (int batch = 0; batch <= 1; batch++) {
                s = nested(RPC_NESTING_MAX, batch);
                got = process(s);
                CHECK(strstr(got, "\"result\"") != NULL);
                free(got);
                free(s);
                s = nested(RPC_NESTING_MAX + 1, batch);
                got = process(s);
                CHECK(strstr(got, "\"id\":9,\"error\":{\"code\":-32600") && strstr(got, "nested deeper than 64 levels"));
                free(got);
                free(s);
        }

        /* Beyond a double: -32602 naming the member; a small one underflows to 0, which is a number. */
        expect("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"netem\":{\"loss\":1e999}}}",
               ERR("1", "-32602", "Invalid params")
               ",\"data\":{\"field\":\"netem.loss\",\"reason\":\"number out of range (beyond a double's 1.8e308)\"}}}\n");
        expect("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[0,[-1e400]]}",
               ERR("1", "-32602", "Invalid params")
               ",\"data\":{\"field\":\"[1][0]\",\"reason\":\"number out of range (beyond a double's 1.8e308)\"}}}\n");
        expect("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[1e-999]}", OK("1", "[0]") "\n");
        /* NaN and Infinity are not JSON. */
        got = process("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[NaN]}");
        CHECK(strstr(got, "-32700") != NULL);
        free(got);
        got = process("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":[Infinity]}");
        CHECK(strstr(got, "-32700") != NULL);
        free(got);

        /* Params that are not an object, to a method that takes one: the method's -32602. */
        expect("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"obj\",\"params\":[1]}",
               ERR("1", "-32602", "Invalid params") ",\"data\":{\"field\":\"params\",\"reason\":\"must be an object\"}}}\n");
}

int main(void) {
        test_batches();
        test_ids();
        test_limits();
        TAP_EXIT();
}
