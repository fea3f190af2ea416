/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "loop.h"
#include "metrics.h"

/* GET /metrics over HTTP (libmicrohttpd), run from the agent's own loop: no thread of its own. */

typedef struct MetricsServer MetricsServer;

/* Built with libmicrohttpd (meson -Dmetrics)? */
bool metrics_server_supported(void);

/* Listen on address, "IP:PORT" or "[IPv6]:PORT" (port 0: a free one; see metrics_server_port()). Bind before the
 * capability drop: a port below 1024 takes CAP_NET_BIND_SERVICE. -EINVAL for an address that does not parse,
 * -EOPNOTSUPP on a build without libmicrohttpd. */
int metrics_server_new(Loop *loop, const char *address, Agent *a, MetricsServer **ret);
MetricsServer *metrics_server_free(MetricsServer *s);
int metrics_server_port(const MetricsServer *s);
const char *metrics_server_url(const MetricsServer *s);
