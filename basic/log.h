/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

/* One line per event on stderr. Only agent/ logs at info or above; libraries log at debug at most. */

typedef enum LogFormat {
        LOG_FORMAT_TEXT,        /* "TS LEVEL MSG"; under systemd's journal "<PRIO>MSG", the journal keeps the time */
        LOG_FORMAT_JSON,        /* one JSON object a line: ts, level, msg, and fault, target, errno when known */
        _LOG_FORMAT_MAX,
        _LOG_FORMAT_INVALID = -EINVAL,
} LogFormat;

const char *log_format_to_string(LogFormat f);
LogFormat log_format_from_string(const char *s);

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_format(LogFormat f);
/* Is stderr systemd's journal stream (JOURNAL_STREAM names its device and inode)? Read from the environment once,
 * at start; tests call it again after changing it. */
void log_setup(void);

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...)
        _printf_(6, 7);
/* The same, with the fault and target it is about (NULL: none) as their own fields in JSON lines. */
int log_fault_internal(int level, int error, const char *fault, const char *target, const char *file, int line,
                       const char *func, const char *format, ...) _printf_(8, 9);

#define log_full_errno(level, error, ...)                                                   \
        ({                                                                                  \
                int _l = (level), _e = (error);                                             \
                _l <= log_get_max_level() ? log_internal(_l, _e, __FILE__, __LINE__, __func__, __VA_ARGS__) \
                                          : -((_e) < 0 ? -(_e) : (_e));                     \
        })

#define log_full(level, ...) (void) log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

/* A line about one fault: log_fault(LOG_INFO, f->id, target_text, "Applied fault %s ...", ...). */
#define log_fault_full_errno(level, error, fault, target, ...)                              \
        ({                                                                                  \
                int _l = (level), _e = (error);                                             \
                _l <= log_get_max_level()                                                   \
                        ? log_fault_internal(_l, _e, fault, target, __FILE__, __LINE__, __func__, __VA_ARGS__) \
                        : -((_e) < 0 ? -(_e) : (_e));                                       \
        })
#define log_fault(level, fault, target, ...) (void) log_fault_full_errno(level, 0, fault, target, __VA_ARGS__)
