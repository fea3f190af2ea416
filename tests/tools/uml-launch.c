/* SPDX-License-Identifier: MIT */
/*
 * uml-launch: run user-mode Linux with its extended FPU state hidden from it.
 *
 *   uml-launch linux.uml ARGS...
 *
 * UML 6.1 copies each of its processes' FPU registers with PTRACE_GETREGSET/SETREGSET(NT_X86_XSTATE) into a buffer
 * sized for AVX (832 bytes). The host kernel's xstateregs_set() refuses any SETREGSET whose size is not the whole
 * user xstate size (arch/x86/kernel/fpu/regset.c), and on a host with AVX-512 and AMX that is over 10 KiB: every
 * switch to a UML process fails ("userspace - ptrace set fp regs failed, errno = 14") and init is killed at boot.
 *
 * UML decides once, at boot, whether to use XSTATE: a GETREGSET(NT_X86_XSTATE) that fails makes it fall back to
 * PTRACE_GETFPREGS/SETFPREGS (the 512-byte FXSAVE area: x87 and SSE, what UML did before hosts had AVX). A seccomp
 * filter that fails exactly that request, installed before exec and inherited by all of UML's host processes, makes
 * the kernel boot on any host. YMM/ZMM upper halves are then not switched between UML threads of one process;
 * uml-run.sh keeps glibc inside the kernel off AVX (GLIBC_TUNABLES) so nothing there depends on them.
 *
 * Test infrastructure only: the agent never execs anything.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/elf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define LAUNCH_AUDIT_ARCH AUDIT_ARCH_X86_64
#endif

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: uml-launch KERNEL [ARGS...]\n");
                return 2;
        }

#ifdef LAUNCH_AUDIT_ARCH
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LAUNCH_AUDIT_ARCH, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace, 0, 5),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PTRACE_GETREGSET, 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NT_X86_XSTATE, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EIO),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                fprintf(stderr, "uml-launch: cannot install the seccomp filter: %s\n", strerror(errno));
                return 127;
        }
#endif
        execvp(argv[1], argv + 1);
        fprintf(stderr, "uml-launch: cannot run %s: %s\n", argv[1], strerror(errno));
        return 127;
}
