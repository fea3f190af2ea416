/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
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

/* Run until loop_quit(). */
int loop_run(Loop *l);
void loop_quit(Loop *l, int code);
