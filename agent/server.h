/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "jsonrpc.h"
#include "loop.h"
#include "time-util.h"

#define SERVER_CLIENTS_MAX 256
/* A client that sends no complete request, and takes none of its replies, for this long is closed. */
#define SERVER_IDLE_TIMEOUT_NS ((int64_t) (60 * NSEC_PER_SEC))
/* A client that reads none of its replies gets cut off rather than growing our memory without bound. */
#define SERVER_OUTPUT_MAX (16u * 1024u * 1024u)

typedef rpc_dispatch_fn server_dispatch_fn;

typedef struct Server Server;

typedef struct ServerOptions {
        gid_t socket_gid;               /* who may connect besides root: the socket's group */
        const char *socket_group;       /* its name, for messages */
        int64_t idle_timeout_ns;        /* 0: SERVER_IDLE_TIMEOUT_NS */
} ServerOptions;

/* Create the socket's directory (0750, root and the socket group, when it does not exist yet) and the socket
 * (0660, root and the socket group). Changing the group needs CAP_CHOWN: call this before dropping capabilities.
 * A stale socket left by a killed agent is replaced; a live agent on the path makes this fail with -EADDRINUSE.
 * Every client is checked with SO_PEERCRED: only root and members of the group are served, anyone else gets
 * one -32004 reply and is closed. */
int server_new(Loop *loop, const char *path, const ServerOptions *opts, server_dispatch_fn fn, void *userdata,
               Server **ret);
/* The same server on a listening socket somebody else made and owns (socket activation): fd is taken, in every
 * case. Its mode, group and path are left as they are, and the path is not unlinked at the end. */
int server_new_listening(Loop *loop, int fd, const ServerOptions *opts, server_dispatch_fn fn, void *userdata,
                         Server **ret);
Server *server_free(Server *s);
