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

typedef struct AgentMethod {
        const char *name;
        int (*fn)(Agent *a, const cJSON *params, cJSON **ret, RpcError *err);
} AgentMethod;

/* The dispatch table, ended by an empty entry. The OpenRPC test reads it: what is documented is what is
 * dispatched, and the other way round. */
extern const AgentMethod agent_methods[];

/* server_dispatch_fn for the RPC server: 0, or -errno with *err filled (registry.h). */
int agent_dispatch(void *userdata, const RpcRequest *req, cJSON **ret_result, RpcError *err);
