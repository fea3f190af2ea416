/* SPDX-License-Identifier: MIT */
/*
 * uml-launch: run user-mode Linux with uml-xstate.so preloaded, so that it can switch the FPU state of its
 * processes on hosts whose XSTATE is larger than UML 6.1 knows.
 *
 *   uml-launch linux.uml ARGS...
 *
 * UML 6.1 copies each of its processes' FPU registers with PTRACE_GETREGSET/SETREGSET(NT_X86_XSTATE) into a buffer
 * sized for AVX (832 bytes, struct _xstate). The host kernel's xstateregs_set() refuses any SETREGSET whose size is
 * not the whole user xstate size, fpu_user_cfg.max_size, with EFAULT (arch/x86/kernel/fpu/regset.c, 5.16 and
 * later). That size is the same for every task (a task without AMX permission still needs the AMX area), so no
 * arch_prctl helps. On a host with AVX-512 and AMX it is 11008 bytes: every switch to a UML process fails
 * ("userspace - ptrace set fp regs failed, errno = 14") and init is killed at boot.
 *
 * uml-xstate.so (beside this program; see its header) replaces the ptrace() that linux.uml, a dynamically linked
 * program, imports from glibc: it hands the host whole XSTATE buffers and UML its 832-byte part, and keeps the
 * rest of each UML thread's state (AVX-512) for it.
 *
 * This is not what an earlier version of this program did: it failed GETREGSET(NT_X86_XSTATE) with a seccomp
 * filter so that UML fell back to PTRACE_GETFPREGS/SETFPREGS. That boots, but switches only the 512-byte FXSAVE
 * area, and the host resets a task's extended state whenever it delivers a signal; UML delivers SIGSEGV to its
 * stub for every page fault, so the YMM upper halves of any process inside were zeroed at page faults. glibc's
 * AVX2 memcpy then left 16-byte holes in copies into fresh pages, and jq failed on every run.
 *
 * Test infrastructure only: the agent never execs anything.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRELOAD_NAME "uml-xstate.so"

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: uml-launch KERNEL [ARGS...]\n");
                return 2;
        }

        char self[PATH_MAX], preload[PATH_MAX + sizeof(PRELOAD_NAME)];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0) {
                fprintf(stderr, "uml-launch: cannot find myself: %s\n", strerror(errno));
                return 127;
        }
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
                *slash = '\0';
        snprintf(preload, sizeof(preload), "%s/%s", self, PRELOAD_NAME);
        if (access(preload, R_OK) < 0) {
                fprintf(stderr, "uml-launch: cannot use %s: %s\n", preload, strerror(errno));
                return 127;
        }
        /* ld.so splits LD_PRELOAD at spaces and colons. */
        if (strpbrk(preload, " :\t\n")) {
                fprintf(stderr, "uml-launch: %s: a path with spaces or colons cannot be preloaded\n", preload);
                return 127;
        }
        if (setenv("LD_PRELOAD", preload, 1) < 0) {
                fprintf(stderr, "uml-launch: setenv: %s\n", strerror(errno));
                return 127;
        }

        execvp(argv[1], argv + 1);
        fprintf(stderr, "uml-launch: cannot run %s: %s\n", argv[1], strerror(errno));
        return 127;
}
