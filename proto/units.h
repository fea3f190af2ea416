/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Value parsers for the wire format. Each returns 0 or -EINVAL/-ERANGE and leaves ret_* untouched on failure. */

/* Buffer sizes that always fit the format_* functions' output, terminating NUL included. */
#define DURATION_STRING_MAX 32
#define RATE_STRING_MAX 32
#define RFC3339_STRING_MAX 32

/* Go-style duration ("90ms", "1.5s", "2m", "1h", "500us", "1m30s", "10ns", "0"). Negative values are -ERANGE.
 * Result in nanoseconds. */
int parse_duration_ns(const char *s, int64_t *ret_ns);

/* Render nanoseconds as the shortest Go-style string ("90ms", "1.5s", "1m30s"). Returns buf, or NULL when len is
 * too small (DURATION_STRING_MAX always fits). */
char *format_duration_ns(int64_t ns, char *buf, size_t len);

/* Percent as text ("25", "0.5", "25%"), 0..100. */
int parse_percent(const char *s, double *ret_percent);

/* tc-style rate string: bit, kbit, mbit, gbit, tbit, bps (bytes/s), kbps, mbps, gbps, tbps, and the IEC forms
 * kibit/mibit/... kibps/...; a bare number means bits per second, as in tc. Result in bytes per second. */
int parse_rate_Bps(const char *s, uint64_t *ret_Bps);

/* Render bytes per second back as a tc-style string in bits ("10mbit", "1500kbit"). Returns buf, or NULL when len
 * is too small (RATE_STRING_MAX always fits). */
char *format_rate_Bps(uint64_t Bps, char *buf, size_t len);

/* tc-style size in bytes (tc's get_size()): a whole number, bare or with b, k/kb (KiB), m/mb (MiB), g/gb (GiB),
 * kbit, mbit or gbit (the binary multiples, in bits), without regard to case: "10000", "32kb", "1mbit". */
int parse_size_bytes(const char *s, uint64_t *ret_bytes);

/* RFC 3339 UTC with milliseconds ("2026-11-25T22:43:40.123Z") from CLOCK_REALTIME nanoseconds. Returns buf, or NULL
 * when len is too small (RFC3339_STRING_MAX always fits). */
char *format_rfc3339(int64_t realtime_ns, char *buf, size_t len);
