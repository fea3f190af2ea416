/* SPDX-License-Identifier: MIT */
#pragma once

/* Start a chaosletd of our own on a private socket for a test, talk to it raw or through the client library, and
 * stop it. Tests that use this must run as root. */

#include <stdbool.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "client.h"

typedef struct TestAgent {
        pid_t pid;
        char dir[256];
        char socket[300];
        char log[300];
} TestAgent;

/* argv_extra: NULL-terminated extra arguments, or NULL. Returns 0 when the socket answers. */
int test_agent_start(TestAgent *a, const char *binary, char *const *argv_extra);
/* SIGTERM and wait; returns the exit status, or -1 if it had to be killed. */
int test_agent_stop(TestAgent *a);

/* Connect a raw stream socket to the agent. */
int test_connect(const char *path);
/* Send bytes; read one reply line (malloc'd, without '\n') with a timeout. NULL on EOF/timeout. */
int test_send(int fd, const char *data, size_t len);
char *test_read_line(int fd, int timeout_ms);

/* Call over a fresh client: returns the error code (0 on success); *ret_result or *ret_error_data (owned). */
int test_call(const char *socket, const char *method, const char *params_json, cJSON **ret_result,
              cJSON **ret_error_data);
