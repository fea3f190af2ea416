/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <sys/prctl.h>

#include <sys/capability.h>

#include "caps.h"
#include "log.h"
#include "macro.h"

static const cap_value_t wanted[] = {
        CAP_NET_ADMIN,
        CAP_SYS_ADMIN,
        CAP_SYS_PTRACE,
#ifdef CAP_BPF
        CAP_BPF,
#endif
};

static bool is_wanted(cap_value_t c) {
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++)
                if (wanted[i] == c)
                        return true;
        return false;
}

static void cap_freep(cap_t *c) {
        if (*c)
                cap_free(*c);
}

int caps_drop_to_minimum(void) {
        _cleanup_(cap_freep) cap_t caps = NULL;
        cap_value_t last = cap_max_bits() - 1;
        cap_value_t have[ELEMENTSOF(wanted)];
        size_t n = 0;

        /* CAP_BPF is only known to kernels from 5.8 on: asking for it elsewhere would fail the whole set. */
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++)
                if (wanted[i] <= last)
                        have[n++] = wanted[i];

        /* The bounding set first: dropping from it needs CAP_SETPCAP, which we are about to give up. Only what is
         * still there: the kernel wants CAP_SETPCAP even to drop a capability that is already gone, and a
         * supervisor that started us with the minimal bounding set (systemd, Kubernetes) gave us no CAP_SETPCAP. */
        for (cap_value_t c = 0; c <= last; c++)
                if (!is_wanted(c) && cap_get_bound(c) > 0 && cap_drop_bound(c) < 0)
                        return negative_errno();

        if (cap_reset_ambient() < 0 && errno != EINVAL)
                return negative_errno();

        caps = cap_init();
        if (!caps)
                return -ENOMEM;
        if (cap_set_flag(caps, CAP_PERMITTED, (int) n, have, CAP_SET) < 0 ||
            cap_set_flag(caps, CAP_EFFECTIVE, (int) n, have, CAP_SET) < 0)
                return negative_errno();
        if (cap_set_proc(caps) < 0)
                return negative_errno();

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return negative_errno();
        return 0;
}

cJSON *caps_effective_json(void) {
        _cleanup_(cap_freep) cap_t caps = cap_get_proc();
        cJSON *a = cJSON_CreateArray();

        if (!caps)
                return a;
        for (cap_value_t c = 0; c < cap_max_bits(); c++) {
                cap_flag_value_t v;
                char *name;

                if (cap_get_flag(caps, c, CAP_EFFECTIVE, &v) < 0 || v != CAP_SET)
                        continue;
                name = cap_to_name(c);
                if (name) {
                        cJSON_AddItemToArray(a, cJSON_CreateString(name));
                        cap_free(name);
                }
        }
        return a;
}
