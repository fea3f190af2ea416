/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonrpc.h"
#include "tap.h"

/* Parse s; return the code, and the error's data.field / data.reason / reply id printed compactly. */
typedef struct Parsed {
        int r;
        RpcRequest req;
        RpcError err;
        const char *field, *reason;
        char *id;       /* the id as the reply would carry it, printed */
} Parsed;

static void parsed_done(Parsed *p) {
        free(p->id);
        rpc_request_done(&p->req);
        rpc_error_done(&p->err);
}

static Parsed parse_n(const char *s, size_t n) {
        Parsed p = {};
        cJSON *f, *r;

        p.r = rpc_request_parse(s, n, &p.req, &p.err);
        f = cJSON_GetObjectItem(p.err.data, "field");
        r = cJSON_GetObjectItem(p.err.data, "reason");
        p.field = cJSON_IsString(f) ? f->valuestring : NULL;
        p.reason = cJSON_IsString(r) ? r->valuestring : NULL;
        p.id = p.req.id ? cJSON_PrintUnformatted(p.req.id) : strdup("null");
        return p;
}

static Parsed parse(const char *s) {
        return parse_n(s, strlen(s));
}

static void expect_code(const char *s, int code, const char *id, const char *reason) {
        Parsed p = parse(s);

        if (p.r != code || p.err.code != code || strcmp(p.id, id) != 0 ||
            (reason && (!p.reason || !strstr(p.reason, reason)))) {
                fprintf(stderr, "for %s:\n  got %d (err.code %d) id %s reason \"%s\"\n  expected %d id %s reason ~\"%s\"\n",
                        s, p.r, p.err.code, p.id, p.reason ?: "(none)", code, id, reason ?: "(any)");
                tap_failures++;
        }
        if (code != 0)
                CHECK(p.req.root == NULL && p.req.method == NULL && p.req.params == NULL);
        parsed_done(&p);
}

static void expect_field(const char *s, int code, const char *field) {
        Parsed p = parse(s);

        CHECK_EQ_INT(p.r, code);
        CHECK_STREQ(p.field, field);
        parsed_done(&p);
}

static void test_valid(void) {
        Parsed p;

        p = parse("{\"jsonrpc\":\"2.0\",\"method\":\"fault.get\",\"params\":{\"id\":\"x\"},\"id\":7}");
        CHECK_EQ_INT(p.r, 0);
        CHECK_STREQ(p.req.method, "fault.get");
        CHECK(cJSON_IsObject(p.req.params));
        CHECK_STREQ(cJSON_GetObjectItem(p.req.params, "id")->valuestring, "x");
        CHECK(p.req.has_id);
        CHECK_STREQ(p.id, "7");
        parsed_done(&p);

        /* String ids, pretty-printed input, and surrounding white space (a CR from nc -C, too). */
        p = parse("  {\n \"id\": \"abc-1\",\t\"method\": \"agent.info\", \"jsonrpc\": \"2.0\"}  \r");
        CHECK_EQ_INT(p.r, 0);
        CHECK_STREQ(p.id, "\"abc-1\"");
        CHECK(p.req.params == NULL);
        parsed_done(&p);

        /* A null id is still an id; no id at all is a notification. */
        p = parse("{\"jsonrpc\":\"2.0\",\"method\":\"agent.info\",\"id\":null}");
        CHECK_EQ_INT(p.r, 0);
        CHECK(p.req.has_id);
        CHECK(cJSON_IsNull(p.req.id));
        parsed_done(&p);

        p = parse("{\"jsonrpc\":\"2.0\",\"method\":\"fault.list\"}");
        CHECK_EQ_INT(p.r, 0);
        CHECK(!p.req.has_id);
        CHECK(p.req.id == NULL);
        parsed_done(&p);

        /* By-position params are valid JSON-RPC; rejecting them is the method's business (-32602). */
        p = parse("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":[1,2],\"id\":1.5}");
        CHECK_EQ_INT(p.r, 0);
        CHECK(cJSON_IsArray(p.req.params));
        CHECK_STREQ(p.id, "1.5");
        parsed_done(&p);

        /* UTF-8 and escapes are fine; only NUL and control characters are not. */
        p = parse("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{\"s\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00 \xf0\x9f\x98\x80\"},"
                  "\"id\":\"\\u2603\"}");
        CHECK_EQ_INT(p.r, 0);
        CHECK_STREQ(cJSON_GetObjectItem(p.req.params, "s")->valuestring,
                    "caf\xc3\xa9 \xc3\xa9 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80");
        parsed_done(&p);

        /* len bounds the line: what follows it is not read. */
        {
                const char *s = "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1}garbage";
                p = parse_n(s, strlen(s) - strlen("garbage"));
                CHECK_EQ_INT(p.r, 0);
                parsed_done(&p);
        }
}

static void test_invalid_json(void) {
        expect_code("", RPC_PARSE_ERROR, "null", "invalid JSON");
        expect_code("   ", RPC_PARSE_ERROR, "null", "invalid JSON");
        expect_code("{", RPC_PARSE_ERROR, "null", "invalid JSON");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1", RPC_PARSE_ERROR, "null", NULL);
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1,}", RPC_PARSE_ERROR, "null", NULL);
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1} x", RPC_PARSE_ERROR, "null", "byte");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1}{}", RPC_PARSE_ERROR, "null", NULL);
        expect_code("{'jsonrpc':'2.0'}", RPC_PARSE_ERROR, "null", NULL);
        expect_code("nul", RPC_PARSE_ERROR, "null", NULL);

        /* What cJSON would let through. */
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\x01\",\"id\":1}", RPC_PARSE_ERROR, "null", "byte 28");
        expect_code("{\"jsonrpc\":\"2.0\",\x01\"method\":\"m\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL);
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\\u0000x\",\"id\":1}", RPC_PARSE_ERROR, "null", "\\u0000");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\\uZZZZ\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL);
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\\u12\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL);
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\\x\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL);
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"\xff\",\"id\":1}", RPC_PARSE_ERROR, "null", "UTF-8");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"\xc0\xaf\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL);  /* overlong */
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"\xed\xa0\x80\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL); /* surrogate */
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"\xc3\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL);     /* truncated */
        expect_code("\xef\xbb\xbf{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1}", RPC_PARSE_ERROR, "null", NULL); /* BOM */

        /* A raw NUL inside the line. */
        {
                const char s[] = "{\"jsonrpc\":\"2.0\",\"method\":\"m\0\",\"id\":1}";
                Parsed p = parse_n(s, sizeof s - 1);
                CHECK_EQ_INT(p.r, RPC_PARSE_ERROR);
                CHECK_STREQ(p.id, "null");
                parsed_done(&p);
        }
        {
                Parsed p = {};
                p.r = rpc_request_parse(NULL, 0, &p.req, &p.err);
                CHECK_EQ_INT(p.r, RPC_PARSE_ERROR);
                rpc_request_done(&p.req);
                rpc_error_done(&p.err);
        }
}

static void test_invalid_request(void) {
        /* A batch is not one request: rpc_line_process() takes batches (test-jsonrpc-batch.c). */
        expect_code("[{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1}]", RPC_INVALID_REQUEST, "null", "batch");
        expect_code("5", RPC_INVALID_REQUEST, "null", "object");
        expect_code("\"x\"", RPC_INVALID_REQUEST, "null", "object");
        expect_code("null", RPC_INVALID_REQUEST, "null", "object");

        /* Once the id is known, every error echoes it. */
        expect_code("{\"method\":\"m\",\"id\":1}", RPC_INVALID_REQUEST, "1", "2.0");
        expect_code("{\"jsonrpc\":\"1.0\",\"method\":\"m\",\"id\":\"a\"}", RPC_INVALID_REQUEST, "\"a\"", "2.0");
        expect_code("{\"jsonrpc\":2.0,\"method\":\"m\",\"id\":2}", RPC_INVALID_REQUEST, "2", "2.0");
        expect_code("{\"jsonrpc\":\"2.0\",\"id\":3}", RPC_INVALID_REQUEST, "3", "string");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"\",\"id\":3}", RPC_INVALID_REQUEST, "3", "string");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":3}", RPC_INVALID_REQUEST, "3", "string");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":\"x\",\"id\":4}", RPC_INVALID_REQUEST, "4",
                    "object or an array");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":null,\"id\":4}", RPC_INVALID_REQUEST, "4", NULL);
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"extra\":1,\"id\":5}", RPC_INVALID_REQUEST, "5", "unknown");
        expect_code("{\"extra\":1,\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":5}", RPC_INVALID_REQUEST, "5", "unknown");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"method\":\"n\",\"id\":6}", RPC_INVALID_REQUEST, "6",
                    "duplicate");

        /* An id of the wrong type cannot be echoed. */
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":{}}", RPC_INVALID_REQUEST, "null", "number");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":[1]}", RPC_INVALID_REQUEST, "null", "number");
        expect_code("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":true}", RPC_INVALID_REQUEST, "null", "number");

        expect_field("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"extra\":1,\"id\":5}", RPC_INVALID_REQUEST, "extra");
        expect_field("{\"jsonrpc\":\"1\",\"method\":\"m\",\"id\":5}", RPC_INVALID_REQUEST, "jsonrpc");
        expect_field("{\"jsonrpc\":\"2.0\",\"id\":5}", RPC_INVALID_REQUEST, "method");
        expect_field("{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":1}", RPC_INVALID_REQUEST, "params");
}

/* {"jsonrpc":"2.0","method":"m","id":9,"params":[[[...]]]} with the whole line `depth` deep. */
static char *nested(size_t depth) {
        const char *head = "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":9,\"params\":";
        size_t inner = depth - 1, n = strlen(head) + 2 * inner + 2;
        char *s = malloc(n), *p = s;

        p = stpcpy(p, head);
        memset(p, '[', inner);
        p += inner;
        memset(p, ']', inner);
        p += inner;
        strcpy(p, "}");
        return s;
}

static void test_nesting(void) {
        char *s;
        Parsed p;

        s = nested(RPC_NESTING_MAX);
        p = parse(s);
        CHECK_EQ_INT(p.r, 0);
        parsed_done(&p);
        free(s);

        /* One deeper: valid JSON, so -32600 and the id comes back. */
        s = nested(RPC_NESTING_MAX + 1);
        p = parse(s);
        CHECK_EQ_INT(p.r, RPC_INVALID_REQUEST);
        CHECK_STREQ(p.id, "9");
        CHECK(p.reason && strstr(p.reason, "nested deeper than 64"));
        parsed_done(&p);
        free(s);

        /* Beyond cJSON's own limit, the line cannot be read at all: -32700. */
        s = nested(5000);
        p = parse(s);
        CHECK_EQ_INT(p.r, RPC_PARSE_ERROR);
        CHECK_STREQ(p.id, "null");
        parsed_done(&p);
        free(s);

        /* Brackets inside strings are not nesting. */
        p = parse("{\"jsonrpc\":\"2.0\",\"method\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\",\"id\":1}");
        CHECK_EQ_INT(p.r, 0);
        parsed_done(&p);
}

static void test_too_long(void) {
        size_t n = RPC_LINE_MAX + 1;
        char *s = malloc(n);
        Parsed p;

        memset(s, ' ', n);
        memcpy(s, "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"id\":1}", 37);
        p = parse_n(s, n);
        CHECK_EQ_INT(p.r, RPC_INVALID_REQUEST);
        parsed_done(&p);
        p = parse_n(s, n - 1);  /* exactly the limit */
        CHECK_EQ_INT(p.r, 0);
        parsed_done(&p);
        free(s);
}

static void test_replies(void) {
        cJSON *id = cJSON_CreateNumber(7), *sid = cJSON_CreateString("a\"b");
        RpcError err = {};
        char *s;

        s = rpc_reply_result(id, cJSON_Parse("{\"ok\":true}"));
        CHECK_STREQ(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"ok\":true}}\n");
        free(s);
        s = rpc_reply_result(sid, NULL);
        CHECK_STREQ(s, "{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"result\":null}\n");
        free(s);
        s = rpc_reply_result(NULL, cJSON_CreateString("line\nbreak"));
        CHECK_STREQ(s, "{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":\"line\\nbreak\"}\n");
        free(s);

        rpc_error_set(&err, RPC_INVALID_PARAMS, NULL);
        rpc_error_set_field(&err, "netem.latncy", "unknown member");
        s = rpc_reply_error(id, &err);
        CHECK_STREQ(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32602,\"message\":\"Invalid params\","
                       "\"data\":{\"field\":\"netem.latncy\",\"reason\":\"unknown member\"}}}\n");
        free(s);
        /* The data stays the caller's, and is intact. */
        CHECK_STREQ(cJSON_GetObjectItem(err.data, "field")->valuestring, "netem.latncy");
        rpc_error_done(&err);
        CHECK(err.data == NULL && err.code == 0);

        rpc_error_set(&err, RPC_NOT_SUPPORTED, "sch_netem is missing");
        s = rpc_reply_error(NULL, &err);
        CHECK_STREQ(s, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32002,\"message\":\"sch_netem is missing\"}}\n");
        free(s);
        rpc_error_done(&err);

        cJSON_Delete(id);
        cJSON_Delete(sid);
}

static void test_error_helpers(void) {
        RpcError e = {};

        /* set_field on a fresh error means invalid params. */
        rpc_error_set_field(&e, "target.pid", "must be a positive integer");
        CHECK_EQ_INT(e.code, RPC_INVALID_PARAMS);
        CHECK_STREQ(e.message, "Invalid params");
        rpc_error_done(&e);

        /* It keeps a code already set, and skips NULL members. */
        rpc_error_set(&e, RPC_TARGET_NOT_FOUND, NULL);
        rpc_error_set_field(&e, NULL, "no such process");
        CHECK_EQ_INT(e.code, RPC_TARGET_NOT_FOUND);
        CHECK_STREQ(e.message, "Target not found");
        CHECK(cJSON_GetObjectItem(e.data, "field") == NULL);
        CHECK_STREQ(cJSON_GetObjectItem(e.data, "reason")->valuestring, "no such process");
        /* set drops the old data. */
        rpc_error_set(&e, RPC_CONFLICT, "busy");
        CHECK(e.data == NULL);
        CHECK_STREQ(e.message, "busy");
        rpc_error_done(&e);
        rpc_error_done(NULL);

        CHECK_STREQ(rpc_error_message(12345), "Server error");
}

/* Every code is in proto/chaoslet.openrpc.json's components.errors, with the message we send. */
static void test_openrpc_codes(void) {
        static const int codes[] = {
                RPC_PARSE_ERROR, RPC_INVALID_REQUEST, RPC_METHOD_NOT_FOUND, RPC_INVALID_PARAMS, RPC_INTERNAL_ERROR,
                RPC_TARGET_NOT_FOUND, RPC_NOT_SUPPORTED, RPC_CONFLICT, RPC_NOT_PERMITTED, RPC_UNKNOWN_FAULT,
                RPC_KERNEL_REFUSED,
        };
        FILE *f = fopen("../../proto/chaoslet.openrpc.json", "re");
        char *buf = NULL;
        size_t n = 0;
        cJSON *doc, *errors, *e;

        CHECK(f != NULL);
        if (!f)
                return;
        CHECK(getdelim(&buf, &n, '\0', f) > 0);
        fclose(f);
        doc = cJSON_Parse(buf);
        free(buf);
        CHECK(doc != NULL);
        CHECK_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "openrpc")), "1.2.6");
        errors = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "components"), "errors");
        CHECK_EQ_INT(cJSON_GetArraySize(errors), (int) (sizeof codes / sizeof codes[0]));

        for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
                bool found = false;
                cJSON_ArrayForEach(e, errors)
                        if (cJSON_GetObjectItem(e, "code")->valuedouble == codes[i]) {
                                found = true;
                                CHECK_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")),
                                            rpc_error_message(codes[i]));
                        }
                if (!found) {
                        fprintf(stderr, "code %d missing from the OpenRPC document\n", codes[i]);
                        tap_failures++;
                }
        }

        /* The transport facts the code relies on. */
        e = cJSON_GetObjectItem(doc, "x-chaoslet-transport");
        CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(e, "maxLineBytes")), RPC_LINE_MAX);
        CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(e, "maxNesting")), RPC_NESTING_MAX);
        cJSON_Delete(doc);
}

static void test_request_format(void) {
        char *s;
        Parsed p;

        s = rpc_request_format(42, "fault.get", cJSON_Parse("{\"id\":\"x\"}"));
        CHECK_STREQ(s, "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"fault.get\",\"params\":{\"id\":\"x\"}}\n");

        /* What the client sends, the server reads. */
        p = parse_n(s, strlen(s) - 1);
        CHECK_EQ_INT(p.r, 0);
        CHECK_STREQ(p.req.method, "fault.get");
        CHECK_STREQ(p.id, "42");
        parsed_done(&p);
        free(s);

        s = rpc_request_format(1, "agent.info", NULL);
        CHECK_STREQ(s, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.info\"}\n");
        free(s);
}

static int pop(LineBuffer *b, char **line) {
        size_t n = 12345;
        int r;

        free(*line);
        *line = NULL;
        r = line_buffer_pop(b, line, &n);
        if (r > 0)
                CHECK_EQ_INT(n, strlen(*line));
        return r;
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void test_line_buffer(void) {
        LineBuffer b;
        char *line = NULL;

        /* Split reads: a line arrives in pieces, and only then pops. */
        line_buffer_init(&b, 64);
        CHECK_EQ_INT(pop(&b, &line), 0);
        CHECK_EQ_INT(line_buffer_append(&b, "{\"a\":", 5), 0);
        CHECK_EQ_INT(pop(&b, &line), 0);
        CHECK_EQ_INT(line_buffer_append(&b, "1}", 2), 0);
        CHECK_EQ_INT(pop(&b, &line), 0);
        CHECK_EQ_INT(line_buffer_append(&b, "\n{\"b\"", 5), 0);
        CHECK_EQ_INT(pop(&b, &line), 1);
        CHECK_STREQ(line, "{\"a\":1}");
        CHECK_EQ_INT(pop(&b, &line), 0);
        CHECK_EQ_INT(line_buffer_append(&b, ":2}\n", 4), 0);
        CHECK_EQ_INT(pop(&b, &line), 1);
        CHECK_STREQ(line, "{\"b\":2}");
        CHECK_EQ_INT(pop(&b, &line), 0);
        CHECK_EQ_INT(b.len, 0);         /* all consumed */

        /* Pipelined: three lines in one read, popped in order; an empty line is a line. */
        CHECK_EQ_INT(line_buffer_append(&b, "one\ntwo\n\nthree\r\nfour", 20), 0);
        CHECK_EQ_INT(pop(&b, &line), 1);
        CHECK_STREQ(line, "one");
        CHECK_EQ_INT(pop(&b, &line), 1);
        CHECK_STREQ(line, "two");
        CHECK_EQ_INT(pop(&b, &line), 1);
        CHECK_STREQ(line, "");
        CHECK_EQ_INT(pop(&b, &line), 1);
        CHECK_STREQ(line, "three\r");
        CHECK_EQ_INT(pop(&b, &line), 0);
        CHECK_EQ_INT(line_buffer_append(&b, "\n", 1), 0);
        CHECK_EQ_INT(pop(&b, &line), 1);
        CHECK_STREQ(line, "four");
        line_buffer_done(&b);

        /* Byte by byte. */
        {
                const char *msg = "{\"jsonrpc\":\"2.0\"}\n{\"x\":1}\n";
                int lines = 0;

                line_buffer_init(&b, 64);
                for (const char *p = msg; *p; p++) {
                        CHECK_EQ_INT(line_buffer_append(&b, p, 1), 0);
                        while (pop(&b, &line) > 0)
                                lines++;
                }
                CHECK_EQ_INT(lines, 2);
                line_buffer_done(&b);
        }

        /* The limit: max bytes is fine; max+1 is -E2BIG as soon as it is pending, newline or not, and stays so. */
        {
                char buf[80];

                memset(buf, 'x', sizeof buf);
                line_buffer_init(&b, 8);
                CHECK_EQ_INT(line_buffer_append(&b, buf, 8), 0);
                CHECK_EQ_INT(pop(&b, &line), 0);
                CHECK_EQ_INT(line_buffer_append(&b, "\n", 1), 0);
                CHECK_EQ_INT(pop(&b, &line), 1);
                CHECK_STREQ(line, "xxxxxxxx");

                CHECK_EQ_INT(line_buffer_append(&b, buf, 9), 0);
                CHECK_EQ_INT(pop(&b, &line), -E2BIG);
                CHECK_EQ_INT(pop(&b, &line), -E2BIG);
                CHECK_EQ_INT(line_buffer_append(&b, "\nok\n", 4), 0);
                CHECK_EQ_INT(pop(&b, &line), -E2BIG);
                line_buffer_done(&b);

                /* Over-long with its newline in the same read, after a good line. */
                line_buffer_init(&b, 8);
                CHECK_EQ_INT(line_buffer_append(&b, "good\nxxxxxxxxxxxx\nmore\n", 23), 0);
                CHECK_EQ_INT(pop(&b, &line), 1);
                CHECK_STREQ(line, "good");
                CHECK_EQ_INT(pop(&b, &line), -E2BIG);
                line_buffer_done(&b);

                /* Over-long arriving in small pieces is caught before any newline. */
                line_buffer_init(&b, 16);
                for (int i = 0; i < 4; i++) {
                        CHECK_EQ_INT(line_buffer_append(&b, buf, 4), 0);
                        CHECK_EQ_INT(pop(&b, &line), 0);
                }
                CHECK_EQ_INT(line_buffer_append(&b, buf, 1), 0);
                CHECK_EQ_INT(pop(&b, &line), -E2BIG);
                line_buffer_done(&b);
        }

        /* Linear work: a 1 MiB line in 1-byte reads with a pop after each, and 1 MiB of tiny pipelined lines. A
         * buffer that rescans or shifts everything per call takes minutes here. */
        {
                double t0 = now();
                size_t count = 0;
                char *big = malloc(RPC_LINE_MAX);

                line_buffer_init(&b, RPC_LINE_MAX);
                for (size_t i = 0; i < RPC_LINE_MAX; i++) {
                        line_buffer_append(&b, "x", 1);
                        CHECK(pop(&b, &line) == 0 || (fprintf(stderr, "at %zu\n", i), 0));
                        if (tap_failures > 20)
                                break;
                }
                line_buffer_append(&b, "\n", 1);
                CHECK_EQ_INT(pop(&b, &line), 1);
                CHECK_EQ_INT(strlen(line), RPC_LINE_MAX);

                for (size_t i = 0; i + 3 <= RPC_LINE_MAX; i += 3)
                        memcpy(big + i, "{}\n", 3);
                line_buffer_append(&b, big, RPC_LINE_MAX / 3 * 3);
                while (pop(&b, &line) > 0)
                        count++;
                CHECK_EQ_INT(count, RPC_LINE_MAX / 3);
                line_buffer_done(&b);
                free(big);

                if (now() - t0 > 5.0) {
                        fprintf(stderr, "line buffer took %.1fs for 2 MiB\n", now() - t0);
                        tap_failures++;
                }
        }

        free(line);
}

int main(void) {
        test_valid();
        test_invalid_json();
        test_invalid_request();
        test_nesting();
        test_too_long();
        test_replies();
        test_error_helpers();
        test_openrpc_codes();
        test_request_format();
        test_line_buffer();
        TAP_EXIT();
}
