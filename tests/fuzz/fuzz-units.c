/* SPDX-License-Identifier: MIT */
/* libFuzzer: the value parsers a client's strings reach (durations, percents, rates, sizes, CIDRs), each checked
 * by its round trip through the canonical text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char s[256], out[64];
        size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
        int64_t ns, ns2;
        uint64_t Bps, Bps2, bytes;
        double pct;
        Cidr c, c2;

        memcpy(s, data, n);
        s[n] = '\0';

        if (parse_duration_ns(s, &ns) == 0 &&
            (!format_duration_ns(ns, out, sizeof out) || parse_duration_ns(out, &ns2) < 0 || ns2 != ns))
                abort();
        if (parse_rate_Bps(s, &Bps) == 0 &&
            (!format_rate_Bps(Bps, out, sizeof out) || parse_rate_Bps(out, &Bps2) < 0 || Bps2 != Bps))
                abort();
        if (parse_percent(s, &pct) == 0 && !(pct >= 0 && pct <= 100))
                abort();
        (void) parse_size_bytes(s, &bytes);
        if (cidr_from_string(s, &c) == 0 &&
            (!cidr_to_string(&c, out, sizeof out) || cidr_from_string(out, &c2) < 0 || !cidr_equal(&c, &c2)))
                abort();
        return 0;
}
