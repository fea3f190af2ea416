/* SPDX-License-Identifier: MIT */
#pragma once

#include <cjson/cJSON.h>

#include "jsonrpc.h"

#define CHAOSLET_SOCKET_DEFAULT "/run/chaoslet/chaoslet.sock"

typedef struct RpcClient RpcClient;

int rpc_client_connect(const char *path, RpcClient **ret);
RpcClient *rpc_client_free(RpcClient *c);

/* Call a method and wait for its reply. params is consumed. On a JSON-RPC error returns -EPROTO and fills *err
 * (code, message, data); on success returns 0 and *ret_result owns the result. */
int rpc_client_call(RpcClient *c, const char *method, cJSON *params, cJSON **ret_result, RpcError *err);
