/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* What this kernel can do, probed once at start-up in a scratch namespace of our own. The kernel autoloads qdisc,
 * classifier and link modules on demand, so asking is the only reliable test: /proc/modules or a config file say
 * nothing about built-ins or loadable modules not yet loaded. */
typedef enum KernelFeature {
        FEATURE_SCH_NETEM,
        FEATURE_SCH_TBF,
        FEATURE_SCH_HTB,
        FEATURE_SCH_PRIO,
        FEATURE_CLSACT,
        FEATURE_CLS_BPF,
        FEATURE_IFB,
        FEATURE_BPF,
        _FEATURE_MAX,
        _FEATURE_INVALID = -22,
} KernelFeature;

typedef struct KernelFeatures {
        bool has[_FEATURE_MAX];
} KernelFeatures;

const char *kernel_feature_to_string(KernelFeature f);

/* Probe everything but FEATURE_BPF, which the classifier's loader answers. */
int kernel_features_probe(KernelFeatures *ret);
