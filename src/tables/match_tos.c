// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * -m tos: (IP TOS byte & mask) == value, as the kernel's xt_dscp.c
 * tos_mt() (revision 1). Options and save text of iptables' libxt_tos.c
 * and libxtables' xtopt_parse_tosmask():
 *
 *   --tos 0x10        value 0x10, mask 0xff (a number: the whole byte)
 *   --tos 16/0x3f     value and mask, each 0..255, any base strtoul reads
 *   --tos Minimize-Delay   a name (any case): its value, mask 0x3f (the
 *                     old TOS bits, without the precedence)
 *
 * The save text is always "0xVV/0xMM", so "--tos Minimize-Delay" saves as
 * "--tos 0x10/0x3f" and "--tos 0x10" as "--tos 0x10/0xff". The value is
 * kept as given even with bits outside the mask (it then never matches,
 * in the kernel too).
 */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include "core/ipv4.h"
#include "tables/xt.h"

enum {
	TOS_O_TOS = 1,
};

/* The kernel's struct xt_tos_match_info; every byte defined. */
struct tos_match {
	uint8_t mask;
	uint8_t value;
	uint8_t invert;
	uint8_t seen;    /* --tos given (parsing only) */
};

/* libxtables' tos_symbol_names. */
static const struct {
	const char *name;
	uint8_t value;
} tos_names[] = {
	{ "Minimize-Delay", 0x10 },
	{ "Maximize-Throughput", 0x08 },
	{ "Maximize-Reliability", 0x04 },
	{ "Minimize-Cost", 0x02 },
	{ "Normal-Service", 0x00 },
};

/* The mask a name implies (the xt_option_entry's .max of revision 1). */
#define TOS_NAME_MASK 0x3fu

static const struct xt_option tos_opts[] = {
	{ .name = "--tos", .id = TOS_O_TOS, .has_arg = true, .invertible = true },
	{ .name = NULL },
};

/* A leading number of at most 255, as xtables_strtoui with an end
 * pointer: digits must start the string, anything may follow. */
static bool tos_strtou8(const char *s, char **end, uint8_t *out)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, end, 0);
	if (errno || v > 255)
		return false;
	*out = (uint8_t)v;
	return true;
}

/* "value[/mask]" once a leading number was seen: tos_parse_numeric(). */
static int tos_parse_numeric(struct tos_match *m, const char *arg, struct xt_parse *ps)
{
	char *end;

	if (!tos_strtou8(arg, &end, &m->value))
		return xt_error(ps, "tos: Illegal value: \"%s\"", arg);
	m->mask = 0xff;
	if (*end == '/' && !tos_strtou8(end + 1, &end, &m->mask))
		return xt_error(ps, "tos: Illegal value: \"%s\"", arg);
	if (*end != '\0')
		return xt_error(ps, "tos: Illegal value: \"%s\"", arg);
	return 0;
}

static int tos_parse(void *data, int id, const char *arg, bool invert, struct xt_parse *ps)
{
	struct tos_match *m = data;
	unsigned int i;
	char *end;
	uint8_t v;

	if (id != TOS_O_TOS)
		return xt_error(ps, "tos: unknown option id %d", id);
	if (m->seen)
		return xt_error(ps, "tos: option \"--tos\" can only be used once");
	m->seen = 1;
	m->invert = invert;
	/* As xtopt_parse_tosmask: a leading number in range means the numeric
	 * form (whose junk is then "Illegal"); anything else must be a name,
	 * so "256" is an unknown name, as iptables says. */
	if (tos_strtou8(arg, &end, &v))
		return tos_parse_numeric(m, arg, ps);
	for (i = 0; i < sizeof(tos_names) / sizeof(tos_names[0]); i++) {
		if (strcasecmp(arg, tos_names[i].name) == 0) {
			m->value = tos_names[i].value;
			m->mask = TOS_NAME_MASK;
			return 0;
		}
	}
	return xt_error(ps, "tos: Symbolic name \"%s\" is unknown", arg);
}

static int tos_final(void *data, struct xt_parse *ps)
{
	struct tos_match *m = data;

	if (!m->seen)
		return xt_error(ps, "tos: option \"--tos\" must be specified");
	m->seen = 0;
	return 0;
}

static bool tos_match(const void *data, void *state, struct xt_ctx *ctx)
{
	const struct tos_match *m = data;

	return ((ipv4_hdr(ctx->p)->tos & m->mask) == m->value) ^ !!m->invert;
}

static void tos_print(const void *data, struct out *o)
{
	const struct tos_match *m = data;

	out_text(o, "%s --tos 0x%02x/0x%02x", m->invert ? " !" : "", m->value, m->mask);
}

const struct xt_match_ops match_tos_ops = {
	.name = "tos",
	.size = sizeof(struct tos_match),
	.opts = tos_opts,
	.parse = tos_parse,
	.final = tos_final,
	.match = tos_match,
	.print = tos_print,
};
