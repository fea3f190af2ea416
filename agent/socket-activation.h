/* SPDX-License-Identifier: MIT */
#pragma once

/* The listening socket a service manager passed (systemd's LISTEN_FDS protocol, sd_listen_fds(3) semantics,
 * without libsystemd): LISTEN_PID must be this process, and the fds start at 3. chaosletd takes exactly one, an
 * AF_UNIX SOCK_STREAM socket that is listening already. The variables are unset in every case, so nothing the
 * agent might start later inherits them, and every passed fd gets FD_CLOEXEC.
 *
 * Returns 0 when no socket was passed, or when LISTEN_PID names another process (the variables were meant for
 * somebody else: ignored, as sd_listen_fds() does, with a warning); 1 with *ret_fd (non-blocking, owned by the
 * caller) and *ret_path (its bound path, for messages; freed by the caller); or a logged -errno when what was
 * passed is not such a socket. */
int socket_activation_take(int *ret_fd, char **ret_path);
