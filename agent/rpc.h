/* SPDX-License-Identifier: MIT */
#pragma once

#include <cjson/cJSON.h>

#include "jsonrpc.h"
#include "registry.h"

typedef struct Agent {
        Registry registry;
        int64_t started_mono_ns;
        char kernel_release[128];
} Agent;

/* The method table: server_dispatch_fn for the RPC server. */
int agent_dispatch(void *userdata, const RpcRequest *req, cJSON **ret_result, RpcError *err);

/* Method names, in the order the OpenRPC document lists them (tests compare the two). */
extern const char *const agent_methods[];
