// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 4475 torture messages through user/sip.c: every file and every prefix
 * of it must come back without a crash or an overread (each in an exact-size
 * heap buffer, under ASan), with a known error code; messages the RFC calls
 * valid must parse, the clearly broken ones must not.  Skipped when the data
 * set is not there.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sip.h"

#ifndef RFC4475_DIR
#define RFC4475_DIR "../shared/data/rfc4475"	/* relative to the repository, where tests run */
#endif

struct expect {
	const char *file;
	int rc;
};

/* RFC 4475 3.1.1: valid messages (parsers must accept them). */
static const struct expect valid[] = {
	{ "wsinv.dat", 0 }, { "intmeth.dat", 0 }, { "esc01.dat", 0 }, { "escnull.dat", 0 },
	{ "esc02.dat", 0 }, { "lwsdisp.dat", 0 }, { "longreq.dat", 0 }, { "dblreq.dat", 0 },
	{ "semiuri.dat", 0 }, { "transports.dat", 0 }, { "mpart01.dat", 0 },
	{ "unreason.dat", 0 }, { "noreason.dat", 0 },
};

/* RFC 4475 3.1.2: invalid messages that we must reject, and how. */
static const struct expect invalid[] = {
	{ "badvers.dat", -EINVAL },	/* SIP/7.0 */
	{ "bigcode.dat", -EINVAL },	/* status 4294967301 */
	{ "mcl01.dat", -EINVAL },	/* two different Content-Length */
	{ "ncl.dat", -EINVAL },		/* negative Content-Length */
	{ "clerr.dat", -EMSGSIZE },	/* Content-Length beyond the body */
	{ "lwsstart.dat", -EINVAL },	/* extra spaces in the request line */
	{ "lwsruri.dat", -EINVAL },	/* LWS inside the Request-URI */
	{ "trws.dat", -EINVAL },	/* trailing space after SIP/2.0 */
	{ "insuf.dat", -EINVAL },	/* missing mandatory headers */
	{ "quotbal.dat", -EINVAL },	/* unterminated quote in To */
	{ "scalar02.dat", -EINVAL },	/* CSeq beyond 32 bits */
	{ "scalarlg.dat", -EINVAL },
};

static bool have_dir(void)
{
	DIR *d = opendir(RFC4475_DIR);

	if (d)
		closedir(d);
	return d != NULL;
}

static char *read_all(const char *name, size_t *len)
{
	char path[512], *b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", RFC4475_DIR, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0 && n < 1 << 20);
	rewind(f);
	b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Parse and frame b[0..len) and check that both agree. */
static int check_one(const char *b, size_t len)
{
	struct sip_msg m;
	enum sip_frame f;
	size_t n;
	int rc;

	rc = sip_parse(b, len, &m);
	f = sip_frame(b, len, &n);
	assert_true(rc == 0 || rc == -EINVAL || rc == -EMSGSIZE || rc == -ENODATA);
	if (rc == 0) {
		assert_true(m.msg_len <= len && m.hdr_len <= m.msg_len);
		assert_true(f == SIP_COMPLETE || f == SIP_MULTIPLE);
		assert_int_equal(n, m.msg_len);
		assert_int_equal(f == SIP_COMPLETE, m.msg_len == len);
	} else if (rc == -ENODATA || rc == -EMSGSIZE) {
		assert_true(f == SIP_PARTIAL || f == SIP_NOT_SIP);
	}
	return rc;
}

static void test_every_file(void **state)
{
	DIR *d = opendir(RFC4475_DIR);
	struct dirent *e;
	int files = 0;

	(void)state;
	if (!d)
		skip();
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), len, i;
		char *b;

		if (n < 4 || strcmp(e->d_name + n - 4, ".dat"))
			continue;
		b = read_all(e->d_name, &len);
		assert_non_null(b);
		check_one(b, len);
		/* Every prefix, in its own buffer so that ASan sees its end. */
		for (i = 0; i < len; i++) {
			char *c = malloc(i ? i : 1);

			assert_non_null(c);
			memcpy(c, b, i);
			check_one(c, i);
			free(c);
		}
		free(b);
		files++;
	}
	closedir(d);
	assert_true(files > 0);
}

static void check_table(const struct expect *t, size_t n)
{
	size_t i, len;
	char *b;
	int rc;

	for (i = 0; i < n; i++) {
		b = read_all(t[i].file, &len);
		if (!b)
			fail_msg("%s/%s missing", RFC4475_DIR, t[i].file);
		rc = check_one(b, len);
		free(b);
		if (rc != t[i].rc)
			fail_msg("%s: got %d, want %d", t[i].file, rc, t[i].rc);
	}
}

static void test_valid(void **state)
{
	(void)state;
	if (!have_dir())
		skip();
	check_table(valid, sizeof(valid) / sizeof(valid[0]));
}

static void test_invalid(void **state)
{
	(void)state;
	if (!have_dir())
		skip();
	check_table(invalid, sizeof(invalid) / sizeof(invalid[0]));
}

/* A few fields the RFC spells out. */
static void test_fields(void **state)
{
	struct sip_msg m;
	char tmp[128], *b;
	size_t len;

	(void)state;
	b = read_all("wsinv.dat", &len);
	if (!b)
		skip();
	assert_int_equal(sip_parse(b, len, &m), 0);
	assert_string_equal(sip_str_copy(tmp, sizeof(tmp), m.to_tag), "1918181833n");
	assert_string_equal(sip_str_copy(tmp, sizeof(tmp), m.from_tag), "98asjd8");
	assert_string_equal(sip_str_copy(tmp, sizeof(tmp), m.from_uri), "sip:jdrosen@example.com");
	assert_string_equal(sip_str_copy(tmp, sizeof(tmp), m.via_branch), "390skdjuw");
	assert_int_equal(m.cseq, 9);
	assert_int_equal(m.cseq_m, SIP_M_INVITE);
	assert_int_equal(m.content_length, 150);
	assert_int_equal(m.body.len, 150);
	free(b);

	b = read_all("intmeth.dat", &len);
	assert_non_null(b);
	assert_int_equal(sip_parse(b, len, &m), 0);
	assert_int_equal(m.method, SIP_M_UNKNOWN);
	assert_true(sip_str_eq(m.method_str, "!interesting-Method0123456789_*+`.%indeed'~"));
	free(b);

	/* Two requests in one datagram: the first ends where its Content-Length says. */
	b = read_all("dblreq.dat", &len);
	assert_non_null(b);
	assert_int_equal(sip_parse(b, len, &m), 0);
	assert_int_equal(m.method, SIP_M_REGISTER);
	assert_int_equal(m.content_length, 0);
	assert_true(m.msg_len < len);
	assert_int_equal(sip_frame(b, len, &len), SIP_MULTIPLE);
	assert_int_equal(len, m.msg_len);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_file),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
