// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Entries as text or JSON (see print.h). Control path only.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include "conntrack/print.h"
#include "conntrack/proto.h"

const char *ct_print_event_name(unsigned int ev)
{
	switch (ev) {
	case CT_EV_NEW:
		return "NEW";
	case CT_EV_UPDATE:
		return "UPDATE";
	case CT_EV_DESTROY:
		return "DESTROY";
	default:
		return "?";
	}
}

static void ct_print_tuple(struct out *o, const struct ct_entry *e, enum ct_dir dir, bool counters)
{
	const struct ct_tuple *t = ct_entry_tuple(e, dir);
	char a[INET_ADDRSTRLEN];

	out_obj_open(o, dir == CT_DIR_ORIGINAL ? "orig" : "reply");
	out_str(o, "src", " src=%s", inet_ntop(AF_INET, &t->src, a, sizeof(a)));
	out_str(o, "dst", " dst=%s", inet_ntop(AF_INET, &t->dst, a, sizeof(a)));
	switch (t->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		out_u64(o, "sport", " sport=%" PRIu64, ntohs(t->s.port));
		out_u64(o, "dport", " dport=%" PRIu64, ntohs(t->d.port));
		break;
	case IPPROTO_ICMP:
		out_u64(o, "type", " type=%" PRIu64, t->d.icmp.type);
		out_u64(o, "code", " code=%" PRIu64, t->d.icmp.code);
		out_u64(o, "id", " id=%" PRIu64, ntohs(t->s.id));
		break;
	default:
		break;
	}
	if (counters) {
		out_u64(o, "packets", " packets=%" PRIu64, e->packets[dir]);
		out_u64(o, "bytes", " bytes=%" PRIu64, e->bytes[dir]);
	}
	out_obj_close(o);
}

static void ct_print_status(struct out *o, uint16_t status)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ CT_S_EXPECTED, "EXPECTED" },   { CT_S_SEEN_REPLY, "SEEN_REPLY" },
		{ CT_S_ASSURED, "ASSURED" },     { CT_S_CONFIRMED, "CONFIRMED" },
		{ CT_S_SRC_NAT, "SRC_NAT" },     { CT_S_DST_NAT, "DST_NAT" },
		{ CT_S_SRC_NAT_DONE, "SRC_NAT_DONE" }, { CT_S_DST_NAT_DONE, "DST_NAT_DONE" },
		{ CT_S_DYING, "DYING" },
	};
	unsigned int i;

	/* JSON only: the text shows [UNREPLIED] and [ASSURED] in place. */
	out_arr_open(o, "status");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (status & names[i].bit)
			out_str(o, "status", NULL, names[i].name);
	out_arr_close(o);
}

void ct_print_entry(struct out *o, const struct ct_table *t, const struct ct_entry *e,
		    unsigned int ev)
{
	const struct ct_proto_ops *ops = ct_proto_find(ct_entry_proto(e));
	bool counters = ev == 0 || ev == CT_EV_DESTROY;
	char tag[16];

	out_obj_open(o, NULL);
	if (ev) {
		/* conntrack -E: the event right-aligned in 9 columns. */
		snprintf(tag, sizeof(tag), "[%s]", ct_print_event_name(ev));
		out_text(o, "%9s ", tag);
		out_str(o, "event", NULL, ct_print_event_name(ev));
	}
	out_str(o, "proto", "%-8s", ops->name);
	out_u64(o, "protonum", " %" PRIu64, ct_entry_proto(e));
	if (ev != CT_EV_DESTROY)
		out_u64(o, "timeout", " %" PRIu64, ct_table_timeout_left(t, e));
	if (ct_entry_proto(e) == IPPROTO_TCP)
		out_str(o, "state", " %s", ct_tcp_state_name(e->proto.tcp.state));
	ct_print_tuple(o, e, CT_DIR_ORIGINAL, counters);
	if (!(e->status & CT_S_SEEN_REPLY))
		out_text(o, " [UNREPLIED]");
	ct_print_tuple(o, e, CT_DIR_REPLY, counters);
	if (e->status & CT_S_ASSURED)
		out_text(o, " [ASSURED]");
	ct_print_status(o, e->status);
	if (!ev || e->mark)
		out_u64(o, "mark", " mark=%" PRIu64, e->mark);
	if (!ev)
		out_u64(o, "use", " use=%" PRIu64, e->use);
	out_u64(o, "id", NULL, e->id);
	out_nl(o);
	out_obj_close(o);
}
