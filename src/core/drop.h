/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every packet drop has a named reason and its own counter. The list is data:
 * one X-macro gives the enum, the names printed by `tunfilter show stats`
 * and the JSON keys, so they cannot drift apart.
 */
#ifndef TF_CORE_DROP_H
#define TF_CORE_DROP_H

#include <stdint.h>

#define TF_DROP_REASONS(X)                                                   \
	X(NOT_IPV4, "not_ipv4", "not an IPv4 packet")                        \
	X(TRUNCATED, "truncated", "shorter than an IPv4 header")             \
	X(BAD_IHL, "bad_ihl", "header length below 20 bytes or past the end") \
	X(BAD_TOTLEN, "bad_total_length", "total length disagrees with bytes read") \
	X(BAD_CSUM, "bad_checksum", "IPv4 header checksum wrong")            \
	X(BAD_OPTIONS, "bad_options", "malformed IPv4 options")              \
	X(SOURCE_ROUTE, "source_route", "source route option (accept_source_route 0)") \
	X(MARTIAN_SRC, "martian_source", "impossible source address")        \
	X(MARTIAN_DST, "martian_destination", "impossible destination address") \
	X(NO_ROUTE, "no_route", "no route to the destination")               \
	X(TTL_EXPIRED, "ttl_expired", "TTL reached zero while forwarding")    \
	X(FRAG_NEEDED, "frag_needed", "larger than the MTU with DF set")      \
	X(FRAG_FAILED, "frag_failed", "could not be fragmented")             \
	X(DEFRAG_OVERLAP, "defrag_overlap", "overlapping fragment")           \
	X(DEFRAG_DUPLICATE, "defrag_duplicate", "exact duplicate of a held fragment") \
	X(DEFRAG_OVERSIZE, "defrag_oversize", "fragments past 65535 bytes")   \
	X(DEFRAG_INVALID, "defrag_invalid", "malformed fragment")             \
	X(DEFRAG_TIMEOUT, "defrag_timeout", "reassembly timed out")           \
	X(DEFRAG_MEMORY, "defrag_memory", "reassembly memory cap reached")    \
	X(HOOK_DROP, "hook_drop", "a hook handler answered DROP")             \
	X(QUEUE_NO_CONSUMER, "queue_no_consumer", "QUEUE verdict with no queue consumer") \
	X(QUEUE_FULL, "queue_full", "queue full (or queued packets at their limit), no fail-open") \
	X(QUEUE_DROP, "queue_drop", "a queue consumer answered DROP")          \
	X(QUEUE_DEFAULT, "queue_default", "default verdict DROP: consumer gone or timed out") \
	X(QUEUE_BAD_PAYLOAD, "queue_bad_payload", "replacement payload not a valid IPv4 packet") \
	X(QUEUE_UNHOOKED, "queue_unhooked", "the handler that queued it is gone (reload)") \
	X(REPEAT_LIMIT, "repeat_limit", "REPEAT verdict bound reached")        \
	X(BAD_VERDICT, "bad_verdict", "a hook handler answered an unknown verdict") \
	X(NO_BUFFER, "no_buffer", "packet buffer pool empty")                \
	X(IF_DOWN, "interface_down", "output interface is down")             \
	X(TX_ERROR, "tx_error", "write to the TUN device failed")            \
	X(LOCAL_PROTO, "local_unhandled", "local packet not answered (ICMP error or non-echo ICMP)") \
	X(ICMP_RATELIMIT, "icmp_ratelimit", "ICMP error suppressed by the rate limit") \
	X(CT_TABLE_FULL, "conntrack_full", "new connection: conntrack table full, nothing to evict") \
	X(CT_INSERT_FAILED, "conntrack_insert_failed", "new connection clashed with a tracked one") \
	X(NAT_NO_TUPLE, "nat_no_free_tuple", "NAT: every port of the range is taken") \
	X(NAT_MASQ_GONE, "nat_masquerade_gone", "MASQUERADE: its interface went down or changed") \
	X(NAT_NO_ADDRESS, "nat_no_address", "MASQUERADE/REDIRECT: the interface has no address") \
	X(NAT_MALFORMED, "nat_malformed", "NAT: headers too short to rewrite")

enum tf_drop {
#define TF_DROP_ENUM(id, name, desc) DROP_##id,
	TF_DROP_REASONS(TF_DROP_ENUM)
#undef TF_DROP_ENUM
	DROP_MAX
};

struct drop_stats {
	uint64_t count[DROP_MAX];
};

/* The stable name of a reason ("bad_checksum"), used as text and JSON key. */
const char *drop_name(enum tf_drop reason);
/* A human description of a reason. */
const char *drop_desc(enum tf_drop reason);

static inline void drop_count(struct drop_stats *s, enum tf_drop reason)
{
	s->count[reason]++;
}

#endif
