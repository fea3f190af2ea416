/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "macro.h"

/* Names of enum values, in a table indexed by the value (holes are NULL), as systemd's string-table.h. */

/* The index of s in table[0..n), or -EINVAL when it is not there or s is NULL. */
static inline ssize_t string_table_lookup(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && strcmp(table[i], s) == 0)
                        return (ssize_t) i;
        return -EINVAL;
}

#define DECLARE_STRING_TABLE_LOOKUP(name, type)                                                 \
        const char *name##_to_string(type i);                                                   \
        type name##_from_string(const char *s)

/* name##_to_string() (NULL for a value out of the table) and name##_from_string() (-EINVAL, the enum's _INVALID,
 * for a name out of it) over table. */
#define DEFINE_STRING_TABLE_LOOKUP(name, type, table)                                          \
        const char *name##_to_string(type i) {                                                  \
                return (size_t) i < ELEMENTSOF(table) ? table[i] : NULL;                        \
        }                                                                                       \
        type name##_from_string(const char *s) {                                                \
                return (type) string_table_lookup(table, ELEMENTSOF(table), s);                 \
        }
