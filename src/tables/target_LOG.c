// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * LOG: write a line about the packet and go on with the next rule
 * (xt_LOG.c with nf_log_syslog.c; options as libxt_LOG).
 *
 *   --log-level N|NAME    0..7 or emerg alert crit error warning notice info
 *                         debug (and panic = emerg); default warning (4)
 *   --log-prefix TEXT     1 to 29 characters, no newline; longer is cut to
 *                         29, as iptables does
 *   --log-tcp-sequence --log-tcp-options --log-ip-options
 *   --log-uid --log-macdecode   accepted; print nothing on a TUN router
 *                         (see target_LOG.h)
 *
 * The line goes to the daemon's log sink (syslog, or stderr for the
 * journal) at the rule's level. Unlike the kernel, each rule is rate
 * limited: 10 lines a second with a burst of 10 (log_ratelimit_take), so a
 * flood cannot turn the daemon into a log writer; the number of lines a
 * rule lost is reported with its next line. Nothing is formatted for a
 * line that will not be written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "core/router.h"
#include "daemon/log.h"
#include "tables/target_LOG.h"
#include "tables/xt.h"

#define LOG_DEFAULT_LEVEL 4u

enum { O_LOG_LEVEL, O_LOG_PREFIX, O_LOG_TCPSEQ, O_LOG_TCPOPT, O_LOG_IPOPT, O_LOG_UID,
       O_LOG_MAC };

struct log_info {
	char prefix[TARGET_LOG_PREFIX_MAX + 1];
	uint8_t level;
	uint8_t flags;      /* TARGET_LOG_* */
	uint8_t seen;       /* options given (parsing only) */
};

static const struct xt_option log_opts[] = {
	{ .name = "--log-level", .id = O_LOG_LEVEL, .has_arg = true },
	{ .name = "--log-prefix", .id = O_LOG_PREFIX, .has_arg = true },
	{ .name = "--log-tcp-sequence", .id = O_LOG_TCPSEQ },
	{ .name = "--log-tcp-options", .id = O_LOG_TCPOPT },
	{ .name = "--log-ip-options", .id = O_LOG_IPOPT },
	{ .name = "--log-uid", .id = O_LOG_UID },
	{ .name = "--log-macdecode", .id = O_LOG_MAC },
	{ .name = NULL },
};

/* Option id -> flag, for the flag options (others 0). */
static const uint8_t log_flag_of[] = {
	[O_LOG_TCPSEQ] = TARGET_LOG_TCPSEQ, [O_LOG_TCPOPT] = TARGET_LOG_TCPOPT,
	[O_LOG_IPOPT] = TARGET_LOG_IPOPT,   [O_LOG_UID] = TARGET_LOG_UID,
	[O_LOG_MAC] = TARGET_LOG_MACDECODE,
};

/* libxt_LOG's names (syslog's, with its deprecated "error" and "panic");
 * matched exactly, as iptables does. */
static const struct {
	const char *name;
	uint8_t level;
} log_level_names[] = {
	{ "alert", 1 }, { "crit", 2 }, { "debug", 7 }, { "emerg", 0 }, { "error", 3 },
	{ "info", 6 },  { "notice", 5 }, { "panic", 0 }, { "warning", 4 },
};

static int log_parse_level(struct log_info *li, const char *arg, struct xt_parse *ps)
{
	unsigned long v;
	unsigned int i;
	char *end;

	if (arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		v = strtoul(arg, &end, 0);
		if (!errno && !*end && v <= 7) {
			li->level = (uint8_t)v;
			return 0;
		}
	}
	for (i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
		if (strcmp(arg, log_level_names[i].name) == 0) {
			li->level = log_level_names[i].level;
			return 0;
		}
	}
	return xt_error(ps, "log level \"%s\" unknown", arg);
}

static int log_parse_prefix(struct log_info *li, const char *arg, struct xt_parse *ps)
{
	size_t n = strlen(arg);

	if (strchr(arg, '\n'))
		return xt_error(ps, "Newlines not allowed in --log-prefix");
	if (!n)
		return xt_error(ps, "--log-prefix: argument must have a minimum length of 1 "
				"characters");
	/* The kernel's field holds 29 characters; iptables cuts a longer
	 * prefix to that and so does the saved text we print. */
	if (n > TARGET_LOG_PREFIX_MAX)
		n = TARGET_LOG_PREFIX_MAX;
	memset(li->prefix, 0, sizeof(li->prefix));
	memcpy(li->prefix, arg, n);
	return 0;
}

static int log_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct log_info *li = data;

	if (li->seen & (1u << id))
		return xt_error(ps, "LOG: option \"%s\" can only be used once", log_opts[id].name);
	li->seen |= (uint8_t)(1u << id);
	switch (id) {
	case O_LOG_LEVEL:
		return log_parse_level(li, arg, ps);
	case O_LOG_PREFIX:
		return log_parse_prefix(li, arg, ps);
	default:
		li->flags |= log_flag_of[id];
		return 0;
	}
}

static int log_final(void *data, struct xt_parse *ps)
{
	struct log_info *li = data;

	if (!(li->seen & (1u << O_LOG_LEVEL)))
		li->level = LOG_DEFAULT_LEVEL;
	li->seen = 0;
	return 0;
}

/* xtables_save_string: bare when made only of letters, digits, '_' and
 * '-'; otherwise in double quotes with '"', '\' and '\'' escaped. */
static void log_print_string(struct out *o, const char *s)
{
	static const char bare[] = "_-0123456789abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t n = strspn(s, bare);

	out_append(o, " ", 1);
	if (n > 0 && s[n] == '\0') {
		out_append(o, s, strlen(s));
		return;
	}
	out_append(o, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '\'')
			out_append(o, "\\", 1);
		out_append(o, s, 1);
	}
	out_append(o, "\"", 1);
}

static void log_print(const void *data, struct out *o)
{
	const struct log_info *li = data;
	unsigned int id;

	if (li->prefix[0]) {
		out_text(o, " --log-prefix");
		log_print_string(o, li->prefix);
	}
	if (li->level != LOG_DEFAULT_LEVEL)
		out_text(o, " --log-level %u", (unsigned int)li->level);
	/* iptables' order: sequence, tcp options, ip options, uid, macdecode. */
	for (id = O_LOG_TCPSEQ; id <= O_LOG_MAC; id++)
		if (li->flags & log_flag_of[id])
			out_text(o, " %s", log_opts[id].name);
}

static unsigned int log_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct log_info *li = data;
	struct log_ratelimit *rl = state;
	char line[TARGET_LOG_LINE_MAX];
	struct target_log_line l;
	uint32_t lost;

	if (ctx->dry_run || !log_ratelimit_take(rl, ctx->r->now_ms, &lost))
		return XT_CONTINUE;
	if (lost) {
		snprintf(line, sizeof(line), "LOG: %u lines of %s rule %u lost to the rate limit",
			 lost, ctx->chain ? ctx->chain : "?", ctx->rulenum);
		log_line(li->level, line);
	}
	l = (struct target_log_line){
		.prefix = li->prefix,
		.flags = li->flags,
		.in = ctx->in ? ctx->in->name : NULL,
		.out = ctx->out ? ctx->out->name : NULL,
		.pkt = ctx->p->data,
		.len = ctx->p->len,
		.mark = ctx->p->mark,
	};
	target_LOG_format(line, sizeof(line), &l);
	log_line(li->level, line);
	return XT_CONTINUE;
}

const struct xt_target_ops target_LOG_ops = {
	.name = "LOG",
	.size = sizeof(struct log_info),
	.state_size = sizeof(struct log_ratelimit),
	.opts = log_opts,
	.parse = log_parse,
	.final = log_final,
	.target = log_target,
	.print = log_print,
};

/* ---- the line (nf_log_syslog.c's format, byte for byte) ---- */

/* An append-only buffer that counts what it could not hold. */
struct log_buf {
	char *b;
	size_t size;
	size_t len;
};

static void lb_put(struct log_buf *m, const char *s, size_t n)
{
	if (m->len + 1 < m->size) {
		size_t room = m->size - 1 - m->len;

		memcpy(m->b + m->len, s, n < room ? n : room);
	}
	m->len += n;
}

static void lb_str(struct log_buf *m, const char *s)
{
	lb_put(m, s, strlen(s));
}

static void lb_u32(struct log_buf *m, uint32_t v)
{
	char d[10];
	unsigned int i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	lb_put(m, d + i, sizeof(d) - i);
}

/* Hex digits of v: at least width of them, upper or lower case. */
static void lb_hex(struct log_buf *m, uint32_t v, unsigned int width, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char d[8];
	unsigned int i = sizeof(d);

	do {
		d[--i] = digits[v & 0xf];
		v >>= 4;
	} while (v || sizeof(d) - i < width);
	lb_put(m, d + i, sizeof(d) - i);
}

/* "KEY=value " pieces, the kernel's building block. */
static void lb_kv(struct log_buf *m, const char *key, uint32_t v)
{
	lb_str(m, key);
	lb_u32(m, v);
	lb_put(m, " ", 1);
}

static void lb_ip4(struct log_buf *m, const uint8_t *a)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (i)
			lb_put(m, ".", 1);
		lb_u32(m, a[i]);
	}
}

static void lb_opts(struct log_buf *m, const uint8_t *op, unsigned int n)
{
	unsigned int i;

	lb_str(m, "OPT (");
	for (i = 0; i < n; i++)
		lb_hex(m, op[i], 2, true);
	lb_str(m, ") ");
}

static uint16_t lb_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t lb_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* skb_header_pointer: are n bytes at off inside the packet? */
static bool lb_have(const struct target_log_line *l, uint32_t off, uint32_t n)
{
	return off <= l->len && n <= l->len - off;
}

/* "INCOMPLETE [N bytes] ", N counted from off to the end of the packet
 * (unsigned, as the kernel's, should off lie past it). */
static void lb_incomplete(struct log_buf *m, const struct target_log_line *l, uint32_t off)
{
	lb_str(m, "INCOMPLETE [");
	lb_u32(m, (uint32_t)l->len - off);
	lb_str(m, " bytes] ");
}

/* nf_log_dump_tcp_header; true when the line must end here. */
static bool log_fmt_tcp(struct log_buf *m, const struct target_log_line *l, bool frag,
			uint32_t off)
{
	static const char *const fl[] = { "CWR ", "ECE ", "URG ", "ACK ", "PSH ", "RST ", "SYN ",
					  "FIN " };
	const uint8_t *th = l->pkt + off;
	unsigned int i, optsize;

	lb_str(m, "PROTO=TCP ");
	if (frag)
		return false;
	if (!lb_have(l, off, 20)) {
		lb_incomplete(m, l, off);
		return true;
	}
	lb_kv(m, "SPT=", lb_be16(th));
	lb_kv(m, "DPT=", lb_be16(th + 2));
	if (l->flags & TARGET_LOG_TCPSEQ) {
		lb_kv(m, "SEQ=", lb_be32(th + 4));
		lb_kv(m, "ACK=", lb_be32(th + 8));
	}
	lb_kv(m, "WINDOW=", lb_be16(th + 14));
	/* The three reserved bits; the fourth is AE (ex-NS, RFC 9768). */
	lb_str(m, "RES=0x");
	lb_hex(m, (th[12] & 0x0eu) << 2, 2, false);
	lb_put(m, " ", 1);
	if (th[12] & 0x01)
		lb_str(m, "AE ");
	for (i = 0; i < 8; i++)
		if (th[13] & (0x80u >> i))
			lb_str(m, fl[i]);
	lb_kv(m, "URGP=", lb_be16(th + 18));
	optsize = (th[12] >> 4) * 4u;
	if ((l->flags & TARGET_LOG_TCPOPT) && optsize > 20) {
		optsize -= 20;
		if (!lb_have(l, off + 20, optsize)) {
			lb_str(m, "OPT (TRUNCATED)");
			return true;
		}
		lb_opts(m, th + 20, optsize);
	}
	return false;
}

/* nf_log_dump_udp_header (UDP and UDP-Lite); true when the line must end. */
static bool log_fmt_udp(struct log_buf *m, const struct target_log_line *l, uint8_t proto,
			bool frag, uint32_t off)
{
	const uint8_t *uh = l->pkt + off;

	lb_str(m, proto == IPPROTO_UDP ? "PROTO=UDP " : "PROTO=UDPLITE ");
	if (frag)
		return false;
	if (!lb_have(l, off, 8)) {
		lb_incomplete(m, l, off);
		return true;
	}
	lb_kv(m, "SPT=", lb_be16(uh));
	lb_kv(m, "DPT=", lb_be16(uh + 2));
	lb_kv(m, "LEN=", lb_be16(uh + 4));
	return false;
}

static void log_fmt_ipv4(struct log_buf *m, const struct target_log_line *l, uint32_t iphoff);

/* The ICMP part of dump_ipv4_packet; errors quote the packet they are
 * about, in brackets, one level deep. */
static void log_fmt_icmp(struct log_buf *m, const struct target_log_line *l, bool frag,
			 uint32_t iphoff, uint32_t off)
{
	/* Bytes the kernel wants after the IP header before it decodes a type. */
	static const uint8_t required[19] = {
		[0] = 4, [3] = 28, [4] = 28, [5] = 28, [8] = 4, [11] = 28, [12] = 28,
		[13] = 20, [14] = 20, [17] = 12, [18] = 12,
	};
	const uint8_t *ic = l->pkt + off;
	uint32_t avail = (uint32_t)l->len - off;

	lb_str(m, "PROTO=ICMP ");
	if (frag)
		return;
	if (!lb_have(l, off, 8)) {
		lb_incomplete(m, l, off);
		return;
	}
	lb_kv(m, "TYPE=", ic[0]);
	lb_kv(m, "CODE=", ic[1]);
	if (ic[0] < sizeof(required) && required[ic[0]] && avail < required[ic[0]]) {
		lb_incomplete(m, l, off);
		return;
	}
	switch (ic[0]) {
	case 0:
	case 8:
		lb_kv(m, "ID=", lb_be16(ic + 4));
		lb_kv(m, "SEQ=", lb_be16(ic + 6));
		return;
	case 12:
		lb_kv(m, "PARAMETER=", ic[4]);
		return;
	case 5:
		lb_str(m, "GATEWAY=");
		lb_ip4(m, ic + 4);
		lb_put(m, " ", 1);
		/* fall through */
	case 3:
	case 4:
	case 11:
		if (!iphoff) {
			lb_put(m, "[", 1);
			log_fmt_ipv4(m, l, off + 8);
			lb_str(m, "] ");
		}
		if (ic[0] == 3 && ic[1] == 4)
			lb_kv(m, "MTU=", lb_be16(ic + 6));
		return;
	default:
		return;
	}
}

/* AH and ESP: the SPI. The kernel says nothing at all about a non-first
 * AH fragment, but names ESP's protocol. */
static void log_fmt_ipsec(struct log_buf *m, const struct target_log_line *l, bool ah,
			  bool frag, uint32_t off)
{
	uint32_t need = ah ? 12 : 8;

	if (frag && ah)
		return;
	lb_str(m, ah ? "PROTO=AH " : "PROTO=ESP ");
	if (frag)
		return;
	if (!lb_have(l, off, need)) {
		lb_incomplete(m, l, off);
		return;
	}
	lb_str(m, "SPI=0x");
	lb_hex(m, lb_be32(l->pkt + off + (ah ? 4 : 0)), 1, false);
	lb_put(m, " ", 1);
}

/* dump_ipv4_packet for the header at iphoff (0: the packet itself). */
static void log_fmt_ipv4(struct log_buf *m, const struct target_log_line *l, uint32_t iphoff)
{
	const uint8_t *ih = l->pkt + iphoff;
	uint16_t frag_off;
	uint32_t hl, off;
	bool frag;

	if (!lb_have(l, iphoff, 20)) {
		lb_str(m, "TRUNCATED");
		return;
	}
	hl = (ih[0] & 0x0fu) * 4u;
	off = iphoff + hl;
	frag_off = lb_be16(ih + 6);
	frag = (frag_off & 0x1fff) != 0;
	lb_str(m, "SRC=");
	lb_ip4(m, ih + 12);
	lb_str(m, " DST=");
	lb_ip4(m, ih + 16);
	lb_put(m, " ", 1);
	lb_kv(m, "LEN=", lb_be16(ih + 2));
	lb_str(m, "TOS=0x");
	lb_hex(m, ih[1] & 0x1eu, 2, true);
	lb_str(m, " PREC=0x");
	lb_hex(m, ih[1] & 0xe0u, 2, true);
	lb_put(m, " ", 1);
	lb_kv(m, "TTL=", ih[8]);
	lb_kv(m, "ID=", lb_be16(ih + 4));
	if (frag_off & 0x8000)
		lb_str(m, "CE ");
	if (frag_off & 0x4000)
		lb_str(m, "DF ");
	if (frag_off & 0x2000)
		lb_str(m, "MF ");
	if (frag)
		lb_kv(m, "FRAG:", frag_off & 0x1fffu);
	if ((l->flags & TARGET_LOG_IPOPT) && hl > 20) {
		if (!lb_have(l, iphoff + 20, hl - 20)) {
			lb_str(m, "TRUNCATED");
			return;
		}
		lb_opts(m, ih + 20, hl - 20);
	}
	switch (ih[9]) {
	case IPPROTO_TCP:
		if (log_fmt_tcp(m, l, frag, off))
			return;
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		if (log_fmt_udp(m, l, ih[9], frag, off))
			return;
		break;
	case IPPROTO_ICMP:
		log_fmt_icmp(m, l, frag, iphoff, off);
		break;
	case IPPROTO_AH:
	case IPPROTO_ESP:
		log_fmt_ipsec(m, l, ih[9] == IPPROTO_AH, frag, off);
		break;
	default:
		lb_kv(m, "PROTO=", ih[9]);
		break;
	}
	/* UID= would come here for a packet of a local socket: none exist. */
	if (!iphoff && l->mark) {
		lb_str(m, "MARK=0x");
		lb_hex(m, l->mark, 1, false);
		lb_put(m, " ", 1);
	}
}

size_t target_LOG_format(char *buf, size_t size, const struct target_log_line *l)
{
	struct log_buf m = { .b = buf, .size = size, .len = 0 };

	lb_str(&m, l->prefix ? l->prefix : "");
	lb_str(&m, "IN=");
	lb_str(&m, l->in ? l->in : "");
	lb_str(&m, " OUT=");
	lb_str(&m, l->out ? l->out : "");
	lb_put(&m, " ", 1);
	/* dump_mac_header: a TUN has no link header, so nothing follows. */
	if (l->in)
		lb_str(&m, "MAC= ");
	log_fmt_ipv4(&m, l, 0);
	if (size)
		buf[m.len < size ? m.len : size - 1] = '\0';
	return m.len;
}
