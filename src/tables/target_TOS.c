// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TOS: change the IPv4 TOS byte (xt_DSCP.c's tos_tg, revision 1; options
 * as libxt_TOS). Every form is tos = (tos & ~mask) ^ value:
 *
 *   --set-tos V[/M]     value V, mask M (default 0xff); or a name,
 *                       Minimize-Delay (0x10) Maximize-Throughput (0x08)
 *                       Maximize-Reliability (0x04) Minimize-Cost (0x02)
 *                       Normal-Service (0x00), any case, with mask 0x3f so
 *                       that the ECN bits are kept
 *   --and-tos M         value 0, mask ~M
 *   --or-tos M          value M, mask M
 *   --xor-tos M         value M, mask 0
 *
 * printed back, as iptables-save, as "--set-tos 0xVV/0xMM". Mangle table
 * only (the kernel's .table). The header checksum is updated incrementally
 * (RFC 1624), only when the byte changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "tables/xt.h"

enum { O_SET_TOS, O_AND_TOS, O_OR_TOS, O_XOR_TOS };

struct tos_info {
	uint8_t value;
	uint8_t mask;
	uint8_t seen;      /* 1 + id of the option given (parsing only) */
};

static const struct xt_option tos_opts[] = {
	{ .name = "--set-tos", .id = O_SET_TOS, .has_arg = true },
	{ .name = "--and-tos", .id = O_AND_TOS, .has_arg = true },
	{ .name = "--or-tos", .id = O_OR_TOS, .has_arg = true },
	{ .name = "--xor-tos", .id = O_XOR_TOS, .has_arg = true },
	{ .name = NULL },
};

static const struct {
	const char *name;
	uint8_t value;
} tos_names[] = {
	{ "Minimize-Delay", 0x10 },       { "Maximize-Throughput", 0x08 },
	{ "Maximize-Reliability", 0x04 }, { "Minimize-Cost", 0x02 },
	{ "Normal-Service", 0x00 },
};

/* A number 0..255 at s (C syntax: 0x.., 0..); *end after it. */
static bool tos_number(const char *s, char **end, unsigned long *v)
{
	if (*s < '0' || *s > '9')
		return false;
	*v = strtoul(s, end, 0);
	return *v <= 0xff;
}

/* libxt's tos_parse_symbolic: a leading number means "V[/M]" and nothing
 * else; otherwise one of the names. */
static int tos_parse_set(struct tos_info *t, const char *arg, struct xt_parse *ps)
{
	unsigned long v, m = 0xff;
	unsigned int i;
	char *end;

	if (tos_number(arg, &end, &v)) {
		if (*end == '/' && !tos_number(end + 1, &end, &m))
			return xt_error(ps, "Illegal value: \"%s\"", arg);
		if (*end)
			return xt_error(ps, "Illegal value: \"%s\"", arg);
		t->value = (uint8_t)v;
		t->mask = (uint8_t)m;
		return 0;
	}
	for (i = 0; i < sizeof(tos_names) / sizeof(tos_names[0]); i++) {
		if (strcasecmp(arg, tos_names[i].name) == 0) {
			t->value = tos_names[i].value;
			t->mask = 0x3f;
			return 0;
		}
	}
	return xt_error(ps, "Symbolic name \"%s\" is unknown", arg);
}

static int tos_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct tos_info *t = data;
	uint32_t v;

	if (t->seen == id + 1)
		return xt_error(ps, "TOS: option \"%s\" can only be used once", tos_opts[id].name);
	/* Named in the order of the option table, as iptables does. */
	if (t->seen)
		return xt_error(ps, "TOS: option \"%s\" cannot be used together with \"%s\"",
				tos_opts[t->seen - 1 < id ? t->seen - 1 : id].name,
				tos_opts[t->seen - 1 < id ? id : t->seen - 1].name);
	t->seen = (uint8_t)(id + 1);
	if (id == O_SET_TOS)
		return tos_parse_set(t, arg, ps);
	if (xt_parse_u32(ps, tos_opts[id].name, arg, 0, 0xff, &v) < 0)
		return -EINVAL;
	t->value = id == O_AND_TOS ? 0 : (uint8_t)v;
	t->mask = id == O_AND_TOS ? (uint8_t)~v : id == O_OR_TOS ? (uint8_t)v : 0;
	return 0;
}

static int tos_final(void *data, struct xt_parse *ps)
{
	struct tos_info *t = data;

	if (!t->seen)
		return xt_error(ps, "TOS: An action is required");
	t->seen = 0;
	return 0;
}

static int tos_check(const void *data, const struct xt_check *chk)
{
	if (chk->table != XT_TABLE_MANGLE)
		return xt_error(chk->ps, "TOS target: only valid in mangle table, not %s",
				xt_table_name(chk->table));
	return 0;
}

static void tos_print(const void *data, struct out *o)
{
	const struct tos_info *t = data;

	out_text(o, " --set-tos 0x%02x/0x%02x", (unsigned int)t->value, (unsigned int)t->mask);
}

static unsigned int tos_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct tos_info *t = data;
	struct iphdr *ip = ipv4_hdr(ctx->p);
	uint8_t nv = (uint8_t)((ip->tos & ~t->mask) ^ t->value);
	uint16_t old, new_;

	if (nv == ip->tos)
		return XT_CONTINUE;
	/* The TOS byte shares its 16-bit word with version/IHL. */
	memcpy(&old, ip, sizeof(old));
	ip->tos = nv;
	memcpy(&new_, ip, sizeof(new_));
	csum_replace2(&ip->check, old, new_);
	return XT_CONTINUE;
}

const struct xt_target_ops target_TOS_ops = {
	.name = "TOS",
	.size = sizeof(struct tos_info),
	.opts = tos_opts,
	.parse = tos_parse,
	.final = tos_final,
	.check = tos_check,
	.target = tos_target,
	.print = tos_print,
};
