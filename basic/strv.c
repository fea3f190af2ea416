/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "macro.h"
#include "strv.h"

char **strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}
