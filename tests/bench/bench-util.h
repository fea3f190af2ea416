/* SPDX-License-Identifier: MIT */
/* What every C benchmark here needs beside its measurement: the monotonic clock in ms and us, a command run the
 * way a shell runs it (waited for, quiet, or with its stdout captured), and the options they all take alike
 * (--json, --quick, --help) with what an option switch answers to a refused one. Header-only, as bench-report.h:
 * each benchmark is one file.
 *
 * The children here stay in our process group, so a ^C reaches them too, and have no time limit; bench-netns.h's
 * bench_spawn() is for the veth benchmarks' children, which lead groups of their own and are killed by a timeout or
 * a signal handler. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* bench_exec_start()'s out_fd, besides a file descriptor of the caller's. */
#define BENCH_STDOUT_OURS (-1)
#define BENCH_STDOUT_NULL (-2)                  /* /dev/null */

static inline double bench_now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static inline double bench_now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

/* Starts argv (PATH is searched), its stdout to out_fd. Returns 0 with *ret_pid set, or -errno. */
static inline int bench_exec_start(char *const argv[], int out_fd, pid_t *ret_pid) {
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int r;

        posix_spawn_file_actions_init(&fa);
        if (out_fd == BENCH_STDOUT_NULL)
                posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        else if (out_fd >= 0)
                posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        *ret_pid = pid;
        return 0;
}

/* Reaps pid: its exit status, -ECHILD when a signal ended it, or -errno. */
static inline int bench_exec_wait(pid_t pid) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

/* Runs argv and waits for it; quiet sends its stdout to /dev/null. Returns its exit status, or -errno. */
static inline int bench_exec(char *const argv[], bool quiet) {
        pid_t pid = 0;
        int r;

        r = bench_exec_start(argv, quiet ? BENCH_STDOUT_NULL : BENCH_STDOUT_OURS, &pid);
        if (r < 0)
                return r;
        return bench_exec_wait(pid);
}

/* Runs argv and waits for it, its stdout in out: at most size - 1 bytes, NUL-terminated. What does not fit is read
 * and dropped, so the child never blocks on a full pipe. Returns its exit status, or -errno. */
static inline int bench_exec_capture(char *const argv[], char *out, size_t size) {
        int p[2], r;
        size_t n = 0;
        pid_t pid = 0;

        if (size == 0)
                return -EINVAL;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        r = bench_exec_start(argv, p[1], &pid);
        close(p[1]);
        if (r < 0) {
                close(p[0]);
                return r;
        }
        for (;;) {
                char drop[4096];
                bool full = n == size - 1;
                ssize_t k = full ? read(p[0], drop, sizeof(drop)) : read(p[0], out + n, size - 1 - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (!full)
                        n += (size_t) k;
        }
        out[n] = '\0';
        close(p[0]);
        return bench_exec_wait(pid);
}

/* The options every benchmark takes, the head of its getopt_long() table: --json FILE (the report contract's object,
 * bench-report.h), --quick (the performance suite's mode, tests/bench/run) and --help. */
#define BENCH_OPTIONS                                   \
        { "json", required_argument, NULL, 'j' },       \
        { "quick", no_argument, NULL, 'q' },            \
        { "help", no_argument, NULL, 'h' }

/* The default of an option switch: --json (FILE into *json), --help (help(), and done), or an option that
 * getopt_long() refused, and has said why. Returns -1 when it took opt, else what main returns: 0 after --help, 2
 * on a usage error. */
static inline int bench_opt_default(int opt, const char *arg, const char **json, void (*help)(void)) {
        switch (opt) {
        case 'j':
                *json = arg;
                return -1;
        case 'h':
                help();
                return 0;
        default:
                return 2;
        }
}
