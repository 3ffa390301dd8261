// SPDX-License-Identifier: GPL-2.0
/* http.c - /metrics over HTTP with libmicrohttpd (http.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "util.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define LANDING		"sipxdp: Prometheus metrics at /metrics\n"
#define MAX_CONNECTIONS	32
#define TIMEOUT_S	10

struct http {
	struct MHD_Daemon *d;	/* NULL until served: the socket is then ours to close */
	int fd;
	char addr[64];		/* as given, for log lines */
	pthread_mutex_t lock;
	char *text;		/* newest exposition; NULL before the first */
	size_t len;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code, const char *type, char *body,
			     size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_len, void **state)
{
	static const char not_found[] = "not found: the metrics are at /metrics\n";
	static const char not_ready[] = "no exposition yet\n";
	static const char bad_method[] = "only GET and HEAD\n";
	struct http *h = cls;
	char *copy;
	size_t len;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", (char *)bad_method, sizeof(bad_method) - 1,
			     MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/plain", (char *)LANDING, sizeof(LANDING) - 1,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", (char *)not_found, sizeof(not_found) - 1,
			     MHD_RESPMEM_PERSISTENT);
	pthread_mutex_lock(&h->lock);
	len = h->len;
	copy = h->text ? malloc(len ? len : 1) : NULL;
	if (copy)
		memcpy(copy, h->text, len);
	pthread_mutex_unlock(&h->lock);
	if (!copy)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", (char *)not_ready, sizeof(not_ready) - 1,
			     MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_OK, CONTENT_TYPE, copy, len, MHD_RESPMEM_MUST_FREE);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	log_vprefixed(LOG_WARN, "http", fmt, ap);
}

int http_bind(struct http **out, const char *addr)
{
	struct sockaddr_storage ss;
	unsigned int sslen;
	struct http *h;
	char err[160];
	int one = 1, ret;

	*out = NULL;
	ret = parse_addr_port(addr, &ss, &sslen, err, sizeof(err));
	if (ret) {
		pr_err("--listen %s\n", err);
		return ret;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	snprintf(h->addr, sizeof(h->addr), "%s", addr);
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		ret = -errno;
		pr_err("--listen %s: socket: %s\n", addr, strerror(errno));
		goto fail;
	}
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(h->fd, (struct sockaddr *)&ss, sslen) || listen(h->fd, 64)) {
		ret = -errno;
		pr_err("--listen %s: %s\n", addr, strerror(errno));
		goto fail;
	}
	*out = h;
	return 0;
fail:
	if (h->fd >= 0)
		close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return ret;
}

int http_serve(struct http *h)
{
	sigset_t old;

	if (!h)
		return 0;
	/* The daemon's thread must not take the agent's signals: the main loop's ppoll would not wake. */
	block_agent_signals(&old);
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)TIMEOUT_S,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		pr_err("--listen %s: libmicrohttpd would not start\n", h->addr);
		return -EIO;
	}
	pr_info("serving metrics at http://%s/metrics\n", h->addr);
	return 0;
}

void http_publish(struct http *h, const char *text, size_t len)
{
	char *copy;

	if (!h)
		return;
	copy = malloc(len ? len : 1);
	if (!copy) {
		pr_warn("http: out of memory: /metrics keeps the previous exposition\n");
		return;
	}
	memcpy(copy, text, len);
	pthread_mutex_lock(&h->lock);
	free(h->text);
	h->text = copy;
	h->len = len;
	pthread_mutex_unlock(&h->lock);
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);	/* closes the listening socket too */
	else
		close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h->text);
	free(h);
}
