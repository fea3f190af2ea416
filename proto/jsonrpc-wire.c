/* SPDX-License-Identifier: MIT */
/* What goes over the socket, besides decoding: reply lines, request lines, and the line framing itself. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>

#include "buf.h"
#include "jsonrpc.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete);

/* cJSON's unformatted output never holds a raw newline (strings escape it), so a line is the print plus '\n'. */
static char *print_line(const cJSON *o) {
        char *s = cJSON_PrintUnformatted(o), *t;
        size_t n;

        if (!s)
                return NULL;
        n = strlen(s);
        t = realloc(s, n + 2);
        if (!t) {
                free(s);
                return NULL;
        }
        t[n] = '\n';
        t[n + 1] = '\0';
        return t;
}

/* The reply borrows id (and the error's data) by reference: nothing is copied, and nothing of the caller's freed. */
static cJSON *reply_new(const cJSON *id) {
        _cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();

        if (!o || !cJSON_AddStringToObject(o, "jsonrpc", "2.0"))
                return NULL;
        if (id) {
                if (!cJSON_AddItemReferenceToObject(o, "id", (cJSON *) id))
                        return NULL;
        } else if (!cJSON_AddNullToObject(o, "id"))
                return NULL;
        return TAKE_PTR(o);
}

char *rpc_reply_result(const cJSON *id, cJSON *result) {
        _cleanup_(cJSON_Deletep) cJSON *res = result;
        _cleanup_(cJSON_Deletep) cJSON *o = reply_new(id);

        if (!o)
                return NULL;
        if (!res)
                res = cJSON_CreateNull();
        if (!res || !cJSON_AddItemToObject(o, "result", res))
                return NULL;
        TAKE_PTR(res);
        return print_line(o);
}

char *rpc_reply_error(const cJSON *id, RpcError *err) {
        _cleanup_(cJSON_Deletep) cJSON *o = reply_new(id);
        cJSON *e;
        int code = err && err->code != 0 ? err->code : RPC_INTERNAL_ERROR;

        if (!o)
                return NULL;
        e = cJSON_AddObjectToObject(o, "error");
        if (!e || !cJSON_AddNumberToObject(e, "code", code) ||
            !cJSON_AddStringToObject(e, "message", err && err->message[0] ? err->message : rpc_error_message(code)))
                return NULL;
        if (err && err->data && !cJSON_AddItemReferenceToObject(e, "data", err->data))
                return NULL;
        return print_line(o);
}

char *rpc_request_format(long id, const char *method, cJSON *params) {
        _cleanup_(cJSON_Deletep) cJSON *p = params;
        _cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();

        if (!o || !method)
                return NULL;
        if (!cJSON_AddStringToObject(o, "jsonrpc", "2.0") ||
            !cJSON_AddNumberToObject(o, "id", (double) id) ||
            !cJSON_AddStringToObject(o, "method", method))
                return NULL;
        if (p) {
                if (!cJSON_AddItemToObject(o, "params", p))
                        return NULL;
                TAKE_PTR(p);
        }
        return print_line(o);
}

void line_buffer_init(LineBuffer *b, size_t max) {
        *b = (LineBuffer) { .max = max };
}

void line_buffer_done(LineBuffer *b) {
        if (!b)
                return;
        free(b->data);
        line_buffer_init(b, b->max);
}

int line_buffer_append(LineBuffer *b, const void *p, size_t n) {
        int r;

        if (n == 0)
                return 0;

        if (b->cap - b->len < n && b->start > 0) {
                /* Reclaim what earlier pops consumed before growing. */
                memmove(b->data, b->data + b->start, b->len - b->start);
                b->len -= b->start;
                b->scanned -= b->start;
                b->start = 0;
        }

        if (n > SIZE_MAX - b->len)
                return -ENOMEM;
        r = buf_grow(&b->data, &b->cap, b->len + n, 4096);
        if (r < 0)
                return r;

        memcpy(b->data + b->len, p, n);
        b->len += n;
        return 0;
}

int line_buffer_pop(LineBuffer *b, char **ret_line, size_t *ret_len) {
        size_t from = MAX(b->start, b->scanned);
        char *nl = NULL, *line;
        size_t n;

        if (from < b->len)
                nl = memchr(b->data + from, '\n', b->len - from);
        if (!nl) {
                b->scanned = b->len;
                /* Too long already, newline or not: no need to wait for the rest of it. */
                return b->len - b->start > b->max ? -E2BIG : 0;
        }

        n = (size_t) (nl - (b->data + b->start));
        if (n > b->max) {
                b->scanned = (size_t) (nl - b->data);
                return -E2BIG;
        }

        line = malloc(n + 1);
        if (!line)
                return -ENOMEM;
        memcpy(line, b->data + b->start, n);
        line[n] = '\0';

        b->start += n + 1;
        b->scanned = b->start;
        if (b->start == b->len)
                b->start = b->len = b->scanned = 0;

        *ret_line = line;
        if (ret_len)
                *ret_len = n;
        return 1;
}
