/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "string-table.h"

static int max_level = LOG_INFO;
static LogFormat format = LOG_FORMAT_TEXT;
static bool journal_stream;

static const char *const log_format_table[_LOG_FORMAT_MAX] = {
        [LOG_FORMAT_TEXT] = "text",
        [LOG_FORMAT_JSON] = "json",
};

DEFINE_STRING_TABLE_LOOKUP(log_format, LogFormat, log_format_table);

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_format(LogFormat f) {
        format = f;
}

/* systemd sets JOURNAL_STREAM=DEV:INO for the stream it connects; a child that inherited the variable but writes
 * elsewhere must not take it for the journal (systemd.exec(5)). */
void log_setup(void) {
        const char *e = getenv("JOURNAL_STREAM");
        uintmax_t dev, ino;
        struct stat st;

        journal_stream = e && sscanf(e, "%ju:%ju", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) >= 0 &&
                         (uintmax_t) st.st_dev == dev && (uintmax_t) st.st_ino == ino;
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

/* RFC 3339, UTC, microseconds. */
static void format_ts(char *buf, size_t size) {
        struct timespec now;
        struct tm tm;
        size_t n;

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%06ldZ", now.tv_nsec / 1000L);
}

static void write_json(int level, int error, const char *fault, const char *target, const char *msg,
                       const char *file, int line, const char *func) {
        _cleanup_free_ char *text = NULL;
        cJSON *o = cJSON_CreateObject();
        char ts[40];

        format_ts(ts, sizeof(ts));
        if (o && cJSON_AddStringToObject(o, "ts", ts) && cJSON_AddStringToObject(o, "level", level_name(level)) &&
            cJSON_AddStringToObject(o, "msg", msg) &&
            (!fault || cJSON_AddStringToObject(o, "fault", fault)) &&
            (!target || cJSON_AddStringToObject(o, "target", target)) &&
            (error == 0 || cJSON_AddNumberToObject(o, "errno", error)) &&
            (max_level < LOG_DEBUG || (cJSON_AddStringToObject(o, "code_file", file) &&
                                       cJSON_AddNumberToObject(o, "code_line", line) &&
                                       cJSON_AddStringToObject(o, "code_func", func))))
                text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (text)
                fprintf(stderr, "%s\n", text);
        else /* out of memory: the message still goes out, as text */
                fprintf(stderr, "%s %s %s\n", ts, level_name(level), msg);
}

static void write_text(int level, const char *msg, const char *file, int line, const char *func) {
        char ts[40];

        if (journal_stream) {
                /* The journal stamps each line itself and reads the priority from the "<N>" prefix. */
                if (max_level >= LOG_DEBUG)
                        fprintf(stderr, "<%d>%s (%s:%d %s)\n", level, msg, file, line, func);
                else
                        fprintf(stderr, "<%d>%s\n", level, msg);
                return;
        }
        format_ts(ts, sizeof(ts));
        if (max_level >= LOG_DEBUG)
                fprintf(stderr, "%s %s %s (%s:%d %s)\n", ts, level_name(level), msg, file, line, func);
        else
                fprintf(stderr, "%s %s %s\n", ts, level_name(level), msg);
}

_printf_(8, 0) static int log_dispatch(int level, int error, const char *fault, const char *target,
                                      const char *file, int line, const char *func, const char *fmt, va_list ap) {
        char buf[2048];

        if (error < 0)
                error = -error;

        /* %m in the format means the error passed in, not whatever errno happens to be. */
        errno = error;
        vsnprintf(buf, sizeof(buf), fmt, ap);

        if (format == LOG_FORMAT_JSON)
                write_json(level, error, fault, target, buf, file, line, func);
        else
                write_text(level, buf, file, line, func);
        return -error;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = log_dispatch(level, error, NULL, NULL, file, line, func, fmt, ap);
        va_end(ap);
        return r;
}

int log_fault_internal(int level, int error, const char *fault, const char *target, const char *file, int line,
                       const char *func, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = log_dispatch(level, error, fault, target, file, line, func, fmt, ap);
        va_end(ap);
        return r;
}
