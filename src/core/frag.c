// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv4 fragmentation (RFC 791 section 3.2; the slow path of the kernel's
 * ip_do_fragment).
 *
 * The payload is cut in pieces of (mtu - header) rounded down to 8 bytes.
 * The first fragment keeps the original header with every option; the
 * others carry only the options whose "copied" bit is set (RFC 791 3.1),
 * padded with EOL to a 4-byte multiple, so their header may be shorter and
 * their pieces a little larger. Offsets are counted from the original's own
 * offset and MF stays set on the last piece when the original had it, so a
 * fragment can be fragmented again.
 *
 * p itself becomes the first fragment: its header is already right and its
 * payload already in place, so the only copies are of the later pieces. The
 * later fragments are built first, so that p is still untouched if the pool
 * runs dry.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include "core/frag.h"
#include "core/ipv4.h"

/* Option types with a meaning here (RFC 791 3.1). */
#define FRAG_OPT_EOL 0u
#define FRAG_OPT_NOP 1u
#define FRAG_OPT_COPIED 0x80u

/*
 * Build in hdr the header of the fragments after the first: the fixed 20
 * bytes and the copied options, padded with EOL, IHL adjusted. NOPs are not
 * copied (their copied bit is clear). Returns the header length, or -EINVAL
 * when an option length runs past the header (the caller validated the
 * packet, so this is a defence, not a path).
 */
static int frag_later_header(const uint8_t *orig, unsigned int hlen, uint8_t *hdr)
{
	unsigned int i = IPV4_HDR_MIN, n = IPV4_HDR_MIN;

	memcpy(hdr, orig, IPV4_HDR_MIN);
	while (i < hlen && orig[i] != FRAG_OPT_EOL) {
		unsigned int olen;

		if (orig[i] == FRAG_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || orig[i + 1] < 2 || i + orig[i + 1] > hlen)
			return -EINVAL;
		olen = orig[i + 1];
		if (orig[i] & FRAG_OPT_COPIED) {
			memcpy(hdr + n, orig + i, olen);
			n += olen;
		}
		i += olen;
	}
	while (n & 3u)
		hdr[n++] = FRAG_OPT_EOL;
	hdr[0] = (uint8_t)((hdr[0] & 0xf0u) | (n / 4u));
	return (int)n;
}

/* Total length, offset, MF and checksum of one fragment; RF and DF are kept
 * from the original header. */
static void frag_fix_header(struct pkt *f, unsigned int off, uint16_t df_rf, bool more)
{
	struct iphdr *ip = ipv4_hdr(f);

	ip->tot_len = htons((uint16_t)f->len);
	ip->frag_off = htons((uint16_t)(df_rf | (more ? IPV4_F_MF : 0u) | (off / 8u)));
	ipv4_set_csum(ip);
}

/* The metadata every fragment carries (ip_copy_metadata). Offload state is
 * not copied: a fragment is neither a GSO super-packet nor checksum-partial,
 * so the caller must have resolved any offload before fragmenting. */
static void frag_copy_meta(struct pkt_pool *pool, struct pkt *f, const struct pkt *p)
{
	f->iif = p->iif;
	f->oif = p->oif;
	f->mark = p->mark;
	f->hook = p->hook;
	f->nexthop = p->nexthop;
	f->flags = p->flags & (uint8_t)~PKT_F_VNET;
	pkt_ct_copy(pool, f, p); /* each fragment holds its own reference */
	f->tstamp_ms = p->tstamp_ms;
}

static void frag_free_list(struct pkt_pool *pool, struct pkt *f)
{
	while (f) {
		struct pkt *next = f->next;

		pkt_free(pool, f);
		f = next;
	}
}

int frag_split(struct pkt_pool *pool, struct pkt *p, unsigned int mtu, struct pkt **out)
{
	const struct iphdr *ip = ipv4_hdr(p);
	unsigned int hlen = ipv4_hdrlen(ip), hlen2, plen, base, first, chunk, off;
	uint16_t fo = ntohs(ip->frag_off), df_rf = fo & (IPV4_F_DF | IPV4_F_RF);
	bool orig_mf = (fo & IPV4_F_MF) != 0;
	uint8_t later[IPV4_HDR_MAX];
	struct pkt *list = NULL, **tail = &list;
	int n = 1, ret;

	if (hlen < IPV4_HDR_MIN || hlen > p->len)
		return -EINVAL;
	if (p->len <= mtu) {
		p->next = NULL;
		*out = p;
		return 1;
	}
	if (mtu < hlen + 8u)
		return -EMSGSIZE;
	ret = frag_later_header(p->data, hlen, later);
	if (ret < 0)
		return ret;
	hlen2 = (unsigned int)ret;
	plen = p->len - hlen;
	base = ipv4_frag_offset(ip);
	/* Every piece must start at an offset the 13-bit field can hold. */
	if (base + plen > PKT_MAX_LEN)
		return -EINVAL;
	first = (mtu - hlen) & ~7u;
	chunk = (mtu - hlen2) & ~7u;

	for (off = first; off < plen; off += chunk) {
		unsigned int len = plen - off < chunk ? plen - off : chunk;
		struct pkt *f = pkt_alloc(pool);

		if (!f) {
			*tail = NULL;
			frag_free_list(pool, list);
			return -ENOBUFS;
		}
		memcpy(f->data, later, hlen2);
		memcpy(f->data + hlen2, p->data + hlen + off, len);
		f->len = hlen2 + len;
		f->l4_off = (uint16_t)hlen2;
		frag_fix_header(f, base + off, df_rf, orig_mf || off + len < plen);
		frag_copy_meta(pool, f, p);
		*tail = f;
		tail = &f->next;
		n++;
	}
	*tail = NULL;

	p->len = hlen + first;
	frag_fix_header(p, base, df_rf, true);
	p->flags &= (uint8_t)~PKT_F_VNET;
	memset(&p->vnet, 0, sizeof(p->vnet));
	p->next = list;
	*out = p;
	return n;
}
