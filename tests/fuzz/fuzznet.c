// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The harnesses' router (see fuzznet.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "core/csum.h"
#include "core/ipv4.h"
#include "fuzz.h"
#include "fuzznet.h"
#include "tables/restore.h"
#include "tables/ruleset.h"
#include "tables/tables.h"

/* The transport checksum of a packet that is not a fragment, folded: 0
 * when right (or absent: UDP's 0); other protocols give 0. */
static uint16_t fuzznet_l4_sum(const uint8_t *d, uint32_t len)
{
	const struct iphdr *ip = (const struct iphdr *)d;
	unsigned int hl = ipv4_hdrlen(ip), l4len = len - hl;
	uint32_t sum = 0;

	switch (ip->protocol) {
	case IPPROTO_UDP:
		if (l4len < 8 || (d[hl + 6] == 0 && d[hl + 7] == 0))
			return 0;
		/* fall through */
	case IPPROTO_TCP:
		sum = csum_pseudo(ip->saddr, ip->daddr, ip->protocol, (uint16_t)l4len);
		break;
	case IPPROTO_ICMP:
		break;
	default:
		return 0;
	}
	return csum_fold(csum_partial(d + hl, l4len, sum));
}

static int fuzznet_xmit(struct router *r, struct iface *ifc, struct pkt *p)
{
	struct iphdr *ip = ipv4_hdr(p);
	uint32_t len = p->len;
	enum tf_drop why;

	FUZZ_CHECK(len <= ifc->mtu, "%u bytes out of %s, mtu %u", len, ifc->name, ifc->mtu);
	FUZZ_CHECK(len >= sizeof(*ip) && ntohs(ip->tot_len) == len,
		   "total length %u of a %u-byte packet",
		   len >= sizeof(*ip) ? ntohs(ip->tot_len) : 0, len);
	FUZZ_CHECK(ipv4_validate_header(p, &why) == 0, "an invalid header goes out (%s)",
		   drop_name(why));
	if ((p->flags & PKT_F_LOCAL_ORIGIN) && !ipv4_is_fragment(ip))
		FUZZ_CHECK(fuzznet_l4_sum(p->data, len) == 0,
			   "our own packet (protocol %u) has a bad checksum", ip->protocol);
	ifc->st.tx_packets++;
	ifc->st.tx_bytes += len;
	pkt_free(&r->pool, p);
	return 0;
}

const struct router_ops fuzznet_ops = { .xmit = fuzznet_xmit };

uint32_t fuzznet_addr(const char *s)
{
	struct in_addr a;

	FUZZ_CHECK(inet_pton(AF_INET, s, &a) == 1, "%s", s);
	return a.s_addr;
}

void fuzznet_up(struct router *r, const struct router_config *cfg, uint32_t wan_mtu)
{
	struct route_table *t;

	FUZZ_CHECK(router_init(r, cfg, &fuzznet_ops, NULL) == 0, "router_init");
	FUZZ_CHECK(router_iface_add(r, "lan0", fuzznet_addr("10.1.0.1"), 24, 1500, -1) == 0,
		   "lan0");
	FUZZ_CHECK(router_iface_add(r, "wan0", fuzznet_addr("10.2.0.1"), 24, wan_mtu, -1) == 1,
		   "wan0");
	t = route_table_new();
	FUZZ_CHECK(t, "route_table_new");
	FUZZ_CHECK(route_add(t, ntohl(fuzznet_addr("10.20.0.0")), 16, ROUTE_STATIC, 1) == 0,
		   "10.20.0.0/16");
	FUZZ_CHECK(route_add(t, 0, 0, ROUTE_STATIC, 1) == 0, "default route");
	FUZZ_CHECK(router_fib_add_connected(r, t) == 0, "connected routes");
	router_fib_replace(r, t);
	router_set_clock(r, 1000000, 0);
	FUZZ_CHECK(tables_init(r) == 0, "tables_init");
}

void fuzznet_rules(struct router *r, const char *text)
{
	struct ruleset *rs = ruleset_new(ruleset_counters(r->ruleset));
	char err[RULESET_ERR_MAX];

	FUZZ_CHECK(rs, "ruleset_new");
	FUZZ_CHECK(restore_text(rs, text, strlen(text), "fuzz.v4", 0, err, sizeof(err)) == 0, "%s",
		   err);
	FUZZ_CHECK(ruleset_commit(r, rs, err, sizeof(err)) == 0, "%s", err);
}

void fuzznet_fix_ip(uint8_t *d, uint32_t len)
{
	struct iphdr *ip = (struct iphdr *)d;

	if (len < sizeof(*ip))
		return;
	ip->version = 4;
	if (ip->ihl < 5 || ip->ihl * 4u > len)
		ip->ihl = 5;
	ip->tot_len = htons((uint16_t)len);
	ipv4_set_csum(ip);
}

void fuzznet_fix_l4(uint8_t *d, uint32_t len)
{
	struct iphdr *ip = (struct iphdr *)d;
	unsigned int hl, l4len, off;
	uint32_t sum = 0;
	uint16_t *field;

	if (len < sizeof(*ip) || ipv4_is_fragment(ip))
		return;
	hl = ipv4_hdrlen(ip);
	if (len < hl)
		return;
	l4len = len - hl;
	switch (ip->protocol) {
	case IPPROTO_TCP:
		off = 16;
		break;
	case IPPROTO_UDP:
		off = 6;
		break;
	case IPPROTO_ICMP:
		off = 2;
		break;
	default:
		return;
	}
	if (l4len < off + 2u || l4len > 0xffff)
		return;
	field = (uint16_t *)(d + hl + off);
	*field = 0;
	if (ip->protocol != IPPROTO_ICMP)
		sum = csum_pseudo(ip->saddr, ip->daddr, ip->protocol, (uint16_t)l4len);
	*field = csum_fold(csum_partial(d + hl, l4len, sum));
	if (ip->protocol == IPPROTO_UDP && !*field)
		*field = 0xffff;
}
