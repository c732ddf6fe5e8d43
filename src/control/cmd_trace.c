// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One TRACE step as an event line (see cmd_trace.h): called from the
 * router's trace callback while a monitor listens, so only for traced
 * packets; it allocates (the output buffer) but the packet path never
 * reaches it otherwise.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "control/cmd_trace.h"
#include "core/ipv4.h"
#include "core/router.h"
#include "tables/xt.h"

/* The same for every step of one packet: its buffer, arrival time and IP
 * ID, mixed (splitmix64's finaliser). Addresses are left out: NAT will
 * change them between steps. */
static uint32_t cmd_trace_id(const struct pkt *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p ^ (p->tstamp_ms * 0x9e3779b97f4a7c15ULL) ^
		     ((uint64_t)ntohs(ipv4_hdr(p)->id) << 48);

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (uint32_t)x;
}

static const char *cmd_trace_ifname(const struct router *r, int idx)
{
	if (idx < 0 || idx >= ROUTER_MAX_IFACES || !r->ifaces[idx].used)
		return NULL;
	return r->ifaces[idx].name;
}

static void cmd_trace_tcpflags(uint8_t f, char *buf, size_t len)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG",
					     "ECE", "CWR" };
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 8; i++)
		if (f & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
					      names[i]);
	if (!n)
		snprintf(buf, len, "NONE");
}

/* Ports, TCP flags or ICMP type/code, when the first fragment carries them. */
static void cmd_trace_l4(const struct pkt *p, struct out *o)
{
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hl = ipv4_hdrlen(ip);
	const uint8_t *l4 = p->data + hl;
	char flags[40];

	if (ipv4_frag_offset(ip))
		return;
	if ((ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) && p->len >= hl + 4) {
		out_u64(o, "sport", " sport %" PRIu64, (uint64_t)(l4[0] << 8 | l4[1]));
		out_u64(o, "dport", " dport %" PRIu64, (uint64_t)(l4[2] << 8 | l4[3]));
		if (ip->protocol == IPPROTO_TCP && p->len >= hl + 14) {
			cmd_trace_tcpflags(l4[13], flags, sizeof(flags));
			out_str(o, "flags", " flags %s", flags);
		}
	} else if (ip->protocol == IPPROTO_ICMP && p->len >= hl + 2) {
		out_u64(o, "type", " type %" PRIu64, l4[0]);
		out_u64(o, "code", " code %" PRIu64, l4[1]);
	}
}

void cmd_trace_format(const struct router *r, const struct pkt *p, const char *table,
			const char *chain, unsigned int rulenum, const char *what, struct out *o)
{
	const struct iphdr *ip = ipv4_hdr(p);
	bool policy = !strncmp(what, "policy ", 7);
	char id[12], src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], proto[8];
	const char *pname;

	snprintf(id, sizeof(id), "%08x", cmd_trace_id(p));
	inet_ntop(AF_INET, &ip->saddr, src, sizeof(src));
	inet_ntop(AF_INET, &ip->daddr, dst, sizeof(dst));
	pname = ip->protocol == IPPROTO_TCP ? "tcp" : ip->protocol == IPPROTO_UDP ? "udp" :
		ip->protocol == IPPROTO_ICMP ? "icmp" : NULL;
	snprintf(proto, sizeof(proto), "%u", ip->protocol);

	out_obj_open(o, NULL);
	out_str(o, "id", "trace id %s", id);
	out_str(o, "table", " %s", table);
	out_str(o, "chain", " %s", chain);
	out_str(o, "hook", NULL, xt_hook_chain_name(p->hook));
	if (policy) {
		out_text(o, " policy");
		out_str(o, "rule", NULL, NULL);
	} else {
		out_u64(o, "rule", " rule %" PRIu64, rulenum);
	}
	out_str(o, "verdict", " (%s)", policy ? what + 7 : what);
	out_str(o, "in", cmd_trace_ifname(r, p->iif) ? " in=%s" : NULL,
		cmd_trace_ifname(r, p->iif));
	out_str(o, "out", cmd_trace_ifname(r, p->oif) ? " out=%s" : NULL,
		cmd_trace_ifname(r, p->oif));
	out_str(o, "src", " %s", src);
	out_str(o, "dst", " > %s", dst);
	out_str(o, "proto", " proto %s", pname ? pname : proto);
	cmd_trace_l4(p, o);
	out_u64(o, "len", " len %" PRIu64, p->len);
	out_u64(o, "mark", p->mark ? " mark 0x%" PRIx64 : NULL, p->mark);
	out_nl(o);
	out_obj_close(o);
}
