// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DSCP: set the six DSCP bits of the TOS byte, keeping the two ECN bits
 * (xt_DSCP.c; options as libxt_DSCP).
 *
 *   --set-dscp N          0..63
 *   --set-dscp-class C    CS0..CS7, BE, AF11..AF43, EF, any case; as
 *                         iptables, an argument that starts with a class
 *                         name is that class ("af411" is AF41)
 *
 * printed back, as iptables-save, as "--set-dscp 0xNN". Mangle table only.
 * The header checksum is updated incrementally, only when the bits change.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "tables/xt.h"

#define DSCP_SHIFT 2
#define DSCP_ECN_MASK 0x03u

enum { O_SET_DSCP, O_SET_DSCP_CLASS };

struct dscp_info {
	uint8_t dscp;
	uint8_t seen;      /* 1 + id of the option given (parsing only) */
};

static const struct xt_option dscp_opts[] = {
	{ .name = "--set-dscp", .id = O_SET_DSCP, .has_arg = true },
	{ .name = "--set-dscp-class", .id = O_SET_DSCP_CLASS, .has_arg = true },
	{ .name = NULL },
};

/* xtables' dscp_helper.c, in its order (the first prefix match wins). */
static const struct {
	const char *name;
	uint8_t dscp;
} dscp_classes[] = {
	{ "CS0", 0x00 },  { "CS1", 0x08 },  { "CS2", 0x10 },  { "CS3", 0x18 },  { "CS4", 0x20 },
	{ "CS5", 0x28 },  { "CS6", 0x30 },  { "CS7", 0x38 },  { "BE", 0x00 },   { "AF11", 0x0a },
	{ "AF12", 0x0c }, { "AF13", 0x0e }, { "AF21", 0x12 }, { "AF22", 0x14 }, { "AF23", 0x16 },
	{ "AF31", 0x1a }, { "AF32", 0x1c }, { "AF33", 0x1e }, { "AF41", 0x22 }, { "AF42", 0x24 },
	{ "AF43", 0x26 }, { "EF", 0x2e },
};

static int dscp_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct dscp_info *d = data;
	unsigned int i;
	uint32_t v;

	if (d->seen == id + 1)
		return xt_error(ps, "DSCP: option \"%s\" can only be used once", dscp_opts[id].name);
	/* Named in the order of the option table, as iptables does. */
	if (d->seen)
		return xt_error(ps, "DSCP: option \"%s\" cannot be used together with \"%s\"",
				dscp_opts[d->seen - 1 < id ? d->seen - 1 : id].name,
				dscp_opts[d->seen - 1 < id ? id : d->seen - 1].name);
	d->seen = (uint8_t)(id + 1);
	if (id == O_SET_DSCP) {
		if (xt_parse_u32(ps, "--set-dscp", arg, 0, 63, &v) < 0)
			return -EINVAL;
		d->dscp = (uint8_t)v;
		return 0;
	}
	for (i = 0; i < sizeof(dscp_classes) / sizeof(dscp_classes[0]); i++) {
		if (strncasecmp(arg, dscp_classes[i].name, strlen(dscp_classes[i].name)) == 0) {
			d->dscp = dscp_classes[i].dscp;
			return 0;
		}
	}
	return xt_error(ps, "Invalid DSCP value \"%s\"", arg);
}

static int dscp_final(void *data, struct xt_parse *ps)
{
	struct dscp_info *d = data;

	if (!d->seen)
		return xt_error(ps, "DSCP target: Parameter --set-dscp is required");
	d->seen = 0;
	return 0;
}

static int dscp_check(const void *data, const struct xt_check *chk)
{
	if (chk->table != XT_TABLE_MANGLE)
		return xt_error(chk->ps, "DSCP target: only valid in mangle table, not %s",
				xt_table_name(chk->table));
	return 0;
}

static void dscp_print(const void *data, struct out *o)
{
	const struct dscp_info *d = data;

	out_text(o, " --set-dscp 0x%02x", (unsigned int)d->dscp);
}

static unsigned int dscp_target(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct dscp_info *d = data;
	struct iphdr *ip = ipv4_hdr(ctx->p);
	uint16_t old, new_;

	if (ip->tos >> DSCP_SHIFT == d->dscp)
		return XT_CONTINUE;
	memcpy(&old, ip, sizeof(old));
	ip->tos = (uint8_t)((ip->tos & DSCP_ECN_MASK) | d->dscp << DSCP_SHIFT);
	memcpy(&new_, ip, sizeof(new_));
	csum_replace2(&ip->check, old, new_);
	return XT_CONTINUE;
}

const struct xt_target_ops target_DSCP_ops = {
	.name = "DSCP",
	.size = sizeof(struct dscp_info),
	.opts = dscp_opts,
	.parse = dscp_parse,
	.final = dscp_final,
	.check = dscp_check,
	.target = dscp_target,
	.print = dscp_print,
};
