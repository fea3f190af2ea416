/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent-harness.h"

int test_agent_start(TestAgent *a, const char *binary, char *const *argv_extra) {
        char *argv[32];
        int n = 0;

        snprintf(a->dir, sizeof(a->dir), "/tmp/chaoslet-test-XXXXXX");
        if (!mkdtemp(a->dir))
                return -errno;
        snprintf(a->socket, sizeof(a->socket), "%s/run/chaoslet.sock", a->dir);
        snprintf(a->log, sizeof(a->log), "%s/agent.log", a->dir);

        argv[n++] = (char *) binary;
        argv[n++] = "--socket";
        argv[n++] = a->socket;
        for (int i = 0; argv_extra && argv_extra[i] && n < 30; i++)
                argv[n++] = argv_extra[i];
        argv[n] = NULL;

        a->pid = fork();
        if (a->pid < 0)
                return -errno;
        if (a->pid == 0) {
                int fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        dup2(fd, STDERR_FILENO);
                        dup2(fd, STDOUT_FILENO);
                }
                execv(binary, argv);
                _exit(127);
        }

        /* Ready when the socket answers agent.info; give up after 10 s. */
        for (int i = 0; i < 200; i++) {
                int status;
                if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
                        a->pid = 0;
                        return -ECHILD;
                }
                if (test_call(a->socket, "agent.info", NULL, NULL, NULL) == 0)
                        return 0;
                usleep(50000);
        }
        return -ETIMEDOUT;
}

int test_agent_stop(TestAgent *a) {
        int status = 0;

        if (a->pid <= 0)
                return -1;
        kill(a->pid, SIGTERM);
        for (int i = 0; i < 100; i++) {
                if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
                        a->pid = 0;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                usleep(50000);
        }
        kill(a->pid, SIGKILL);
        waitpid(a->pid, &status, 0);
        a->pid = 0;
        return -1;
}

int test_connect(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int k = -errno;
                close(fd);
                return k;
        }
        return fd;
}

int test_send(int fd, const char *data, size_t len) {
        while (len > 0) {
                ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += w;
                len -= (size_t) w;
        }
        return 0;
}

char *test_read_line(int fd, int timeout_ms) {
        size_t cap = 65536, len = 0;
        char *buf = malloc(cap);

        /* Peek, then take up to the '\n' only: what follows the line stays for the next call. */
        while (buf) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                char *nl;
                ssize_t r;

                if (poll(&p, 1, timeout_ms) <= 0)
                        break;
                if (cap - len < 65536 + 1) {
                        char *n = realloc(buf, cap *= 2);
                        if (!n)
                                break;
                        buf = n;
                }
                r = recv(fd, buf + len, 65536, MSG_PEEK);
                if (r <= 0)
                        break;
                nl = memchr(buf + len, '\n', (size_t) r);
                if (nl)
                        r = nl - (buf + len) + 1;
                if (recv(fd, buf + len, (size_t) r, 0) != r)
                        break;
                len += (size_t) r;
                if (nl) {
                        buf[len - 1] = 0;
                        return buf;
                }
        }
        free(buf);
        return NULL;
}

int test_call(const char *socket, const char *method, const char *params_json, cJSON **ret_result,
              cJSON **ret_error_data) {
        RpcClient *c = NULL;
        RpcError err = {};
        cJSON *params = NULL, *result = NULL;
        int k;

        if (params_json) {
                params = cJSON_Parse(params_json);
                if (!params)
                        return -EINVAL;
        }
        k = rpc_client_connect(socket, &c);
        if (k < 0) {
                cJSON_Delete(params);
                return k;
        }
        k = rpc_client_call(c, method, params, &result, &err);
        rpc_client_free(c);
        if (k == -EPROTO) {
                if (ret_error_data)
                        *ret_error_data = err.data;
                else
                        cJSON_Delete(err.data);
                return err.code;
        }
        if (k < 0)
                return k;
        if (ret_result)
                *ret_result = result;
        else
                cJSON_Delete(result);
        return 0;
}
