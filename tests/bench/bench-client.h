/* SPDX-License-Identifier: MIT */
/* What the benchmarks that drive a chaosletd over its socket (bench-apply, bench-expiry, bench-fidelity,
 * bench-scale) share: one JSON-RPC call whose error is said once, here. Header-only, as bench-report.h. */
#pragma once

#include <stdio.h>

#include <cjson/cJSON.h>

#include "client.h"

/* Calls method with params (consumed). shown, when not NULL, is the params' text, for the error message. With
 * ret_result the result is handed over, else freed. Returns 0, or -errno after printing the error. */
static inline int bench_call_shown(RpcClient *c, const char *method, cJSON *params, const char *shown,
                                   cJSON **ret_result) {
        RpcError err = {};
        cJSON *result = NULL;
        int r;

        r = rpc_client_call(c, method, params, &result, &err);
        if (r < 0) {
                if (shown)
                        fprintf(stderr, "%s %s failed: %d %s\n", method, shown, err.code, err.message);
                else
                        fprintf(stderr, "%s failed: %d %s\n", method, err.code, err.message);
                cJSON_Delete(err.data);
                return r;
        }
        if (ret_result)
                *ret_result = result;
        else
                cJSON_Delete(result);
        return 0;
}

static inline int bench_call(RpcClient *c, const char *method, cJSON *params, cJSON **ret_result) {
        return bench_call_shown(c, method, params, NULL, ret_result);
}

/* params is a JSON text: parsed here, and shown in the error message. */
static inline int bench_call_text(RpcClient *c, const char *method, const char *params, cJSON **ret_result) {
        return bench_call_shown(c, method, cJSON_Parse(params), params, ret_result);
}
