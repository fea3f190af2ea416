/* SPDX-License-Identifier: MIT */
#pragma once

#include <cjson/cJSON.h>

#include "jsonrpc.h"
#include "loop.h"

#define SERVER_CLIENTS_MAX 64
/* A client that reads none of its replies gets cut off rather than growing our memory without bound. */
#define SERVER_OUTPUT_MAX (16u * 1024u * 1024u)

typedef rpc_dispatch_fn server_dispatch_fn;

typedef struct Server Server;

/* Create the socket's directory (0750) and the socket (0660). A stale socket left by a killed agent is replaced;
 * a live agent on the path makes this fail with -EADDRINUSE. */
int server_new(Loop *loop, const char *path, server_dispatch_fn fn, void *userdata, Server **ret);
Server *server_free(Server *s);
