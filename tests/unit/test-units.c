/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>

#include "tap.h"
#include "units.h"

#define SEC INT64_C(1000000000)

static void check_duration(const char *s, int64_t want) {
        int64_t ns = -42;
        int r = parse_duration_ns(s, &ns);

        if (r != 0 || ns != want) {
                fprintf(stderr, "parse_duration_ns(\"%s\") = %d, %" PRId64 "; expected 0, %" PRId64 "\n", s, r, ns,
                        want);
                tap_failures++;
        }
}

static void check_duration_fails(const char *s, int want_r) {
        int64_t ns = -42;
        int r = parse_duration_ns(s, &ns);

        if (r != want_r || ns != -42) {
                fprintf(stderr, "parse_duration_ns(\"%s\") = %d (ns %" PRId64 "); expected %d, untouched\n", s, r, ns,
                        want_r);
                tap_failures++;
        }
}

static void check_format_duration(int64_t ns, const char *want) {
        char buf[DURATION_STRING_MAX];
        int64_t back = -42;

        CHECK_STREQ(format_duration_ns(ns, buf, sizeof buf), want);
        /* Whatever we print must read back as the same value. */
        if (ns >= 0) {
                CHECK_EQ_INT(parse_duration_ns(buf, &back), 0);
                CHECK_EQ_INT(back, ns);
        }
}

static void test_durations(void) {
        check_duration("0", 0);
        check_duration("+0", 0);
        check_duration("-0", 0);
        check_duration("0s", 0);
        check_duration("0.0s", 0);
        check_duration("10ns", 10);
        check_duration("500us", 500000);
        check_duration("500\xc2\xb5s", 500000);         /* µ, U+00B5 */
        check_duration("500\xce\xbcs", 500000);         /* μ, U+03BC */
        check_duration("90ms", 90000000);
        check_duration("1.5s", 1500000000);
        check_duration("1.s", SEC);
        check_duration(".5s", SEC / 2);
        check_duration("2m", 120 * SEC);
        check_duration("1h", 3600 * SEC);
        check_duration("1m30s", 90 * SEC);
        check_duration("1h2m3s4ms5us6ns", 3723 * SEC + 4005006);
        check_duration("1.000000001s", SEC + 1);
        check_duration("0.1ns", 0);                     /* Go truncates below a nanosecond */
        check_duration("2.147483647s", INT64_C(2147483647));
        check_duration("+5s", 5 * SEC);
        check_duration("9223372036854775807ns", INT64_MAX);
        check_duration("2562047h47m16.854775807s", INT64_MAX);

        check_duration_fails("", -EINVAL);
        check_duration_fails("5", -EINVAL);             /* unit-less, other than "0" */
        check_duration_fails("00", -EINVAL);
        check_duration_fails("1.5", -EINVAL);
        check_duration_fails("ms", -EINVAL);
        check_duration_fails(".s", -EINVAL);
        check_duration_fails("1x", -EINVAL);
        check_duration_fails("1 s", -EINVAL);
        check_duration_fails(" 1s", -EINVAL);
        check_duration_fails("1s ", -EINVAL);
        check_duration_fails("1S", -EINVAL);
        check_duration_fails("1sec", -EINVAL);
        check_duration_fails("1.5.5s", -EINVAL);
        check_duration_fails("1e3ms", -EINVAL);
        check_duration_fails("inf", -EINVAL);
        check_duration_fails("nan", -EINVAL);
        check_duration_fails("0x10s", -EINVAL);
        check_duration_fails("-", -EINVAL);
        check_duration_fails("--1s", -EINVAL);
        check_duration_fails("-junk", -EINVAL);
        check_duration_fails("1s-1s", -EINVAL);
        check_duration_fails("-1s", -ERANGE);
        check_duration_fails("-90ms", -ERANGE);
        check_duration_fails("-0.5s", -ERANGE);
        check_duration_fails("9223372036854775808ns", -ERANGE);
        check_duration_fails("2562048h", -ERANGE);
        check_duration_fails("99999999999999999999s", -ERANGE);
        check_duration_fails("2562047h47m16.854775808s", -ERANGE);
        check_duration_fails("9223372036854775807ns1ns", -ERANGE);

        CHECK_EQ_INT(parse_duration_ns(NULL, &(int64_t) { 0 }), -EINVAL);
}

static void test_format_durations(void) {
        char small[4];

        check_format_duration(0, "0s");
        check_format_duration(1, "1ns");
        check_format_duration(999, "999ns");
        check_format_duration(1000, "1us");
        check_format_duration(1500, "1.5us");
        check_format_duration(500000, "500us");
        check_format_duration(90000000, "90ms");
        check_format_duration(1500000, "1.5ms");
        check_format_duration(1234567, "1.234567ms");
        check_format_duration(SEC, "1s");
        check_format_duration(1500000000, "1.5s");
        check_format_duration(SEC + 1, "1.000000001s");
        check_format_duration(60 * SEC, "1m");
        check_format_duration(90 * SEC, "1m30s");
        check_format_duration(90 * SEC + SEC / 2, "1m30.5s");
        check_format_duration(60 * SEC + SEC / 2, "1m500ms");
        check_format_duration(3600 * SEC, "1h");
        check_format_duration(7200 * SEC, "2h");
        check_format_duration(3601 * SEC, "1h1s");
        check_format_duration(5400 * SEC, "1h30m");
        check_format_duration(INT64_C(2147483647), "2.147483647s");
        check_format_duration(INT64_MAX, "2562047h47m16.854775807s");
        check_format_duration(-1500000, "-1.5ms");
        check_format_duration(INT64_MIN, "-2562047h47m16.854775808s");

        CHECK_STREQ(format_duration_ns(3600 * SEC, small, 3), "1h");
        CHECK(format_duration_ns(3601 * SEC, small, sizeof small) == NULL);
}

static void check_percent(const char *s, double want) {
        double v = -42;
        int r = parse_percent(s, &v);

        if (r != 0 || v != want) {
                fprintf(stderr, "parse_percent(\"%s\") = %d, %g; expected 0, %g\n", s, r, v, want);
                tap_failures++;
        }
}

static void check_percent_fails(const char *s, int want_r) {
        double v = -42;
        int r = parse_percent(s, &v);

        if (r != want_r || v != -42) {
                fprintf(stderr, "parse_percent(\"%s\") = %d (%g); expected %d, untouched\n", s, r, v, want_r);
                tap_failures++;
        }
}

static void test_percents(void) {
        double v = -1;

        check_percent("0", 0);
        check_percent("25", 25);
        check_percent("25%", 25);
        check_percent("0.5", 0.5);
        check_percent("0.5%", 0.5);
        check_percent(".5", 0.5);
        check_percent("100", 100);
        check_percent("100.0%", 100);
        check_percent("025", 25);
        check_percent("33.333", 33.333);

        CHECK_EQ_INT(parse_percent("-0", &v), 0);
        CHECK(v == 0 && !signbit(v));

        check_percent_fails("", -EINVAL);
        check_percent_fails("%", -EINVAL);
        check_percent_fails("abc", -EINVAL);
        check_percent_fails("25%%", -EINVAL);
        check_percent_fails("25 %", -EINVAL);
        check_percent_fails(" 25", -EINVAL);
        check_percent_fails("25 ", -EINVAL);
        check_percent_fails("+25", -EINVAL);
        check_percent_fails("2e1", -EINVAL);
        check_percent_fails("0x10", -EINVAL);
        check_percent_fails("nan", -EINVAL);
        check_percent_fails("NaN", -EINVAL);
        check_percent_fails("inf", -EINVAL);
        check_percent_fails("infinity", -EINVAL);
        check_percent_fails("1.2.3", -EINVAL);
        check_percent_fails(".", -EINVAL);
        check_percent_fails("-", -EINVAL);
        check_percent_fails("100.0001", -ERANGE);
        check_percent_fails("101", -ERANGE);
        check_percent_fails("1000000", -ERANGE);
        check_percent_fails("-1", -ERANGE);
        check_percent_fails("-0.5%", -ERANGE);
        CHECK_EQ_INT(parse_percent(NULL, &v), -EINVAL);
}

static void check_rate(const char *s, uint64_t want) {
        uint64_t v = 42;
        int r = parse_rate_Bps(s, &v);

        if (r != 0 || v != want) {
                fprintf(stderr, "parse_rate_Bps(\"%s\") = %d, %" PRIu64 "; expected 0, %" PRIu64 "\n", s, r, v, want);
                tap_failures++;
        }
}

static void check_rate_fails(const char *s, int want_r) {
        uint64_t v = 42;
        int r = parse_rate_Bps(s, &v);

        if (r != want_r || v != 42) {
                fprintf(stderr, "parse_rate_Bps(\"%s\") = %d (%" PRIu64 "); expected %d, untouched\n", s, r, v, want_r);
                tap_failures++;
        }
}

static void test_rates(void) {
        /* Bits: tc's bit, kbit, mbit, gbit, tbit are powers of 1000; a bare number is bits. */
        check_rate("8", 1);
        check_rate("8000", 1000);
        check_rate("8bit", 1);
        check_rate("800bit", 100);
        check_rate("1kbit", 125);
        check_rate("10mbit", 1250000);
        check_rate("1gbit", 125000000);
        check_rate("1tbit", 125000000000);
        check_rate("1.5mbit", 187500);
        check_rate("0.5kbit", 62);                      /* 62.5 bytes: tc truncates */
        check_rate("12bit", 1);
        /* IEC bits. */
        check_rate("1kibit", 128);
        check_rate("1mibit", 131072);
        check_rate("1gibit", 134217728);
        check_rate("1tibit", UINT64_C(137438953472));
        /* Bytes: bps is bytes per second in tc. */
        check_rate("1bps", 1);
        check_rate("500kbps", 500000);
        check_rate("1mbps", 1000000);
        check_rate("2gbps", 2000000000);
        check_rate("1tbps", UINT64_C(1000000000000));
        check_rate("1kibps", 1024);
        check_rate("1mibps", 1048576);
        check_rate("1gibps", 1073741824);
        check_rate("1tibps", UINT64_C(1099511627776));
        /* tc matches unit names without case. */
        check_rate("10Mbit", 1250000);
        check_rate("10MBIT", 1250000);
        check_rate("1KiBps", 1024);
        check_rate("1MBps", 1000000);
        /* The limits of 64 bits. */
        check_rate("18446744073709551615bps", UINT64_MAX);
        check_rate("147573952589676412920bit", UINT64_MAX);     /* more bits than 64 bits hold, as bytes it fits */
        check_rate("0.000000000008tbit", 1);
        check_rate("0.000000008tbit", 1000);

        check_rate_fails("", -EINVAL);
        check_rate_fails("mbit", -EINVAL);
        check_rate_fails("10 mbit", -EINVAL);
        check_rate_fails(" 10mbit", -EINVAL);
        check_rate_fails("10mbit ", -EINVAL);
        check_rate_fails("10mb", -EINVAL);
        check_rate_fails("10mbits", -EINVAL);
        check_rate_fails("10xbit", -EINVAL);
        check_rate_fails("1e6bit", -EINVAL);
        check_rate_fails("0x10", -EINVAL);
        check_rate_fails("inf", -EINVAL);
        check_rate_fails("nan", -EINVAL);
        check_rate_fails("1.2.3mbit", -EINVAL);
        check_rate_fails("+1mbit", -EINVAL);
        check_rate_fails("--1mbit", -EINVAL);
        check_rate_fails("-junk", -EINVAL);
        check_rate_fails("-1mbit", -ERANGE);
        check_rate_fails("0", -ERANGE);
        check_rate_fails("0mbit", -ERANGE);
        check_rate_fails("0.0bps", -ERANGE);
        check_rate_fails("7bit", -ERANGE);
        check_rate_fails("0.0000000000000000000000001kbit", -ERANGE);              /* under one byte per second */
        check_rate_fails("18446744073709551616bps", -ERANGE);
        check_rate_fails("147573952589676412928bit", -ERANGE);
        check_rate_fails("99999999999999999999tbit", -ERANGE);
        check_rate_fails("184467440737095516160000000000bit", -ERANGE);
}

static void check_format_rate(uint64_t Bps, const char *want) {
        char buf[RATE_STRING_MAX];
        uint64_t back = 0;

        CHECK_STREQ(format_rate_Bps(Bps, buf, sizeof buf), want);
        if (Bps > 0) {
                CHECK_EQ_INT(parse_rate_Bps(buf, &back), 0);
                CHECK(back == Bps);
        }
}

static void test_format_rates(void) {
        char small[6];

        check_format_rate(0, "0bit");
        check_format_rate(1, "8bit");
        check_format_rate(125, "1kbit");
        check_format_rate(1250000, "10mbit");
        check_format_rate(187500, "1500kbit");
        check_format_rate(125000000, "1gbit");
        check_format_rate(UINT64_C(125000000000), "1tbit");
        check_format_rate(UINT64_C(1250000000000000), "10000tbit");
        check_format_rate(62, "496bit");
        check_format_rate(128, "1024bit");
        check_format_rate(1000000, "8mbit");
        /* UINT64_MAX bytes are more bits than 64 bits hold, and no round number of kbit: said in bytes. */
        check_format_rate(UINT64_MAX, "18446744073709551615Bps");
        check_format_rate(UINT64_C(18446744073709551000), "147573952589676408kbit");

        CHECK(format_rate_Bps(1250000, small, sizeof small) == NULL);   /* "10mbit" needs 7 bytes */
}

static void test_rfc3339(void) {
        char buf[RFC3339_STRING_MAX];

        CHECK_STREQ(format_rfc3339(0, buf, sizeof buf), "1970-01-01T00:00:00.000Z");
        CHECK_STREQ(format_rfc3339(INT64_C(1795215820123456789), buf, sizeof buf), "2026-11-20T23:03:40.123Z");
        CHECK_STREQ(format_rfc3339(INT64_C(951782400999999999), buf, sizeof buf), "2000-02-29T00:00:00.999Z");
        CHECK_STREQ(format_rfc3339(-1000000, buf, sizeof buf), "1969-12-31T23:59:59.999Z");
        CHECK(format_rfc3339(0, buf, 24) == NULL);      /* needs 25 with the NUL */
        CHECK_STREQ(format_rfc3339(0, buf, 25), "1970-01-01T00:00:00.000Z");
}

int main(void) {
        test_durations();
        test_format_durations();
        test_percents();
        test_rates();
        test_format_rates();
        test_rfc3339();
        TAP_EXIT();
}
