/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonrpc.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete);

const char *rpc_error_message(int code) {
        switch (code) {
        case RPC_PARSE_ERROR:
                return "Parse error";
        case RPC_INVALID_REQUEST:
                return "Invalid request";
        case RPC_METHOD_NOT_FOUND:
                return "Method not found";
        case RPC_INVALID_PARAMS:
                return "Invalid params";
        case RPC_INTERNAL_ERROR:
                return "Internal error";
        case RPC_TARGET_NOT_FOUND:
                return "Target not found";
        case RPC_NOT_SUPPORTED:
                return "Not supported by this kernel";
        case RPC_CONFLICT:
                return "Conflict";
        case RPC_NOT_PERMITTED:
                return "Not permitted";
        case RPC_UNKNOWN_FAULT:
                return "Unknown fault id";
        case RPC_KERNEL_REFUSED:
                return "The kernel refused";
        default:
                return "Server error";
        }
}

void rpc_error_done(RpcError *e) {
        if (!e)
                return;
        cJSON_Delete(e->data);
        *e = (RpcError) {};
}

void rpc_error_set(RpcError *e, int code, const char *message) {
        if (!e)
                return;
        e->code = code;
        snprintf(e->message, sizeof e->message, "%s", message ?: rpc_error_message(code));
        cJSON_Delete(e->data);
        e->data = NULL;
}

void rpc_error_set_field(RpcError *e, const char *field, const char *reason) {
        cJSON *d;

        if (!e)
                return;
        if (e->code == 0)
                rpc_error_set(e, RPC_INVALID_PARAMS, NULL);

        cJSON_Delete(e->data);
        e->data = NULL;

        /* Out of memory leaves the error without data, which is still a valid reply. */
        d = cJSON_CreateObject();
        if (!d)
                return;
        if ((field && !cJSON_AddStringToObject(d, "field", field)) ||
            (reason && !cJSON_AddStringToObject(d, "reason", reason))) {
                cJSON_Delete(d);
                return;
        }
        e->data = d;
}

static int fail_with(RpcError *err, int code, const char *field, const char *reason) {
        rpc_error_set(err, code, NULL);
        if (field || reason)
                rpc_error_set_field(err, field, reason);
        return code;
}

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), 0 if
 * there is none. */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
        unsigned char c = s[0];
        size_t k;
        uint32_t cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xC2 && c <= 0xDF)
                k = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
                k = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
                k = 4, cp = c & 0x07;
        else
                return 0;
        if (n < k)
                return 0;
        for (size_t i = 1; i < k; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return k;
}

/* What cJSON lets through and we must not: raw control characters (cJSON takes every byte <= ' ' as white space),
 * invalid UTF-8, an escape such as "\uZZZZ" (cJSON reads it as NUL) and "\u0000" itself, which would cut a C string
 * short ("/run/netns/a\u0000/../b"). Also measures the nesting depth without recursion.
 * Returns 0 or -EBADMSG with *ret_offset at the offending byte. */
static int json_prescan(const char *line, size_t len, size_t *ret_depth, size_t *ret_offset) {
        const unsigned char *s = (const unsigned char *) line;
        size_t depth = 0, max_depth = 0, i = 0;
        bool in_string = false;

        while (i < len) {
                unsigned char c = s[i];

                if (!in_string) {
                        switch (c) {
                        case '{':
                        case '[':
                                if (++depth > max_depth)
                                        max_depth = depth;
                                break;
                        case '}':
                        case ']':
                                if (depth > 0)
                                        depth--;
                                break;
                        case '"':
                                in_string = true;
                                break;
                        default:
                                if ((c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r') || c >= 0x80)
                                        goto bad;
                        }
                        i++;
                        continue;
                }

                if (c == '"') {
                        in_string = false;
                        i++;
                } else if (c == '\\') {
                        if (i + 1 >= len)
                                goto bad;
                        if (s[i + 1] == 'u') {
                                if (i + 6 > len || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) || !is_hex(s[i + 4]) ||
                                    !is_hex(s[i + 5]))
                                        goto bad;
                                if (memcmp(s + i + 2, "0000", 4) == 0)
                                        goto bad;
                                i += 6;
                        } else if (strchr("\"\\/bfnrt", s[i + 1]) && s[i + 1] != '\0')
                                i += 2;
                        else
                                goto bad;
                } else if (c < 0x20)
                        goto bad;
                else {
                        size_t k = utf8_sequence(s + i, len - i);
                        if (k == 0)
                                goto bad;
                        i += k;
                }
        }

        *ret_depth = max_depth;
        return 0;

bad:
        *ret_offset = i;
        return -EBADMSG;
}

static bool is_json_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_space(const char *s, size_t len, size_t i) {
        while (i < len && is_json_space(s[i]))
                i++;
        return i;
}

/* End of the JSON value at s[i], in a line that cJSON accepted and json_prescan() passed: only strings and
 * brackets need care. */
static size_t value_end(const char *s, size_t len, size_t i) {
        size_t depth = 0;
        bool in_string = false;

        for (; i < len; i++) {
                if (in_string) {
                        if (s[i] == '\\')
                                i++;
                        else if (s[i] == '"') {
                                in_string = false;
                                if (depth == 0)
                                        return i + 1;
                        }
                        continue;
                }
                switch (s[i]) {
                case '"':
                        in_string = true;
                        break;
                case '{':
                case '[':
                        depth++;
                        break;
                case '}':
                case ']':
                        if (depth == 0)
                                return i;
                        if (--depth == 0)
                                return i + 1;
                        break;
                case ',':
                case ' ':
                case '\t':
                case '\n':
                case '\r':
                        if (depth == 0)
                                return i;
                        break;
                }
        }
        return i;
}

/* The text of the value of member "id" of the object at s[i], spelt exactly so: cJSON keeps a number only as a
 * double, and would print 9007199254740993 back as 9007199254740992, 1e999 as null. */
static bool raw_id(const char *s, size_t len, size_t i, size_t *ret_start, size_t *ret_end) {
        i = skip_space(s, len, i);
        if (i >= len || s[i] != '{')
                return false;
        for (i++;;) {
                size_t k0 = skip_space(s, len, i), k1, v0, v1;

                if (k0 >= len || s[k0] != '"')
                        return false;
                k1 = value_end(s, len, k0);
                i = skip_space(s, len, k1);
                if (i >= len || s[i] != ':')
                        return false;
                v0 = skip_space(s, len, i + 1);
                v1 = value_end(s, len, v0);
                if (k1 - k0 == 4 && memcmp(s + k0, "\"id\"", 4) == 0) {
                        *ret_start = v0;
                        *ret_end = v1;
                        return true;
                }
                i = skip_space(s, len, v1);
                if (i >= len || s[i] != ',')
                        return false;
                i++;
        }
}

static cJSON *id_copy(const cJSON *c, const char *text, size_t len) {
        _cleanup_free_ char *raw = NULL;
        size_t a, b;

        if (cJSON_IsNull(c) || !raw_id(text, len, 0, &a, &b))
                return cJSON_Duplicate(c, false);
        raw = strndup(text + a, b - a);
        return raw ? cJSON_CreateRaw(raw) : NULL;
}

/* cJSON reads a number beyond a double's range (1e999) as infinity: no client means that. Returns true with the
 * member's path in path. */
static bool nonfinite_path(const cJSON *v, char *path, size_t size) {
        size_t n = strlen(path), i = 0;

        if (cJSON_IsNumber(v))
                return !isfinite(v->valuedouble);
        if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
                return false;
        for (const cJSON *c = v->child; c; c = c->next, i++) {
                if (cJSON_IsObject(v))
                        snprintf(path + n, size - n, "%s%s", n ? "." : "", c->string);
                else
                        snprintf(path + n, size - n, "[%zu]", i);
                if (nonfinite_path(c, path, size))
                        return true;
        }
        path[n] = '\0';
        return false;
}

/* One request object, the whole line or a batch's entry: item (consumed) is its tree, text[0..len) its text, depth
 * its nesting. */
static int request_from_item(cJSON *item, const char *text, size_t len, size_t depth, RpcRequest *ret,
                             RpcError *err) {
        _cleanup_(cJSON_Deletep) cJSON *root = item;
        const cJSON *c, *jsonrpc = NULL, *method = NULL, *params = NULL, *id = NULL;
        char reason[128], path[256] = "";

        if (!cJSON_IsObject(root))
                return fail_with(err, RPC_INVALID_REQUEST, NULL, "a request must be a JSON object");

        /* The id first, so that every later error can be answered to it. */
        cJSON_ArrayForEach(c, root)
                if (strcmp(c->string, "id") == 0) {
                        ret->has_id = true;
                        if (!cJSON_IsNumber(c) && !cJSON_IsString(c) && !cJSON_IsNull(c))
                                return fail_with(err, RPC_INVALID_REQUEST, "id", "must be a number, a string or null");
                        ret->id = id_copy(c, text, len);
                        if (!ret->id)
                                return fail_with(err, RPC_INTERNAL_ERROR, NULL, "out of memory");
                        break;
                }

        if (depth > RPC_NESTING_MAX) {
                snprintf(reason, sizeof reason, "nested deeper than %d levels", RPC_NESTING_MAX);
                return fail_with(err, RPC_INVALID_REQUEST, NULL, reason);
        }

        cJSON_ArrayForEach(c, root) {
                const cJSON **slot;

                if (strcmp(c->string, "jsonrpc") == 0)
                        slot = &jsonrpc;
                else if (strcmp(c->string, "method") == 0)
                        slot = &method;
                else if (strcmp(c->string, "params") == 0)
                        slot = &params;
                else if (strcmp(c->string, "id") == 0)
                        slot = &id;
                else
                        return fail_with(err, RPC_INVALID_REQUEST, c->string, "unknown member");
                if (*slot)
                        return fail_with(err, RPC_INVALID_REQUEST, c->string, "duplicate member");
                *slot = c;
        }

        if (!cJSON_IsString(jsonrpc) || strcmp(jsonrpc->valuestring, "2.0") != 0)
                return fail_with(err, RPC_INVALID_REQUEST, "jsonrpc", "must be \"2.0\"");
        if (!cJSON_IsString(method) || method->valuestring[0] == '\0')
                return fail_with(err, RPC_INVALID_REQUEST, "method", "must be a non-empty string");
        if (params && !cJSON_IsObject(params) && !cJSON_IsArray(params))
                return fail_with(err, RPC_INVALID_REQUEST, "params", "must be an object or an array");
        if (params && nonfinite_path(params, path, sizeof path))
                return fail_with(err, RPC_INVALID_PARAMS, path[0] ? path : "params",
                                 "number out of range (beyond a double's 1.8e308)");

        ret->method = method->valuestring;
        ret->params = params;
        ret->root = TAKE_PTR(root);
        return 0;
}

/* The line as JSON: 0 with *ret_root and the line's nesting depth, or a -32700/-32600 error. */
static int line_parse(const char *line, size_t len, cJSON **ret_root, size_t *ret_depth, RpcError *err) {
        cJSON *root;
        const char *end = NULL;
        size_t depth = 0, offset = 0;
        char reason[128];

        if (!line)
                return fail_with(err, RPC_PARSE_ERROR, NULL, "empty request");
        if (len > RPC_LINE_MAX)
                return fail_with(err, RPC_INVALID_REQUEST, NULL, "request longer than 1 MiB");

        if (json_prescan(line, len, &depth, &offset) < 0) {
                snprintf(reason, sizeof reason,
                         "invalid character, escape or UTF-8 at byte %zu (control characters and \\u0000 are refused)",
                         offset);
                return fail_with(err, RPC_PARSE_ERROR, NULL, reason);
        }

        /* cJSON stops at its own CJSON_NESTING_LIMIT (1000); within that we parse anyway, to echo the id. */
        root = cJSON_ParseWithLengthOpts(line, len, &end, false);
        if (root && end)
                end = line + skip_space(line, len, (size_t) (end - line));
        if (!root || !end || end != line + len) {
                cJSON_Delete(root);
                if (depth > RPC_NESTING_MAX)
                        snprintf(reason, sizeof reason, "invalid JSON, or nested deeper than %d levels",
                                 RPC_NESTING_MAX);
                else if (end && end >= line && end <= line + len)
                        snprintf(reason, sizeof reason, "invalid JSON at byte %zu", (size_t) (end - line));
                else
                        snprintf(reason, sizeof reason, "invalid JSON");
                return fail_with(err, RPC_PARSE_ERROR, NULL, reason);
        }
        *ret_root = root;
        *ret_depth = depth;
        return 0;
}

int rpc_request_parse(const char *line, size_t len, RpcRequest *ret, RpcError *err) {
        cJSON *root = NULL;
        size_t depth = 0;
        int k;

        *ret = (RpcRequest) {};

        k = line_parse(line, len, &root, &depth, err);
        if (k < 0)
                return k;
        if (cJSON_IsArray(root)) {
                cJSON_Delete(root);
                return fail_with(err, RPC_INVALID_REQUEST, NULL, "a batch is not one request");
        }
        return request_from_item(root, line, len, depth, ret, err);
}

/* Decode, dispatch and answer one request. *ret_reply is NULL for a notification. */
static int process_request(cJSON *item, const char *text, size_t len, size_t depth, rpc_dispatch_fn fn,
                           void *userdata, char **ret_reply) {
        RpcRequest req = {};
        RpcError err = {};
        cJSON *result = NULL;
        char *reply = NULL;
        int k, r = 0;

        k = request_from_item(item, text, len, depth, &req, &err);
        if (k >= 0) {
                k = fn(userdata, &req, &result, &err);
                /* A notification (no id) gets no reply, as JSON-RPC 2.0 says, whatever happened. */
                if (!req.has_id) {
                        cJSON_Delete(result);
                        goto finish;
                }
                reply = k < 0 ? rpc_reply_error(req.id, &err) : rpc_reply_result(req.id, result);
        } else
                reply = rpc_reply_error(req.id, &err);
        if (!reply)
                r = -ENOMEM;

finish:
        rpc_error_done(&err);
        rpc_request_done(&req);
        *ret_reply = reply;
        return r;
}

static int reply_error_line(int code, const char *reason, char **ret_reply) {
        RpcError err = {};

        fail_with(&err, code, NULL, reason);
        *ret_reply = rpc_reply_error(NULL, &err);
        rpc_error_done(&err);
        return *ret_reply ? 0 : -ENOMEM;
}

/* In place of the dispatcher for a batch's requests past RPC_BATCH_REPLY_MAX: each is read and answered as usual,
 * and none is carried out. */
static int batch_too_large(void *userdata, const RpcRequest *req, cJSON **ret_result, RpcError *err) {
        rpc_error_set(err, RPC_INTERNAL_ERROR, "Not carried out: the batch's replies before it exceed 16 MiB");
        err->data = cJSON_CreateObject();
        cJSON_AddNumberToObject(err->data, "batch_reply_max_bytes", RPC_BATCH_REPLY_MAX);
        return -ENOBUFS;
}

static int process_batch(cJSON *root, const char *line, size_t len, rpc_dispatch_fn fn, void *userdata,
                         char **ret_reply) {
        _cleanup_(buf_freep) Buf *out = NULL;
        size_t i = skip_space(line, len, 0) + 1;
        int n = cJSON_GetArraySize(root);
        char reason[128];

        *ret_reply = NULL;
        if (n == 0)
                return reply_error_line(RPC_INVALID_REQUEST, "empty batch", ret_reply);
        if (n > RPC_BATCH_MAX) {
                snprintf(reason, sizeof reason, "a batch of %d requests: at most %d", n, RPC_BATCH_MAX);
                return reply_error_line(RPC_INVALID_REQUEST, reason, ret_reply);
        }
        out = buf_new();
        if (!out)
                return -ENOMEM;

        while (root->child) {
                _cleanup_free_ char *reply = NULL;
                size_t a = skip_space(line, len, i), b = value_end(line, len, a), depth = 0, offset;
                int k;

                /* The entry's own depth: the batch's array is not the request's nesting. */
                (void) json_prescan(line + a, b - a, &depth, &offset);
                k = process_request(cJSON_DetachItemViaPointer(root, root->child), line + a, b - a, depth,
                                    out->len > RPC_BATCH_REPLY_MAX ? batch_too_large : fn, userdata, &reply);
                if (k < 0)
                        return k;
                i = skip_space(line, len, b) + 1; /* past the ',' */
                if (!reply)
                        continue;
                /* Each reply is a line: drop its '\n' inside the array. */
                if (buf_append(out, out->len == 0 ? "[" : ",", 1) < 0 ||
                    buf_append(out, reply, strlen(reply) - 1) < 0)
                        return -ENOMEM;
        }
        /* Only notifications: no reply at all. */
        if (out->len == 0)
                return 0;
        if (buf_append(out, "]\n", 2) < 0)
                return -ENOMEM;
        *ret_reply = buf_take(out);
        return *ret_reply ? 0 : -ENOMEM;
}

int rpc_line_process(const char *line, size_t len, rpc_dispatch_fn fn, void *userdata, char **ret_reply) {
        _cleanup_(cJSON_Deletep) cJSON *root = NULL;
        RpcError err = {};
        size_t depth = 0;
        int k;

        *ret_reply = NULL;
        k = line_parse(line, len, &root, &depth, &err);
        if (k < 0) {
                *ret_reply = rpc_reply_error(NULL, &err);
                rpc_error_done(&err);
                return *ret_reply ? 0 : -ENOMEM;
        }
        if (cJSON_IsArray(root))
                return process_batch(root, line, len, fn, userdata, ret_reply);
        return process_request(TAKE_PTR(root), line, len, depth, fn, userdata, ret_reply);
}

void rpc_request_done(RpcRequest *r) {
        if (!r)
                return;
        cJSON_Delete(r->root);
        cJSON_Delete(r->id);
        *r = (RpcRequest) {};
}
