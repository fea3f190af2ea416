/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>

#include "jsonrpc.h"

/* Fill err for the client and return error (a -errno): the agent's convention, registry.h. */
static inline int agent_fail(RpcError *err, int error, int code, const char *message) {
        rpc_error_set(err, code, message);
        return error;
}

/* The same, with data {field, reason}: what was wrong, and where in the request. */
static inline int agent_fail_field(RpcError *err, int error, int code, const char *message, const char *field,
                                   const char *reason) {
        rpc_error_set(err, code, message);
        rpc_error_set_field(err, field, reason);
        return error;
}

static inline int agent_invalid(RpcError *err, const char *field, const char *reason) {
        return agent_fail_field(err, -EINVAL, RPC_INVALID_PARAMS, "Invalid params", field, reason);
}
