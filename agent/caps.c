/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
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

static bool cap_permitted(cap_t now, cap_value_t c) {
        cap_flag_value_t v;

        return cap_get_flag(now, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET;
}

int caps_drop_to_minimum(void) {
        _cleanup_(cap_freep) cap_t caps = NULL, now = cap_get_proc();
        cap_value_t last = cap_max_bits() - 1;
        cap_value_t have[ELEMENTSOF(wanted)];
        char missing[128] = "";
        size_t n = 0;

        if (!now)
                return negative_errno();

        /* CAP_BPF is only known to kernels from 5.8 on: asking for it elsewhere would fail the whole set. Where it
         * is known but not granted, CAP_SYS_ADMIN loads the classifier just as well (the kernel's bpf_capable()). */
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++) {
                if (wanted[i] > last)
                        continue;
                if (!cap_permitted(now, wanted[i])) {
#ifdef CAP_BPF
                        if (wanted[i] == CAP_BPF && cap_permitted(now, CAP_SYS_ADMIN)) {
                                log_notice("cap_bpf was not granted: loading the classifier with cap_sys_admin");
                                continue;
                        }
#endif
                        char *name = cap_to_name(wanted[i]);

                        snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
                                 missing[0] ? ", " : "", name ?: "?");
                        cap_free(name);
                        continue;
                }
                have[n++] = wanted[i];
        }
        if (missing[0]) {
                log_error("chaosletd was started without %s: it needs cap_net_admin, cap_sys_admin, cap_sys_ptrace "
                          "and cap_bpf (grant them to the container or the unit, or run it as root)", missing);
                return -EPERM;
        }

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
