/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A small epoll reactor (after redis' ae.c). Callbacks take (loop, fd, userdata, events). Single-threaded. */

/* The loop serves fds below this only (a table indexed by fd). */
#define LOOP_FDS_MAX 4096

typedef struct Loop Loop;
typedef void (*loop_fd_cb)(Loop *loop, int fd, void *userdata, uint32_t events);

int loop_new(Loop **ret);
Loop *loop_free(Loop *l);

int loop_add(Loop *l, int fd, uint32_t events, loop_fd_cb cb, void *userdata);
int loop_modify(Loop *l, int fd, uint32_t events);
void loop_remove(Loop *l, int fd);

/* A listening socket in the loop whose accept() fails with EMFILE or ENFILE wakes it again at once, for ever, for
 * the connection left in its backlog. loop_refuse_one() gives up *spare_fd (an fd held back for this), takes one
 * connection, sends it reply, closes it and takes the spare back. Returns 1 when a connection was turned away (more
 * may wait), 0 when none was waiting, -EMFILE when there is no spare to give: then stop listening for a while. */
int loop_refuse_one(int listen_fd, int *spare_fd, const void *reply, size_t len);
/* The spare fd (/dev/null) opened, or taken back when it was lost; *spare_fd < 0 when that fails. */
void loop_spare_take(int *spare_fd);

/* Run until loop_quit(). */
int loop_run(Loop *l);
void loop_quit(Loop *l, int code);
