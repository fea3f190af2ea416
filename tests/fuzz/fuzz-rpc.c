/* SPDX-License-Identifier: MIT */
/* libFuzzer: bytes from a client, through the framing, the JSON-RPC decoder and the fault.apply params decoder, as
 * the agent runs them; then the replies and the normal form. Everything is freed on every path. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "spec.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small maximum, so that over-long lines are reached too. */
#define FUZZ_LINE_MAX 4096

static void handle_line(const char *line, size_t len) {
        RpcRequest req = {};
        RpcError err = {};
        char *reply;
        int r;

        r = rpc_request_parse(line, len, &req, &err);
        if (r < 0) {
                free(rpc_reply_error(req.id, &err));
                goto finish;
        }

        if (req.params) {
                FaultSpec spec = {};
                SpecError serr = {};

                if (fault_spec_from_json(req.params, &spec, &serr) == 0) {
                        FaultSpec again = {};
                        cJSON *n = fault_spec_to_json(&spec);

                        /* The normal form, with the target put back, must decode to an equal spec. */
                        if (n) {
                                cJSON *t = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(req.params, "target"), true);
                                SpecError e2 = {};

                                if (t && cJSON_AddItemToObject(n, "target", t)) {
                                        if (fault_spec_from_json(n, &again, &e2) == 0) {
                                                if (!fault_spec_equal(&spec, &again))
                                                        abort();
                                                fault_spec_done(&again);
                                        } else
                                                abort();
                                } else
                                        cJSON_Delete(t);
                        }
                        reply = rpc_reply_result(req.id, n);
                        free(reply);
                        fault_spec_done(&spec);
                } else {
                        rpc_error_set(&err, RPC_INVALID_PARAMS, NULL);
                        rpc_error_set_field(&err, serr.field, serr.reason);
                        free(rpc_reply_error(req.id, &err));
                }
        }

finish:
        rpc_error_done(&err);
        rpc_request_done(&req);
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

        /* The value parsers on their own, on the first line as a C string. */
        {
                char s[64];
                size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
                int64_t ns;
                uint64_t Bps;
                double pct;
                char out[64];

                memcpy(s, data, n);
                s[n] = '\0';
                if (parse_duration_ns(s, &ns) == 0) {
                        int64_t back;
                        if (!format_duration_ns(ns, out, sizeof out) || parse_duration_ns(out, &back) < 0 || back != ns)
                                abort();
                }
                if (parse_rate_Bps(s, &Bps) == 0) {
                        uint64_t back;
                        if (!format_rate_Bps(Bps, out, sizeof out) || parse_rate_Bps(out, &back) < 0 || back != Bps)
                                abort();
                }
                if (parse_percent(s, &pct) == 0 && !(pct >= 0 && pct <= 100))
                        abort();
        }
        return 0;
}
