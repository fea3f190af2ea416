/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* JSON-RPC 2.0, one object per line. Error codes are fixed by proto/chaoslet.openrpc.json. */
enum {
        RPC_PARSE_ERROR = -32700,
        RPC_INVALID_REQUEST = -32600,
        RPC_METHOD_NOT_FOUND = -32601,
        RPC_INVALID_PARAMS = -32602,
        RPC_INTERNAL_ERROR = -32603,
        RPC_TARGET_NOT_FOUND = -32001,
        RPC_NOT_SUPPORTED = -32002,
        RPC_CONFLICT = -32003,
        RPC_NOT_PERMITTED = -32004,
        RPC_UNKNOWN_FAULT = -32005,
        RPC_KERNEL_REFUSED = -32010,
};

#define RPC_LINE_MAX (1024u * 1024u)
#define RPC_NESTING_MAX 64
#define RPC_BATCH_MAX 100
/* A batch's replies past this size: the requests after are not carried out (-32603), so a line of 100 large
 * fault.list requests cannot make the agent hold 100 copies of the list for a client that does not read them. */
#define RPC_BATCH_REPLY_MAX (16u * 1024u * 1024u)

const char *rpc_error_message(int code);

/* A decoded request. id is a copy of the request's id member, NULL for a notification: a number or string keeps
 * the text it had in the request (a cJSON raw item), so that the reply echoes it exactly. */
typedef struct RpcRequest {
        cJSON *root;
        const char *method;     /* points into root */
        const cJSON *params;    /* points into root; NULL when absent */
        cJSON *id;              /* owned copy, or NULL */
        bool has_id;
} RpcRequest;

/* An error to send: code, message and optional data (owned). */
typedef struct RpcError {
        int code;
        char message[256];
        cJSON *data;
} RpcError;

void rpc_error_done(RpcError *e);
/* Set code and message (NULL: rpc_error_message(code)); drops any data. */
void rpc_error_set(RpcError *e, int code, const char *message);
/* Replace data with {"field": field, "reason": reason}; NULL values are skipped. Keeps the code, or makes it
 * RPC_INVALID_PARAMS when none is set yet. */
void rpc_error_set_field(RpcError *e, const char *field, const char *reason);

/* Handle one request: return 0 with *ret_result set, or -errno with *err filled (its code and message are what
 * the client gets). */
typedef int (*rpc_dispatch_fn)(void *userdata, const RpcRequest *req, cJSON **ret_result, RpcError *err);

/* One line from a client (without '\n'), as JSON-RPC 2.0 says: a request object, or a batch (an array of at most
 * RPC_BATCH_MAX of them, answered by an array of the replies in order, notifications left out). Each request goes
 * through fn. *ret_reply is the line to send, '\n'-terminated and malloc'd, or NULL when none is due (only
 * notifications). An empty or too long batch is one -32600 object; once a batch's replies pass RPC_BATCH_REPLY_MAX,
 * each request after is answered -32603 without being carried out (a notification after is dropped). Every id comes back as its own text. Returns 0,
 * or -ENOMEM. */
int rpc_line_process(const char *line, size_t len, rpc_dispatch_fn fn, void *userdata, char **ret_reply);

/* Parse one line (without '\n'). Returns 0 and fills *ret, or a JSON-RPC error code (<0) with *err filled and, where
 * the request's id could be read, *ret->id set so the error reply can carry it. *ret is initialised either way: call
 * rpc_request_done() on both paths.
 * Strings must be valid UTF-8 without control characters or "\u0000" (-32700). A batch (array) is -32600 here (see
 * rpc_line_process()). Nesting deeper than RPC_NESTING_MAX is -32600 with the id echoed, when the line is otherwise
 * JSON; -32700 when not. A number in params beyond a double's range (1e999) is -32602 naming it. */
int rpc_request_parse(const char *line, size_t len, RpcRequest *ret, RpcError *err);
void rpc_request_done(RpcRequest *r);

/* Serialise a reply as one line ending in '\n'. result is consumed; id and err are only read (err->data stays the
 * caller's). Returns a malloc'd string, or NULL when out of memory. */
char *rpc_reply_result(const cJSON *id, cJSON *result);
char *rpc_reply_error(const cJSON *id, RpcError *err);

/* Client side: build a request line ('\n'-terminated), and decode a reply. params is consumed (may be NULL). */
char *rpc_request_format(long id, const char *method, cJSON *params);

/* Line framing over a byte stream, shared by the server and the client. */
typedef struct LineBuffer {
        char *data;
        size_t len, cap;
        size_t max;             /* longest line accepted, without '\n' */
        size_t start;           /* pending bytes are data[start..len) */
        size_t scanned;         /* data[start..scanned) holds no '\n': appends are not scanned twice */
} LineBuffer;

void line_buffer_init(LineBuffer *b, size_t max);
void line_buffer_done(LineBuffer *b);
/* Append bytes. Returns 0, -ENOMEM. */
int line_buffer_append(LineBuffer *b, const void *p, size_t n);
/* Pop the next complete line into a malloc'd string (without '\n'). Returns 1 with a line, 0 when none is complete,
 * -E2BIG when the pending line exceeds max. */
int line_buffer_pop(LineBuffer *b, char **ret_line, size_t *ret_len);
