// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The FIB: a path-compressed binary trie (a PATRICIA trie, the shape of the
 * kernel's fib_trie before level compression and of WireGuard's
 * allowedips).
 *
 * Every node is a prefix (key/plen, kept in the struct route it embeds). A
 * node either carries a route, or is a branch point that exists only
 * because two routes below it diverge at bit plen; a branch point always
 * has exactly two children, so the trie holds at most 2n - 1 nodes for n
 * routes (about 32 bytes each: some 6 MB for 100k routes). A child's prefix
 * always extends its parent's, and child[b] holds the prefixes whose bit
 * number plen (counting from the most significant) is b.
 *
 * Why this and not the alternatives:
 *  - a lookup walks one root-to-leaf path, at most 33 nodes whatever the
 *    route count, and typically about log2(n);
 *  - a multibit trie with stride 8 expands prefixes into 256-entry nodes,
 *    which costs hundreds of MB for 100k scattered long prefixes; stride 4
 *    still needs eight levels and prefix expansion on every update;
 *  - per-length hash tables cost up to 33 probes per lookup (or markers for
 *    a binary search over lengths) and give no order for route_walk, which
 *    here is a plain pre-order walk: a prefix comes before the prefixes it
 *    contains, and the 0 branch before the 1 branch, which is ascending
 *    (prefix, plen) order.
 *
 * Changes happen only on the control path (configuration, netlink), so
 * nodes come from malloc; lookups, on the packet path, allocate nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/route.h"

struct route_node {
	struct route_node *child[2];
	struct route r;    /* r.prefix/r.plen is this node's prefix */
	bool is_route;     /* false: a branch point, r.kind/r.oif unused */
};

struct route_table {
	struct route_node *root;
	size_t count;
};

static inline uint32_t route_mask(unsigned int plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

/* Bit number pos of addr, counting from the most significant; pos < 32. */
static inline unsigned int route_bit(uint32_t addr, unsigned int pos)
{
	return (addr >> (31 - pos)) & 1u;
}

static inline bool route_node_covers(const struct route_node *n, uint32_t addr)
{
	return ((addr ^ n->r.prefix) & route_mask(n->r.plen)) == 0;
}

/* Length of the common prefix of prefix/plen and a node's prefix. */
static unsigned int route_common(const struct route_node *n, uint32_t prefix, unsigned int plen)
{
	uint32_t diff = prefix ^ n->r.prefix;
	unsigned int common = diff ? (unsigned int)__builtin_clz(diff) : 32;

	if (common > plen)
		common = plen;
	if (common > n->r.plen)
		common = n->r.plen;
	return common;
}

static struct route_node *route_node_new(uint32_t prefix, unsigned int plen)
{
	struct route_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->r.prefix = prefix & route_mask(plen);
	n->r.plen = (uint8_t)plen;
	return n;
}

struct route_table *route_table_new(void)
{
	return calloc(1, sizeof(struct route_table));
}

/* Depth is at most 33, so recursion is bounded. */
static void route_node_free(struct route_node *n)
{
	if (!n)
		return;
	route_node_free(n->child[0]);
	route_node_free(n->child[1]);
	free(n);
}

void route_table_free(struct route_table *t)
{
	if (!t)
		return;
	route_node_free(t->root);
	free(t);
}

static void route_set(struct route_node *n, enum route_kind kind, int oif)
{
	n->r.kind = (uint8_t)kind;
	n->r.oif = (int16_t)oif;
	n->is_route = true;
}

int route_add(struct route_table *t, uint32_t prefix, uint8_t plen, enum route_kind kind, int oif)
{
	struct route_node **slot = &t->root, *n, *leaf, *mid;
	unsigned int common;

	if (plen > 32 || (unsigned int)kind > ROUTE_BROADCAST || oif < INT16_MIN ||
	    oif > INT16_MAX)
		return -EINVAL;
	prefix &= route_mask(plen);

	/* Descend while the node's prefix contains the new one. */
	while ((n = *slot) && (common = route_common(n, prefix, plen)) == n->r.plen) {
		if (n->r.plen == plen) {
			if (!n->is_route)
				t->count++;
			route_set(n, kind, oif);
			return 0;
		}
		slot = &n->child[route_bit(prefix, n->r.plen)];
	}

	leaf = route_node_new(prefix, plen);
	if (!leaf)
		return -ENOMEM;
	route_set(leaf, kind, oif);
	if (!n) {
		/* An empty branch: the new route hangs there alone. */
		*slot = leaf;
	} else if (common == plen) {
		/* The new prefix contains n: it goes in between. */
		leaf->child[route_bit(n->r.prefix, plen)] = n;
		*slot = leaf;
	} else {
		/* They diverge at bit common: a branch point holds both. */
		mid = route_node_new(prefix, common);
		if (!mid) {
			free(leaf);
			return -ENOMEM;
		}
		mid->child[route_bit(prefix, common)] = leaf;
		mid->child[route_bit(n->r.prefix, common)] = n;
		*slot = mid;
	}
	t->count++;
	return 0;
}

/*
 * Remove the route and the nodes that no longer earn their place: a node
 * without a route needs two children. pslot is the slot of the parent, so
 * that a branch point left with one child can be replaced by that child.
 */
int route_del(struct route_table *t, uint32_t prefix, uint8_t plen)
{
	struct route_node **slot = &t->root, **pslot = NULL, *n, *p, *only;

	if (plen > 32)
		return -ENOENT;
	prefix &= route_mask(plen);
	while ((n = *slot) && n->r.plen < plen && route_node_covers(n, prefix)) {
		pslot = slot;
		slot = &n->child[route_bit(prefix, n->r.plen)];
	}
	if (!n || n->r.plen != plen || n->r.prefix != prefix || !n->is_route)
		return -ENOENT;

	t->count--;
	n->is_route = false;
	if (n->child[0] && n->child[1])
		return 0; /* still a branch point */
	*slot = n->child[0] ? n->child[0] : n->child[1];
	free(n);
	if (*slot || !pslot)
		return 0;
	/* n was a leaf: its parent lost a child. */
	p = *pslot;
	if (p->is_route)
		return 0;
	only = p->child[0] ? p->child[0] : p->child[1];
	*pslot = only;
	free(p);
	return 0;
}

const struct route *route_lookup(const struct route_table *t, uint32_t addr)
{
	const struct route_node *n = t->root;
	const struct route *best = NULL;

	while (n && route_node_covers(n, addr)) {
		if (n->is_route)
			best = &n->r;
		if (n->r.plen == 32)
			break;
		n = n->child[route_bit(addr, n->r.plen)];
	}
	return best;
}

size_t route_count(const struct route_table *t)
{
	return t->count;
}

static int route_node_walk(const struct route_node *n,
			   int (*fn)(const struct route *r, void *arg), void *arg)
{
	int ret;

	if (!n)
		return 0;
	if (n->is_route && (ret = fn(&n->r, arg)))
		return ret;
	if ((ret = route_node_walk(n->child[0], fn, arg)))
		return ret;
	return route_node_walk(n->child[1], fn, arg);
}

int route_walk(const struct route_table *t, int (*fn)(const struct route *r, void *arg), void *arg)
{
	return route_node_walk(t->root, fn, arg);
}

const char *route_kind_name(enum route_kind kind)
{
	switch (kind) {
	case ROUTE_CONNECTED:
		return "connected";
	case ROUTE_STATIC:
		return "static";
	case ROUTE_LOCAL:
		return "local";
	case ROUTE_BROADCAST:
		return "broadcast";
	}
	return "unknown";
}
