/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

static const char *level_name(int level) {
        switch (level) {
        case LOG_DEBUG:
                return "debug";
        case LOG_INFO:
                return "info";
        case LOG_NOTICE:
                return "notice";
        case LOG_WARNING:
                return "warning";
        default:
                return "error";
        }
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        char buf[2048], ts[32];
        struct timespec now;
        struct tm tm;
        va_list ap;

        if (error < 0)
                error = -error;

        /* %m in the format means the error passed in, not whatever errno happens to be. */
        errno = error;
        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

        if (max_level >= LOG_DEBUG)
                fprintf(stderr, "%s.%03ldZ %s %s (%s:%d %s)\n", ts, now.tv_nsec / 1000000L, level_name(level),
                        buf, file, line, func);
        else
                fprintf(stderr, "%s.%03ldZ %s %s\n", ts, now.tv_nsec / 1000000L, level_name(level), buf);

        return -error;
}
