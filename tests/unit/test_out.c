// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one print path: a small listing printed in both modes must give the
 * exact expected text and JSON, and every JSON document must parse with a
 * strict checker written here (RFC 8259, UTF-8 checked by decoding code
 * points, independent of the table in out.c). Random strings are escaped
 * and decoded back.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "control/out.h"

/* ---- a strict JSON checker that also decodes strings ---- */

struct jp {
	const unsigned char *s, *end;
	char dec[4096]; /* last decoded string */
	size_t dec_len;
};

static void jp_ws(struct jp *p)
{
	while (p->s < p->end && strchr(" \t\r\n", *p->s) && *p->s)
		p->s++;
}

static void jp_put(struct jp *p, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | (cp >> 6);
		b[1] = 0x80 | (cp & 0x3f);
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | (cp >> 12);
		b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f);
		n = 3;
	} else {
		b[0] = 0xf0 | (cp >> 18);
		b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f);
		b[3] = 0x80 | (cp & 0x3f);
		n = 4;
	}
	if (p->dec_len + n < sizeof(p->dec)) {
		memcpy(p->dec + p->dec_len, b, n);
		p->dec_len += n;
	}
}

/* Decode one raw UTF-8 code point by arithmetic; -1 if ill-formed. */
static int64_t jp_utf8(struct jp *p)
{
	unsigned char c = *p->s;
	int n, i;
	uint32_t cp, min;

	if (c < 0x80)
		n = 0, cp = c, min = 0;
	else if ((c & 0xe0) == 0xc0)
		n = 1, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		n = 2, cp = c & 0x0f, min = 0x800;
	else if ((c & 0xf8) == 0xf0)
		n = 3, cp = c & 0x07, min = 0x10000;
	else
		return -1;
	if (p->end - p->s <= n)
		return -1;
	for (i = 1; i <= n; i++) {
		if ((p->s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p->s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	p->s += n + 1;
	return cp;
}

static bool jp_string(struct jp *p)
{
	p->dec_len = 0;
	if (p->s >= p->end || *p->s != '"')
		return false;
	p->s++;
	while (p->s < p->end && *p->s != '"') {
		if (*p->s < 0x20)
			return false;
		if (*p->s == '\\') {
			const char *m = "\"\\/bfnrt", *r = "\"\\/\b\f\n\r\t", *at;
			uint32_t cp = 0;
			int i;

			p->s++;
			if (p->s >= p->end)
				return false;
			if (*p->s == 'u') {
				if (p->end - p->s < 5)
					return false;
				for (i = 1; i <= 4; i++) {
					char h = p->s[i];

					if (!strchr("0123456789abcdefABCDEF", h) || !h)
						return false;
					cp = cp * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
				}
				if (cp >= 0xd800 && cp <= 0xdfff)
					return false; /* out.c never needs surrogate pairs */
				jp_put(p, cp);
				p->s += 5;
				continue;
			}
			at = *p->s ? strchr(m, *p->s) : NULL;
			if (!at)
				return false;
			jp_put(p, (unsigned char)r[at - m]);
			p->s++;
			continue;
		}
		int64_t cp = jp_utf8(p);

		if (cp < 0)
			return false;
		jp_put(p, (uint32_t)cp);
	}
	if (p->s >= p->end)
		return false;
	p->s++;
	return true;
}

static bool jp_value(struct jp *p, int depth);

static bool jp_number(struct jp *p)
{
	const unsigned char *start = p->s;

	if (p->s < p->end && *p->s == '-')
		p->s++;
	if (p->s >= p->end || !(*p->s >= '0' && *p->s <= '9'))
		return false;
	if (*p->s == '0' && p->s + 1 < p->end && p->s[1] >= '0' && p->s[1] <= '9')
		return false; /* leading zero */
	while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
		p->s++;
	return p->s > start;
}

static bool jp_lit(struct jp *p, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(p->end - p->s) < n || memcmp(p->s, lit, n))
		return false;
	p->s += n;
	return true;
}

static bool jp_container(struct jp *p, int depth, bool obj)
{
	char close = obj ? '}' : ']';

	p->s++;
	jp_ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		return true;
	}
	for (;;) {
		jp_ws(p);
		if (obj) {
			if (!jp_string(p))
				return false;
			jp_ws(p);
			if (p->s >= p->end || *p->s != ':')
				return false;
			p->s++;
		}
		if (!jp_value(p, depth + 1))
			return false;
		jp_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			p->s++;
			return true;
		}
		return false;
	}
}

static bool jp_value(struct jp *p, int depth)
{
	if (depth > 64)
		return false;
	jp_ws(p);
	if (p->s >= p->end)
		return false;
	switch (*p->s) {
	case '{':
		return jp_container(p, depth, true);
	case '[':
		return jp_container(p, depth, false);
	case '"':
		return jp_string(p);
	case 't':
		return jp_lit(p, "true");
	case 'f':
		return jp_lit(p, "false");
	case 'n':
		return jp_lit(p, "null");
	default:
		return jp_number(p);
	}
}

/* One complete document, nothing after it but whitespace. */
static bool json_valid(const char *s, size_t len)
{
	struct jp p = { .s = (const unsigned char *)s, .end = (const unsigned char *)s + len };

	if (!jp_value(&p, 0))
		return false;
	jp_ws(&p);
	return p.s == p.end;
}

/* ---- the listing printed both ways ---- */

struct ifrow {
	const char *name, *addr;
	unsigned int plen;
	bool up;
	uint64_t rx, tx;
};

static const struct ifrow rows[] = {
	{ "lan0", "10.0.1.1", 24, true, 5, 1234567 },
	{ "wan0", "192.0.2.1", 30, false, 0, 18446744073709551615ull },
};

static void print_listing(struct out *o)
{
	size_t i;

	out_arr_open(o, NULL);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		out_obj_open(o, NULL);
		out_str(o, "name", "%-6s", rows[i].name);
		out_str(o, "address", "%s", rows[i].addr);
		out_u64(o, "prefixlen", "/%-4" PRIu64, rows[i].plen);
		out_bool(o, "up", "up=%s", rows[i].up);
		out_obj_open(o, "stats");
		out_u64(o, "rx_packets", " %8" PRIu64, rows[i].rx);
		out_u64(o, "tx_packets", " %20" PRIu64, rows[i].tx);
		out_obj_close(o);
		out_nl(o);
		out_obj_close(o);
	}
	out_arr_close(o);
}

Test(out, listing_text)
{
	struct out o;

	out_init(&o, false);
	print_listing(&o);
	cr_assert(!o.oom);
	cr_assert_str_eq(o.buf, "lan0  10.0.1.1/24  up=true        5              1234567\n"
				"wan0  192.0.2.1/30  up=false        0 18446744073709551615\n");
	cr_assert_eq(o.len, strlen(o.buf));
	out_free(&o);
}

Test(out, listing_json)
{
	struct out o;

	out_init(&o, true);
	print_listing(&o);
	cr_assert(!o.oom);
	cr_assert_str_eq(o.buf,
		"[{\"name\":\"lan0\",\"address\":\"10.0.1.1\",\"prefixlen\":24,\"up\":true,"
		"\"stats\":{\"rx_packets\":5,\"tx_packets\":1234567}},"
		"{\"name\":\"wan0\",\"address\":\"192.0.2.1\",\"prefixlen\":30,\"up\":false,"
		"\"stats\":{\"rx_packets\":0,\"tx_packets\":18446744073709551615}}]\n");
	cr_assert(json_valid(o.buf, o.len));
	out_free(&o);
}

Test(out, null_key_and_null_format)
{
	struct out t, j;

	out_init(&t, false);
	out_init(&j, true);
	for (int k = 0; k < 2; k++) {
		struct out *o = k ? &j : &t;

		out_obj_open(o, NULL);
		out_str(o, NULL, "[%s]", "text-only");
		out_str(o, "json_only", NULL, "x");
		out_i64(o, "neg", "%" PRId64, -42);
		out_str(o, "nothing", NULL, NULL);
		out_text(o, " %d apples", 3);
		out_arr_open(o, "list");
		out_u64(o, "elem", " %" PRIu64, 1);
		out_u64(o, NULL, " %" PRIu64, 2); /* NULL key: not an element */
		out_str(o, "elem", " %s", "two");
		out_obj_open(o, "ignored-key");
		out_obj_close(o);
		out_arr_close(o);
		out_obj_open(o, "empty");
		out_obj_close(o);
		out_nl(o);
		out_obj_close(o);
	}
	cr_assert_str_eq(t.buf, "[text-only]-42 3 apples 1 2 two\n");
	cr_assert_str_eq(j.buf, "{\"json_only\":\"x\",\"neg\":-42,\"nothing\":null,"
				"\"list\":[1,\"two\",{}],\"empty\":{}}\n");
	cr_assert(json_valid(j.buf, j.len));
	out_free(&t);
	out_free(&j);
}

Test(out, escaping)
{
	struct out o;
	const char *in = "q\"b\\s/\x01\x1f\x7f\n\t\r\b\f é€😀 "
			 "\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82";

	out_init(&o, true);
	out_arr_open(&o, NULL);
	out_str(&o, "s", NULL, in);
	out_arr_close(&o);
	cr_assert_str_eq(o.buf, "[\"q\\\"b\\\\s/\\u0001\\u001f\\u007f\\n\\t\\r\\b\\f é€😀 "
				"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
				"\\ufffd\\ufffd\\ufffd\"]\n");
	cr_assert(json_valid(o.buf, o.len));
	out_free(&o);
}

Test(out, text_is_not_escaped_and_keys_are)
{
	struct out o;

	out_init(&o, false);
	out_str(&o, "k", "<%s>", "a\"b");
	cr_assert_str_eq(o.buf, "<a\"b>");
	out_free(&o);
	out_init(&o, true);
	out_obj_open(&o, NULL);
	out_u64(&o, "we\"ird", NULL, 1);
	out_obj_close(&o);
	cr_assert_str_eq(o.buf, "{\"we\\\"ird\":1}\n");
	out_free(&o);
}

Test(out, bad_formats_are_refused)
{
	static const char *const bad_u64[] = { "%d", "%s", "%" PRIu64 " %" PRIu64, "no conv",
					       "%*" PRIu64, "%n", "%hhu", "%" PRId64 "%" };
	struct out o;
	size_t i;

	for (i = 0; i < sizeof(bad_u64) / sizeof(bad_u64[0]); i++) {
		out_init(&o, false);
		out_u64(&o, "k", bad_u64[i], 7);
		cr_assert_str_eq(o.buf, "(bad format)", "format %s", bad_u64[i]);
		out_free(&o);
	}
	out_init(&o, false);
	out_str(&o, "k", "%d", "x");
	out_i64(&o, "k", "%" PRIu64 "", -1);
	out_bool(&o, "k", "%" PRIu64, true);
	cr_assert_str_eq(o.buf, "(bad format)(bad format)(bad format)");
	out_free(&o);
	out_init(&o, false);
	out_u64(&o, "k", "100%% %#llx ", 8);
	out_u64(&o, "k", "%-5jo|", 8);
	out_i64(&o, "k", "%+lld", 3);
	cr_assert_str_eq(o.buf, "100% 0x8 10   |+3");
	out_free(&o);
}

Test(out, grows_and_stays_valid)
{
	struct out o;
	unsigned int i;

	out_init(&o, true);
	out_obj_open(&o, NULL);
	out_arr_open(&o, "v");
	for (i = 0; i < 100000; i++) {
		out_obj_open(&o, NULL);
		out_u64(&o, "i", NULL, i);
		out_str(&o, "s", NULL, "abcdefghijklmnopqrstuvwxyz");
		out_obj_close(&o);
	}
	out_arr_close(&o);
	out_obj_close(&o);
	cr_assert(!o.oom);
	cr_assert_eq(o.len, strlen(o.buf));
	cr_assert(json_valid(o.buf, o.len));
	out_free(&o);

	out_init(&o, false);
	for (i = 0; i < 1000; i++)
		out_text(&o, "%0300u", i);
	cr_assert_eq(o.len, 300000);
	cr_assert_eq(strlen(o.buf), 300000);
	out_free(&o);
}

Test(out, too_deep_is_flagged)
{
	struct out o;
	int i;

	out_init(&o, true);
	for (i = 0; i < 40; i++)
		out_arr_open(&o, NULL);
	for (i = 0; i < 40; i++)
		out_arr_close(&o);
	cr_assert(o.oom);
	out_free(&o);
	cr_assert(!o.oom && o.json && !o.buf);
}

/* Append code point cp to b as UTF-8 (the reference encoder). */
static size_t put_utf8(unsigned char *b, uint32_t cp)
{
	struct jp p = { 0 };

	jp_put(&p, cp);
	memcpy(b, p.dec, p.dec_len);
	return p.dec_len;
}

/* Valid UTF-8 with controls and specials survives escaping exactly. */
Test(out, random_strings_round_trip)
{
	unsigned int seed = 12345, iter;

	for (iter = 0; iter < 3000; iter++) {
		unsigned char in[600];
		size_t n = 0, k, len = rand_r(&seed) % 120;
		struct out o;
		struct jp p;

		for (k = 0; k < len; k++) {
			uint32_t cp;

			switch (rand_r(&seed) % 4) {
			case 0:
				cp = 1 + rand_r(&seed) % 0x7f;
				break;
			case 1:
				cp = 0x80 + rand_r(&seed) % 0x780;
				break;
			case 2:
				cp = 0x800 + rand_r(&seed) % 0xf800;
				if (cp >= 0xd800 && cp <= 0xdfff)
					cp = 0xfffd;
				break;
			default:
				cp = 0x10000 + rand_r(&seed) % 0x100000;
				break;
			}
			n += put_utf8(in + n, cp);
		}
		in[n] = '\0';
		out_init(&o, true);
		out_arr_open(&o, NULL);
		out_str(&o, "s", NULL, (char *)in);
		out_arr_close(&o);
		cr_assert(json_valid(o.buf, o.len), "invalid: %s", o.buf);
		p = (struct jp){ .s = (unsigned char *)o.buf + 1,
				 .end = (unsigned char *)o.buf + o.len };
		cr_assert(jp_string(&p));
		cr_assert_eq(p.dec_len, n);
		cr_assert(!memcmp(p.dec, in, n));
		out_free(&o);
	}
}

/* Arbitrary bytes always give a document that parses. */
Test(out, random_bytes_always_parse)
{
	unsigned int seed = 777, iter;

	for (iter = 0; iter < 5000; iter++) {
		char in[64];
		size_t k, len = rand_r(&seed) % 63;
		struct out o;

		for (k = 0; k < len; k++)
			in[k] = (char)(1 + rand_r(&seed) % 255);
		in[len] = '\0';
		out_init(&o, true);
		out_obj_open(&o, NULL);
		out_str(&o, in, NULL, in);
		out_obj_close(&o);
		cr_assert(json_valid(o.buf, o.len), "invalid: %s", o.buf);
		out_free(&o);
	}
}
