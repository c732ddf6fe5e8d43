// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one registry of matches and targets. An extension is a const ops
 * table defined in its own match_NAME.c / target_NAME.c and listed here;
 * nothing is looked up by symbol name at run time.
 */
#include <netinet/in.h>
#include <string.h>
#include "tables/xt.h"

/* Every extension that exists. A reference here is what links an
 * extension's object into the program (they live in a static library). */
#define XT_MATCH(n) extern const struct xt_match_ops match_##n##_ops;
#define XT_TARGET(n) extern const struct xt_target_ops target_##n##_ops;
#define XT_MATCHES(X) X(tcp) X(udp) X(icmp) X(multiport) X(limit) X(mark) X(comment) \
	X(iprange) X(length) X(ttl) X(tos) X(dscp) X(addrtype) X(pkttype) X(ipv4options) \
	X(rpfilter) X(state) X(conntrack) X(connmark)
#define XT_TARGETS(X) X(REJECT) X(LOG) X(MARK) X(TOS) X(DSCP) X(TTL) X(TCPMSS) X(TRACE) \
	X(NFQUEUE) X(QUEUE) X(CONNMARK) X(CT) X(NOTRACK) X(SNAT) X(DNAT) X(MASQUERADE) \
	X(REDIRECT)
XT_MATCHES(XT_MATCH)
XT_TARGETS(XT_TARGET)

#define XT_MATCH_REF(n) &match_##n##_ops,
#define XT_TARGET_REF(n) &target_##n##_ops,
static const struct xt_match_ops *const xt_matches[] = { XT_MATCHES(XT_MATCH_REF) };
static const struct xt_target_ops *const xt_targets[] = { XT_TARGETS(XT_TARGET_REF) };

#define XT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct xt_match_ops *xt_match_at(unsigned int i)
{
	for (; i < XT_COUNT(xt_matches); i++)
		if (xt_matches[i])
			return xt_matches[i];
	return NULL;
}

const struct xt_target_ops *xt_target_at(unsigned int i)
{
	for (; i < XT_COUNT(xt_targets); i++)
		if (xt_targets[i])
			return xt_targets[i];
	return NULL;
}

const struct xt_match_ops *xt_match_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < XT_COUNT(xt_matches); i++) {
		const struct xt_match_ops *m = xt_matches[i];

		if (m && (strcmp(m->name, name) == 0 || (m->alias && strcmp(m->alias, name) == 0)))
			return m;
	}
	return NULL;
}

const struct xt_target_ops *xt_target_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < XT_COUNT(xt_targets); i++)
		if (xt_targets[i] && strcmp(xt_targets[i]->name, name) == 0)
			return xt_targets[i];
	return NULL;
}

const struct xt_match_ops *xt_match_implicit(uint16_t proto)
{
	unsigned int i;

	for (i = 0; i < XT_COUNT(xt_matches); i++)
		if (xt_matches[i] && xt_matches[i]->proto && xt_matches[i]->proto == proto)
			return xt_matches[i];
	return NULL;
}
