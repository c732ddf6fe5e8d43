/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ICMP (RFC 792) as a router sends it: errors about packets it cannot
 * deliver (time exceeded, unreachable, fragmentation needed), following the
 * rules of RFC 1812 section 4.3.2.7 on when not to send one, and answers to
 * echo and timestamp requests. The rate limit mirrors the kernel's two
 * limits: a global token bucket (net.ipv4.icmp_msgs_per_sec, _burst) and a
 * per-destination one (net.ipv4.icmp_ratelimit in ms, for the types in
 * net.ipv4.icmp_ratemask). Echo replies are not limited (default mask).
 */
#ifndef TF_CORE_ICMP_H
#define TF_CORE_ICMP_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/ip_icmp.h>
#include "core/pkt.h"

#define ICMP_LIMIT_SLOTS 256u

struct icmp_limit_config {
	uint32_t ratelimit_ms;  /* per destination; 0 turns it off */
	uint32_t msgs_per_sec;  /* global; 0 turns it off */
	uint32_t msgs_burst;
	uint32_t ratemask;      /* bit n set: type n is per-destination limited */
};

/* Kernel defaults: 1000 ms, 1000/s, burst 50, mask 0x1818 (types 3, 4, 11, 12). */
#define ICMP_LIMIT_DEFAULTS { 1000, 1000, 50, 0x1818 }

struct icmp_limit_slot {
	uint32_t dst;
	uint32_t tokens;      /* in ms of credit, as inet_peer_xrlim_allow */
	uint64_t last_ms;
};

struct icmp_limiter {
	struct icmp_limit_config cfg;
	uint64_t global_last_ms;
	uint32_t global_credit;   /* messages, scaled by 1000 */
	struct icmp_limit_slot slot[ICMP_LIMIT_SLOTS]; /* direct-mapped by dst hash */
};

void icmp_limiter_init(struct icmp_limiter *l, const struct icmp_limit_config *cfg);
/* May an ICMP message of this type go to dst (network order) now? */
bool icmp_limiter_allow(struct icmp_limiter *l, uint32_t dst, uint8_t type, uint64_t now_ms);
/* The same knowing the code: fragmentation needed (3/4) is never limited,
 * as the kernel never limits path MTU discovery. icmp_limiter_allow is this
 * with code 0. */
bool icmp_limiter_allow_code(struct icmp_limiter *l, uint32_t dst, uint8_t type, uint8_t code,
			     uint64_t now_ms);

/*
 * RFC 1812 4.3.2.7 on the packet alone: no error about an ICMP error, about
 * a non-first fragment, or to a source that is not a unique host (0/8,
 * 127/8, multicast, limited broadcast, class E), nor about a packet sent to
 * a multicast or limited broadcast address. Subnet broadcasts need the FIB:
 * the caller checks those.
 */
bool icmp_error_allowed(const struct pkt *orig);

/*
 * Build an ICMP error about orig in a new pool buffer: IP header from src
 * (network order) to orig's source, TTL 64, then type, code, the 32-bit
 * rest-of-header info (next-hop MTU for fragmentation needed, pointer for
 * parameter problem; host order), then as much of orig as fits in 576
 * bytes (RFC 1812 4.3.2.3). ip_id is stored as given (network order).
 * 0, -ENOBUFS.
 */
int icmp_error_build(struct pkt_pool *pool, const struct pkt *orig, uint8_t type, uint8_t code,
		     uint32_t info, uint32_t src, uint16_t ip_id, struct pkt **out);

/*
 * icmp_error_build, with the options orig arrived with echoed in the
 * error's IP header as __icmp_send does (ip_options_echo: record route
 * and timestamp, our slot filled with src and ms_of_day, ms since midnight
 * UT), the quote shortened to keep 576 bytes. Returns -EINVAL, and builds
 * nothing, where the kernel's echo fails. icmp_error_build is this with
 * ms_of_day 0.
 */
int icmp_error_build_opts(struct pkt_pool *pool, const struct pkt *orig, uint8_t type,
			  uint8_t code, uint32_t info, uint32_t src, uint16_t ip_id,
			  uint32_t ms_of_day, struct pkt **out);

/*
 * Turn an echo (8) or timestamp (13) request in p into its reply, in place:
 * addresses swapped (the reply's source is src, network order, because a
 * request to a broadcast address is answered from the interface address),
 * options echoed as in icmp_error_build_opts (removed when p->ipopt says
 * none were processed), TTL 64, checksums recomputed. For timestamps the receive
 * and transmit fields are ms_of_day (ms since midnight UT). ip_id is
 * network order. 0, or -EINVAL
 * when p is not such a request or is malformed (too short, bad checksum).
 */
int icmp_reply(struct pkt *p, uint32_t src, uint16_t ip_id, uint32_t ms_of_day);

/* The five error types that carry the header of the packet they are about
 * (the kernel's icmp_is_err(): what conntrack makes RELATED). */
static inline bool icmp_is_err(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

#endif
