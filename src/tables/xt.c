// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the matches and targets share: error messages that point into the
 * input, number/port/mark parsing with messages that quote the token, and
 * the names of tables and built-in chains.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hook.h"
#include "tables/xt.h"

int xt_error(struct xt_parse *ps, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (ps->failed || !ps->err || !ps->errlen)
		goto out;
	if (ps->file)
		n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->file, ps->line);
	if (n < 0 || (size_t)n >= ps->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
out:
	ps->failed = true;
	return -EINVAL;
}

/* Strict unsigned parsing: digits only (or 0x hex), no sign, no junk. */
static int xt_strtou32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int xt_parse_u32(struct xt_parse *ps, const char *opt, const char *arg, uint32_t min,
		 uint32_t max, uint32_t *out)
{
	uint32_t v;

	if (xt_strtou32(arg, &v) < 0 || v < min || v > max)
		return xt_error(ps, "\"%s\" is not a valid value for %s (expected %u to %u)", arg,
				opt, min, max);
	*out = v;
	return 0;
}

int xt_parse_port(struct xt_parse *ps, const char *opt, const char *arg, const char *proto,
		  uint16_t *out)
{
	struct servent se, *res = NULL;
	char buf[1024];
	uint32_t v;

	if (xt_strtou32(arg, &v) == 0) {
		if (v > 65535)
			return xt_error(ps, "\"%s\" is not a valid port for %s", arg, opt);
		*out = (uint16_t)v;
		return 0;
	}
	if (proto && getservbyname_r(arg, proto, &se, buf, sizeof(buf), &res) == 0 && res) {
		*out = ntohs((uint16_t)res->s_port);
		return 0;
	}
	return xt_error(ps, "\"%s\" is not a valid port or service for %s", arg, opt);
}

int xt_parse_port_range(struct xt_parse *ps, const char *opt, const char *arg, uint16_t *lo,
			uint16_t *hi)
{
	return xt_parse_port_range_proto(ps, opt, arg, NULL, lo, hi);
}

int xt_parse_port_range_proto(struct xt_parse *ps, const char *opt, const char *arg,
			      const char *proto, uint16_t *lo, uint16_t *hi)
{
	char buf[64];
	char *colon;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid port range for %s", arg, opt);
	strcpy(buf, arg);
	colon = strchr(buf, ':');
	if (!colon) {
		if (xt_parse_port(ps, opt, buf, proto, lo) < 0)
			return -EINVAL;
		*hi = *lo;
		return 0;
	}
	*colon = '\0';
	*lo = 0;
	*hi = 65535;
	if (buf[0] && xt_parse_port(ps, opt, buf, proto, lo) < 0)
		return -EINVAL;
	if (colon[1] && xt_parse_port(ps, opt, colon + 1, proto, hi) < 0)
		return -EINVAL;
	if (*lo > *hi)
		return xt_error(ps, "\"%s\": invalid port range for %s (min > max)", arg, opt);
	return 0;
}

int xt_parse_mark(struct xt_parse *ps, const char *opt, const char *arg, uint32_t *val,
		  uint32_t *mask)
{
	char buf[64];
	char *slash;

	if (strlen(arg) >= sizeof(buf))
		return xt_error(ps, "\"%s\" is not a valid mark for %s", arg, opt);
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (xt_strtou32(buf, val) < 0 || (slash && xt_strtou32(slash, mask) < 0))
		return xt_error(ps, "\"%s\" is not a valid mark for %s", arg, opt);
	if (!slash)
		*mask = 0xffffffffu;
	return 0;
}

static const char *const xt_table_names[XT_TABLE_MAX] = {
	[XT_TABLE_RAW] = "raw",
	[XT_TABLE_MANGLE] = "mangle",
	[XT_TABLE_NAT] = "nat",
	[XT_TABLE_FILTER] = "filter",
};

const char *xt_table_name(enum xt_table t)
{
	return (unsigned int)t < XT_TABLE_MAX ? xt_table_names[t] : "?";
}

int xt_table_by_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < XT_TABLE_MAX; i++)
		if (strcmp(xt_table_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *xt_hook_chain_name(unsigned int hook)
{
	static const char *const names[HOOK_MAX] = {
		[HOOK_PRE_ROUTING] = "PREROUTING",
		[HOOK_LOCAL_IN] = "INPUT",
		[HOOK_FORWARD] = "FORWARD",
		[HOOK_LOCAL_OUT] = "OUTPUT",
		[HOOK_POST_ROUTING] = "POSTROUTING",
	};

	return hook < HOOK_MAX ? names[hook] : "?";
}
