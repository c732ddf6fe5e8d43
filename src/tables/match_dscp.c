// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m dscp: the DiffServ code point (the TOS byte's upper six bits) equal to
 * a value, as the kernel's xt_dscp.c dscp_mt(). Options and save text of
 * iptables' libxt_dscp.c: "--dscp N" (0..63, decimal, 0x hex or 0 octal)
 * or "--dscp-class NAME" (dscp_helper.c's classes, any case), exclusive;
 * both save as "--dscp 0xNN".
 *
 * Unlike iptables, a class name must be given whole: iptables compares
 * only the class's length of characters, so it takes "cs10" as CS1 and
 * "EFx" as EF; here those are refused.
 */
#include <errno.h>
#include <strings.h>
#include "core/ipv4.h"
#include "tables/xt.h"

#define DSCP_MAX 0x3fu
#define DSCP_SHIFT 2

enum {
	DSCP_O_DSCP = 1,
	DSCP_O_CLASS,
};

/* The kernel's struct xt_dscp_info; every byte defined. */
struct dscp_match {
	uint8_t dscp;
	uint8_t invert;
	uint8_t seen;    /* the DSCP_O_* given (parsing only) */
	uint8_t pad;
};

/* dscp_helper.c's ds_classes (IANA DSCP registry). */
static const struct {
	const char *name;
	uint8_t dscp;
} dscp_classes[] = {
	{ "CS0", 0x00 }, { "CS1", 0x08 }, { "CS2", 0x10 }, { "CS3", 0x18 },
	{ "CS4", 0x20 }, { "CS5", 0x28 }, { "CS6", 0x30 }, { "CS7", 0x38 },
	{ "BE", 0x00 }, { "AF11", 0x0a }, { "AF12", 0x0c }, { "AF13", 0x0e },
	{ "AF21", 0x12 }, { "AF22", 0x14 }, { "AF23", 0x16 }, { "AF31", 0x1a },
	{ "AF32", 0x1c }, { "AF33", 0x1e }, { "AF41", 0x22 }, { "AF42", 0x24 },
	{ "AF43", 0x26 }, { "EF", 0x2e },
};

static const struct xt_option dscp_opts[] = {
	{ .name = "--dscp", .id = DSCP_O_DSCP, .has_arg = true, .invertible = true },
	{ .name = "--dscp-class", .id = DSCP_O_CLASS, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

static const char *dscp_opt_name(int id)
{
	return id == DSCP_O_DSCP ? "--dscp" : "--dscp-class";
}

static int dscp_parse_class(struct dscp_match *m, const char *arg, struct xt_parse *ps)
{
	unsigned int i;

	for (i = 0; i < sizeof(dscp_classes) / sizeof(dscp_classes[0]); i++) {
		if (strcasecmp(arg, dscp_classes[i].name) == 0) {
			m->dscp = dscp_classes[i].dscp;
			return 0;
		}
	}
	return xt_error(ps, "dscp: Invalid DSCP value \"%s\" for --dscp-class "
			"(BE, EF, AFxx or CSx)", arg);
}

static int dscp_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct dscp_match *m = data;
	uint32_t v;

	if (id != DSCP_O_DSCP && id != DSCP_O_CLASS)
		return xt_error(ps, "dscp: unknown option id %d", id);
	if (m->seen == id)
		return xt_error(ps, "dscp: option \"%s\" can only be used once", dscp_opt_name(id));
	if (m->seen)
		return xt_error(ps, "dscp: option \"%s\" cannot be used together with \"%s\"",
				dscp_opt_name(id), dscp_opt_name(m->seen));
	m->seen = (uint8_t)id;
	m->invert = invert;
	if (id == DSCP_O_CLASS)
		return dscp_parse_class(m, arg, ps);
	if (xt_parse_u32(ps, "--dscp", arg, 0, DSCP_MAX, &v) < 0)
		return -EINVAL;
	m->dscp = (uint8_t)v;
	return 0;
}

static int dscp_final(void *data, struct xt_parse *ps)
{
	struct dscp_match *m = data;

	if (!m->seen)
		return xt_error(ps, "DSCP match: Parameter --dscp is required");
	m->seen = 0;
	return 0;
}

static bool dscp_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct dscp_match *m = data;

	return ((ipv4_hdr(ctx->p)->tos >> DSCP_SHIFT) == m->dscp) ^ !!m->invert;
}

static void dscp_print(const void *data, struct out *o)
{
	const struct dscp_match *m = data;

	out_text(o, "%s --dscp 0x%02x", m->invert ? " !" : "", m->dscp);
}

const struct xt_match_ops match_dscp_ops = {
	.name = "dscp",
	.size = sizeof(struct dscp_match),
	.opts = dscp_opts,
	.parse = dscp_parse,
	.final = dscp_final,
	.match = dscp_match,
	.print = dscp_print,
};
