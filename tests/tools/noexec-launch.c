/* SPDX-License-Identifier: MIT */
/* noexec-launch ARGS...: run $NOEXEC_TARGET with ARGS under a seccomp filter that kills the process on any execve()
 * or execveat() after this one. host-rpc-hostile runs chaosletd so, through a whole fault's life: an agent that
 * tried to run a program would die of SIGSYS.
 *
 * seccomp has no state to let exactly one exec through, so the filter lets pass the one whose filename pointer is
 * this process's own copy of the target's path; the new image has no such string at that address. */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "noexec-launch: add this architecture's AUDIT_ARCH"
#endif

#define ARG0_LO offsetof(struct seccomp_data, args[0])
#define ARG0_HI (offsetof(struct seccomp_data, args[0]) + 4)



int main(int argc, char **argv) {
        const char *target = getenv("NOEXEC_TARGET");
        char *path;
        uint64_t p;

        if (!target) {
                fprintf(stderr, "noexec-launch: set NOEXEC_TARGET\n");
                return 2;
        }
        path = strdup(target);
        if (!path)
                return 1;
        p = (uint64_t) (uintptr_t) path;

        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execve, 2, 0),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_execveat, 7, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                /* execve(path, ...): ours once, nobody else's */
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LO),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) p, 0, 2),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_HI),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t) (p >> 32), 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                /* execveat(): never */
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        };
        struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                perror("noexec-launch: seccomp");
                return 1;
        }
        argv[0] = path;
        (void) argc;
        execv(path, argv);
        perror("noexec-launch: execv");
        return 127;
}
