/* SPDX-License-Identifier: MIT */
/* Hostile clients over the real socket: batches and exact ids, the connection limits (256 clients, idle clients,
 * slow readers, running out of file descriptors), who may connect (SO_PEERCRED and the socket group), and the capabilities the agent holds.
 * Changes nothing on the machine: the other users are uid 65534 and an unnamed gid, by setresuid() in a child. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent-harness.h"
#include "unit/tap.h"

#define TEST_GID 54321 /* no group needs to exist: --socket-group takes a number */
#define NOBODY 65534

static const char *agent_bin, *launcher;
static TestAgent agent, grouped;
static char ns_name[64], own_ns[64];

static void cleanup(void) {
        TestAgent *all[] = { &agent, &grouped };

        for (const char *ns = ns_name; ns; ns = ns == ns_name ? own_ns : NULL)
                if (ns[0]) {
                        char cmd[128];

                        snprintf(cmd, sizeof cmd, "ip netns del %s 2>/dev/null", ns);
                        (void) !system(cmd);
                }

        for (size_t i = 0; i < 2; i++) {
                char cmd[400];

                if (all[i]->pid > 0)
                        test_agent_stop(all[i]);
                if (all[i]->dir[0]) {
                        snprintf(cmd, sizeof cmd, "rm -rf %s", all[i]->dir);
                        (void) !system(cmd);
                }
        }
}

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Send line, expect exactly reply (without '\n') on the same connection. */
static void expect_reply(int fd, const char *line, const char *reply) {
        char *got;

        CHECK_EQ_INT(test_send(fd, line, strlen(line)), 0);
        got = test_read_line(fd, 5000);
        if (!got || strcmp(got, reply) != 0) {
                fprintf(stderr, "for %s  got      %s\n  expected %s\n", line, got ? got : "(nothing)", reply);
                tap_failures++;
        }
        free(got);
}

static void expect_contains(int fd, const char *line, const char *part) {
        char *got;

        CHECK_EQ_INT(test_send(fd, line, strlen(line)), 0);
        got = test_read_line(fd, 5000);
        if (!got || !strstr(got, part)) {
                fprintf(stderr, "for %s  got %s\n  expected it to contain %s\n", line, got ? got : "(nothing)", part);
                tap_failures++;
        }
        free(got);
}

static void test_batches(void) {
        int fd = test_connect(agent.socket);

        CHECK(fd >= 0);
        if (fd < 0)
                return;
        /* Every error below leaves the connection usable: one connection for all of them. */
        expect_contains(fd, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"fault.list\"},"
                            "{\"jsonrpc\":\"2.0\",\"method\":\"fault.list\"},"
                            "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"nope\"}]\n",
                        "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"faults\":[]}},{\"jsonrpc\":\"2.0\",\"id\":\"x\","
                        "\"error\":{\"code\":-32601");
        /* Notifications only: no line; the next reply is the next request's. */
        expect_reply(fd, "[{\"jsonrpc\":\"2.0\",\"method\":\"fault.list\"}]\n"
                         "{\"jsonrpc\":\"2.0\",\"id\":9007199254740991,\"method\":\"fault.list\"}\n",
                     "{\"jsonrpc\":\"2.0\",\"id\":9007199254740991,\"result\":{\"faults\":[]}}");
        expect_reply(fd, "[]\n", "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request\","
                                 "\"data\":{\"reason\":\"empty batch\"}}}");
        expect_reply(fd, "[1]\n", "[{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request\","
                                  "\"data\":{\"reason\":\"a request must be a JSON object\"}}}]");
        expect_reply(fd, "{\"jsonrpc\":\"2.0\",\"id\":1e3,\"method\":\"fault.list\"}\n",
                     "{\"jsonrpc\":\"2.0\",\"id\":1e3,\"result\":{\"faults\":[]}}");
        expect_reply(fd, "{\"jsonrpc\":\"2.0\",\"id\":\"\\u00e9\\\"\",\"method\":\"fault.list\"}\n",
                     "{\"jsonrpc\":\"2.0\",\"id\":\"\\u00e9\\\"\",\"result\":{\"faults\":[]}}");
        expect_contains(fd, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"fault.apply\",\"params\":{\"target\":{\"pid\":1e999}}}\n",
                        "\"code\":-32602,\"message\":\"Invalid params\",\"data\":{\"field\":\"target.pid\"");
        expect_contains(fd, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"fault.list\",\"params\":[NaN]}\n", "-32700");
        expect_contains(fd, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"fault.list\",\"params\":\"\xff\"}\n", "-32700");

        /* Params that are not an object: each method's -32602. */
        static const char *const methods[] = { "agent.info", "fault.apply", "fault.list", "fault.get", "fault.recover" };
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
                char line[200];

                snprintf(line, sizeof line, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"%s\",\"params\":[1]}\n", methods[i]);
                expect_contains(fd, line, "\"code\":-32602");
        }

        /* A batch of 100 agent.info is answered; 101 is one error. */
        for (int n = 100; n <= 101; n++) {
                size_t size = (size_t) n * 64 + 8;
                char *line = malloc(size), *p = line, *got;
                cJSON *reply;

                p += sprintf(p, "[");
                for (int i = 0; i < n; i++)
                        p += sprintf(p, "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"agent.info\"}", i ? "," : "", i);
                sprintf(p, "]\n");
                CHECK_EQ_INT(test_send(fd, line, strlen(line)), 0);
                got = test_read_line(fd, 5000);
                reply = got ? cJSON_Parse(got) : NULL;
                if (n == 100)
                        CHECK(cJSON_IsArray(reply) && cJSON_GetArraySize(reply) == 100);
                else
                        CHECK(cJSON_IsObject(reply) && strstr(got, "at most 100"));
                cJSON_Delete(reply);
                free(got);
                free(line);
        }
        expect_contains(fd, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"fault.list\"}\n", "\"id\":6,\"result\"");
        close(fd);
}

/* 256 connections that never speak do not lock out the next client: the agent closes the one idle longest. */
static void test_client_limit(void) {
        int fds[270], n = 0;
        char cmd[800];

        for (int i = 0; i < 270; i++) {
                fds[i] = test_connect(agent.socket);
                if (fds[i] >= 0)
                        n++;
        }
        CHECK_EQ_INT(n, 270);
        usleep(100000);
        CHECK_EQ_INT(test_call(agent.socket, "fault.list", NULL, NULL, NULL), 0);
        for (int i = 0; i < 270; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        /* 15 evicted (14 + the fault.list's), 5 of them logged: a client cannot make the agent write without end. */
        snprintf(cmd, sizeof cmd, "test \"$(grep -c 'Closing the client idle the longest' %s)\" = 5 || "
                 "{ grep -c 'Closing the client idle the longest' %s >&2; false; }", agent.log, agent.log);
        CHECK_EQ_INT(system(cmd), 0);
}

static double timed_info(void) {
        double t0 = now_s();

        CHECK_EQ_INT(test_call(agent.socket, "agent.info", NULL, NULL, NULL), 0);
        return now_s() - t0;
}

static void test_idle_clients(void) {
        int fds[100];
        double alone, crowded;

        alone = timed_info();
        for (int i = 0; i < 100; i++)
                fds[i] = test_connect(agent.socket);
        crowded = timed_info();
        fprintf(stderr, "agent.info: %.2f ms alone, %.2f ms beside 100 idle clients\n", alone * 1e3, crowded * 1e3);
        CHECK(crowded < 1.0);
        for (int i = 0; i < 100; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
}

/* A client that sends and never reads is closed at 16 MiB of unread replies, and meanwhile others are served. */
static void test_slow_reader(void) {
        static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.info\"}\n";
        char chunk[sizeof(req) * 100];
        int fd = test_connect(agent.socket), rcv = 4096;
        double t0 = now_s(), worst = 0;
        size_t sent = 0;
        bool dropped = false;

        CHECK(fd >= 0);
        if (fd < 0)
                return;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
        for (int i = 0; i < 100; i++)
                memcpy(chunk + i * (sizeof(req) - 1), req, sizeof(req) - 1);
        while (now_s() - t0 < 60) {
                ssize_t w = send(fd, chunk, 100 * (sizeof(req) - 1), MSG_NOSIGNAL | MSG_DONTWAIT);

                if (w < 0 && (errno == EPIPE || errno == ECONNRESET)) {
                        dropped = true;
                        break;
                }
                if (w < 0) {
                        struct pollfd p = { .fd = fd, .events = POLLOUT };
                        double t;

                        (void) poll(&p, 1, 100);
                        t = timed_info();
                        if (t > worst)
                                worst = t;
                        continue;
                }
                sent += (size_t) w;
        }
        fprintf(stderr, "slow reader: dropped %s after %zu requests (%.1f s); others' agent.info at worst %.1f ms meanwhile\n",
                dropped ? "yes" : "NO", sent / (sizeof(req) - 1), now_s() - t0, worst * 1e3);
        CHECK(dropped);
        CHECK(worst < 1.0);
        close(fd);
}

/* An agent of its own with a short idle timeout: silent and half-sent clients go, a talking one stays. */
static void test_idle_timeout(void) {
        char *argv[] = { "--idle-timeout", "400ms", NULL };
        TestAgent a = {};
        int silent, partial, talker;
        char *line, cmd[400];

        if (test_agent_start(&a, agent_bin, argv) < 0) {
                fprintf(stderr, "agent with --idle-timeout did not start\n");
                tap_failures++;
                return;
        }
        silent = test_connect(a.socket);
        partial = test_connect(a.socket);
        talker = test_connect(a.socket);
        CHECK_EQ_INT(test_send(partial, "{\"jsonrpc\":", 11), 0);
        for (int i = 0; i < 10; i++) {
                usleep(100000);
                expect_contains(talker, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"fault.list\"}\n", "\"result\"");
        }
        line = test_read_line(silent, 100);
        CHECK(line == NULL && recv(silent, cmd, 1, MSG_DONTWAIT) == 0);
        free(line);
        CHECK(recv(partial, cmd, 1, MSG_DONTWAIT) == 0);
        close(silent);
        close(partial);
        close(talker);
        test_agent_stop(&a);
        snprintf(cmd, sizeof cmd, "grep -q 'Closing an idle client' %s", a.log);
        CHECK_EQ_INT(system(cmd), 0);
        snprintf(cmd, sizeof cmd, "rm -rf %s", a.dir);
        (void) !system(cmd);
}

/* An agent of its own (binary), and a namespace cl-NAME-PID (ns, 64 bytes) with a veth v0 up; params (300 bytes):
 * a partition fault called NAME on it, for fault.apply. */
static int agent_with_netns(TestAgent *a, const char *binary, const char *name, char *ns, char *params) {
        char cmd[300];

        if (test_agent_start(a, binary, NULL) < 0) {
                fprintf(stderr, "the agent for %s did not start\n", name);
                tap_failures++;
                return -1;
        }
        snprintf(ns, 64, "cl-%s-%d", name, (int) getpid());
        snprintf(cmd, sizeof cmd, "ip netns add %s && ip -n %s link add v0 type veth peer v1 && ip -n %s link set v0 up",
                 ns, ns, ns);
        CHECK_EQ_INT(system(cmd), 0);
        snprintf(params, 300, "{\"id\":\"%s\",\"target\":{\"netns\":\"/run/netns/%s\"},\"device\":\"v0\","
                 "\"partition\":true}", name, ns);
        return 0;
}

/* What a shell command prints (malloc'd), or NULL. */
static char *command_output(const char *command) {
        char *text = NULL;
        size_t size = 0;
        FILE *p = popen(command, "r"), *m = open_memstream(&text, &size);
        char buf[4096];
        size_t n;

        if (!p || !m) {
                if (p)
                        pclose(p);
                if (m)
                        fclose(m);
                free(text);
                return NULL;
        }
        while ((n = fread(buf, 1, sizeof buf, p)) > 0)
                fwrite(buf, 1, n, m);
        pclose(p);
        fclose(m);
        return text;
}

/* The lowest fd number the process does not use: with RLIMIT_NOFILE there, its next open() fails with EMFILE. */
static int lowest_free_fd(pid_t pid) {
        char path[64];
        bool used[4096] = {};
        struct dirent *d;
        DIR *dir;
        int i;

        snprintf(path, sizeof path, "/proc/%d/fd", (int) pid);
        dir = opendir(path);
        if (!dir)
                return -errno;
        while ((d = readdir(dir)))
                if (d->d_name[0] != '.' && (i = atoi(d->d_name)) >= 0 && i < 4096)
                        used[i] = true;
        closedir(dir);
        for (i = 0; i < 4096 && used[i]; i++)
                ;
        return i;
}

/* User and system CPU time of a process, in seconds. */
static double cpu_seconds(pid_t pid) {
        unsigned long utime = 0, stime = 0;
        char path[64], buf[1024], *p;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        p = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
        fclose(f);
        /* After the name: state and eleven more fields, then utime and stime. */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
                return -1;
        return (double) (utime + stime) / (double) sysconf(_SC_CLK_TCK);
}

/* Out of file descriptors (RLIMIT_NOFILE lowered on the running agent with prlimit()): a request that needs one is
 * refused with -32603 naming the field and changes nothing; a client the agent cannot take is told so and closed,
 * not left in the backlog to wake the agent for ever (it spun a core and logged a warning a microsecond); once fds
 * are free again, all is served as before. */
static void test_out_of_fds(void) {
        struct rlimit tight, loose;
        char cmd[800], params[300], tc[300], *line, *before, *after;
        TestAgent a = {};
        int held, turned_away, k;
        double cpu, t0;

        if (agent_with_netns(&a, agent_bin, "fds", own_ns, params) < 0)
                return;

        held = test_connect(a.socket);
        CHECK(held >= 0);
        /* A fault with a tree, due to expire in 2 s: its removal needs the namespace, so an fd. */
        snprintf(cmd, sizeof cmd, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"fault.apply\",\"params\":{\"id\":\"exp\","
                 "\"target\":{\"netns\":\"/run/netns/%s\"},\"device\":\"v0\",\"bandwidth\":{\"rate\":\"10mbit\"},"
                 "\"duration\":\"2s\"}}\n", own_ns);
        t0 = now_s();
        expect_contains(held, cmd, "\"result\"");
        snprintf(tc, sizeof tc, "tc -n %s qdisc show dev v0; tc -n %s class show dev v0; tc -n %s filter show dev v0",
                 own_ns, own_ns, own_ns);
        before = command_output(tc);
        k = lowest_free_fd(a.pid);
        CHECK(k > 0);
        /* The soft limit only: raising a hard one back takes CAP_SYS_RESOURCE, which a container may not give us. */
        CHECK_EQ_INT(prlimit(a.pid, RLIMIT_NOFILE, NULL, &loose), 0);
        tight = (struct rlimit) { (rlim_t) k, loose.rlim_max };
        CHECK_EQ_INT(prlimit(a.pid, RLIMIT_NOFILE, &tight, NULL), 0);

        snprintf(cmd, sizeof cmd, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"fault.apply\",\"params\":%s}\n", params);
        expect_contains(held, cmd, "\"code\":-32603,\"message\":\"Cannot open the target's network namespace now; try "
                                   "again\",\"data\":{\"field\":\"target.netns\"");
        CHECK_EQ_INT(test_send(held, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"fault.list\"}\n", 48), 0);
        line = test_read_line(held, 5000);
        CHECK(line && strstr(line, "\"id\":\"exp\"") && !strstr(line, "\"id\":\"fds\""));
        free(line);
        after = command_output(tc);
        CHECK(before && after && strcmp(before, after) == 0); /* the device as it was */
        free(after);

        /* A client with a connection waiting all the while: the agent stays idle, then answers it and closes. */
        cpu = cpu_seconds(a.pid);
        turned_away = test_connect(a.socket);
        CHECK(turned_away >= 0);
        usleep(500000);
        cpu = cpu_seconds(a.pid) - cpu;
        fprintf(stderr, "out of fds: %.3f s of CPU in the 0.5 s a client waited to be turned away\n", cpu);
        CHECK(cpu >= 0 && cpu < 0.1);
        line = test_read_line(turned_away, 5000);
        if (!line || !strstr(line, "\"id\":null,\"error\":{\"code\":-32603,\"message\":\"Out of file descriptors; "
                                  "try again\",\"data\":{\"errno\":\"EMFILE\"}")) {
                fprintf(stderr, "turned away with: %s\n", line ? line : "(nothing)");
                tap_failures++;
        }
        free(line);
        line = test_read_line(turned_away, 2000);
        CHECK(line == NULL); /* and closed */
        free(line);
        close(turned_away);

        /* The expiry (at 2 s) that cannot reach the namespace is tried again after 1 s, 2 s, 4 s: warnings at 2, 3
         * and 5 s, three by 7 s, the next at 9 s (one a second, six, before the back-off). */
        while (now_s() < t0 + 7)
                usleep(50000);
        snprintf(cmd, sizeof cmd, "test \"$(grep -c 'Cannot reach the namespace of fault exp' %s)\" = 3 || "
                 "{ grep 'Cannot reach the namespace' %s >&2; false; }", a.log, a.log);
        CHECK_EQ_INT(system(cmd), 0);

        /* Room again: served, the stuck expiry goes through at its next try (9 s), and a fault works end to end. */
        CHECK_EQ_INT(prlimit(a.pid, RLIMIT_NOFILE, &loose, NULL), 0);
        for (k = 0; k < 100 && test_call(a.socket, "fault.get", "{\"id\":\"exp\"}", NULL, NULL) == 0; k++)
                usleep(100000);
        CHECK_EQ_INT(test_call(a.socket, "fault.get", "{\"id\":\"exp\"}", NULL, NULL), -32005);
        after = command_output(tc);
        CHECK(after && !strstr(after, "htb"));
        free(after);
        CHECK_EQ_INT(test_call(a.socket, "fault.apply", params, NULL, NULL), 0);
        CHECK_EQ_INT(test_call(a.socket, "fault.recover", "{\"id\":\"fds\"}", NULL, NULL), 0);
        close(held);
        CHECK_EQ_INT(test_agent_stop(&a), 0);
        snprintf(cmd, sizeof cmd, "grep -q 'Accepting clients again: 1 refused for want of file descriptors' %s || "
                 "{ tail -20 %s >&2; false; }", a.log, a.log);
        CHECK_EQ_INT(system(cmd), 0);
        snprintf(cmd, sizeof cmd, "ip netns del %s && rm -rf %s", own_ns, a.dir);
        CHECK_EQ_INT(system(cmd), 0);
        own_ns[0] = 0;
        free(before);
}

/* A batch of 100 fault.get of a fault with 40,000 CIDRs (about 0.9 MB each): replies up to 16 MiB, then -32603
 * for each request after, not carried out. Without the cap the agent held 90 MB for this one line. */
static void test_batch_reply_cap(void) {
        char params[300], *p, *line, *req, *got;
        cJSON *reply;
        size_t size = 4 * 1024 * 1024;
        int fd, results = 0, refused = 0;
        TestAgent a = {};

        if (agent_with_netns(&a, agent_bin, "batch", own_ns, params) < 0)
                return;
        /* params ends in "\"partition\":true}": add the CIDRs, 2001:db8:X:Y::/64. */
        line = malloc(size);
        req = malloc(100 * 80 + 8);
        p = line + sprintf(line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"fault.apply\",\"params\":%.*s,"
                           "\"match\":{\"cidrs\":[", (int) strlen(params) - 1, params);
        for (int i = 0; i < 40000; i++)
                p += sprintf(p, "%s\"2001:db8:%x:%x::/64\"", i ? "," : "", i / 256, i % 256);
        strcpy(p, "]}}}\n");
        fd = test_connect(a.socket);
        CHECK(fd >= 0);
        expect_contains(fd, line, "\"result\"");
        p = req + sprintf(req, "[");
        for (int i = 0; i < 100; i++)
                p += sprintf(p, "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"fault.get\",\"params\":{\"id\":\"batch\"}}",
                             i ? "," : "", i);
        strcpy(p, "]\n");
        CHECK_EQ_INT(test_send(fd, req, strlen(req)), 0);
        got = test_read_line(fd, 20000);
        reply = got ? cJSON_Parse(got) : NULL;
        CHECK(cJSON_GetArraySize(reply) == 100);
        for (cJSON *r = reply ? reply->child : NULL; r; r = r->next) {
                cJSON *e = cJSON_GetObjectItem(r, "error");

                if (cJSON_GetObjectItem(r, "result"))
                        results++;
                else if (e && cJSON_GetObjectItem(e, "code")->valueint == -32603 &&
                         strstr(cJSON_GetObjectItem(e, "message")->valuestring, "Not carried out"))
                        refused++;
        }
        fprintf(stderr, "batch of 100 fault.get: %zu bytes, %d results, %d not carried out\n", got ? strlen(got) : 0,
                results, refused);
        CHECK(results >= 10 && results < 30 && results + refused == 100);
        CHECK(got && strlen(got) < 18u * 1024 * 1024);
        free(got);
        cJSON_Delete(reply);
        expect_contains(fd, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"fault.recover\",\"params\":{\"id\":\"batch\"}}\n",
                        "\"result\"");
        close(fd);
        free(req);
        CHECK_EQ_INT(test_agent_stop(&a), 0);
        snprintf(line, size, "ip netns del %s && rm -rf %s", own_ns, a.dir);
        CHECK_EQ_INT(system(line), 0);
        free(line);
        own_ns[0] = 0;
}

/* In a child as uid 65534 with these groups: 0 when served, 4 when refused as expected, 5 when connect() was
 * refused by the file system, another code for anything else. */
static int as_other(const char *socket, gid_t gid, const gid_t *groups, size_t n, const char *refusal) {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
                char *line;
                int fd;

                if (setgroups(n, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
                        _exit(2);
                fd = test_connect(socket);
                if (fd == -EACCES)
                        _exit(5);
                if (fd < 0)
                        _exit(3);
                if (refusal) {
                        line = test_read_line(fd, 5000);
                        if (!line || !strstr(line, "\"code\":-32004") || !strstr(line, refusal)) {
                                fprintf(stderr, "refusal: %s\n", line ? line : "(nothing)");
                                _exit(6);
                        }
                        free(line);
                        /* and then closed */
                        line = test_read_line(fd, 5000);
                        _exit(line ? 7 : 4);
                }
                if (test_send(fd, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.info\"}\n", 48) < 0)
                        _exit(8);
                line = test_read_line(fd, 5000);
                _exit(line && strstr(line, "\"result\"") ? 0 : 9);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

static void test_authorisation(void) {
        char *argv[] = { "--socket-group", "54321", NULL }, *bad[] = { "--socket-group", "chaoslet-no-such-group-x", NULL };
        const gid_t g = TEST_GID;
        char dir[400], cmd[800];
        struct stat st;
        TestAgent nope = {};

        /* An unknown group name: the agent does not start. */
        CHECK(test_agent_start(&nope, agent_bin, bad) < 0);
        snprintf(cmd, sizeof cmd, "grep -q 'no such group' %s; r=$?; rm -rf %s; exit $r", nope.log, nope.dir);
        CHECK_EQ_INT(system(cmd), 0);

        if (test_agent_start(&grouped, agent_bin, argv) < 0) {
                fprintf(stderr, "agent with --socket-group did not start\n");
                tap_failures++;
                return;
        }
        /* root:54321, 0660 for the socket, 0750 for the directory it created. */
        CHECK(stat(grouped.socket, &st) == 0 && st.st_uid == 0 && st.st_gid == TEST_GID && (st.st_mode & 07777) == 0660);
        snprintf(dir, sizeof dir, "%s/run", grouped.dir);
        CHECK(stat(dir, &st) == 0 && st.st_uid == 0 && st.st_gid == TEST_GID && (st.st_mode & 07777) == 0750);
        CHECK(chmod(grouped.dir, 0755) == 0); /* mkdtemp's 0700 is the test's, not the agent's */

        /* Members are served, by a supplementary or the primary group. */
        CHECK_EQ_INT(as_other(grouped.socket, NOBODY, &g, 1, NULL), 0);
        CHECK_EQ_INT(as_other(grouped.socket, TEST_GID, NULL, 0, NULL), 0);
        /* Anyone else: the file modes stop them first... */
        CHECK_EQ_INT(as_other(grouped.socket, NOBODY, NULL, 0, NULL), 5);
        /* ...and where the modes were opened by mistake, SO_PEERCRED does: one -32004, then closed. */
        CHECK(chmod(dir, 0755) == 0 && chmod(grouped.socket, 0666) == 0);
        CHECK_EQ_INT(as_other(grouped.socket, NOBODY, NULL, 0, "\"message\":\"uid 65534 is not root and not in group 54321\""),
                     4);
        CHECK_EQ_INT(as_other(grouped.socket, NOBODY, &g, 1, NULL), 0);
        snprintf(cmd, sizeof cmd, "grep -q 'Refused a client: uid 65534 is not root and not in group 54321 (pid [0-9]*)' %s",
                 grouped.log);
        CHECK_EQ_INT(system(cmd), 0);

        /* The default group is root. */
        CHECK(chmod(agent.dir, 0755) == 0);
        snprintf(dir, sizeof dir, "%s/run", agent.dir);
        CHECK(stat(agent.socket, &st) == 0 && st.st_gid == 0 && (st.st_mode & 07777) == 0660);
        CHECK(chmod(dir, 0755) == 0 && chmod(agent.socket, 0666) == 0);
        CHECK_EQ_INT(as_other(agent.socket, NOBODY, &g, 1, "uid 65534 is not root and not in group root"), 4);
        CHECK(chmod(dir, 0750) == 0 && chmod(agent.socket, 0660) == 0);
}

/* agent.info's capabilities are exactly the effective set the kernel shows in /proc/PID/status. */
static void test_capabilities(void) {
        char path[64], line[256];
        unsigned long long eff = 0;
        cJSON *info = NULL, *caps, *c;
        FILE *f;
        int n = 0;

        snprintf(path, sizeof path, "/proc/%d/status", (int) agent.pid);
        f = fopen(path, "re");
        CHECK(f != NULL);
        if (!f)
                return;
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "CapEff: %llx", &eff) == 1)
                        break;
        fclose(f);

        CHECK_EQ_INT(test_call(agent.socket, "agent.info", NULL, &info, NULL), 0);
        caps = cJSON_GetObjectItem(info, "capabilities");
        cJSON_ArrayForEach(c, caps) {
                cap_value_t v;

                if (!cJSON_IsString(c) || cap_from_name(c->valuestring, &v) < 0 || !(eff & (1ULL << v))) {
                        fprintf(stderr, "agent.info says %s, CapEff is %llx\n", cJSON_GetStringValue(c), eff);
                        tap_failures++;
                }
                n++;
        }
        CHECK_EQ_INT(n, __builtin_popcountll(eff));
        /* The four it needs, and none it does not (CAP_BPF only where the kernel knows it). */
        CHECK(eff & (1ULL << CAP_NET_ADMIN) && eff & (1ULL << CAP_SYS_ADMIN) && eff & (1ULL << CAP_SYS_PTRACE));
        CHECK(!(eff & (1ULL << CAP_DAC_OVERRIDE)) && !(eff & (1ULL << CAP_CHOWN)) && !(eff & (1ULL << CAP_SETUID)));
        CHECK(n >= 3 && n <= 4);
        fprintf(stderr, "CapEff %llx: %d capabilities, as agent.info says\n", eff, n);
        cJSON_Delete(info);
}

/* Under a seccomp filter that kills it on any exec (tests/tools/noexec-launch), the agent lives through a fault's
 * whole life and exits 0 on SIGTERM. */
static void test_never_execs(void) {
        char cmd[400], params[300];
        TestAgent a = {};
        int status;
        pid_t pid;

        /* The filter works: a shell that execs dies of SIGSYS. */
        setenv("NOEXEC_TARGET", "/bin/sh", 1);
        pid = fork();
        if (pid == 0) {
                execl(launcher, launcher, "-c", "exec /bin/true", NULL);
                _exit(127);
        }
        CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS);

        setenv("NOEXEC_TARGET", agent_bin, 1);
        if (agent_with_netns(&a, launcher, "noexec", ns_name, params) < 0)
                return;
        CHECK_EQ_INT(test_call(a.socket, "fault.apply", params, NULL, NULL), 0);
        CHECK_EQ_INT(test_call(a.socket, "fault.list", NULL, NULL, NULL), 0);
        CHECK_EQ_INT(test_call(a.socket, "fault.recover", "{\"id\":\"noexec\"}", NULL, NULL), 0);
        CHECK(waitpid(a.pid, &status, WNOHANG) == 0);
        CHECK_EQ_INT(test_agent_stop(&a), 0);
        snprintf(cmd, sizeof cmd, "rm -rf %s", a.dir);
        (void) !system(cmd);
}

int main(int argc, char **argv) {
        struct rlimit rl = { 4096, 4096 };

        if (geteuid() != 0) {
                fprintf(stderr, "skip: needs root (an agent of its own, and a child as uid 65534)\n");
                return 77;
        }
        agent_bin = argc > 1 ? argv[1] : getenv("CHAOSLETD");
        launcher = argc > 2 ? argv[2] : NULL;
        if (!agent_bin || !launcher) {
                fprintf(stderr, "usage: %s PATH-TO-CHAOSLETD PATH-TO-NOEXEC-LAUNCH\n", argv[0]);
                return 2;
        }
        (void) setrlimit(RLIMIT_NOFILE, &rl); /* 270 connections at once */
        atexit(cleanup);
        if (test_agent_start(&agent, agent_bin, NULL) < 0) {
                fprintf(stderr, "chaosletd did not start\n");
                return 1;
        }

        test_batches();
        test_client_limit();
        test_idle_clients();
        test_slow_reader();
        test_idle_timeout();
        test_out_of_fds();
        test_batch_reply_cap();
        test_authorisation();
        test_capabilities();
        test_never_execs();

        if (tap_failures) {
                char cmd[400];

                snprintf(cmd, sizeof cmd, "tail -50 %s >&2", agent.log);
                (void) !system(cmd);
        }
        TAP_EXIT();
}
