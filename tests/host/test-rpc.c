/* SPDX-License-Identifier: MIT */
/* The protocol on this machine's kernel: framing, pipelining, every error code that can be reached without
 * sch_netem, the socket's life cycle, and least privilege. Runs its own chaosletd on a private socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent-harness.h"
#include "unit/tap.h"

static const char *agent_bin;
static TestAgent agent;
static char ns_name[64], ns_path[128], blocked_dir[200];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
        char cmd[1024];
        va_list ap;
        int status;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        status = system(cmd);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *sh_output(const char *cmd) {
        FILE *p = popen(cmd, "r");
        static char buf[8192];
        size_t n;

        if (!p)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, p);
        buf[n] = 0;
        pclose(p);
        return buf;
}

static void cleanup(void) {
        if (agent.pid > 0)
                test_agent_stop(&agent);
        if (ns_name[0])
                sh("ip netns del %s 2>/dev/null", ns_name);
        if (blocked_dir[0])
                sh("rm -rf %s", blocked_dir);
        if (agent.dir[0])
                sh("rm -rf %s", agent.dir);
}

static const char *field_of(cJSON *data) {
        cJSON *f = cJSON_GetObjectItemCaseSensitive(data, "field");
        return cJSON_IsString(f) ? f->valuestring : "(none)";
}

/* Expect an error with this code and (if field) this data.field. */
static void expect_error(const char *method, const char *params, int code, const char *field) {
        cJSON *data = NULL;
        int k = test_call(agent.socket, method, params, NULL, &data);

        if (k != code || (field && strcmp(field_of(data), field) != 0)) {
                char *d = data ? cJSON_PrintUnformatted(data) : NULL;
                fprintf(stderr, "%s %s: got %d %s, expected %d field %s\n", method, params ? params : "", k,
                        d ? d : "", code, field ? field : "-");
                free(d);
                tap_failures++;
        }
        cJSON_Delete(data);
}

static void test_info(void) {
        static const char *const features[] = { "sch_netem", "sch_tbf", "sch_htb", "sch_prio",
                                                "clsact", "cls_bpf", "ifb", "bpf" };
        cJSON *r = NULL, *kernel, *feat;

        CHECK_EQ_INT(test_call(agent.socket, "agent.info", NULL, &r, NULL), 0);
        if (!r)
                return;
        CHECK(cJSON_IsString(cJSON_GetObjectItem(r, "version")));
        kernel = cJSON_GetObjectItem(r, "kernel");
        CHECK(cJSON_IsString(cJSON_GetObjectItem(kernel, "release")));
        feat = cJSON_GetObjectItem(kernel, "features");
        for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
                CHECK(cJSON_IsBool(cJSON_GetObjectItem(feat, features[i])));
        /* This machine's facts (TEST-KERNEL.md): htb and cls_bpf are there. */
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(feat, "sch_htb")));
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(feat, "cls_bpf")));
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(feat, "bpf")));
        CHECK_EQ_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "faults"), "active")->valueint, 0);
        CHECK(cJSON_IsNumber(cJSON_GetObjectItem(r, "uptime_s")));
        /* The classifier's two programs and its seven maps, by the kernel's ids: the kernel knows each. */
        cJSON *cls = cJSON_GetObjectItem(r, "classifier"), *id;
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(cls, "prog_ids")), 2);
        CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(cls, "map_ids")), 7);
        cJSON_ArrayForEach(id, cJSON_GetObjectItem(cls, "prog_ids")) {
                char cmd[64];
                snprintf(cmd, sizeof(cmd), "bpftool prog show id %d >/dev/null 2>&1", id->valueint);
                CHECK_EQ_INT(system(cmd), 0);
        }
        cJSON_Delete(r);
}

static void test_framing(void) {
        int fd = test_connect(agent.socket);
        char *line;

        CHECK(fd >= 0);
        if (fd < 0)
                return;

        /* Pipelined: three requests in one write, answered in order. */
        const char *three = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.info\"}\n"
                            "{\"jsonrpc\":\"2.0\",\"id\":\"two\",\"method\":\"nope\"}\n"
                            "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"fault.list\"}\n";
        CHECK_EQ_INT(test_send(fd, three, strlen(three)), 0);
        line = test_read_line(fd, 5000);
        CHECK(line && strstr(line, "\"id\":1,") && strstr(line, "\"result\""));
        free(line);
        line = test_read_line(fd, 5000);
        CHECK(line && strstr(line, "\"id\":\"two\"") && strstr(line, "-32601"));
        free(line);
        line = test_read_line(fd, 5000);
        CHECK(line && strstr(line, "\"id\":3") && strstr(line, "\"faults\":[]"));
        free(line);

        /* A request split across writes is reassembled. */
        CHECK_EQ_INT(test_send(fd, "{\"jsonrpc\":\"2.0\",", 17), 0);
        usleep(20000);
        CHECK_EQ_INT(test_send(fd, "\"id\":4,\"method\":\"fault.list\"}\n", 30), 0);
        line = test_read_line(fd, 5000);
        CHECK(line && strstr(line, "\"id\":4"));
        free(line);

        /* Parse error: id null, connection stays usable. */
        CHECK_EQ_INT(test_send(fd, "{nope\n", 6), 0);
        line = test_read_line(fd, 5000);
        CHECK(line && strstr(line, "-32700") && strstr(line, "\"id\":null"));
        free(line);

        /* Invalid requests. */
        const char *bad[] = {
                "{\"jsonrpc\":\"2.0\",\"id\":5}\n",                           /* no method */
                "{\"jsonrpc\":\"1.0\",\"id\":6,\"method\":\"agent.info\"}\n", /* wrong version */
                "[]\n",                                                      /* empty batch */
                "42\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                CHECK_EQ_INT(test_send(fd, bad[i], strlen(bad[i])), 0);
                line = test_read_line(fd, 5000);
                if (!line || !strstr(line, "-32600")) {
                        fprintf(stderr, "request %s got %s\n", bad[i], line ? line : "(nothing)");
                        tap_failures++;
                }
                free(line);
        }

        /* A notification (no id) gets no reply: the next reply is for id 8. */
        const char *notif = "{\"jsonrpc\":\"2.0\",\"method\":\"agent.info\"}\n"
                            "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"fault.list\"}\n";
        CHECK_EQ_INT(test_send(fd, notif, strlen(notif)), 0);
        line = test_read_line(fd, 5000);
        CHECK(line && strstr(line, "\"id\":8"));
        free(line);
        close(fd);

        /* A line over 1 MiB: -32600, then the agent hangs up. */
        fd = test_connect(agent.socket);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        size_t big = 1024 * 1024 + 16;
        char *junk = malloc(big);
        memset(junk, 'x', big);
        (void) test_send(fd, junk, big);
        free(junk);
        line = test_read_line(fd, 5000);
        CHECK(line && strstr(line, "-32600"));
        free(line);
        line = test_read_line(fd, 2000);
        CHECK(line == NULL); /* closed */
        free(line);
        close(fd);

        /* Exactly 1 MiB of payload is still a line we read (it fails as JSON, not as framing). */
        fd = test_connect(agent.socket);
        if (fd >= 0) {
                size_t max = 1024 * 1024;
                char *ok = malloc(max + 1);
                memset(ok, ' ', max);
                memcpy(ok, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"fault.list\"}", 46);
                ok[max] = '\n';
                CHECK_EQ_INT(test_send(fd, ok, max + 1), 0);
                free(ok);
                line = test_read_line(fd, 5000);
                CHECK(line && strstr(line, "\"id\":9") && strstr(line, "\"result\""));
                free(line);
                close(fd);
        }
}

static void test_errors(void) {
        char p[512];

        /* -32601 */
        expect_error("fault.explode", NULL, -32601, NULL);

        /* -32602: the field's path, for every level. */
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latncy\":\"90ms\"}}", ns_path);
        expect_error("fault.apply", p, -32602, "netem.latncy");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"90ms\"},\"bogus\":1}", ns_path);
        expect_error("fault.apply", p, -32602, "bogus");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\",\"cgroup\":\"x\"},\"netem\":{\"latency\":\"90ms\"}}", ns_path);
        expect_error("fault.apply", p, -32602, "target.cgroup");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"-5ms\"}}", ns_path);
        expect_error("fault.apply", p, -32602, "netem.latency");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"90ms\",\"loss\":\"101\"}}", ns_path);
        expect_error("fault.apply", p, -32602, "netem.loss");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"9s\",\"jitter\":\"3s\"}}", ns_path);
        expect_error("fault.apply", p, -32602, "netem.jitter");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"90ms\"},\"duration\":\"-3s\"}", ns_path);
        expect_error("fault.apply", p, -32602, "duration");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"90ms\"},\"duration\":\"2h\"}", ns_path);
        expect_error("fault.apply", p, -32602, "duration"); /* beyond --max-duration 1h */
        snprintf(p, sizeof(p), "{\"id\":\"bad id!\",\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"90ms\"}}", ns_path);
        expect_error("fault.apply", p, -32602, "id");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{}}", ns_path);
        expect_error("fault.apply", p, -32602, "netem");
        expect_error("fault.apply", "{\"netem\":{\"latency\":\"90ms\"}}", -32602, "target");
        expect_error("fault.apply", "{\"target\":{\"pid\":1,\"netns\":\"/x\"},\"netem\":{\"latency\":\"90ms\"}}", -32602,
                     "target");
        expect_error("fault.recover", "{}", -32602, "id");
        expect_error("fault.get", "{\"id\":\"x\",\"extra\":true}", -32602, "extra");
        expect_error("agent.info", "{\"verbose\":true}", -32602, "verbose");

        /* -32001 target not found: no such process, no such file, not a namespace, no such device. */
        expect_error("fault.apply", "{\"target\":{\"pid\":999999999},\"netem\":{\"latency\":\"90ms\"}}", -32001,
                     "target.pid");
        expect_error("fault.apply", "{\"target\":{\"netns\":\"/run/netns/chaoslet-no-such\"},\"netem\":{\"latency\":\"90ms\"}}",
                     -32001, "target.netns");
        expect_error("fault.apply", "{\"target\":{\"netns\":\"/etc/hostname\"},\"netem\":{\"latency\":\"90ms\"}}",
                     -32001, "target.netns");
        /* An nsfs file of another namespace type (checked with NS_GET_NSTYPE), and a directory of /proc. */
        expect_error("fault.apply", "{\"target\":{\"netns\":\"/proc/self/ns/uts\"},\"netem\":{\"latency\":\"90ms\"}}",
                     -32001, "target.netns");
        expect_error("fault.apply", "{\"target\":{\"netns\":\"/proc/1/ns\"},\"netem\":{\"latency\":\"90ms\"}}",
                     -32001, "target.netns");

        /* A FIFO as the namespace path: refused at once, not a hang of the whole agent (opened O_PATH first). */
        snprintf(p, sizeof(p), "%s-fifo", blocked_dir);
        sh("rm -f %s && mkfifo %s", p, p);
        {
                char q[640];
                snprintf(q, sizeof(q), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"90ms\"}}", p);
                expect_error("fault.apply", q, -32001, "target.netns");
        }
        sh("rm -f %s", p);

        /* No such device, by name (one RTM_GETLINK each): the field names which of the devices it was, and an
         * alternative name (IFLA_ALT_IFNAME), which the kernel resolves too, is not the device's own. */
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"device\":\"nope0\",\"partition\":true}", ns_path);
        expect_error("fault.apply", p, -32001, "device");
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"device\":[\"v0\",\"nope0\"],\"partition\":true}",
                 ns_path);
        expect_error("fault.apply", p, -32001, "device[1]");
        if (sh("ip -n $NS link property add dev v0 altname cl-alt-v0") == 0) {
                snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"device\":\"cl-alt-v0\",\"partition\":true}",
                         ns_path);
                expect_error("fault.apply", p, -32001, "device");
                sh("ip -n $NS link property del dev v0 altname cl-alt-v0");
        } else
                fprintf(stderr, "skip part: no alternative link names on this kernel\n");
        /* None of them left anything behind, and the device is still there, by its own name. */
        CHECK(sh("ip -n $NS link show v0 >/dev/null && ! ip netns exec $NS tc qdisc show dev v0 | grep -q c4a0:") == 0);

        /* chaoslet's own IFB is never a target device. */
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"device\":\"chaoslet-i2\",\"partition\":true}",
                 ns_path);
        expect_error("fault.apply", p, -32602, "device");

        /* -32004: the agent runs without CAP_DAC_OVERRIDE, so a directory closed to everyone stays closed. */
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s/ns\"},\"netem\":{\"latency\":\"90ms\"}}", blocked_dir);
        expect_error("fault.apply", p, -32004, "target.netns");

        /* -32005 */
        expect_error("fault.recover", "{\"id\":\"never-applied\"}", -32005, "id");
        expect_error("fault.get", "{\"id\":\"never-applied\"}", -32005, "id");
}

/* On a kernel without sch_netem, a netem fault gets -32002 and leaves the device exactly as it was. */
static void test_no_netem(void) {
        cJSON *info = NULL, *data = NULL;
        char p[512], before[8192], *after;
        bool has_netem;
        int k;

        CHECK_EQ_INT(test_call(agent.socket, "agent.info", NULL, &info, NULL), 0);
        has_netem = cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(info, "kernel"),
                                                                          "features"), "sch_netem"));
        cJSON_Delete(info);
        if (has_netem) {
                fprintf(stderr, "skip part: this kernel has sch_netem; the -32002 case runs where it is missing\n");
                return;
        }

        snprintf(before, sizeof(before), "%s",
                 sh_output("ip netns exec $NS tc qdisc show; ip netns exec $NS tc filter show dev v0; bpftool net 2>/dev/null | grep -c chaoslet"));
        snprintf(p, sizeof(p), "{\"target\":{\"netns\":\"%s\"},\"netem\":{\"latency\":\"90ms\"}}", ns_path);
        k = test_call(agent.socket, "fault.apply", p, NULL, &data);
        CHECK_EQ_INT(k, -32002);
        CHECK(data && cJSON_IsString(cJSON_GetObjectItem(data, "feature")) &&
              strcmp(cJSON_GetObjectItem(data, "feature")->valuestring, "sch_netem") == 0);
        cJSON_Delete(data);

        after = sh_output("ip netns exec $NS tc qdisc show; ip netns exec $NS tc filter show dev v0; bpftool net 2>/dev/null | grep -c chaoslet");
        CHECK_STREQ(after, before);
        CHECK(strstr(after, "c4a0") == NULL);
}

/* A fault whose namespace the agent cannot reach any more is not forgotten: recover fails with -32004 and the fault
 * stays listed; once reachable again, recover removes it and everything it added. */
static void test_unreachable(void) {
        char dir[256], p[640], cmd[512];
        cJSON *data = NULL;
        int k;

        /* A namespace known only by a bind mount outside /run/netns, with no process in it. */
        snprintf(dir, sizeof(dir), "/tmp/cl-reach-%d", (int) getpid());
        if (sh("mkdir -p %s && touch %s/ns && unshare --net=%s/ns true && "
               "nsenter --net=%s/ns ip link add v0 type veth peer name v1", dir, dir, dir, dir) != 0) {
                fprintf(stderr, "skip part: cannot make a bind-mounted namespace here\n");
                sh("umount %s/ns 2>/dev/null; rm -rf %s", dir, dir);
                return;
        }
        snprintf(p, sizeof(p), "{\"id\":\"reach\",\"target\":{\"netns\":\"%s/ns\"},\"partition\":true,"
                               "\"match\":{\"cidrs\":[\"198.51.100.7/32\"]}}", dir);
        CHECK_EQ_INT(test_call(agent.socket, "fault.apply", p, NULL, NULL), 0);

        /* Closing the directory to everyone (the agent has no CAP_DAC_OVERRIDE) hides the namespace from the
         * agent. That is not the namespace being gone: recover must refuse and keep the fault. */
        sh("chown 65534:65534 %s && chmod 0700 %s", dir, dir);
        k = test_call(agent.socket, "fault.recover", "{\"id\":\"reach\"}", NULL, &data);
        CHECK_EQ_INT(k, -32004);
        cJSON_Delete(data);
        CHECK_EQ_INT(test_call(agent.socket, "fault.get", "{\"id\":\"reach\"}", NULL, NULL), 0);

        sh("chmod 0755 %s", dir);
        CHECK_EQ_INT(test_call(agent.socket, "fault.recover", "{\"id\":\"reach\"}", NULL, NULL), 0);
        snprintf(cmd, sizeof(cmd), "nsenter --net=%s/ns tc qdisc show dev v0", dir);
        CHECK(strstr(sh_output(cmd), "c4a0") == NULL);
        sh("umount %s/ns; rm -rf %s", dir, dir);
}

static void test_lifecycle(void) {
        struct stat st;
        char dir[300];
        TestAgent second = {};
        char *argv[] = { "--max-duration", "1h", NULL };

        /* Modes: directory 0750, socket 0660. */
        snprintf(dir, sizeof(dir), "%s/run", agent.dir);
        CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0750);
        CHECK(stat(agent.socket, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0660);

        /* Least privilege: exactly the named capabilities, and no_new_privs. */
        char path[64], cmd[256];
        snprintf(path, sizeof(path), "/proc/%d/status", (int) agent.pid);
        snprintf(cmd, sizeof(cmd), "grep -E '^(CapEff|CapBnd|NoNewPrivs):' %s", path);
        const char *status = sh_output(cmd);
        /* NET_ADMIN(12) SYS_PTRACE(19) SYS_ADMIN(21) BPF(39): 0x80_0028_1000 */
        CHECK(strstr(status, "CapEff:\t0000008000281000") != NULL);
        CHECK(strstr(status, "CapBnd:\t0000008000281000") != NULL);
        CHECK(strstr(status, "NoNewPrivs:\t1") != NULL);
        if (tap_failures)
                fprintf(stderr, "%s\n", status);

        /* A second agent on a live socket refuses to start, and leaves the first one working. */
        snprintf(second.dir, sizeof(second.dir), "%s", agent.dir);
        int pid = fork();
        if (pid == 0) {
                int devnull = open("/dev/null", O_WRONLY);
                dup2(devnull, 2);
                execl(agent_bin, agent_bin, "--socket", agent.socket, NULL);
                _exit(127);
        }
        int st2;
        waitpid(pid, &st2, 0);
        CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) != 0);
        CHECK_EQ_INT(test_call(agent.socket, "fault.list", NULL, NULL, NULL), 0);

        /* SIGTERM: exit 0. A stale socket file (left by a killed agent) is then replaced by the next one. */
        CHECK_EQ_INT(test_agent_stop(&agent), 0);
        {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_STREAM, 0);
                CHECK(strlen(agent.socket) < sizeof(sa.sun_path));
                memcpy(sa.sun_path, agent.socket, strlen(agent.socket));
                CHECK(bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0);
                close(fd); /* the file stays, nobody listens: stale */
        }
        char keep_dir[256];
        snprintf(keep_dir, sizeof(keep_dir), "%s", agent.dir);
        CHECK_EQ_INT(test_agent_start(&second, agent_bin, argv), 0);
        CHECK_EQ_INT(test_call(second.socket, "fault.list", NULL, NULL, NULL), 0);
        CHECK_EQ_INT(test_agent_stop(&second), 0);
        sh("rm -rf %s", second.dir);
        (void) keep_dir;
}

int main(int argc, char **argv) {
        int k;

        if (geteuid() != 0) {
                fprintf(stderr, "skip: needs root (namespaces, and an agent of its own)\n");
                return 77;
        }
        agent_bin = argc > 1 ? argv[1] : getenv("CHAOSLETD");
        if (!agent_bin) {
                fprintf(stderr, "usage: %s PATH-TO-CHAOSLETD\n", argv[0]);
                return 2;
        }
        atexit(cleanup);

        snprintf(ns_name, sizeof(ns_name), "cl-rpc-%d", (int) getpid());
        snprintf(ns_path, sizeof(ns_path), "/run/netns/%s", ns_name);
        setenv("NS", ns_name, 1);
        if (sh("ip netns add %s && ip -n %s link add v0 type veth peer v1 && ip -n %s link set v0 up", ns_name,
               ns_name, ns_name) != 0) {
                fprintf(stderr, "failed to create a test namespace\n");
                return 1;
        }
        snprintf(blocked_dir, sizeof(blocked_dir), "/tmp/cl-blocked-%d", (int) getpid());
        sh("mkdir -p %s && chown 65534:65534 %s && chmod 0700 %s", blocked_dir, blocked_dir, blocked_dir);

        k = test_agent_start(&agent, agent_bin, NULL);
        if (k < 0) {
                fprintf(stderr, "chaosletd did not start (%s); its log:\n", strerror(-k));
                sh("cat %s >&2", agent.log);
                return 1;
        }

        test_info();
        test_framing();
        test_errors();
        test_no_netem();
        test_unreachable();
        test_lifecycle();

        if (tap_failures) {
                fprintf(stderr, "--- agent log ---\n");
                sh("cat %s >&2", agent.log);
        }
        TAP_EXIT();
}
