/* SPDX-License-Identifier: MIT */
/*
 * uml-xstate.so: loaded into user-mode Linux by uml-launch (LD_PRELOAD). Gives the host kernel the whole XSTATE
 * buffer it insists on when UML switches the FPU registers of its processes. See uml-launch.c for why.
 *
 * UML 6.1 calls glibc's ptrace(PTRACE_GETREGSET / PTRACE_SETREGSET, pid, NT_X86_XSTATE, iov) with an 832-byte
 * iov (struct _xstate: the FXSAVE area, the XSAVE header and the AVX upper halves). The host returns a truncated
 * buffer for GETREGSET, but its xstateregs_set() (arch/x86/kernel/fpu/regset.c) fails any SETREGSET whose size is
 * not exactly fpu_user_cfg.max_size with EFAULT: 11008 bytes on a host with AVX-512 and AMX. This ptrace()
 * replaces the library's and, for those two requests with a short buffer only:
 *   - GETREGSET reads the whole state into a shadow buffer kept for UML's buffer address, and hands UML its
 *     832-byte prefix;
 *   - SETREGSET sends the shadow of that address (or, without one, the task's current state) with UML's prefix
 *     laid over it: the FXSAVE area, and the header bits and areas of the components that fit in UML's buffer.
 * The state beyond the prefix (AVX-512 opmask, ZMM upper halves, ZMM16-31) thus follows each UML thread and
 * survives the host signal UML uses for each page fault (delivering a signal resets the host task's extended
 * state, which is why the earlier PTRACE_GETFPREGS fallback lost YMM upper halves and corrupted memcpy).
 * Where UML rewrites its buffer itself (a new thread, exec, sigreturn), the rest comes from that buffer's last
 * shadow: only at a syscall's return, where the C ABI keeps no vector register live anyway.
 * What UML itself cannot do, this does not add: the signal frames UML builds for its own processes hold only the
 * 832-byte prefix, so AVX-512 state is not preserved across a signal handler inside UML (uml-run.sh keeps glibc
 * inside off AVX-512 for that).
 *
 * Every other request, and any buffer as large as the host's, goes to the real ptrace() unchanged.
 * Test infrastructure only.
 */
#include <dlfcn.h>
#include <errno.h>
#include <linux/elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

#define XSAVE_LEGACY 512               /* FXSAVE area; the XSAVE header follows it */
#define XSAVE_HDR_END (XSAVE_LEGACY + 64)
#define PROBE_SIZE (64 * 1024)         /* more than any XSAVE layout so far (AMX: about 11 KiB) */
#define SHADOWS 4096                   /* UML buffers remembered: one per UML thread, and the one for page faults */
#define PROBES 16

static ptrace_fn real_ptrace;
static size_t full_size;               /* the host's xstate regset size; 0: not known yet; SIZE_MAX: pass through */
static uint64_t xcr0;
static unsigned char *scratch;         /* PROBE_SIZE bytes */
static unsigned char *shadows;         /* SHADOWS * full_size bytes, touched as used */
static uintptr_t shadow_key[SHADOWS];
static unsigned depth;
static struct { unsigned offset, size; } comp[64];  /* standard-format place of each XCR0 component from 2 on */

__attribute__((constructor)) static void uml_xstate_init(void) {
        real_ptrace = (ptrace_fn) dlsym(RTLD_NEXT, "ptrace");
        /* Not for what UML itself starts on the host (port helpers, network helpers). */
        unsetenv("LD_PRELOAD");
}

static long sys_ptrace(long req, pid_t pid, void *addr, void *data) {
        return syscall(SYS_ptrace, req, (long) pid, addr, data);
}

/* Learns the host's size from the first GETREGSET(NT_X86_XSTATE): the kernel truncates to the regset's size. */
static int probe(pid_t pid) {
        if (full_size)
                return 0;
        scratch = mmap(NULL, PROBE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (scratch == MAP_FAILED) {
                scratch = NULL;
                return -1;
        }
        struct iovec iov = { .iov_base = scratch, .iov_len = PROBE_SIZE };
        if (sys_ptrace(PTRACE_GETREGSET, pid, (void *) NT_X86_XSTATE, &iov) < 0)
                return -1;                     /* errno from the kernel; try again next time */
        if (iov.iov_len < XSAVE_HDR_END || iov.iov_len >= PROBE_SIZE) {
                full_size = SIZE_MAX;
                return 0;
        }
        full_size = iov.iov_len;
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (uint64_t) hi << 32 | lo;
        for (unsigned i = 2; i < 63; i++) {
                unsigned size, offset, ecx, edx;
                if (!(xcr0 >> i & 1))
                        continue;
                __cpuid_count(0xd, i, size, offset, ecx, edx);
                /* Supervisor components are not in the ptrace buffer; nor is anything outside it. */
                if ((ecx & 1) || !size || offset < XSAVE_HDR_END || offset + size > full_size)
                        continue;
                comp[i].offset = offset;
                comp[i].size = size;
        }
        shadows = mmap(NULL, (size_t) SHADOWS * full_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (shadows == MAP_FAILED)
                shadows = NULL;
        return 0;
}

/* The shadow buffer for UML's buffer at key; create: claim one (evicting on a full probe run). */
static unsigned char *shadow(uintptr_t key, int create) {
        if (!shadows)
                return NULL;
        size_t h = (size_t) ((key >> 4) * 0x9E3779B97F4A7C15ull >> 52) % SHADOWS;
        for (int i = 0; i < PROBES; i++) {
                size_t s = (h + i) % SHADOWS;
                if (shadow_key[s] == key)
                        return shadows + s * full_size;
                if (shadow_key[s] == 0) {
                        if (!create)
                                return NULL;
                        shadow_key[s] = key;
                        return shadows + s * full_size;
                }
        }
        if (!create)
                return NULL;
        shadow_key[h] = key;
        return shadows + h * full_size;
}

/* XSAVE components whose whole area lies in the first len bytes of a ptrace buffer. */
static uint64_t components_within(size_t len) {
        uint64_t mask = 3;                     /* x87 and SSE: the FXSAVE area */
        for (unsigned i = 2; i < 63; i++)
                if (comp[i].size && comp[i].offset + comp[i].size <= len)
                        mask |= 1ull << i;
        return mask;
}

static long xstate_get(pid_t pid, struct iovec *iov) {
        unsigned char *buf = shadow((uintptr_t) iov->iov_base, 1);
        if (!buf)
                buf = scratch;
        struct iovec full = { .iov_base = buf, .iov_len = full_size };
        if (sys_ptrace(PTRACE_GETREGSET, pid, (void *) NT_X86_XSTATE, &full) < 0)
                return -1;
        memcpy(iov->iov_base, buf, iov->iov_len);
        return 0;
}

static long xstate_set(pid_t pid, const struct iovec *iov) {
        const unsigned char *mine = iov->iov_base;
        size_t len = iov->iov_len;
        unsigned char *buf = shadow((uintptr_t) mine, 0);
        if (!buf) {
                struct iovec cur = { .iov_base = scratch, .iov_len = full_size };
                if (sys_ptrace(PTRACE_GETREGSET, pid, (void *) NT_X86_XSTATE, &cur) < 0)
                        return -1;
                buf = scratch;
        }
        static uint64_t mask;
        static size_t mask_len;
        if (mask_len != len) {
                mask = components_within(len);
                mask_len = len;
        }
        uint64_t theirs, ours;
        memcpy(&theirs, buf + XSAVE_LEGACY, 8);
        memcpy(&ours, mine + XSAVE_LEGACY, 8);
        theirs = (theirs & ~mask) | (ours & mask);
        memcpy(buf, mine, XSAVE_LEGACY);
        memcpy(buf + XSAVE_LEGACY, &theirs, 8);
        for (unsigned i = 2; i < 63; i++)
                if (mask >> i & 1)
                        memcpy(buf + comp[i].offset, mine + comp[i].offset, comp[i].size);
        struct iovec full = { .iov_base = buf, .iov_len = full_size };
        return sys_ptrace(PTRACE_SETREGSET, pid, (void *) NT_X86_XSTATE, &full);
}

long ptrace(enum __ptrace_request request, ...) {
        va_list ap;
        va_start(ap, request);
        pid_t pid = va_arg(ap, pid_t);
        void *addr = va_arg(ap, void *);
        void *data = va_arg(ap, void *);
        va_end(ap);

        if ((request == PTRACE_GETREGSET || request == PTRACE_SETREGSET) && (uintptr_t) addr == NT_X86_XSTATE &&
            data && depth == 0) {
                struct iovec *iov = data;
                if (!full_size && probe(pid) < 0)
                        return -1;
                if (full_size != SIZE_MAX && scratch && iov->iov_len >= XSAVE_HDR_END && iov->iov_len < full_size) {
                        depth++;
                        long r = request == PTRACE_GETREGSET ? xstate_get(pid, iov) : xstate_set(pid, iov);
                        depth--;
                        return r;
                }
        }
        if (!real_ptrace) {
                errno = ENOSYS;
                return -1;
        }
        return real_ptrace(request, pid, addr, data);
}
#endif
