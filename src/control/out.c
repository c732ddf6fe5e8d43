// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One print path for text and JSON (see out.h). Every listing is written
 * once, as calls that carry both a JSON key and a text format; the mode of
 * the struct out picks one. This file is control-path only: it allocates.
 *
 * JSON state: o->depth counts the open containers; need_comma[n] says the
 * container at depth n already holds an element, and bit n of is_array says
 * whether it is an array (whose elements carry no key). Depth 0 is the
 * document itself.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "control/out.h"

#define OUT_MAX_DEPTH 32u
#define OUT_BAD_FORMAT "(bad format)"

void out_init(struct out *o, bool json)
{
	memset(o, 0, sizeof(*o));
	o->json = json;
}

void out_free(struct out *o)
{
	bool json = o->json;

	free(o->buf);
	out_init(o, json);
}

/* Make room for n more bytes plus a NUL. False (and o->oom) on failure. */
static bool out_reserve(struct out *o, size_t n)
{
	size_t need, cap;
	char *nb;

	if (o->oom)
		return false;
	if (n > SIZE_MAX / 2 - o->len) {
		o->oom = true;
		return false;
	}
	need = o->len + n + 1;
	if (need <= o->cap)
		return true;
	cap = o->cap ? o->cap : 256;
	while (cap < need)
		cap *= 2;
	nb = realloc(o->buf, cap);
	if (!nb) {
		o->oom = true;
		return false;
	}
	o->buf = nb;
	o->cap = cap;
	return true;
}

void out_append(struct out *o, const char *s, size_t n)
{
	if (!out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_puts(struct out *o, const char *s)
{
	out_append(o, s, strlen(s));
}

static void out_vappendf(struct out *o, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void out_vappendf(struct out *o, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (!out_reserve(o, 64))
		return;
	va_copy(aq, ap);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, aq);
	va_end(aq);
	if (n < 0) {
		o->buf[o->len] = '\0';
		return;
	}
	if ((size_t)n >= o->cap - o->len) {
		if (!out_reserve(o, (size_t)n))
			return;
		vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	}
	o->len += (size_t)n;
}

void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	out_vappendf(o, fmt, ap);
	va_end(ap);
}

void out_nl(struct out *o)
{
	if (!o->json)
		out_append(o, "\n", 1);
}

/*
 * The text formats are the callers' literals, but they reach printf through
 * a variable, where the compiler cannot check them against the value's type.
 * So check here: exactly one conversion, of the kind the value needs
 * ('s' string, 'u' uint64_t, 'i' int64_t), and nothing that consumes an
 * extra argument (*) or writes (%n).
 */
static bool out_fmt_ok(const char *fmt, char kind)
{
	unsigned int convs = 0;
	const char *p = fmt;

	while ((p = strchr(p, '%'))) {
		bool wide = false;

		p++;
		if (*p == '%') {
			p++;
			continue;
		}
		p += strspn(p, "-+ #0123456789.");
		if (p[0] == 'l' && p[1] == 'l') {
			wide = true;
			p += 2;
		} else if (*p == 'j') {
			wide = true;
			p++;
		} else if (*p == 'l') {
			wide = sizeof(long) == sizeof(uint64_t);
			if (!wide)
				return false;
			p++;
		}
		if (kind == 's' && (wide || *p != 's'))
			return false;
		if (kind == 'u' && (!wide || !*p || !strchr("uxXo", *p)))
			return false;
		if (kind == 'i' && (!wide || !*p || !strchr("di", *p)))
			return false;
		convs++;
		p++;
	}
	return convs == 1;
}

/* Print one value through a checked text format. kind is an int, not a
 * char: va_start on a parameter that default promotions would widen is
 * undefined behaviour (C11 7.16.1.4). */
static void out_textval(struct out *o, const char *fmt, int kind, ...)
{
	va_list ap;

	if (!out_fmt_ok(fmt, (char)kind)) {
		out_puts(o, OUT_BAD_FORMAT);
		return;
	}
	va_start(ap, kind);
	/* fmt is not a literal, but out_fmt_ok has just checked that it holds
	 * exactly one conversion, of the kind the argument is. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	out_vappendf(o, fmt, ap);
#pragma GCC diagnostic pop
	va_end(ap);
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629 table 4), or 0.
 * s is NUL-terminated and NUL is never a continuation byte, so the checks
 * stop at the terminator.
 */
static unsigned int out_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	unsigned int n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A JSON string (RFC 8259): quote and backslash escaped, control characters
 * as \n-style or \u00XX escapes, valid UTF-8 passed through, and any byte
 * that is not part of valid UTF-8 replaced by U+FFFD so that the document
 * always parses (interface names are arbitrary bytes to the kernel).
 */
static void out_json_str(struct out *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *run = s;
	char esc[8];

	out_append(o, "\"", 1);
	while (*s) {
		unsigned int n = 1;
		const char *rep = NULL;

		if (*s >= 0x80) {
			n = out_utf8_len(s);
			if (n) {
				s += n;
				continue;
			}
			n = 1;
			rep = "\\ufffd";
		} else if (*s == '"') {
			rep = "\\\"";
		} else if (*s == '\\') {
			rep = "\\\\";
		} else if (*s == '\n') {
			rep = "\\n";
		} else if (*s == '\t') {
			rep = "\\t";
		} else if (*s == '\r') {
			rep = "\\r";
		} else if (*s == '\b') {
			rep = "\\b";
		} else if (*s == '\f') {
			rep = "\\f";
		} else if (*s < 0x20 || *s == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			rep = esc;
		}
		if (!rep) {
			s++;
			continue;
		}
		out_append(o, (const char *)run, (size_t)(s - run));
		out_puts(o, rep);
		s += n;
		run = s;
	}
	out_append(o, (const char *)run, (size_t)(s - run));
	out_append(o, "\"", 1);
}

static unsigned int out_level(const struct out *o)
{
	return o->depth < OUT_MAX_DEPTH ? o->depth : OUT_MAX_DEPTH - 1;
}

static bool out_in_array(const struct out *o)
{
	return o->is_array & (1u << out_level(o));
}

/* Separator and "key": in front of a JSON element. */
static void out_json_prefix(struct out *o, const char *key)
{
	unsigned int lvl = out_level(o);

	if (o->need_comma[lvl])
		out_append(o, ",", 1);
	o->need_comma[lvl] = true;
	if (key && !out_in_array(o)) {
		out_json_str(o, key);
		out_append(o, ":", 1);
	}
}

static void out_open(struct out *o, const char *key, bool array)
{
	unsigned int lvl;

	if (!o->json)
		return;
	out_json_prefix(o, key);
	out_append(o, array ? "[" : "{", 1);
	if (o->depth + 1 >= OUT_MAX_DEPTH)
		o->oom = true; /* deeper than we track: the output is unusable */
	o->depth++;
	lvl = out_level(o);
	o->need_comma[lvl] = false;
	if (array)
		o->is_array |= 1u << lvl;
	else
		o->is_array &= ~(1u << lvl);
}

static void out_close(struct out *o, bool array)
{
	if (!o->json || o->depth == 0)
		return;
	out_append(o, array ? "]" : "}", 1);
	o->depth--;
	if (o->depth == 0)
		out_append(o, "\n", 1);
}

void out_obj_open(struct out *o, const char *key)
{
	out_open(o, key, false);
}

void out_obj_close(struct out *o)
{
	out_close(o, false);
}

void out_arr_open(struct out *o, const char *key)
{
	out_open(o, key, true);
}

void out_arr_close(struct out *o)
{
	out_close(o, true);
}

void out_str(struct out *o, const char *key, const char *textfmt, const char *val)
{
	if (o->json) {
		if (!key)
			return;
		out_json_prefix(o, key);
		if (val)
			out_json_str(o, val);
		else
			out_puts(o, "null");
	} else if (textfmt) {
		out_textval(o, textfmt, 's', val ? val : "-");
	}
}

void out_u64(struct out *o, const char *key, const char *textfmt, uint64_t val)
{
	char num[24];

	if (o->json) {
		if (!key)
			return;
		out_json_prefix(o, key);
		snprintf(num, sizeof(num), "%" PRIu64, val);
		out_puts(o, num);
	} else if (textfmt) {
		out_textval(o, textfmt, 'u', val);
	}
}

void out_i64(struct out *o, const char *key, const char *textfmt, int64_t val)
{
	char num[24];

	if (o->json) {
		if (!key)
			return;
		out_json_prefix(o, key);
		snprintf(num, sizeof(num), "%" PRId64, val);
		out_puts(o, num);
	} else if (textfmt) {
		out_textval(o, textfmt, 'i', val);
	}
}

void out_bool(struct out *o, const char *key, const char *textfmt, bool val)
{
	if (o->json) {
		if (!key)
			return;
		out_json_prefix(o, key);
		out_puts(o, val ? "true" : "false");
	} else if (textfmt) {
		out_textval(o, textfmt, 's', val ? "true" : "false");
	}
}
