/* SPDX-License-Identifier: MIT */
/* The log's two formats: JSON lines (each a JSON object with ts, level, msg, and fault, target, errno when known),
 * and text, which leaves the time to systemd's journal when stderr is its stream. */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "ratelimit.h"
#include "time-util.h"
#include "tap.h"

#define LINES_MAX 16

/* Log through fn with stderr sent to a file, and hand back the lines written. */
static size_t capture(void (*fn)(void), char lines[LINES_MAX][4096]) {
        FILE *f = tmpfile();
        int saved = dup(STDERR_FILENO);
        size_t n = 0;

        CHECK(f && saved >= 0);
        fflush(stderr);
        dup2(fileno(f), STDERR_FILENO);
        log_setup();
        fn();
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        rewind(f);
        while (n < LINES_MAX && fgets(lines[n], 4096, f)) {
                lines[n][strcspn(lines[n], "\n")] = 0;
                n++;
        }
        fclose(f);
        return n;
}

static void emit(void) {
        log_info("plain %d", 1);
        log_fault(LOG_NOTICE, "web-\"1\"", "pod 1/2\n\ttab", "Applied fault %s", "web");
        (void) log_fault_full_errno(LOG_WARNING, -ENOENT, "f2", NULL, "Cannot reach: %m");
        (void) log_error_errno(EPERM, "denied \\ %s", "\x01");
        log_debug("not shown");
}

static bool rfc3339_us(const char *s) {
        regex_t re;
        bool ok;

        regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$", REG_EXTENDED | REG_NOSUB);
        ok = regexec(&re, s, 0, NULL, 0) == 0;
        regfree(&re);
        return ok;
}

static const char *str(const cJSON *o, const char *k) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_json(void) {
        char lines[LINES_MAX][4096];
        cJSON *o[4] = {};
        size_t n;

        log_set_format(LOG_FORMAT_JSON);
        n = capture(emit, lines);
        CHECK_EQ_INT(n, 4);
        for (size_t i = 0; i < n && i < 4; i++) {
                o[i] = cJSON_Parse(lines[i]);
                CHECK(cJSON_IsObject(o[i]));
                if (!o[i])
                        return;
                CHECK(rfc3339_us(str(o[i], "ts") ?: ""));
                CHECK(str(o[i], "level") && str(o[i], "msg"));
        }
        CHECK_STREQ(str(o[0], "level"), "info");
        CHECK_STREQ(str(o[0], "msg"), "plain 1");
        CHECK(!cJSON_GetObjectItem(o[0], "fault") && !cJSON_GetObjectItem(o[0], "target") &&
              !cJSON_GetObjectItem(o[0], "errno"));
        CHECK_STREQ(str(o[1], "level"), "notice");
        CHECK_STREQ(str(o[1], "fault"), "web-\"1\"");
        CHECK_STREQ(str(o[1], "target"), "pod 1/2\n\ttab");
        CHECK_STREQ(str(o[2], "level"), "warning");
        CHECK_STREQ(str(o[2], "fault"), "f2");
        CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(o[2], "errno")), ENOENT);
        CHECK_STREQ(str(o[2], "msg"), "Cannot reach: No such file or directory");
        CHECK_STREQ(str(o[3], "level"), "error");
        CHECK_STREQ(str(o[3], "msg"), "denied \\ \x01");
        CHECK_EQ_INT(cJSON_GetNumberValue(cJSON_GetObjectItem(o[3], "errno")), EPERM);
        for (size_t i = 0; i < 4; i++)
                cJSON_Delete(o[i]);
        log_set_format(LOG_FORMAT_TEXT);
}

static void test_text(void) {
        char lines[LINES_MAX][4096];
        size_t n;

        unsetenv("JOURNAL_STREAM");
        n = capture(emit, lines);
        CHECK_EQ_INT(n, 4);
        CHECK(strlen(lines[0]) > 27 && lines[0][4] == '-' && lines[0][26] == 'Z');
        CHECK_STREQ(lines[0] + 28, "info plain 1");
}

/* A JOURNAL_STREAM naming stderr's own file: what systemd sets for a unit whose stderr is the journal. */
static void journal_emit(void) {
        struct stat st;
        char v[64];

        fstat(STDERR_FILENO, &st);
        snprintf(v, sizeof(v), "%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino);
        setenv("JOURNAL_STREAM", v, 1);
        log_setup();
        emit();
}

static void stale_journal_emit(void) {
        setenv("JOURNAL_STREAM", "1:1", 1);
        log_setup();
        emit();
}

static void test_journal(void) {
        char lines[LINES_MAX][4096];
        size_t n;

        n = capture(journal_emit, lines);
        CHECK_EQ_INT(n, 4);
        CHECK_STREQ(lines[0], "<6>plain 1");
        CHECK_STREQ(lines[2], "<4>Cannot reach: No such file or directory");
        /* Inherited, but stderr is somewhere else: keep the timestamps. */
        n = capture(stale_journal_emit, lines);
        CHECK_EQ_INT(n, 4);
        CHECK(lines[0][26] == 'Z');
        unsetenv("JOURNAL_STREAM");
}

static void test_names(void) {
        CHECK_EQ_INT(log_format_from_string("json"), LOG_FORMAT_JSON);
        CHECK_EQ_INT(log_format_from_string("text"), LOG_FORMAT_TEXT);
        CHECK_EQ_INT(log_format_from_string("xml"), -EINVAL);
        CHECK_STREQ(log_format_to_string(LOG_FORMAT_JSON), "json");
}

/* 3 a second: the 4th to 11th in the same second are held back and counted; the next second's first says 8. */
static void test_ratelimit(void) {
        RateLimit rl = RATELIMIT_INIT((int64_t) NSEC_PER_SEC, 3);
        unsigned missed = 99, passed = 0;
        int64_t t = 5 * (int64_t) NSEC_PER_SEC;

        for (int i = 0; i < 10; i++)
                if (ratelimit_below(&rl, t + i * 1000, &missed)) {
                        CHECK_EQ_INT(missed, 0);
                        passed++;
                }
        CHECK_EQ_INT(passed, 3);
        CHECK(!ratelimit_below(&rl, t + (int64_t) NSEC_PER_SEC - 1, &missed));
        CHECK(ratelimit_below(&rl, t + (int64_t) NSEC_PER_SEC, &missed));
        CHECK_EQ_INT(missed, 8);
        CHECK(ratelimit_below(&rl, t + (int64_t) NSEC_PER_SEC + 1, &missed));
        CHECK_EQ_INT(missed, 0);
}

int main(void) {
        test_ratelimit();
        test_json();
        test_text();
        test_journal();
        test_names();
        TAP_EXIT();
}
