/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "macro.h"
#include "time-util.h"
#include "units.h"

#define NSEC_PER_MINUTE (UINT64_C(60) * NSEC_PER_SEC)
#define NSEC_PER_HOUR (UINT64_C(60) * NSEC_PER_MINUTE)

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Go's time.ParseDuration, digit for digit: integer arithmetic for the whole part, the fraction scaled through a
 * double (so "1.5s" is exact), and anything above 1<<63 is overflow. */
static const struct {
        const char *name;
        uint64_t ns;
} duration_units[] = {
        { "ns", 1 },
        { "us", NSEC_PER_USEC },
        { "\xc2\xb5s", NSEC_PER_USEC },         /* U+00B5 MICRO SIGN */
        { "\xce\xbcs", NSEC_PER_USEC },         /* U+03BC GREEK SMALL LETTER MU */
        { "ms", NSEC_PER_MSEC },
        { "s", NSEC_PER_SEC },
        { "m", NSEC_PER_MINUTE },
        { "h", NSEC_PER_HOUR },
};

#define GO_DURATION_LIMIT (UINT64_C(1) << 63)

int parse_duration_ns(const char *s, int64_t *ret_ns) {
        uint64_t d = 0;
        bool neg = false, overflow = false;

        if (!s || !ret_ns)
                return -EINVAL;

        if (*s == '-' || *s == '+') {
                neg = *s == '-';
                s++;
        }
        if (strcmp(s, "0") == 0) {
                *ret_ns = 0;
                return 0;
        }
        if (*s == '\0')
                return -EINVAL;

        while (*s) {
                uint64_t v = 0, f = 0;
                double scale = 1;
                bool pre = false, post = false, foverflow = false;

                if (!(*s == '.' || is_digit(*s)))
                        return -EINVAL;

                for (; is_digit(*s); s++) {
                        pre = true;
                        if (v > GO_DURATION_LIMIT / 10)
                                overflow = true;
                        else {
                                v = v * 10 + (uint64_t) (*s - '0');
                                if (v > GO_DURATION_LIMIT)
                                        overflow = true;
                        }
                }

                if (*s == '.') {
                        s++;
                        for (; is_digit(*s); s++) {
                                uint64_t y;

                                post = true;
                                if (foverflow)
                                        continue;
                                if (f > (GO_DURATION_LIMIT - 1) / 10) {
                                        foverflow = true;
                                        continue;
                                }
                                y = f * 10 + (uint64_t) (*s - '0');
                                if (y > GO_DURATION_LIMIT) {
                                        foverflow = true;
                                        continue;
                                }
                                f = y;
                                scale *= 10;
                        }
                }
                if (!pre && !post)
                        return -EINVAL;

                size_t n = 0;
                while (s[n] && s[n] != '.' && !is_digit(s[n]))
                        n++;
                if (n == 0)
                        return -EINVAL;         /* a number without a unit, other than a lone "0" */

                uint64_t unit = 0;
                for (size_t i = 0; i < ELEMENTSOF(duration_units); i++)
                        if (strlen(duration_units[i].name) == n && memcmp(duration_units[i].name, s, n) == 0) {
                                unit = duration_units[i].ns;
                                break;
                        }
                if (unit == 0)
                        return -EINVAL;
                s += n;

                if (overflow)
                        continue;       /* keep checking the syntax; the verdict is -ERANGE */
                if (v > GO_DURATION_LIMIT / unit) {
                        overflow = true;
                        continue;
                }
                v *= unit;
                if (f > 0) {
                        v += (uint64_t) ((double) f * ((double) unit / scale));
                        if (v > GO_DURATION_LIMIT) {
                                overflow = true;
                                continue;
                        }
                }
                d += v;
                if (d > GO_DURATION_LIMIT)
                        overflow = true;
        }

        if (overflow)
                return -ERANGE;
        if (neg && d > 0)
                return -ERANGE;
        if (d > (uint64_t) INT64_MAX)
                return -ERANGE;

        *ret_ns = (int64_t) d;
        return 0;
}

/* Append "<whole>[.<frac>]<suffix>" where frac has `digits` digits with trailing zeros dropped. */
static int append_decimal(char *p, size_t left, uint64_t whole, uint64_t frac, unsigned digits, const char *suffix) {
        char f[24] = "";

        if (frac > 0) {
                int k = snprintf(f, sizeof f, ".%0*" PRIu64, (int) digits, frac);
                if (k < 0 || (size_t) k >= sizeof f)
                        return -EINVAL;
                while (k > 1 && f[k - 1] == '0')
                        f[--k] = '\0';
        }

        int k = snprintf(p, left, "%" PRIu64 "%s%s", whole, f, suffix);
        if (k < 0 || (size_t) k >= left)
                return -ENOBUFS;
        return k;
}

/* Below one second Go switches to ns, us or ms with a fraction ("1.5ms"). We spell micro as "us": plain ASCII, and
 * what tc prints. */
static int append_subsecond(char *p, size_t left, uint64_t ns) {
        if (ns < NSEC_PER_USEC)
                return append_decimal(p, left, ns, 0, 0, "ns");
        if (ns < NSEC_PER_MSEC)
                return append_decimal(p, left, ns / NSEC_PER_USEC, ns % NSEC_PER_USEC, 3, "us");
        return append_decimal(p, left, ns / NSEC_PER_MSEC, ns % NSEC_PER_MSEC, 6, "ms");
}

char *format_duration_ns(int64_t ns, char *buf, size_t len) {
        char tmp[DURATION_STRING_MAX];
        size_t o = 0;
        uint64_t u;
        int k;

        if (!buf || len == 0)
                return NULL;

        if (ns == 0) {
                if (len < sizeof "0s")
                        return NULL;
                return strcpy(buf, "0s");
        }

        if (ns < 0) {
                tmp[o++] = '-';
                u = (uint64_t) -(ns + 1) + 1;   /* INT64_MIN has no positive int64 */
        } else
                u = (uint64_t) ns;

        if (u < NSEC_PER_SEC) {
                k = append_subsecond(tmp + o, sizeof tmp - o, u);
                if (k < 0)
                        return NULL;
                o += (size_t) k;
        } else {
                /* Unlike Go ("2h0m0s") zero components are left out: "2h", "1h1s". Both parse the same. */
                uint64_t h = u / NSEC_PER_HOUR, m = u % NSEC_PER_HOUR / NSEC_PER_MINUTE, rest = u % NSEC_PER_MINUTE;

                if (h > 0) {
                        k = snprintf(tmp + o, sizeof tmp - o, "%" PRIu64 "h", h);
                        if (k < 0 || (size_t) k >= sizeof tmp - o)
                                return NULL;
                        o += (size_t) k;
                }
                if (m > 0) {
                        k = snprintf(tmp + o, sizeof tmp - o, "%" PRIu64 "m", m);
                        if (k < 0 || (size_t) k >= sizeof tmp - o)
                                return NULL;
                        o += (size_t) k;
                }
                if (rest >= NSEC_PER_SEC)
                        k = append_decimal(tmp + o, sizeof tmp - o, rest / NSEC_PER_SEC, rest % NSEC_PER_SEC, 9, "s");
                else if (rest > 0)
                        k = append_subsecond(tmp + o, sizeof tmp - o, rest);
                else
                        k = 0;
                if (k < 0)
                        return NULL;
                o += (size_t) k;
        }

        if (o + 1 > len)
                return NULL;
        memcpy(buf, tmp, o);
        buf[o] = '\0';
        return buf;
}

/* Strict decimal syntax, [0-9]*(.[0-9]*)? with at least one digit: no sign, exponent, hex, inf, nan or spaces,
 * all of which strtod() would take. Returns the length of the number. */
static size_t decimal_span(const char *s) {
        size_t i = 0, digits = 0;

        for (; is_digit(s[i]); i++)
                digits++;
        if (s[i] == '.')
                for (i++; is_digit(s[i]); i++)
                        digits++;
        return digits > 0 ? i : 0;
}

int parse_percent(const char *s, double *ret_percent) {
        bool neg = false;
        size_t n;
        double v;

        if (!s || !ret_percent)
                return -EINVAL;

        if (*s == '-') {
                neg = true;
                s++;
        }
        n = decimal_span(s);
        if (n == 0)
                return -EINVAL;
        if (!(s[n] == '\0' || (s[n] == '%' && s[n + 1] == '\0')))
                return -EINVAL;

        /* The span holds only digits and one '.', so strtod() reads exactly it (C locale, as the CLI and agent run). */
        _cleanup_free_ char *num = strndup(s, n);
        if (!num)
                return -ENOMEM;
        char *end;
        errno = 0;
        v = strtod(num, &end);
        if (*end != '\0')
                return -EINVAL;

        if (neg && v > 0)
                return -ERANGE;
        if (!(v >= 0 && v <= 100))
                return -ERANGE;

        *ret_percent = v + 0.0;         /* "-0" is 0, not -0 */
        return 0;
}

/* tc/tc_util.c get_rate64(): a unit is a scale prefix and "bit" or "bps" (bytes), matched without regard to case;
 * a bare number means bits. */
static const struct {
        const char *name;
        uint64_t factor;
} rate_prefixes[] = {
        { "", 1 },
        { "ki", UINT64_C(1) << 10 },
        { "k", UINT64_C(1000) },
        { "mi", UINT64_C(1) << 20 },
        { "m", UINT64_C(1000000) },
        { "gi", UINT64_C(1) << 30 },
        { "g", UINT64_C(1000000000) },
        { "ti", UINT64_C(1) << 40 },
        { "t", UINT64_C(1000000000000) },
};

/* The scale of a rate unit in bits per second, or 0 when s is none. */
static uint64_t rate_unit_bits(const char *s) {
        size_t n = strlen(s);
        uint64_t per;

        if (n >= 3 && strcasecmp(s + n - 3, "bit") == 0)
                per = 1;
        else if (n >= 3 && strcasecmp(s + n - 3, "bps") == 0)
                per = 8;
        else
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(rate_prefixes); i++)
                if (strlen(rate_prefixes[i].name) == n - 3 && strncasecmp(s, rate_prefixes[i].name, n - 3) == 0)
                        return rate_prefixes[i].factor * per;
        return 0;
}

#define RATE_FRACTION_DIGITS_MAX 18

static int parse_rate_unsigned(const char *s, uint64_t *ret_Bps) {
        unsigned __int128 whole = 0;
        uint64_t frac = 0, pow10 = 1, scale = 1;
        const char *p;
        size_t n;

        n = decimal_span(s);
        if (n == 0)
                return -EINVAL;

        if (s[n] != '\0') {
                scale = rate_unit_bits(s + n);
                if (scale == 0)
                        return -EINVAL;
        }

        /* Exact arithmetic, so what format_rate_Bps() prints reads back as the same number. Fraction digits past 18
         * are below a millionth of a bit at any unit and are dropped. */
        for (p = s; is_digit(*p); p++) {
                whole = whole * 10 + (unsigned) (*p - '0');
                /* Bits can exceed 64 bits while bytes fit ("147573952589676412920bit"). */
                if (whole > (unsigned __int128) UINT64_MAX * 8)
                        return -ERANGE;
        }
        if (*p == '.')
                for (p++, n = 0; is_digit(*p); p++, n++)
                        if (n < RATE_FRACTION_DIGITS_MAX) {
                                frac = frac * 10 + (uint64_t) (*p - '0');
                                pow10 *= 10;
                        }

        /* bytes = (whole + frac/pow10) * scale / 8. Split whole*scale = 8q + r so nothing overflows 128 bits. */
        unsigned __int128 bits_whole = whole * scale;
        unsigned __int128 q = bits_whole / 8, r = bits_whole % 8;
        unsigned __int128 bytes = q + (r * pow10 + (unsigned __int128) frac * scale) / ((unsigned __int128) 8 * pow10);

        if (bytes > UINT64_MAX)
                return -ERANGE;
        if (bytes == 0)
                return -ERANGE;         /* a zero rate would stall the queue; below 8 bits/s rounds to 0 bytes */

        *ret_Bps = (uint64_t) bytes;
        return 0;
}

int parse_rate_Bps(const char *s, uint64_t *ret_Bps) {
        uint64_t v;
        int r;

        if (!s || !ret_Bps)
                return -EINVAL;

        if (*s == '-') {
                /* Negative rates are out of range, but only when the rest is a rate at all. */
                r = parse_rate_unsigned(s + 1, &v);
                return r == -EINVAL ? -EINVAL : -ERANGE;
        }

        r = parse_rate_unsigned(s, &v);
        if (r < 0)
                return r;
        *ret_Bps = v;
        return 0;
}

char *format_rate_Bps(uint64_t Bps, char *buf, size_t len) {
        static const struct {
                const char *name;
                uint64_t bits;
        } units[] = {
                { "tbit", UINT64_C(1000000000000) },
                { "gbit", UINT64_C(1000000000) },
                { "mbit", UINT64_C(1000000) },
                { "kbit", UINT64_C(1000) },
                { "bit", 1 },
        };
        unsigned __int128 bits = (unsigned __int128) Bps * 8;
        int k = -1;

        if (!buf || len == 0)
                return NULL;

        if (bits == 0)
                k = snprintf(buf, len, "0bit");
        else
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        if (bits % units[i].bits != 0)
                                continue;
                        unsigned __int128 v = bits / units[i].bits;
                        if (v > UINT64_MAX)
                                break;
                        k = snprintf(buf, len, "%" PRIu64 "%s", (uint64_t) v, units[i].name);
                        break;
                }
        if (k < 0)
                /* More bits than fit 64 bits and not a round number of kbit: say it in bytes, which always fits. */
                k = snprintf(buf, len, "%" PRIu64 "Bps", Bps);

        if (k < 0 || (size_t) k >= len)
                return NULL;
        return buf;
}

static const struct {
        const char *name;
        uint64_t bits;          /* a byte is 8 */
} size_units[] = {
        { "", 8 }, { "b", 8 },
        { "k", 8 << 10 }, { "kb", 8 << 10 }, { "kbit", 1 << 10 },
        { "m", 8 << 20 }, { "mb", 8 << 20 }, { "mbit", 1 << 20 },
        { "g", UINT64_C(8) << 30 }, { "gb", UINT64_C(8) << 30 }, { "gbit", 1 << 30 },
};

int parse_size_bytes(const char *s, uint64_t *ret_bytes) {
        unsigned __int128 v = 0;
        const char *p;

        if (!s || !ret_bytes || !is_digit(*s))
                return -EINVAL;
        for (p = s; is_digit(*p); p++) {
                v = v * 10 + (unsigned) (*p - '0');
                if (v > UINT64_MAX)
                        return -ERANGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(size_units); i++)
                if (strcasecmp(p, size_units[i].name) == 0) {
                        v = v * size_units[i].bits / 8;
                        if (v > UINT64_MAX)
                                return -ERANGE;
                        *ret_bytes = (uint64_t) v;
                        return 0;
                }
        return -EINVAL;
}

char *format_rfc3339(int64_t realtime_ns, char *buf, size_t len) {
        struct tm tm;
        time_t sec;
        int64_t s = realtime_ns / (int64_t) NSEC_PER_SEC, rem = realtime_ns % (int64_t) NSEC_PER_SEC;
        int k;

        if (!buf || len == 0)
                return NULL;

        if (rem < 0) {          /* floor, so times before 1970 read forwards within their second */
                s--;
                rem += (int64_t) NSEC_PER_SEC;
        }
        sec = (time_t) s;
        if (!gmtime_r(&sec, &tm))
                return NULL;

        k = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int) (rem / (int64_t) NSEC_PER_MSEC));
        if (k < 0 || (size_t) k >= len)
                return NULL;
        return buf;
}
