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

int xt_strtou32(const char *s, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	/* A digit first: strtoull would take blanks and a sign. */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int xt_parse_u32(struct xt_parse *ps, const char *opt, const char *arg, uint32_t min,
		 uint32_t max, uint32_t *out)
{
	uint32_t v;

	if (xt_strtou32(arg, UINT32_MAX, &v) < 0 || v < min || v > max)
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

	if (xt_strtou32(arg, UINT32_MAX, &v) == 0) {
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
	if (xt_strtou32(buf, UINT32_MAX, val) < 0 ||
	    (slash && xt_strtou32(slash, UINT32_MAX, mask) < 0))
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

/*
 * Port ranges of the tcp and udp matches as the nft back end of iptables (the
 * reference) stores, runs and prints them.
 *
 * iptables-nft turns a tcp or udp match into native nf_tables expressions
 * (iptables' add_nft_tcpudp) unless it cannot (tcp with --tcp-option) or
 * the match tests nothing; then it stays an x_tables match run by the
 * kernel's xt_tcpudp.c. The native form differs from xt_tcpudp in ways a
 * packet can see, measured on this machine's kernel through iptables-nft:
 *   - each field is loaded alone: a header cut short matches only if the
 *     fields the rule reads are there, and is never dropped (xt drops it);
 *   - two single, non-zero ports inverted together are one 32-bit compare:
 *     "! --sport 22 ! --dport 33" matches unless both are equal (xt: unless
 *     either is equal);
 *   - "! --sport :N" is "sport > N", saved as "--sport N+1:65535".
 * Non-first fragments never match either form. (nft_payload_eval() fails a
 * transport load on them since Linux 5.17, as x_tables always did; the
 * fast path of 1-, 2- and 4-byte loads on 6.18 still reads the fragment's
 * payload as if it were the header, which was measured, and is a bug fixed
 * upstream since. We follow the intended behaviour.)
 */

void xt_ports_norm_range(uint16_t *pts, uint8_t *invflags, uint8_t bit, bool rewrite)
{
	if (!(*invflags & bit) || pts[0] != 0 || pts[1] == 0)
		return;
	if (pts[1] == 0xffff) {
		*invflags &= (uint8_t)~bit;
	} else if (rewrite) {
		pts[0] = (uint16_t)(pts[1] + 1);
		pts[1] = 0xffff;
		*invflags &= (uint8_t)~bit;
	}
}

static uint16_t xt_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

bool xt_ports_nft_match(const uint16_t *spts, bool sinv, const uint16_t *dpts, bool dinv,
			const uint8_t *l4, unsigned int avail)
{
	bool same;

	/* add_nft_tcpudp(): one load of both ports, one compare. */
	if (spts[0] && spts[0] == spts[1] && dpts[0] && dpts[0] == dpts[1] && sinv == dinv) {
		if (avail < 4)
			return false;
		same = xt_be16(l4) == spts[0] && xt_be16(l4 + 2) == dpts[0];
		return same != sinv;
	}
	if (!xt_ports_full(spts) && (avail < 2 || !xt_port_in(spts, xt_be16(l4), sinv)))
		return false;
	if (!xt_ports_full(dpts) &&
	    (avail < 4 || !xt_port_in(dpts, xt_be16(l4 + 2), dinv)))
		return false;
	return true;
}

void xt_ports_print(struct out *o, const char *opt, const uint16_t *pts, bool invert)
{
	if (xt_ports_full(pts))
		return;
	out_text(o, "%s %s %u", invert ? " !" : "", opt, pts[0]);
	if (pts[0] != pts[1])
		out_text(o, ":%u", pts[1]);
}
