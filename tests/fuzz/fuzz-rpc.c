/* SPDX-License-Identifier: MIT */
/* libFuzzer: bytes from a client, through the framing, the JSON-RPC decoder and the fault.apply params decoder, as
 * the agent runs them, batches included; then the replies and the normal form. Everything is freed on every path.
 * The value parsers have fuzz-units of their own. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small maximum, so that over-long lines are reached too. */
#define FUZZ_LINE_MAX 4096

/* fault.apply's decoder on any params, as the agent's dispatch would reach it; the normal form, with the target
 * put back, must decode to an equal spec. */
static int dispatch(void *userdata, const RpcRequest *req, cJSON **ret_result, RpcError *err) {
        FaultSpec spec = {}, again = {};
        SpecError serr = {}, e2 = {};
        cJSON *n, *t;

        if (!req->params) {
                *ret_result = cJSON_CreateNull();
                return 0;
        }
        if (fault_spec_from_json(req->params, &spec, &serr) < 0) {
                rpc_error_set(err, RPC_INVALID_PARAMS, NULL);
                rpc_error_set_field(err, serr.field, serr.reason);
                return -EINVAL;
        }
        n = fault_spec_to_json(&spec);
        if (n) {
                t = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(req->params, "target"), true);
                if (t && cJSON_AddItemToObject(n, "target", t)) {
                        if (fault_spec_from_json(n, &again, &e2) < 0 || !fault_spec_equal(&spec, &again))
                                abort();
                        fault_spec_done(&again);
                } else
                        cJSON_Delete(t);
        }
        fault_spec_done(&spec);
        *ret_result = n;
        return n ? 0 : -ENOMEM;
}

/* A request or a batch, as the server runs it. Whatever came in, the reply is one line of valid JSON: an id echoed
 * as its own text must still be JSON. */
static void handle_line(const char *line, size_t len) {
        char *reply = NULL;
        cJSON *back;
        size_t n;

        if (rpc_line_process(line, len, dispatch, NULL, &reply) < 0 || !reply)
                return;
        n = strlen(reply);
        if (n == 0 || reply[n - 1] != '\n' || memchr(reply, '\n', n - 1))
                abort();
        back = cJSON_ParseWithLength(reply, n);
        if (!back || (!cJSON_IsObject(back) && !cJSON_IsArray(back)))
                abort();
        cJSON_Delete(back);
        free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        LineBuffer b;
        size_t off = 0;

        /* The first byte picks the read size, so that lines get split across reads in every way. */
        size_t chunk = size > 0 ? (size_t) data[0] % 64 + 1 : 1;
        if (size > 0) {
                data++;
                size--;
        }

        /* The whole input once as one line, bounded by len and not by a NUL. */
        {
                char *copy = malloc(size ? size : 1);
                if (!copy)
                        return 0;
                memcpy(copy, data, size);
                handle_line(copy, size);
                free(copy);
        }

        line_buffer_init(&b, FUZZ_LINE_MAX);
        while (off < size) {
                size_t n = size - off < chunk ? size - off : chunk;
                int r;

                if (line_buffer_append(&b, data + off, n) < 0)
                        break;
                off += n;

                for (;;) {
                        char *line = NULL;
                        size_t len = 0;

                        r = line_buffer_pop(&b, &line, &len);
                        if (r <= 0)
                                break;
                        handle_line(line, len);
                        free(line);
                }
                if (r == -E2BIG)
                        break;  /* the agent hangs up here */
        }
        line_buffer_done(&b);

        return 0;
}
