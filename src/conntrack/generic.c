// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every protocol without a tracker of its own (nf_conntrack_proto_generic):
 * one connection per address pair and protocol, no state, generic_timeout
 * (600 s) after each packet.
 */
#include "conntrack/proto.h"
#include "conntrack/table.h"

static bool ct_generic_tuple(struct ct_tuple *t, const uint8_t *l4, unsigned int len)
{
	return true;
}

static bool ct_generic_invert(struct ct_tuple *inv, const struct ct_tuple *t)
{
	return true;
}

static int ct_generic_packet(struct ct_entry *e, const struct ct_l4_ctx *c, enum ct_dir dir,
			     uint8_t ctinfo)
{
	ct_table_refresh(c->t, e, c->t->cfg.timeout_ms[CT_TO_GENERIC]);
	return CT_R_ACCEPT;
}

const struct ct_proto_ops ct_generic_ops = {
	.proto = 0,
	.name = "unknown",
	.tuple = ct_generic_tuple,
	.invert = ct_generic_invert,
	.packet = ct_generic_packet,
};
