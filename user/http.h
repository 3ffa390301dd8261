/* SPDX-License-Identifier: GPL-2.0 */
/*
 * http.h - the exposition over HTTP (--listen ADDR:PORT), served by
 * libmicrohttpd's own thread: GET /metrics returns the text the agent
 * published last (the same bytes the text file got), GET / a line saying
 * where the metrics are, anything else 404.  The agent's thread only hands
 * over a new text each interval; a scrape never waits on the agent, nor the
 * agent on a scrape.
 */
#ifndef SIPXDP_HTTP_H
#define SIPXDP_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct http;

/*
 * Bind and listen: a port taken is found before anything else is set up.
 * 0, or -errno after one line naming the address and why (-EINVAL: not an
 * address).
 */
int http_bind(struct http **out, const char *addr);
/*
 * Serve from libmicrohttpd's thread (none before: privileges are given up
 * while the agent is one thread).  h NULL: nothing to serve.
 */
int http_serve(struct http *h);
/* The exposition to serve from now on (copied). */
void http_publish(struct http *h, const char *text, size_t len);
void http_stop(struct http *h);

#endif /* SIPXDP_HTTP_H */
